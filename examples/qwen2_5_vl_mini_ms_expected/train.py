"""Fine-tune the mini Qwen2.5-VL on MLLM-format conversations (hand-written MindSpore target of the conversion).

    python train.py --model-dir CKPT --data data/mllm_format.json --steps 20 --dump run.npz [--jit]
"""
import argparse
import os
import sys
import time

import numpy as np
import mindspore as ms
from mindspore import mint, ops
from mindspore.experimental.optim import AdamW

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checkpoint import load_pretrained_weights  # noqa: E402
from configuration import MiniQwen2_5_VLConfig  # noqa: E402
from dataset import DataCollator, build_dataset  # noqa: E402
from model import MiniQwen2_5_VLForConditionalGeneration  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--model-dir", required=True, help="folder with config.json and model.safetensors")
    p.add_argument("--data", required=True, help="MLLM-format JSON file")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--max-grad-norm", type=float, default=1.0)
    p.add_argument("--dropout", type=float, default=0.0, help="attention and hidden dropout (0 for parity runs)")
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--dump", default=None, help="write losses, step-0 logits and gradients to this .npz")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


class SimpleLoader:
    """In-order batches of a map-style dataset (the torch DataLoader with shuffle=False, drop_last=True)."""

    def __init__(self, dataset, batch_size, collate_fn, drop_last=True):
        self.dataset, self.batch_size, self.collate_fn, self.drop_last = dataset, batch_size, collate_fn, drop_last

    def __len__(self):
        n = len(self.dataset) // self.batch_size
        return n if self.drop_last else -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        for b in range(len(self)):
            idx = range(b * self.batch_size, min((b + 1) * self.batch_size, len(self.dataset)))
            yield self.collate_fn([self.dataset[i] for i in idx])


def clip_grad_norm(grads, max_norm):
    """torch.nn.utils.clip_grad_norm_: scale by max_norm / (total_norm + 1e-6) when that is below 1."""
    total_norm = mint.sqrt(sum((g.float() ** 2).sum() for g in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    clip_coef_clamped = mint.clamp(clip_coef, max=1.0)
    return tuple(g * clip_coef_clamped for g in grads), total_norm


def evaluate(model, batches):
    model.set_train(False)
    total = 0.0
    for batch in batches:
        outputs = model(**batch)
        total += outputs["loss"].item()
    model.set_train(True)
    return total / max(len(batches), 1)


def main(argv=None):
    args = parse_args(argv)
    ms.set_seed(args.seed)

    config = MiniQwen2_5_VLConfig.from_pretrained(args.model_dir)
    config.update(attention_dropout=args.dropout, hidden_dropout=args.dropout)
    model = MiniQwen2_5_VLForConditionalGeneration(config)
    load_pretrained_weights(model, args.model_dir)
    model.set_train(True)

    dataset, tokenizer = build_dataset(args.data, config, max_length=args.max_length)
    loader = SimpleLoader(dataset, args.batch_size, DataCollator(tokenizer.pad_token_id), drop_last=True)
    if len(loader) == 0:
        raise SystemExit(f"error: {args.data} has fewer records than one batch ({args.batch_size})")

    params = model.trainable_params()
    optimizer = AdamW(params, lr=args.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=args.weight_decay)

    def forward_fn(batch):
        outputs = model(**batch)
        return outputs["loss"], outputs["logits"]

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)

    losses, grad_norms, step_times = [], [], []
    dump = {}
    data_iter = iter(loader)
    for step in range(args.steps):
        try:
            batch = next(data_iter)
        except StopIteration:
            data_iter = iter(loader)
            batch = next(data_iter)
        start = time.perf_counter()
        (loss, logits), grads = grad_fn(batch)
        grads, grad_norm = clip_grad_norm(grads, args.max_grad_norm)
        if step == 0 and args.dump:
            dump["logits0"] = logits.float().asnumpy()
            for param, grad in zip(params, grads):  # after clipping, as torch leaves param.grad
                dump["grad." + param.name] = grad.float().asnumpy()
        optimizer(grads)
        step_times.append(time.perf_counter() - start)

        losses.append(loss.item())
        grad_norms.append(grad_norm.item())
        if not args.quiet:
            print(f"step {step:4d}  loss {losses[-1]:.6f}  grad_norm {grad_norms[-1]:.5f}  {step_times[-1] * 1000:.1f} ms")

    eval_loss = evaluate(model, [batch])
    if not args.quiet:
        print(f"final loss on the last batch: {eval_loss:.6f}")

    if args.dump:
        dump["losses"] = np.array(losses, dtype=np.float64)
        dump["grad_norms"] = np.array(grad_norms, dtype=np.float64)
        dump["step_times"] = np.array(step_times, dtype=np.float64)
        dump["eval_loss"] = np.array(eval_loss, dtype=np.float64)
        np.savez(args.dump, **dump)
    return losses


if __name__ == "__main__":
    main()
