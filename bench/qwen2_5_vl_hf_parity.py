#!/usr/bin/env python
"""The converted MindSpeed-MM stack reproduces Hugging Face's Qwen2.5-VL: the whole user route, at toy size.

    mscore convert --repo MindSpeed-MM --source ... --out OUT
    python bench/qwen2_5_vl_hf_parity.py OUT --python /path/to/venv-without-torch/bin/python \\
        [--extra-path DIR] [--work DIR] [--paths plain flash] [--device CPU|Ascend]

1. A tiny Hugging Face Qwen2.5-VL checkpoint is written by transformers itself (this interpreter: torch and
   transformers >= 4.49; ``bench/tiny_qwen2_5_vl_hf.py``, ``--init unit`` so activations and gradients are of order
   one): 2 vision blocks (block 0 window attention, block 1 full attention), hidden 64, 2 GQA LLM layers.
2. The CONVERTED tree's ``mm-convert Qwen2_5_VLConverter hf_to_mm`` turns it into a Megatron checkpoint, run in
   ``--python`` (MindSpore, no torch; ``bench/mm_convert_roundtrip.py``).
3. The converted VLMModel is built as ``pretrain_vlm.py``'s ``model_provider`` builds it and loads that checkpoint
   through the converted Megatron's own ``load_checkpoint(strict=True)`` (``bench/qwen2_5_vl_tiny_build.py``),
   torch hidden, then runs forward and backward (``mindspore.value_and_grad``) on one batch of two image + text
   samples, right-padded (three images of 6 x 12, 4 x 8 and 4 x 8 patches: 34 image tokens, 4 attention windows, 3
   full-attention segments), Qwen's real special token ids (MindSpeed-MM hard-codes ``<|image_pad|>`` = 151655),
   labels with the prompts masked. Logits are compared on the real tokens (padded positions carry no meaning). Its gradients are written as a
   checkpoint in the loaded file's layout and the converted ``mm_to_hf`` maps them to Hugging Face names and
   layouts (QKV and GLU splits), exactly as it maps weights (that mapping is bit-exact both ways:
   ``mm_convert_roundtrip.py``).
4. The same batch goes through transformers' ``Qwen2_5_VLForConditionalGeneration`` (torch, eager attention) and
   its autograd. MindSpeed-MM rounds the LLM's rotary cos / sin through bf16 by design (``mm_gpt_model.py``:
   ``param_dtype = torch.bfloat16`` for M-RoPE, and it refuses to run M-RoPE without ``bf16``), so the reference
   applies the same rounding: ``Qwen2_5_VLRotaryEmbedding.forward`` is wrapped here to round its cos / sin to bf16
   and back. The table also shows exact Hugging Face (no rounding) for scale.

Both LLM attention paths run: ``plain`` (Megatron's core attention, the default) and ``flash``
(``--use-flash-attn``: MindSpeed's replacement ``dot_product_attention``, which mscore patches to MindSpore's
flash attention / its CPU backfill). Everything is fp32 on CPU: MindSpore 2.10's CPU build has no bf16 kernels for
most ops (matmul, softmax), so the bf16 training dtype is for Ascend. ``--device Ascend`` runs the converted side
on an Ascend NPU (without the CPU backfill): written and ready, untested here (no NPU on this machine).

Prints the figures table (both paths) and the per-tensor worst gradient differences; exit status 0 only when
every figure is within bounds: logits max abs diff <= 1e-4, loss relative diff <= 1e-5, gradients of the token
embedding, one vision QKV, the LLM QKV, one MLP and the LM head max abs diff <= 1e-4.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import mm_convert_roundtrip as mmc  # noqa: E402
import qwen2_5_vl_tiny_build as tiny_build  # noqa: E402
import tiny_qwen2_5_vl_hf as tiny_hf  # noqa: E402

LOGITS_TOL, LOSS_RTOL, GRAD_TOL = 1e-4, 1e-5, 1e-4
# the tensors the issue names, as Hugging Face names them (a group's worst tensor is reported)
GRAD_GROUPS = {
    "token embedding": ["model.embed_tokens.weight"],
    "vision qkv (block 0, window)": ["visual.blocks.0.attn.qkv.weight", "visual.blocks.0.attn.qkv.bias"],
    "LLM qkv (layer 0)": [f"model.layers.0.self_attn.{p}_proj.{w}" for p in "qkv" for w in ("weight", "bias")],
    "MLP (LLM layer 1)": [f"model.layers.1.mlp.{p}_proj.weight" for p in ("gate", "up", "down")],
    "LM head": ["lm_head.weight"],
}
PATHS = {"plain": False, "flash": True}


PAD = 151643          # <|endoftext|>, Qwen's padding token


def make_batch() -> dict[str, np.ndarray]:
    """Two chat samples, right-padded to one length, the prompts masked in the labels. Sample 0 has two images
    (t=1): 6 x 12 patches -> 18 merged tokens, which the window attention (window 112 px = 4 x 4 merged tokens)
    splits into two windows, and 4 x 8 patches -> 8 tokens in one window; sample 1 one 4 x 8 image and a shorter
    text. The full-attention block sees three segments (one per image)."""
    rng = np.random.default_rng(0)
    samples = [([(1, 6, 12), (1, 4, 8)], [3838, 374, 419, 30], [785, 2168, 4933, 264, 8251, 13]),
               ([(1, 4, 8)], [3838, 374], [785, 2168])]
    rows, labels, grids = [], [], []
    for images, question, answer in samples:
        prompt = [151644, 872, 198]                                                   # <|im_start|>user\n
        for t, h, w in images:
            prompt += [tiny_hf.VISION_START] + [tiny_hf.IMAGE_PAD] * (t * h * w // 4) + [tiny_hf.VISION_END]
        prompt += question + [151645, 198, 151644, 77091, 198]                   # ...<|im_start|>assistant\n
        rows.append(prompt + answer + [151645])
        labels.append([-100] * len(prompt) + answer + [151645])
        grids += images
    n = max(map(len, rows))
    ids = np.array([r + [PAD] * (n - len(r)) for r in rows], np.int64)
    return {"input_ids": ids, "labels": np.array([r + [-100] * (n - len(r)) for r in labels], np.int64),
            "attention_mask": np.array([[1] * len(r) + [0] * (n - len(r)) for r in rows], np.int64),
            "pixel_values": rng.standard_normal((sum(t * h * w for t, h, w in grids), 3 * 2 * 14 * 14))
            .astype(np.float32),
            "image_grid_thw": np.array(grids, np.int64)}


@contextlib.contextmanager
def bf16_llm_rotary():
    """Round the LLM rotary cos / sin through bf16, as MindSpeed-MM's Qwen2VLRotaryEmbedding_llm returns them
    (``.to(dtype=torch.bfloat16)`` with ``param_dtype = torch.bfloat16``); the vision rotary stays fp32 in both."""
    import torch
    from transformers.models.qwen2_5_vl import modeling_qwen2_5_vl as hf

    orig = hf.Qwen2_5_VLRotaryEmbedding.forward

    def forward(self, x, position_ids):
        cos, sin = orig(self, x, position_ids)
        return cos.to(torch.bfloat16).to(cos.dtype), sin.to(torch.bfloat16).to(sin.dtype)

    hf.Qwen2_5_VLRotaryEmbedding.forward = forward
    try:
        yield
    finally:
        hf.Qwen2_5_VLRotaryEmbedding.forward = orig


def hf_reference(hf_dir: Path, batch: dict, round_rotary: bool = True, grads: bool = True):
    """(logits, loss, {name: gradient}) of transformers' model on ``batch`` (torch, fp32, eager attention)."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration

    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(
        str(hf_dir), torch_dtype=torch.float32, attn_implementation="eager")
    model.train()          # dropout is 0 everywhere: train and eval compute the same; the backward needs no eval
    inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
    with bf16_llm_rotary() if round_rotary else contextlib.nullcontext():
        out = model(**inputs)
    g = {}
    if grads:
        out.loss.backward()
        g = {n: p.grad.detach().numpy().copy() for n, p in model.named_parameters() if p.grad is not None}
    return out.logits.detach().numpy(), float(out.loss), g


