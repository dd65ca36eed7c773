"""Where each CPU replacement says what it replaces.

An implementation module declares its replacements where it defines them::

    @replaces("mindspore.mint.nn.functional.log_softmax", "mindspore.mint.special.log_softmax")
    def log_softmax(input, dim=None, *, dtype=None): ...

A target is the dotted public name of the callable to replace: a function of a module
(``mindspore.mint.mm``, ``mindspore.ops.rms_norm``), a method of a class (``mindspore.Tensor.add_``) or a layer's
``construct`` (``mindspore.mint.nn.GELU.construct``). One implementation may stand in for several targets
(``enable()`` installs one copy per target, each with its original's name and signature). There is no central table:
``entries()`` imports every module of the package, so a new file of replacements needs no edit anywhere else.

This module imports nothing from MindSpore and nothing else from the package, so every implementation module can
import it without creating an import cycle.
"""
from __future__ import annotations

import importlib
import pkgutil

_TARGETS: dict[str, object] = {}  # dotted target -> implementation, in registration order


def replaces(*targets: str):
    """Register the decorated callable as the CPU replacement of each dotted ``target``; returns it unchanged."""
    if not targets:
        raise TypeError("replaces() needs at least one dotted target name")

    def register(impl):
        for target in targets:
            if "." not in target:
                raise ValueError(f"replaces({target!r}): expected a dotted name such as 'mindspore.mint.mm'")
            known = _TARGETS.get(target)
            if known is not None and known is not impl:
                raise ValueError(f"{target} is replaced twice: by {_where(known)} and by {_where(impl)}")
            _TARGETS[target] = impl
        return impl

    return register


def _where(impl) -> str:
    return f"{getattr(impl, '__module__', '?')}.{getattr(impl, '__qualname__', impl)}"


def _load_all(package: str, path) -> None:
    """Import every module of the backfill package (their ``@replaces`` run on import)."""
    for info in pkgutil.iter_modules(path):
        if info.name != "__main__":
            importlib.import_module(f"{package}.{info.name}")


def entries(package: str, path) -> list[tuple[str, object]]:
    """[(dotted target, implementation)] of every replacement in the package, in registration order."""
    _load_all(package, path)
    return list(_TARGETS.items())


def lookup(target: str):
    """The implementation registered for ``target`` (None if there is none). Call ``entries()`` first."""
    return _TARGETS.get(target)


def resolve(target: str):
    """(owner, attribute) the dotted ``target`` names, or None when this MindSpore has no such owner or attribute.

    The owner is the longest importable module prefix, then attributes from there (classes, nested namespaces)."""
    parts = target.split(".")
    owner = None
    for i in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:-1]:
            owner = getattr(owner, name, None)
            if owner is None:
                return None
        break
    if owner is None or not hasattr(owner, parts[-1]):
        return None
    return owner, parts[-1]
