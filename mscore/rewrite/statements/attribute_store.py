"""Stores to a Tensor property whose rule names a ``setter`` (autograd's ``.grad``; docs/autograd.md).

``x.grad = v`` / ``del x.grad`` / ``x.grad += v`` become ``setter(x, v)`` / ``setter(x, None)`` /
``setter(x, getter(x) + v)``. ``x`` and ``v`` are converted as ordinary units (the locator makes them units); the
statement itself is a *wrap* whose builder gets their converted text. A computed receiver of ``+=`` is left (it
would be evaluated twice).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

from mscore.rewrite.classify import match_method
from mscore.rewrite.context import runtime_name
from mscore.rewrite.names import Scope
from mscore.rewrite.statements import LocatorView
from mscore.rewrite.syntax import dotted_name, receiver_kind

_AUG_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class Store:
    """One recognised store: the expressions the locator converts as units, and the statement's wrap."""

    api: str                            # the property rule (``Tensor.grad``)
    receiver: ast.expr
    value: ast.expr | None              # None for ``del``
    wrap: tuple[int, int, Callable]     # (start, end, build(converted) -> the statement's new text)
    used: frozenset[str]                # runtime aliases the new text uses


def find(view: LocatorView, st: ast.stmt, scope: Scope) -> Store | None:
    op = None
    if isinstance(st, ast.Assign) and len(st.targets) == 1:
        target, value = st.targets[0], st.value
    elif isinstance(st, ast.Delete) and len(st.targets) == 1:
        target, value = st.targets[0], None
    elif isinstance(st, ast.AugAssign):
        target, value, op = st.target, st.value, _AUG_OPS.get(type(st.op))
        if op is None:
            return None
    else:
        return None
    if not isinstance(target, ast.Attribute):
        return None
    dotted = dotted_name(target)
    if dotted is not None and scope.resolve(dotted.partition(".")[0]) is not None:
        return None      # an attribute of a torch name, not of a tensor
    m = match_method(view.rules, target.attr, called=False, receiver=receiver_kind(target.value))
    if m is None or m.rule.unsupported or not m.rule.setter or not m.rule.qualified_target:
        return None
    if op is not None and dotted_name(target.value) is None:
        return None
    receiver = target.value
    at = view.lines
    span = (at(st.lineno, st.col_offset), at(st.end_lineno, st.end_col_offset))
    r_span = (at(receiver.lineno, receiver.col_offset), at(receiver.end_lineno, receiver.end_col_offset))
    v_span = None if value is None else (at(value.lineno, value.col_offset), at(value.end_lineno, value.end_col_offset))
    (s_alias, setter), (g_alias, getter) = runtime_name(m.rule.setter), runtime_name(m.rule.target)

    def build(converted, r_span=r_span, v_span=v_span, setter=setter, getter=getter, op=op):
        r = converted(*r_span)
        v = "None" if v_span is None else converted(*v_span)
        if op is not None:
            v = f"{getter}({r}) {op} ({v})"
        return f"{setter}({r}, {v})"

    return Store(m.api, receiver, value, (*span, build), frozenset({s_alias, g_alias} if op else {s_alias}))
