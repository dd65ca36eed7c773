"""Fine-tune the mini Qwen2.5-VL on MLLM-format conversations.

    python train.py --model-dir CKPT --data data/mllm_format.json --steps 20 --dump run.npz
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from torch.utils.data import DataLoader

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


def move_to_device(batch, device):
    return {k: v.to(device) for k, v in batch.items()}


@torch.no_grad()
def evaluate(model, batches, device):
    model.eval()
    total = 0.0
    for batch in batches:
        outputs = model(**move_to_device(batch, device))
        total += outputs["loss"].item()
    model.train()
    return total / max(len(batches), 1)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    config = MiniQwen2_5_VLConfig.from_pretrained(args.model_dir)
    config.update(attention_dropout=args.dropout, hidden_dropout=args.dropout)
    model = MiniQwen2_5_VLForConditionalGeneration(config)
    load_pretrained_weights(model, args.model_dir)
    model.to(device)
    model.train()

    dataset, tokenizer = build_dataset(args.data, config, max_length=args.max_length)
    loader = DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=False,
        drop_last=True,
        collate_fn=DataCollator(tokenizer.pad_token_id),
    )
    if len(loader) == 0:
        raise SystemExit(f"error: {args.data} has fewer records than one batch ({args.batch_size})")

    optimizer = torch.optim.AdamW(
        model.parameters(), lr=args.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=args.weight_decay
    )

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
        batch = move_to_device(batch, device)
        outputs = model(**batch)
        loss = outputs["loss"]

        optimizer.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        if step == 0 and args.dump:
            dump["logits0"] = outputs["logits"].detach().float().cpu().numpy()
            for name, param in model.named_parameters():
                if param.grad is not None:
                    dump["grad." + name] = param.grad.detach().float().cpu().numpy()
        optimizer.step()
        step_times.append(time.perf_counter() - start)

        losses.append(loss.item())
        grad_norms.append(grad_norm.item())
        if not args.quiet:
            print(f"step {step:4d}  loss {losses[-1]:.6f}  grad_norm {grad_norms[-1]:.5f}  {step_times[-1] * 1000:.1f} ms")

    eval_loss = evaluate(model, [batch], device)
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
