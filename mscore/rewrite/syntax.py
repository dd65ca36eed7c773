"""Syntax helpers shared by the locator (ast), the statement-level rewrites and the unit rewriter (libcst).

The ast and the libcst form of each helper sit side by side, so the two halves of the engine visibly agree on what
a dotted name and a receiver kind are. This module imports nothing from mscore.
"""
from __future__ import annotations

import ast
import re

import libcst as cst

NEWLINE = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Line starts of a text, and (line, utf-8 byte column) as ast reports them -> char offset into the text."""

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        starts.extend(m.end() for m in NEWLINE.finditer(text))
        self.starts = starts
        self._ascii = text.isascii()

    def __call__(self, line: int, col: int) -> int:
        base = self.starts[line - 1]
        if self._ascii:
            return base + col
        raw = self.text[base:self.line_end(line)]
        if raw.isascii():
            return base + col
        return base + len(raw.encode("utf-8")[:col].decode("utf-8", "replace"))

    def line_start(self, line: int) -> int:
        """Char offset where 1-based ``line`` starts."""
        return self.starts[line - 1]

    def line_end(self, line: int) -> int:
        """Char offset just past 1-based ``line`` (after its line break; the text's end on the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.text)


# -- dotted names ----------------------------------------------------------------------------------------------------
def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for an ast chain of Names and Attributes only (a call or subscript in the chain gives None)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def cst_dotted_name(node: cst.BaseExpression) -> str | None:
    """:func:`dotted_name` for libcst nodes."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


# -- receiver kinds --------------------------------------------------------------------------------------------------
def receiver_kind(node: ast.expr) -> str:
    """The receiver's kind, as far as it is known statically: ``self``, ``super()``, ``class`` (a capitalised
    name: ``Fn.forward(ctx, x)`` is a static call) or ``other``."""
    if isinstance(node, ast.Name):
        return "self" if node.id == "self" else ("class" if node.id[:1].isupper() else "other")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
        return "super()"
    return "other"


def cst_receiver_kind(node: cst.BaseExpression) -> str:
    """:func:`receiver_kind` for libcst nodes."""
    if isinstance(node, cst.Name):
        return "self" if node.value == "self" else ("class" if node.value[:1].isupper() else "other")
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super":
        return "super()"
    return "other"


# -- what a statement holds -------------------------------------------------------------------------------------
def header_exprs(st: ast.stmt) -> list[ast.expr]:
    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = st.args
        out: list[ast.expr] = list(st.decorator_list)
        for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg):
            if arg is not None and arg.annotation is not None:
                out.append(arg.annotation)
        out.extend(a.defaults)
        out.extend(d for d in a.kw_defaults if d is not None)
        if st.returns is not None:
            out.append(st.returns)
        return out
    if isinstance(st, ast.ClassDef):
        return [*st.decorator_list, *st.bases, *[k.value for k in st.keywords]]
    if isinstance(st, (ast.If, ast.While)):
        return [st.test]
    if isinstance(st, (ast.For, ast.AsyncFor)):
        return [st.target, st.iter]
    if isinstance(st, (ast.With, ast.AsyncWith)):
        return [e for item in st.items for e in (item.context_expr, item.optional_vars) if e is not None]
    if isinstance(st, ast.Match):
        return [st.subject, *[c.guard for c in st.cases if c.guard is not None]]
    return []


def annotation_ids(st: ast.stmt) -> set[int]:
    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = st.args
        out = {id(arg.annotation) for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg)
               if arg is not None and arg.annotation is not None}
        if st.returns is not None:
            out.add(id(st.returns))
        return out
    if isinstance(st, ast.AnnAssign):
        return {id(st.annotation)}
    return set()


def simple_exprs(st: ast.stmt) -> list[ast.expr]:
    if isinstance(st, ast.Expr):
        return [st.value]
    if isinstance(st, ast.Assign):
        return [*st.targets, st.value]
    if isinstance(st, ast.AugAssign):
        return [st.target, st.value]
    if isinstance(st, ast.AnnAssign):
        return [e for e in (st.target, st.annotation, st.value) if e is not None]
    if isinstance(st, ast.Return):
        return [st.value] if st.value is not None else []
    if isinstance(st, ast.Delete):
        return list(st.targets)
    if isinstance(st, ast.Assert):
        return [e for e in (st.test, st.msg) if e is not None]
    if isinstance(st, ast.Raise):
        return [e for e in (st.exc, st.cause) if e is not None]
    return []


def child_blocks(st: ast.stmt) -> list[list[ast.stmt]]:
    out = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(st, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            out.append(block)
    for h in getattr(st, "handlers", ()) or ():
        out.append(h.body)
    for c in getattr(st, "cases", ()) or ():
        out.append(c.body)
    return out
