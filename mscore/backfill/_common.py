"""Small helpers shared by the backfill implementations (MindSpore CPU ops only)."""
from __future__ import annotations

import builtins
import numbers

import mindspore as ms
from mindspore import ops
from mindspore.ops.primitive import PrimitiveWithInfer

_py_sum = builtins.sum
_py_max = builtins.max
_py_min = builtins.min


class _InGraph(PrimitiveWithInfer):
    """``in_graph()``: False when called (PyNative), a constant True where ``ms.jit`` compiles the call (its value is
    inferred at compile time, as for MindSpore's ``_primexpr``; the branch not taken is never resolved). For the
    few implementations whose PyNative form is host code graph mode cannot express (the seeded NumPy draws of
    ``_random``)."""

    def __init__(self):
        super().__init__("mscore_in_graph")
        self.set_const_prim(True)
        self.add_prim_attr("constexpr_prim", True)

    def __infer__(self):
        return {"dtype": None, "shape": None, "value": True}

    def __call__(self):
        return False


in_graph = _InGraph()


def original(fn):
    """MindSpore's own callable behind ``fn`` (``fn`` itself when the backfill has not replaced it). Implementations
    that fall through to the original capture it with this at import, as a module global: the graph parser of
    ``ms.jit`` resolves a global, and accepts no import or attribute lookup by name inside the function."""
    return getattr(fn, "__mscore_original__", fn)


def is_tensor(x) -> bool:
    return isinstance(x, ms.Tensor)


def tuple_n(v, n):
    """int or sequence -> tuple of n ints (torch's _ntuple)."""
    if isinstance(v, (list, tuple)):
        if len(v) == 1 and n > 1:
            return tuple(v) * n
        return tuple(v)
    return (v,) * n


def dims_of(dim, ndim):
    """dim (None, int, sequence) -> sorted tuple of non-negative dims; None means all dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        return tuple(sorted(d % ndim if ndim else 0 for d in dim))
    return ((dim % ndim) if ndim else 0,)


def reduce_sum(x, dims, keepdim):
    if not dims and x.ndim:
        return x
    return ops.sum(x, dims if x.ndim else None, keepdim)


def default_float_dtype():
    return ms.float32


def scalar_dtype(value):
    """dtype torch infers for a Python scalar fill value."""
    if isinstance(value, bool):
        return ms.bool_
    if isinstance(value, numbers.Integral):
        return ms.int64
    if isinstance(value, complex):
        return ms.complex64
    return ms.float32


def as_tensor_like(value, ref):
    if is_tensor(value):
        return value
    return ms.Tensor(value, ref.dtype)


def inplace_update(target, value):
    """Write value into target in place (copy_ works on the CPU build) and return target."""
    if value.dtype != target.dtype:
        value = value.astype(target.dtype)
    if tuple(value.shape) != tuple(target.shape):
        value = ops.broadcast_to(value, target.shape)
    target.copy_(value)
    return target


def snapshot(x):
    """A differentiable copy of x. In-place replacements compute from it, so the autograd graph does not hold
    the receiver that copy_ is about to overwrite (MindSpore checks tensor versions like torch does). A bfloat16
    receiver is copied as float32 (the CPU build has no bfloat16 Identity kernel): the in-place op then computes in
    float32 and ``inplace_update`` rounds the result to bfloat16 once, as torch's bfloat16 kernels do."""
    if x.dtype == ms.bfloat16:
        return x.astype(ms.float32)
    return ops.deepcopy(x)


def long(x):
    return x.astype(ms.int64) if x.dtype != ms.int64 else x


def is_floating(x) -> bool:
    return x.dtype in (ms.float16, ms.float32, ms.float64, ms.bfloat16)
