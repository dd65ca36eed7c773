"""``torch.nn.utils.clip_grad_norm_`` (the rule's ``transform = "clip_grad_norm"``).

Inside a recognised training step there is no ``.grad`` to clip: the training-step rewrite
(``statements/training_step.py``) tells each statement after the backward where the ``value_and_grad`` gradient
list is (``Ctx.training.grads``) and whether the clipped parameters are provably the optimizer's; there the list is
clipped in place with torch's arithmetic and torch's total norm is returned. Anywhere else the call becomes
``mscore_rt.autograd.clip_grad_norm_``, which clips the tape's ``.grad`` (docs/autograd.md).
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import bind_call, code
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule

RUNTIME_CLIP = "mscore_rt.autograd.clip_grad_norm_"   # the tape's .grad (outside a recognised step)
LIST_CLIP = "mscore_rt.nn_ops.clip_grads_"            # the value_and_grad gradient list (inside one)


@transform("clip_grad_norm")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    """``clip_grad_norm_(params, max_norm)`` inside a recognised training step: clip the gradient list in place."""
    step = ctx.training
    if step is None or step.grads is None:   # outside a recognised step the gradients are the tape's .grad
        bind_call(rule, call.args)
        return call.with_changes(func=ctx.target(RUNTIME_CLIP))
    if step.clip_error:
        raise Unconvertible(step.clip_error)
    bound = bind_call(rule, call.args)
    for name, ok in (("norm_type", ("2.0", "2", "2.")), ("error_if_nonfinite", ("False",))):
        arg = bound.values.get(name)
        if arg is not None and code(arg.value).strip() not in ok:
            raise Unconvertible(f"{name}={code(arg.value).strip()} is not supported (2-norm, no finiteness check)")
    max_norm = bound.values.get("max_norm")
    if max_norm is None:
        raise Unconvertible("max_norm= is required")
    grads = cst.Arg(cst.parse_expression(step.grads), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return cst.Call(func=ctx.target(LIST_CLIP), args=[grads, cst.Arg(max_norm.value)])
