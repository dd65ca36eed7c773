"""Shared by the opt-in tests that run the real converted MindSpeed-MM stack (``test_real_stack_*``).

They need the three upstream checkouts and an interpreter with MindSpore and the stack's third-party packages but
no torch, which CI does not have. Set

    MSCORE_STACK_SOURCES=/dir/with/MindSpeed-MM,MindSpeed,Megatron-LM
    MSCORE_STACK_PYTHON=/venv-without-torch/bin/python
    MSCORE_STACK_EXTRA_PATH=/dir/with/transformers-4.49   (optional, ':'-separated; for the converted side)

Without them the tests are skipped, saying so. Each converts the stack itself (``--no-cache``).
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

needs_stack = pytest.mark.skipif(
    not (SOURCES and PYTHON and all((Path(SOURCES) / r).is_dir() for r in REPOS)),
    reason="needs MSCORE_STACK_SOURCES (MindSpeed-MM, MindSpeed, Megatron-LM checkouts) and MSCORE_STACK_PYTHON "
           "(MindSpore + the stack's packages, no torch)")


def convert(out: Path) -> Path:
    """``mscore convert --repo MindSpeed-MM`` of the checkouts into ``out``."""
    cmd = [sys.executable, "-m", "mscore", "convert", "--repo", "MindSpeed-MM", "--out", str(out), "--no-cache",
           "-q"] + [a for r in REPOS for a in ("--source", f"{r}={Path(SOURCES) / r}")]
    subprocess.run(cmd, check=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return out


def run_bench(name: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    """``bench/NAME OUT --python $MSCORE_STACK_PYTHON ARGS --extra-path ...`` with its output captured."""
    cmd = [sys.executable, str(ROOT / "bench" / name), str(out), "--python", PYTHON, *args,
           *[a for p in EXTRA for a in ("--extra-path", p)]]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
