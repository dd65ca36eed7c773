"""Convert this example to MindSpore with mscore, train both versions a few steps, print the parity table.

    python examples/qwen2_5_vl_mini/run_parity.py [--steps 20] [--workdir DIR]

Steps: synthetic LLaVA-Instruct data -> MLLM format; a seeded safetensors checkpoint; torch training (fp32,
dropout off); `python -m mscore convert` of this folder; the converted training in a process where any
`import torch` fails; then the comparison: step-0 logits and gradients (max abs diff) and every step's loss
(relative diff). Exit status 0 when everything is within tolerance, 1 when not, 2 when a stage fails.
This file itself uses neither torch nor MindSpore: each framework runs in its own subprocess.
"""
import argparse
import ast
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LOGITS_ATOL = 1e-5
GRAD_ATOL = 1e-5
LOSS_RTOL = 1e-4

# Installed before anything else in the MindSpore process: converted code must not reach torch.
RUNNER = r"""
import importlib.abc, os, runpy, sys

class _TorchBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch.") or name == "torch_npu" or name.startswith("torch_npu."):
            raise ImportError(f"import of {name!r} is blocked: the converted project must not use torch")
        return None

sys.meta_path.insert(0, _TorchBlocker())
os.environ.setdefault("GLOG_v", "4")
import mindspore
mindspore.set_device("CPU")
if os.environ.get("MSCORE_E2E_LAUNCH_BLOCKING") == "1":
    mindspore.runtime.launch_blocking()  # op errors surface at the op that failed
if os.environ.get("MSCORE_E2E_BACKFILL", "1") == "1":
    try:
        import mscore.backfill as _backfill
    except ImportError as e:
        print(f"note: CPU backfill not available ({e})", file=sys.stderr)
    else:
        _backfill.enable()
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
try:
    import mscore_rt  # the runtime helpers the converted code imports, written beside it by the converter
except ImportError:   # a conversion without its copy: the same modules from the installed mscore (mscore/runtime)
    import mscore.runtime as _rt
    sys.modules["mscore_rt"] = _rt
runpy.run_path(script, run_name="__main__")
"""


class StageError(RuntimeError):
    pass


def run(cmd, cwd=None, env=None, timeout=1800):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
        shown = ["<torch-blocking runner>" if a == RUNNER else a for a in cmd]
        raise StageError(f"command failed ({proc.returncode}): {' '.join(shown)}\n" + "\n".join(tail))
    return proc


def prepare(workdir, num_records=8, seed=0, python=sys.executable):
    """Synthetic data in MLLM format and the seeded checkpoint; returns (data_json, ckpt_dir)."""
    data_dir = os.path.join(workdir, "data")
    ckpt_dir = os.path.join(workdir, "ckpt")
    run([python, os.path.join(HERE, "tools", "make_synthetic_data.py"), data_dir, "--num", str(num_records),
         "--seed", str(seed)])
    data_json = os.path.join(data_dir, "mllm_format_llava_instruct_data.json")
    run([python, os.path.join(HERE, "tools", "llava_to_mllm.py"), os.path.join(data_dir, "llava_instruct.json"),
         "--image-dir", os.path.join(data_dir, "images"), "--out", data_json, "--force"])
    run([python, os.path.join(HERE, "tools", "make_checkpoint.py"), ckpt_dir, "--seed", str(seed)])
    return data_json, ckpt_dir


def train_args(data_json, ckpt_dir, steps, dump, extra=()):
    return ["--model-dir", ckpt_dir, "--data", data_json, "--steps", str(steps), "--dump", dump,
            "--dropout", "0", "--quiet", *extra]


def run_torch(data_json, ckpt_dir, steps, dump, python=sys.executable, extra=()):
    run([python, os.path.join(HERE, "train.py"), *train_args(data_json, ckpt_dir, steps, dump, extra)])
    return dict(np.load(dump))


def convert(out_dir, python=sys.executable, repo_root=None):
    """`python -m mscore convert` this folder into out_dir."""
    run([python, "-m", "mscore", "convert", HERE, "--out", out_dir], cwd=repo_root)
    return out_dir


def torch_imports(tree_dir):
    """(file, line, module) for every import of torch / torch_npu left in the converted tree."""
    found = []
    for root, _dirs, files in os.walk(tree_dir):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), filename=path)
            for node in ast.walk(tree):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    mods = [node.module]
                for mod in mods:
                    if mod.split(".")[0] in ("torch", "torch_npu"):
                        found.append((os.path.relpath(path, tree_dir), node.lineno, mod))
    return found


def run_mindspore(converted_dir, data_json, ckpt_dir, steps, dump, python=sys.executable, extra=(), env=None):
    env = dict(os.environ if env is None else env)
    env.setdefault("GLOG_v", "4")
    run([python, "-c", RUNNER, os.path.join(converted_dir, "train.py"),
         *train_args(data_json, ckpt_dir, steps, dump, extra)], env=env)
    return dict(np.load(dump))


