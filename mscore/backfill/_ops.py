"""CPU implementations of the Ascend-only fused ``mindspore.ops`` functions that mscore's torch_npu rules emit
(rms_norm, add_rms_norm, swiglu, rotary_position_embedding). Same signatures and result tuples as MindSpore's docs."""
from __future__ import annotations

import mindspore as ms
from mindspore import ops

from ._registry import replaces


@replaces("mindspore.ops.rms_norm")
def rms_norm(x, gamma, epsilon=1e-06):
    xf = x.astype(ms.float32) if x.dtype != ms.float32 else x
    dims = tuple(range(x.ndim - gamma.ndim, x.ndim))
    rstd = ops.rsqrt((xf * xf).mean(dims, keep_dims=True) + epsilon)
    y = (xf * rstd).astype(x.dtype) * gamma
    return y, rstd


@replaces("mindspore.ops.add_rms_norm")
def add_rms_norm(x1, x2, gamma, epsilon=1e-06):
    x = x1 + x2
    y, rstd = rms_norm(x, gamma, epsilon)
    return y, rstd, x


@replaces("mindspore.ops.swiglu")
def swiglu(input, dim=-1):
    n = input.shape[dim] // 2
    d = dim % input.ndim
    a = ops.narrow(input, d, 0, n)
    b = ops.narrow(input, d, n, n)
    return a * ops.sigmoid(a) * b


@replaces("mindspore.ops.rotary_position_embedding")
def rotary_position_embedding(x, cos, sin, mode=0):
    if mode == 0:  # rotate_half: (x1, x2) -> (-x2, x1) over the two halves of the last dim
        h = x.shape[-1] // 2
        rot = ops.cat((-x[..., h:], x[..., :h]), -1)
    elif mode == 1:  # interleaved pairs: (x0, x1) -> (-x1, x0)
        pairs = x.reshape(x.shape[:-1] + (x.shape[-1] // 2, 2))
        rot = ops.stack((-pairs[..., 1], pairs[..., 0]), -1).reshape(x.shape)
    else:
        raise ValueError(f"rotary_position_embedding(): mode must be 0 or 1, got {mode!r}")
    return x * cos + rot * sin
