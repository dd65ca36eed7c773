"""CPU implementations of ``mindspore.mint`` reductions and pointwise functions (the rest of :mod:`._mint`, which
re-exports everything here). Same contract: mint's exact signatures, built from ops that run and differentiate on
CPU, never calling a mint function the backfill replaces.
"""
from __future__ import annotations

import math

import mindspore as ms
from mindspore import mint, ops

from ._common import dims_of, in_graph, is_floating, is_tensor, long, original, reduce_sum
from ._registry import replaces

# -------------------------------------------------------------------------------------------------- reductions


def _cast(x, dtype):
    return x if dtype is None else x.astype(dtype)


@replaces("mindspore.mint.cumsum")
def cumsum(input, dim, dtype=None):
    if dtype is None and (input.dtype == ms.bool_ or input.dtype in (ms.int8, ms.int16, ms.int32, ms.uint8)):
        dtype = ms.int64
    x = _cast(input, dtype)
    return ops.cumsum(x, dim)


@replaces("mindspore.mint.cummin")
def cummin(input, dim):
    v, i = ops.cummin(input, dim)
    return v, long(i)


def _var(input, dim, correction, keepdim):
    dims = dims_of(dim, input.ndim)
    n = 1
    for d in dims:
        n *= input.shape[d] if input.ndim else 1
    mean = input.mean(dims, keep_dims=True) if input.ndim else input
    d = input - mean
    ss = reduce_sum(d * d, dims, keepdim)
    return ss / max(n - correction, 0), (mean if keepdim or not input.ndim else mean.squeeze(dims))


@replaces("mindspore.mint.var")
def var(input, dim=None, *, correction=1, keepdim=False):
    return _var(input, dim, correction, keepdim)[0]


@replaces("mindspore.mint.std")
def std(input, dim=None, *, correction=1, keepdim=False):
    return ops.sqrt(_var(input, dim, correction, keepdim)[0])


@replaces("mindspore.mint.var_mean")
def var_mean(input, dim=None, *, correction=1, keepdim=False):
    v, m = _var(input, dim, correction, keepdim)
    return v, m


@replaces("mindspore.mint.std_mean")
def std_mean(input, dim=None, *, correction=1, keepdim=False):
    v, m = _var(input, dim, correction, keepdim)
    return ops.sqrt(v), m


@replaces("mindspore.mint.logsumexp")
def logsumexp(input, dim, keepdim=False):
    dims = dims_of(dim, input.ndim)
    m = ops.stop_gradient(ops.amax(input, dims, True))
    m = ops.where(ops.isinf(m), ops.zeros_like(m), m)
    out = ops.log(ops.sum(ops.exp(input - m), dims, True)) + m
    return out if keepdim else out.squeeze(dims)


@replaces("mindspore.mint.argmax")
def argmax(input, dim=None, keepdim=False):
    if dim is None:
        return long(ops.argmax(input.reshape(-1), 0, False)).reshape(() if not keepdim else (1,) * input.ndim)
    return long(ops.argmax(input, dim, keepdim))


@replaces("mindspore.mint.argmin")
def argmin(input, dim=None, keepdim=False):
    if dim is None:
        return long(ops.argmin(input.reshape(-1), 0, False)).reshape(() if not keepdim else (1,) * input.ndim)
    return long(ops.argmin(input, dim, keepdim))


@replaces("mindspore.mint.topk")
def topk(input, k, dim=-1, largest=True, sorted=True):
    v, i = ops.topk(input, k, dim, largest, sorted)
    return v, long(i)


@replaces("mindspore.mint.sort")
def sort(input, *, dim=-1, descending=False, stable=False):
    v, i = ops.sort(input, dim, descending)
    return v, long(i)


