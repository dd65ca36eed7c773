"""CPU compositions of the Ascend-only fused attention kernels the torch_npu rules emit:
``mindspore.ops.speed_fusion_attention`` and ``mindspore.ops.fused_infer_attention_score``.

Same signatures and result tuples as MindSpore's documentation; softmax(q k^T * scale, masked) v in float32 from
CPU-capable ops, with grouped key/value heads repeated to the query heads. The argument rules the documentation puts
on the caller (layouts, mask dtypes and shapes, TND sequence lengths) raise ``ValueError`` here, so code that would
be refused by the kernel on Ascend is refused on CPU too. Not composed (``NotImplementedError``): ``pse``,
``prefix``, dropout (``keep_prob < 1``), sparse modes other than 0, 2, 3, and the quantized / paged inputs of
fused_infer_attention_score.
"""
from __future__ import annotations

import numpy as np
import mindspore as ms
from mindspore import mint, ops

from ._registry import replaces

_MASKED = float(np.finfo(np.float32).min)


def _require(ok, what):
    if not ok:
        raise ValueError(f"mindspore.ops.speed_fusion_attention argument rule: {what}")


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
    _require(layout in ("BSH", "BNSD", "SBH", "BSND", "TND"), f"input_layout {layout!r}")
    _require(isinstance(head_num, int) and not isinstance(head_num, bool), f"head_num must be an int: {head_num!r}")
    _require(query.dtype == key.dtype, f"query dtype {query.dtype} != key dtype {key.dtype}")
    if atten_mask is not None:
        _require(atten_mask.dtype in (ms.bool_, ms.uint8), f"atten_mask dtype {atten_mask.dtype}")
    if sparse_mode in (2, 3, 4):
        _require(atten_mask is not None and tuple(atten_mask.shape) == (2048, 2048), "compressed mask must be 2048^2")
    elif atten_mask is not None:
        if layout == "TND":
            raise ValueError("TND takes only a compressed lower-triangular mask (sparse_mode 2 or 3)")
        b = query.shape[1] if layout == "SBH" else query.shape[0]
        sq = {"BSH": 1, "BSND": 1, "SBH": 0, "BNSD": 2}[layout]
        sq, sk = query.shape[sq], key.shape[{"BSH": 1, "BSND": 1, "SBH": 0, "BNSD": 2}[layout]]
        allowed = {(b, head_num, sq, sk), (b, 1, sq, sk), (sq, sk)}
        _require(tuple(atten_mask.shape) in allowed, f"atten_mask shape {tuple(atten_mask.shape)} not in {allowed}")
    if layout == "TND":
        _require(seq_q is not None and seq_kv is not None, "TND needs actual_seq_qlen and actual_seq_kvlen")
        _require(all(isinstance(v, int) for v in list(seq_q) + list(seq_kv)), "actual_seq_*len must be Python ints")
        _require(list(seq_q) == sorted(seq_q) and seq_q[-1] == query.shape[0], f"actual_seq_qlen {seq_q}")
        _require(list(seq_kv) == sorted(seq_kv) and seq_kv[-1] == key.shape[0], f"actual_seq_kvlen {seq_kv}")
        _require(0 not in list(seq_kv), "0 must not appear in the kv lengths")
    else:
        _require(seq_q is None and seq_kv is None, "actual_seq_*len only with TND")


@replaces("mindspore.ops.speed_fusion_attention")
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


@replaces("mindspore.ops.fused_infer_attention_score")
def fused_infer_attention_score(query, key, value, *, pse_shift=None, atten_mask=None, actual_seq_lengths=None,
                                actual_seq_lengths_kv=None, dequant_scale1=None, quant_scale1=None,
                                dequant_scale2=None, quant_scale2=None, quant_offset2=None, antiquant_scale=None,
                                antiquant_offset=None, key_antiquant_scale=None, key_antiquant_offset=None,
                                value_antiquant_scale=None, value_antiquant_offset=None, block_table=None,
                                query_padding_size=None, kv_padding_size=None, key_shared_prefix=None,
                                value_shared_prefix=None, actual_shared_prefix_len=None, num_heads=1, scale=1.0,
                                pre_tokens=2147483647, next_tokens=2147483647, input_layout="BSH",
                                num_key_value_heads=0, sparse_mode=0, inner_precise=1, block_size=0,
                                antiquant_mode=0, key_antiquant_mode=0, value_antiquant_mode=0,
                                softmax_lse_flag=False):
    """Plain float attention; the second result (softmax_lse) is None."""
    quant = (dequant_scale1, quant_scale1, dequant_scale2, quant_scale2, quant_offset2, antiquant_scale,
             antiquant_offset, key_antiquant_scale, key_antiquant_offset, value_antiquant_scale,
             value_antiquant_offset, block_table, query_padding_size, kv_padding_size, key_shared_prefix,
             value_shared_prefix, actual_shared_prefix_len)
    if pse_shift is not None or any(v is not None for v in quant) or sparse_mode != 0:
        raise NotImplementedError("composite fused_infer_attention_score: plain float attention only")
    kv_heads = num_key_value_heads or num_heads
    q = _to_bnsd(query, input_layout, num_heads)
    k = _to_bnsd(key, input_layout, kv_heads)
    v = _to_bnsd(value, input_layout, kv_heads)
    mask = None if atten_mask is None else (atten_mask if atten_mask.ndim == 4 else
                                            atten_mask.reshape((1,) * (4 - atten_mask.ndim) + atten_mask.shape))
    out = _attention_bnsd(q, k, v, mask, scale)
    return _from_bnsd(out, input_layout), None