def read_safetensors(d: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    out = {}
    for f in sorted(d.glob("*.safetensors")):
        out.update(load_file(str(f)))
    return out


def max_abs(a, b) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0


def run_path(a, name: str, mm: Path, batch_file: Path, hf: Path, conv, work: Path):
    """The converted side on one attention path: (logits, loss, {HF name: gradient}, seconds, log tail)."""
    res, gmm, ghf = work / f"ms-{name}.npz", work / f"grads-mm-{name}", work / f"grads-hf-{name}"
    for d in (gmm, ghf):
        shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    p = tiny_build.child(a.out, a.python, load=mm, batch=batch_file, result=res, grads=gmm, flash=PATHS[name],
                         device=a.device, capture=True)
    dt = time.perf_counter() - t0
    log = (p.stdout or "") + (p.stderr or "")
    if p.returncode != 0:
        return None, None, None, dt, log[-6000:]
    mmc.mm_to_hf(conv, hf, gmm, ghf, "[2]", "[2]", 1, f"mm_to_hf of the {name} gradients")
    r = np.load(res)
    return r["logits"], float(r["loss"]), read_safetensors(ghf), dt, log


def attention_routes(log: str) -> str:
    """The child's count of core-attention calls per routine of the replacement module (one per layer call)."""
    for line in log.splitlines():
        if line.startswith("ATTENTION "):
            calls = json.loads(line[len("ATTENTION "):])
            return ", ".join(f"{k.strip('_')} x{v}" for k, v in sorted(calls.items())) or "none"
    return "not reported"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="the converted output (mscore convert --repo MindSpeed-MM --out)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the converted side (no torch)")
    ap.add_argument("--extra-path", action="append", default=[],
                    help="added to the converted mm-convert's path (e.g. a transformers 4.49 without torch)")
    ap.add_argument("--work", type=Path, default=None, help="scratch directory (default: a new temporary one)")
    ap.add_argument("--paths", nargs="+", default=list(PATHS), choices=list(PATHS),
                    help="LLM attention paths: plain (Megatron core attention), flash (--use-flash-attn)")
    ap.add_argument("--device", default="CPU", choices=("CPU", "Ascend"),
                    help="device of the converted side (Ascend: written, untested here)")
    ap.add_argument("--all-tensors", action="store_true", help="list every gradient, not only the 12 worst")
    a = ap.parse_args(argv)
    work = (a.work or Path(tempfile.mkdtemp(prefix="qwen-hf-parity-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()

    hf = work / "hf"
    if not (hf / "model.safetensors.index.json").exists():
        tiny_hf.write(hf, seed=0, shards=2, dtype="float32", init="unit")
    print(f"1. tiny Hugging Face checkpoint (transformers save_pretrained, fp32, --init unit): {hf}")
    conv = mmc.converted_cli(a.out, a.python, a.extra_path)
    mm = work / "mm"
    shutil.rmtree(mm, ignore_errors=True)
    t = mmc.hf_to_mm(conv, hf, mm, "[[2]]", "[[2]]", 1, "converted hf_to_mm")
    print(f"2. converted mm-convert hf_to_mm (no torch): {t:.1f} s -> {mm}")

    batch = make_batch()
    batch_file = work / "batch.npz"
    np.savez(batch_file, **batch)
    real = batch["attention_mask"].astype(bool)
    ref_logits, ref_loss, ref_grads = hf_reference(hf, batch)
    exact_logits, exact_loss, _ = hf_reference(hf, batch, round_rotary=False, grads=False)
    print(f"4. Hugging Face reference: logits {list(ref_logits.shape)} (max |logit| {np.abs(ref_logits[real]).max():.3g}), "
          f"loss {ref_loss:.7f}; exact HF (no bf16 rotary rounding) differs from it by "
          f"{max_abs(ref_logits[real], exact_logits[real]):.2e} in logits, loss {exact_loss:.7f}")

    rows, failures, per_tensor = [], 0, {}
    for name in a.paths:
        logits, loss, grads, dt, log = run_path(a, name, mm, batch_file, hf, conv, work)
        if logits is None:
            print(f"3. converted VLMModel, {name}: FAILED after {dt:.1f} s\n{log}")
            failures += 1
            rows.append((name, None))
            continue
        print(f"3. converted VLMModel, {name}: built, strict load_checkpoint, forward + backward in {dt:.1f} s; "
              f"core attention: {attention_routes(log)}")
        real = batch["attention_mask"].astype(bool)
        fig = {"logits": max_abs(logits[real], ref_logits[real]) if logits.shape == ref_logits.shape else float("inf"),
               "loss_ms": loss, "loss_rel": abs(loss - ref_loss) / abs(ref_loss)}
        missing = sorted(set(ref_grads) - set(grads))
        diffs = {k: (max_abs(grads[k], ref_grads[k]), float(np.abs(ref_grads[k]).max()), grads[k].shape)
                 for k in ref_grads if k in grads and grads[k].shape == ref_grads[k].shape}
        bad_shape = sorted(k for k in ref_grads if k in grads and grads[k].shape != ref_grads[k].shape)
        for g, names in GRAD_GROUPS.items():
            have = [n for n in names if n in diffs]
            fig[g] = max((diffs[n][0] for n in have), default=float("inf"))
        worst = max(diffs, key=lambda k: diffs[k][0])
        fig["worst"] = (worst, diffs[worst][0])
        ok = (fig["logits"] <= LOGITS_TOL and fig["loss_rel"] <= LOSS_RTOL and not missing and not bad_shape
              and all(fig[g] <= GRAD_TOL for g in GRAD_GROUPS))
        failures += not ok
        fig["ok"] = ok
        rows.append((name, fig))
        per_tensor[name] = (diffs, missing, bad_shape)

    print()
    print("Qwen2.5-VL tiny, fp32 CPU: converted MindSpeed-MM (MindSpore 2.10, torch absent) vs transformers "
          "(torch, eager), LLM rotary cos/sin rounded through bf16 on both sides (MindSpeed-MM's design)")
    head = ["path", "logits max abs", "loss HF", "loss MS", "loss rel", *GRAD_GROUPS, "verdict"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, fig in rows:
        if fig is None:
            print(f"| {name} | " + " | ".join(["failed"] * (len(head) - 2)) + " | FAIL |")
            continue
        cells = [name, f"{fig['logits']:.2e}", f"{ref_loss:.7f}", f"{fig['loss_ms']:.7f}", f"{fig['loss_rel']:.2e}",
                 *(f"{fig[g]:.2e}" for g in GRAD_GROUPS), "ok" if fig["ok"] else "FAIL"]
        print("| " + " | ".join(cells) + " |")
    print(f"bounds: logits <= {LOGITS_TOL:g}, loss rel <= {LOSS_RTOL:g}, gradients <= {GRAD_TOL:g} (max abs)")
    for name, (diffs, missing, bad_shape) in per_tensor.items():
        order = sorted(diffs, key=lambda k: -diffs[k][0])
        shown = order if a.all_tensors else order[:12]
        print(f"\n{name}: per-tensor gradient max abs diff ({len(diffs)} tensors, "
              f"{'all' if a.all_tensors else 'the 12 worst'}; max |HF grad| for scale)")
        for k in shown:
            d, scale, shape = diffs[k]
            print(f"  {d:9.2e}  (|g| {scale:8.2e})  {k} {list(shape)}")
        for k in missing:
            print(f"  MISSING gradient: {k}")
        for k in bad_shape:
            print(f"  SHAPE differs: {k}")
    print(f"\n{'PARITY OK' if not failures else f'{failures} path(s) out of bounds'} "
          f"({time.perf_counter() - t_all:.0f} s, work dir {work})")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
