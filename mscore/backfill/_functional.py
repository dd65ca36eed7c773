"""CPU implementations of ``mindspore.mint.nn.functional.*`` (also ``mint.special`` / ``mint.linalg`` entries)
whose kernels are Ascend-only in the 2.10 CPU wheel. Same signatures as the mint functions they replace."""
from __future__ import annotations

import math

import mindspore as ms
from mindspore import mint, ops

from . import _random
from ._common import inplace_update, long, original, snapshot, tuple_n
from ._mint_math import vector_norm_of
from ._registry import replaces

# -------------------------------------------------------------------------------------------------- activations


def _implicit_softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


@replaces("mindspore.mint.nn.functional.log_softmax", "mindspore.mint.special.log_softmax")
def log_softmax(input, dim=None, *, dtype=None):
    x = input if dtype is None else input.astype(dtype)
    if dim is None:
        dim = _implicit_softmax_dim(x.ndim)
    if x.ndim == 0:
        return x - x
    m = ops.stop_gradient(ops.amax(x, dim, True))
    m = ops.where(ops.isinf(m), ops.zeros_like(m), m)
    shifted = x - m
    return shifted - ops.log(ops.sum(ops.exp(shifted), dim, True))


@replaces("mindspore.mint.nn.functional.gelu")
def gelu(input, *, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + ops.tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * input * (1.0 + ops.erf(input * (1.0 / math.sqrt(2.0))))


@replaces("mindspore.mint.nn.functional.leaky_relu")
def leaky_relu(input, negative_slope=0.01):
    return ops.where(input > 0, input, input * negative_slope)


@replaces("mindspore.mint.nn.functional.mish")
def mish(input):
    # tanh(softplus(x)) = n / (n + 2) with n = e^x (e^x + 2): exact in fp32 where tanh() of the CPU build is not
    big = input > 20
    e = ops.exp(ops.where(big, ops.zeros_like(input), input))
    n = e * (e + 2)
    return ops.where(big, input, input * n / (n + 2))


@replaces("mindspore.mint.nn.functional.elu")
def elu(input, alpha=1.0, inplace=False):
    x = snapshot(input) if inplace else input
    out = ops.where(x > 0, x, alpha * ops.expm1(x))
    return inplace_update(input, out) if inplace else out


@replaces("mindspore.mint.nn.functional.elu_")
def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


@replaces("mindspore.mint.nn.functional.inplace_elu")
def inplace_elu(input, alpha=1.0):
    return elu(input, alpha, True)


@replaces("mindspore.mint.nn.functional.inplace_silu")
def inplace_silu(input):
    x = snapshot(input)
    return inplace_update(input, x * ops.sigmoid(x))


@replaces("mindspore.mint.nn.functional.hardtanh")
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    out = ops.clamp(snapshot(input) if inplace else input, min_val, max_val)
    return inplace_update(input, out) if inplace else out


@replaces("mindspore.mint.nn.functional.hardtanh_")
def hardtanh_(input, min_val=-1, max_val=1):
    return hardtanh(input, min_val, max_val, True)


@replaces("mindspore.mint.nn.functional.relu6")
def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


@replaces("mindspore.mint.nn.functional.relu")
def relu(input, inplace=False):
    """mint.nn.functional.relu: inplace=True needs the InplaceReLU kernel the CPU wheel lacks."""
    if inplace:
        return relu_(input)
    return ops.relu(input)


@replaces("mindspore.mint.nn.functional.relu_")
def relu_(input):
    return inplace_update(input, ops.relu(snapshot(input)))


@replaces("mindspore.mint.nn.functional.sigmoid_")
def sigmoid_(input):
    return inplace_update(input, ops.sigmoid(snapshot(input)))


@replaces("mindspore.mint.nn.functional.logsigmoid")
def logsigmoid(input):
    # -softplus(-x), computed stably
    return ops.minimum(input, ops.zeros_like(input)) - ops.log1p(ops.exp(-ops.abs(input)))


@replaces("mindspore.mint.nn.functional.selu")
def selu(input):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * ops.where(input > 0, input, alpha * ops.expm1(input))


def _threshold(input, threshold, value, inplace):
    x = snapshot(input) if inplace else input
    out = ops.where(x > threshold, x, ops.full_like(x, value))
    return inplace_update(input, out) if inplace else out


@replaces("mindspore.mint.nn.functional.threshold")
def threshold(input, threshold, value, inplace=False):
    return _threshold(input, threshold, value, inplace)


@replaces("mindspore.mint.nn.functional.threshold_")
def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


# ---------------------------------------------------------------------------------------------------- norms


@replaces("mindspore.mint.nn.functional.layer_norm")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    k = len(tuple_n(normalized_shape, 1))
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keep_dims=True)
    d = input - mean
    var = (d * d).mean(dims, keep_dims=True)
    out = d * ops.rsqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


