"""mscore_rt.hf_qwen2_vl.Qwen2VLRotaryEmbedding against the M-RoPE formula computed in torch, and the import
redirect that puts it under converted code."""
from __future__ import annotations

import os
import types

import numpy as np
import pytest

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules

os.environ.setdefault("GLOG_v", "4")


def _torch_mrope(position_ids: np.ndarray, head_dim: int, theta: float):
    import torch

    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    pos = torch.tensor(position_ids).float()                                  # (3, b, s)
    freqs = (inv[None, None, :, None].expand(3, pos.shape[1], -1, 1) @ pos[:, :, None, :]).transpose(2, 3)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().numpy(), emb.sin().numpy()


@pytest.fixture
def backfill_on():
    ms = pytest.importorskip("mindspore")
    import mscore.backfill as backfill

    ms.set_device("CPU")
    enabled = backfill.enable()   # mint kernels the CPU wheel lacks (Arange): converted code runs this way on CPU
    yield ms
    if enabled:
        backfill.disable()


def test_matches_torch_formula_and_keeps_the_attributes_subclasses_use(backfill_on):
    ms = backfill_on
    from mscore.runtime.hf_qwen2_vl import Qwen2VLRotaryEmbedding

    cfg = types.SimpleNamespace(rope_theta=10000.0, hidden_size=64, num_attention_heads=4, head_dim=16,
                                max_position_embeddings=128, rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]})
    rope = Qwen2VLRotaryEmbedding(config=cfg)
    assert rope.rope_type == "mrope" and rope.attention_scaling == 1.0 and rope.max_seq_len_cached == 128
    assert "inv_freq" not in rope.parameters_dict() and tuple(rope.inv_freq.shape) == (8,)
    # as transformers' module: nothing in the state dict (inv_freq is non-persistent, original_inv_freq an
    # attribute), so a strict load of a converted checkpoint misses no rotary key
    assert list(rope.state_dict()) == [] and rope.original_inv_freq is rope.inv_freq
    rng = np.random.default_rng(0)
    pos = rng.integers(0, 50, size=(3, 2, 7)).astype(np.int64)
    x = ms.Tensor(np.zeros((2, 7, 64), np.float32))
    cos, sin = rope(x, ms.Tensor(pos))
    want_cos, want_sin = _torch_mrope(pos, 16, 10000.0)
    assert cos.shape == want_cos.shape == (3, 2, 7, 16)
    np.testing.assert_allclose(cos.asnumpy(), want_cos, atol=1e-6)
    np.testing.assert_allclose(sin.asnumpy(), want_sin, atol=1e-6)
    # the subclass pattern of MindSpeed-MM: re-init inv_freq with another head_dim through rope_init_fn
    cfg.head_dim = 8
    inv, scale = rope.rope_init_fn(cfg)
    assert tuple(inv.shape) == (4,) and scale == 1.0
    with pytest.raises(NotImplementedError):
        Qwen2VLRotaryEmbedding(config=types.SimpleNamespace(**{**vars(cfg), "rope_scaling": {"rope_type": "yarn"}}))


def test_import_is_redirected_and_the_rest_guarded():
    src = ("import torch\n"
           "from transformers.models.qwen2_vl.modeling_qwen2_vl import Qwen2VLRotaryEmbedding as Base, Qwen2VLModel\n"
           "class R(Base):\n    pass\n")
    res = convert_source(src.encode(), "t.py", load_rules())
    out = res.output.decode()
    assert out.startswith("from mscore_rt.hf_qwen2_vl import Qwen2VLRotaryEmbedding as Base\ntry:\n"
                          "    from transformers.models.qwen2_vl.modeling_qwen2_vl import Qwen2VLModel\n")
    assert res.converted == {"transformers.models.qwen2_vl.modeling_qwen2_vl.Qwen2VLRotaryEmbedding": 1}
    assert convert_source(res.output, "t.py", load_rules()).output == res.output
