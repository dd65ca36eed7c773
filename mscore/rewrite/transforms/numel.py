"""``shape.numel()`` → ``tensors.numel(shape)`` where the receiver is a shape; any other ``x.numel()`` stays.

torch's shapes are ``torch.Size`` objects with a ``numel()`` method; MindSpore's are plain tuples, so Megatron's
``end_index = start_index + shape.numel()`` (the DDP grad buffer, ``shape: torch.Size``) raises AttributeError.
A receiver counts as a shape when it is ``<expr>.shape``, ``<expr>.size()`` (already or not yet rewritten to
``.shape``), or a name / attribute whose last identifier contains "shape" (``shape``, ``other_shape``,
``self.input_shape``). The runtime helper (``mscore_rt.tensors.numel``) takes a tensor too, so a misjudged receiver
still gets torch's answer; what is not judged a shape keeps MindSpore's own ``Tensor.numel`` (the same as torch's).
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import bind_call
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule


def is_shape(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" \
            and not node.args:
        return True
    if isinstance(node, cst.Attribute):
        return node.attr.value == "shape" or "shape" in node.attr.value.lower()
    return isinstance(node, cst.Name) and "shape" in node.value.lower()


@transform("numel")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("numel needs a method call")
    bind_call(rule, call.args)   # the call must fit the torch signature: no arguments
    if not is_shape(func.value):
        return call
    return cst.Call(func=ctx.target("mscore_rt.tensors.numel"), args=[cst.Arg(func.value)])
