"""mindspore.jit compiles the converted mini Qwen2.5-VL (CI-sized: one decoder layer under ast capture, one
training step's forward + gradients under bytecode capture) and computes what PyNative computes.

Guards the converter's output against forms that run in PyNative but not in graph mode (Tensor.transpose(d0, d1)
is the permutation form there, Tensor.expand takes a shape tensor) and the backfill against graph-hostile code.
No timing is asserted (bench/e2e_qwen2_5_vl_mini.py measures speed).
"""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("mindspore")

from ._example import REPO_ROOT, load_run_parity  # noqa: E402


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    rp = load_run_parity()
    d = tmp_path_factory.mktemp("qwen_mini_jit")
    data_json, ckpt_dir = rp.prepare(str(d), num_records=2)
    env = dict(os.environ, MSCORE_CACHE_DIR=str(d / "cache"))
    project = str(d / "converted")
    subprocess.run([sys.executable, "-m", "mscore", "convert", rp.HERE, "--out", project], cwd=REPO_ROOT,
                   env=env, check=True, capture_output=True)
    out = d / "jit.json"
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_jit_worker.py")
    proc = subprocess.run([sys.executable, "-c", rp.RUNNER, worker, project, ckpt_dir, data_json, str(out)],
                          cwd=str(d), env=dict(env, GLOG_v="4"), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("piece", ["ast_decoder_layer", "bytecode_training_step"])
def test_jit_compiles_and_matches_pynative(report, piece):
    r = report[piece]
    assert r["n_grads"] > 0
    assert abs(r["loss_jit"] - r["loss_pynative"]) <= 1e-5 * max(1.0, abs(r["loss_pynative"])), r
    assert r["grad_max_abs_diff"] <= 1e-5, r
