# Written for mscore (a torch -> MindSpore transpiler). This file replaces MindSpeed's
# mindspeed/core/transformer/dot_product_attention.py in the converted tree; it is an independent MindSpore
# implementation of the same interface, not a conversion of the upstream file.
"""Core attention (softmax(Q K^T * scale + mask) V) for Megatron / MindSpeed on MindSpore.

Two layers:

* Pure functions, importable without megatron or mindspeed (tests import this file by path):
  ``attention_sbhd`` for Megatron's [s, b, n, d] layout (causal, padding masks, grouped-query attention),
  ``attention_tnd`` for packed variable-length sequences [t, n, d] with cumulative sequence lengths (the Qwen2-VL
  vision tower's full and window layers), both with a non-fused path (matmul, mask, fp32 softmax, dropout, matmul)
  that runs anywhere, and a fused path (``mindspore.ops.speed_fusion_attention``) used on Ascend.
* ``DotProductAttention``, an ``nn.Cell`` with Megatron core_r0.8.0's constructor and call signature, plus the
  functions MindSpeed's adaptor registers as patches on Megatron's class (``dot_product_attention_init``,
  ``dot_product_attention_forward_wrapper``, ``dot_product_attention_init_wrapper``,
  ``dot_product_attention_forward``).

Masks in the pure functions follow Megatron: a boolean tensor where True means "do not attend", broadcastable to
[b, n, sq, sk]. The Megatron-facing forward reads the masks the way the upstream route of the run does (MindSpeed's
flash route with ``--use-flash-attn``, Megatron's own forward without): see ``_core_forward``.
Path selection: env ``MSCORE_ATTENTION_IMPL`` = ``fused`` | ``fallback`` forces one; otherwise the fused op is used
when the MindSpore device target is Ascend and the non-fused path elsewhere.
"""
import math
import os

import numpy as np
import mindspore as ms
from mindspore import mint, ops, nn

__all__ = [
    "attention_sbhd",
    "attention_tnd",
    "attention_bnsd",
    "normalize_cu_seqlens",
    "causal_mask",
    "use_fused_attention",
    "DotProductAttention",
    "dot_product_attention_init",
    "dot_product_attention_init_wrapper",
    "dot_product_attention_forward",
    "dot_product_attention_forward_wrapper",
]

# Value written into masked scores before the softmax. Replacing (not adding) keeps it finite; exp(min - max)
# underflows to exactly 0 for any row that has at least one visible key.
_MASKED_SCORE = float(np.finfo(np.float32).min)
# speed_fusion_attention's compressed causal masks (sparse_mode 2 / 3) are always 2048 x 2048.
_COMPRESSED_MASK_SIZE = 2048
_compressed_mask_cache = {}


# ----------------------------------------------------------------------------------------------------------------
# path selection
# ----------------------------------------------------------------------------------------------------------------
def use_fused_attention(query=None):
    """True when the fused Ascend kernel should be used (see module docstring).

    Without a forcing env value the fused kernel is chosen on Ascend only for inputs it accepts: float16 /
    bfloat16 with a head size that is a multiple of 16; anything else takes the non-fused path.
    """
    forced = os.environ.get("MSCORE_ATTENTION_IMPL", "").strip().lower()
    if forced == "fused":
        return True
    if forced == "fallback":
        return False
    if forced:
        raise ValueError(f"MSCORE_ATTENTION_IMPL must be 'fused' or 'fallback', got {forced!r}")
    try:
        on_ascend = ms.get_context("device_target") == "Ascend"
    except Exception:  # pragma: no cover - very old/new context API
        on_ascend = False
    if not on_ascend:
        return False
    if query is not None:
        return query.dtype in (ms.float16, ms.bfloat16) and query.shape[-1] % 16 == 0
    return True


# ----------------------------------------------------------------------------------------------------------------
# masks and sequence lengths
# ----------------------------------------------------------------------------------------------------------------
def causal_mask(sq, sk=None):
    """Boolean [sq, sk] mask, True above the diagonal (future keys), aligned at the top-left corner."""
    sk = sq if sk is None else sk
    return mint.triu(mint.ones((sq, sk), dtype=ms.bool_), 1)


