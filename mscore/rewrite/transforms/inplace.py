"""In-place tensor methods.

Ascend first: when MindSpore has the in-place method itself (the rule's ``native``: ``add_``, ``mul_``,
``zero_``, ``masked_fill_``, ...), a plain receiver keeps it -- ``x.add_(y)`` stays ``x.add_(y)``, one native
in-place kernel on Ascend. On the CPU build several of those methods return a new tensor or raise; the CPU
backfill (``mscore/backfill/_tensor.py``) makes each of them write in place, so the converted code is the same on
both. Without a native method (``abs_``) the out-of-place op (the rule's ``target``: a method name, or a qualified
function called with the receiver first) is computed and copied back: ``x.copy_(x.abs())``, which keeps every alias
of ``x`` in sync; the receiver is evaluated twice there, so a receiver that is itself a call is left unconverted.

A subscripted receiver (``x[i].add_(y)``, ``x[1:].zero_()``) always becomes ``x.__setitem__(i, x[i].add(y))`` (a
slice as ``slice(1, None)``, several indices as a tuple, as Python passes them): item assignment writes
into ``x`` on every backend, whether ``x[i]`` is a view (Ascend's PyNative views) or a copy (the CPU build, where
an in-place op on ``x[i]`` would update only a temporary). A chain on it (``ema[k].mul_(d).add_(p)``) folds into
the one write-back: ``ema.__setitem__(k, ema[k].mul(d).add(p))``.

A runtime property read of a simple expression (``autograd.grad_of(p)``, what ``p.grad`` becomes) counts as a
simple receiver: it has no effect and returns the same tensor each time.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible, runtime_name
from mscore.rewrite.syntax import cst_dotted_name
from mscore.rewrite.transforms import calls
from mscore.rewrite.transforms.registry import transform

# runtime property reads, as emitted (a placeholder alias): p.grad -> autograd.grad_of(p)
PROPERTY_READERS = frozenset(runtime_name(q)[1] for q in ("mscore_rt.autograd.grad_of",))


def _simple(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _simple(node.value)
    if isinstance(node, cst.Subscript):
        return _simple(node.value)
    if isinstance(node, cst.Call) and len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
        # a tensor property read through the runtime (p.grad → autograd.grad_of(p)): a pure read
        return cst_dotted_name(node.func) in PROPERTY_READERS and _simple(node.args[0].value)
    return False


def _index_value(elements) -> cst.BaseExpression:
    """The object Python passes to ``__setitem__`` for ``x[<elements>]``: ``x[i]`` → ``i``, ``x[1:]`` →
    ``slice(1, None)``, ``x[:, 0]`` → ``(slice(None, None), 0)``."""
    def one(el: cst.SubscriptElement) -> cst.BaseExpression:
        s = el.slice
        if isinstance(s, cst.Index):
            return s.value if s.star is None else cst.StarredElement(s.value)
        parts = [s.lower, s.upper] + ([s.step] if s.step is not None else [])
        return cst.Call(func=cst.Name("slice"), args=[cst.Arg(p if p is not None else cst.Name("None")) for p in parts])

    if len(elements) == 1 and not (isinstance(elements[0].slice, cst.Index) and elements[0].slice.star is not None):
        return one(elements[0])
    return cst.Tuple([e if isinstance(e, cst.StarredElement) else cst.Element(e) for e in map(one, elements)])


def _renamed(call: cst.Call, method: str) -> cst.Call:
    return call.with_changes(func=call.func.with_changes(attr=cst.Name(method)))


def _written_back(node: cst.BaseExpression) -> bool:
    """``x.__setitem__(i, v)``: what an in-place call on a subscripted receiver became (inner calls convert
    first, so a chain's outer call sees it as its receiver)."""
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "__setitem__" and len(node.args) == 2)


def _out_of_place(ctx: Ctx, rule, call: cst.Call) -> cst.BaseExpression:
    if rule.qualified_target:
        return calls.emit_method(ctx, rule, call)
    if (out_of_place_rule := ctx.rules.method(rule.target)) is not None and not out_of_place_rule.unsupported \
            and not out_of_place_rule.is_identity and out_of_place_rule.transform is None:
        return calls.emit_method(ctx, out_of_place_rule, _renamed(call, rule.target))
    return _renamed(call, rule.target).with_changes(args=calls.adapt_args(ctx, rule, call.args))


@transform("inplace")
def apply(ctx: Ctx, rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("inplace needs a method call")
    receiver = func.value
    if rule.unsupported_args:
        calls.adapt_args(ctx, rule, call.args)   # the in-place rule's own unsupported_args apply first
    if _written_back(receiver):
        # a chain on a subscript, x[k].mul_(a).add_(b): torch's first call returns the view x[k], which the second
        # updates too; fold it into the one write-back: x.__setitem__(k, x[k].mul(a).add(b))
        index, value = receiver.args
        folded = _out_of_place(ctx, rule, call.with_changes(func=func.with_changes(value=value.value)))
        return receiver.with_changes(args=[index, value.with_changes(value=folded)])
    if rule.native and not isinstance(receiver, cst.Subscript):
        # MindSpore's in-place method takes torch's arguments (the rule's note says so); it returns self as torch's
        return _renamed(call, rule.native)
    if not _simple(receiver):
        raise Unconvertible("in-place update of a computed receiver (it would be evaluated twice)")
    value = _out_of_place(ctx, rule, call)
    if isinstance(receiver, cst.Subscript):
        return cst.Call(
            func=cst.Attribute(value=receiver.value, attr=cst.Name("__setitem__")),
            args=[cst.Arg(_index_value(receiver.slice)), cst.Arg(value)],
        )
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("copy_")), args=[cst.Arg(value)])
