#!/usr/bin/env python
"""The converted ``pretrain_vlm.py`` loop side by side with a torch reference: Hugging Face's Qwen2.5-VL, the same
weights, the same batches, the same AdamW, clipping and parameter groups; 10 iterations, per-iteration losses.

    mscore convert --repo MindSpeed-MM --source ... --out OUT
    python bench/pretrain_vlm_torch_reference.py OUT --python /path/to/venv-without-torch/bin/python \\
        [--iters 10] [--weight-decay 0.01] [--work DIR] [--extra-path DIR]

1. A tiny Hugging Face Qwen2.5-VL is written by transformers (``bench/tiny_qwen2_5_vl_hf.py``, seed 0, ``--init
   unit``) and the CONVERTED ``mm-convert hf_to_mm`` turns it into a Megatron checkpoint (torch-free, as
   ``bench/qwen2_5_vl_hf_parity.py`` does).
2. The converted tree's own ``pretrain_vlm.py`` trains from that checkpoint (``--load --finetune --no-load-optim
   --no-load-rng``: iteration 0, fresh optimizer) with the arguments of ``bench/pretrain_vlm_tiny.py`` (fp32 CPU,
   torch hidden, distributed optimizer, clip-grad 1.0, lr 1e-3 constant, micro batch 1) and ``--weight-decay`` (0.01
   by default, so that Megatron's parameter grouping matters). The child records each iteration's batch as the data
   loader gave it, the loss ``loss_func`` logged, and the optimizer's parameter groups (no edit to the tree).
3. The reference (this interpreter: torch, transformers >= 4.49): ``Qwen2_5_VLForConditionalGeneration`` from the
   same ``save_pretrained`` files, fp32, eager attention, LLM rotary cos / sin rounded through bf16 as MindSpeed-MM
   does by design (``qwen2_5_vl_hf_parity.bf16_llm_rotary``), trained on the recorded batches: its loss is Hugging
   Face's (shifted token-mean cross entropy over the labels that are not -100, which is what MindSpeed-MM's
   ``VLMModel.compute_loss`` computes at tensor-parallel size 1), ``clip_grad_norm_`` to the same max norm, then
   ``torch.optim.AdamW`` with Megatron's lr, betas, eps and Megatron's parameter groups: weight decay on every
   parameter except biases and 1-D tensors (``name.endswith(".bias") or len(param.shape) == 1``, Megatron's
   ``_get_param_groups`` default; in both models the 1-D tensors are exactly the norms and the biases, so the rule
   picks the same parameters under either naming: the group sizes are printed from both sides).

Prints the side-by-side table (loss, relative difference, gradient norm and step time of both); exit status 0 only
when every converted loss is finite, the last is below the first, iteration 1 equals Hugging Face's loss on the
same batch and weights within 1e-5 relative, and every iteration is within 1e-3 relative of the reference.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import mm_convert_roundtrip as mmc  # noqa: E402
import pretrain_vlm_tiny as pretrain  # noqa: E402
import tiny_qwen2_5_vl_hf as tiny_hf  # noqa: E402
from qwen2_5_vl_hf_parity import bf16_llm_rotary  # noqa: E402

FIRST_RTOL, ITER_RTOL = 1e-5, 1e-3
HF_INPUTS = ("input_ids", "attention_mask", "labels", "pixel_values", "image_grid_thw")


def train_arg(name: str) -> float:
    """A hyper-parameter as ``pretrain_vlm_tiny.TRAIN_ARGS`` gives it to Megatron (one source for both sides)."""
    return float(pretrain.TRAIN_ARGS[pretrain.TRAIN_ARGS.index(name) + 1])


def no_weight_decay(name: str, param) -> bool:
    """Megatron's default grouping (``megatron.core.optimizer._get_param_groups``): biases and 1-D tensors."""
    return name.endswith(".bias") or len(param.shape) == 1


# the reference (Megatron's semantics) and, with --variants, the optimizer semantics it tells apart
VARIANTS = {
    "megatron": "AdamW, decay off for biases and 1-D tensors, clip then step (the reference)",
    "no-decay": "AdamW without weight decay (what the converted run would give had it dropped --weight-decay)",
    "decay-all": "AdamW with weight decay on every parameter (torch's single group)",
    "coupled-l2": "Adam with L2 weight decay added to the gradient (torch.optim.Adam's weight_decay)",
    "no-clip": "AdamW, Megatron's groups, no gradient clipping",
}


