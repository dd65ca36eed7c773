"""python -m mscore.parity list / show."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "mscore.parity", *args], capture_output=True, text=True, cwd=ROOT)


def test_list_and_show(tmp_path):
    (tmp_path / "cases_x.py").write_text(
        "from mscore.parity.case import Case, randn\n"
        "CASES = [Case('torch.cat', 'torch.cat([a, a], 0)', a=randn(2)), Case('torch.cat', 'torch.cat([a])', a=randn(2))]\n")
    res = _run("--cases", str(tmp_path), "list")
    assert res.returncode == 0 and res.stdout.split() == ["torch.cat:0", "torch.cat:1"]
    res = _run("--cases", str(tmp_path), "show", "torch.cat:1")
    assert res.returncode == 0, res.stderr
    assert "=== torch.cat:1" in res.stdout and "torch.cat([a])" in res.stdout and "--- converted source ---" in res.stdout
    assert "torch.cat:0" not in res.stdout


def test_unknown_case_is_one_line_error(tmp_path):
    (tmp_path / "cases_x.py").write_text("CASES = []\n")
    res = _run("--cases", str(tmp_path), "show", "torch.nope:0")
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "torch.nope:0" in res.stderr
