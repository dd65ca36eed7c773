"""``x.size()`` → ``x.shape``; ``x.size(d)`` / ``x.size(dim=d)`` → ``x.shape[d]``.

MindSpore's ``Tensor.size`` is an int property (the element count), so calling it raises; ``shape`` is a tuple
like torch's ``torch.Size``.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import bind_call, code
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule


@transform("size_to_shape")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("size_to_shape needs a method call")
    receiver = func.value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and \
            receiver.func.attr.value in ("untyped_storage", "storage", "_typed_storage"):
        raise Unconvertible("the size of a storage, not of a tensor")
    shape = cst.Attribute(value=receiver, attr=cst.Name("shape"))
    bound = bind_call(rule, call.args)
    dim = next(iter(bound.values.values()), None)
    if dim is None or code(dim.value).strip() == "None":
        return shape
    return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(dim.value))])
