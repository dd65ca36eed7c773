"""``out=``, for every rule whose torch signature has an ``out`` parameter: ``torch.exp(x, out=o)`` →
``out_arg.write(o, mint.exp(x))``.

torch writes the result into ``o`` (resized when its shape differs, cast to its dtype) and returns ``o``; other
references to ``o`` see the result. MindSpore ops return new tensors, so the call is converted without ``out=`` (by
the rule, whatever it is: a call rewrite, a template, a named transform) and the result is handed to the runtime
helper ``mscore_rt.out_arg.write`` (mscore/runtime/out_arg.py): ``o.copy_(result)`` when the shapes agree — the
in-place copy an Ascend engineer writes — and otherwise ``o.assign_value(result)``, torch's resize; it returns
``o``. One form serves a statement (``torch.add(a, b, out=c)``) and an expression whose value is used
(``y = torch.exp(x, out=o) * 2``), so nothing depends on where the call stands. A subscripted ``out=buf[i]``
becomes ``out_arg.write_item(buf, i, result)`` (indexing gives a copy in MindSpore; item assignment writes into
``buf``). ``out=None`` is the plain call. A rule that lists ``out`` in ``unsupported_args`` keeps it unsupported.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import bind_call, fix_commas
from mscore.rules import Rule

HELPER = "mscore_rt.out_arg"


def applies(rule: Rule) -> bool:
    """A rule whose torch ``out`` is also an input the target takes itself (``rename = { out = ... }``, e.g. a fused
    optimizer step updating ``out=(param, exp_avg, exp_avg_sq)``) passes it on instead."""
    return rule.sig is not None and rule.sig.has("out") and "out" not in rule.unsupported_args \
        and "out" not in rule.rename


def split(rule: Rule, call: cst.Call) -> tuple[cst.Call, cst.BaseExpression | None]:
    """(the call without its ``out`` argument, the ``out`` expression or None when it is absent or ``None``)."""
    bound = bind_call(rule, call.args)
    arg = bound.values.get("out")
    if arg is None:
        return call, None
    args = [a for a in call.args if a is not arg]
    call = call.with_changes(args=fix_commas(args, call.args))
    value = arg.value
    if isinstance(value, cst.Name) and value.value == "None":
        return call, None
    return call, value


def wrap(ctx: Ctx, out: cst.BaseExpression, result: cst.BaseExpression) -> cst.BaseExpression:
    """``out_arg.write(out, result)`` (or ``write_item(base, index, result)`` for ``out=base[index]``)."""
    out = out.with_changes(lpar=[], rpar=[]) if isinstance(out, (cst.Name, cst.Attribute)) else out
    if isinstance(out, cst.Subscript):
        if len(out.slice) != 1 or not isinstance(out.slice[0].slice, cst.Index):
            raise Unconvertible("out= of a sliced tensor (a view MindSpore does not share)")
        head = ctx.target(f"{HELPER}.write_item")
        args = [cst.Arg(out.value), cst.Arg(out.slice[0].slice.value), cst.Arg(result)]
    else:
        head = ctx.target(f"{HELPER}.write")
        args = [cst.Arg(out), cst.Arg(result)]
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return cst.Call(func=head, args=[a.with_changes(comma=comma) for a in args[:-1]] + [args[-1]])
