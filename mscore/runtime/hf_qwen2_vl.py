"""MindSpore stand-ins for the torch classes of Hugging Face transformers that converted code subclasses.

MindSpeed-MM's LLM rotary embedding subclasses ``transformers.models.qwen2_vl.modeling_qwen2_vl.
Qwen2VLRotaryEmbedding`` (a torch ``nn.Module``). Converted code cannot derive a Cell from it, so the import is
redirected here (``rules/imports/packages.toml``, ``[redirect]``). This is a MindSpore Cell with the same
constructor, attributes (``config``, ``rope_type``, ``rope_init_fn``, ``attention_scaling``, the non-persistent
``inv_freq`` buffer, ``original_inv_freq``, ``max_seq_len_cached``) and forward result: for M-RoPE,
``position_ids`` of shape ``(3, batch, seq)`` give ``(cos, sin)`` of shape ``(3, batch, seq, head_dim)``.

Only the default RoPE (``rope_type`` "default", or Qwen2-VL's "mrope", which transformers treats as default) is
implemented: the scaled variants (linear, dynamic, yarn, longrope, llama3) raise ``NotImplementedError`` when
constructed, rather than compute something else.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import mint, nn, ops

from .nn_ops import register_buffer

__all__ = ["Qwen2VLRotaryEmbedding", "default_rope_parameters"]


def default_rope_parameters(config=None, device=None, seq_len=None, **rope_kwargs):
    """(inv_freq, attention_scaling) of the original RoPE: 1 / base^(2i/dim) for i < dim/2, and 1.0.

    ``dim`` is the head size (``config.head_dim``, else hidden_size / num_attention_heads) times
    ``partial_rotary_factor``; ``base`` is ``config.rope_theta``. Without a config, ``rope_kwargs`` give
    ``base`` and ``dim``. ``device`` and ``seq_len`` are accepted and unused, as in transformers."""
    if config is not None and rope_kwargs:
        raise ValueError("config and rope keyword arguments are mutually exclusive")
    if rope_kwargs:
        base, dim = rope_kwargs["base"], rope_kwargs["dim"]
    else:
        base = config.rope_theta
        factor = getattr(config, "partial_rotary_factor", 1.0)
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        dim = int(head_dim * factor)
    exponent = mint.arange(0, dim, 2, dtype=ms.int64).astype(ms.float32) / dim
    inv_freq = 1.0 / (float(base) ** exponent)
    return inv_freq, 1.0


ROPE_INIT_FUNCTIONS = {"default": default_rope_parameters, "mrope": default_rope_parameters}


class Qwen2VLRotaryEmbedding(nn.Cell):
    """Qwen2-VL's multimodal rotary embedding as a MindSpore Cell (see the module docstring)."""

    def __init__(self, dim=None, max_position_embeddings=2048, base=10000, device=None, scaling_factor=1.0,
                 rope_type="default", config=None):
        super().__init__()
        self.rope_kwargs = {}
        if config is None:
            self.rope_kwargs = {"base": base, "dim": dim}
            self.rope_type = rope_type
            self.max_seq_len_cached = max_position_embeddings
            self.original_max_seq_len = max_position_embeddings
        else:
            scaling = getattr(config, "rope_scaling", None)
            self.rope_type = (scaling.get("rope_type", scaling.get("type")) if scaling else None) or "default"
            self.max_seq_len_cached = config.max_position_embeddings
            self.original_max_seq_len = config.max_position_embeddings
        if self.rope_type not in ROPE_INIT_FUNCTIONS:
            raise NotImplementedError(
                f"rope_type {self.rope_type!r}: only the default RoPE is implemented for MindSpore (mscore_rt)")
        if scaling_factor != 1.0 and config is None:
            raise NotImplementedError("a scaling_factor other than 1.0 needs a scaled RoPE (not implemented)")
        self.config = config
        self.rope_init_fn = ROPE_INIT_FUNCTIONS[self.rope_type]
        inv_freq, self.attention_scaling = self.rope_init_fn(self.config, device, **self.rope_kwargs)
        # torch's register_buffer (nn_ops): the tensor stays unmarked, so the alias below is a plain attribute as
        # in transformers, not a persistent buffer that a strict load of a converted checkpoint would miss
        register_buffer(self, "inv_freq", inv_freq, persistent=False)
        self.original_inv_freq = self.inv_freq

    def _dynamic_frequency_update(self, position_ids, device=None):
        raise NotImplementedError("dynamic RoPE is not implemented for MindSpore (mscore_rt)")

    def construct(self, x, position_ids):
        inv = self.inv_freq.astype(ms.float32)
        # (3, batch, dim/2, 1) @ (3, batch, 1, seq) -> (3, batch, dim/2, seq) -> (3, batch, seq, dim/2)
        inv_expanded = inv[None, None, :, None].broadcast_to((3, position_ids.shape[1], inv.shape[0], 1))
        pos = position_ids[:, :, None, :].astype(ms.float32)
        freqs = mint.matmul(inv_expanded, pos).swapaxes(2, 3)
        emb = mint.cat((freqs, freqs), dim=-1)
        cos = ops.stop_gradient(mint.cos(emb) * self.attention_scaling)
        sin = ops.stop_gradient(mint.sin(emb) * self.attention_scaling)
        return cos.astype(x.dtype), sin.astype(x.dtype)
