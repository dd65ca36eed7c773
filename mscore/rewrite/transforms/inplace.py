"""In-place tensor methods, made explicit: ``x.add_(y)`` → ``x.copy_(x.add(y))``.

On MindSpore's CPU build ``add_``/``mul_``/… return a new tensor and leave the receiver untouched, and
``fill_``/``zero_``/``masked_fill_`` raise; ``copy_`` and item assignment do work in place everywhere. So the
out-of-place op (the rule's ``target``: a method name, or a qualified function called with the receiver first, as
``x.zero_()`` → ``x.copy_(mint.zeros_like(x))``) is computed and copied back, which keeps every alias of ``x``
(parameters, views held by an optimizer) in sync. A subscripted receiver (``x[i].add_(y)``) becomes
``x.__setitem__(i, x[i].add(y))`` since indexing copies in MindSpore. The receiver is evaluated twice, so a
receiver that is itself a call is left unconverted, except a runtime property read of a simple expression
(``mscore_rt.autograd.grad_of(p)``, what ``p.grad`` becomes), which has no effect and returns the same tensor.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms import calls

PROPERTY_READERS = ("mscore_rt.autograd.grad_of",)


def _simple(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _simple(node.value)
    if isinstance(node, cst.Subscript):
        return _simple(node.value)
    if isinstance(node, cst.Call) and len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
        # a tensor property read through the runtime (p.grad → mscore_rt.autograd.grad_of(p)): a pure read
        func = dotted(node.func)
        return func is not None and func.startswith(PROPERTY_READERS) and _simple(node.args[0].value)
    return False


def dotted(node: cst.BaseExpression) -> str | None:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        return ".".join([node.value, *reversed(parts)])
    return None


def _renamed(call: cst.Call, method: str) -> cst.Call:
    return call.with_changes(func=call.func.with_changes(attr=cst.Name(method)))


def apply(ctx: Ctx, rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("inplace needs a method call")
    receiver = func.value
    if not _simple(receiver):
        raise Unconvertible("in-place update of a computed receiver (it would be evaluated twice)")
    if rule.unsupported_args:
        calls.adapt_args(ctx, rule, call.args)   # the in-place rule's own unsupported_args apply first
    if rule.target.startswith("mindspore."):
        value = calls.emit_method(ctx, rule, call)
    elif (out_of_place_rule := ctx.rules.method(rule.target)) is not None and not out_of_place_rule.unsupported and not out_of_place_rule.is_identity \
            and out_of_place_rule.transform is None:
        value = calls.emit_method(ctx, out_of_place_rule, _renamed(call, rule.target))
    else:
        value = _renamed(call, rule.target).with_changes(args=calls.adapt_args(ctx, rule, call.args))
    if isinstance(receiver, cst.Subscript):
        index = receiver.slice
        if len(index) != 1 or not isinstance(index[0].slice, cst.Index):
            raise Unconvertible("in-place update of a sliced receiver")
        return cst.Call(
            func=cst.Attribute(value=receiver.value, attr=cst.Name("__setitem__")),
            args=[cst.Arg(index[0].slice.value), cst.Arg(value)],
        )
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("copy_")), args=[cst.Arg(value)])
