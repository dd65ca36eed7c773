"""Parity cases and deterministic input generators (the format rule writers use; see ``docs/parity.md``).

A case module ``tests/parity/cases/cases_<rulefile>.py`` defines ``CASES = [Case(...), ModuleCase(...), ...]``.
This module needs only numpy: importing case modules (for the coverage script, the rule-coverage test) never
imports torch or MindSpore.
"""
from __future__ import annotations

import ast
import keyword
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from mscore.parity.values import Arr, from_numpy, to_seed

DEFAULT_ATOL = 1e-6
DEFAULT_RTOL = 1e-5
EXPECTS = ("pass", "unsupported")
COMPARES = ("values", "shape")
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
NPU_HEADER = "import torch_npu\n"          # added when the snippet mentions torch_npu
RESERVED = {"torch", "nn", "F", "out", "m", "_parity_forward"}
FORWARD = "_parity_forward"
DTYPES = ("float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool",
          "complex64")


# ----------------------------------------------------------------------------------------------------------------
# input generators


def _round_bf16(a: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest bfloat16 (ties to even), kept as float32: both frameworks then receive
    exactly representable values and convert them without rounding of their own."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return u.view(np.float32)


class Gen:
    """A deterministic tensor recipe; ``make(key)`` draws its values from a generator seeded by ``seed`` (if given)
    or by the input's name, so ``a=randn(2)`` and ``b=randn(2)`` differ but are the same on every run."""

    def __init__(self, kind: str, shape: tuple, dtype: str, params: tuple = (), seed: int | None = None):
        if dtype not in DTYPES:
            raise ValueError(f"{kind}: unknown dtype {dtype!r} (known: {', '.join(DTYPES)})")
        self.kind, self.shape, self.dtype, self.params, self.seed = kind, tuple(int(s) for s in shape), dtype, \
            params, seed

    def __repr__(self) -> str:
        args = [repr(p) for p in self.params] + [f"shape={self.shape}", f"dtype={self.dtype!r}"]
        if self.seed is not None:
            args.append(f"seed={self.seed}")
        return f"{self.kind}({', '.join(args)})"

    def make(self, key: str) -> Arr:
        rng = np.random.default_rng(self.seed if self.seed is not None else to_seed(key))
        k, shape = self.kind, self.shape
        if k == "randn":
            a = rng.standard_normal(shape)
        elif k == "rand":
            a = rng.random(shape)
        elif k == "uniform":
            a = rng.uniform(self.params[0], self.params[1], shape)
        elif k == "randint":
            a = rng.integers(self.params[0], self.params[1], shape)
        elif k == "rand_bool":
            a = rng.random(shape) < self.params[0]
        elif k == "arange":
            a = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
        elif k == "const":
            a = np.array(self.params[0])
        else:  # pragma: no cover
            raise ValueError(k)
        if self.dtype == "bfloat16":
            data = _round_bf16(np.asarray(a, dtype=np.float32))
        else:
            data = np.asarray(a).astype(self.dtype)
        return Arr(self.dtype, tuple(data.shape), np.ascontiguousarray(data))


def _shape(args: tuple) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def randn(*shape, dtype: str = "float32", seed: int | None = None) -> Gen:
    """Standard normal values: ``randn(2, 3)`` or ``randn((2, 3))``."""
    return Gen("randn", _shape(shape), dtype, (), seed)


def rand(*shape, dtype: str = "float32", seed: int | None = None) -> Gen:
    """Uniform values in [0, 1)."""
    return Gen("rand", _shape(shape), dtype, (), seed)


def uniform(low: float, high: float, shape, *, dtype: str = "float32", seed: int | None = None) -> Gen:
    """Uniform values in [low, high) (e.g. positive inputs for log / sqrt)."""
    return Gen("uniform", _shape((shape,)) if isinstance(shape, int) else tuple(shape), dtype, (low, high), seed)


def randint(low: int, high: int, shape, *, dtype: str = "int64", seed: int | None = None) -> Gen:
    """Integers in [low, high), int64 by default."""
    return Gen("randint", (shape,) if isinstance(shape, int) else tuple(shape), dtype, (low, high), seed)


def rand_bool(shape, *, p: float = 0.5, seed: int | None = None) -> Gen:
    """Booleans, True with probability ``p``."""
    return Gen("rand_bool", (shape,) if isinstance(shape, int) else tuple(shape), "bool", (p,), seed)


def arange(n: int, *, shape=None, dtype: str = "float32") -> Gen:
    """0, 1, ..., n-1 (float32 by default), optionally reshaped: ``arange(6, shape=(2, 3))``."""
    shp = (n,) if shape is None else ((shape,) if isinstance(shape, int) else tuple(shape))
    if int(np.prod(shp, dtype=np.int64)) != n:
        raise ValueError(f"arange({n}) cannot be reshaped to {shp}")
    return Gen("arange", shp, dtype)


def const(value, *, dtype: str | None = None) -> Gen:
    """A literal tensor: ``const([[1, 2], [3, 4]], dtype="float32")``. Default dtype: float32 for floats, int64 for
    ints, bool for bools."""
    a = np.array(value)
    if dtype is None:
        dtype = {"f": "float32", "i": "int64", "u": "int64", "b": "bool"}.get(a.dtype.kind, "float32")
    return Gen("const", a.shape, dtype, (a.tolist(),))


def materialize(value: Any, key: str) -> Any:
    """Generators -> :class:`Arr` (recursively through lists / tuples / dicts); anything else is kept as is."""
    if isinstance(value, Gen):
        return value.make(key)
    if isinstance(value, np.ndarray):
        return from_numpy(np.ascontiguousarray(value))
    if isinstance(value, (list, tuple)):
        items = [materialize(v, f"{key}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: materialize(v, f"{key}[{k!r}]") for k, v in value.items()}
    return value


# ----------------------------------------------------------------------------------------------------------------
# cases


def _is_expression(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
        return True
    except SyntaxError:
        return False


def _assigns(tree: ast.AST, name: str) -> bool:
    """Whether module-level code (including with/if/for/try bodies, excluding def/class bodies) stores ``name``."""
    todo = list(ast.iter_child_nodes(tree))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def _caller() -> str:
    """``file:line`` of the case constructor call (for failure messages)."""
    f = sys._getframe(2)
    path = Path(f.f_code.co_filename)
    try:
        path = path.resolve().relative_to(Path(__file__).resolve().parents[2])
    except ValueError:
        pass
    return f"{path}:{f.f_lineno}"


def _header(text: str) -> str:
    return HEADER + (NPU_HEADER if "torch_npu" in text else "")


class _Base:
    api: str
    expect: str
    reason: str | None
    where: str
    converted_override: str | None

    def _common_problems(self) -> list[str]:
        p: list[str] = []
        if not isinstance(self.api, str) or not self.api:
            p.append("api must be a non-empty string")
        if self.expect not in EXPECTS:
            p.append(f"expect must be one of {EXPECTS}, got {self.expect!r}")
        tol_changed = self.atol != DEFAULT_ATOL or self.rtol != DEFAULT_RTOL
        if (tol_changed or getattr(self, "compare", "values") != "values") and not (self.reason or "").strip():
            p.append("a tolerance override or compare='shape' needs reason='...'")
        for qual, fn in self.reference.items():
            if not isinstance(qual, str) or "." not in qual or not all(x.isidentifier() for x in qual.split(".")):
                p.append(f"reference key {qual!r} must be a qualified name such as 'torch_npu.npu_rms_norm'")
            elif not callable(fn) and not isinstance(fn, (int, float, str, bool, type(None))):
                p.append(f"reference[{qual!r}] must be a callable or a plain value")
        for name in self.input_names():
            if not name.isidentifier() or keyword.iskeyword(name):
                p.append(f"input name {name!r} is not an identifier")
            elif name in RESERVED:
                p.append(f"input name {name!r} is reserved by the harness ({', '.join(sorted(RESERVED))})")
        return p

    @property
    def label(self) -> str:
        return f"{type(self).__name__}({self.api!r}) at {self.where}"


class Case(_Base):
    """A snippet (an expression, or a block assigning ``out``) run on both sides with the same inputs.

    ``compare='shape'`` compares shapes and dtypes only (random outputs: ``torch.randn``, ``torch.empty``) and needs
    a reason. ``converted_override`` replaces the engine's output with hand-written MindSpore code: only for the
    harness's own self-tests (such cases never count as rule coverage)."""

    def __init__(self, api: str, snippet: str, /, *, expect: str = "pass", atol: float = DEFAULT_ATOL,
                 rtol: float = DEFAULT_RTOL, reason: str | None = None, compare: str = "values",
                 converted_override: str | None = None, reference: dict[str, Any] | None = None, **inputs: Any):
        self.api, self.snippet, self.expect = api, snippet, expect
        self.reference = dict(reference or {})
        self.atol, self.rtol, self.reason, self.compare = float(atol), float(rtol), reason, compare
        self.converted_override = converted_override
        self.inputs = inputs
        self.where = _caller()

    def __repr__(self) -> str:
        return f"Case({self.api!r}, {self.snippet!r})"

    def input_names(self) -> list[str]:
        return list(self.inputs)

    def problems(self) -> list[str]:
        p = self._common_problems()
        if self.compare not in COMPARES:
            p.append(f"compare must be one of {COMPARES}, got {self.compare!r}")
        if not isinstance(self.snippet, str) or not self.snippet.strip():
            return p + ["snippet must be a non-empty string"]
        text = textwrap.dedent(self.snippet).strip()
        if not _is_expression(text):
            try:
                tree = ast.parse(text)
            except SyntaxError as exc:
                return p + [f"snippet is not valid Python: {exc.msg} (line {exc.lineno})"]
            if self.expect == "pass" and not _assigns(tree, "out"):
                p.append("a block snippet must assign `out` (the value compared)")
        return p

    def torch_source(self) -> str:
        text = textwrap.dedent(self.snippet).strip()
        body = f"out = (\n{textwrap.indent(text, '    ')}\n)" if _is_expression(text) else text
        return f"{_header(text)}\n{body}\n"

    def make_inputs(self) -> dict[str, Any]:
        return {name: materialize(v, name) for name, v in self.inputs.items()}


class ModuleCase(_Base):
    """A module built by ``ctor`` (an expression, or a block assigning ``m``), called as ``m(*inputs)`` (or by the
    ``call`` expression, which may use ``m`` and the input names). Forward outputs and, with ``grad=True``, the
    gradients of ``sum(out * cotangent)`` w.r.t. float inputs and parameters are compared; the torch state_dict is
    loaded into the converted Cell through the Cell's own state_dict keys, which must equal torch's."""

    def __init__(self, api: str, ctor: str, /, *, inputs: dict[str, Any] | None = None, call: str | None = None,
                 grad: bool = True, train: bool = False, expect: str = "pass", atol: float = DEFAULT_ATOL,
                 rtol: float = DEFAULT_RTOL, reason: str | None = None, converted_override: str | None = None,
                 reference: dict[str, Any] | None = None):
        self.api, self.ctor, self.expect = api, ctor, expect
        self.reference = dict(reference or {})
        self.inputs = dict(inputs or {})
        self.call, self.grad, self.train = call, bool(grad), bool(train)
        self.atol, self.rtol, self.reason = float(atol), float(rtol), reason
        self.converted_override = converted_override
        self.compare = "values"
        self.where = _caller()

    def __repr__(self) -> str:
        return f"ModuleCase({self.api!r}, {self.ctor!r})"

    def input_names(self) -> list[str]:
        return list(self.inputs)

    def problems(self) -> list[str]:
        p = self._common_problems()
        if not isinstance(self.ctor, str) or not self.ctor.strip():
            return p + ["ctor must be a non-empty string"]
        text = textwrap.dedent(self.ctor).strip()
        if not _is_expression(text):
            try:
                tree = ast.parse(text)
            except SyntaxError as exc:
                return p + [f"ctor is not valid Python: {exc.msg} (line {exc.lineno})"]
            if not _assigns(tree, "m"):
                p.append("a block ctor must assign the module to `m`")
        if self.call is not None and not _is_expression(textwrap.dedent(self.call).strip()):
            p.append("call must be a single expression (using `m` and the input names)")
        return p

    def torch_source(self) -> str:
        text = textwrap.dedent(self.ctor).strip()
        body = f"m = (\n{textwrap.indent(text, '    ')}\n)" if _is_expression(text) else text
        names = self.input_names()
        call = textwrap.dedent(self.call).strip() if self.call else f"m({', '.join(names)})"
        params = ", ".join(["m", *names])
        returned = textwrap.indent(call, "        ")
        return f"{_header(text + call)}\n{body}\n\n\ndef {FORWARD}({params}):\n    return (\n{returned}\n    )\n"

    def make_inputs(self) -> dict[str, Any]:
        return {name: materialize(v, name) for name, v in self.inputs.items()}
