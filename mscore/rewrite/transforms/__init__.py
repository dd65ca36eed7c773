"""Named call transforms, one file each, referenced from rule data by ``transform = "<name>"``.

Each transform module registers its ``apply(ctx, rule, call, suffix) -> cst.BaseExpression`` with
``@transform("<name>")`` (:mod:`mscore.rewrite.transforms.registry`) and raises
:class:`mscore.rewrite.context.Unconvertible` to leave a call alone with a reason. Importing this package imports
every module in it, so :data:`CALL_TRANSFORMS` and :data:`KNOWN` are derived, never listed. ``calls.py`` holds the
argument binding and emitting they share. Two names are structural, applied without a rule naming them:
``module_to_cell`` (the locator: class bases, ``forward`` -> ``construct``; statements/module_to_cell.py) and
``out_arg`` (the rewriter, for every rule whose torch signature has ``out=``; out_arg.py).
"""
from __future__ import annotations

import importlib
import pkgutil

from mscore.rewrite.transforms.registry import CALL_TRANSFORMS, transform

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

STRUCTURAL = frozenset({"module_to_cell", "out_arg"})
KNOWN = frozenset(CALL_TRANSFORMS) | STRUCTURAL

__all__ = ["CALL_TRANSFORMS", "KNOWN", "STRUCTURAL", "transform"]
