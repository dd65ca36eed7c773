"""The wrapper installed in place of each mint callable: CPU implementation while the device target is CPU, the
original otherwise. Kept in its own module (imports MindSpore) so ``import mscore.backfill`` stays light.

The device check is a MindSpore ``constexpr``: a plain Python call in PyNative (~0.6 us) and a compile-time
constant under ``ms.jit``, so the wrappers -- functions and Cell ``construct`` methods -- also compile in graph
mode (MindSpore's graph parser resolves the names used here through this module's globals)."""
from __future__ import annotations

from mindspore.ops import constexpr

_target_getter = [lambda: "CPU"]


def set_target_getter(fn):
    _target_getter[0] = fn


@constexpr
def _on_cpu():
    return _target_getter[0]() == "CPU"


def wrap(impl, original, attr, signature):
    if attr == "construct":  # graph mode binds the cell to an explicit first parameter
        def backfilled(self, *args, **kwargs):
            if _on_cpu():
                return impl(self, *args, **kwargs)
            return original(self, *args, **kwargs)
    else:
        def backfilled(*args, **kwargs):
            if _on_cpu():
                return impl(*args, **kwargs)
            return original(*args, **kwargs)

    backfilled.__name__ = attr
    backfilled.__qualname__ = getattr(original, "__qualname__", attr)
    backfilled.__doc__ = impl.__doc__ or getattr(original, "__doc__", None)
    backfilled.__signature__ = signature
    backfilled.__mscore_backfill__ = impl
    backfilled.__mscore_original__ = original
    return backfilled
