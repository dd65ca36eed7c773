"""Longer run of the mini Qwen2.5-VL: torch eager vs the converted project on MindSpore (PyNative, and jit).

    python bench/e2e_qwen2_5_vl_mini.py [--steps 60] [--ms-project DIR] [--workdir DIR] [--no-jit]

Prints the loss curves side by side and the median step time (and its ratio to torch eager) of torch eager, MindSpore PyNative (the
project's own train.py) and `mindspore.jit` (the forward+grad of a training step built from the project's
modules, compiled with each capture mode; a mode that fails is reported with its error, not hidden).
--ms-project: use an already converted MindSpore tree (e.g. a kept --workdir conversion) instead
of converting examples/qwen2_5_vl_mini with `mscore convert`. Timings are wall clock on a shared machine: read
them as ratios, not absolute numbers.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "examples", "qwen2_5_vl_mini")


def _load_run_parity():
    spec = importlib.util.spec_from_file_location("qwen_mini_run_parity", os.path.join(EXAMPLE, "run_parity.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------------------------ jit worker (MindSpore only)


def jit_worker(args):
    """Runs inside the torch-blocked MindSpore process: time a jitted training step built from the project."""
    import time

    import mindspore as ms
    from mindspore import mint
    from mindspore.experimental.optim import AdamW

    sys.path.insert(0, args.project)
    from checkpoint import load_pretrained_weights
    from configuration import MiniQwen2_5_VLConfig
    from dataset import DataCollator, build_dataset
    from model import MiniQwen2_5_VLForConditionalGeneration

    ms.set_seed(1234)
    config = MiniQwen2_5_VLConfig.from_pretrained(args.model_dir)
    config.update(attention_dropout=0.0, hidden_dropout=0.0)
    model = MiniQwen2_5_VLForConditionalGeneration(config)
    load_pretrained_weights(model, args.model_dir)
    model.set_train(True)
    dataset, tokenizer = build_dataset(args.data, config)
    collate = DataCollator(tokenizer.pad_token_id)
    n_batches = len(dataset) // 2
    batches = [collate([dataset[2 * b], dataset[2 * b + 1]]) for b in range(n_batches)]
    optimizer = AdamW(model.trainable_params(), lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)

    def forward_fn(input_ids, attention_mask, labels, pixel_values, image_grid_thw):
        out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels,
                    pixel_values=pixel_values, image_grid_thw=image_grid_thw)
        return out["loss"]

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters)

    # the forward+grad is compiled; clipping and the AdamW update stay in PyNative
    def forward_and_grad(*inputs):
        return grad_fn(*inputs)

    compiled = ms.jit(forward_and_grad, capture_mode=args.capture_mode) if args.capture_mode != "none" else grad_fn

    def jitted(*inputs):
        loss, grads = compiled(*inputs)
        total = mint.sqrt(sum((g * g).sum() for g in grads))
        coef = mint.clamp(1.0 / (total + 1e-6), max=1.0)
        optimizer(tuple(g * coef for g in grads))
        return loss

    losses, times = [], []
    for i in range(args.steps):
        b = batches[i % n_batches]
        inputs = (b["input_ids"], b["attention_mask"], b["labels"], b.get("pixel_values"), b.get("image_grid_thw"))
        start = time.perf_counter()
        loss = jitted(*inputs)
        losses.append(float(loss.item()))
        times.append(time.perf_counter() - start)
    np.savez(args.dump, losses=np.array(losses), step_times=np.array(times))


# ------------------------------------------------------------------------------------------------------ driver


def run_jit(rp, project, data_json, ckpt_dir, steps, dump, capture_mode):
    cmd = [sys.executable, "-c", rp.RUNNER, os.path.abspath(__file__), "--jit-worker", "--project", project,
           "--model-dir", ckpt_dir, "--data", data_json, "--steps", str(steps), "--dump", dump,
           "--capture-mode", capture_mode]
    env = dict(os.environ, GLOG_v="4")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        err = next((ln for ln in reversed(lines) if "Error" in ln), lines[-1] if lines else "failed")
        return None, err.strip()[:160]
    return dict(np.load(dump)), None


def _batches_per_epoch(data_json, batch_size=2):
    with open(data_json) as f:
        return max(len(json.load(f)) // batch_size, 1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--ms-project", help="an already converted MindSpore project (default: convert now)")
    p.add_argument("--workdir")
    p.add_argument("--no-jit", action="store_true")
    p.add_argument("--json", help="also write the figures here")
    # jit worker (internal)
    p.add_argument("--jit-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--project", help=argparse.SUPPRESS)
    p.add_argument("--model-dir", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--dump", help=argparse.SUPPRESS)
    p.add_argument("--capture-mode", default="ast", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.jit_worker:
        return jit_worker(args)

    rp = _load_run_parity()
    with tempfile.TemporaryDirectory(prefix="qwen_mini_bench_") as tmp:
        work = args.workdir or tmp
        os.makedirs(work, exist_ok=True)
        try:
            data_json, ckpt_dir = rp.prepare(work)
            n_batches = _batches_per_epoch(data_json)
            ref = rp.run_torch(data_json, ckpt_dir, args.steps, os.path.join(work, "torch.npz"))
            project = os.path.abspath(args.ms_project) if args.ms_project else rp.convert(
                os.path.join(work, "converted"), repo_root=REPO)
            left = rp.torch_imports(project)
            if left:
                raise rp.StageError(f"{project} still imports torch: {left[:3]}")
            env = dict(os.environ)
            got = rp.run_mindspore(project, data_json, ckpt_dir, args.steps, os.path.join(work, "ms.npz"), env=env)
        except (rp.StageError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        jit_runs = {}
        if not args.no_jit:
            for mode in ("ast", "bytecode"):
                jit_runs[mode] = run_jit(rp, project, data_json, ckpt_dir, args.steps,
                                         os.path.join(work, f"jit_{mode}.npz"), mode)

    print(f"{'step':>4}  {'torch':>10}  {'ms pynative':>11}  " +
          "  ".join(f"{'jit ' + m:>12}" for m, (d, _) in jit_runs.items() if d is not None))
    for i in range(args.steps):
        row = f"{i:>4}  {ref['losses'][i]:>10.6f}  {got['losses'][i]:>11.6f}  "
        row += "  ".join(f"{d['losses'][i]:>12.6f}" for d, _ in jit_runs.values() if d is not None)
        print(row)
    res = rp.compare(ref, got)
    # steady state: the steps after the first pass over the data (every batch shape has been seen once, so jit has
    # compiled each; step 0 of PyNative also warms up). With fewer steps than that, every step but the first.
    warm = n_batches if args.steps > n_batches + 1 else 1
    med = lambda d: float(np.median(d["step_times"][warm:])) * 1000  # noqa: E731
    t_torch = med(ref)
    figures = {
        "steps": args.steps,
        "loss_max_rel_diff_pynative": float(np.max(res["loss_rel"])),
        "logits_max_abs_diff": res["logits"],
        "grads_max_abs_diff": res["grads"],
        "step_ms": {"torch_eager": t_torch, "ms_pynative": med(got)},
        "ratio_vs_torch": {"ms_pynative": med(got) / t_torch},
        "jit_errors": {},
    }
    print()
    print(f"losses: max rel diff torch vs PyNative {figures['loss_max_rel_diff_pynative']:.2e}; step-0 logits "
          f"{res['logits']:.2e}, grads {res['grads']:.2e} (max abs)")
    print(f"median step time over steps {warm}..{args.steps - 1} (after the first pass over the data)")
    print(f"                   torch eager {t_torch:8.1f} ms   (1.00x)")
    print(f"                   ms PyNative {med(got):8.1f} ms   ({med(got) / t_torch:.2f}x)")
    for mode, (d, err) in jit_runs.items():
        if d is None:
            figures["jit_errors"][mode] = err
            print(f"                   ms jit[{mode}] failed: {err}")
            continue
        figures["step_ms"][f"ms_jit_{mode}"] = med(d)
        figures["ratio_vs_torch"][f"ms_jit_{mode}"] = med(d) / t_torch
        rel = np.abs(d["losses"] - ref["losses"]) / np.abs(ref["losses"])
        figures[f"loss_max_rel_diff_jit_{mode}"] = float(rel.max())
        print(f"                   ms jit[{mode}] {med(d):8.1f} ms   ({med(d) / t_torch:.2f}x; first pass "
              f"{d['step_times'][:warm].sum():.1f} s incl. compiling each batch shape; losses max rel diff "
              f"{rel.max():.2e})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
