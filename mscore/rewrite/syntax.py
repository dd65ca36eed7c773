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