def _compressed_causal_mask():
    mask = _compressed_mask_cache.get("m")
    if mask is None:
        mask = causal_mask(_COMPRESSED_MASK_SIZE)
        _compressed_mask_cache["m"] = mask
    return mask


def _to_int_list(values):
    if values is None:
        return None
    if isinstance(values, ms.Tensor):
        values = values.asnumpy().tolist()
    elif isinstance(values, np.ndarray):
        values = values.tolist()
    return [int(v) for v in values]


def normalize_cu_seqlens(cu_seqlens, total=None):
    """Cumulative sequence lengths as a Python list starting with 0.

    Accepts both conventions found in the stack: with a leading 0 (Megatron ``PackedSeqParams``, ``cu_seqlens``)
    and without it (``actual_seq_qlen`` of the fused op, MindSpeed's ``set_actual_seq_len``). Consecutive
    duplicates (empty segments, as ``torch.unique_consecutive`` removes them upstream) are dropped.
    """
    values = _to_int_list(cu_seqlens)
    if not values:
        raise ValueError("cumulative sequence lengths are empty")
    if values[0] != 0:
        values = [0] + values
    out = [values[0]]
    for v in values[1:]:
        if v < out[-1]:
            raise ValueError(f"cumulative sequence lengths must be non-decreasing, got {values}")
        if v != out[-1]:
            out.append(v)
    if total is not None and out[-1] != total:
        raise ValueError(f"cumulative sequence lengths end at {out[-1]} but the packed tensor has {total} tokens")
    return out


def _as_bool_mask(mask):
    if mask is None:
        return None
    if mask.dtype != ms.bool_:
        mask = mask != 0
    return mask


def _mask_4d(mask):
    """A boolean mask of rank 2..4 as [b|1, n|1, sq, sk]."""
    if mask.ndim == 2:
        return mask.reshape(1, 1, mask.shape[0], mask.shape[1])
    if mask.ndim == 3:
        return mask.reshape(mask.shape[0], 1, mask.shape[1], mask.shape[2])
    if mask.ndim == 4:
        return mask
    raise ValueError(f"attention mask must have rank 2, 3 or 4, got shape {tuple(mask.shape)}")


def _usable_mask(mask, sq, sk):
    """The mask if its last two dims are [sq, sk]; None for a compressed causal mask of another size."""
    if mask is None:
        return None
    if mask.shape[-1] == sk and mask.shape[-2] in (1, sq):
        return mask  # [.., sq, sk], or a key-padding mask [.., 1, sk] broadcast over the queries
    if tuple(mask.shape[-2:]) == (_COMPRESSED_MASK_SIZE, _COMPRESSED_MASK_SIZE):
        return None  # a fused-op compressed causal mask: causality is applied from the mask type instead
    raise ValueError(
        f"attention mask of shape {tuple(mask.shape)} does not match query/key lengths ({sq}, {sk})"
    )