def torch_reference(hf_dir: Path, batches: list[list[dict]], weight_decay: float, variant: str = "megatron"):
    """Train Hugging Face's model on ``batches`` (one list of micro batches per iteration) with the ``variant``'s
    optimizer semantics (``VARIANTS``): ([(loss, gradient norm before clipping, step seconds)], the parameter groups'
    sizes). As Megatron's schedule, each micro batch's loss is divided by their number before its backward (the
    gradients accumulate), and the iteration's loss is their mean."""
    import torch
    import transformers
    from transformers import Qwen2_5_VLForConditionalGeneration

    transformers.utils.logging.disable_progress_bar()
    torch.manual_seed(0)
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(
        str(hf_dir), torch_dtype=torch.float32, attn_implementation="eager")
    model.train()                          # dropout is 0 everywhere, as on the converted side
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in named if not no_weight_decay(n, p)]
    plain = [p for n, p in named if no_weight_decay(n, p)]
    wd = 0.0 if variant == "no-decay" else weight_decay
    groups = [{"params": decay, "weight_decay": wd},
              {"params": plain, "weight_decay": wd if variant == "decay-all" else 0.0}]
    kind = torch.optim.Adam if variant == "coupled-l2" else torch.optim.AdamW
    opt = kind(groups, lr=train_arg("--lr"), betas=(train_arg("--adam-beta1"), train_arg("--adam-beta2")),
               eps=1e-8, foreach=False)          # Megatron's --adam-eps default is 1e-8
    clip = float("inf") if variant == "no-clip" else train_arg("--clip-grad")
    rows = []
    with bf16_llm_rotary():
        for micro in batches:
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            losses = []
            for batch in micro:
                inputs = {k: torch.from_numpy(batch[k].astype(np.float32 if k == "pixel_values" else np.int64))
                          for k in HF_INPUTS}
                model.rope_deltas = None      # M-RoPE positions from this batch's own input_ids and image grids
                loss = model(**inputs).loss
                (loss / len(micro)).backward()
                losses.append(float(loss.detach()))
            norm = torch.nn.utils.clip_grad_norm_([p for _, p in named], clip)
            opt.step()
            rows.append((sum(losses) / len(losses), float(norm), time.perf_counter() - t0))
    sizes = [{"wd": g["weight_decay"], "decayed": i == 0 or variant == "decay-all", "tensors": len(g["params"]),
              "elements": sum(p.numel() for p in g["params"])} for i, g in enumerate(groups)]
    return rows, sizes


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else abs(a - b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="a `mscore convert --repo MindSpeed-MM` output")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the converted side (no torch)")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--micro-batches", type=int, default=1,
                    help="micro batches (of 1 sample) per iteration: Megatron's --global-batch-size")
    ap.add_argument("--weight-decay", type=float, default=0.01, help="on both sides (Megatron: --weight-decay)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/pretrain-vlm-torch-ref"))
    ap.add_argument("--extra-path", action="append", default=None,
                    help="on the converted side's path (default: $MSCORE_STACK_PYTHONPATH or /work/tf449, a "
                    "transformers 4.49 without torch)")
    ap.add_argument("--variants", action="store_true",
                    help="also train the torch model with other optimizer semantics and show how far the converted "
                    "losses are from each (" + "; ".join(f"{k}: {v}" for k, v in VARIANTS.items() if k != "megatron")
                    + ")")
    a = ap.parse_args(argv)
    out, work = a.out.resolve(), a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    extra = a.extra_path or [pretrain.stack_path()]

    hf, mm, record = work / "hf", work / "mm", work / "record"
    tiny_hf.write(hf, seed=0, shards=2, dtype="float32", init="unit")
    shutil.rmtree(mm, ignore_errors=True)
    conv = mmc.converted_cli(out, a.python, extra)
    t = mmc.hf_to_mm(conv, hf, mm, "[[2]]", "[[2]]", 1, "converted hf_to_mm")
    print(f"1. tiny Hugging Face checkpoint (seed 0, --init unit) {hf}; converted hf_to_mm (no torch) {t:.1f} s")

    args = ["--load", str(mm), "--finetune", "--no-load-optim", "--no-load-rng", "--weight-decay", str(a.weight_decay),
            "--global-batch-size", str(a.micro_batches)]
    rows = pretrain.run(out, a.python, work, a.iters, args, work / "train.log", record=record)
    n = a.micro_batches
    recorded = [json.loads(line)["loss"] for line in (record / "losses.jsonl").read_text().splitlines()] \
        if (record / "losses.jsonl").exists() else []
    if len(rows) != a.iters or len(recorded) != a.iters * n:
        print(f"converted run incomplete: {len(rows)} iterations logged, {len(recorded)} micro-batch losses recorded "
              f"of {a.iters} x {n}; log {work / 'train.log'}")
        return 1
    losses = [sum(recorded[i * n:(i + 1) * n]) / n for i in range(a.iters)]     # Megatron logs their mean
    batches = [[dict(np.load(record / f"batch_{i * n + j + 1}.npz")) for j in range(n)] for i in range(a.iters)]
    print(f"2. converted pretrain_vlm.py: {a.iters} iterations of {n} micro batch(es) from the converted checkpoint; "
          f"recorded batches (keys {sorted(batches[0][0])}, sequence lengths "
          f"{[b['input_ids'].shape[1] for m in batches for b in m]})")
    ref, ref_groups = torch_reference(hf, batches, a.weight_decay)
    print("3. torch reference: Hugging Face Qwen2_5_VLForConditionalGeneration + torch.optim.AdamW on the same batches")

    ms_groups = json.loads((record / "groups.json").read_text())
    print("\nparameter groups (weight decay on / off; Megatron's fused QKV and gate/up tensors make fewer, larger "
          "tensors, the same elements):")
    print("  converted (Megatron's optimizer): " + "; ".join(
        f"wd_mult {g['wd_mult']}: {g['tensors']} tensors, {g['elements']} elements" for g in ms_groups))
    print("  torch reference (AdamW groups):   " + "; ".join(
        f"weight_decay {g['wd']}: {g['tensors']} tensors, {g['elements']} elements" for g in ref_groups))

    print(f"\nQwen2.5-VL tiny, fp32 CPU, {a.iters} iterations x {n} micro batch(es): converted pretrain_vlm.py "
          f"(MindSpore, torch absent) vs torch reference (Hugging Face + torch.optim.AdamW), lr {train_arg('--lr'):g} constant, weight decay "
          f"{a.weight_decay:g}, clip {train_arg('--clip-grad'):g}")
    print("| iter | converted loss | torch loss | rel diff | converted grad norm | torch grad norm | "
          "converted step ms | torch step ms |")
    print("|---|---|---|---|---|---|---|---|")
    diffs = []
    for (it, _, ms_step, ms_norm), mine, (loss, norm, dt) in zip(rows, losses, ref):
        diffs.append(rel(mine, loss))
        print(f"| {it} | {mine:.7f} | {loss:.7f} | {diffs[-1]:.2e} | {ms_norm:.6f} | {norm:.6f} | "
              f"{ms_step:.0f} | {dt * 1e3:.0f} |")
    finite = all(np.isfinite(losses))
    falls = losses[-1] < losses[0]
    worst = max(diffs)
    print(f"\niteration 1: converted {losses[0]:.7f} vs Hugging Face {ref[0][0]:.7f} on the same batch and weights: "
          f"rel {diffs[0]:.2e} (bound {FIRST_RTOL:g})")
    print(f"max per-iteration rel diff {worst:.2e} (bound {ITER_RTOL:g}); every converted loss finite: {finite}; "
          f"last below first: {falls} ({losses[0]:.4f} -> {losses[-1]:.4f})")
    if a.variants:
        print("\nthe converted losses against torch runs with other optimizer semantics (max rel diff over the "
              "iterations; the reference above is 'megatron'):")
        for name, what in VARIANTS.items():
            other = ref if name == "megatron" else torch_reference(hf, batches, a.weight_decay, name)[0]
            print(f"  {name:10s} {max(rel(m, o[0]) for m, o in zip(losses, other)):9.2e}  {what}")
    # Megatron fuses q/k/v and gate/up into one tensor each, so the tensor counts differ; the elements may not
    same_groups = sorted((bool(g["wd_mult"]), g["elements"]) for g in ms_groups) == \
        sorted((g["decayed"], g["elements"]) for g in ref_groups)
    ok = finite and falls and diffs[0] <= FIRST_RTOL and worst <= ITER_RTOL and same_groups
    print("OK" if ok else "OUT OF BOUNDS" + ("" if same_groups else " (parameter groups differ)"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
