"""Torch signatures written in Python syntax, and binding a call's arguments against them.

A signature string such as ``"(input, dim=0, *, out=None)"`` is parsed once with :mod:`ast`. Binding works on
abstract arguments (positional values and keyword names) so the same code serves the ast locator and the libcst
rewriter: it never needs to evaluate anything.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Generic, Sequence, TypeVar

V = TypeVar("V")

POSITIONAL_ONLY = "positional_only"
POSITIONAL_OR_KEYWORD = "positional_or_keyword"
VAR_POSITIONAL = "var_positional"
KEYWORD_ONLY = "keyword_only"
VAR_KEYWORD = "var_keyword"


class SignatureError(ValueError):
    """A signature string that is not a valid Python parameter list."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: str | None  # source text of the default, None when the parameter is required

    @property
    def required(self) -> bool:
        return self.default is None and self.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, KEYWORD_ONLY)


@dataclass(frozen=True)
class Signature:
    params: tuple[Param, ...]
    text: str

    def __getitem__(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

    @property
    def var_positional(self) -> Param | None:
        return next((p for p in self.params if p.kind == VAR_POSITIONAL), None)

    @property
    def var_keyword(self) -> Param | None:
        return next((p for p in self.params if p.kind == VAR_KEYWORD), None)


def parse_signature(text: str) -> Signature:
    """Parse ``"(a, b=1, *args, c, **kw)"`` into a :class:`Signature`."""
    src = text.strip()
    if not (src.startswith("(") and src.endswith(")")):
        raise SignatureError(f"signature must be a parenthesised parameter list, got {text!r}")
    try:
        fn = ast.parse(f"def _f{src}: pass").body[0]
    except SyntaxError as exc:
        raise SignatureError(f"invalid signature {text!r}: {exc.msg}") from None
    assert isinstance(fn, ast.FunctionDef)
    a = fn.args
    params: list[Param] = []
    positional = list(a.posonlyargs) + list(a.args)
    pos_defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, pos_defaults)):
        kind = POSITIONAL_ONLY if i < len(a.posonlyargs) else POSITIONAL_OR_KEYWORD
        params.append(Param(arg.arg, kind, None if default is None else ast.unparse(default)))
    if a.vararg:
        params.append(Param(a.vararg.arg, VAR_POSITIONAL, None))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        params.append(Param(arg.arg, KEYWORD_ONLY, None if default is None else ast.unparse(default)))
    if a.kwarg:
        params.append(Param(a.kwarg.arg, VAR_KEYWORD, None))
    names = [p.name for p in params]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise SignatureError(f"invalid signature {text!r}: parameter {dup!r} appears twice")
    return Signature(tuple(params), src)


# Torch's argument parser (its native functions and Tensor methods) also accepts NumPy's names for these parameters:
# ``torch.cat(xs, axis=0)``, ``x.sum(axis=1, keepdims=True)``, ``torch.sum(x=t)``, ``torch.add(x1=a, x2=b)``. A keyword
# that is not a parameter of the signature binds to the parameter it aliases when the signature has it.
ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "x1": "input", "x2": "other"}


class BindError(ValueError):
    """The call's arguments do not fit the torch signature."""


@dataclass
class Bound(Generic[V]):
    """The result of binding: parameter name -> value, in signature order, and how each was passed."""

    values: dict[str, V]                 # param name -> value (for *args: the list of values)
    positional: set[str]                 # params that were passed positionally
    extra_keywords: dict[str, V]         # keywords swallowed by **kwargs
    var_positional: list[V]
    aliased: dict[str, str] = field(default_factory=dict)   # keyword as written -> the parameter it aliases
    star_keyword: str | None = None      # the *varargs parameter was passed by keyword, as one sequence


def bind(sig: Signature, args: Sequence[V], keywords: Sequence[tuple[str, V]], aliases: bool = True) -> Bound[V]:
    """Bind positional ``args`` and ``(name, value)`` keywords to ``sig`` like torch would: as Python binds, plus the
    keyword :data:`ALIASES` and a ``*varargs`` parameter passed by keyword as one sequence.

    ``aliases=False`` binds without the keyword aliases (a method NumPy's ndarray also has, called with NumPy's
    ``axis=``, is taken for NumPy's). Starred arguments (``*xs``/``**kw``) must be rejected by the caller before
    binding, since their length is unknown.
    """
    values: dict[str, V] = {}
    positional: set[str] = set()
    var_pos: list[V] = []
    extra: dict[str, V] = {}
    pos_params = [p for p in sig.params if p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD)]
    vp = sig.var_positional
    for i, value in enumerate(args):
        if i < len(pos_params):
            values[pos_params[i].name] = value
            positional.add(pos_params[i].name)
        elif vp is not None:
            var_pos.append(value)
        else:
            raise BindError(f"takes at most {len(pos_params)} positional arguments, got {len(args)}")
    by_name = {p.name: p for p in sig.params}
    aliased: dict[str, str] = {}
    star_keyword = None
    for name, value in keywords:
        p = by_name.get(name)
        if p is None and aliases and name in ALIASES and sig.var_keyword is None:
            target = by_name.get(ALIASES[name])
            if target is not None and target.kind in (POSITIONAL_OR_KEYWORD, KEYWORD_ONLY):
                aliased[name] = target.name
                name, p = target.name, target
        if p is not None and p.kind == VAR_POSITIONAL and sig.var_keyword is None:
            # torch takes a *size / *dims parameter by keyword as one sequence: x.view(size=(2, 3))
            if var_pos or star_keyword is not None:
                raise BindError(f"multiple values for argument {name!r}")
            var_pos.append(value)
            star_keyword = name
            continue
        if p is None or p.kind in (VAR_POSITIONAL, VAR_KEYWORD):
            if sig.var_keyword is not None:
                extra[name] = value
                continue
            raise BindError(f"unexpected keyword argument {name!r}")
        if p.kind == POSITIONAL_ONLY:
            raise BindError(f"{name!r} is positional-only")
        if name in values:
            raise BindError(f"multiple values for argument {name!r}")
        values[name] = value
    for p in sig.params:
        if p.required and p.name not in values:
            raise BindError(f"missing required argument {p.name!r}")
    ordered = {p.name: values[p.name] for p in sig.params if p.name in values}
    return Bound(ordered, positional, extra, var_pos, aliased, star_keyword)
