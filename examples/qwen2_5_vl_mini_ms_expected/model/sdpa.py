"""scaled_dot_product_attention as a composite (mint has none; the fused kernels are Ascend-only)."""
import math

import numpy as np
import mindspore as ms
from mindspore import mint


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = mint.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        L, S = query.shape[-2], key.shape[-2]
        causal = mint.ones((L, S), dtype=ms.bool_).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == ms.bool_:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    attn = mint.nn.functional.softmax(scores, dim=-1)
    if dropout_p > 0.0:
        attn = mint.nn.functional.dropout(attn, p=dropout_p)
    return mint.matmul(attn, value)