def compare(ref, got):
    """Parity figures between two dumps: {'logits': max abs diff, 'grads': max abs diff, 'grad_worst': name,
    'loss_rel': per-step relative diffs, 'missing': keys in ref but not in got, 'ok': bool}."""
    out = {"missing": sorted(k for k in ref if k not in got and k != "step_times")}
    out["logits"] = float(np.max(np.abs(ref["logits0"] - got["logits0"]))) if "logits0" in got else float("inf")
    grad_keys = [k for k in ref if k.startswith("grad.")]
    worst, worst_name = 0.0, None
    for k in grad_keys:
        if k not in got or got[k].shape != ref[k].shape:
            worst, worst_name = float("inf"), k
            break
        d = float(np.max(np.abs(ref[k] - got[k])))
        if d > worst or worst_name is None:
            worst, worst_name = d, k
    out["grads"], out["grad_worst"] = worst, worst_name
    if "losses" in got and got["losses"].shape == ref["losses"].shape:
        out["loss_rel"] = np.abs(ref["losses"] - got["losses"]) / np.maximum(np.abs(ref["losses"]), 1e-12)
    else:
        out["loss_rel"] = np.full(ref["losses"].shape, np.inf)
    out["ok"] = (not out["missing"] and out["logits"] <= LOGITS_ATOL and out["grads"] <= GRAD_ATOL
                 and bool(np.all(out["loss_rel"] <= LOSS_RTOL)))
    return out


def format_table(ref, got, result):
    lines = [f"{'step':>4}  {'torch loss':>12}  {'mindspore loss':>14}  {'rel diff':>9}"]
    for i, rel in enumerate(result["loss_rel"]):
        ms_loss = got["losses"][i] if "losses" in got and i < len(got["losses"]) else float("nan")
        lines.append(f"{i:>4}  {ref['losses'][i]:>12.6f}  {ms_loss:>14.6f}  {rel:>9.2e}")
    lines.append("")
    lines.append(f"step-0 logits   max abs diff {result['logits']:.2e}  (tolerance {LOGITS_ATOL:g})")
    lines.append(f"step-0 grads    max abs diff {result['grads']:.2e}  (tolerance {GRAD_ATOL:g}; worst "
                 f"{result['grad_worst']})")
    lines.append(f"losses          max rel diff {float(np.max(result['loss_rel'])):.2e}  (tolerance {LOSS_RTOL:g})")
    if "step_times" in ref and "step_times" in got and len(ref["step_times"]) > 1:
        t_ref = float(np.median(ref["step_times"][1:])) * 1000
        t_got = float(np.median(got["step_times"][1:])) * 1000
        lines.append(f"median step     torch {t_ref:.1f} ms   mindspore {t_got:.1f} ms   ratio {t_got / t_ref:.2f}")
    if result["missing"]:
        lines.append(f"missing in the MindSpore dump: {', '.join(result['missing'][:8])}")
    lines.append("PARITY OK" if result["ok"] else "PARITY FAILED")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--workdir", help="keep everything here (default: a temporary folder, removed)")
    p.add_argument("--ms-project", help="skip the conversion and run this MindSpore tree instead (e.g. the "
                                        "an already converted tree)")
    args = p.parse_args(argv)
    repo_root = os.path.dirname(os.path.dirname(HERE))
    with tempfile.TemporaryDirectory(prefix="qwen_mini_parity_") as tmp:
        workdir = args.workdir or tmp
        os.makedirs(workdir, exist_ok=True)
        try:
            print("preparing data and checkpoint ...", flush=True)
            data_json, ckpt_dir = prepare(workdir)
            print(f"training {args.steps} steps with torch ...", flush=True)
            ref = run_torch(data_json, ckpt_dir, args.steps, os.path.join(workdir, "torch.npz"))
            if args.ms_project:
                converted = os.path.abspath(args.ms_project)
                print(f"using {converted} (not converted now)", flush=True)
            else:
                print("converting with mscore ...", flush=True)
                converted = convert(os.path.join(workdir, "converted"), repo_root=repo_root)
            left = torch_imports(converted)
            if left:
                where = ", ".join(f"{f}:{n} ({m})" for f, n, m in left[:6])
                raise StageError(f"the converted project still imports torch: {where}")
            print(f"training {args.steps} steps with MindSpore (torch blocked) ...", flush=True)
            got = run_mindspore(converted, data_json, ckpt_dir, args.steps, os.path.join(workdir, "mindspore.npz"))
        except (StageError, OSError, subprocess.TimeoutExpired) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        result = compare(ref, got)
        print(format_table(ref, got, result))
        return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
