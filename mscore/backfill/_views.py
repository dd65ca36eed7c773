"""In-place writes through views on the CPU build.

MindSpore documents view semantics (a view shares its base's storage; writing through a view changes the base),
and the Ascend in-place kernels honour them. The 2.10 CPU in-place kernels do not: on a tensor that is a partial
view of its storage (a slice, ``narrow``, ``chunk``/``split``/``unbind`` pieces, ``select``, a ``view`` of any of
those, a transpose) ``copy_``, ``add_``, ``zero_`` ... write nothing (or raise "unexpected kernel" for a view at
offset 0), and ``__setitem__`` replaces the view's own data instead of writing into the storage unless the view was
made by indexing.

Here every in-place Tensor method, and ``__setitem__``, is wrapped: when the receiver is a partial view, the
operation runs on a contiguous copy and the result is written into the receiver's memory (its storage at its offset
and strides), so the base and every other view see it, as on Ascend. The write is a memory copy on the host (the
CPU build's device memory): it is not recorded by autograd, like a write through ``.data``; a receiver that requires
grad is refused loudly rather than left with a gradient path that ignores the write. Receivers that own their whole
storage take the original path untouched.
"""
from __future__ import annotations

import ctypes
import inspect

import numpy as np
import mindspore as ms
from mindspore import ops

# Tensor methods that write into their receiver (the ones the CPU build has, plus the backfill's own)
INPLACE_METHODS = [
    "add_", "addmm_", "bernoulli_", "clamp_", "copy_", "div_", "erfinv_", "exp_", "exponential_", "fill_",
    "fill_diagonal_", "floor_", "floor_divide_", "index_add_", "index_copy_", "index_fill_", "index_put_", "log_",
    "masked_fill_", "masked_scatter_", "mul_", "normal_", "put_", "random_", "remainder_", "scatter_",
    "scatter_add_", "sigmoid_", "sign_", "sub_", "tanh_", "uniform_", "zero_",
]

_NUMPY = {
    ms.float16: np.float16, ms.float32: np.float32, ms.float64: np.float64,
    ms.int8: np.int8, ms.int16: np.int16, ms.int32: np.int32, ms.int64: np.int64,
    ms.uint8: np.uint8, ms.uint16: np.uint16, ms.uint32: np.uint32, ms.uint64: np.uint64,
    ms.bool_: np.bool_, ms.complex64: np.complex64, ms.complex128: np.complex128,
    ms.bfloat16: np.uint16,  # written as raw bits
}


class ViewWriteError(RuntimeError):
    """An in-place write through a view that the CPU backfill cannot carry out faithfully."""


def is_partial_view(t) -> bool:
    """True when ``t`` covers only part of its storage, or covers it in another order (offset, strides, size)."""
    if not isinstance(t, ms.Tensor):
        return False
    try:
        if t.storage_offset() != 0 or not t.is_contiguous():
            return True
        return t.numel() * t.itemsize != t.untyped_storage().nbytes()
    except Exception:  # a tensor without materialised storage (e.g. a lazy parameter): not a view
        return False


def _bf16_bits(x32):
    """float32 values that are exact bfloat16 numbers -> their bfloat16 bit patterns (round-to-nearest-even)."""
    u = np.ascontiguousarray(x32, dtype=np.float32).view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def _host_values(src, dtype):
    if dtype == ms.bfloat16:
        return _bf16_bits(src.astype(ms.float32).asnumpy())
    return src.asnumpy().astype(_NUMPY[dtype], copy=False)


