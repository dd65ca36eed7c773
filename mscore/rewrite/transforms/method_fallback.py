"""A function whose target cannot take the call falls back to the rule's ``fallback`` runtime function, called
with torch's arguments as written (``F.interpolate(x, ..., antialias=True)`` → ``nn_ops.interpolate(x, ...,
antialias=True)``: mint has no anti-aliasing), or else to the Tensor method:
``torch.scatter(x, 1, i, s, reduce='add')`` → ``x.scatter(1, i, s, reduce='add')`` (through the ``Tensor.scatter``
rule), where ``mint.scatter`` has no ``reduce=``.

torch's function and method forms are one native function, so ``torch.f(x, *rest)`` is ``x.f(*rest)``. The function
rule is tried first (Ascend first: its ``mint`` target); only when it refuses the call (an ``unsupported_args``
value its target lacks) is the call re-spelled as the method on its first operand and converted by the
``Tensor.<f>`` rule. No such rule, or an operand passed by ``*args``: the function rule's refusal stands.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms import calls
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule

_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)


@transform("method_fallback")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    try:
        return calls.emit_function(ctx, rule, call, suffix)
    except Unconvertible:
        if rule.fallback is not None:
            calls.bind_call(rule, call.args, ctx)   # it must still be a torch call
            return call.with_changes(func=ctx.target(rule.fallback), args=calls.canonical_args(rule, call.args))
        name = rule.api.rsplit(".", 1)[1]
        method = ctx.rules.tensor_methods.get(name)
        first = rule.sig.params[0].name if rule.sig is not None and rule.sig.params else None
        if method is None or first is None or any(a.star for a in call.args):
            raise
        bound = calls.bind_call(rule, call.args, ctx)
        operand = bound.values.get(first)
        if operand is None:
            raise
        rest = [a for a in call.args if a is not operand]
        receiver = operand.value
        if not isinstance(receiver, _ATOMS) and not receiver.lpar:   # x + y → (x + y).scatter(...)
            receiver = receiver.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        as_method = cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name(name)),
                             args=calls.fix_commas(rest, call.args) if rest else [])
        return calls.emit_method(ctx, method, as_method)