# ----------------------------------------------------------------------------------------------------------------
# non-fused math
# ----------------------------------------------------------------------------------------------------------------
def attention_bnsd(query, key, value, attention_mask=None, causal=False, scale=None, dropout_p=0.0):
    """softmax(Q K^T * scale + mask) V on [b, n, s, d] tensors; key/value may have fewer heads (GQA).

    Scores, softmax and the probability-value product run in float32; the result has the query's dtype.
    ``attention_mask``: boolean, True = masked, broadcastable to [b, n, sq, sk].
    """
    b, n, sq, d = query.shape
    g, sk = key.shape[1], key.shape[2]
    if n % g:
        raise ValueError(f"query heads ({n}) must be a multiple of key/value heads ({g})")
    r = n // g
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    out_dtype = query.dtype
    q = query.astype(ms.float32).reshape(b, g, r, sq, d)
    k = key.astype(ms.float32).reshape(b, g, 1, sk, d)
    v = value.astype(ms.float32).reshape(b, g, 1, sk, value.shape[-1])
    scores = mint.matmul(q, k.swapaxes(-1, -2)) * scale  # [b, g, r, sq, sk]

    mask = _as_bool_mask(attention_mask)
    if mask is not None:
        mask = _mask_4d(mask)
        mb, mn, mq = mask.shape[0], mask.shape[1], mask.shape[2]
        if mn == n and n != 1:
            mask = mask.reshape(mb, g, r, mq, sk)
        elif mn == 1:
            mask = mask.reshape(mb, 1, 1, mq, sk)
        else:
            raise ValueError(f"attention mask head dim {mn} matches neither 1 nor the {n} query heads")
    if causal:
        cm = causal_mask(sq, sk).reshape(1, 1, 1, sq, sk)
        mask = cm if mask is None else mint.logical_or(mask, cm)
    if mask is not None:
        scores = ops.masked_fill(scores, mask, _MASKED_SCORE)

    probs = mint.softmax(scores, dim=-1)
    if dropout_p and dropout_p > 0.0:
        probs = ops.dropout(probs, p=float(dropout_p), training=True)
    out = mint.matmul(probs, v)  # [b, g, r, sq, dv]
    return out.reshape(b, n, sq, value.shape[-1]).astype(out_dtype)


def _sbhd_fallback(query, key, value, attention_mask, causal, scale, dropout_p):
    sq, b, n, d = query.shape
    q = query.permute(1, 2, 0, 3)
    k = key.permute(1, 2, 0, 3)
    v = value.permute(1, 2, 0, 3)
    mask = _usable_mask(_as_bool_mask(attention_mask), sq, key.shape[0])
    out = attention_bnsd(q, k, v, mask, causal, scale, dropout_p)  # [b, n, sq, dv]
    return out.permute(2, 0, 1, 3).reshape(sq, b, n * value.shape[-1])


def _tnd_fallback(query, key, value, cu_q, cu_kv, causal, scale, dropout_p):
    outs = []
    for i in range(len(cu_q) - 1):
        q0, q1 = cu_q[i], cu_q[i + 1]
        k0, k1 = cu_kv[i], cu_kv[i + 1]
        q = query[q0:q1].swapaxes(0, 1).unsqueeze(0)  # [1, n, L, d]
        k = key[k0:k1].swapaxes(0, 1).unsqueeze(0)
        v = value[k0:k1].swapaxes(0, 1).unsqueeze(0)
        mask = None
        if causal and (q1 - q0) != (k1 - k0):
            # causal aligned at the bottom-right corner, as the fused kernel's sparse_mode 3
            mask = mint.triu(mint.ones((q1 - q0, k1 - k0), dtype=ms.bool_), (k1 - k0) - (q1 - q0) + 1)
        o = attention_bnsd(q, k, v, mask, causal and mask is None, scale, dropout_p)  # [1, n, L, dv]
        outs.append(o[0].swapaxes(0, 1))  # [L, n, dv]
    return mint.cat(outs, dim=0) if len(outs) > 1 else outs[0]


# ----------------------------------------------------------------------------------------------------------------
# fused (Ascend) calls
# ----------------------------------------------------------------------------------------------------------------
def _keep_prob(dropout_p):
    return 1.0 - float(dropout_p) if dropout_p else 1.0


