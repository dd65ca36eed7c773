#!/usr/bin/env python
"""Train a tiny Qwen2.5-VL with the converted tree's own entry point, ``pretrain_vlm.py``, on MindSpore CPU with
torch absent, and print every iteration's loss and step time.

    mscore convert --repo MindSpeed-MM --out OUT [--source NAME=PATH ...]
    python bench/pretrain_vlm_tiny.py OUT --python /path/to/venv/bin/python [--iters 10] [--work DIR]
        [--save-interval N] [--resume-from N]

The run is ``pretrain_vlm.py`` as its ``__main__`` (-> ``pretrain`` -> ``train_step`` ->
``forward_backward_no_pipelining`` -> Megatron's optimizer): fp32, distributed optimizer and gradient clipping on,
``--log-interval 1``, world size 1 (the CPU backfill's single-process group). The model is the tiny Qwen2.5-VL of
``bench/qwen2_5_vl_tiny_build.py``. Everything the data path reads is generated here: a few small PNG images, a JSON
in MindSpeed-MM's MLLM format (what the quick start's ``llava_instruct_2_mllm_demo_format.py`` writes), and a tiny
Qwen-style tokenizer (byte-level BPE with no merges: the 256 byte tokens, plus Qwen's special tokens at their real
ids, since MindSpeed-MM hard-codes the image-pad id 151655) with a Qwen2-VL image processor config.

The child interpreter hides torch, torch_npu and torchvision (the converted requirements drop torchvision: it needs
torch; transformers would otherwise find it installed and import it).

``--save-interval N`` saves every N iterations into ``WORK/ckpt``; ``--resume-from N`` then runs from the iteration-N
checkpoint (``--load``) to ``--iters`` and compares the losses with the uninterrupted run's.
Exit status 0 when every iteration ran and every loss is finite.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qwen2_5_vl_tiny_build import MODEL  # noqa: E402  (the same tiny model the build bench makes)

ROOT = Path(__file__).resolve().parent.parent

# Qwen2's special tokens at their real ids (MindSpeed-MM's M-RoPE index and the template use them)
SPECIAL = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645, "<|vision_start|>": 151652,
           "<|vision_end|>": 151653, "<|image_pad|>": 151655, "<|video_pad|>": 151656}

TRAIN_ARGS = [
    "--use-mcore-models", "--tensor-model-parallel-size", "1", "--pipeline-model-parallel-size", "1",
    "--context-parallel-size", "1", "--micro-batch-size", "1", "--global-batch-size", "1",
    "--tokenizer-type", "NullTokenizer", "--vocab-size", str(MODEL["text_decoder"]["vocab_size"]),
    "--seq-length", "128", "--make-vocab-size-divisible-by", "1", "--normalization", "RMSNorm", "--swiglu",
    "--lr", "1.0e-3", "--lr-decay-style", "constant", "--weight-decay", "0", "--clip-grad", "1.0",
    "--adam-beta1", "0.9", "--adam-beta2", "0.999", "--no-gradient-accumulation-fusion", "--seed", "42",
    "--variable-seq-lengths", "--use-distributed-optimizer", "--num-workers", "0",
    "--num-layers", "2", "--hidden-size", "64", "--num-attention-heads", "4", "--max-position-embeddings", "128",
    "--log-interval", "1", "--eval-interval", "10000", "--eval-iters", "0", "--distributed-backend", "nccl",
]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (what a ByteLevel pre-tokenizer emits)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def write_tokenizer(d: Path) -> None:
    """A Qwen2TokenizerFast over a byte-level BPE without merges, and a Qwen2-VL image processor config."""
    d.mkdir(parents=True, exist_ok=True)
    vocab = {ch: i for i, ch in enumerate(bytes_to_unicode().values())}
    vocab.update(SPECIAL)
    level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for s, i in SPECIAL.items()],
        "normalizer": None, "pre_tokenizer": level, "post_processor": None, "decoder": level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    (d / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "Qwen2Tokenizer", "model_max_length": 4096, "errors": "replace", "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": None, "bos_token": None,
        "additional_special_tokens": list(SPECIAL), "split_special_tokens": False}))
    (d / "special_tokens_map.json").write_text(json.dumps({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}))
    (d / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor",
        "do_resize": True, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "do_convert_rgb": True, "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711], "min_pixels": 3136, "max_pixels": 12845056,
        "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2}))
    dec, vis = MODEL["text_decoder"], MODEL["image_encoder"]["vision_encoder"]
    (d / "config.json").write_text(json.dumps({
        "model_type": "qwen2_5_vl", "architectures": ["Qwen2_5_VLForConditionalGeneration"],
        "vocab_size": dec["vocab_size"], "hidden_size": dec["hidden_size"], "intermediate_size": dec["ffn_hidden_size"],
        "num_hidden_layers": dec["num_layers"], "num_attention_heads": dec["num_attention_heads"],
        "num_key_value_heads": dec["num_query_groups"], "image_token_id": SPECIAL["<|image_pad|>"],
        "video_token_id": SPECIAL["<|video_pad|>"], "vision_start_token_id": SPECIAL["<|vision_start|>"],
        "vision_config": {"depth": vis["num_layers"], "hidden_size": vis["hidden_size"],
                          "out_hidden_size": dec["hidden_size"], "patch_size": vis["patch_size"]}}))


SAMPLES = [("red", (220, 30, 30)), ("green", (30, 200, 60)), ("blue", (40, 60, 220)), ("yellow", (230, 220, 40))]


def write_data(work: Path) -> Path:
    """Images (56 x 112: a 4 x 8 patch grid -> 8 image tokens) and the MLLM-format JSON."""
    import numpy as np
    from PIL import Image
    img_dir = work / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    items = []
    for name, rgb in SAMPLES:
        px = np.clip(np.array(rgb, np.float32) + rng.normal(0, 12, (56, 112, 3)), 0, 255).astype(np.uint8)
        path = img_dir / f"{name}.png"
        Image.fromarray(px).save(path)
        items.append({"images": [str(path)], "messages": [
            {"role": "user", "content": "<image>\nColour?"},
            {"role": "assistant", "content": f"It is {name}."}]})
    path = work / "mllm_format_data.json"
    path.write_text(json.dumps(items, indent=1))
    return path


def write_configs(work: Path, mm: Path) -> dict:
    tok = work / "tokenizer"
    write_tokenizer(tok)
    data_json = write_data(work)
    data = json.loads((mm / "examples/qwen2.5vl/data_7b.json").read_text())
    pre = data["dataset_param"]["preprocess_parameters"]
    pre.update(model_name_or_path=str(tok), image_max_pixels=56 * 112, image_min_pixels=0)
    basic = data["dataset_param"]["basic_parameters"]
    basic.update(dataset_dir=str(work), dataset=str(data_json), cache_dir=str(work / "cache"),
                 preprocessing_num_workers=None)
    data["dataloader_param"]["pin_memory"] = False
    (work / "data.json").write_text(json.dumps(data, indent=1))
    (work / "model.json").write_text(json.dumps(MODEL, indent=1))
    return {"data": work / "data.json", "model": work / "model.json"}


# a child's first lines: torch, torch_npu and torchvision are not found (as if not installed), whatever is installed
HIDE_TORCH = r'''
import importlib.abc, sys
class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, inner): self.inner = inner
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torch_npu", "torchvision"): return None
        f = getattr(self.inner, "find_spec", None)
        return f(name, path, target) if f else None
    def __getattr__(self, a): return getattr(self.inner, a)
sys.meta_path[:] = [_Hide(f) for f in sys.meta_path]
'''

CHILD = HIDE_TORCH + r'''
import json, os, runpy, sys
cfg = json.loads(sys.argv[1])
os.chdir(cfg["mm"])
import mindspore as ms
ms.set_device("CPU")
import mscore.backfill
mscore.backfill.enable()
sys.argv = ["pretrain_vlm.py", *cfg["args"]]
sys.path.insert(0, cfg["mm"])
if cfg.get("record"):
    # record, without editing the tree, each iteration's batch (WORK/record/batch_N.npz, as the data loader gave it)
    # and loss (losses.jsonl), and the optimizer's parameter groups (groups.json): the entry point hands its
    # forward_step to mindspeed_mm.training.pretrain, which is wrapped here before the script runs
    import numpy as np
    import mindspeed.megatron_adaptor  # noqa: F401  (the script's first import: Megatron patched as it will be)
    import mindspeed_mm.training as training
    rec, n = cfg["record"], [0]
    def numpy_batch(batch):
        return {k: v.asnumpy() for k, v in batch.items() if isinstance(v, ms.Tensor)}
    class Recording:
        def __init__(self, it): self.it = it
        def __iter__(self): return self
        def __next__(self):
            batch = next(self.it)
            n[0] += 1
            np.savez(f"{rec}/batch_{n[0]}.npz", **numpy_batch(batch))
            return batch
    def recording(forward_step):
        def step(data_iterator, model):
            out, loss_func = forward_step(Recording(data_iterator), model)
            def recorded_loss(output_tensor):
                loss, logged = loss_func(output_tensor)
                with open(f"{rec}/losses.jsonl", "a") as fh:
                    fh.write(json.dumps({"iteration": n[0], "loss": float(logged["loss"].asnumpy())}) + "\n")
                return loss, logged
            return out, recorded_loss
        return step
    def setup(*a, __orig=training.setup_model_and_optimizer, **k):
        model, optimizer, sched = __orig(*a, **k)
        groups = [{"wd_mult": g.get("wd_mult"), "tensors": len(g["params"]),
                   "elements": sum(int(np.prod(p.shape)) for p in g["params"])} for g in optimizer.param_groups]
        with open(f"{rec}/groups.json", "w") as fh:
            json.dump(groups, fh)
        return model, optimizer, sched
    def pretrain(provider, model_provider, model_type, forward_step, *a, __orig=training.pretrain, **k):
        return __orig(provider, model_provider, model_type, recording(forward_step), *a, **k)
    training.setup_model_and_optimizer, training.pretrain = setup, pretrain
runpy.run_path("pretrain_vlm.py", run_name="__main__")
'''

ITER = re.compile(r"iteration\s+(\d+)/\s*(\d+)\s*\|.*?elapsed time per iteration \(ms\):\s*([\d.]+)(.*)")
LOSS = re.compile(r"\|\s*(?:lm )?loss:\s*([-+\dEe.naif]+)")
GRAD_NORM = re.compile(r"\|\s*grad norm:\s*([-+\dEe.naif]+)")


def stack_path() -> str:
    """Added to the child's path: a transformers >= 4.49 (Qwen2.5-VL) without torch."""
    return os.environ.get("MSCORE_STACK_PYTHONPATH", "/work/tf449")


