"""``mindspore.Tensor`` methods that are broken on the CPU build: in-place ops that silently return a new tensor
(add_/sub_/mul_/div_/exp_) or raise (zero_/fill_/masked_fill_/clamp_/scatter_add_/addmm_/uniform_/normal_/...), and
a few out-of-place ones with Ascend-only kernels (clone, repeat, roll, new_full). The converter emits MindSpore's
native in-place methods (what runs on Ascend; rules/tensor.toml ``native``): every one it emits is here.

Tensor methods have no introspectable signature in MindSpore (C++ builtins); these follow the signatures in
MindSpore's Tensor docs. In-place methods write through ``Tensor.copy_`` (which does work in place on CPU, for
Parameters too, and is differentiable) and return ``self``.
"""
from __future__ import annotations

import inspect

import mindspore as ms
import numpy as np
from mindspore import ops

from . import _mint as M
from . import _mint_math as MM
from ._common import inplace_update, is_tensor, long, snapshot
from ._registry import replaces


_ORIGINAL_SUM = ms.Tensor.sum   # captured before enable() patches the class


@replaces("mindspore.Tensor.sum")
def sum(self, *args, **kwargs):  # noqa: A001 - the Tensor method's name
    """The CPU ReduceSum kernel leaves its output uninitialised for an empty input (seen: a count of 1 or 5 from
    ``(empty == v).sum()`` after some training steps). Every output element of a sum over an empty tensor sums
    nothing: zeros of the kernel's output shape and dtype."""
    out = _ORIGINAL_SUM(self, *args, **kwargs)   # also the legacy axis=/keepdims= spellings MindSpore accepts
    if self.size == 0:
        return ops.zeros_like(out)
    return out


sum.__signature__ = inspect.signature(lambda self, dim=None, keepdim=False, *, dtype=None: None)   # the documented one


def _scalar(value):
    return value.item() if is_tensor(value) and value.ndim == 0 else value


@replaces("mindspore.Tensor.add_")
def add_(self, other, *, alpha=1):
    return inplace_update(self, ops.add(snapshot(self), other * alpha if alpha != 1 else other))


@replaces("mindspore.Tensor.sub_")
def sub_(self, other, *, alpha=1):
    return inplace_update(self, ops.sub(snapshot(self), other * alpha if alpha != 1 else other))


@replaces("mindspore.Tensor.mul_")
def mul_(self, other):
    return inplace_update(self, ops.mul(snapshot(self), other))


@replaces("mindspore.Tensor.div_")
def div_(self, other, *, rounding_mode=None):
    return inplace_update(self, ops.div(snapshot(self), other, rounding_mode=rounding_mode))


@replaces("mindspore.Tensor.exp_")
def exp_(self):
    return inplace_update(self, ops.exp(snapshot(self)))


@replaces("mindspore.Tensor.tanh_")
def tanh_(self):
    return inplace_update(self, ops.tanh(snapshot(self)))


@replaces("mindspore.Tensor.log")
def log(self):
    return MM.log(self)


@replaces("mindspore.Tensor.log_")
def log_(self):
    return inplace_update(self, ops.log(snapshot(self)))


@replaces("mindspore.Tensor.floor_")
def floor_(self):
    return inplace_update(self, ops.floor(snapshot(self)))


@replaces("mindspore.Tensor.sigmoid_")
def sigmoid_(self):
    return inplace_update(self, ops.sigmoid(snapshot(self)))


@replaces("mindspore.Tensor.erfinv_")
def erfinv_(self):
    return inplace_update(self, ops.erfinv(snapshot(self)))


@replaces("mindspore.Tensor.zero_")
def zero_(self):
    return inplace_update(self, ops.zeros(self.shape, self.dtype))


@replaces("mindspore.Tensor.fill_")
def fill_(self, value):
    return inplace_update(self, ops.fill(self.dtype, self.shape, _scalar(value)))


@replaces("mindspore.Tensor.masked_fill_")
def masked_fill_(self, mask, value):
    value = _scalar(value)
    if is_tensor(value):
        value = value.astype(self.dtype)
    return inplace_update(self, ops.masked_fill(snapshot(self), mask, value))


@replaces("mindspore.Tensor.clamp_")
def clamp_(self, min=None, max=None):
    return inplace_update(self, ops.clamp(snapshot(self), min, max))




@replaces("mindspore.Tensor.index_fill_")
def index_fill_(self, dim, index, value):
    return inplace_update(self, _index_fill(snapshot(self), dim, index, value))


