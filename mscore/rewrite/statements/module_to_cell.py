"""``nn.Module`` -> ``nn.Cell``: which classes are Cells, and their ``forward`` -> ``construct``.

The base classes themselves are rewritten by their rules (``transform = "module_to_cell"`` on ``torch.nn.Module``);
here the locator asks, per class, whether it is a Cell and, if so, for the edits renaming ``def forward`` and the
``self.forward`` / ``super().forward`` values (calls of them go through the ``Module.forward`` rule).
"""
from __future__ import annotations

import ast
import re

from mscore.rewrite.classify import match_qualified
from mscore.rewrite.names import Scope
from mscore.rewrite.statements import LocatorView
from mscore.rewrite.syntax import dotted_name

# Base classes that say "not an nn.Module" when a class's other bases are unknown.
NOT_CELL_BASES = {
    "object", "Exception", "ABC", "Enum", "IntEnum", "NamedTuple", "Protocol", "TypedDict", "Generic", "dict",
    "list", "tuple", "str", "int", "float", "Function", "Dataset", "IterableDataset", "Sampler", "type",
}
_DEF_FORWARD = re.compile(r"def\s+(forward)\b")


def is_cell_class(view: LocatorView, st: ast.ClassDef, scope: Scope) -> bool:
    if not st.bases:
        return False
    unknown = False
    for b in st.bases:
        dotted = dotted_name(b)
        if dotted is None:
            continue
        root, _, rest = dotted.partition(".")
        q = scope.resolve(root)
        if q is not None:
            m = match_qualified(view.rules, f"{q}.{rest}" if rest else q, called=False)
            if m.rule is not None and m.rule.target and (
                m.rule.transform == "module_to_cell"
                or m.rule.target.startswith(("mindspore.nn.", "mindspore.mint.nn."))
            ):
                return True
            continue
        if root in view.ms_bindings:
            # a mindspore base (a converted file's ms._Function, nn.Cell) is known: a Cell only under mindspore.nn
            if f"{view.ms_bindings[root]}.{rest}".startswith(("mindspore.nn.", "mindspore.mint.nn.")):
                return True
            continue
        last = dotted.rsplit(".", 1)[-1]
        if last in view.cells:
            return True
        if last not in NOT_CELL_BASES and last not in view.classes:
            unknown = True
    # A class with a base defined outside the converted tree, in a file that imports torch, is taken for a
    # Module (a forward() on it is then renamed): autograd.Function and friends resolve to torch and never get here.
    return unknown and view.imports_torch


def forward_renames(view: LocatorView, st: ast.ClassDef) -> tuple[list[tuple[int, int, str]], int]:
    """(edits, number of ``def forward`` renamed) for a Cell class."""
    edits: list[tuple[int, int, str]] = []
    renamed = 0
    text, lines = view.text, view.lines
    # ``super().forward`` / ``self.forward`` as values (``return super().forward``, ``fn = self.forward``)
    # follow the rename; calls of them go through the Module.forward rule
    called = {id(n.func) for n in ast.walk(st) if isinstance(n, ast.Call)}
    for n in ast.walk(st):
        if (isinstance(n, ast.Attribute) and n.attr == "forward" and isinstance(n.ctx, ast.Load)
                and id(n) not in called and n.end_lineno == n.lineno and _self_or_super(n.value)):
            end = lines(n.end_lineno, n.end_col_offset)
            if text[end - len("forward"):end] == "forward":
                edits.append((end - len("forward"), end, "construct"))
    for item in st.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "forward":
            m = _DEF_FORWARD.search(text, lines(item.lineno, item.col_offset), lines.line_end(item.lineno))
            if m:
                edits.append((m.start(1), m.end(1), "construct"))
                renamed += 1
    return edits, renamed


def _self_or_super(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "self") or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super")
