"""Facts about a module's imports that the locator records: ``__all__``, imports with their own ImportError fallback,
imports of packages that need torch (by the import policy)."""
from __future__ import annotations

import ast

from mscore.rewrite.syntax import dotted_name


def all_names(tree: ast.Module) -> set[str]:
    """The names a module-level ``__all__ = [...]`` lists (exports: read by ``from m import *``)."""
    out: set[str] = set()
    for st in tree.body:
        targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.AugAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            if isinstance(st.value, (ast.List, ast.Tuple)):
                out |= {e.value for e in st.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return out


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted_name(k) or "").rsplit(".", 1)[-1] in _IMPORT_ERRORS for k in kinds)


def imports_with_fallback(tree: ast.Module) -> set[int]:
    """ids of import statements inside a ``try`` body whose handlers catch ImportError (or anything broader)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))) and any(
                _catches_import_error(h) for h in node.handlers):
            for st in node.body:
                for inner in ast.walk(st):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        out.add(id(inner))
    return out


def guarded_module(st: ast.Import | ast.ImportFrom, policy) -> bool:
    """Does this (non-torch) import need torch by the import policy?"""
    if isinstance(st, ast.ImportFrom):
        if st.level or not st.module:
            return False
        return policy.guards(st.module)
    return any(policy.guards(a.name) for a in st.names)
