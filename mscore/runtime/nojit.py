"""torch's compiler and TorchScript entry points, as the no-ops they are for values.

``torch.jit.script``, ``torch.compile``, ``torch._dynamo.disable`` ... change how a function runs, never what it
computes. Used as decorators they are removed by the converter (rule field ``decorator = "drop"``); these stand in for
the other uses: a call (``torch.jit.script(fn)`` returns ``fn``), or a bare reference that is called later
(``jit_fuser = torch.compile`` ... ``@jit_fuser``). Graph compilation in MindSpore is ``mindspore.jit``, with its own
restrictions: apply it by hand where it pays.
"""
from __future__ import annotations

import types

__all__ = ["script", "trace", "compile", "ignore", "unused", "export", "disable", "allow_in_graph", "mark_static",
           "mark_dynamic", "mark_unbacked", "reset", "is_scripting", "is_tracing", "is_compiling", "config",
           "jit_flags", "jit_set_profiling_executor", "jit_set_profiling_mode", "jit_override_can_fuse_on_cpu",
           "jit_override_can_fuse_on_gpu", "jit_set_texpr_fuser_enabled", "jit_set_nvfuser_enabled",
           "debug_set_autodiff_subgraph_inlining"]


def _identity_or_decorator(obj):
    if obj is None:       # called with options only: @torch.compile(mode=...), @torch._dynamo.disable(recursive=False)
        return lambda fn: fn
    return obj


def script(obj=None, *args, **kwargs):
    """torch.jit.script: the function, module or class itself."""
    return _identity_or_decorator(obj)


def trace(func, *args, **kwargs):
    """torch.jit.trace: the function or module itself (its example inputs are not run)."""
    return func


def compile(model=None, *args, **kwargs):   # noqa: A001 - the torch name
    """torch.compile / torch.jit.script_if_tracing: the model or function itself."""
    return _identity_or_decorator(model)


def ignore(drop=False, **kwargs):
    """torch.jit.ignore: ``@ignore`` and ``@ignore(drop=True)`` leave the function as it is."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """torch.jit.unused: the function itself."""
    return fn


def export(fn):
    """torch.jit.export: the method itself."""
    return fn


def disable(fn=None, recursive=True, *args, **kwargs):
    """torch._dynamo.disable / torch.compiler.disable: the function itself."""
    return _identity_or_decorator(fn)


def allow_in_graph(fn):
    """torch._dynamo.allow_in_graph / torch.compiler.allow_in_graph: the function itself."""
    return fn


def mark_static(*args, **kwargs):
    """torch._dynamo.mark_static (a hint to the compiler): nothing to do."""
    return None


mark_dynamic = mark_unbacked = mark_static


def reset():
    """torch._dynamo.reset / torch.compiler.reset: no compiled code to drop."""
    return None


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def is_compiling() -> bool:
    return False


class _Config(types.SimpleNamespace):
    """torch._dynamo.config / torch._inductor.config: settings are kept (so code reading back what it set works)
    and have no effect."""


config = _Config()


# TorchScript's fuser switches (torch._C._jit_*; Megatron's set_jit_fusion_options flips them before training, and
# MindSpeed replaces _jit_set_nvfuser_enabled with a no-op). Nothing is scripted after conversion, so they only keep
# the value set; the two torch returns the previous value of do the same. Initial values: torch 2.x's defaults.
jit_flags = {"profiling_executor": True, "profiling_mode": True, "can_fuse_on_cpu": True, "can_fuse_on_gpu": True,
             "texpr_fuser_enabled": True, "nvfuser_enabled": False, "autodiff_subgraph_inlining": True}


def _set(name: str, arg0: bool) -> bool:
    old = jit_flags[name]
    jit_flags[name] = bool(arg0)
    return old


def jit_set_profiling_executor(arg0: bool) -> bool:
    """torch._C._jit_set_profiling_executor: the previous value."""
    return _set("profiling_executor", arg0)


def jit_set_profiling_mode(arg0: bool) -> bool:
    """torch._C._jit_set_profiling_mode: the previous value."""
    return _set("profiling_mode", arg0)


def jit_override_can_fuse_on_cpu(arg0: bool) -> None:
    _set("can_fuse_on_cpu", arg0)


def jit_override_can_fuse_on_gpu(arg0: bool) -> None:
    _set("can_fuse_on_gpu", arg0)


def jit_set_texpr_fuser_enabled(arg0: bool) -> None:
    _set("texpr_fuser_enabled", arg0)


def jit_set_nvfuser_enabled(arg0: bool) -> None:
    _set("nvfuser_enabled", arg0)


def debug_set_autodiff_subgraph_inlining(arg0: bool) -> None:
    _set("autodiff_subgraph_inlining", arg0)
