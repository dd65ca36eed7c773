"""``source auto_convert_mm.sh`` in bash: success exports PYTHONPATH; failure returns non-zero, the shell lives on."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.conftest import build_stack

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "auto_convert_mm.sh"
FAKE = Path(__file__).resolve().parent / "pipeline_fake_mscore.py"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture
def env_with_fake_mscore(tmp_path):
    """PATH has an `mscore` command running the real pipeline CLI glue with the fake engine."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "mscore"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    shim.chmod(0o755)
    stack = build_stack(tmp_path / "stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSCORE_", "PYTHONPATH"))}
    env.update(PATH=f"{bindir}:{os.environ['PATH']}", MSCORE_MANIFEST=str(stack.manifest), PYTHONPATH="/pre/existing")
    return env, stack


def bash(cmd: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", cmd], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_source_success_exports_pythonpath(env_with_fake_mscore, tmp_path):
    env, stack = env_with_fake_mscore
    args = " ".join(f"--source {s}" for s in stack.sources())
    out = tmp_path / "converted"
    p = bash(f'set -eu; source "{SCRIPT}" --out "{out}" --cache-dir "{tmp_path}/c" {args}; echo "PP=$PYTHONPATH"',
             env, tmp_path)
    assert p.returncode == 0, p.stderr
    o = out.resolve()
    assert f"PP={o}/MindSpeed-MM:{o}/MindSpeed:{o}/Megatron-LM:/pre/existing" in p.stdout
    assert (out / "mscore.lock").is_file()
    # a second run is a no-op and still exports
    p = bash(f'source "{SCRIPT}" --out="{out}" --cache-dir "{tmp_path}/c" {args} && echo "PP=$PYTHONPATH"', env,
             tmp_path)
    assert p.returncode == 0 and "up to date" in p.stdout and f"PP={o}/MindSpeed-MM:" in p.stdout


def test_source_failure_returns_nonzero_and_shell_survives(env_with_fake_mscore, tmp_path):
    env, _ = env_with_fake_mscore
    p = bash(f'source "{SCRIPT}" --repo-bogus; echo "alive $? PP=$PYTHONPATH"', env, tmp_path)
    assert "alive 2 PP=/pre/existing" in p.stdout
    assert "conversion failed" in p.stderr


def test_source_failure_under_set_e_can_be_handled(env_with_fake_mscore, tmp_path):
    env, _ = env_with_fake_mscore
    p = bash(f'set -e; source "{SCRIPT}" --source Nope=/x || echo "handled $?"; echo alive', env, tmp_path)
    assert p.stdout.splitlines()[-2:] == ["handled 2", "alive"]
    assert "unknown repository 'Nope'" in p.stderr
    # the script leaves no helper function or variable behind
    p = bash(f'source "{SCRIPT}" --bogus; declare -F _mscore_auto_convert; echo "[${{_mscore_rc:-}}]"', env,
             tmp_path)
    assert p.stdout.strip() == "[]"


def test_without_mscore_on_path_uses_python_module(tmp_path):
    env = {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin", "PYTHON": sys.executable, "HOME": str(tmp_path)}
    p = bash(f'source "{SCRIPT}" --repo-bogus; echo "alive $?"', env, tmp_path)
    status = int(p.stdout.strip().rsplit(" ", 1)[-1])
    assert p.stdout.startswith("alive") and status != 0
    assert "conversion failed" in p.stderr


def test_running_instead_of_sourcing_says_so(env_with_fake_mscore, tmp_path):
    env, _ = env_with_fake_mscore
    p = bash(f'bash "{SCRIPT}" --repo-bogus; echo "rc $?"', env, tmp_path)
    assert "source this script" in p.stderr and p.stdout.strip().endswith("rc 2")


def test_source_success_through_python_module_and_real_engine(tmp_path):
    """No `mscore` on PATH: the script runs `python -m mscore` from this checkout (the real CLI and engine)."""
    stack = build_stack(tmp_path / "stack")
    env = {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin", "PYTHON": sys.executable,
           "HOME": str(tmp_path), "MSCORE_MANIFEST": str(stack.manifest)}
    args = " ".join(f"--source {s}" for s in stack.sources())
    out = tmp_path / "o"
    p = bash(f'source "{SCRIPT}" -o "{out}" --cache-dir "{tmp_path}/c" --jobs 1 {args}; echo "rc=$? PP=$PYTHONPATH"',
             env, tmp_path)
    o = out.resolve()
    assert f"rc=0 PP={o}/MindSpeed-MM:{o}/MindSpeed:{o}/Megatron-LM" in p.stdout, p.stderr
    assert "msrun $DISTRIBUTED_ARGS" in (out / "MindSpeed-MM/examples/qwen/finetune.sh").read_text()
