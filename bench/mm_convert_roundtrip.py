#!/usr/bin/env python
"""The converted MindSpeed-MM's checkpoint converter (``mm-convert``), run without torch, on a tiny Qwen2.5-VL.

    mscore convert --repo MindSpeed-MM --source ... --out OUT
    python bench/mm_convert_roundtrip.py OUT --python /path/to/venv-without-torch/bin/python \\
        [--extra-path DIR] [--work DIR] [--dtype float32 bfloat16]

For each dtype: a tiny Hugging Face Qwen2.5-VL checkpoint is written by transformers itself (this interpreter: it
needs torch and transformers >= 4.49, ``bench/tiny_qwen2_5_vl_hf.py``), then for each pipeline layout

- PP 1: ``hf_to_mm --cfg.parallel_config.llm_pp_layers [[2]] --cfg.parallel_config.vit_pp_layers [[2]]``
- PP 2: ``llm_pp_layers [[1,1]]``, ``vit_pp_layers [[2,0]]`` (the vision tower on stage 0)
- TP 2 x PP 2: the same with ``tp_size 2`` (4 files, the QKV / GLU / row / column splits)

the CONVERTED tree's ``python -m checkpoint.convert_cli Qwen2_5_VLConverter hf_to_mm`` runs in ``--python`` (an
interpreter with the stack's third-party packages and MindSpore, no torch; ``--extra-path`` goes on its path after
the converted repositories, e.g. a transformers 4.49 that knows Qwen2.5-VL), on CPU under the backfill runner
(``python -m mscore.backfill -m checkpoint.convert_cli``: the TP split clones tensors and the CPU wheel has no
Clone kernel; ``--no-backfill`` runs it bare, which is enough for TP 1); the written files are opened by the converted Megatron's own
loader code (``get_checkpoint_name`` per stage, ``_load_base_checkpoint`` for rank 0, which reads through the
converted ``torch.load``); then ``mm_to_hf`` writes Hugging Face files back, and every tensor is compared with the
original bit for bit (same names, shapes, dtypes, bytes, same shard per tensor as the index says, ``format=pt``
metadata), and transformers' ``from_pretrained`` loads the round-tripped directory.

With ``--reference SRC`` (the upstream MindSpeed-MM checkout; ``--reference-path`` adds e.g. jsonargparse), the
upstream torch ``hf_to_mm`` runs on the same files in this interpreter and every stage file of the converted run is
compared with upstream's, tensor by tensor (names, dtypes, shapes, bytes): the round trip alone would not see an
error made the same way in both directions.

Prints one line per check and a summary; exit status 0 only when everything matched.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

LAYOUTS = {
    "pp1": {"to_mm": (["[[2]]", "[[2]]"]), "to_hf": (["[2]", "[2]"]), "stages": 1, "tp": 1},
    "pp2": {"to_mm": (["[[1,1]]", "[[2,0]]"]), "to_hf": (["[1,1]", "[2,0]"]), "stages": 2, "tp": 1},
    "tp2pp2": {"to_mm": (["[[1,1]]", "[[2,0]]"]), "to_hf": (["[1,1]", "[2,0]"]), "stages": 2, "tp": 2},
}

# run inside the converted tree, no torch: Megatron's own loader code locates and reads what hf_to_mm wrote
INSPECT = r'''
import json, sys
mm, stages, tp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
import mindspeed.megatron_adaptor  # noqa: F401  (as mm_to_hf does: the patched Megatron)
from megatron.training import checkpointing as ck
out = {"stages": []}
for tp_rank, rank in [(t, r) for t in range(tp) for r in range(stages)]:
    name = ck.get_checkpoint_name(mm, 0, release=True, pipeline_parallel=stages > 1, tensor_rank=tp_rank,
                                  pipeline_rank=rank, expert_parallel=False, expert_rank=0)
    sd = ck.serialization.load(name, map_location="cpu")      # the call _load_base_checkpoint makes
    model = sd["model"]
    out["stages"].append({
        "file": name, "pp": rank, "tp": tp_rank, "top": sorted(sd), "checkpoint_version": sd.get("checkpoint_version"),
        "keys": {k: [type(v).__name__, str(v.dtype), list(v.shape)] for k, v in model.items()},
    })
sd, name, release = ck._load_base_checkpoint(mm, rank0=True)[:3]
out["base"] = {"file": name, "release": release, "n": len(sd["model"])}
print("JSON" + json.dumps(out))
'''


def run(cmd, env, cwd, label):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        print(f"FAIL {label} ({dt:.1f} s):\n{p.stderr[-4000:]}")
        raise SystemExit(1)
    return p.stdout, dt


def child_env(out: Path, extra: list[str]):
    env = dict(os.environ)
    repos = [str(out / r) for r in ("MindSpeed-MM", "MindSpeed", "Megatron-LM")]
    env["PYTHONPATH"] = os.pathsep.join(repos + extra)
    env.setdefault("GLOG_v", "4")
    env["JSONARGPARSE_DEPRECATION_WARNINGS"] = "off"
    return env


def converted_cli(out: Path, python: str, extra_path: list[str], backfill: bool = True):
    """(command prefix, env, cwd) that run the CONVERTED tree's ``checkpoint.convert_cli Qwen2_5_VLConverter`` in
    ``python`` (no torch), under the CPU backfill runner unless ``backfill`` is false."""
    env = child_env(out.resolve(), [str(Path(p).resolve()) for p in extra_path])
    if backfill:        # the CPU route: mscore on the path, the converted CLI run under the backfill runner
        env["PYTHONPATH"] += os.pathsep + str(ROOT.parent)
    runner = ["-m", "mscore.backfill"] if backfill else []
    return [python, *runner, "-m", "checkpoint.convert_cli", "Qwen2_5_VLConverter"], env, str(out / "MindSpeed-MM")


def hf_to_mm(conv, hf: Path, mm: Path, llm: str, vit: str, tp: int, label: str) -> float:
    """The converted ``hf_to_mm`` (``conv`` from :func:`converted_cli`); returns the seconds it took."""
    cli, env, cwd = conv
    return run(cli + ["hf_to_mm", "--cfg.mm_dir", str(mm), "--cfg.hf_config.hf_dir", str(hf),
                      "--cfg.parallel_config.llm_pp_layers", llm, "--cfg.parallel_config.vit_pp_layers", vit,
                      "--cfg.parallel_config.tp_size", str(tp)], env, cwd, label)[1]


def mm_to_hf(conv, hf: Path, mm: Path, back: Path, llm: str, vit: str, tp: int, label: str) -> float:
    """The converted ``mm_to_hf``: ``mm`` back to Hugging Face files in ``back`` (``hf`` gives the config and the
    shard index); returns the seconds it took."""
    cli, env, cwd = conv
    return run(cli + ["mm_to_hf", "--cfg.mm_dir", str(mm), "--cfg.hf_config.hf_dir", str(hf),
                      "--cfg.save_hf_dir", str(back), "--cfg.parallel_config.llm_pp_layers", llm,
                      "--cfg.parallel_config.vit_pp_layers", vit, "--cfg.parallel_config.tp_size", str(tp)],
               env, cwd, label)[1]


def compare(orig: Path, back: Path):
    """Every tensor of ``orig`` against ``back``: (n compared, n bit-identical, max abs diff, problems)."""
    import torch
    from safetensors import safe_open

    def read(d):
        tensors, shard_of, meta = {}, {}, {}
        for f in sorted(d.glob("*.safetensors")):
            with safe_open(str(f), framework="pt") as h:
                meta[f.name] = h.metadata()
                for k in h.keys():
                    tensors[k] = h.get_tensor(k)
                    shard_of[k] = f.name
        return tensors, shard_of, meta

    a, a_shard, _ = read(orig)
    b, b_shard, b_meta = read(back)
    problems = []
    if set(a) != set(b):
        problems.append(f"names differ: missing {sorted(set(a) - set(b))[:5]}, extra {sorted(set(b) - set(a))[:5]}")
    index = json.loads((orig / "model.safetensors.index.json").read_text())["weight_map"]
    moved = [k for k in b if b_shard.get(k) != index.get(k)]
    if moved:
        problems.append(f"{len(moved)} tensors in another shard than the index says, e.g. {moved[:3]}")
    bad_meta = {f: m for f, m in b_meta.items() if (m or {}).get("format") != "pt"}
    if bad_meta:
        problems.append(f"metadata without format=pt: {bad_meta}")
    same, worst, worst_name = 0, 0.0, ""
    for k in sorted(set(a) & set(b)):
        x, y = a[k], b[k]
        if x.dtype != y.dtype or x.shape != y.shape:
            problems.append(f"{k}: {x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)}")
            continue
        if torch.equal(x.contiguous().view(torch.uint8), y.contiguous().view(torch.uint8)):
            same += 1
        d = (x.double() - y.double()).abs().max().item() if x.numel() else 0.0
        if d > worst or not worst_name:
            worst, worst_name = d, k
    n = len(set(a) & set(b))
    if same != n:
        problems.append(f"{n - same} tensors not bit-identical")
    return n, same, worst, worst_name, problems


def against_upstream(ours: Path, ref: Path, stages: int, tp: int):
    """Each stage file of the converted run (read by mscore_rt.serialization) against upstream's (torch.load)."""
    import numpy as np
    import torch

    from mscore.runtime import serialization

    problems, n = [], 0
    for tp_rank, rank in [(t, r) for t in range(tp) for r in range(stages)]:
        sub = f"mp_rank_{tp_rank:02d}" + (f"_{rank:03d}" if stages > 1 else "")
        a = serialization.load(str(ours / "release" / sub / "model_optim_rng.pt"), weights_only=False)
        b = torch.load(str(ref / "release" / sub / "model_optim_rng.pt"), map_location="cpu", weights_only=False)
        if sorted(a) != sorted(b) or a.get("checkpoint_version") != b.get("checkpoint_version"):
            problems.append(f"stage {rank}: top level {sorted(a)} vs upstream {sorted(b)}")
        ma, mb = a["model"], b["model"]
        if list(ma) != list(mb):
            problems.append(f"stage {rank}: keys differ from upstream (order or names): "
                            f"{sorted(set(ma) ^ set(mb))[:4]}")
        for k in set(ma) & set(mb):
            x, y = ma[k], mb[k]
            yb = y.contiguous().view(torch.uint8).numpy().tobytes()
            xb = np.ascontiguousarray(x.asnumpy()).tobytes()
            same_dtype = str(y.dtype).split(".")[-1] == str(x.dtype).lower()      # torch.bfloat16 / BFloat16
            if not same_dtype or list(x.shape) != list(y.shape) or xb != yb:
                problems.append(f"stage {rank}: {k} differs from upstream ({x.dtype}{list(x.shape)} vs "
                                f"{y.dtype}{list(y.shape)})")
            n += 1
    return n, problems


