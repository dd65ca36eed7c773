"""The command line: exit codes, --dry-run, copies, undecodable files, idempotence, never writing into SRC."""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_RULES

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MSCORE_CACHE_DIR=str(Path(cwd or ROOT) / ".cache-test"))
    return subprocess.run([sys.executable, "-m", "mscore", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env)


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "model.py").write_text(
        "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n"
        "        return torch.cat([x, x], 0)\n"
    )
    (src / "pkg" / "left.py").write_text("import torch\nd = torch.cuda.current_device()\n")
    (src / "pkg" / "plain.py").write_text("x = 1\n")
    (src / "README.md").write_text("# hello\n")
    (src / "pkg" / "gbk.py").write_bytes(b"import torch\nx = '\xc4\xe3'\n")       # invalid UTF-8
    (src / "pkg" / "broken.py").write_bytes(b"import torch\ndef f(:\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "fixture.toml").write_bytes(FIXTURE_RULES.read_bytes())
    return tmp_path


def test_help_explains_itself():
    out = run("--help")
    assert out.returncode == 0 and "convert" in out.stdout and "rules" in out.stdout
    out = run("convert", "--help")
    assert out.returncode == 0 and "--dry-run" in out.stdout and "--strict" in out.stdout


def test_convert_writes_tree_and_report(project):
    src, dst = project / "src", project / "out"
    before = tree_hash(src)
    out = run("convert", src, "--out", dst, "--rules", project / "rules", cwd=project)
    assert out.returncode == 0, out.stderr
    assert tree_hash(src) == before
    assert (dst / "README.md").read_bytes() == (src / "README.md").read_bytes()
    # bytes CPython cannot decode (no cookie): the file is copied unchanged and listed, as python would refuse it
    assert (dst / "pkg" / "gbk.py").read_bytes() == (src / "pkg" / "gbk.py").read_bytes()
    assert (dst / "pkg" / "broken.py").read_bytes() == (src / "pkg" / "broken.py").read_bytes()
    model = (dst / "pkg" / "model.py").read_text()
    assert "import torch" not in model and "nn.Cell" in model and "def construct" in model
    report = json.loads((dst / "mscore-report.json").read_text())
    # left.py's reference, and the two torch files copied unchanged (one "(whole file)" reference each)
    assert report["totals"]["unconverted"] == 3
    gaps = {g["api"]: g["locations"] for g in report["unconverted_by_api"]}
    assert gaps["torch.cuda.current_device"] == ["pkg/left.py:2"]
    assert sorted(gaps["(whole file)"]) == ["pkg/broken.py:1", "pkg/gbk.py:1"]
    statuses = {f["path"]: f["status"] for f in report["files"]}
    assert statuses["pkg/broken.py"] == "unparsable" and statuses["pkg/plain.py"] == "unchanged"
    assert statuses["pkg/gbk.py"] == "undecodable"
    assert "conversion rate" in out.stdout


def test_dry_run_writes_nothing(project):
    src, dst = project / "src", project / "out"
    out = run("convert", src, "--dry-run", "--rules", project / "rules", cwd=project)
    assert out.returncode == 0
    assert "+++ b/pkg/model.py" in out.stdout and "-import torch" in out.stdout
    assert not dst.exists()


def test_strict_exit_code(project):
    out = run("convert", project / "src", "--out", project / "o", "--strict", "--rules", project / "rules",
              cwd=project)
    assert out.returncode == 1


def test_idempotent_on_own_output(project):
    run("convert", project / "src", "--out", project / "o1", "--rules", project / "rules", cwd=project)
    run("convert", project / "o1", "--out", project / "o2", "--rules", project / "rules", cwd=project)
    for p in (project / "o1").rglob("*.py"):
        assert (project / "o2" / p.relative_to(project / "o1")).read_bytes() == p.read_bytes()


def test_single_file(project):
    out = run("convert", project / "src" / "pkg" / "model.py", "--out", project / "m.py", "--rules",
              project / "rules", cwd=project)
    assert out.returncode == 0, out.stderr
    assert "mint.cat" in (project / "m.py").read_text()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["convert", "nope"], "does not exist"),
        (["convert", "src"], "give --out"),
        (["convert", "src", "--out", "src/inside"], "inside the source tree"),
        (["convert", "src", "--out", "out", "--rules", "badrules"], "bad.toml:2: [torch.x] status"),
        (["convert", "src", "--out", "notmine"], "not an mscore output"),
    ],
)
def test_bad_input_one_line_nonzero(project, args, needle):
    (project / "badrules").mkdir()
    (project / "badrules" / "bad.toml").write_text('["torch.x"]\nstatus = "nope"\nnote = "n"\n')
    (project / "notmine").mkdir()
    (project / "notmine" / "precious.txt").write_text("keep")
    out = run(*args, cwd=project)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and needle in out.stderr, out.stderr
    assert (project / "notmine" / "precious.txt").read_text() == "keep"
    assert not (project / "src" / "inside").exists()


def test_jobs_do_not_change_output(project):
    for j in ("1", "2"):
        run("convert", project / "src", "--out", project / f"j{j}", "--jobs", j, "--no-cache", "--rules",
            project / "rules", cwd=project)
    assert tree_hash(project / "j1" / "pkg") == tree_hash(project / "j2" / "pkg")


def test_rules_check_and_show(project):
    out = run("rules", "check", "--rules", project / "rules", cwd=project)
    assert out.returncode == 0 and "rules OK" in out.stdout
    out = run("rules", "show", "torch.cat", "--rules", project / "rules", cwd=project)
    assert "mindspore.mint.cat" in out.stdout


def test_rerun_skips_identical_output_refuses_edits_force_repairs(project):
    args = ("convert", project / "src", "--out", project / "o", "--rules", project / "rules")
    run(*args, cwd=project)
    target = project / "o" / "pkg" / "model.py"
    first = target.stat().st_mtime_ns
    run(*args, cwd=project)
    assert target.stat().st_mtime_ns == first          # nothing rewritten
    good = target.read_bytes()
    target.write_text("edited\n")
    refused = run(*args, cwd=project)                   # an edit is the user's: never overwritten silently
    assert refused.returncode == 2 and "pkg/model.py" in refused.stderr and "--force" in refused.stderr
    assert target.read_text() == "edited\n"
    assert run(*args, "--force", cwd=project).returncode == 0
    assert target.read_bytes() == good                  # --force: the output is rewritten whole