def _sbhd_fused(query, key, value, attention_mask, causal, scale, dropout_p):
    sq, b, n, d = query.shape
    sk = key.shape[0]
    q = query.reshape(sq, b, n * d)
    k = key.reshape(sk, b, key.shape[2] * key.shape[3])
    v = value.reshape(sk, b, value.shape[2] * value.shape[3])
    mask = _usable_mask(_as_bool_mask(attention_mask), sq, sk)
    if mask is None and causal:
        atten_mask, sparse_mode = _compressed_causal_mask(), 2
    elif mask is not None:
        mask = _mask_4d(mask)
        if mask.shape[2] != sq:  # the kernel wants the full [.., sq, sk] mask
            mask = mint.broadcast_to(mask, (mask.shape[0], mask.shape[1], sq, sk))
        if causal:
            mask = mint.logical_or(mask, causal_mask(sq, sk).reshape(1, 1, sq, sk))
        if mask.shape[0] == 1 and mask.shape[1] == 1:
            mask = mask.reshape(sq, sk)  # the kernel takes (B, N, S1, S2), (B, 1, S1, S2) or (S1, S2)
        atten_mask, sparse_mode = mask, 0
    else:
        atten_mask, sparse_mode = None, 0
    out = ops.speed_fusion_attention(
        q, k, v, n, "SBH", atten_mask=atten_mask, scale=float(scale), keep_prob=_keep_prob(dropout_p),
        sparse_mode=sparse_mode,
    )[0]
    return out  # [sq, b, n * d]


def _tnd_fused(query, key, value, cu_q, cu_kv, causal, scale, dropout_p):
    n = query.shape[1]
    kwargs = dict(actual_seq_qlen=cu_q[1:], actual_seq_kvlen=cu_kv[1:], scale=float(scale),
                  keep_prob=_keep_prob(dropout_p))
    if causal:
        kwargs.update(atten_mask=_compressed_causal_mask(), sparse_mode=3)
    return ops.speed_fusion_attention(query, key, value, n, "TND", **kwargs)[0]


# ----------------------------------------------------------------------------------------------------------------
# public layout functions
# ----------------------------------------------------------------------------------------------------------------
def attention_sbhd(query, key, value, attention_mask=None, causal=False, scale=None, dropout_p=0.0, fused=None):
    """Megatron layout: query [sq, b, n, d], key/value [sk, b, g, d] (g divides n) -> [sq, b, n * d]."""
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError("attention_sbhd expects 4-D [s, b, heads, head_dim] query, key and value")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    fused = use_fused_attention(query) if fused is None else fused
    if fused:
        return _sbhd_fused(query, key, value, attention_mask, causal, scale, dropout_p)
    return _sbhd_fallback(query, key, value, attention_mask, causal, scale, dropout_p)


def attention_tnd(query, key, value, cu_seqlens_q, cu_seqlens_kv=None, causal=False, scale=None, dropout_p=0.0,
                  fused=None):
    """Packed variable-length layout: query [tq, n, d], key/value [tk, g, d] -> [tq, n, d].

    Tokens attend only inside their own segment; segments are given by cumulative lengths (with or without the
    leading 0). ``causal`` is causal within each segment (aligned at the segment's bottom-right corner when its
    query and key lengths differ, as the fused kernel does). Window attention is this with the window boundaries
    as the segments.
    """
    if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
        raise ValueError("attention_tnd expects 3-D [tokens, heads, head_dim] query, key and value")
    cu_q = normalize_cu_seqlens(cu_seqlens_q, query.shape[0])
    cu_kv = cu_q if cu_seqlens_kv is None else normalize_cu_seqlens(cu_seqlens_kv, key.shape[0])
    if len(cu_q) != len(cu_kv):
        raise ValueError(f"query has {len(cu_q) - 1} segments but key/value have {len(cu_kv) - 1}")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    fused = use_fused_attention(query) if fused is None else fused
    if fused:
        return _tnd_fused(query, key, value, cu_q, cu_kv, causal, scale, dropout_p)
    return _tnd_fallback(query, key, value, cu_q, cu_kv, causal, scale, dropout_p)


# ----------------------------------------------------------------------------------------------------------------
# the Megatron-facing module
# ----------------------------------------------------------------------------------------------------------------
def _mask_type_name(mask_type):
    name = getattr(mask_type, "name", mask_type)
    return str(name).rsplit(".", 1)[-1]


def _mask_type_is_causal(mask_type):
    return _mask_type_name(mask_type) in ("causal", "padding_causal")


def _tp_world_size():
    try:
        from megatron.core import parallel_state  # converted tree; absent when this file is used standalone
    except Exception:
        return 1
    try:
        return int(parallel_state.get_tensor_model_parallel_world_size())
    except Exception:
        return 1


