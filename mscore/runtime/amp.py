"""torch's autocast context and its autograd-Function decorators.

MindSpore 2.10 has no autocast *context*: mixed precision is set per Cell (``mindspore.amp.auto_mixed_precision``,
``Cell.to_float``), where it casts the inputs of the listed operators. So ``autocast`` here is a context manager and
decorator that casts nothing: ``autocast(..., enabled=False)`` (a region forced to full precision) is exact, and an
enabled region computes in the tensors' own dtypes — operators torch's autocast runs in lower precision
(matmul, linear, conv) stay in the precision of their inputs (float32 stays float32). Set mixed precision on the
Cell to get it back.

``custom_fwd`` / ``custom_bwd`` only carry the autocast state of a Function's forward into its backward (and, with
``cast_inputs``, cast its inputs when autocast is on); with no autocast state to carry they return the function
as it is. As decorators the converter removes them (rule field ``decorator = "drop"``).
"""
from __future__ import annotations

import contextlib

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_enabled"]


class autocast(contextlib.ContextDecorator):
    """torch.autocast / torch.amp.autocast / torch.cuda.amp.autocast / torch.npu.amp.autocast (see the module)."""

    def __init__(self, device_type=None, dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, bool(enabled)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def is_autocast_enabled(*args) -> bool:
    """No autocast region is ever active."""
    return False


def custom_fwd(fwd=None, *, device_type=None, cast_inputs=None):
    """torch.amp.custom_fwd / torch.cuda.amp.custom_fwd: ``@custom_fwd`` and ``@custom_fwd(cast_inputs=...)``."""
    if fwd is None:
        return lambda fn: fn
    return fwd


def custom_bwd(bwd=None, *, device_type=None):
    """torch.amp.custom_bwd / torch.cuda.amp.custom_bwd."""
    if bwd is None:
        return lambda fn: fn
    return bwd
