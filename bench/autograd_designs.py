"""The two autograd designs on the bundled mini Qwen2.5-VL: value_and_grad restructuring vs MindSpore's tape.

    python bench/autograd_designs.py [--steps 8] [--workdir DIR]

(a) the project as it is: its loop (forward; loss.backward(); clip; optimizer.step()) is a recognised training
    step, converted into a mindspore.value_and_grad closure (mscore/rewrite/statements/training_step.py);
(b) the same project with ``loss.backward()`` moved into a helper function (torch semantics unchanged), which no
    closure can capture: converted statement by statement onto the tape (mscore_rt.autograd: backward, .grad,
    clip_grad_norm_, the optimizer's step reading .grad).
Both run the same weights and data as a torch eager reference; prints per-step losses, each design's parity figures
against torch (step-0 logits, gradients, losses) and the median step time. Timings are wall clock on a shared
machine: compare them within one run.
"""
import argparse
import importlib.util
import os
import shutil
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


def tape_variant(dst):
    """A copy of the example whose backward sits in a helper: same torch program, no recognisable step."""
    shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns("__pycache__"))
    path = os.path.join(dst, "train.py")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.count("        loss.backward()\n") == 1, "train.py changed: update the bench"
    text = text.replace("        loss.backward()\n", "        _backward(loss)\n")
    text = text.replace("\ndef main(argv=None):", "\ndef _backward(loss):\n    loss.backward()\n\n\ndef main(argv=None):")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return dst


def with_runtime(converted):
    """What a conversion ships: mscore/runtime as the package mscore_rt at the root of the output."""
    shutil.copytree(os.path.join(REPO, "mscore", "runtime"), os.path.join(converted, "mscore_rt"),
                    ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    return converted


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--workdir")
    args = p.parse_args(argv)
    rp = _load_run_parity()
    with tempfile.TemporaryDirectory(prefix="autograd_designs_") as tmp:
        work = args.workdir or tmp
        os.makedirs(work, exist_ok=True)
        data_json, ckpt_dir = rp.prepare(work)
        ref = rp.run_torch(data_json, ckpt_dir, args.steps, os.path.join(work, "torch.npz"))
        a_dir = with_runtime(rp.convert(os.path.join(work, "a_value_and_grad"), repo_root=REPO))
        src_b = tape_variant(os.path.join(work, "src_tape"))
        b_dir = os.path.join(work, "b_tape")
        rp.run([sys.executable, "-m", "mscore", "convert", src_b, "--out", b_dir], cwd=REPO)
        with_runtime(b_dir)
        with open(os.path.join(b_dir, "train.py"), encoding="utf-8") as f:
            b_text = f.read()
        assert "from mscore_rt import autograd" in b_text and "autograd.backward(loss)" in b_text and "value_and_grad" not in b_text, "(b) is not the tape"
        got = {}
        for name, d in (("a value_and_grad", a_dir), ("b tape", b_dir)):
            got[name] = rp.run_mindspore(d, data_json, ckpt_dir, args.steps, os.path.join(work, f"{name[0]}.npz"))
    print(f"{'step':>4}  {'torch':>12}  {'(a) value_and_grad':>20}  {'(b) tape':>12}")
    for i in range(args.steps):
        print(f"{i:4d}  {ref['losses'][i]:12.7f}  {got['a value_and_grad']['losses'][i]:20.7f}  "
              f"{got['b tape']['losses'][i]:12.7f}")
    print()
    t_ref = float(np.median(ref["step_times"][1:])) * 1000
    print(f"torch eager: median step {t_ref:.0f} ms")
    for name, g in got.items():
        r = rp.compare(ref, g)
        t = float(np.median(g["step_times"][1:])) * 1000
        print(f"({name}): logits0 max|diff| {r['logits']:.2e}, grads max|diff| {r['grads']:.2e}, "
              f"loss max rel {float(np.max(r['loss_rel'])):.2e}, parity {'OK' if r['ok'] else 'FAILED'}; "
              f"median step {t:.0f} ms")
    a, b = (float(np.median(g["step_times"][1:])) for g in got.values())
    print(f"tape / value_and_grad step time: {b / a:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
