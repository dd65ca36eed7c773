"""A Tensor method NumPy's ndarray (or list) shares, whose MindSpore method differs from torch's (``x.sort()`` /
``x.argsort()`` / ``x.argmin()``: int32 indices where torch's are int64): the rule's mint target where no other
receiver can be meant, MindSpore's own method elsewhere.

No other receiver can be meant in a file that names no array library (``classify.names_no_array_library``: no
ndarray is built there) — except for ``list.sort()``, which is told apart by its arguments and its use: a list's
takes only ``key=`` / ``reverse=`` (such a call does not bind to torch's signature and is left) and returns None,
so a ``.sort`` call with an argument torch's binds, or whose result is used (``v, i = x.sort()``), is a tensor's,
while a bare ``.sort()`` in an expression statement (``names.sort()``) keeps MindSpore's method.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx
from mscore.rewrite.transforms import calls
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule

LIST_METHODS = frozenset({"sort"})   # also a method of Python's list


@transform("array_method")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    calls.bind_call(rule, call.args, ctx)   # a call that does not fit torch's signature is not a tensor's
    name = rule.api.rsplit(".", 1)[1]
    if not ctx.tensor_receivers or (name in LIST_METHODS and not call.args and ctx.discarded):
        return call
    return calls.emit_method(ctx, rule, call)
