"""``x.size()`` → ``x.shape``; ``x.size(d)`` / ``x.size(dim=d)`` → ``x.shape[d]``.

MindSpore's ``Tensor.size`` is an int property (the element count), so calling it raises; ``shape`` is a tuple
like torch's ``torch.Size``. A receiver named like a process group (``process_group.size()``,
``data_parallel_group.size()``) is torch's ``ProcessGroup.size()``, which the converted groups keep
(``mscore_rt.process_groups.ProcessGroup``): it is not a tensor call and stays.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, NoMatch, Unconvertible
from mscore.rewrite.transforms.calls import bind_call, code
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule


def _is_group(node: cst.BaseExpression) -> bool:
    """A process group, by its name: ``process_group``, ``self.data_parallel_group_gloo``, ``pg``,
    ``mpu.get_pipeline_model_parallel_group()`` (torch's ``ProcessGroup.size()`` is the group's world size)."""
    if isinstance(node, cst.Call):
        node = node.func
    name = node.attr.value if isinstance(node, cst.Attribute) else node.value if isinstance(node, cst.Name) else ""
    name = name.lower()
    return name in ("pg", "group") or name.endswith(("_group", "_group_gloo", "_pg")) or \
        (name.startswith("get_") and name.endswith("_group"))


@transform("size_to_shape")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("size_to_shape needs a method call")
    receiver = func.value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and \
            receiver.func.attr.value in ("untyped_storage", "storage", "_typed_storage"):
        raise Unconvertible("the size of a storage, not of a tensor")
    if _is_group(receiver):
        raise NoMatch("a process group's size(), not a tensor's")
    shape = cst.Attribute(value=receiver, attr=cst.Name("shape"))
    bound = bind_call(rule, call.args)
    dim = next(iter(bound.values.values()), None)
    if dim is None or code(dim.value).strip() == "None":
        return shape
    return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(dim.value))])
