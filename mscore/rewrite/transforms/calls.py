"""The data-driven call rewrite: bind a call against the rule's torch signature, then emit the target call.

Applies, in order: ``unsupported_args`` (a passed one makes the call unconvertible), ``drop``, ``rename``, the
target's parameter order (``target_sig``) and ``defaults``. Every transform that emits a call goes through here.
"""
from __future__ import annotations

from typing import Sequence

import libcst as cst

from mscore.rewrite.classify import NUMPY_METHODS
from mscore.rewrite.context import Ctx, NoMatch, Unconvertible
from mscore.rules import BindError, Rule, bind
from mscore.rules.signature import ALIASES, KEYWORD_ONLY, POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, VAR_POSITIONAL

_EQ = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def keyword(arg: cst.Arg, name: str) -> cst.Arg:
    if arg.keyword is not None and arg.keyword.value == name:
        return arg
    return arg.with_changes(keyword=cst.Name(name), equal=arg.equal if arg.keyword is not None else _EQ)


def positional(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)


def fix_commas(args: list[cst.Arg], original: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Keep each argument's own comma (and so its line breaks); the last one takes the original trailing comma."""
    if not args:
        return []
    trailing = original[-1].comma if original else cst.MaybeSentinel.DEFAULT
    out = []
    for i, a in enumerate(args):
        if i == len(args) - 1:
            out.append(a.with_changes(comma=trailing))
        elif not isinstance(a.comma, cst.Comma):
            out.append(a.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        else:
            out.append(a)
    return out


def bind_call(rule: Rule, args: Sequence[cst.Arg], ctx: Ctx | None = None):
    """Bind cst args to ``rule.sig``. Raises :class:`Unconvertible` when the call does not fit. A method NumPy's
    ndarray has too takes NumPy's keyword aliases (``axis=``) only where ``ctx.tensor_receivers`` says no ndarray
    can be its receiver."""
    assert rule.sig is not None
    pos: list[cst.Arg] = []
    kws: list[tuple[str, cst.Arg]] = []
    n_fixed = sum(1 for p in rule.sig.params if p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD))
    for a in args:
        if a.star == "**":
            raise Unconvertible("**kwargs cannot be checked against the torch signature")
        if a.star == "*":
            if rule.sig.var_positional is None or len(pos) < n_fixed:
                raise Unconvertible("a starred argument cannot be bound to the torch signature")
        if a.keyword is not None and rule.pack is not None and a.keyword.value == rule.pack and not pos:
            pos.append(positional(a))   # torch.zeros(size=(2, 3)): torch also takes the sizes by keyword
        elif a.keyword is not None:
            kws.append((a.keyword.value, a))
        else:
            pos.append(a)
    aliases = not (rule.is_method and rule.method_name in NUMPY_METHODS) or (ctx is not None and ctx.tensor_receivers)
    try:
        return bind(rule.sig, pos, kws, aliases=aliases)
    except BindError as exc:
        raise NoMatch(f"call does not match torch signature {rule.sig.text}: {exc}") from None


def canonical_args(rule: Rule, args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """The call in torch's canonical spelling: a ``*varargs`` parameter passed by keyword becomes the positional
    argument after the others (``x.view(size=s)`` → ``x.view(s)``) and an alias keyword takes the name of the
    parameter it aliases (``axis=`` → ``dim=``; see ``signature.ALIASES``)."""
    sig = rule.sig
    if sig is None or sig.var_keyword is not None:
        return list(args)
    names = set(sig.names())
    vp = sig.var_positional
    out: list[cst.Arg] = []
    star = None
    for a in args:
        kw = a.keyword.value if a.keyword is not None else None
        if kw is not None and vp is not None and kw == vp.name:
            star = a
        elif kw is not None and kw not in names and kw in ALIASES and ALIASES[kw] in names:
            out.append(keyword(a, ALIASES[kw]))
        else:
            out.append(a)
    if star is not None:
        n_pos = next((i for i, a in enumerate(out) if a.keyword is not None or a.star == "**"), len(out))
        out.insert(n_pos, positional(star).with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    if vp is None and not rule.is_method and out and all(a.keyword is not None for a in out):
        # torch's operands passed by name (torch.add(input=a, other=b), nn.Parameter(data=x)) become positional:
        # the target's own names for them differ (mindspore.Parameter's default_input); torch's other parameter
        # names (dim, alpha, requires_grad) are the targets' too and stay keywords. A renamed one keeps its keyword.
        fixed = [p.name for p in sig.params if p.kind == POSITIONAL_OR_KEYWORD][:2]
        operands = [n for n in fixed[:1] if n not in rule.rename and n not in rule.drop]
        if operands and len(fixed) > 1 and fixed[1] == "other" and "other" not in rule.rename:
            operands.append("other")
        for i, name in enumerate(operands):
            if i < len(out) and out[i].keyword.value == name:
                out[i] = positional(out[i])
            else:
                break
    return fix_commas(out, args)


def adapt_args(ctx: Ctx, rule: Rule, args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """The target call's arguments, or :class:`Unconvertible`."""
    if rule.sig is None or (not rule.adapts_args and any(a.star for a in args)):
        return list(args)   # nothing to adapt, and starred arguments cannot be checked
    bound = bind_call(rule, args, ctx)   # a call that does not fit the torch signature is not rewritten
    if bound.aliased or bound.star_keyword or (not rule.is_identity and bound.values and not bound.positional
                                                    and not bound.var_positional):
        # spelled the torch way before it is adapted (the target knows torch's names, not the aliases)
        args = canonical_args(rule, args)
        bound = bind_call(rule, args)
    if not rule.adapts_args:
        return list(args)
    drop = set(rule.drop)
    for name, reason in rule.unsupported_args.items():
        arg = bound.values.get(name)
        if arg is not None and code(arg.value).strip() != (rule.sig[name].default or "<required>"):
            raise Unconvertible(f"{name}= is not supported: {reason}")
        if arg is not None:
            drop.add(name)   # passed with torch's default: no effect, and the target does not take it
    if rule.pack is not None:
        args = _pack(rule, bound, args)
        bound = bind_call(rule, args)
    if rule.target_sig is not None:
        return _emit_by_target(ctx, rule, bound, drop, args)
    out: list[cst.Arg] = []
    gap = False
    var_name = rule.sig.var_positional.name if rule.sig.var_positional else None
    names = {id(a): n for n, a in bound.values.items()}
    for a in args:
        if a.keyword is None:
            name = names.get(id(a), var_name)
            if name in drop:
                gap = True
                continue
            if gap:
                if name == var_name:
                    raise Unconvertible(f"dropping an argument before *{var_name} would shift it")
                out.append(keyword(a, rule.rename.get(name, name)))
            else:
                out.append(a)
        else:
            name = a.keyword.value
            if name in drop:
                continue
            out.append(keyword(a, rule.rename.get(name, name)) if name in rule.rename else a)
    _add_defaults(ctx, rule, out)
    if rule.positional:
        out = _to_positional(rule, out)
    return fix_commas(out, args)


def _to_positional(rule: Rule, out: list[cst.Arg]) -> list[cst.Arg]:
    """``positional``: torch keywords the target takes only positionally (``mint.randint(*args)``), moved after the
    positional arguments in the rule's order: ``torch.randint(low=0, high=5, size=s)`` → ``mint.randint(0, 5, s)``."""
    named = {a.keyword.value: a for a in out if a.keyword is not None and a.keyword.value in rule.positional}
    if not named:
        return out
    rest = [a for a in out if not (a.keyword is not None and a.keyword.value in named)]
    n_pos = next((i for i, a in enumerate(rest) if a.keyword is not None or a.star == "**"), len(rest))
    moved = [positional(named[n]).with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
             for n in rule.positional if n in named]
    return rest[:n_pos] + moved + rest[n_pos:]


def _int_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


def _pack(rule: Rule, bound, args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """torch's ``f(2, 3)`` / ``f(*shape)`` → ``f((2, 3))`` / ``f((*shape,))``: one tuple for the target. One value
    is passed as it is (a sequence, or a size the target takes as an int), except a literal int for ``*dims``
    (``x.flip(0)`` → ``mint.flip(x, (0,))``): MindSpore's dims parameters take sequences only."""
    packed = bound.var_positional
    if not packed or (len(packed) == 1 and not packed[0].star
                      and not (rule.pack == "dims" and _int_literal(packed[0].value))):
        return list(args)
    elements = [cst.StarredElement(a.value) if a.star else cst.Element(a.value) for a in packed]
    if len(elements) == 1:
        elements = [elements[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace("")))]
    tuple_arg = cst.Arg(cst.Tuple(elements))
    ids = {id(a) for a in packed}
    out: list[cst.Arg] = []
    for a in args:
        if id(a) in ids:
            if tuple_arg is not None:
                out.append(tuple_arg.with_changes(comma=packed[-1].comma))
                tuple_arg = None
            continue
        out.append(a)
    return out


def _emit_by_target(ctx: Ctx, rule: Rule, bound, drop: set[str], original: Sequence[cst.Arg]) -> list[cst.Arg]:
    tsig = rule.target_sig
    values = {rule.rename.get(n, n): a for n, a in bound.values.items() if n not in drop}
    for name in values:
        if not tsig.has(name) and tsig.var_keyword is None:
            raise Unconvertible(f"the target has no parameter {name!r}")
    out: list[cst.Arg] = []
    positional_ok = True
    for p in tsig.params:
        if p.kind == VAR_POSITIONAL:
            if bound.var_positional:
                if not positional_ok:
                    raise Unconvertible("variadic arguments cannot follow keywords in the target call")
                out.extend(bound.var_positional)
            continue
        a = values.pop(p.name, None)
        if a is None:
            if p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD):
                positional_ok = False
            continue
        if positional_ok and p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD):
            out.append(positional(a))
        elif p.kind == POSITIONAL_ONLY:
            raise Unconvertible(f"target parameter {p.name!r} is positional-only but an earlier one is missing")
        else:
            out.append(keyword(a, p.name))
            if p.kind != KEYWORD_ONLY:
                positional_ok = False
    for name, a in values.items():   # swallowed by the target's **kwargs
        out.append(keyword(a, name))
    for name, a in bound.extra_keywords.items():
        out.append(keyword(a, rule.rename.get(name, name)))
    _add_defaults(ctx, rule, out)
    return fix_commas(out, original)


def _add_defaults(ctx: Ctx, rule: Rule, out: list[cst.Arg]) -> None:
    present = {a.keyword.value for a in out if a.keyword is not None}
    n_pos = sum(1 for a in out if a.keyword is None and not a.star)
    sig = rule.target_sig
    for name, expr in rule.defaults.items():
        if name in present:
            continue
        if sig is not None and sig.has(name):
            idx = sig.names().index(name)
            if idx < n_pos and sig[name].kind != KEYWORD_ONLY:
                continue   # passed positionally
        elif sig is None and rule.sig is not None:
            torch_name = next((t for t, n in rule.rename.items() if n == name), name)
            pos_params = [q.name for q in rule.sig.params if q.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD)]
            if torch_name in pos_params and pos_params.index(torch_name) < n_pos:
                continue
        out.append(cst.Arg(value=cst.parse_expression(ctx.mindspore_source(expr)), keyword=cst.Name(name), equal=_EQ))


def emit_function(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    args = adapt_args(ctx, rule, call.args)
    return keep_requires_grad(ctx, rule, call, call.with_changes(func=ctx.target(rule.target + suffix), args=args))


REQUIRES_GRAD = "requires_grad"
RUNTIME_REQUIRES_GRAD = "mscore_rt.grad_flags.requires_grad_"


def keep_requires_grad(ctx: Ctx, rule: Rule, call: cst.Call, out: cst.BaseExpression) -> cst.BaseExpression:
    """A factory's dropped ``requires_grad=`` (anything but False) keeps its meaning on MindSpore's tape:
    ``torch.ones(3, requires_grad=True)`` → ``grad_flags.requires_grad_(mint.ones(3), True)`` (``mscore_rt.grad_flags``:
    a plain tensor goes to the tape, ``mscore_rt.autograd``)."""
    if REQUIRES_GRAD not in rule.drop or rule.sig is None or not rule.sig.has(REQUIRES_GRAD):
        return out
    arg = bind_call(rule, call.args).values.get(REQUIRES_GRAD)
    if arg is None or code(arg.value).strip() == "False":
        return out
    return cst.Call(func=ctx.target(RUNTIME_REQUIRES_GRAD), args=[cst.Arg(out), cst.Arg(arg.value)])


def emit_method(ctx: Ctx, rule: Rule, call: cst.Call) -> cst.BaseExpression:
    """``x.m(args)`` → ``x.target(args)``, or ``target(x, args)`` when the target is a qualified name
    (``mindspore.*`` or ``mscore_rt.*``)."""
    args = adapt_args(ctx, rule, call.args)
    func = call.func
    assert isinstance(func, cst.Attribute)
    if rule.qualified_target:
        receiver = cst.Arg(value=func.value)
        new_args = fix_commas([receiver, *args], call.args or [receiver])
        out = call.with_changes(func=ctx.target(rule.target), args=new_args)
    else:
        out = call.with_changes(func=func.with_changes(attr=cst.Name(rule.target)), args=args)
    return keep_requires_grad(ctx, rule, call, out)
