"""MindSpore compositions of the Ascend-only fused ops that rules/torch_npu.toml maps to.

On the CPU build these kernels are unregistered; the NPU parity tests run converted code with ``ops`` bound to
``ops_for_device()``: the real ``mindspore.ops`` on Ascend, and on CPU a proxy whose fused entries are these
compositions of CPU-capable ops (everything else falls through to ``mindspore.ops``). Each composition follows
MindSpore's documented signature and result tuple of the op it stands for, and uses only CPU-capable ops and
nothing else from mscore, so it can move into mscore.backfill as is (``ops_for_device`` is the test-side switch).
"""
import types

import numpy as np
import mindspore as ms
from mindspore import mint, ops

_MASKED = float(np.finfo(np.float32).min)


def rms_norm(x, gamma, epsilon=1e-6):
    xf = x.astype(ms.float32)
    reduce_dims = tuple(range(x.ndim - gamma.ndim, x.ndim))
    rstd = ops.rsqrt(mint.mean(xf * xf, dim=reduce_dims, keepdim=True) + epsilon)
    y = (xf * rstd).astype(x.dtype) * gamma
    return y, rstd


def add_rms_norm(x1, x2, gamma, epsilon=1e-6):
    x = x1 + x2
    y, rstd = rms_norm(x, gamma, epsilon)
    return y, rstd, x


def swiglu(input, dim=-1):
    a, b = mint.chunk(input, 2, dim)
    return a * mint.sigmoid(a) * b


def rotary_position_embedding(x, cos, sin, mode=0):
    half = x.shape[-1] // 2
    if mode == 0:
        rotated = mint.cat((-x[..., half:], x[..., :half]), dim=-1)
    elif mode == 1:
        even, odd = x[..., 0::2], x[..., 1::2]
        rotated = ops.stack((-odd, even), axis=-1).reshape(x.shape)
    else:
        raise ValueError(f"rotary_position_embedding mode must be 0 or 1, got {mode}")
    return x * cos + rotated * sin