def _megatron_args():
    """Megatron's parsed arguments (``megatron.training.get_args()``), or None when unavailable / not parsed."""
    try:
        from megatron.training import get_args
    except Exception:
        return None
    try:
        return get_args()
    except Exception:
        return None


def _global_actual_seq_len():
    """MindSpeed's process-wide packed lengths (set by the Qwen2-VL vision tower), or None."""
    try:
        from mindspeed.utils import get_actual_seq_len
    except Exception:
        return None
    try:
        return get_actual_seq_len()
    except Exception:
        return None


def _divide(a, b, what):
    if a % b:
        raise ValueError(f"{what}: {a} is not divisible by {b}")
    return a // b


def _setup(cell, config, layer_number, attn_mask_type, attention_type, attention_dropout=None, softmax_scale=None):
    """The attributes Megatron's DotProductAttention carries, computed for the MindSpore module."""
    cell.config = config
    cell.layer_number = max(1, int(layer_number))
    cell.attn_mask_type = attn_mask_type
    cell.attention_type = attention_type
    heads = config.num_attention_heads
    groups = getattr(config, "num_query_groups", None) or heads
    kv_channels = getattr(config, "kv_channels", None) or config.hidden_size // heads
    world = _tp_world_size()
    cell.hidden_size_per_partition = _divide(kv_channels * heads, world, "projection size / tensor parallel size")
    cell.hidden_size_per_attention_head = kv_channels
    cell.num_attention_heads_per_partition = _divide(heads, world, "attention heads / tensor parallel size")
    cell.num_query_groups_per_partition = _divide(groups, world, "query groups / tensor parallel size")
    if softmax_scale is None:
        softmax_scale = getattr(config, "softmax_scale", None)
    # apply_query_key_layer_scaling divides the scores by layer_number and multiplies them back inside the fp32
    # softmax: the net scale is 1/sqrt(d) either way.
    cell.softmax_scale = float(softmax_scale) if softmax_scale else 1.0 / math.sqrt(kv_channels)
    cell.scale = cell.softmax_scale  # MindSpeed's name for it
    cell.norm_factor = 1.0 / cell.softmax_scale
    # a Dropout cell as in Megatron, so code that reads or sets core_attention.attention_dropout.p keeps working;
    # its p is read at every call
    cell.attention_dropout = mint.nn.Dropout(
        p=float(config.attention_dropout if attention_dropout is None else attention_dropout))
    cell.pse, cell.pse_type = None, 1  # MindSpeed's ALiBi fields: no position bias


def _explicit_packed_lengths(packed_seq_params):
    if packed_seq_params is not None:
        cu_q = getattr(packed_seq_params, "cu_seqlens_q", None)
        cu_kv = getattr(packed_seq_params, "cu_seqlens_kv", None)
        if cu_q is not None:
            return cu_q, (cu_kv if cu_kv is not None else cu_q)
    return None, None


def _is_training(cell):
    return bool(getattr(cell, "training", False))


def _use_flash_attn(cell):
    """Which of the two upstream routes this call follows.

    ``cell.use_flash_attn`` (when set, not None) wins; otherwise Megatron's ``args.use_flash_attn``; False when no
    arguments were parsed (Megatron's default).
    """
    forced = getattr(cell, "use_flash_attn", None)
    if forced is not None:
        return bool(forced)
    args = _megatron_args()
    return bool(getattr(args, "use_flash_attn", False)) if args is not None else False


def _is_square_bool_mask(mask):
    """MindSpeed's test for a usable flash-attention mask: bool/uint8, rank >= 2, square in its last two dims."""
    return (mask.dtype in (ms.bool_, ms.uint8) and mask.ndim >= 2 and mask.shape[-1] == mask.shape[-2])


def _is_compressed_causal(mask, sq, sk):
    return tuple(mask.shape[-2:]) == (_COMPRESSED_MASK_SIZE, _COMPRESSED_MASK_SIZE) and (sq, sk) != (
        _COMPRESSED_MASK_SIZE, _COMPRESSED_MASK_SIZE)