@replaces("mindspore.mint.kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False):
    v, i = ops.sort(input, dim)
    d = dim % max(input.ndim, 1)
    v = ops.narrow(v, d, k - 1, 1)
    i = long(ops.narrow(i, d, k - 1, 1))
    return (v, i) if keepdim else (v.squeeze(d), i.squeeze(d))


@replaces("mindspore.mint.argsort")
def argsort(input, dim=-1, descending=False, stable=False):
    return long(ops.sort(input, dim, descending)[1])


@replaces("mindspore.mint.median")
def median(input, dim=None, keepdim=False):
    if dim is None:
        flat = ops.sort(input.reshape(-1))[0]
        return flat[(flat.shape[0] - 1) // 2]
    v, i = ops.median(input, dim, keepdim)
    return v, long(i)


@replaces("mindspore.mint.count_nonzero")
def count_nonzero(input, dim=None):
    return long(reduce_sum((input != 0).astype(ms.int64), dims_of(dim, input.ndim), False))


@replaces("mindspore.mint.log")
def log(input):
    """mint.log: the CPU Log kernel takes floating inputs only; torch (and the Ascend kernel) promote an integer or
    bool input to float32."""
    if not is_floating(input) and input.dtype not in (ms.complex64, ms.complex128):
        input = input.astype(ms.float32)
    return ops.log(input)


@replaces("mindspore.mint.histc")
def histc(input, bins=100, min=0, max=0):
    return ops.histc(input, bins, float(min), float(max)).astype(input.dtype)


@replaces("mindspore.mint.bincount")
def bincount(input, weights=None, minlength=0):
    n = max(int(input.max().item()) + 1 if input.shape[0] else 0, minlength)
    oh = ops.one_hot(long(input), n).astype(ms.float32 if weights is None else weights.dtype)
    if weights is None:
        return oh.sum(0).astype(ms.int64) if input.shape[0] else ops.zeros((n,), ms.int64)
    return (oh * weights.reshape(-1, 1)).sum(0)


@replaces("mindspore.mint.unique")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    if dim is not None:
        raise NotImplementedError("mscore.backfill: mint.unique(dim=...) has no CPU implementation")
    flat = input.reshape(-1)
    vals, order = ops.sort(flat.astype(ms.float32) if flat.dtype == ms.bool_ else flat)
    vals = vals.astype(flat.dtype)
    out, inv_sorted, counts = ops.unique_consecutive(vals, True, True, None)
    res = [out]
    if return_inverse:
        inv = ops.zeros(flat.shape, ms.int64)
        inv = ops.tensor_scatter_elements(inv, long(order), long(inv_sorted), 0)
        res.append(inv.reshape(input.shape))
    if return_counts:
        res.append(long(counts))
    return res[0] if len(res) == 1 else tuple(res)


def vector_norm_of(x, ord, dim, keepdim):
    dims = dims_of(dim, x.ndim)
    if ord == 2:
        s = reduce_sum(x * x, dims, keepdim)
        nz = s > 0  # torch's norm gradient is 0 (not nan) at a zero vector
        return ops.where(nz, ops.sqrt(ops.where(nz, s, ops.ones_like(s))), ops.zeros_like(s))
    a = ops.abs(x)
    if ord == 1:
        return reduce_sum(a, dims, keepdim)
    if ord == float("inf"):
        return ops.amax(a, dims, keepdim)
    if ord == float("-inf"):
        return ops.amin(a, dims, keepdim)
    if ord == 0:
        return reduce_sum((x != 0).astype(x.dtype), dims, keepdim)
    return ops.pow(reduce_sum(ops.pow(a, ord), dims, keepdim), 1.0 / ord)


@replaces("mindspore.mint.norm")
def norm(input, p="fro", dim=None, keepdim=False, *, dtype=None):
    x = _cast(input, dtype)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise NotImplementedError("mscore.backfill: mint.norm(p='nuc') has no CPU implementation")
    return vector_norm_of(x, float(p) if not isinstance(p, str) else p, dim, keepdim)


# ---------------------------------------------------------------------------------------------------- pointwise


@replaces("mindspore.mint.addcmul")
def addcmul(input, tensor1, tensor2, *, value=1):
    return input + tensor1 * tensor2 * value if value != 1 else input + tensor1 * tensor2


@replaces("mindspore.mint.addcdiv")
def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + tensor1 / tensor2 * value if value != 1 else input + tensor1 / tensor2


def _float(x):
    return x if is_floating(x) else x.astype(ms.float32)


@replaces("mindspore.mint.acos", "mindspore.mint.arccos")
def acos(input):
    return ops.acos(_float(input))


@replaces("mindspore.mint.acosh", "mindspore.mint.arccosh")
def acosh(input):
    return ops.acosh(_float(input))


@replaces("mindspore.mint.asin")
def asin(input):
    return ops.asin(_float(input))


@replaces("mindspore.mint.arcsin")
def arcsin(x):
    return ops.asin(_float(x))


@replaces("mindspore.mint.asinh", "mindspore.mint.arcsinh")
def asinh(input):
    return ops.asinh(_float(input))


@replaces("mindspore.mint.atan", "mindspore.mint.arctan")
def atan(input):
    return ops.atan(_float(input))


@replaces("mindspore.mint.atan2", "mindspore.mint.arctan2")
def atan2(input, other):
    return ops.atan2(_float(input), _float(other) if is_tensor(other) else other)


@replaces("mindspore.mint.log2")
def log2(input):
    return ops.log(_float(input)) / math.log(2.0)


@replaces("mindspore.mint.log10")
def log10(input):
    return ops.log(_float(input)) / math.log(10.0)


@replaces("mindspore.mint.exp2", "mindspore.mint.special.exp2")
def exp2(input):
    return ops.exp(_float(input) * math.log(2.0))


@replaces("mindspore.mint.logaddexp")
def logaddexp(input, other):
    m = ops.maximum(input, other)
    m = ops.stop_gradient(ops.where(ops.isinf(m), ops.zeros_like(m), m))
    return m + ops.log(ops.exp(input - m) + ops.exp(other - m))


@replaces("mindspore.mint.logaddexp2")
def logaddexp2(input, other):
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


@replaces("mindspore.mint.frac")
def frac(input):
    return input - ops.trunc(input)


@replaces("mindspore.mint.isneginf")
def isneginf(input):
    return ops.logical_and(ops.isinf(input), input < 0) if is_floating(input) else ops.zeros(input.shape, ms.bool_)


@replaces("mindspore.mint.equal")
def equal(input, other):
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool((input == other).all().item())


@replaces("mindspore.mint.bitwise_and")
def bitwise_and(input, other):
    return ops.bitwise_and(input, as_int_tensor(other, input))


@replaces("mindspore.mint.bitwise_or")
def bitwise_or(input, other):
    return ops.bitwise_or(input, as_int_tensor(other, input))


@replaces("mindspore.mint.bitwise_xor")
def bitwise_xor(input, other):
    return ops.bitwise_xor(input, as_int_tensor(other, input))


@replaces("mindspore.mint.bitwise_not")
def bitwise_not(input):
    if input.dtype == ms.bool_:
        return ops.logical_not(input)
    return -input - 1


def as_int_tensor(v, ref):
    return v if is_tensor(v) else ms.Tensor(v, ref.dtype)




_MINT_WHERE = original(mint.where)   # MindSpore's, captured on import (before enable() installs the replacement)


@replaces("mindspore.mint.nonzero")
def nonzero(input, *, as_tuple=False):
    idx = ops.nonzero(input)
    if not as_tuple:
        return long(idx)
    if input.ndim == 0:
        return (long(idx).reshape(-1),)
    return tuple(long(idx[:, i]) for i in range(input.ndim))


@replaces("mindspore.mint.where")
def where(condition, input=None, other=None):
    if input is None and other is None:  # torch.where(condition) == nonzero(condition, as_tuple=True)
        return nonzero(condition, as_tuple=True)
    return _MINT_WHERE(condition, input, other)


@replaces("mindspore.mint.round")
def round(input, *, decimals=0):
    if decimals == 0:
        return ops.round(input)
    scale = 10.0 ** decimals
    return ops.round(input * scale) / scale


# ------------------------------------------------------------------------------------- graph-mode kernel choices
# PyNative runs these mint functions on CPU; graph mode compiles them to primitives the CPU build lacks (FmodScalar,
# Narrow inside diff's Python) or that graph mode refuses (RealView / ImagView: "not supported in Graph mode").
# The replacement is MindSpore's own function in PyNative and a CPU composite only where ms.jit compiles the call
# (in_graph()).

_MINT_FMOD = original(mint.fmod)
_MINT_DIFF = original(mint.diff)
_MINT_REAL = original(mint.real)
_MINT_IMAG = original(mint.imag)
_COMPLEX = (ms.complex64, ms.complex128)


@replaces("mindspore.mint.fmod")
def fmod(input, other):
    if in_graph():
        return ops.fmod(input, other)
    return _MINT_FMOD(input, other)


@replaces("mindspore.mint.diff")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    if not in_graph():
        return _MINT_DIFF(input, n, dim, prepend, append)
    x = input
    if prepend is not None:
        x = ops.cat((prepend.astype(x.dtype), x), dim)
    if append is not None:
        x = ops.cat((x, append.astype(x.dtype)), dim)
    for _ in range(n):
        m = x.shape[dim] - 1
        hi, lo = mint.narrow(x, dim, 1, m), mint.narrow(x, dim, 0, m)
        x = ops.logical_xor(hi, lo) if x.dtype == ms.bool_ else hi - lo
    return x


@replaces("mindspore.mint.real")
def real(input):
    if not in_graph():
        return _MINT_REAL(input)
    return ops.real(input) if input.dtype in _COMPLEX else input


@replaces("mindspore.mint.imag")
def imag(input):
    if not in_graph():
        return _MINT_IMAG(input)
    return ops.imag(input)
