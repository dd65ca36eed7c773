"""Named structural transforms, one file each, referenced from rule data by ``transform = "<name>"``.

Each module exposes ``apply(ctx, rule, call, suffix) -> cst.BaseExpression`` and raises
:class:`mscore.rewrite.context.Unconvertible` to leave a call alone with a reason. ``module_to_cell`` is applied by
the locator (class bases, ``forward`` → ``construct``); as a reference it is an ordinary name mapping.
"""
from __future__ import annotations

from mscore.rewrite.transforms import inplace, receiver_only, size_to_shape, template, tensor_to, training_step

CALL_TRANSFORMS = {
    "size_to_shape": size_to_shape.apply,
    "receiver_only": receiver_only.apply,
    "tensor_to": tensor_to.apply,
    "inplace": inplace.apply,
    "template": template.apply,
    "training_step": training_step.apply,
}
STRUCTURAL = {"module_to_cell"}
KNOWN = frozenset(CALL_TRANSFORMS) | STRUCTURAL