def run(out: Path, python: str, work: Path, iters: int, extra: list[str], log: Path,
        record: Path | None = None) -> list[tuple[int, float, float, float]]:
    """Run ``pretrain_vlm.py`` for ``iters`` iterations with ``extra`` arguments; (iteration, logged loss, step ms,
    grad norm) per iteration. ``record``: a directory where the child writes each iteration's batch and loss, and
    the optimizer's parameter groups (see CHILD)."""
    mm = out / "MindSpeed-MM"
    paths = write_configs(work, mm)
    args = TRAIN_ARGS + ["--train-iters", str(iters), "--mm-data", str(paths["data"]),
                         "--mm-model", str(paths["model"]), "--mm-tool", str(mm / "mindspeed_mm/tools/tools.json"),
                         *extra]
    repos = [out / n for n in ("MindSpeed-MM", "MindSpeed", "Megatron-LM")]
    extra_path = stack_path()
    env = dict(os.environ, GLOG_v="4", PYTHONPATH=os.pathsep.join([*map(str, repos), str(ROOT), extra_path]),
               MASTER_ADDR="127.0.0.1", MASTER_PORT="29534", WORLD_SIZE="1", RANK="0", LOCAL_RANK="0",
               CUDA_DEVICE_MAX_CONNECTIONS="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PATH=os.pathsep.join([str(Path(python).parent), os.environ.get("PATH", "")]))
    cfg = {"mm": str(mm), "args": args}
    if record:
        record.mkdir(parents=True, exist_ok=True)
        for f in record.iterdir():
            f.unlink()
        cfg["record"] = str(record)
    rows = []
    with open(log, "w") as fh, subprocess.Popen([python, "-c", CHILD, json.dumps(cfg)], env=env, stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            fh.write(line)
            m = ITER.search(line)
            if m:
                loss, norm = LOSS.search(m.group(4)), GRAD_NORM.search(m.group(4))
                rows.append((int(m.group(1)), float(loss.group(1)) if loss else float("nan"), float(m.group(3)),
                             float(norm.group(1)) if norm else float("nan")))
                print(f"iteration {rows[-1][0]:3d}  loss {rows[-1][1]:.6f}  step {rows[-1][2]:8.1f} ms", flush=True)
    if proc.returncode:
        print(f"child exited {proc.returncode}; log: {log}", file=sys.stderr)
        print("".join(log.read_text().splitlines(keepends=True)[-40:]), file=sys.stderr)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a `mscore convert --repo MindSpeed-MM` output")
    ap.add_argument("--python", default=sys.executable, help="interpreter with the stack's third-party packages")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--work", type=Path, default=Path("/tmp/pretrain-vlm-tiny"))
    ap.add_argument("--save-interval", type=int, default=0, help="save every N iterations into WORK/ckpt")
    ap.add_argument("--resume-from", type=int, default=0, help="then resume from iteration N's checkpoint")
    a = ap.parse_args()
    out = a.out.resolve()
    if not all((out / n).is_dir() for n in ("MindSpeed-MM", "MindSpeed", "Megatron-LM")):
        print(f"error: {out} is not a --repo MindSpeed-MM output", file=sys.stderr)
        return 2
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    extra = []
    ckpt = work / "ckpt"
    if a.save_interval:
        extra += ["--save", str(ckpt), "--save-interval", str(a.save_interval)]
    rows = run(out, a.python, work, a.iters, extra, work / "train.log")
    ok = len(rows) == a.iters and all(r[1] == r[1] and abs(r[1]) != float("inf") for r in rows)
    if rows:
        steps = sorted(r[2] for r in rows[1:]) or [rows[0][2]]
        print(f"{len(rows)} iterations: first loss {rows[0][1]:.6f}, last {rows[-1][1]:.6f}, "
              f"median step (after the first) {steps[len(steps) // 2]:.0f} ms")
    if a.resume_from and ok:
        import shutil
        start = work / "ckpt-resume"      # the saved run's checkpoints, with iteration N as the latest
        shutil.rmtree(start, ignore_errors=True)
        shutil.copytree(ckpt, start)
        (start / "latest_checkpointed_iteration.txt").write_text(str(a.resume_from))
        resumed = run(out, a.python, work, a.iters, ["--load", str(start)], work / "resume.log")
        first = {r[0]: r[1] for r in rows}
        print("iteration  uninterrupted      resumed")
        for it, loss, *_ in resumed:
            print(f"{it:9d}  {first.get(it, float('nan')):13.8f}  {loss:11.8f}")
        ok = ok and bool(resumed) and all(first.get(it) == loss for it, loss, *_ in resumed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