@replaces("mindspore.mint.nn.functional.normalize")
def normalize(input, p=2.0, dim=1, eps=1e-12):
    n = vector_norm_of(input, float(p), dim, True)
    return input / ops.clamp(n, min=eps)


@replaces("mindspore.mint.nn.functional.batch_norm")
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    c = input.shape[1]
    dims = tuple(d for d in range(input.ndim) if d != 1)
    shape = [1] * input.ndim
    shape[1] = c
    if training:
        mean = input.mean(dims, keep_dims=True)
        d = input - mean
        var = (d * d).mean(dims, keep_dims=True)
        if running_mean is not None and running_var is not None:
            n = input.size // c
            bm = ops.stop_gradient(mean.reshape(c))
            bv = ops.stop_gradient(var.reshape(c)) * (n / max(n - 1, 1))
            inplace_update(running_mean, running_mean * (1 - momentum) + bm * momentum)
            inplace_update(running_var, running_var * (1 - momentum) + bv * momentum)
    else:
        mean = running_mean.reshape(shape)
        var = running_var.reshape(shape)
        d = input - mean
    out = d * ops.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


# ---------------------------------------------------------------------------------------------------- embedding


@replaces("mindspore.mint.nn.functional.embedding")
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False):
    if scale_grad_by_freq:
        raise NotImplementedError("mscore.backfill: embedding(scale_grad_by_freq=True) has no CPU implementation")
    idx = long(input)
    if max_norm is not None:
        num = weight.shape[0]
        used = ops.one_hot(idx.reshape(-1), num).sum(0) > 0
        norms = vector_norm_of(ops.stop_gradient(weight), float(norm_type), 1, True)
        scale = ops.where(ops.logical_and(used.reshape(-1, 1), norms > max_norm), max_norm / (norms + 1e-7),
                          ops.ones_like(norms))
        inplace_update(weight, ops.stop_gradient(weight) * scale)
    out = ops.gather(weight, idx, 0)
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += weight.shape[0]
        keep = (idx != padding_idx).reshape(tuple(idx.shape) + (1,))
        out = ops.where(keep, out, ops.stop_gradient(out))
    return out


@replaces("mindspore.mint.nn.functional.one_hot")
def one_hot(tensor, num_classes=-1):
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1
    return long(ops.one_hot(long(tensor), num_classes))


# ---------------------------------------------------------------------------------------------------- dropout


@replaces("mindspore.mint.nn.functional.dropout")
def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    x = snapshot(input) if inplace else input
    if p == 1:
        out = ops.zeros_like(x)
    else:  # a seeded keep-mask (see _random), scaled by 1 / (1 - p) as torch does
        out = x * _random.dropout_mask(x.shape, p).astype(x.dtype) * (1.0 / (1.0 - p))
    return inplace_update(input, out) if inplace else out


@replaces("mindspore.mint.nn.functional.dropout2d")
def dropout2d(input, p=0.5, training=True, inplace=False):
    if not training or p == 0:
        return input
    batched = input.ndim == 4
    x = input if batched else ops.expand_dims(input, 0)
    keep = _random.dropout_mask(tuple(x.shape[:2]) + (1, 1), p)
    out = x * keep.astype(x.dtype) / (1.0 - p) if p < 1 else x * 0
    out = out if batched else out.squeeze(0)
    return inplace_update(input, out) if inplace else out


# ---------------------------------------------------------------------------------------------------- convolution