def run_upstream(src: Path, extra: list[str], hf: Path, mm: Path, llm: str, vit: str, tp: int):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(src)] + extra)
    env["JSONARGPARSE_DEPRECATION_WARNINGS"] = "off"
    run([sys.executable, "-m", "checkpoint.convert_cli", "Qwen2_5_VLConverter", "hf_to_mm", "--cfg.mm_dir", str(mm),
         "--cfg.hf_config.hf_dir", str(hf), "--cfg.parallel_config.llm_pp_layers", llm,
         "--cfg.parallel_config.vit_pp_layers", vit, "--cfg.parallel_config.tp_size", str(tp)], env, str(src),
        "upstream hf_to_mm")


def hf_loads(back: Path, dtype: str):
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration

    _, info = Qwen2_5_VLForConditionalGeneration.from_pretrained(
        str(back), torch_dtype=getattr(torch, dtype), output_loading_info=True)
    return {k: v for k, v in info.items() if v}


def expected_stage_keys(hf_names: list[str], stages: int):
    """Which top-level MindSpeed-MM prefixes each stage must hold, for the layouts above."""
    if stages == 1:
        return [{"image_encoder.", "text_decoder.embedding.", "text_decoder.decoder.layers.0.",
                 "text_decoder.decoder.layers.1.", "text_decoder.decoder.final_layernorm.",
                 "text_decoder.output_layer."}]
    return [{"image_encoder.", "text_decoder.embedding.", "text_decoder.decoder.layers.0."},
            {"text_decoder.decoder.layers.0.", "text_decoder.decoder.final_layernorm.", "text_decoder.output_layer."}]


