"""Named structural transforms, one file each, referenced from rule data by ``transform = "<name>"``.

Each module exposes ``apply(ctx, rule, call, suffix) -> cst.BaseExpression`` and raises
:class:`mscore.rewrite.context.Unconvertible` to leave a call alone with a reason. ``module_to_cell`` is applied by
the locator (class bases, ``forward`` → ``construct``); as a reference it is an ordinary name mapping. ``out_arg``
(``out=``) is applied by the rewriter to every rule whose torch signature has an ``out`` parameter.
"""
from __future__ import annotations

from mscore.rewrite.transforms import (  # noqa: F401 - out_arg is applied by the rewriter to every rule with out=
    clip_grad_norm, inplace, out_arg, receiver_only, size_to_shape, template, tensor_to,
)

CALL_TRANSFORMS = {
    "size_to_shape": size_to_shape.apply,
    "receiver_only": receiver_only.apply,
    "tensor_to": tensor_to.apply,
    "inplace": inplace.apply,
    "template": template.apply,
    "clip_grad_norm": clip_grad_norm.apply,
}
# applied by the locator / rewriter, not named by a rule's transform=: module_to_cell (class bases, forward), out_arg
# (every rule whose torch signature has out=)
STRUCTURAL = {"module_to_cell", "out_arg"}
KNOWN = frozenset(CALL_TRANSFORMS) | STRUCTURAL
