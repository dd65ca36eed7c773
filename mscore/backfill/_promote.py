"""CPU kernels that refuse what torch and the Ascend kernels accept: integer / bool inputs of floating unary
functions and their Tensor methods (torch promotes them to float32: ``torch.exp(torch.tensor([1, 2]))``,
``i.tanh()``), ``mint.cat`` of tensors of different
dtypes (torch and aclnnCat promote to the common dtype), and integer ``floor_divide``. Each replacement keeps mint's
signature and calls ``ops`` only. ``mint.zeros`` of a 0-d shape without a dtype (the CPU Zeros kernel rejects ``()``
unless the dtype is given): the original with float32 passed. Not replaced: ``mint.ones`` (the same kernel gap) --
any wrapper of it, even one only forwarding its arguments, makes ``ms.jit`` capture of the converted mini crash
(SIGSEGV; tests/e2e/test_jit_compile.py), while this ``zeros`` one does not (a conditional expression in it did).
"""
from __future__ import annotations

import functools

import mindspore as ms
from mindspore import mint, ops
from mindspore.ops.primitive import _primexpr

from ._common import is_floating
from ._registry import replaces

_COMPLEX = (ms.complex64, ms.complex128)


def _floating(input):
    if not is_floating(input) and input.dtype not in _COMPLEX:
        return input.astype(ms.float32)
    return input


def _unary(name: str):
    op = getattr(ops, name)

    def impl(input):
        return op(_floating(input))

    impl.__name__ = name
    impl.__doc__ = f"mint.{name}: an integer or bool input is promoted to float32 first, as torch does."
    return replaces(f"mindspore.mint.{name}")(impl)


def _unary_method(name: str):
    op = getattr(ops, name)

    def impl(self):
        return op(_floating(self))

    impl.__name__ = name
    impl.__doc__ = f"Tensor.{name}: an integer or bool tensor is promoted to float32 first, as torch does."
    return replaces(f"mindspore.Tensor.{name}")(impl)


for _name in ("exp", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "log1p", "erf", "sinh", "cosh", "erfinv",
              "expm1"):
    globals()[_name] = _unary(_name)
# their Tensor methods, and those of floating functions whose mint form already promotes on CPU (x.log2())
for _name in ("exp", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "log1p", "erf", "sinh", "cosh", "erfinv",
              "expm1", "log2", "log10", "asin", "acos", "atan"):
    globals()[f"tensor_{_name}"] = _unary_method(_name)


_FLOAT_RANK = {ms.float16: 1, ms.bfloat16: 1, ms.float32: 2, ms.float64: 3}
_INT_RANK = {ms.bool_: 0, ms.uint8: 1, ms.int8: 1, ms.int16: 2, ms.int32: 3, ms.int64: 4}


def _common_dtype(dtypes):
    """torch's promotion over tensors of one category order: bool < integers < floating (widest of each)."""
    floats = [d for d in dtypes if d in _FLOAT_RANK]
    if floats:
        if ms.float16 in floats and ms.bfloat16 in floats and max(_FLOAT_RANK[d] for d in floats) == 1:
            return ms.float32
        return max(floats, key=lambda d: _FLOAT_RANK[d])
    ints = [d for d in dtypes if d in _INT_RANK]
    if ints and len(ints) == len(dtypes):
        if ms.uint8 in ints and ms.int8 in ints and max(_INT_RANK[d] for d in ints) == 1:
            return ms.int16
        return max(ints, key=lambda d: _INT_RANK[d])
    return dtypes[0]


@_primexpr
@functools.lru_cache(maxsize=256)
def _cat_dtype(dtypes):
    """The dtype cat must cast its inputs to, None when they already share one. A ``_primexpr``: under ``ms.jit`` the
    dtypes are constants and this runs once, at compile time (graph mode cannot parse sets nor dicts of dtypes);
    in PyNative a plain call, cached per tuple of dtypes (as cheap as the set() it replaced)."""
    first = dtypes[0] if dtypes else None
    for d in dtypes:
        if d != first:
            return _common_dtype(list(dtypes))
    return None


@replaces("mindspore.mint.cat", "mindspore.mint.concat")
def cat(tensors, dim=0):
    common = _cat_dtype(tuple([t.dtype for t in tensors]))
    if common is None:
        return ops.cat(tensors, dim)
    return ops.cat([t if t.dtype == common else t.astype(common) for t in tensors], dim)


_MINT_ZEROS = mint.zeros   # the original, captured on import (before enable() installs the replacement)


@replaces("mindspore.mint.zeros")
def zeros(size, *, dtype=None):
    """mint.zeros: float32 passed when no dtype is (the CPU kernel refuses a 0-d shape with dtype None:
    ``torch.zeros(())``, a scalar ``nn.Parameter(torch.zeros(()))``). An if statement, not a conditional
    expression: with the latter ms.jit capture of the converted mini crashed."""
    if dtype is None:
        dtype = ms.float32
    return _MINT_ZEROS(size, dtype=dtype)


@replaces("mindspore.mint.floor_divide")
def floor_divide(input, other):
    """mint.floor_divide: the CPU kernel has no integer form; FloorDiv rounds toward negative infinity as torch."""
    return ops.floor_div(input, other)