def _band_mask(sq, sk, pre_tokens, next_tokens):
    """True outside the kernel's band: key j of query i is computed when i - pre <= j <= i + next; None if the band
    covers everything."""
    i = np.arange(sq)[:, None]
    j = np.arange(sk)[None, :]
    out = (j > i + int(next_tokens)) | (j < i - int(pre_tokens))
    return ms.Tensor(out) if out.any() else None


def _flash_mask(cell, attention_mask, mask_type, sq, sk):
    """The mask MindSpeed's flash route (``--use-flash-attn``) applies, as (bool mask or None, causal flag).

    Upstream: the forward wrapper hands a causal layer without a mask the global compressed causal mask (sparse
    mode 2); ``calc_attention_mask`` replaces any mask that is not a square bool/uint8 tensor (MindSpeed-MM passes
    the batch's ``[b, s]`` attention mask of ones here) by a causal ``triu`` mask; a square mask is passed on as
    is, and with sparse mode 0 the kernel also keeps only the band ``pre_tockens`` / ``next_tockens`` (defaults
    65536 / 0: causal). The layer's mask type only selects the sparse mode (``no_mask``: 0, else the argument
    ``sparse_mode``); it never drops a mask that is given.
    """
    name = _mask_type_name(mask_type)
    if attention_mask is None:
        return None, _mask_type_name(cell.attn_mask_type) == "causal"
    if not _is_square_bool_mask(attention_mask):
        return None, True
    if _is_compressed_causal(attention_mask, sq, sk):
        return None, True
    args = _megatron_args()
    sparse_mode = int(getattr(args, "sparse_mode", 0) or 0) if args is not None else 0
    if name == "no_mask":
        sparse_mode = 0     # calc_sparse_mode: the default mask, whatever the argument says
    if sparse_mode in (2, 3):
        return None, True
    mask = _as_bool_mask(attention_mask)
    if tuple(mask.shape[-2:]) != (sq, sk):
        raise ValueError(f"attention mask of shape {tuple(mask.shape)} does not match query/key lengths ({sq}, {sk})")
    if sparse_mode == 0:
        pre = getattr(args, "pre_tockens", 65536) if args is not None else 65536
        nxt = getattr(args, "next_tockens", 0) if args is not None else 0
        if int(nxt) == 0 and int(pre) >= sq:
            return mask, True
        band = _band_mask(sq, sk, pre, nxt)
        if band is not None:
            mask = mint.logical_or(_mask_4d(mask), band.reshape(1, 1, sq, sk))
    elif sparse_mode != 1:
        raise NotImplementedError(f"mscore DotProductAttention: sparse_mode {sparse_mode} is not supported")
    return mask, False


def _plain_mask(attention_mask, mask_type, sq, sk):
    """The mask Megatron's own DotProductAttention applies (no ``--use-flash-attn``), as (bool mask or None, causal).

    A given mask is used exactly as given (True = masked, broadcast to [b, n, sq, sk]), whatever the layer's mask
    type (Megatron: "attn_mask_type is not used"; its softmax applies any mask it is handed -- the Qwen2-VL vision
    tower's ``no_mask`` layers get their window / full block masks this way); only without a mask does a causal
    layer get its causal mask. The global compressed causal mask MindSpeed's wrapper substitutes for a missing one
    stands for causality.
    """
    name = _mask_type_name(mask_type)
    if attention_mask is None:
        return None, name in ("causal", "padding_causal")
    if attention_mask.dtype not in (ms.bool_, ms.uint8):
        raise TypeError(
            f"attention mask must be boolean (True = masked), got {attention_mask.dtype}: Megatron's attention "
            "applies it with masked_fill")
    if _is_compressed_causal(attention_mask, sq, sk):
        return None, True
    return _usable_mask(_as_bool_mask(attention_mask), sq, sk), False