def write_into(dst, src):
    """Write ``src`` (broadcast to ``dst``'s shape, cast to its dtype) into ``dst``'s memory, honouring its storage
    offset and strides. ``dst`` may be any tensor; returns ``dst``."""
    if dst.dtype not in _NUMPY:
        raise ViewWriteError(f"in-place write through a view: dtype {dst.dtype} is not supported on CPU")
    if not isinstance(src, ms.Tensor):
        src = ms.Tensor(np.asarray(src))
    shape = tuple(dst.shape)
    if tuple(src.shape) != shape:
        src = ops.broadcast_to(src, shape)
    if src.dtype != dst.dtype and dst.dtype != ms.bfloat16:
        src = src.astype(dst.dtype)
    values = _host_values(src, dst.dtype)  # asnumpy waits for the queued work (src, and earlier writes to dst)
    if not shape or all(n > 0 for n in shape):
        item = np.dtype(_NUMPY[dst.dtype]).itemsize
        strides = tuple(dst.stride()) if shape else ()
        extent = 1 + sum((n - 1) * s for n, s in zip(shape, strides))
        raw = (ctypes.c_uint8 * (extent * item)).from_address(dst._data_ptr())
        flat = np.frombuffer(raw, dtype=_NUMPY[dst.dtype], count=extent)
        target = np.lib.stride_tricks.as_strided(flat, shape=shape, strides=tuple(s * item for s in strides))
        target[...] = values
    return dst


def _contiguous_copy(t):
    """A fresh tensor with t's values (through the host: ~0.1 ms, where ops.deepcopy costs milliseconds)."""
    if t.dtype == ms.bfloat16:
        return ms.Tensor(t.astype(ms.float32).asnumpy()).astype(ms.bfloat16)
    return ms.Tensor(t.asnumpy())


def _refuse_grad(t, what):
    if bool(getattr(t, "requires_grad", False)):
        raise ViewWriteError(
            f"{what} through a view of a tensor that requires grad: on the CPU build the write cannot be recorded "
            "by autograd (do it under no_grad on a tensor that does not require grad, or on the base tensor)")


def inplace_method(name, current):
    """``current`` (the installed Tensor method) made view-aware."""
    def method(self, *args, **kwargs):
        # a source that is a partial view (Megatron: main shard = param_buffer.view(-1)[a:b]) is read through a
        # contiguous copy: the CPU kernels size it by its whole storage ("unexpected kernel")
        if any(is_partial_view(a) for a in args):
            args = tuple(_contiguous_copy(a) if is_partial_view(a) else a for a in args)
        if not is_partial_view(self):
            return current(self, *args, **kwargs)
        _refuse_grad(self, f"Tensor.{name}")
        tmp = _contiguous_copy(self)
        current(tmp, *args, **kwargs)
        write_into(self, tmp)
        return self

    method.__name__ = name
    method.__doc__ = getattr(current, "__doc__", None)
    method.__mscore_view_aware__ = current
    try:
        method.__signature__ = inspect.signature(current)
    except (TypeError, ValueError):  # a C++ method: no signature to report
        pass
    return method


def setitem(current):
    def __setitem__(self, index, value):
        if not is_partial_view(self):
            return current(self, index, value)
        _refuse_grad(self, "item assignment")
        tmp = _contiguous_copy(self)
        current(tmp, index, value)
        write_into(self, tmp)
        return None

    __setitem__.__mscore_view_aware__ = current
    return __setitem__


def view_aware(plan):
    """The backfill table with every in-place Tensor method made view-aware: the table's own implementations are
    wrapped, and the in-place methods (and ``__setitem__``) it does not replace are added around MindSpore's."""
    out, seen = [], set()
    for owner, attr, impl, label in plan:
        if owner is ms.Tensor and attr in INPLACE_METHODS:
            impl = inplace_method(attr, impl)
            seen.add(attr)
        elif owner is ms.Tensor and attr == "__setitem__":
            impl = setitem(impl)
            seen.add(attr)
        out.append((owner, attr, impl, label))
    for attr in INPLACE_METHODS:
        if attr not in seen and hasattr(ms.Tensor, attr):
            out.append((ms.Tensor, attr, inplace_method(attr, _unwrapped(getattr(ms.Tensor, attr))),
                        f"mindspore.Tensor.{attr}"))
    if "__setitem__" not in seen:
        out.append((ms.Tensor, "__setitem__", setitem(_unwrapped(ms.Tensor.__setitem__)),
                    "mindspore.Tensor.__setitem__"))
    return out


def _unwrapped(fn):
    """MindSpore's own method even when the backfill is on (the table is also built while enabled)."""
    return getattr(fn, "__mscore_original__", fn)