def _to_bnsd(t, layout, heads):
    if layout == "BNSD":
        return t
    if layout == "BSND":
        return t.swapaxes(1, 2)
    if layout == "BSH":
        b, s, h = t.shape
        return t.reshape(b, s, heads, h // heads).swapaxes(1, 2)
    if layout == "SBH":
        s, b, h = t.shape
        return t.reshape(s, b, heads, h // heads).permute(1, 2, 0, 3)
    raise NotImplementedError(f"layout {layout}")


def _from_bnsd(t, layout):
    b, n, s, d = t.shape
    if layout == "BNSD":
        return t
    if layout == "BSND":
        return t.swapaxes(1, 2)
    if layout == "BSH":
        return t.swapaxes(1, 2).reshape(b, s, n * d)
    if layout == "SBH":
        return t.permute(2, 0, 1, 3).reshape(s, b, n * d)
    raise NotImplementedError(f"layout {layout}")


def _kv_heads(t, layout, q_heads, q_last):
    """Number of key/value heads for hidden-size layouts (H2 = N2 * D)."""
    if layout in ("BSH", "SBH"):
        return t.shape[-1] // (q_last // q_heads)
    return t.shape[1] if layout == "BNSD" else t.shape[2]


def _attention_bnsd(q, k, v, mask=None, scale=1.0):
    """softmax(q k^T * scale, masked) v in float32; k/v heads repeat to q's (GQA); mask: bool, True = masked."""
    n, g = q.shape[1], k.shape[1]
    if g != n:
        b, _, sk, d = k.shape
        k = k.unsqueeze(2).broadcast_to((b, g, n // g, sk, d)).reshape(b, n, sk, d)
        v = v.unsqueeze(2).broadcast_to((b, g, n // g, sk, v.shape[-1])).reshape(b, n, sk, v.shape[-1])
    scores = mint.matmul(q.astype(ms.float32), k.astype(ms.float32).swapaxes(-1, -2)) * scale
    if mask is not None:
        scores = ops.masked_fill(scores, mask.astype(ms.bool_), _MASKED)
    probs = mint.softmax(scores, dim=-1)
    return mint.matmul(probs, v.astype(ms.float32)).astype(q.dtype)


def _tnd(query, key, value, seq_q, seq_kv, causal, scale):
    outs, q0, k0 = [], 0, 0
    for q1, k1 in zip(seq_q, seq_kv):
        q = query[q0:q1].swapaxes(0, 1).unsqueeze(0)
        k = key[k0:k1].swapaxes(0, 1).unsqueeze(0)
        v = value[k0:k1].swapaxes(0, 1).unsqueeze(0)
        mask = _bottom_right_causal(q1 - q0, k1 - k0) if causal else None
        outs.append(_attention_bnsd(q, k, v, mask, scale)[0].swapaxes(0, 1))
        q0, k0 = q1, k1
    return mint.cat(outs, dim=0)


def _bottom_right_causal(sq, sk):
    # True above the diagonal that ends in the bottom-right corner
    return mint.triu(mint.ones((sq, sk), dtype=ms.bool_), sk - sq + 1)


def _check_documented_constraints(query, key, head_num, layout, atten_mask, sparse_mode, seq_q, seq_kv):
    """The argument rules of mindspore.ops.speed_fusion_attention's documentation that the caller must meet."""
    assert layout in ("BSH", "BNSD", "SBH", "BSND", "TND"), layout
    assert isinstance(head_num, int) and not isinstance(head_num, bool), f"head_num must be an int: {head_num!r}"
    assert query.dtype == key.dtype
    if atten_mask is not None:
        assert atten_mask.dtype in (ms.bool_, ms.uint8), f"atten_mask dtype {atten_mask.dtype}"
    if sparse_mode in (2, 3, 4):
        assert atten_mask is not None and tuple(atten_mask.shape) == (2048, 2048), "compressed mask must be 2048^2"
    elif atten_mask is not None:
        if layout == "TND":
            raise AssertionError("TND takes only a compressed lower-triangular mask (sparse_mode 2 or 3)")
        b = query.shape[1] if layout == "SBH" else query.shape[0]
        sq = {"BSH": 1, "BSND": 1, "SBH": 0, "BNSD": 2}[layout]
        sq, sk = query.shape[sq], key.shape[{"BSH": 1, "BSND": 1, "SBH": 0, "BNSD": 2}[layout]]
        allowed = {(b, head_num, sq, sk), (b, 1, sq, sk), (sq, sk)}
        assert tuple(atten_mask.shape) in allowed, f"atten_mask shape {tuple(atten_mask.shape)} not in {allowed}"
    if layout == "TND":
        assert seq_q is not None and seq_kv is not None, "TND needs actual_seq_qlen and actual_seq_kvlen"
        assert all(isinstance(v, int) for v in list(seq_q) + list(seq_kv)), "actual_seq_*len must be Python ints"
        assert list(seq_q) == sorted(seq_q) and seq_q[-1] == query.shape[0], f"actual_seq_qlen {seq_q}"
        assert list(seq_kv) == sorted(seq_kv) and seq_kv[-1] == key.shape[0], f"actual_seq_kvlen {seq_kv}"
        assert 0 not in list(seq_kv), "0 must not appear in the kv lengths"
    else:
        assert seq_q is None and seq_kv is None, "actual_seq_*len only with TND"


def speed_fusion_attention(query, key, value, head_num, input_layout, *, pse=None, padding_mask=None,
                           atten_mask=None, scale=1.0, keep_prob=1.0, pre_tokens=2147483647,
                           next_tokens=2147483647, inner_precise=0, prefix=None, actual_seq_qlen=None,
                           actual_seq_kvlen=None, sparse_mode=0, gen_mask_parallel=True, sync=False, pse_type=1,
                           q_start_idx=None, kv_start_idx=None):
    if pse is not None or prefix is not None or keep_prob != 1.0:
        raise NotImplementedError("composite speed_fusion_attention: pse, prefix and dropout are not composed")
    if sparse_mode not in (0, 2, 3):
        raise NotImplementedError(f"composite speed_fusion_attention: sparse_mode {sparse_mode}")
    _check_documented_constraints(query, key, head_num, input_layout, atten_mask, sparse_mode, actual_seq_qlen,
                                  actual_seq_kvlen)
    if input_layout == "TND":
        return (_tnd(query, key, value, list(actual_seq_qlen), list(actual_seq_kvlen), sparse_mode in (2, 3),
                     scale),)
    q = _to_bnsd(query, input_layout, head_num)
    kv_heads = _kv_heads(key, input_layout, head_num, query.shape[-1])
    k = _to_bnsd(key, input_layout, kv_heads)
    v = _to_bnsd(value, input_layout, kv_heads)
    sq, sk = q.shape[2], k.shape[2]
    mask = None
    if sparse_mode == 0 and atten_mask is not None:
        mask = atten_mask if atten_mask.ndim == 4 else atten_mask.reshape(1, 1, sq, sk)
    elif sparse_mode == 2:
        mask = mint.triu(mint.ones((sq, sk), dtype=ms.bool_), 1)  # leftUpCausal
    elif sparse_mode == 3:
        mask = _bottom_right_causal(sq, sk)  # rightDownCausal
    out = _attention_bnsd(q, k, v, mask, scale)
    return (_from_bnsd(out, input_layout),)


def fused_infer_attention_score(query, key, value, *, pse_shift=None, atten_mask=None, actual_seq_lengths=None,
                                actual_seq_lengths_kv=None, num_heads=1, scale=1.0, pre_tokens=2147483647,
                                next_tokens=2147483647, input_layout="BSH", num_key_value_heads=0, sparse_mode=0,
                                inner_precise=1, softmax_lse_flag=False, **unused):
    quant = {k: v for k, v in unused.items() if v is not None and k not in ("block_size",)}
    if pse_shift is not None or quant or sparse_mode != 0:
        raise NotImplementedError("composite fused_infer_attention_score: plain float attention only")
    kv_heads = num_key_value_heads or num_heads
    q = _to_bnsd(query, input_layout, num_heads)
    k = _to_bnsd(key, input_layout, kv_heads)
    v = _to_bnsd(value, input_layout, kv_heads)
    mask = None if atten_mask is None else (atten_mask if atten_mask.ndim == 4 else
                                            atten_mask.reshape((1,) * (4 - atten_mask.ndim) + atten_mask.shape))
    out = _attention_bnsd(q, k, v, mask, scale)
    return _from_bnsd(out, input_layout), None


FUSED = {
    "rms_norm": rms_norm,
    "add_rms_norm": add_rms_norm,
    "swiglu": swiglu,
    "rotary_position_embedding": rotary_position_embedding,
    "speed_fusion_attention": speed_fusion_attention,
    "fused_infer_attention_score": fused_infer_attention_score,
}


def ops_for_device():
    """``mindspore.ops`` on Ascend; on CPU the same namespace with the fused entries composed from CPU ops."""
    from tests.npu.npu_common import ON_ASCEND

    if ON_ASCEND:
        return ops
    proxy = types.SimpleNamespace(**FUSED)
    return _Fallthrough(proxy)


class _Fallthrough:
    def __init__(self, proxy):
        self._proxy = proxy

    def __getattr__(self, name):
        try:
            return getattr(self._proxy, name)
        except AttributeError:
            return getattr(ops, name)


__all__ = ["ops_for_device", "FUSED"]
