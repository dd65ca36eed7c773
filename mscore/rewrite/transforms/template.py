"""A rule's ``template`` is the whole emitted expression, filled with the call's bound arguments.

    ["torch.nn.init.zeros_"]
    sig = "(tensor)"
    template = "{tensor}.copy_(mindspore.mint.zeros_like({tensor}))"

``{name}`` is the source of the argument bound to that torch parameter (its default when the call omits it);
``{self}`` is a method call's receiver. MindSpore names are written in full (``mindspore.mint.x``) and come out under
the file's aliases. An argument used twice must be a plain name or attribute (it would be evaluated twice);
anything else is parenthesised so precedence holds (or bind the arguments once with an immediately-called lambda:
``(lambda q, k: ...)({query}, {key})``). ``{name!}`` is a field the call must pass explicitly (a torch default
the template cannot reproduce, like DataLoader's default collate function): without it the call stays, reported.
``unsupported_args`` are checked as for a call rule.
"""
from __future__ import annotations

import re

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import bind_call, code, keep_requires_grad
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(!?)\}")


def _simple(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _atom(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float,
                             cst.SimpleString, cst.List, cst.Tuple, cst.Dict, cst.Set)) or bool(node.lpar)


@transform("template")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    bound = bind_call(rule, call.args)
    values: dict[str, cst.BaseExpression | str] = {n: a.value for n, a in bound.values.items()}
    for name, reason in rule.unsupported_args.items():
        value = values.get(name)
        if value is not None and code(value).strip() != (rule.sig[name].default or "<required>"):
            raise Unconvertible(f"{name}= is not supported: {reason}")
    if isinstance(call.func, cst.Attribute) and rule.is_method:
        values["self"] = call.func.value
    counts: dict[str, int] = {}
    for name, _ in _FIELD.findall(rule.template):
        counts[name] = counts.get(name, 0) + 1

    def fill(m: re.Match) -> str:
        name = m.group(1)
        value = values.get(name)
        if value is None and m.group(2):
            raise Unconvertible(f"the MindSpore form needs {name}= passed explicitly")
        if value is None:
            default = rule.sig[name].default if rule.sig.has(name) else None
            if default is None:
                raise Unconvertible(f"the template needs {name}=")
            return f"({default})"
        if counts[name] > 1 and not _simple(value):
            raise Unconvertible(f"{name} would be evaluated {counts[name]} times; bind it to a name first")
        text = code(value).strip()
        return text if _atom(value) else f"({text})"

    out = cst.parse_expression(ctx.mindspore_source(_FIELD.sub(fill, rule.template)))
    # the template replaces a call, which binds tighter than any operator: so must what takes its place
    # (``{input} + 1`` for ``f(x) * 2`` is ``(x + 1) * 2``)
    out = out if _atom(out) else out.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    # a dropped requires_grad= keeps its meaning, as for a call rule (Variable(x, requires_grad=True))
    return keep_requires_grad(ctx, rule, call, out)
