"""torch's defaults that MindSpore's classes lack, installed when the runtime package is imported: the
training-mode default of a Cell, and format specs on a 0-d tensor.

A torch ``nn.Module`` is in training mode once constructed (``module.training`` is True; dropout drops, batch norm
normalises with the batch's statistics and updates its running ones) until ``eval()``. A MindSpore ``Cell`` starts
with ``training`` False (its ``phase`` says "train", its layers behave as in inference) until ``set_train()``.
Converted code that never calls ``train()`` -- torch code need not -- would silently evaluate. Importing the
runtime package (``mscore_rt``: every converted file that uses a runtime helper does) makes every Cell constructed
afterwards start in training mode, on every backend; ``eval()`` / ``train(False)`` (``set_train(False)``) work as
before.

``format(t, ".4f")`` / ``f"{loss:.4f}"`` on a 0-d tensor formats its value in torch (``Tensor.__format__``);
MindSpore's Tensor inherits ``object.__format__``, which raises TypeError for any non-empty spec (a scheduler's
``get_last_lr()`` values are 0-d tensors there). A 0-d tensor now formats its ``item()``; anything else is formatted
as before (an empty spec is ``str(t)``, a spec on a larger tensor still raises).
"""
from __future__ import annotations

import mindspore as ms

__all__ = ["install_train_default", "install_tensor_format"]


def install_train_default() -> None:
    cell = ms.nn.Cell
    if getattr(cell, "_mscore_train_default", False):
        return
    init = cell.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        # as Cell.__init__ sets it (not through Cell.__setattr__, which a subclass may override)
        ms._c_expression.Cell_.__setattr__(self, "training", True)

    __init__.__doc__, __init__.__wrapped__ = init.__doc__, init
    cell.__init__ = __init__
    cell._mscore_train_default = True


def install_tensor_format() -> None:
    tensor = ms.Tensor
    if getattr(tensor, "_mscore_format", False):
        return
    original = tensor.__format__

    def __format__(self, spec):
        if spec and self.ndim == 0:
            return format(self.item(), spec)
        return original(self, spec)

    tensor.__format__ = __format__
    tensor._mscore_format = True
