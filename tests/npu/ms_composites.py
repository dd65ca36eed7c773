"""MindSpore compositions of the Ascend-only fused ops that rules/torch_npu.toml maps to.

On the CPU build these kernels are unregistered; the NPU parity tests run converted code with ``ops`` bound to
``ops_for_device()``: the real ``mindspore.ops`` on Ascend, and on CPU a proxy whose fused entries are these
compositions of CPU-capable ops (everything else falls through to ``mindspore.ops``). Each composition follows
MindSpore's documented signature and result tuple of the op it stands for.
"""
import types

import mindspore as ms
from mindspore import mint, ops

from tests.npu.npu_common import ON_ASCEND, load_dpa


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


def _bottom_right_causal(sq, sk):
    # True above the diagonal that ends in the bottom-right corner
    return mint.triu(mint.ones((sq, sk), dtype=ms.bool_), sk - sq + 1)


def speed_fusion_attention(query, key, value, head_num, input_layout, *, pse=None, padding_mask=None,
                           atten_mask=None, scale=1.0, keep_prob=1.0, pre_tokens=2147483647,
                           next_tokens=2147483647, inner_precise=0, prefix=None, actual_seq_qlen=None,
                           actual_seq_kvlen=None, sparse_mode=0, gen_mask_parallel=True, sync=False, pse_type=1,
                           q_start_idx=None, kv_start_idx=None):
    dpa = load_dpa()
    if pse is not None or prefix is not None or keep_prob != 1.0:
        raise NotImplementedError("composite speed_fusion_attention: pse, prefix and dropout are not composed")
    if sparse_mode not in (0, 2, 3):
        raise NotImplementedError(f"composite speed_fusion_attention: sparse_mode {sparse_mode}")
    causal = sparse_mode in (2, 3)
    if input_layout == "TND":
        out = dpa.attention_tnd(query, key, value, actual_seq_qlen, actual_seq_kvlen, causal=causal, scale=scale,
                                fused=False)
        return (out,)
    q = _to_bnsd(query, input_layout, head_num)
    kv_heads = _kv_heads(key, input_layout, head_num, query.shape[-1])
    k = _to_bnsd(key, input_layout, kv_heads)
    v = _to_bnsd(value, input_layout, kv_heads)
    sq, sk = q.shape[2], k.shape[2]
    mask = None
    if sparse_mode == 0 and atten_mask is not None:
        mask = atten_mask
    elif sparse_mode == 3:
        mask = _bottom_right_causal(sq, sk)
        causal = False
    out = dpa.attention_bnsd(q, k, v, mask, causal=causal and sparse_mode == 2, scale=scale)
    return (_from_bnsd(out, input_layout),)


def fused_infer_attention_score(query, key, value, *, pse_shift=None, atten_mask=None, actual_seq_lengths=None,
                                actual_seq_lengths_kv=None, num_heads=1, scale=1.0, pre_tokens=2147483647,
                                next_tokens=2147483647, input_layout="BSH", num_key_value_heads=0, sparse_mode=0,
                                inner_precise=1, softmax_lse_flag=False, **unused):
    dpa = load_dpa()
    quant = {k: v for k, v in unused.items() if v is not None and k not in ("block_size",)}
    if pse_shift is not None or quant or sparse_mode != 0:
        raise NotImplementedError("composite fused_infer_attention_score: plain float attention only")
    kv_heads = num_key_value_heads or num_heads
    q = _to_bnsd(query, input_layout, num_heads)
    k = _to_bnsd(key, input_layout, kv_heads)
    v = _to_bnsd(value, input_layout, kv_heads)
    out = dpa.attention_bnsd(q, k, v, atten_mask, scale=scale)
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
