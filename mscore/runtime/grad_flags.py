"""``requires_grad`` / ``is_leaf`` reads and writes that need no tape.

Training scripts that take gradients functionally (a recognised training step becomes ``mindspore.value_and_grad``)
still read and set the flag: ``[p for p in model.parameters() if p.requires_grad]``, ``p.requires_grad = False`` to
freeze, ``model.requires_grad_(False)``. Importing ``autograd`` (torch's imperative autograd on MindSpore's tape)
switches PyNative op recording on for the whole process, so these accessors live here and reach ``autograd`` only
for what is tape use: marking a plain tensor (not a Parameter) as requiring grad, which is how torch code makes a
leaf to call ``backward`` on. A Parameter's flag is public (``Parameter.requires_grad``) and ``value_and_grad``
reads it; a Cell's ``requires_grad_`` sets its parameters' flags.
"""
from __future__ import annotations

from mindspore import Parameter, Tensor, nn

__all__ = ["requires_grad", "set_requires_grad", "requires_grad_", "is_leaf"]


def requires_grad(t) -> bool:
    """``t.requires_grad``."""
    if isinstance(t, Parameter):
        return bool(t.requires_grad)
    if isinstance(t, Tensor):
        return bool(t._requires_grad)
    return t.requires_grad


def requires_grad_(t, requires_grad=True):
    """``t.requires_grad_(flag)`` returning ``t`` (MindSpore's returns None). A plain tensor goes to the tape
    (``autograd.requires_grad_``, which switches recording on); a Parameter or a Cell only has its flags set."""
    if isinstance(t, nn.Cell):
        for p in t.get_parameters():
            p.requires_grad = bool(requires_grad)
        return t
    if isinstance(t, Parameter):
        t.requires_grad = bool(requires_grad)
        return t
    if isinstance(t, Tensor):
        from . import autograd

        return autograd.requires_grad_(t, requires_grad)
    return t.requires_grad_(requires_grad)


def set_requires_grad(t, value) -> None:
    """``t.requires_grad = value``."""
    if isinstance(t, Tensor):
        requires_grad_(t, value)
    else:
        t.requires_grad = value


def is_leaf(t) -> bool:
    """``t.is_leaf``."""
    if not isinstance(t, Tensor):
        return t.is_leaf
    return bool(t._is_leaf)
