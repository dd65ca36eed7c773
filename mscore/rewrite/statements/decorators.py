"""Decorators with no effect on values are removed: a rule's ``decorator = "drop"``.

    ["torch.jit.script"]
    target = "mscore_rt.nojit.script"
    decorator = "drop"

``@torch.jit.script``, ``@torch.compile(mode="max-autotune")``, ``@custom_fwd(cast_inputs=torch.float32)``: the
decorator's lines go (a comment on them stays, on its own line). Every other use of the API (a call, a bare reference
``jit_fuser = torch.compile``) goes through the rule's target as usual. A decorator that shares its line with other
code is not removed: it is then an ordinary reference (its expression is a unit like any other).
"""
from __future__ import annotations

import ast
import re

from mscore.rewrite.classify import match_qualified
from mscore.rules import Rule, RuleSet

_AT = re.compile(r"[ \t]*@[ \t]*$")


def rule_for(rules: RuleSet, dec: ast.expr, resolve) -> Rule | None:
    """The rule of a decorator expression (``@a.b`` or ``@a.b(...)``) when it says ``decorator = "drop"``."""
    func = dec.func if isinstance(dec, ast.Call) else dec
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    q = resolve(func.id)
    if q is None:
        return None
    qualified = ".".join([q, *reversed(parts)])
    m = match_qualified(rules, qualified, called=isinstance(dec, ast.Call))
    if m.rule is None or m.suffix or m.rule.decorator != "drop":
        return None
    return m.rule


def drop_edit(
    text: str, starts: list[int], start: int, end: int, line: int, end_line: int
) -> tuple[int, int, str] | None:
    """The edit removing the decorator whose expression spans ``text[start:end]`` (lines ``line``..``end_line``),
    or None when the ``@`` line holds other code."""
    lstart = starts[line - 1]
    if not _AT.fullmatch(text, lstart, start):
        return None
    lend = starts[end_line] if end_line < len(starts) else len(text)
    rest = text[end:lend]
    tail = rest.rstrip("\r\n")
    newline = rest[len(tail):]
    if tail.strip() and not tail.strip().startswith("#"):
        return None
    if tail.strip():   # keep the comment, at the decorator's indentation
        indent = text[lstart:start].split("@", 1)[0]
        return (lstart, lend, f"{indent}{tail.strip()}{newline}")
    return (lstart, lend, "")
