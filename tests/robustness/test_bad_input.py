"""Bad input through the real CLI: one clear line on stderr, a non-zero exit, nothing lost.

Nothing lost means: the source tree is byte-for-byte the same afterwards (hashed before and after every run), and
the output directory is either untouched (absent, or the previous complete output) or the complete new result —
never partial, never leftover temporary directories beside it. We run as root in CI, so "not writable" is made
with a path below a regular file, which fails for root too.
"""
from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_RULES

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd: Path, timeout: float = 300):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MSCORE_CACHE_DIR=str(cwd / ".cache-test"))
    return subprocess.run([sys.executable, "-m", "mscore", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


# the report holds the run's timing and the stamp the written files' mtimes: compared by presence only
RUN_SPECIFIC = {"mscore-report.json", ".mscore-stamp"}


def tree_hash(root: Path, exact: bool = True) -> str:
    """Digest of a tree (names, bytes, modes); ``exact=False`` ignores the contents of the run-specific files."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root)).encode()
        if not exact and p.name in RUN_SPECIFIC and p.parent == root:
            h.update(b"R" + rel + b"\0")
        elif p.is_file():
            h.update(b"F" + rel + b"\0" + p.read_bytes() + b"\0" + oct(p.stat().st_mode).encode())
        elif p.is_dir():
            h.update(b"D" + rel + b"\0")
    return h.hexdigest()


def one_line_error(out, needle: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr[-2000:]
    assert lines[0].startswith("mscore: error: ") and needle in lines[0], lines[0]


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


@pytest.fixture
def work(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "model.py").write_text(
        "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.cat([x, x], 0)\n")
    (src / "pkg" / "plain.py").write_text("x = 1\n")
    (src / "README.md").write_text("# hello\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "fixture.toml").write_bytes(FIXTURE_RULES.read_bytes())
    (tmp_path / "a_file").write_text("I am a regular file\n")
    return tmp_path


# -- rule files ---------------------------------------------------------------------------------------------------

RULE_HEAD = '["torch.cat"]\ntarget = "mindspore.mint.cat"\nstatus = "consistent"\nnote = "x"\n'


@pytest.mark.parametrize(
    "files, needle",
    [
        ({"bad.toml": RULE_HEAD + '\n["torch.x"\nstatus = 1\n'}, "bad.toml:6: malformed TOML"),
        ({"bad.toml": RULE_HEAD + "foo = 1\n"}, "bad.toml:5: [torch.cat] unknown key 'foo'"),
        ({"a.toml": RULE_HEAD, "b.toml": RULE_HEAD}, "b.toml:1: duplicate API 'torch.cat' (first defined at a.toml:1)"),
        ({"bad.toml": RULE_HEAD.replace('"consistent"', '"sort of"')}, "bad.toml:3:"),
        ({"bad.toml": '["torch.cat"]\ntarget = "mindspore.mint.cat"\nsig = "(a, b="\nstatus = "consistent"\n'
                      'note = "x"\n'}, "bad.toml:3:"),
        ({"bad.toml": b"\xff\xfe not utf-8 \x00"}, "bad.toml"),
    ],
)
def test_bad_rule_file(work, files, needle):
    rules = work / "badrules"
    rules.mkdir()
    for name, text in files.items():
        (rules / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    before = tree_hash(work / "src")
    out = run("convert", work / "src", "--out", work / "out", "--rules", rules, cwd=work)
    one_line_error(out, needle)
    assert not (work / "out").exists() and not leftovers(work, "out")
    assert tree_hash(work / "src") == before
    check = run("rules", "check", "--rules", rules, cwd=work)
    one_line_error(check, needle)


def test_missing_rule_dir(work):
    out = run("convert", work / "src", "--out", work / "out", "--rules", work / "no-such-rules", cwd=work)
    one_line_error(out, "no-such-rules")


def test_repeated_parameter_in_sig(work):
    rules = work / "badrules"
    rules.mkdir()
    (rules / "bad.toml").write_text(RULE_HEAD.replace('note = "x"', 'note = "x"\nsig = "(a, a)"'))
    one_line_error(run("rules", "check", "--rules", rules, cwd=work), "bad.toml:5:")


def test_report_that_cannot_be_written(work):
    out = run("convert", work / "src", "--out", work / "out", "--rules", work / "rules", "--report",
              work / "a_file" / "r.json", cwd=work)
    one_line_error(out, "a_file")


# -- output locations ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["a_file/out", "a_file/deeper/out", "a_file"])
def test_out_that_cannot_be_written(work, target):
    before = tree_hash(work / "src")
    out = run("convert", work / "src", "--out", work / target, "--rules", work / "rules", cwd=work)
    one_line_error(out, "a_file")
    assert (work / "a_file").read_text() == "I am a regular file\n"
    assert tree_hash(work / "src") == before
    assert not leftovers(work, "a_file") and not leftovers(work, "out")


def test_single_file_out_that_cannot_be_written(work):
    src_file = work / "src" / "pkg" / "model.py"
    before = src_file.read_bytes()
    out = run("convert", src_file, "--out", work / "a_file" / "m.py", "--rules", work / "rules", cwd=work)
    one_line_error(out, "a_file")
    assert src_file.read_bytes() == before and (work / "a_file").read_text() == "I am a regular file\n"


def test_out_with_user_files_is_refused(work):
    mine = work / "mine"
    mine.mkdir()
    (mine / "precious.txt").write_text("keep me")
    out = run("convert", work / "src", "--out", mine, "--rules", work / "rules", cwd=work)
    one_line_error(out, "not an mscore output")
    assert [p.name for p in mine.iterdir()] == ["precious.txt"] and (mine / "precious.txt").read_text() == "keep me"


# -- a write that fails part-way (in process: the real CLI entry point with a disk that fills up) -----------------

def _failing_writes(monkeypatch, after: int):
    real = Path.write_bytes
    count = [0]

    def write_bytes(self, data):
        count[0] += 1
        if count[0] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    return count


@pytest.mark.parametrize("after", [0, 1, 2, 3])
@pytest.mark.parametrize("previous", [False, True])
def test_write_failure_part_way_leaves_output_untouched(work, monkeypatch, capsys, after, previous):
    from mscore.cli import main

    args = ["convert", str(work / "src"), "--out", str(work / "out"), "--rules", str(work / "rules"), "--no-cache",
            "--jobs", "1"]
    if previous:
        assert main(args) == 0
        (work / "src" / "pkg" / "new.py").write_text("import torch\ny = torch.zeros(2)\n")
    before_out = tree_hash(work / "out") if previous else None
    before_src = tree_hash(work / "src")
    capsys.readouterr()
    count = _failing_writes(monkeypatch, after)
    assert main(args) == 2
    assert count[0] > after   # the failure really happened
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "nothing changed" in err[0], err
    monkeypatch.undo()
    assert tree_hash(work / "src") == before_src
    if previous:
        assert tree_hash(work / "out") == before_out   # the previous complete output, as it was
    else:
        assert not (work / "out").exists()
    assert not leftovers(work, "out")


# -- an interrupted run -------------------------------------------------------------------------------------------

def _big_tree(root: Path, files: int = 80) -> None:
    body = "".join(
        f"    def f{i}(self, x):\n        y = torch.cat([x, x], 0).size(0)\n        return torch.zeros(y, {i}).view(-1)\n"
        for i in range(25))
    for i in range(files):
        d = root / f"pkg{i % 8}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"mod{i}.py").write_text(f"import torch\n\n\nclass M{i}(torch.nn.Module):\n{body}")


@pytest.mark.parametrize("when, previous", [("converting", False), ("writing", True)])
def test_sigint_never_leaves_a_partial_output(work, when, previous):
    big = work / "big"
    _big_tree(big)
    base = ["convert", big, "--rules", work / "rules", "--no-cache", "--jobs", "2", "-q"]
    ref = run(*base, "--out", work / "ref", cwd=work)
    assert ref.returncode == 0, ref.stderr
    if previous:
        assert run(*base, "--out", work / "out", cwd=work).returncode == 0
        (big / "pkg0" / "extra.py").write_text("import torch\nz = torch.cat([a])\n")
        ref = run(*base, "--out", work / "ref", cwd=work)   # what a complete run now gives
    old = tree_hash(work / "out", exact=False) if previous else None
    new = tree_hash(work / "ref", exact=False)
    before = tree_hash(big)

    env = dict(os.environ, PYTHONPATH=str(ROOT), MSCORE_CACHE_DIR=str(work / ".cache-test"))
    proc = subprocess.Popen([sys.executable, "-m", "mscore", *map(str, base), "--out", str(work / "out")],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if when == "converting":
        time.sleep(2.5)   # start-up, then the conversion of 80 files (whatever it hits, the assertions hold)
    else:
        # interrupt as soon as the output is being built beside its destination (or the run has finished)
        while proc.poll() is None and not leftovers(work, "out"):
            time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)

    assert tree_hash(big) == before
    assert not leftovers(work, "out"), leftovers(work, "out")
    state = tree_hash(work / "out", exact=False) if (work / "out").exists() else None
    if proc.returncode == 0:      # it finished before the signal arrived
        assert state == new
    else:
        if proc.returncode == 130:   # caught by the CLI (a signal during interpreter start-up ends it earlier)
            assert stderr.strip().splitlines()[-1].startswith("mscore: interrupted"), stderr[-2000:]
        # untouched (absent, or the previous complete output), or -- when the signal lands after the new output
        # was moved into place, during the clean-up -- the complete new output; never anything in between
        assert state in (old, new)


@pytest.mark.parametrize("fail_at", [1, 2])   # the first rename (dst -> aside) or the second (new -> dst)
@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_failure_between_the_swap_renames_restores_the_output(work, monkeypatch, fail_at, exc):
    """An interrupt or error at either rename of the final swap leaves the previous output in place, whole (the
    two-rename swap used where the atomic exchange is not available)."""
    from mscore import outdir
    from mscore.tree import TreeError, convert_tree, write_tree

    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)

    from mscore.rules import load_rule_file
    from mscore.rules.model import RuleSet
    from mscore.rewrite.transforms import KNOWN

    rules = RuleSet.build(load_rule_file(work / "rules" / "fixture.toml", KNOWN), "f")
    write_tree(convert_tree(work / "src", rules=rules, jobs=1), work / "out", report_json=b"{}")
    before = tree_hash(work / "out")
    (work / "src" / "pkg" / "new.py").write_text("import torch\ny = torch.zeros(2)\n")
    result = convert_tree(work / "src", rules=rules, jobs=1)
    real = os.rename
    calls = [0]

    def rename(a, b):
        calls[0] += 1
        if calls[0] == fail_at:
            raise exc(errno.EIO, "I/O error") if exc is OSError else exc()
        return real(a, b)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(TreeError if exc is OSError else KeyboardInterrupt):
        write_tree(result, work / "out", report_json=b"{}")
    monkeypatch.undo()
    assert calls[0] >= fail_at
    assert tree_hash(work / "out") == before
    assert not leftovers(work, "out")


@pytest.mark.parametrize("where", ["os.chmod", "os.umask"])
def test_interrupt_while_the_temporary_directory_is_set_up_leaves_nothing(work, monkeypatch, where):
    """Ctrl-C right after the temporary output directory was created (the SIGINT test's 'writing' case)."""
    from mscore.rewrite.transforms import KNOWN
    from mscore.rules import load_rule_file
    from mscore.rules.model import RuleSet
    from mscore.tree import convert_tree, write_tree

    rules = RuleSet.build(load_rule_file(work / "rules" / "fixture.toml", KNOWN), "f")
    result = convert_tree(work / "src", rules=rules, jobs=1)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, where.split(".")[1], interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tree(result, work / "out", report_json=b"{}")
    monkeypatch.undo()
    assert not (work / "out").exists() and not leftovers(work, "out")
