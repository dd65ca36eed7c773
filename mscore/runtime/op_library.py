"""``torch.library``: operator registrations, recorded.

torch.library registers Python functions as implementations of named operators in torch's dispatcher
(``torch.ops.<namespace>.<op>``, looked up by torch's graph compilers and by ``torch.ops`` calls). MindSpore has no
dispatcher keyed by operator name (its custom kernels are ``mindspore.ops.Custom`` / ``CustomOpBuilder``), so the
converted code keeps the decorated functions as plain functions: the decorators are removed by the converter (rule
field ``decorator = "drop"``) and the remaining calls land here, where they record what was defined and
registered (``registry``) and change nothing else. Code calling ``torch.ops.<namespace>.<op>`` stays unconverted.
"""
from __future__ import annotations

import os

__all__ = ["Library", "define", "impl", "register_fake", "impl_abstract", "registry", "build_directory"]

registry: dict[str, dict] = {}   # "namespace::op" -> {"schema": ..., "impls": {dispatch key: function}}


def _entry(qualname: str) -> dict:
    return registry.setdefault(qualname, {"schema": None, "impls": {}})


class Library:
    """torch.library.Library(ns, kind, dispatch_key='')."""

    def __init__(self, ns: str, kind: str, dispatch_key: str = ""):
        self.ns, self.kind, self.dispatch_key = ns, kind, dispatch_key

    def define(self, schema: str, alias_analysis: str = "", *, tags=()) -> str:
        name = schema.split("(", 1)[0].strip()
        _entry(f"{self.ns}::{name}")["schema"] = schema
        return name

    def impl(self, op_name, fn, dispatch_key: str = "", **kwargs) -> None:
        name = op_name if isinstance(op_name, str) else getattr(op_name, "__name__", str(op_name))
        _entry(f"{self.ns}::{name}")["impls"][dispatch_key or self.dispatch_key] = fn


def define(qualname: str, schema: str, *, lib=None, tags=()) -> None:
    """torch.library.define("ns::op", "(Tensor x) -> Tensor")."""
    _entry(qualname)["schema"] = f"{qualname.split('::', 1)[-1]}{schema}"


def impl(*args, **kwargs):
    """torch.library.impl, both forms: ``impl(qualname, types, func=None, *, lib=None)`` and the older
    ``impl(lib, name, dispatch_key='')``; as a decorator (without ``func``) it returns the function unchanged."""
    if args and isinstance(args[0], Library):
        lib, name = args[0], args[1] if len(args) > 1 else kwargs.get("name")
        key = args[2] if len(args) > 2 else kwargs.get("dispatch_key", "")

        def register(fn):
            lib.impl(name, fn, key)
            return fn
        return register
    qualname = args[0] if args else kwargs["qualname"]
    types = args[1] if len(args) > 1 else kwargs.get("types", "")
    func = args[2] if len(args) > 2 else kwargs.get("func")
    keys = [types] if isinstance(types, str) else list(types)

    def register(fn):
        for key in keys:
            _entry(qualname)["impls"][key] = fn
        return fn
    return register if func is None else register(func)


def register_fake(op, func=None, /, *, lib=None, **kwargs):
    """torch.library.register_fake: a shape function for graph tracing; recorded under the key ``Fake``."""
    def register(fn):
        _entry(op if isinstance(op, str) else str(op))["impls"]["Fake"] = fn
        return fn
    return register if func is None else register(func)


def impl_abstract(qualname, func=None, *, lib=None, **kwargs):
    """torch.library.impl_abstract (the older name of register_fake)."""
    return register_fake(qualname, func, lib=lib)


def build_directory(name: str, verbose: bool = False) -> str:
    """Where compiled extensions named ``name`` are built (``torch.utils.cpp_extension._get_build_directory``).

    MindSpore's ``ops.CustomOpBuilder`` builds under ``$MS_COMPILER_CACHE_PATH`` (default ``./kernel_meta``), one
    subdirectory per operator; the directory is created as torch creates its own. MindSpeed's adaptor asks for it
    (name ``""``) to clear stale build locks at start-up."""
    root = os.path.realpath(os.getenv("MS_COMPILER_CACHE_PATH", "./kernel_meta"))
    path = os.path.join(root, name) if name else root
    if verbose:
        print(f"Using {root} as the extension build root...")
    os.makedirs(path, exist_ok=True)
    return path
