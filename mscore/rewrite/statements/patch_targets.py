"""Dotted-path strings that name a Cell's ``forward`` follow the forward -> construct rename.

MindSpeed patches Megatron by *strings*: ``register_patch('megatron.core.transformer.dot_product_attention.
DotProductAttention.forward', wrapper)``. Once ``DotProductAttention`` is a Cell its method is ``construct``, and
a patch aimed at ``forward`` would fail ("no exist forward") or patch a name nothing calls. A string literal
``'<dotted path>.<Class>.forward'`` whose ``<Class>`` is a Cell by the tree's class index (the same knowledge that
renames the method) gets ``construct`` instead. Only whole literals that are nothing but a dotted path are touched.

MindSpeed also patches *torch* by string (``register_patch('torch.Tensor.view', wrapper)``,
``register_patch('torch.load', ...)``). The converted code no longer calls torch, so such a patch must land on what
the converted call sites call: a torch name given as the first argument of a call to a ``*patch*`` function is
rewritten to its rule's MindSpore target (``mindspore.Tensor.view``, ``mscore_rt.serialization.load``). A name with
no such target stays, reported (:func:`torch_patch_strings`).

Availability probes by name (``importlib.util.find_spec("torch_npu") is None``) ask whether the framework (or its
NPU plugin) is installed; after conversion that framework is MindSpore, which carries its Ascend backend itself, so
the probed name becomes ``"mindspore"`` (:func:`package_probes`) and the device checks that follow decide.

Hugging Face tokenizers and processors name their output framework by string: ``return_tensors="pt"`` asks for
torch tensors, which fails once torch is gone ("PyTorch is not installed"). Transformers has no MindSpore format:
the call asks for ``"np"`` and its result goes through ``mscore_rt.hf_training.to_mindspore``, which turns the NumPy
arrays (the values of a ``BatchFeature`` / ``BatchEncoding``, or the array itself) into MindSpore tensors
(:func:`hf_return_tensors`: the keyword with the literal ``"pt"`` in any call, in a file that mentions torch; a call
inside an expression the converter rewrites anyway only gets ``"np"``).
"""
from __future__ import annotations

import ast
import re

from mscore.rewrite.context import PLACEHOLDER

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.([A-Za-z_]\w*)\.forward")
_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
# MindSpore's Parameter class does not carry Tensor's Python methods (its instances get them from mindspore.Tensor),
# so a patch of a Parameter method lands on Tensor's
_TENSOR_CLASSES = dict.fromkeys(("torch.Tensor", "torch.nn.parameter.Parameter", "torch.nn.Parameter"),
                                "mindspore.Tensor")


def edits(tree: ast.AST, text: str, offset, cells: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, 'construct') for each ``forward`` at the end of a dotted-path literal naming a Cell's method."""
    out = []
    if not cells or ".forward" not in text:
        return out
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        m = _DOTTED.fullmatch(node.value)
        if m is None or m.group(1) not in cells:
            continue
        span = _literal_span(node, text, offset)   # None: prefixes other than r/u, escapes, implicit concat
        if span is not None:
            out.append((span[1] - len("forward"), span[1], "construct"))
    return out


def _literal_span(node: ast.Constant, text: str, offset) -> tuple[int, int] | None:
    """The span of a plain one-line string literal's body (between its quotes), or None (more lines, prefixes other
    than r/u, escapes, implicit concatenation)."""
    if node.lineno != node.end_lineno:
        return None
    start, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
    literal = text[start:end]
    body = literal.lstrip("rRuU")
    if not body or body[-1] not in "'\"" or body[1:-1] != node.value:
        return None
    return end - len(body) + 1, end - 1


def _callee(call: ast.Call) -> str:
    """The called function's own name (``aspm.register_patch(...)`` -> ``register_patch``)."""
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _patch_target(name: str, rules) -> str | None:
    """The MindSpore dotted path a patch aimed at torch's ``name`` belongs on, or None."""
    rule = rules.apis.get(name)
    if rule is not None:
        return rule.target if rule.target and _PATH.fullmatch(rule.target) and not rule.template else None
    owner, _, method = name.rpartition(".")
    if owner in _TENSOR_CLASSES:
        rule = rules.tensor_methods.get(method)
        if rule is not None and rule.target and rule.target.isidentifier() and not rule.template:
            return f"{_TENSOR_CLASSES[owner]}.{rule.target}"
        if rule is not None and rule.target and "." in rule.target and _PATH.fullmatch(rule.target) \
                and not rule.template:
            return rule.target    # a method converted to a function (x.type() -> tensors.type(x)): patch that
    return None


def torch_patch_strings(tree: ast.AST, text: str, offset, rules) -> tuple[list[tuple[int, int, str]], list]:
    """Edits retargeting torch names patched by string, and the literal nodes left (no MindSpore target)."""
    out, left = [], []
    if "patch" not in text:
        return out, left
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        fn = _callee(node)
        arg = node.args[0]
        if "patch" not in fn.lower() or not isinstance(arg.value, str) or not _PATH.fullmatch(arg.value):
            continue
        if arg.value.split(".", 1)[0] not in ("torch", "torch_npu"):
            continue
        span = _literal_span(arg, text, offset)
        target = _patch_target(arg.value, rules)
        if span is None or target is None:
            left.append(arg)
            continue
        out.append((span[0], span[1], target))
    return out, left


_PROBES = {"find_spec", "find_loader", "_is_package_available", "is_package_available"}


def package_probes(tree: ast.AST, text: str, offset) -> list[tuple[int, int, str]]:
    """Edits turning ``find_spec("torch")`` / ``find_spec("torch_npu")`` probes into ``find_spec("mindspore")``."""
    out = []
    if "torch" not in text:
        return out
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        fn = _callee(node)
        if fn in _PROBES and node.args[0].value in ("torch", "torch_npu"):
            span = _literal_span(node.args[0], text, offset)
            if span is not None:
                out.append((span[0], span[1], "mindspore"))
    return out


def hf_return_tensors(tree: ast.AST, text: str, offset, units=()) -> tuple[list[tuple[int, int, str]], bool]:
    """Edits for ``f(..., return_tensors="pt")``: ``to_mindspore(f(..., return_tensors="np"))`` (only ``"np"``
    when the call overlaps a unit, or lies in one already wrapped); True when a wrap was emitted."""
    out: list[tuple[int, int, str]] = []
    if "return_tensors" not in text:
        return out, False
    spans = [(u.start, u.end) for u in units]
    wrapped: list[tuple[int, int]] = []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg == "return_tensors" and isinstance(kw.value, ast.Constant) and kw.value.value == "pt":
                span = _literal_span(kw.value, text, offset)
                if span is not None:
                    calls.append((node, span))
    for node, span in sorted(calls, key=lambda c: c[1][0]):
        start, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
        inside = any(a <= start and end <= b for a, b in wrapped)
        overlaps = any(a < end and start < b for a, b in spans)
        if inside or overlaps:
            out.append((span[0], span[1], "np"))
            continue
        body = text[start:span[0]] + "np" + text[span[1]:end]
        out.append((start, end, f"{PLACEHOLDER.format('rt_hf_training')}.to_mindspore({body})"))
        wrapped.append((start, end))
    out = [e for e in out if e[2] != "np" or not any(a <= e[0] and e[1] <= b for a, b in wrapped)]
    return out, bool(wrapped)
