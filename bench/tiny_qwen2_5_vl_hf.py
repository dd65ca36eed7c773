#!/usr/bin/env python
"""Write a tiny Hugging Face Qwen2.5-VL checkpoint (random weights) with transformers' own classes (torch side).

    python bench/tiny_qwen2_5_vl_hf.py OUT_DIR [--seed 0] [--shards 2] [--dtype float32|bfloat16] [--init small|unit]

Needs torch and a transformers with Qwen2.5-VL (>= 4.49; MindSpeed-MM's Qwen2.5-VL example pins a 4.49 dev commit).
The model matches ``bench/qwen2_5_vl_tiny_build.py``: a 2-layer vision tower (window attention in block 0,
full attention in block 1: ``fullatt_block_indexes [1]``, window 112), hidden 64, a 2-layer GQA LLM (4 query
heads, 2 key/value heads), M-RoPE sections [2, 3, 3], untied embeddings, vocab 151680 so that Qwen's real special
token ids (``<|image_pad|>`` 151655, ``<|vision_start|>`` 151652) exist. Saved with ``save_pretrained`` in fp32
(or bf16, the dtype of the released Qwen2.5-VL weights) and sharded (``--shards``) so that the directory has
``model.safetensors.index.json``, which MindSpeed-MM's ``mm_to_hf`` needs to split the weights back into files.

``--init small`` (the default) draws every tensor from N(0, 0.02). ``--init unit`` keeps activations and gradients
of order one through the whole model, so that a numerical comparison sees every part of it (with norm weights near
0.02 the vision tower's contribution to the logits is far below any tolerance): RMSNorm weights N(1, 0.1), matrices
N(0, 1 / fan_in), biases N(0, 0.1). Importable: ``tiny_config()``, ``write()``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

VOCAB = 151680
IMAGE_PAD, VIDEO_PAD, VISION_START, VISION_END = 151655, 151656, 151652, 151653


def tiny_config(dtype: str = "float32"):
    from transformers import Qwen2_5_VLConfig

    vision = {
        "depth": 2, "hidden_size": 64, "hidden_act": "silu", "intermediate_size": 128, "num_heads": 4,
        "in_chans": 3, "out_hidden_size": 64, "patch_size": 14, "spatial_merge_size": 2,
        "spatial_patch_size": 14, "temporal_patch_size": 2, "tokens_per_second": 2, "window_size": 112,
        "fullatt_block_indexes": [1],
    }
    return Qwen2_5_VLConfig(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, hidden_act="silu", max_position_embeddings=128, rms_norm_eps=1e-6,
        rope_theta=1000000.0, tie_word_embeddings=False, use_sliding_window=False, attention_dropout=0.0,
        rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]}, vision_config=vision,
        image_token_id=IMAGE_PAD, video_token_id=VIDEO_PAD, vision_start_token_id=VISION_START,
        vision_end_token_id=VISION_END, torch_dtype=dtype,
    )


INITS = ("small", "unit")


def randomize(model, init: str = "small") -> None:
    """Draw every parameter at random (norms included, so that a swapped or dropped tensor shows); see ``INITS``."""
    import torch

    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, not {init!r}")
    with torch.no_grad():
        for name, p in model.named_parameters():
            if init == "small":
                p.normal_(0.0, 0.02)
            elif "norm" in name or "ln_q" in name:
                p.normal_(1.0, 0.1)
            elif p.dim() >= 2:
                p.normal_(0.0, (p[0].numel()) ** -0.5)
            else:
                p.normal_(0.0, 0.1)


def write(out_dir: Path, seed: int = 0, shards: int = 2, dtype: str = "float32", init: str = "small") -> Path:
    """Build the model with random weights (``randomize``) and ``save_pretrained`` it; return ``out_dir``."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration

    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(tiny_config(dtype)).to(torch.float32)
    randomize(model, init)
    model = model.to(getattr(torch, dtype))
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    shard = max(1, total // shards + 1)
    model.save_pretrained(out_dir, safe_serialization=True, max_shard_size=shard)
    return out_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32")
    ap.add_argument("--init", choices=INITS, default="small")
    a = ap.parse_args(argv)
    write(a.out_dir, a.seed, a.shards, a.dtype, a.init)
    files = sorted(p.name for p in a.out_dir.iterdir())
    print(f"wrote {a.out_dir}: {', '.join(files)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
