"""CPU backfill: run converted ``mindspore.mint`` code on the MindSpore CPU build.

The converted code targets ``mindspore.mint.*`` (right on Ascend). The 2.10 CPU wheel lacks many mint kernels
("kernel unregistered", "only supports Ascend", "Create kernelmod ... failed"). ``enable()`` replaces exactly those
callables -- functions in ``mint``, ``mint.nn.functional``, ``mint.special``, ``mint.linalg``, the ``construct`` of
``mint.nn`` layers, a few ``Tensor`` methods (in-place ones included) and the fused ``mindspore.ops`` functions
the torch_npu rules emit -- with composites of ops that run and
differentiate on CPU. The converted code never changes; ``disable()`` restores every original.

Only on CPU: ``enable()`` raises :class:`BackfillRefused` when the device target is not CPU (Ascend, GPU). The
device is resolved there, once: the replacements are the CPU implementations themselves, with no per-call check
(MindSpore fixes the device target of a process once it is set; ``disable()`` restores every original). Works in
PyNative and under ``ms.jit`` for the mint functions and layers; Tensor methods are replaced in PyNative, and in
graph mode where its method tables read Python (``_graph``: the methods defined in Python on ``Tensor``, and legacy
overloads of the C++ ones) -- the other C++ methods compile to primitives chosen inside the library.

``enable()`` also switches MindSpore to synchronous kernel launch (``mindspore.runtime.launch_blocking()``; opt out
with ``MSCORE_CPU_ASYNC_LAUNCH=1``): on a small CPU host the asynchronous pipeline's threads cost ~7x on converted
training steps (docs/performance.md).

Switching it on without editing code:

- ``MSCORE_CPU_BACKFILL=1`` and ``import mscore.backfill`` anywhere (e.g. in ``sitecustomize.py``): enabled on
  import (skipped with a warning if the device target is not CPU);
- ``python -m mscore.backfill script.py args...`` (or ``python -m mscore.backfill -m package.module args...``):
  runs the script with the backfill on.
"""
from __future__ import annotations

import functools
import inspect
import os
import warnings

__all__ = ["enable", "disable", "is_enabled", "covered", "implementation", "BackfillRefused", "ENV_VAR"]

ENV_VAR = "MSCORE_CPU_BACKFILL"
ASYNC_ENV_VAR = "MSCORE_CPU_ASYNC_LAUNCH"

_state = {"enabled": False, "saved": [], "graph_saved": []}  # saved: list of (owner, attr, had_own, original)


class BackfillRefused(RuntimeError):
    """enable() was called while the MindSpore device target is not CPU."""


def _device_target() -> str:
    import mindspore as ms

    return str(ms.get_context("device_target"))


@functools.lru_cache(maxsize=1)
def _plan():
    """[(owner, attr, impl, label)] for everything enable() patches; label is the public dotted name. Built once:
    the wrappers it makes (bf16, views) are then the same objects for every caller (enable, covered, the tests).

    The replacements come from the ``@replaces("mindspore.mint.mm")`` declarations in the implementation modules
    (``_registry``); a target this MindSpore does not have (no such function, class or method) is skipped."""
    from . import _bf16, _registry, _views

    plan = []
    for label, impl in _registry.entries(__name__, __path__):
        found = _registry.resolve(label)
        if found is not None:
            owner, attr = found
            plan.append((owner, attr, impl, label))
    return _views.view_aware(_bf16.bf16_aware(plan))


def implementation(target: str):
    """The CPU implementation registered for the dotted ``target`` (e.g. ``"mindspore.ops.rms_norm"``), not installed:
    what ``enable()`` would put in its place. None when the backfill has none."""
    from . import _registry

    _registry.entries(__name__, __path__)
    return _registry.lookup(target)


def _signature_for(impl, original):
    """The replacement reports the original's signature when it has one; mint ops that are overloaded in C++
    report (*args, **kwargs) and Tensor methods report none -- then the implementation's own is used."""
    try:
        sig = inspect.signature(original)
    except (TypeError, ValueError):
        return inspect.signature(impl)
    return sig


def enable() -> bool:
    """Install the CPU implementations. Idempotent. Raises BackfillRefused unless the device target is CPU.

    Returns True if this call installed them, False if they were already on."""
    if _state["enabled"]:
        return False
    target = _device_target()
    if target != "CPU":
        raise BackfillRefused(
            f"mscore.backfill is for the MindSpore CPU build only; the device target is {target!r}: "
            "the real mint kernels are used there")
    import mindspore as ms

    from . import _graph, _guard, _registry

    saved, methods = [], []
    try:
        for owner, attr, impl, label in _plan():
            had_own = attr in vars(owner)
            original = getattr(owner, attr)
            saved.append((owner, attr, had_own, vars(owner)[attr] if had_own else None))
            setattr(owner, attr, _guard.install(impl, original, attr, _signature_for(impl, original)))
            if owner is ms.Tensor and _registry.lookup(label) is not None:
                methods.append((attr, _registry.lookup(label), original))
        graph_saved = _graph.install(_graph.routes(methods))
    except Exception:
        _restore(saved)
        raise
    _state["saved"] = saved
    _state["graph_saved"] = graph_saved
    _state["enabled"] = True
    _synchronous_cpu_launch()
    return True


def _synchronous_cpu_launch() -> None:
    """Launch CPU kernels synchronously (``mindspore.runtime.launch_blocking()``) unless ``MSCORE_CPU_ASYNC_LAUNCH=1``.

    MindSpore's PyNative pipeline queues every op to dispatch threads (5 by default) that hand kernels to a pool of
    25 CPU kernel threads. Converted training code runs thousands of kernels of a few hundred elements per step;
    on a small host (this project's CI has 2 cores) those threads spin against each other and against Python, and
    each kernel costs 0.5-3 ms instead of microseconds. Launching in the calling thread removed that: the mini
    Qwen2.5-VL's PyNative step went from 1.7-3.3 s to ~0.24 s, same losses (docs/performance.md). The setting is
    process-wide and MindSpore cannot switch it back, so ``disable()`` leaves it; a MindSpore that has it already
    configured (or has no such switch) is left as it is."""
    if os.environ.get(ASYNC_ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on"):
        return
    try:
        import mindspore as ms

        ms.runtime.launch_blocking()
    except (AttributeError, RuntimeError):  # pragma: no cover - older MindSpore, or already configured
        pass


def _restore(saved):
    """Put back what ``enable()`` replaced: (owner, attribute, had its own, original) records, newest first."""
    from . import _graph

    _graph.restore(saved)


def disable() -> bool:
    """Restore every original callable. Returns True if the backfill was on."""
    if not _state["enabled"]:
        return False
    from . import _graph

    _graph.restore(_state["graph_saved"])
    _restore(_state["saved"])
    _state["saved"] = []
    _state["graph_saved"] = []
    _state["enabled"] = False
    return True


def is_enabled() -> bool:
    return _state["enabled"]


def covered() -> list[str]:
    """Dotted names of everything enable() replaces (e.g. 'mindspore.mint.mm', 'mindspore.mint.nn.GELU.construct',
    'mindspore.Tensor.add_')."""
    return [label for *_rest, label in _plan()]


def _autoload():
    if os.environ.get(ENV_VAR, "").strip().lower() not in ("1", "true", "yes", "on"):
        return
    try:
        enable()
    except BackfillRefused as e:
        warnings.warn(f"{ENV_VAR} is set but the backfill stays off: {e}", RuntimeWarning, stacklevel=2)


_autoload()
