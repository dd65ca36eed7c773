"""What enable() installs in place of each mint callable: the CPU implementation itself, with the original's
name, signature and docs. The device is resolved once, by enable() (which refuses anything but CPU), so a call
costs nothing beyond the implementation's own work: no wrapper frame, no device read per call, and under
``ms.jit`` the graph parser sees the implementation's own source (its module's globals resolve its names)."""
from __future__ import annotations

import types


def install(impl, original, attr, signature):
    """A copy of ``impl`` (same code, globals, defaults and closure: one implementation can stand in for several
    originals, each with its own name and signature) carrying the original's metadata."""
    fn = types.FunctionType(impl.__code__, impl.__globals__, attr, impl.__defaults__, impl.__closure__)
    fn.__kwdefaults__ = dict(impl.__kwdefaults__) if impl.__kwdefaults__ else None
    fn.__dict__.update(impl.__dict__)
    fn.__module__ = impl.__module__
    fn.__qualname__ = getattr(original, "__qualname__", attr)
    fn.__doc__ = impl.__doc__ or getattr(original, "__doc__", None)
    fn.__signature__ = signature
    fn.__mscore_backfill__ = impl
    fn.__mscore_original__ = original
    return fn
