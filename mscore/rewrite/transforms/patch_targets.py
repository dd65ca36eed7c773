"""Dotted-path strings that name a Cell's ``forward`` follow the forward -> construct rename.

MindSpeed patches Megatron by *strings*: ``register_patch('megatron.core.transformer.dot_product_attention.
DotProductAttention.forward', wrapper)``. Once ``DotProductAttention`` is a Cell its method is ``construct``, and
a patch aimed at ``forward`` would fail ("no exist forward") or patch a name nothing calls. A string literal
``'<dotted path>.<Class>.forward'`` whose ``<Class>`` is a Cell by the tree's class index (the same knowledge that
renames the method) gets ``construct`` instead. Only whole literals that are nothing but a dotted path are touched.
"""
from __future__ import annotations

import ast
import re

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.([A-Za-z_]\w*)\.forward")


def edits(tree: ast.AST, text: str, offset, cells: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, 'construct') for each ``forward`` at the end of a dotted-path literal naming a Cell's method."""
    out = []
    if not cells or ".forward" not in text:
        return out
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        m = _DOTTED.fullmatch(node.value)
        if m is None or m.group(1) not in cells or node.lineno != node.end_lineno:
            continue
        start = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno, node.end_col_offset)
        literal = text[start:end]
        quote = literal[-1]
        body = literal.lstrip("rRuU")
        if quote not in "'\"" or body[1:-1] != node.value:   # prefixes other than r/u, escapes, implicit concat
            continue
        out.append((end - 1 - len("forward"), end - 1, "construct"))
    return out