def _conv_padding(padding, n, kernel, dilation):
    """-> list of (before, after) per spatial dim."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding == "same":
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        raise ValueError(f"conv: padding must be 'valid', 'same' or ints, got {padding!r}")
    return [(p, p) for p in tuple_n(padding, n)]


def _convnd(n, input, weight, bias, stride, padding, dilation, groups):
    unbatched = input.ndim == n + 1
    x = ops.expand_dims(input, 0) if unbatched else input
    kernel = tuple(weight.shape[2:])
    stride = tuple_n(stride, n)
    dilation = tuple_n(dilation, n)
    pads = _conv_padding(padding, n, kernel, dilation)
    if n == 1:  # as a 2-D conv over (1, L)
        x = ops.expand_dims(x, 2)
        w = ops.expand_dims(weight, 2)
        stride, dilation, pads, n_eff = (1,) + stride, (1,) + dilation, [(0, 0)] + pads, 2
    else:
        w, n_eff = weight, n
    sym = all(a == b for a, b in pads)
    if not sym:
        flat = []
        for a, b in reversed(pads):
            flat += [a, b]
        x = ops.pad(x, tuple(flat))
        pads = [(0, 0)] * n_eff
    pad_arg = tuple(a for a, _ in pads)
    if n_eff == 2:
        out = ops.conv2d(x, w, None, stride, "pad" if any(pad_arg) else "valid", pad_arg if any(pad_arg) else 0,
                         dilation, groups)
    else:
        out = ops.conv3d(x, w, None, stride, "pad" if any(pad_arg) else "valid", pad_arg if any(pad_arg) else 0,
                         dilation, groups)
    if n == 1:
        out = out.squeeze(2)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * n)
    return out.squeeze(0) if unbatched else out


@replaces("mindspore.mint.nn.functional.conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


@replaces("mindspore.mint.conv2d", "mindspore.mint.nn.functional.conv2d")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


@replaces("mindspore.mint.nn.functional.conv3d")
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)


@replaces("mindspore.mint.nn.functional.conv_transpose2d")
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    unbatched = input.ndim == 3
    x = ops.expand_dims(input, 0) if unbatched else input
    stride, padding, output_padding, dilation = (tuple_n(v, 2) for v in (stride, padding, output_padding, dilation))
    kh, kw = weight.shape[2], weight.shape[3]
    out_c = weight.shape[1] * groups
    # full (unpadded) transposed convolution, then crop `padding` and extend by `output_padding`
    full_h = (x.shape[2] - 1) * stride[0] + dilation[0] * (kh - 1) + 1
    full_w = (x.shape[3] - 1) * stride[1] + dilation[1] * (kw - 1) + 1
    prim = ops.Conv2DTranspose(weight.shape[0], (kh, kw), pad_mode="valid", stride=stride, dilation=dilation,
                               group=groups)
    out = prim(x, weight, (x.shape[0], out_c, full_h, full_w))
    for d, (p, op) in zip((2, 3), zip(padding, output_padding)):
        n = out.shape[d]
        keep = n - 2 * p + op
        avail = min(keep, n - p)
        out = ops.narrow(out, d, p, avail)
        if keep > avail:
            pads = [0, 0, 0, 0]
            pads[1 if d == 3 else 3] = keep - avail
            out = ops.pad(out, tuple(pads))
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


# ---------------------------------------------------------------------------------------------------- pooling


def _pool_stride(kernel_size, stride):
    return kernel_size if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else stride


@replaces("mindspore.mint.nn.functional.avg_pool1d")
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    k = tuple_n(kernel_size, 1)[0]
    s = tuple_n(_pool_stride(kernel_size, stride), 1)[0]
    p = tuple_n(padding, 1)[0]
    x = ops.expand_dims(input, -2)
    out = ops.avg_pool2d(x, (1, k), (1, s), (0, 0, p, p) if p else 0, ceil_mode, count_include_pad)
    return out.squeeze(-2)


@replaces("mindspore.mint.nn.functional.avg_pool2d")
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    k = tuple_n(kernel_size, 2)
    s = tuple_n(_pool_stride(kernel_size, stride), 2)
    p = tuple_n(padding, 2)
    unbatched = input.ndim == 3
    x = ops.expand_dims(input, 0) if unbatched else input
    out = ops.avg_pool2d(x, k, s, (p[0], p[0], p[1], p[1]), ceil_mode, count_include_pad,
                         0 if divisor_override is None else int(divisor_override))
    return out.squeeze(0) if unbatched else out


@replaces("mindspore.mint.nn.functional.avg_pool3d")
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    k = tuple_n(kernel_size, 3)
    s = tuple_n(_pool_stride(kernel_size, stride), 3)
    p = tuple_n(padding, 3)
    unbatched = input.ndim == 4
    x = ops.expand_dims(input, 0) if unbatched else input
    out = ops.avg_pool3d(x, k, s, (p[0], p[0], p[1], p[1], p[2], p[2]), ceil_mode, count_include_pad,
                         0 if divisor_override is None else int(divisor_override))
    return out.squeeze(0) if unbatched else out


@replaces("mindspore.mint.nn.functional.max_pool2d")
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    unbatched = input.ndim == 3
    x = ops.expand_dims(input, 0) if unbatched else input
    res = ops.max_pool2d(x, kernel_size, _pool_stride(kernel_size, stride), padding, dilation, True, ceil_mode)
    out, idx = res
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, long(idx)) if return_indices else out


def _adaptive_bins(n_in, n_out):
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


def _adaptive_avg(x, out_size, spatial):
    """Composite adaptive average pooling over the last `spatial` dims (exactly torch's bin edges)."""
    nd = x.ndim
    out_size = tuple(x.shape[nd - spatial + i] if o is None else o for i, o in enumerate(tuple_n(out_size, spatial)))
    for i in range(spatial):
        d = nd - spatial + i
        bins = _adaptive_bins(x.shape[d], out_size[i])
        parts = [ops.narrow(x, d, a, b - a).mean(d, keep_dims=True) for a, b in bins]
        x = ops.cat(parts, d) if len(parts) > 1 else parts[0]
    return x


@replaces("mindspore.mint.nn.functional.adaptive_avg_pool1d")
def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input, output_size, 1)