def _scattered(base, dim, index, src, reduce=None):
    """base with src scattered along dim at index; reduce None (assign), 'add' or 'multiply' (torch's scatter)."""
    if not is_tensor(src) or tuple(src.shape) != tuple(index.shape):
        if is_tensor(src) and src.ndim:
            src = src[tuple(slice(0, s) for s in index.shape)]
        else:
            src = ops.fill(base.dtype, tuple(index.shape), _scalar(src))
    dim = dim % max(base.ndim, 1)
    if reduce == "multiply":   # TensorScatterElements has no product; the CPU Scatter kernel adds instead
        out = base.asnumpy().copy()
        idx = index.asnumpy()
        grid = list(np.indices(idx.shape))
        grid[dim] = idx
        np.multiply.at(out, tuple(grid), src.astype(base.dtype).asnumpy())
        return ms.Tensor(out, dtype=base.dtype)
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    return ops.tensor_scatter_elements(base, long(index), src.astype(base.dtype), dim,
                                       "add" if reduce == "add" else "none")


@replaces("mindspore.Tensor.scatter")
def scatter(self, dim, index, src=None, *, value=None, reduce=None):
    return _scattered(self, dim, index, value if src is None else src, reduce)


@replaces("mindspore.Tensor.scatter_")
def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return inplace_update(self, _scattered(snapshot(self), dim, index, value if src is None else src, reduce))


@replaces("mindspore.Tensor.clone")
def clone(self):
    return ops.deepcopy(self)


@replaces("mindspore.Tensor.repeat")
def repeat(self, *repeats):
    if len(repeats) == 1 and isinstance(repeats[0], (list, tuple)):
        repeats = tuple(repeats[0])
    return ops.tile(self, tuple(int(r) for r in repeats))


@replaces("mindspore.Tensor.roll")
def roll(self, shifts, dims=None):
    return M.roll(self, shifts, dims)


@replaces("mindspore.Tensor.new_full")
def new_full(self, size, fill_value, *, dtype=None):
    return M.full(size, fill_value, dtype=self.dtype if dtype is None else dtype)


@replaces("mindspore.Tensor.scatter_add")
def scatter_add(self, dim, index, src):
    return M.scatter_add(self, dim, index, src)


@replaces("mindspore.Tensor.index_add")
def index_add(self, dim, index, source, *, alpha=1):
    if is_tensor(dim):  # MindSpore's older overload: index_add(indices, y, axis)
        return M.index_add(self, source, dim, index, alpha=alpha)
    return M.index_add(self, dim, index, source, alpha=alpha)


@replaces("mindspore.Tensor.scatter_add_")
def scatter_add_(self, dim, index, src):
    return inplace_update(self, M.scatter_add(snapshot(self), dim, index, src))


@replaces("mindspore.Tensor.addmm_")
def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    return inplace_update(self, M.addmm(snapshot(self), mat1, mat2, beta=beta, alpha=alpha))


@replaces("mindspore.Tensor.index_add_")
def index_add_(self, dim, index, source, *, alpha=1):
    return inplace_update(self, M.index_add(snapshot(self), dim, index, source, alpha=alpha))


@replaces("mindspore.Tensor.index_copy_")
def index_copy_(self, dim, index, tensor):
    dim = dim % max(self.ndim, 1)
    full_index = M._expand_index(index, tensor, dim)
    return inplace_update(self, ops.tensor_scatter_elements(snapshot(self), full_index, tensor.astype(self.dtype),
                                                            dim))


def _index_fill(x, dim, index, value):
    dim = dim % max(x.ndim, 1)
    shape = [1] * x.ndim
    shape[dim] = x.shape[dim]
    hit = ops.one_hot(long(index).reshape(-1), x.shape[dim]).sum(0) > 0
    hit = ops.broadcast_to(hit.reshape(shape), x.shape)
    if is_tensor(value):
        value = value.astype(x.dtype)
    return ops.masked_fill(x, hit, _scalar(value))


@replaces("mindspore.Tensor.index_fill")
def index_fill(self, axis, index, value):
    return _index_fill(self, axis, index, value)


@replaces("mindspore.Tensor.index_put_")
def index_put_(self, indices, values, accumulate=False):
    indices = tuple(indices)
    if len(indices) == 1 and indices[0].dtype == ms.bool_:
        if accumulate:
            raise NotImplementedError("mscore.backfill: Tensor.index_put_ with a bool mask and accumulate=True")
        self[indices[0]] = values
        return self
    idx = [long(i) % self.shape[d] for d, i in enumerate(indices)]
    shape = np.broadcast_shapes(*[tuple(i.shape) for i in idx])
    idx = [ops.broadcast_to(i, shape) for i in idx]
    coords = ops.stack(idx, -1)
    upd_shape = tuple(shape) + tuple(self.shape[len(idx):])
    v = values.astype(self.dtype) if is_tensor(values) else ms.Tensor(values, self.dtype)
    v = ops.broadcast_to(v, upd_shape)
    src = snapshot(self)
    new = ops.tensor_scatter_add(src, coords, v) if accumulate else ops.tensor_scatter_update(src, coords, v)
    return inplace_update(self, new)


@replaces("mindspore.Tensor.nonzero")
def nonzero(self, *, as_tuple=False):
    return MM.nonzero(self, as_tuple=as_tuple)


@replaces("mindspore.Tensor.round")
def round(self, decimals=0):
    return MM.round(self, decimals=decimals)
