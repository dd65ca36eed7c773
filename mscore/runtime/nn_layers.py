"""Layers torch has and ``mindspore.mint.nn`` 2.10 lacks, as Cells holding torch's parameter names and shapes (so a
torch state_dict loads strictly): ``ConvTranspose3d`` on :func:`mscore_rt.nn_ops.conv_transpose3d`; and the
forms a mint layer lacks an argument for (``ReLU(inplace=True)``), ``ModuleList`` over any iterable, and
``MultiheadAttention``'s (output, None) when no weights are asked for; ``TransformerEncoderLayer`` with torch's
parameter names (MindSpore's names its feed-forward dense1/dense2 and its norms' parameters gamma/beta)."""
from __future__ import annotations

import math

import mindspore as ms
from mindspore import mint, nn

from .nn_ops import _triple, conv_transpose3d

__all__ = ["ConvTranspose3d", "ModuleList", "MultiheadAttention", "ReLU", "TransformerEncoderLayer"]


class ConvTranspose3d(nn.Cell):
    """torch.nn.ConvTranspose3d (mint has no 3-D transposed convolution layer): parameters ``weight``
    (in_channels, out_channels / groups, kD, kH, kW) and ``bias`` (out_channels) as torch names and shapes them,
    initialised as torch's reset_parameters does (uniform in +-1/sqrt(fan_in), fan_in = weight.shape[1] * kD*kH*kW),
    the forward pass being :func:`conv_transpose3d`."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose3d')
        if in_channels % groups or out_channels % groups:
            raise ValueError("in_channels and out_channels must be divisible by groups")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = _triple(kernel_size), _triple(stride), _triple(padding)
        self.output_padding, self.dilation = _triple(output_padding), _triple(dilation)
        dtype = dtype or ms.float32
        shape = (in_channels, out_channels // groups) + self.kernel_size
        fan_in = shape[1] * self.kernel_size[0] * self.kernel_size[1] * self.kernel_size[2]
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        self.weight = ms.Parameter(mint.empty(shape, dtype=dtype).uniform_(-bound, bound), name="weight")
        self.bias = ms.Parameter(mint.empty((out_channels,), dtype=dtype).uniform_(-bound, bound), name="bias") \
            if bias else None

    def construct(self, input, output_size=None):
        if output_size is not None:
            raise NotImplementedError("ConvTranspose3d(output_size=...) is not supported")
        return conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                self.groups, self.dilation)


class ReLU(mint.nn.ReLU):
    """torch.nn.ReLU(inplace=True): mint.nn.ReLU has no inplace; this one overwrites its input as torch's does
    (mint.nn.functional.relu(x, inplace=True): the InplaceReLU kernel). Only ``inplace=True`` calls are converted to
    it; a plain ``nn.ReLU()`` stays ``mint.nn.ReLU()``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def construct(self, input):
        return mint.nn.functional.relu(input, inplace=self.inplace)


class ModuleList(nn.CellList):
    """torch.nn.ModuleList: an ``nn.CellList`` that, as torch's, takes any iterable of cells
    (``ModuleList(Block(d) for _ in range(n))``, a tuple, a ``map``); CellList accepts only a list and raises
    TypeError for a generator. Appending, indexing, iterating, child names 0, 1, ... are CellList's."""

    def __init__(self, modules=None):
        super().__init__(*(() if modules is None else (list(modules),)))


class MultiheadAttention(nn.MultiheadAttention):
    """torch.nn.MultiheadAttention on ``mindspore.nn.MultiheadAttention`` (same parameter names and forward
    arguments): torch's ``bias`` argument (MindSpore's ``has_bias``), and the forward always returns the pair
    (output, weights), weights ``None`` for ``need_weights=False`` (MindSpore returns the output alone there, so
    ``out, _ = attn(q, k, v, need_weights=False)`` fails to unpack)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, dtype=None):
        super().__init__(embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim, batch_first,
                         **({} if dtype is None else {"dtype": dtype}))

    def construct(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                  average_attn_weights=True, is_causal=False):
        if is_causal and attn_mask is None:
            raise ValueError("is_causal=True needs attn_mask (as torch's MultiheadAttention: it is only a hint)")
        out = super().construct(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights)
        return out if need_weights else (out[0] if isinstance(out, tuple) else out, None)


class TransformerEncoderLayer(nn.Cell):
    """torch.nn.TransformerEncoderLayer: self-attention then a feed-forward block, each added to its input, with
    layer norm after each sum (``norm_first=False``) or before each block (``norm_first=True``). Children and
    parameters are named as torch's (``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``) so a torch
    state_dict loads strictly; ``mindspore.nn.TransformerEncoderLayer`` computes the same but names them
    ``dense1`` / ``dense2`` and ``gamma`` / ``beta``."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self.linear1 = mint.nn.Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = mint.nn.Dropout(dropout)
        self.linear2 = mint.nn.Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = mint.nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = mint.nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = mint.nn.Dropout(dropout)
        self.dropout2 = mint.nn.Dropout(dropout)
        if isinstance(activation, str):
            if activation not in ("relu", "gelu"):
                raise RuntimeError(f"activation should be relu/gelu, not {activation}")
            activation = getattr(mint.nn.functional, activation)
        self.activation = activation

    def _sa_block(self, x, attn_mask, key_padding_mask):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def construct(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._ff_block(x))
