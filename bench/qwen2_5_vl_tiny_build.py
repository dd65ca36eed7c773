#!/usr/bin/env python
"""Build a tiny Qwen2.5-VL from a converted MindSpeed-MM stack the way ``pretrain_vlm.py`` builds it, and run
one forward pass on MindSpore CPU -- with no edit to the converted code.

    mscore convert --repo MindSpeed-MM --out OUT [--source NAME=PATH ...]
    python bench/qwen2_5_vl_tiny_build.py OUT [--python /path/to/venv/bin/python]

The model: 2 vision layers (one window-attention block, one full-attention block: ``fullatt_block_indexes [1]``),
hidden 64, a 2-layer GQA LLM (4 query heads, 2 groups), M-RoPE sections [2, 3, 3], fp32; the vocabulary covers
Qwen's real image-pad token id 151655 (MindSpeed-MM's M-RoPE index hard-codes it). Megatron is initialised through
its own ``initialize_megatron`` with the CLI arguments of the quick start's launch script, shrunk; on CPU the
backfill supplies the world-size-1 process group.

The run happens in a child interpreter (``--python``, default: this one) where torch and torch_npu are hidden,
exactly as ``mscore verify`` hides them. It prints each stage and, at the end, the logits' shape and a checksum.
Exit status 0 only when the forward pass produced finite logits.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

VISION = {
    "model_id": "qwen2vit", "num_layers": 2, "hidden_size": 64, "ffn_hidden_size": 128, "llm_hidden_size": 64,
    "gated_linear_unit": True, "bias_activation_fusion": False, "num_attention_heads": 4, "hidden_dropout": 0.0,
    "attention_dropout": 0.0, "in_channels": 3, "patch_size": 14, "spatial_merge_size": 2,
    "temporal_patch_size": 2, "layernorm_epsilon": 1e-06, "normalization": "RMSNorm", "fp16": False, "bf16": False,
    "params_dtype": "fp32", "activation_func": "silu", "freeze": False, "use_fused_rotary_pos_emb": False,
    "post_layer_norm": False, "pipeline_num_layers": [2], "intermediate_size": 128, "tokens_per_second": 2,
    "window_attn_size": 112, "fullatt_block_indexes": [1],
}
PROJECTOR = {
    "model_id": "lnmlp", "num_layers": 1, "num_attention_heads": 1, "gated_linear_unit": False,
    # the merger's width is the vision hidden size x spatial_merge_size^2 (64 x 4), as Hugging Face's PatchMerger
    "bias_activation_fusion": False, "add_bias_linear": True, "input_size": 64, "hidden_size": 64,
    "ffn_hidden_size": 256, "activation_func": "gelu", "bf16": False, "params_dtype": "fp32", "freeze": False,
    "layernorm_epsilon": 1e-06, "normalization": "RMSNorm",
}
VOCAB = 151680
DECODER = {
    "model_id": "qwen2_5_lm", "num_layers": 2, "pipeline_num_layers": [2], "hidden_size": 64, "ffn_hidden_size": 128,
    "num_attention_heads": 4, "seq_length": 128, "max_position_embeddings": 128, "vocab_size": VOCAB,
    "rope_theta": 1000000.0, "untie_embeddings_and_output_weights": True, "disable_bias_linear": True,
    "attention_dropout": 0.0, "init_method_std": 0.01, "hidden_dropout": 0.0, "position_embedding_type": "mrope",
    "normalization": "RMSNorm", "activation_func": "silu", "use_fused_rotary_pos_emb": False,
    # bf16 True with fp32 parameters: MindSpeed-MM's M-RoPE refuses to run without config.bf16 and rounds cos/sin
    # through bf16 by design (mm_gpt_model.py); the weights and the rest of the compute stay fp32
    "attention_softmax_in_fp32": True, "params_dtype": "fp32", "bf16": True, "parallel_output": True,
    "group_query_attention": True, "num_query_groups": 2, "mrope_section": [2, 3, 3], "rope_scaling": None,
    "gated_linear_unit": True, "bias_activation_fusion": False, "layernorm_epsilon": 1e-06,
    "add_bias_linear": False, "add_qkv_bias": True,
}
MODEL = {"model_id": "qwen2_5vl", "img_context_token_id": 151655, "vision_start_token_id": 151652,
         "image_encoder": {"vision_encoder": VISION, "vision_projector": PROJECTOR}, "text_decoder": DECODER,
         "text_encoder": None, "video_encoder": None}

ARGS = [
    "--use-mcore-models", "--tensor-model-parallel-size", "1", "--pipeline-model-parallel-size", "1",
    "--context-parallel-size", "1", "--micro-batch-size", "1", "--global-batch-size", "1",
    "--tokenizer-type", "NullTokenizer", "--vocab-size", str(VOCAB), "--seq-length", "128",
    "--make-vocab-size-divisible-by", "1", "--normalization", "RMSNorm", "--swiglu", "--lr", "1.0e-5",
    "--train-iters", "10", "--clip-grad", "0.0", "--seed", "42", "--no-gradient-accumulation-fusion",
    "--variable-seq-lengths", "--num-layers", "2", "--hidden-size", "64", "--num-attention-heads", "4",
    "--max-position-embeddings", "128", "--distributed-backend", "nccl", "--log-interval", "1",
]

CHILD = r'''
import importlib.abc, importlib.machinery, json, os, sys, time
# torch / torch_npu hidden as if not installed (find_spec and import both say no)
class Hide(importlib.abc.MetaPathFinder):
    def __init__(self, inner): self.inner = inner
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torch_npu"): return None
        f = getattr(self.inner, "find_spec", None)
        return f(name, path, target) if f else None
    def __getattr__(self, a): return getattr(self.inner, a)
sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
cfg = json.loads(sys.argv[1])
os.chdir(cfg["mm"])
sys.argv = ["pretrain_vlm.py", *cfg["args"]]
def stage(msg, t0=[time.perf_counter()]):
    print(f"[{time.perf_counter() - t0[0]:7.1f}s] {msg}", flush=True)
import mindspore as ms
ms.set_device(cfg.get("device", "CPU"))
if cfg.get("device", "CPU") == "CPU":
    import mscore.backfill
    mscore.backfill.enable()
stage(f"mindspore on {cfg.get('device', 'CPU')}" + " + CPU backfill" * (cfg.get("device", "CPU") == "CPU"))
import pretrain_vlm
stage("converted pretrain_vlm imported")
from megatron.training.initialize import initialize_megatron
from mindspeed_mm.configs.config import mm_extra_args_provider
initialize_megatron(extra_args_provider=mm_extra_args_provider, args_defaults={})
stage("initialize_megatron done (world size 1)")
model = pretrain_vlm.model_provider()
n = sum(int(p.size) for p in model.get_parameters())
stage(f"VLMModel built: {type(model).__name__}, {n} parameters")
if cfg.get("load"):
    from megatron.training.checkpointing import load_checkpoint
    load_checkpoint([model], None, None, strict=True)
    stage(f"checkpoint loaded from {cfg['load']} (Megatron's load_checkpoint, strict)")
import numpy as np
if cfg.get("batch"):
    batch = dict(np.load(cfg["batch"]))
else:
    rng = np.random.default_rng(0)
    n_img = 8
    ids = [151644, 872, 198, 151652] + [151655] * n_img + [151653, 3838, 374, 419, 30, 151645]
    batch = {"input_ids": np.array([ids], np.int64),
             "pixel_values": rng.standard_normal((32, 3 * 2 * 14 * 14)).astype(np.float32),
             "image_grid_thw": np.array([[1, 4, 8]], np.int64)}   # t, h, w patches -> 32 patches -> 8 tokens
    batch["labels"] = np.full_like(batch["input_ids"], -100)
    batch["labels"][0, -4:] = batch["input_ids"][0, -4:]
    batch["attention_mask"] = np.ones_like(batch["input_ids"])
inputs = {k: ms.Tensor(batch[k]) for k in ("input_ids", "pixel_values", "image_grid_thw", "attention_mask", "labels")}
# which routine of the core-attention replacement each call took (counted by wrapping its module functions)
import mindspeed.core.transformer.dot_product_attention as dpa
routes = {}
for fn_name in ("_flash_mask", "_plain_mask", "_packed_attention", "attention_sbhd"):
    def counted(*a, __fn=getattr(dpa, fn_name), __name=fn_name, **k):
        routes[__name] = routes.get(__name, 0) + 1
        return __fn(*a, **k)
    setattr(dpa, fn_name, counted)
if cfg.get("grads"):
    named = [(k, p) for k, p in model.parameters_and_names() if p.requires_grad]
    def loss_and_logits():
        o = model(**inputs)
        return o["loss"], o["logits"]
    (loss, logits), grads = ms.value_and_grad(loss_and_logits, None, [p for _, p in named], has_aux=True)()
    out = {"loss": loss, "logits": logits}
    stage(f"forward + backward done ({len(named)} parameter gradients, mindspore.value_and_grad)")
    # the gradients in the checkpoint's own layout: the loaded file, every model tensor replaced by its gradient,
    # so that the converted mm_to_hf maps them to Hugging Face names and layouts as it maps the weights
    from pathlib import Path
    from mscore_rt import serialization
    rel = Path("release") / "mp_rank_00" / "model_optim_rng.pt"
    sd = serialization.load(str(Path(cfg["load"]) / rel), weights_only=False)
    by_name = {k: g for (k, _), g in zip(named, grads)}
    lacking = [k for k, v in sd["model"].items() if v is not None and k not in by_name]
    if lacking:
        raise SystemExit(f"no gradient for checkpoint tensors {lacking[:5]}")
    sd["model"] = {k: by_name[k] for k, v in sd["model"].items() if v is not None}
    dst = Path(cfg["grads"])
    (dst / rel).parent.mkdir(parents=True, exist_ok=True)
    (dst / "latest_checkpointed_iteration.txt").write_text("release")
    serialization.save(sd, str(dst / rel))
    stage(f"gradients written as a checkpoint: {dst}")
else:
    out = model(**inputs)
    stage("forward done")
if isinstance(out, dict):
    shown = {k: (tuple(v.shape), float(v.astype(ms.float32).sum().asnumpy())) for k, v in out.items() if hasattr(v, "shape")}
else:
    shown = {"output": (tuple(out.shape), float(out.astype(ms.float32).sum().asnumpy()))}
print("RESULT", json.dumps(shown))
print("ATTENTION", json.dumps(routes))
logits = out["logits"] if isinstance(out, dict) else out
if cfg.get("dump"):
    np.save(cfg["dump"], logits.astype(ms.float32).asnumpy())
if cfg.get("result"):
    np.savez(cfg["result"], logits=logits.astype(ms.float32).asnumpy(),
             loss=np.asarray(out["loss"].astype(ms.float32).asnumpy()))
finite = all(np.isfinite(v[1]) for v in shown.values())
sys.exit(0 if finite else 3)
'''


def child(out: Path, python: str = sys.executable, *, load: Path | None = None, dump: Path | None = None,
          batch: Path | None = None, result: Path | None = None, grads: Path | None = None, flash: bool = False,
          device: str = "CPU", capture: bool = False, port: int = 29533):
    """Run the tiny build in a child ``python`` with torch hidden: build, ``load`` (strict), one forward on
    ``batch`` (an ``.npz`` of input_ids, pixel_values, image_grid_thw, attention_mask, labels; default: a fixed
    random batch), with ``grads`` also the backward (the gradients written there as a checkpoint in the loaded
    file's layout); logits to ``dump`` (.npy), logits and loss to ``result`` (.npz). ``flash`` adds Megatron's
    ``--use-flash-attn``. Returns the ``subprocess.CompletedProcess`` (output captured when ``capture``)."""
    out = Path(out).resolve()
    repos = [out / n for n in ("MindSpeed-MM", "MindSpeed", "Megatron-LM")]
    if not all(r.is_dir() for r in repos):
        raise ValueError(f"{out} is not a --repo MindSpeed-MM output")
    work = Path(tempfile.mkdtemp(prefix="qwen-tiny-"))
    (work / "model.json").write_text(json.dumps(MODEL, indent=1))
    mm = repos[0]
    cfg = {"mm": str(mm), "device": device, "args": ARGS + [
        "--mm-model", str(work / "model.json"), "--mm-data", str(mm / "examples/qwen2.5vl/data_7b.json"),
        "--mm-tool", str(mm / "mindspeed_mm/tools/tools.json")] + ["--use-flash-attn"] * flash}
    if load:
        cfg["load"] = str(Path(load).resolve())
        cfg["args"] += ["--load", cfg["load"], "--no-load-optim", "--no-load-rng", "--finetune"]
    if grads and not load:
        raise ValueError("grads are written in the layout of the loaded checkpoint: give load too")
    for key, val in (("dump", dump), ("batch", batch), ("result", result), ("grads", grads)):
        if val:
            cfg[key] = str(Path(val).resolve())
    env = dict(os.environ, GLOG_v="4", PYTHONPATH=os.pathsep.join([*map(str, repos), str(ROOT)]),
               MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="1", RANK="0", LOCAL_RANK="0",
               CUDA_DEVICE_MAX_CONNECTIONS="1",   # exported by the quick start's launch script, as here
               # as an activated venv: Megatron's dataset helpers build with `python3 -m pybind11` from PATH
               PATH=os.pathsep.join([str(Path(python).parent), os.environ.get("PATH", "")]))
    return subprocess.run([python, "-c", CHILD, json.dumps(cfg)], env=env, capture_output=capture, text=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a `mscore convert --repo MindSpeed-MM` output")
    ap.add_argument("--python", default=sys.executable, help="interpreter with the stack's third-party packages")
    ap.add_argument("--load", type=Path, help="an mm-convert hf_to_mm output to load with Megatron's load_checkpoint")
    ap.add_argument("--dump", type=Path, help="write the logits here (.npy)")
    ap.add_argument("--batch", type=Path, help="the batch (.npz: input_ids, pixel_values, image_grid_thw, "
                    "attention_mask, labels); default: a fixed random one")
    ap.add_argument("--result", type=Path, help="write logits and loss here (.npz)")
    ap.add_argument("--grads", type=Path, help="run the backward too and write the gradients here as a checkpoint "
                    "in the layout of --load (mm_to_hf maps them to Hugging Face names)")
    ap.add_argument("--use-flash-attn", action="store_true", help="Megatron's --use-flash-attn")
    ap.add_argument("--device", default="CPU", choices=("CPU", "Ascend"),
                    help="MindSpore device (Ascend: written, untested here; no CPU backfill there)")
    args = ap.parse_args()
    try:
        return child(args.out, args.python, load=args.load, dump=args.dump, batch=args.batch, result=args.result,
                     grads=args.grads, flash=args.use_flash_attn, device=args.device).returncode
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
