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

RUNTIME_CLIP = "mscore_rt.autograd.clip_grad_norm_"
# The clip coefficient is computed once (not once per gradient: 3 kernels each) and the squares are summed by one
# AddN kernel (`ops.addn`; a Python sum is one Add per gradient, `mint.stack` one ExpandDims per gradient): ~320
# kernels fewer per step on the mini Qwen2.5-VL's 81 gradients (docs/performance.md).
_CLIP_TEMPLATE = (
    "(lambda g, n: (lambda t: (lambda c: g.__setitem__(slice(None), [x * c for x in g]))("
    "mindspore.mint.clamp(n / (t + 1e-6), max=1.0)) or t)(mindspore.mint.sqrt(mindspore.ops.addn("
    "[((x if x.dtype == mindspore.float32 else x.float()) ** 2).sum() for x in g]))))({grads}, {max_norm})"
)


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
    return cst.parse_expression(ctx.mindspore_source(
        _CLIP_TEMPLATE.format(grads=step.grads, max_norm=f"({code(max_norm.value).strip()})")))