def _packed_attention(query, key, value, cu_q, cu_kv, causal, scale, dropout_p):
    # packed: [t, n, d], or Megatron's [s, b, n, d] flattened batch-major as MindSpeed does ("s b h d -> (b s) h d")
    if query.ndim == 4:
        s, b = query.shape[0], query.shape[1]
        flat = [x.swapaxes(0, 1).reshape(x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
                for x in (query, key, value)]
        out = attention_tnd(flat[0], flat[1], flat[2], cu_q, cu_kv, causal, scale, dropout_p)
        return out.reshape(b, s, -1).swapaxes(0, 1)  # [s, b, n * d]
    out = attention_tnd(query, key, value, cu_q, cu_kv, causal, scale, dropout_p)
    return out.reshape(out.shape[0], -1)  # [t, n * d]; callers reshape to [t, 1, n * d]


def _core_forward(cell, query, key, value, attention_mask, attn_mask_type=None, packed_seq_params=None):
    """One call of the core attention, following the upstream route the run selects (see ``_use_flash_attn``).

    Flash route (MindSpeed's FlashAttentionStrategy): packed lengths come from ``packed_seq_params`` or from
    MindSpeed's global ``get_actual_seq_len()`` (set by the Qwen2-VL vision tower around its layers); masks as in
    ``_flash_mask``. Plain route (Megatron's own forward): only an explicit ``packed_seq_params`` packs (the global
    lengths are never read: the vision tower leaves them set on this route too); masks as in ``_plain_mask``.
    """
    mask_type = cell.attn_mask_type if attn_mask_type is None else attn_mask_type
    dropout_p = float(cell.attention_dropout.p) if _is_training(cell) else 0.0
    scale = cell.softmax_scale
    flash = _use_flash_attn(cell)
    cu_q, cu_kv = _explicit_packed_lengths(packed_seq_params)
    if cu_q is None and flash:
        actual = _global_actual_seq_len()
        if actual is not None:
            cu_q = cu_kv = actual
    if cu_q is not None:
        tq = query.shape[0] * (query.shape[1] if query.ndim == 4 else 1)
        tk = key.shape[0] * (key.shape[1] if key.ndim == 4 else 1)
        if flash:
            mask, causal = _flash_mask(cell, attention_mask, mask_type, tq, tk)
        else:
            mask, causal = _plain_mask(attention_mask, mask_type, tq, tk)
        if mask is not None:
            raise NotImplementedError(
                f"mscore DotProductAttention: an attention mask of shape {tuple(mask.shape)} together with packed "
                "sequence lengths is not supported (packed attention is full or causal within each segment)")
        return _packed_attention(query, key, value, cu_q, cu_kv, causal, scale, dropout_p)
    sq, sk = query.shape[0], key.shape[0]
    if flash:
        mask, causal = _flash_mask(cell, attention_mask, mask_type, sq, sk)
    else:
        mask, causal = _plain_mask(attention_mask, mask_type, sq, sk)
    return attention_sbhd(query, key, value, mask, causal, scale, dropout_p)


class DotProductAttention(nn.Cell):
    """Megatron core attention as a MindSpore Cell (no parameters).

    ``construct(query, key, value, attention_mask, attn_mask_type=None, packed_seq_params=None)``:
    sbhd [s, b, n, d] inputs give [s, b, n * d]; with packed lengths (``packed_seq_params.cu_seqlens_q`` or
    MindSpeed's ``set_actual_seq_len``) the tokens are attended per segment.
    """

    def __init__(self, config, layer_number, attn_mask_type, attention_type, attention_dropout=None,
                 softmax_scale=None, cp_comm_type=None):
        super().__init__()
        if getattr(config, "context_parallel_size", 1) not in (None, 1):
            raise NotImplementedError("mscore DotProductAttention: context parallelism is not supported")
        _setup(self, config, layer_number, attn_mask_type, attention_type, attention_dropout, softmax_scale)

    def construct(self, query, key, value, attention_mask, attn_mask_type=None, packed_seq_params=None):
        return _core_forward(self, query, key, value, attention_mask, attn_mask_type, packed_seq_params)

    def forward(self, query, key, value, attention_mask, attn_mask_type=None, packed_seq_params=None):
        return self.construct(query, key, value, attention_mask, attn_mask_type, packed_seq_params)


# ----------------------------------------------------------------------------------------------------------------
# the functions MindSpeed's adaptor patches onto Megatron's DotProductAttention
# ----------------------------------------------------------------------------------------------------------------
def _patched_construct(self, query, key, value, attention_mask, attn_mask_type=None, packed_seq_params=None):
    # looked up at call time, so a later override of dot_product_attention_forward (MindSpeed-MM's dot_patch)
    # takes effect, as it does for MindSpeed's patched forward
    return dot_product_attention_forward(self, query, key, value, attention_mask, attn_mask_type,
                                         packed_seq_params)


def dot_product_attention_init(self, config, layer_number, attn_mask_type, attention_type, attention_dropout=None,
                               softmax_scale=None, cp_comm_type=None):
    """Replacement for Megatron DotProductAttention.__init__ (no context-parallel strategies).

    MindSpeed installs this together with ``dot_product_attention_forward_wrapper`` on Megatron's class, i.e. on
    ``forward``. A converted Megatron class is a Cell that runs ``construct``, so the class's ``construct`` is
    pointed at this module's forward here as well (once per class; our own ``DotProductAttention`` is left as is).
    """
    initialised = False
    try:
        from megatron.core.transformer.dot_product_attention import DotProductAttention as _MegatronDPA

        if isinstance(self, _MegatronDPA):
            super(_MegatronDPA, self).__init__(config=config)
            initialised = True
    except ImportError:
        pass
    if not initialised:
        nn.Cell.__init__(self)
    _setup(self, config, layer_number, attn_mask_type, attention_type, attention_dropout, softmax_scale)
    owner = _class_patched_with_our_init(type(self))
    if owner is not None and owner.__dict__.get("construct") is not _patched_construct:
        owner.construct = _patched_construct  # subclasses with their own construct keep it


def _is_our_init(fn):
    while fn is not None:
        if fn is dot_product_attention_init:
            return True
        fn = getattr(fn, "__wrapped__", None)
    return False


def _class_patched_with_our_init(cls):
    """The class in ``cls``'s MRO whose own __init__ is (a wrapper of) dot_product_attention_init, if any."""
    for c in cls.__mro__:
        if "__init__" in c.__dict__:
            if issubclass(c, DotProductAttention):
                return None
            if _is_our_init(c.__dict__["__init__"]):
                return c
    return None


def dot_product_attention_init_wrapper(fn):
    """After the wrapped __init__, derive per-partition query heads from the (possibly uneven) group split."""
    def wrapper(self, *args, **kwargs):
        fn(self, *args, **kwargs)
        config = self.config
        if getattr(config, "num_query_groups", None) is None:
            config.num_query_groups = config.num_attention_heads
        self.num_attention_heads_per_partition = (
            config.num_attention_heads * self.num_query_groups_per_partition // config.num_query_groups
        )

    wrapper.__name__ = getattr(fn, "__name__", "wrapper")
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    wrapper.__wrapped__ = fn
    return wrapper


def dot_product_attention_forward(self, query, key, value, attention_mask, attn_mask_type=None,
                                  packed_seq_params=None):
    """Forward for a Megatron DotProductAttention initialised by ``dot_product_attention_init``."""
    if not hasattr(self, "softmax_scale"):
        _setup(self, self.config, getattr(self, "layer_number", 1), self.attn_mask_type,
               getattr(self, "attention_type", "self"))
    return _core_forward(self, query, key, value, attention_mask, attn_mask_type, packed_seq_params)


def dot_product_attention_forward_wrapper(fn):
    """Replaces the wrapped forward/construct by this module's attention (fused on Ascend, math elsewhere)."""
    def wrapper(self, query, key, value, attention_mask, attn_mask_type=None, packed_seq_params=None):
        return dot_product_attention_forward(self, query, key, value, attention_mask, attn_mask_type,
                                             packed_seq_params)

    wrapper.__name__ = getattr(fn, "__name__", "wrapper")
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    return wrapper
