"""The converted MindSpeed-MM stack against Hugging Face's Qwen2.5-VL: the whole route of
``bench/qwen2_5_vl_hf_parity.py`` (tiny HF checkpoint -> converted mm-convert -> converted VLMModel built as
pretrain_vlm builds it, strict Megatron load -> forward and backward vs transformers), both attention paths.

Opt-in: it needs the three upstream checkouts and an interpreter with MindSpore and the stack's third-party packages
but no torch, which CI does not have. Set

    MSCORE_STACK_SOURCES=/dir/with/MindSpeed-MM,MindSpeed,Megatron-LM
    MSCORE_STACK_PYTHON=/venv-without-torch/bin/python
    MSCORE_STACK_EXTRA_PATH=/dir/with/transformers-4.49   (optional, ':'-separated; for the converted mm-convert)

Without them the test is skipped, saying so. It converts the stack itself (``--no-cache``), about 2 minutes here.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = os.environ.get("MSCORE_STACK_SOURCES")
PYTHON = os.environ.get("MSCORE_STACK_PYTHON")
EXTRA = [p for p in os.environ.get("MSCORE_STACK_EXTRA_PATH", "").split(os.pathsep) if p]
REPOS = ("MindSpeed-MM", "MindSpeed", "Megatron-LM")

pytestmark = pytest.mark.skipif(
    not (SOURCES and PYTHON and all((Path(SOURCES) / r).is_dir() for r in REPOS)),
    reason="needs MSCORE_STACK_SOURCES (MindSpeed-MM, MindSpeed, Megatron-LM checkouts) and MSCORE_STACK_PYTHON "
           "(MindSpore + the stack's packages, no torch)")


def test_converted_stack_matches_hugging_face(tmp_path):
    pytest.importorskip("transformers", minversion="4.49")
    out = tmp_path / "conv"
    cmd = [sys.executable, "-m", "mscore", "convert", "--repo", "MindSpeed-MM", "--out", str(out), "--no-cache",
           "-q"] + [a for r in REPOS for a in ("--source", f"{r}={Path(SOURCES) / r}")]
    subprocess.run(cmd, check=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    bench = [sys.executable, str(ROOT / "bench" / "qwen2_5_vl_hf_parity.py"), str(out), "--python", PYTHON,
             "--work", str(tmp_path / "work"), *[a for p in EXTRA for a in ("--extra-path", p)]]
    p = subprocess.run(bench, cwd=ROOT, capture_output=True, text=True)
    report = p.stdout + p.stderr[-3000:]
    assert p.returncode == 0, report
    rows = {line.split("|")[1].strip(): line for line in p.stdout.splitlines()
            if line.startswith(("| plain ", "| flash "))}
    assert set(rows) == {"plain", "flash"}, report
    assert all(line.rstrip().endswith("| ok |") for line in rows.values()), report
    assert "PARITY OK" in p.stdout, report
