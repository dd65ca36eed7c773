"""The mscore package has no import cycle and no star import.

The graph is built from the source with ``ast`` (nothing is imported): an edge A -> B for every ``import B`` /
``from B import x`` in module A, at module level or inside a function (a deferred import that closes a cycle is a
cycle all the same: the two modules cannot be understood or moved apart). ``from pkg import name`` is an edge to
``pkg.name`` when that is a module of the package, else to ``pkg``. Importing a submodule also runs its package's
``__init__``; that implicit edge is not counted (a package may import its own submodules).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mscore"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in mods else base)
            for target in targets:
                # the longest prefix that is a module of the package (import a.b.c -> a.b.c, or a.b if c is a name)
                parts = target.split(".")
                while parts and ".".join(parts) not in mods:
                    parts.pop()
                if parts and ".".join(parts) != mod:
                    graph[mod].add(".".join(parts))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_no_import_cycle_in_mscore():
    found = cycles(import_graph())
    assert found == [], "import cycles (each a group of modules importing one another):\n" + "\n".join(
        " <-> ".join(c) for c in found)


def test_no_star_import_in_mscore():
    stars = []
    for mod, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                stars.append(f"{mod}: from {'.' * node.level}{node.module or ''} import *")
    assert stars == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}}, [["a", "b", "c"]]),
])
def test_cycle_finder_can_fail(graph, expected):
    assert cycles(graph) == expected


def test_graph_sees_relative_and_deferred_imports():
    graph = import_graph()
    assert "mscore.backfill._registry" in graph["mscore.backfill._mint"]       # from ._registry import replaces
    assert "mscore.backfill._views" in graph["mscore.backfill._bf16"]          # deferred, inside a function
    assert "mscore.rules" in graph["mscore.cli"] or any(m.startswith("mscore.rules") for m in graph["mscore.cli"])


def test_seams_hold():
    """Statement-level rewrites see the LocatorView only (never the locator); the registries import nothing from
    mscore (so every module registering in them can import them); syntax helpers import nothing from mscore."""
    graph = import_graph()
    for mod, deps in graph.items():
        if mod.startswith("mscore.rewrite.statements"):
            assert "mscore.rewrite.locate" not in deps, mod
    for leaf in ("mscore.rewrite.transforms.registry", "mscore.backfill._registry", "mscore.rewrite.syntax"):
        assert not any(d.startswith("mscore") for d in graph[leaf]), leaf