def check_stages(info, stages, tp):
    problems = []
    if len(info["stages"]) != stages * tp:
        problems.append(f"{len(info['stages'])} stage files, expected {stages * tp}")
    for st in info["stages"]:
        rank, want = st["pp"], expected_stage_keys([], stages)[st["pp"]]
        keys = st["keys"]
        have = {p for p in want if any(k.startswith(p) for k in keys)}
        if have != want:
            problems.append(f"stage {rank} lacks {sorted(want - have)}")
        stray = [k for k in keys if not any(k.startswith(p) for p in want)]
        if stray:
            problems.append(f"stage {rank} holds {stray[:4]}")
        if st["checkpoint_version"] != 3.0:
            problems.append(f"stage {rank} checkpoint_version {st['checkpoint_version']}")
        kinds = {v[0] for v in keys.values()}
        if not kinds <= {"Tensor", "Parameter"}:
            problems.append(f"stage {rank} values {kinds}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="the converted output (mscore convert --out)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the converted side (no torch)")
    ap.add_argument("--extra-path", action="append", default=[], help="prepended to the converted side's path")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--dtype", nargs="+", default=["float32", "bfloat16"], choices=["float32", "bfloat16"])
    ap.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    ap.add_argument("--no-backfill", dest="backfill", action="store_false",
                    help="run the converted CLI without the CPU backfill (TP > 1 then fails: no CPU Clone kernel)")
    ap.add_argument("--reference", type=Path, default=None, help="upstream MindSpeed-MM source (torch side)")
    ap.add_argument("--reference-path", action="append", default=[], help="added to the upstream run's path")
    a = ap.parse_args(argv)
    import tiny_qwen2_5_vl_hf as tiny

    work = a.work or Path(tempfile.mkdtemp(prefix="mm-convert-rt-"))
    conv = converted_cli(a.out, a.python, a.extra_path, a.backfill)
    _, env, cwd = conv
    failures, rows = 0, []
    for dtype in a.dtype:
        hf = work / f"hf-{dtype}"
        if not (hf / "model.safetensors.index.json").exists():
            tiny.write(hf, seed=0, shards=2, dtype=dtype)
        for layout in a.layouts:
            spec = LAYOUTS[layout]
            mm, back = work / f"mm-{dtype}-{layout}", work / f"hf-back-{dtype}-{layout}"
            ref = work / f"mm-upstream-{dtype}-{layout}"
            for d in (mm, back, ref):
                if d.exists():
                    subprocess.run(["rm", "-rf", str(d)], check=True)
            t_mm = hf_to_mm(conv, hf, mm, *spec["to_mm"], spec["tp"], f"hf_to_mm {dtype} {layout}")
            out, _ = run([a.python, "-c", INSPECT, str(mm), str(spec["stages"]), str(spec["tp"])], env, cwd,
                         f"Megatron loader {dtype} {layout}")
            info = json.loads(out.split("JSON", 1)[1])
            problems = check_stages(info, spec["stages"], spec["tp"])
            upstream = ""
            if a.reference:
                run_upstream(a.reference.resolve(), [str(Path(p).resolve()) for p in a.reference_path], hf, ref,
                             *spec["to_mm"], spec["tp"])
                n_up, up_problems = against_upstream(mm, ref, spec["stages"], spec["tp"])
                problems += up_problems
                upstream = f"; {n_up - len(up_problems)}/{n_up} stage tensors identical to upstream torch hf_to_mm"
            t_hf = mm_to_hf(conv, hf, mm, back, *spec["to_hf"], spec["tp"], f"mm_to_hf {dtype} {layout}")
            n, same, worst, worst_name, diff_problems = compare(hf, back)
            problems += diff_problems
            missing = hf_loads(back, dtype)
            if missing:
                problems.append(f"from_pretrained: {missing}")
            stage_desc = ", ".join(f"{Path(s['file']).parent.name}: {len(s['keys'])} tensors" for s in info["stages"])
            print(f"{dtype:8s} {layout}: hf_to_mm {t_mm:.1f} s -> {stage_desc}; Megatron _load_base_checkpoint(rank0) "
                  f"read {Path(info['base']['file']).parent.name} ({info['base']['n']} tensors){upstream}; mm_to_hf "
                  f"{t_hf:.1f} s; {same}/{n} tensors bit-identical, max abs diff {worst:.3g}"
                  + (f" ({worst_name})" if worst else "") + "; from_pretrained ok" * (not missing))
            for p in problems:
                print(f"    PROBLEM {p}")
            failures += bool(problems)
            rows.append((dtype, layout, n, same, worst))
    total = sum(r[2] for r in rows)
    print(f"summary: {len(rows)} round trips, {total} tensors compared, "
          f"{sum(r[3] for r in rows)} bit-identical, max abs diff {max((r[4] for r in rows), default=0.0):.3g}; "
          f"{'all matched' if not failures else f'{failures} round trips with problems'} (work dir {work})")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
