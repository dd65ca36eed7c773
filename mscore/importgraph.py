"""The import graph of a source tree: which of the tree's modules import which, at import time.

Modules are named by their path under the root (``pkg/sub/m.py`` -> ``pkg.sub.m``, ``pkg/__init__.py`` -> ``pkg``).
An edge ``a -> b`` means importing ``a`` runs an import that loads ``b`` (or one of its parent packages'
``__init__``): ``import b``, ``from b import x``, ``from . import b``, relative imports resolved against ``a``'s
package; and a submodule ``p.a`` always imports its package ``p`` first. Only imports that run when the module is
imported count: those in function bodies do not, nor those in a ``try`` whose handler catches ``ImportError`` (the
module imports either way). Imports of names outside the tree are ignored.
"""
from __future__ import annotations

import ast
import warnings
from collections import deque
from dataclasses import dataclass, field

_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def module_name(rel: str) -> str:
    """``a/b/c.py`` -> ``a.b.c``; ``a/b/__init__.py`` -> ``a.b``; a top-level ``__init__.py`` -> ``""``."""
    parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _guarded(handlers: list[ast.ExceptHandler]) -> bool:
    for h in handlers:
        if h.type is None:
            return True
        names = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        if any(isinstance(n, ast.Name) and n.id in _IMPORT_ERRORS for n in names):
            return True
    return False


def import_time_imports(tree: ast.Module):
    """The Import / ImportFrom nodes that run when the module is imported."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            if _guarded(node.handlers):
                todo.extend(node.orelse + node.finalbody)   # the body may fail to import: not a hard edge
                continue
        if isinstance(node, (ast.stmt, ast.excepthandler, ast.match_case)):
            todo.extend(ast.iter_child_nodes(node))


@dataclass
class ImportGraph:
    modules: dict[str, str] = field(default_factory=dict)            # module name -> relative path
    imports: dict[str, set[str]] = field(default_factory=dict)       # module -> tree modules it imports

    def importers(self) -> dict[str, set[str]]:
        rev: dict[str, set[str]] = {m: set() for m in self.modules}
        for a, targets in self.imports.items():
            for b in targets:
                rev[b].add(a)
        return rev

    def blocked_by(self, module: str, rev: dict[str, set[str]] | None = None) -> set[str]:
        """Every other module whose import fails when ``module``'s import fails (transitive importers)."""
        rev = rev if rev is not None else self.importers()
        seen = {module}
        todo = deque([module])
        while todo:
            for a in rev.get(todo.popleft(), ()):
                if a not in seen:
                    seen.add(a)
                    todo.append(a)
        seen.discard(module)
        return seen


def _package_of(module: str, rel: str) -> str:
    return module if rel.endswith("__init__.py") else module.rpartition(".")[0]


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def build_graph(sources: dict[str, str | bytes]) -> ImportGraph:
    """The graph of ``sources`` (relative '/' path -> text of every Python file). Files that do not parse have no
    outgoing edges."""
    g = ImportGraph()
    for rel in sources:
        name = module_name(rel)
        if name:
            g.modules.setdefault(name, rel)
    for rel, text in sources.items():
        me = module_name(rel)
        if not me or g.modules.get(me) != rel:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        found: set[str] = set()
        pkg = _package_of(me, rel)
        for node in import_time_imports(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    found.update(_with_parents(a.name))
                continue
            if node.level:
                up = pkg.split(".") if pkg else []
                if node.level - 1 > len(up):
                    continue
                base_parts = up[: len(up) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base:
                found.update(_with_parents(base))
            for a in node.names:
                if a.name != "*":
                    found.add(f"{base}.{a.name}" if base else a.name)
        found.update(_with_parents(me)[:-1])     # a submodule imports its packages' __init__ first
        g.imports[me] = {m for m in found if m in g.modules and m != me}
    for m in g.modules:
        g.imports.setdefault(m, set())
    return g
