"""The call becomes its receiver: ``x.cuda()`` / ``x.npu(non_blocking=True)`` / ``model.cuda()`` → ``x`` / ``model``.

MindSpore places tensors by the process's device target; there is nothing to move.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import bind_call
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule


@transform("receiver_only")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("receiver_only needs a method call")
    if rule.sig is not None:
        bind_call(rule, call.args)   # the call must fit the torch signature
    return func.value