@replaces("mindspore.mint.nn.functional.adaptive_avg_pool2d")
def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(input, output_size, 2)


@replaces("mindspore.mint.nn.functional.adaptive_avg_pool3d", "mindspore.mint.nn.functional.adaptive_avg_pool3d_ext")
def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(input, output_size, 3)


@replaces("mindspore.mint.nn.functional.adaptive_max_pool1d")
def adaptive_max_pool1d(input, output_size, return_indices=False):
    n = input.shape[-1]
    bins = _adaptive_bins(n, tuple_n(output_size, 1)[0])
    vals, idxs = [], []
    for a, b in bins:
        seg = ops.narrow(input, input.ndim - 1, a, b - a)
        vals.append(ops.amax(seg, -1, True))
        idxs.append(long(ops.argmax(seg, -1, True)) + a)
    out = ops.cat(vals, -1)
    return (out, ops.cat(idxs, -1)) if return_indices else out


# ---------------------------------------------------------------------------------------------------- padding / im2col


@replaces("mindspore.mint.nn.functional.pad")
def pad(input, pad, mode="constant", value=None):
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        if any(p < 0 for p in pad):
            out = input
            # negative pads crop
            for i in range(len(pad) // 2):
                d = input.ndim - 1 - i
                a, b = pad[2 * i], pad[2 * i + 1]
                if a < 0:
                    out = ops.narrow(out, d, -a, out.shape[d] + a)
                if b < 0:
                    out = ops.narrow(out, d, 0, out.shape[d] + b)
            pad = tuple(max(p, 0) for p in pad)
            input = out
        if not any(pad):
            return input
        return ops.pad(input, pad, "constant", 0 if value is None else value)
    if mode == "circular":
        out = input
        for i in range(len(pad) // 2):
            d = input.ndim - 1 - i
            a, b = pad[2 * i], pad[2 * i + 1]
            n = out.shape[d]
            parts = []
            if a:
                parts.append(ops.narrow(out, d, n - a, a))
            parts.append(out)
            if b:
                parts.append(ops.narrow(out, d, 0, b))
            out = ops.cat(parts, d) if len(parts) > 1 else out
        return out
    if mode in ("reflect", "replicate") and len(pad) > 4:  # the CPU PadV3 kernel stops at 4-D input
        return _pad_by_gather(input, pad, mode)
    return ops.pad(input, pad, mode)


def _pad_by_gather(input, pad, mode):
    out = input
    for i in range(len(pad) // 2):
        d = input.ndim - 1 - i
        a, b = pad[2 * i], pad[2 * i + 1]
        if not a and not b:
            continue
        n = out.shape[d]
        pos = list(range(-a, n + b))
        if mode == "reflect":
            idx = [(-p if p < 0 else (2 * (n - 1) - p if p >= n else p)) for p in pos]
        else:
            idx = [min(max(p, 0), n - 1) for p in pos]
        out = ops.gather(out, ms.Tensor(idx, ms.int64), d)
    return out


_MINT_INTERPOLATE = original(mint.nn.functional.interpolate)   # MindSpore's, captured on import


@replaces("mindspore.mint.nn.functional.interpolate")
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
    spatial = input.ndim - 2
    if size is None:
        if scale_factor is None:
            raise ValueError("interpolate(): either size or scale_factor should be defined")
        scales = tuple_n(scale_factor, spatial)
        size = tuple(int(math.floor(float(n) * float(s))) for n, s in zip(input.shape[2:], scales))
    else:
        size = tuple(int(v) for v in tuple_n(size, spatial))
    if mode in ("nearest", "trilinear"):  # these CPU kernels exist; they only reject an int scale_factor
        return _MINT_INTERPOLATE(input, size, None, mode, align_corners, None)
    if mode in ("linear", "bilinear", "area", "nearest-exact"):
        ac = None if mode in ("area", "nearest-exact") else bool(align_corners)
        return ops.interpolate(input, size, None, mode, ac)
    raise NotImplementedError(f"mscore.backfill: interpolate(mode={mode!r}) has no CPU implementation matching torch")


@replaces("mindspore.mint.nn.functional.unfold")
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    return ops.unfold(input, kernel_size, dilation, padding, stride)


@replaces("mindspore.mint.nn.functional.fold")
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    unbatched = input.ndim == 2
    x = ops.expand_dims(input, 0) if unbatched else input
    out = ops.fold(x, ms.Tensor(list(tuple_n(output_size, 2)), ms.int32), kernel_size, dilation, padding, stride)
    return out.squeeze(0) if unbatched else out

