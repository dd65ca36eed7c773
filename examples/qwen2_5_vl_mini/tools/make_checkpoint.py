"""Create the initial Hugging-Face-style checkpoint (config.json + model.safetensors) with a fixed seed.

    python tools/make_checkpoint.py OUT_DIR [--seed 0] [--tie-word-embeddings]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checkpoint import save_pretrained_weights  # noqa: E402
from configuration import MiniQwen2_5_VLConfig  # noqa: E402
from model import MiniQwen2_5_VLForConditionalGeneration  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description="write a randomly initialised mini Qwen2.5-VL checkpoint")
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tie-word-embeddings", action="store_true")
    p.add_argument("--attn-implementation", choices=("eager", "sdpa"), default="sdpa")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    config = MiniQwen2_5_VLConfig(
        tie_word_embeddings=args.tie_word_embeddings, attn_implementation=args.attn_implementation
    )
    model = MiniQwen2_5_VLForConditionalGeneration(config)
    save_pretrained_weights(model, args.out_dir)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out_dir} ({n_params} parameters)")


if __name__ == "__main__":
    main()
