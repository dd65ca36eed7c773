"""One forward and backward pass of the model on a saved batch; dumps the logits, the loss and every gradient.

    python tools/forward_backward.py --model-dir CKPT --batch batch.npz --dump out.npz [--attn-implementation eager]

CKPT is a checkpoint of this project or a Hugging Face Qwen2.5-VL one (`config.json` + safetensors, sharded or
not). batch.npz holds `input_ids`, `attention_mask`, `labels` (int64, prompt positions -100) and, for images,
`pixel_values` (float32, one row of C * T * P * P values per patch) and `image_grid_thw` (int64, one row per
image). The dump holds `logits` (float32), `loss` and `grad.<parameter name>` for every parameter: the numbers to
compare with another implementation run on the same checkpoint and batch.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checkpoint import load_pretrained_weights  # noqa: E402
from configuration import MiniQwen2_5_VLConfig  # noqa: E402
from model import MiniQwen2_5_VLForConditionalGeneration  # noqa: E402

BATCH_KEYS = ("input_ids", "attention_mask", "labels", "pixel_values", "image_grid_thw")


def load_batch(path):
    with np.load(path) as data:
        return {k: torch.from_numpy(data[k]) for k in BATCH_KEYS if k in data}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--batch", required=True)
    p.add_argument("--dump", required=True)
    p.add_argument("--attn-implementation", choices=("sdpa", "eager"), help="default: the checkpoint's config")
    args = p.parse_args(argv)

    config = MiniQwen2_5_VLConfig.from_pretrained(args.model_dir)
    if args.attn_implementation:
        config.update(attn_implementation=args.attn_implementation)
    model = MiniQwen2_5_VLForConditionalGeneration(config)
    load_pretrained_weights(model, args.model_dir)
    model.train()

    batch = load_batch(args.batch)
    outputs = model(**batch)
    loss = outputs["loss"]
    loss.backward()

    dump = {"logits": outputs["logits"].detach().float().numpy(), "loss": np.array(loss.item(), dtype=np.float64)}
    for name, param in model.named_parameters():
        if param.grad is not None:
            dump["grad." + name] = param.grad.detach().float().numpy()
    np.savez(args.dump, **dump)
    print(f"loss {loss.item():.6f}  logits {tuple(dump['logits'].shape)}  {len(dump) - 2} gradients -> {args.dump}")


if __name__ == "__main__":
    main()
