"""CPU implementations of ``mindspore.mint.nn.functional`` losses and ``mint.linalg`` entries. Same signatures as the
mint functions they replace."""
from __future__ import annotations

import mindspore as ms
from mindspore import ops

from ._common import long
from ._functional import log_softmax
from ._mint_math import vector_norm_of
from ._registry import replaces

# ---------------------------------------------------------------------------------------------------- losses


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction!r} is not a valid value for reduction")


@replaces("mindspore.mint.nn.functional.cross_entropy")
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    cdim = 0 if input.ndim == 1 else 1
    c = input.shape[cdim]
    logp = log_softmax(input, cdim)
    wshape = [1] * input.ndim
    wshape[cdim] = c
    if target.dtype in (ms.float16, ms.float32, ms.float64, ms.bfloat16):  # class probabilities
        t = target
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / c
        prod = logp * t
        if weight is not None:
            prod = prod * weight.reshape(wshape)
        loss = -prod.sum(cdim)
        if reduction == "mean":
            n = input.size // c if input.ndim > 1 else 1
            return loss.sum() / n
        return _reduce(loss, reduction)
    nll, w_t, validf = _nll_terms(logp, target, weight, ignore_index, cdim)
    out = _reduce_nll(nll, w_t, reduction)
    if label_smoothing <= 0:
        return out
    lp = logp if weight is None else logp * weight.reshape(wshape)
    smooth = -lp.sum(cdim) * validf
    if reduction == "none":
        s = smooth
    elif reduction == "sum":
        s = smooth.sum()
    else:
        s = smooth.sum() / (w_t.sum() if weight is not None else validf.sum())
    return (1 - label_smoothing) * out + s * (label_smoothing / c)


@replaces("mindspore.mint.nn.functional.nll_loss")
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    # the CPU NLLLoss kernel does not zero ignore_index entries with reduction='none'
    cdim = 0 if input.ndim == 1 else 1
    loss, w_t, _validf = _nll_terms(input, target, weight, ignore_index, cdim)
    return _reduce_nll(loss, w_t, reduction)


def _nll_terms(logp, target, weight, ignore_index, cdim):
    """Per-element -weight[t] * logp[t] with ignore_index entries zeroed; also the per-element weights and the
    validity mask (cross_entropy with class indices is this over log_softmax)."""
    tgt = long(target)
    valid = tgt != ignore_index
    safe = ops.where(valid, tgt, ops.zeros_like(tgt))
    picked = ops.gather_elements(logp, cdim, ops.expand_dims(safe, cdim)).squeeze(cdim)
    validf = valid.astype(logp.dtype)
    w_t = validf if weight is None else ops.gather(weight, safe, 0) * validf
    return -picked * w_t, w_t, validf


def _reduce_nll(loss, w_t, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / w_t.sum()
    raise ValueError(f"{reduction!r} is not a valid value for reduction")


@replaces("mindspore.mint.nn.functional.mse_loss")
def mse_loss(input, target, reduction="mean"):
    d = input - target
    return _reduce(d * d, reduction)


@replaces("mindspore.mint.nn.functional.l1_loss")
def l1_loss(input, target, reduction="mean"):
    return _reduce(ops.abs(input - target), reduction)


@replaces("mindspore.mint.nn.functional.kl_div")
def kl_div(input, target, reduction="mean", log_target=False):
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        safe = ops.where(target > 0, target, ops.ones_like(target))
        loss = ops.where(target > 0, target * ops.log(safe), ops.zeros_like(target)) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


@replaces("mindspore.mint.nn.functional.soft_margin_loss")
def soft_margin_loss(input, target, reduction="mean"):
    z = -target * input
    loss = ops.maximum(z, ops.zeros_like(z)) + ops.log1p(ops.exp(-ops.abs(z)))
    return _reduce(loss, reduction)


@replaces("mindspore.mint.nn.functional.cosine_embedding_loss")
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    eps = 1e-12
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim)
    m1 = (input1 * input1).sum(dim) + eps
    m2 = (input2 * input2).sum(dim) + eps
    cos = prod / ops.sqrt(m1 * m2)
    zeros = ops.zeros_like(cos)
    pos = ops.where(target == 1, 1 - cos, zeros)
    neg = ops.where(target == -1, ops.maximum(zeros, cos - margin), zeros)
    return _reduce(pos + neg, reduction)


# ---------------------------------------------------------------------------------------------------- linalg


@replaces("mindspore.mint.linalg.vector_norm")
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    x = x if dtype is None else x.astype(dtype)
    return vector_norm_of(x, float(ord), dim, keepdim)


@replaces("mindspore.mint.linalg.matrix_norm")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    A = A if dtype is None else A.astype(dtype)
    if ord == "fro":
        return vector_norm_of(A, 2.0, dim, keepdim)
    d0, d1 = (d % A.ndim for d in dim)
    if ord in (1, -1, float("inf"), float("-inf")):
        a = ops.abs(A)
        if ord in (1, -1):
            s = a.sum(d0, keepdims=True)
            r = ops.amax(s, d1, True) if ord == 1 else ops.amin(s, d1, True)
        else:
            s = a.sum(d1, keepdims=True)
            r = ops.amax(s, d0, True) if ord > 0 else ops.amin(s, d0, True)
        return r if keepdim else r.squeeze((d0, d1))
    raise NotImplementedError(f"mscore.backfill: linalg.matrix_norm(ord={ord!r}) has no CPU implementation")


@replaces("mindspore.mint.linalg.norm")
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    A = A if dtype is None else A.astype(dtype)
    if ord is None:
        if dim is not None and isinstance(dim, (list, tuple)) and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim)
        if dim is None and keepdim:
            return vector_norm_of(A, 2.0, None, True)
        return vector_norm_of(A if dim is not None else A.reshape(-1), 2.0, dim, keepdim)
    if isinstance(ord, str) or (dim is not None and isinstance(dim, (list, tuple)) and len(dim) == 2) \
            or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim)
    return vector_norm_of(A, float(ord), dim, keepdim)


@replaces("mindspore.mint.linalg.inv")
def inv(input):
    return ops.inverse(input)


@replaces("mindspore.mint.linalg.qr")
def qr(A, mode="reduced"):
    return ops.qr(A, mode)

