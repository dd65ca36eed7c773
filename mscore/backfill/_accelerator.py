"""The CPU stands in for one Ascend device.

Converted code asks whether its accelerator is there before it does anything: Megatron's ``initialize_megatron``
asserts it ("Megatron requires CUDA", ``torch.cuda.is_available()`` → ``ascend.is_available()``), MindSpeed-MM
builds ``get_device("npu")`` as a default argument at import, and every launcher pins its rank's device
(``torch.cuda.set_device(local_rank)`` → ``mindspore.set_device``). On the CPU build all of these say "no", so
nothing of the training stack can even be imported on CPU, although the backfill runs its kernels there.

With the backfill on, these answer as a machine with one Ascend device that is the CPU: it is available, there is
one, and pinning device 0 of an accelerator keeps the CPU. A device index other than 0 raises: the CPU is one
device (the single-process group of ``_distributed`` is the matching world). Nothing changes on Ascend, where the
backfill is refused.
"""
from __future__ import annotations

import mindspore as ms

from ._registry import replaces

_ORIGINAL_SET_DEVICE = ms.set_device   # captured on import, before enable() installs the replacement below
_ACCELERATORS = ("ascend", "gpu", "npu", "cuda")


class OneDeviceOnly(RuntimeError):
    """A device index other than 0 asked of the CPU that stands in for one accelerator."""


@replaces("mindspore.device_context.ascend.is_available", "mindspore.device_context.gpu.is_available")
def is_available():
    return True


@replaces("mindspore.device_context.ascend.device_count", "mindspore.device_context.gpu.device_count")
def device_count():
    return 1


@replaces("mindspore.hal.device_count")
def hal_device_count(device_target=None):
    return 1


@replaces("mindspore.set_device")
def set_device(device_target, device_id=None):
    if str(device_target).lower() not in _ACCELERATORS:
        return _ORIGINAL_SET_DEVICE(device_target, device_id)
    if device_id not in (None, 0):
        raise OneDeviceOnly(f"set_device({device_target!r}, {device_id}): the CPU stands in for one device "
                            "(index 0) under mscore's CPU backfill")
    return _ORIGINAL_SET_DEVICE("CPU")


@replaces("mindspore.runtime.StreamCtx.__init__")
def stream_ctx_init(self, ctx_stream):
    """StreamCtx: on a build without streams MindSpore's __init__ returns early the first time, leaving the context
    without its ``stream`` (entering it raised AttributeError). Here it always records the stream; entering with
    None is a no-op, as on Ascend."""
    if ctx_stream is not None and not isinstance(ctx_stream, ms.runtime.Stream):
        raise TypeError(f"For 'StreamCtx', the argument 'ctx_stream' should be Stream, but got {type(ctx_stream)}.")
    self.stream = ctx_stream
    self.prev_stream = None
