"""Augmented assignments to tensors: ``x += y`` / ``-=`` / ``*=`` / ``/=``.

On a torch tensor these are in place (``x.add_(y)`` ...): every view of ``x`` and every other reference to it sees
the update. MindSpore's (2.10: ``Tensor.__iadd__`` & co. return a new tensor) rebind ``x``, so views taken before
no longer alias it. Megatron relies on the torch behaviour: ``self.grad_data *= scaling_factor`` scales the
gradient buffer that every parameter's ``main_grad`` views; converted as written, the scaling lands in a new
tensor, the all-reduce that follows reduces that one, and the parameters' ``main_grad`` keep the unscaled,
unreduced values.

Receivers are unknown statically, so only targets the file itself makes tensors are rewritten: an attribute name
(``X.grad_data``) or a variable name assigned, somewhere in the file, the result of a torch call
(``self.grad_data = torch.zeros(...)``) or of a tensor-only method (``a = x.detach().requires_grad_()``), and a
target whose update reads its own gradient (``p -= lr * p.grad``, the hand-written SGD step). The statement
becomes ``target = tensors.iadd(target, value)``
(``isub`` / ``imul`` / ``itruediv``; ``mscore_rt.tensors``): in place on a MindSpore tensor, Python's own operator
on anything else, so a name that also holds numbers elsewhere still computes the same. A target whose receiver is
computed (``f().x += y``, ``a[i] += y``) is left as written (``a[i] += y`` already writes through ``__setitem__``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

from mscore.rewrite.context import runtime_name
from mscore.rewrite.names import Scope
from mscore.rewrite.statements import LocatorView
from mscore.rewrite.syntax import dotted_name

_OPS = {ast.Add: "iadd", ast.Sub: "isub", ast.Mult: "imul", ast.Div: "itruediv"}


@dataclass(frozen=True)
class Aug:
    target: ast.expr
    value: ast.expr
    wrap: tuple[int, int, Callable]
    used: frozenset[str]


def _call_root(value: ast.expr) -> str | None:
    """The dotted name of the call a value starts from: ``torch.zeros(n).cuda()`` -> ``torch.zeros``."""
    while isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            value = func.value
            continue
        return dotted_name(func)
    return None


# methods only a tensor has: a value made by one of them (``a = x.detach().requires_grad_()``) is a tensor
_TENSOR_ONLY_METHODS = frozenset({"requires_grad_", "detach", "cuda", "npu", "contiguous", "retain_grad"})


def _tensor_method_chain(value: ast.expr) -> bool:
    """``x.detach().requires_grad_(True)``, ``w.clone().cuda()``: a call chain through a tensor-only method."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr in _TENSOR_ONLY_METHODS:
            return True
        value = value.func.value
    return False


def _reads_own_grad(target: ast.expr, value: ast.expr) -> bool:
    """``p -= lr * p.grad`` (or ``p.data -= ...``): the value reads the target's ``.grad``, which only a tensor
    has."""
    name = dotted_name(target)
    if name is not None and name.endswith(".data"):
        name = name[:-len(".data")]
    return name is not None and any(
        isinstance(n, ast.Attribute) and n.attr == "grad" and dotted_name(n.value) == name for n in ast.walk(value))


def tensor_names(tree: ast.Module, module_scope: Scope) -> frozenset[str]:
    """Attribute and variable names the file assigns the result of a torch call (resolved at module level)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        root = _call_root(value)
        if (root is None or module_scope.resolve(root.partition(".")[0]) is None) and not _tensor_method_chain(value):
            continue
        for t in targets:
            if isinstance(t, ast.Attribute):
                found.add(t.attr)
            elif isinstance(t, ast.Name):
                found.add(t.id)
    return frozenset(found)


def find(view: LocatorView, st: ast.stmt, scope: Scope, names: frozenset[str]) -> Aug | None:
    if not isinstance(st, ast.AugAssign) or type(st.op) not in _OPS:
        return None
    target = st.target
    own_grad = _reads_own_grad(target, st.value)
    if isinstance(target, ast.Name):
        if (target.id not in names and not own_grad) or scope.resolve(target.id) is not None:
            return None
    elif isinstance(target, ast.Attribute):
        receiver = dotted_name(target.value)
        if (target.attr not in names and not own_grad) or receiver is None \
                or scope.resolve(receiver.partition(".")[0]) is not None:
            return None
    else:
        return None
    at = view.lines
    span = (at(st.lineno, st.col_offset), at(st.end_lineno, st.end_col_offset))
    t_span = (at(target.lineno, target.col_offset), at(target.end_lineno, target.end_col_offset))
    v = st.value
    v_span = (at(v.lineno, v.col_offset), at(v.end_lineno, v.end_col_offset))
    alias, helper = runtime_name(f"mscore_rt.tensors.{_OPS[type(st.op)]}")

    def build(converted, t_span=t_span, v_span=v_span, helper=helper):
        t = converted(*t_span)
        return f"{t} = {helper}({t}, {converted(*v_span)})"

    return Aug(target, v, (*span, build), frozenset({alias}))
