"""torch.nn.functional.interpolate with ``antialias=True`` (mint's interpolate has no anti-aliasing).

Anti-aliased bilinear / bicubic resampling is separable: each output row (column) is a weighted sum of input rows
(columns) under a filter stretched by the downscale factor, so it is two matrix products with weight matrices
built once per call on the host from the sizes (Ascend runs the products; nothing reads tensor values on the
host). The weights follow the definition torch documents for ``antialias=True`` (PIL's): for output index ``i``
the centre ``c = scale * (i + 0.5)`` in input coordinates, support ``r = k/2 * max(scale, 1)`` (``k`` = 2 taps for
bilinear, 4 for bicubic), taps ``j`` from ``int(c - r + 0.5)`` to ``int(c + r + 0.5)`` clipped to the input,
weight ``filter((j - c + 0.5) / max(scale, 1))`` normalised to sum 1 (triangle filter, or Keys' cubic with
a = -0.5). Without ``antialias`` (or another mode) the call is mint's interpolate as it is.
"""
from __future__ import annotations

import math

import numpy as np
from mindspore import Tensor, mint

__all__ = ["interpolate"]


def _triangle(x):
    x = abs(x)
    return 1.0 - x if x < 1.0 else 0.0


def _cubic(x, a=-0.5):
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    if x < 2.0:
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return 0.0


def _weights(in_size: int, out_size: int, scale: float, taps: int, kernel) -> np.ndarray:
    """The (out_size, in_size) matrix of one axis."""
    support = taps / 2.0 * scale if scale >= 1.0 else taps / 2.0
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    w = np.zeros((out_size, in_size), dtype=np.float64)
    for i in range(out_size):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        row = np.array([kernel((j - center + 0.5) * invscale) for j in range(lo, hi)])
        total = row.sum()
        w[i, lo:hi] = row / total if total != 0.0 else row
    return w


def _pair(v, n):
    return [v] * n if not isinstance(v, (tuple, list)) else list(v)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """torch.nn.functional.interpolate; ``antialias=True`` with ``mode`` 'bilinear' or 'bicubic' on a 4-D input is
    resampled here, everything else goes to ``mint.nn.functional.interpolate``."""
    if not antialias:
        return mint.nn.functional.interpolate(input, size, scale_factor, mode, align_corners,
                                              recompute_scale_factor)
    if mode not in ("bilinear", "bicubic") or input.ndim != 4:
        raise ValueError("anti-alias option is only supported for bilinear and bicubic modes on 4-D input")
    if align_corners:
        raise NotImplementedError("interpolate(antialias=True, align_corners=True) is not supported")
    in_h, in_w = int(input.shape[2]), int(input.shape[3])
    if size is not None:
        out_h, out_w = (int(s) for s in _pair(size, 2))
        scales = (in_h / out_h, in_w / out_w)
    else:
        factors = [float(f) for f in _pair(scale_factor, 2)]
        out_h, out_w = int(math.floor(in_h * factors[0])), int(math.floor(in_w * factors[1]))
        if recompute_scale_factor:
            scales = (in_h / out_h, in_w / out_w)
        else:
            scales = (1.0 / factors[0], 1.0 / factors[1])
    taps, kernel = (2, _triangle) if mode == "bilinear" else (4, _cubic)
    wh = Tensor(_weights(in_h, out_h, scales[0], taps, kernel), dtype=input.dtype)
    ww = Tensor(_weights(in_w, out_w, scales[1], taps, kernel).T.copy(), dtype=input.dtype)
    return mint.matmul(mint.matmul(wh, input), ww)
