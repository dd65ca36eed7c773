"""Progress on a terminal (rich) for long work, and nothing extra anywhere else."""
from __future__ import annotations

import io
import re

from rich.console import Console

from mscore.cli import main
from mscore.progress import NullProgress, TerminalProgress, for_console
from mscore.tree import convert_tree
from tests.pipeline.conftest import build_stack

ANSI = re.compile(r"\x1b\[")


def _tree(root, n=12):
    for i in range(n):
        (root / "pkg" / f"m{i}.py").parent.mkdir(parents=True, exist_ok=True)
        (root / "pkg" / f"m{i}.py").write_text(f"import torch\n\n\ndef f{i}(x):\n    return torch.cat([x, x])\n")
    (root / "README.md").write_text("not python\n")
    return root


def _terminal():
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=120, color_system="standard"), buf


def test_for_console_picks_by_terminal():
    term, _ = _terminal()
    assert isinstance(for_console(term), TerminalProgress)
    assert type(for_console(term, enabled=False)) is NullProgress               # --quiet / --json
    assert type(for_console(Console(file=io.StringIO()))) is NullProgress       # a pipe or a file
    assert type(for_console(None)) is NullProgress


def test_convert_tree_reports_every_file(tmp_path):
    src = _tree(tmp_path / "src")
    for jobs, cache in ((1, None), (2, tmp_path / "cache"), (2, tmp_path / "cache")):   # serial, pool, cache hits
        calls = []
        convert_tree(src, jobs=jobs, cache_dir=cache, progress=lambda done, total: calls.append((done, total)))
        assert sum(d for d, _ in calls) == 12 and {t for _, t in calls} == {12}


def test_terminal_progress_shows_stage_count_and_rate(tmp_path):
    console, buf = _terminal()
    src = _tree(tmp_path / "src")
    with TerminalProgress(console) as p:
        p.stage("converting src")
        convert_tree(src, jobs=1, progress=p.files)
    out = buf.getvalue()
    assert "converting src" in out and "12/12" in out and re.search(r"\d+ files/s", out)


def test_cli_convert_silent_when_not_a_terminal(tmp_path, capsys):
    src = _tree(tmp_path / "src")
    assert main(["convert", str(src), "--out", str(tmp_path / "out"), "--no-cache", "--jobs", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "files/s" not in out and not ANSI.search(out)
    assert out.startswith("mscore ") and "conversion rate 100.0%" in out


def test_cli_convert_progress_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")          # rich treats the output as a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    src = _tree(tmp_path / "src")
    assert main(["convert", str(src), "--out", str(tmp_path / "out"), "--no-cache", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "files/s" in out and "12/12" in out
    assert main(["convert", str(src), "--out", str(tmp_path / "out2"), "--no-cache", "--jobs", "1", "-q"]) == 0
    assert "files/s" not in capsys.readouterr().out


def test_repo_stages(tmp_path, monkeypatch, capsys):
    stack = build_stack(tmp_path)
    console, buf = _terminal()
    with TerminalProgress(console) as p:
        stack.convert(progress=p)
    out = buf.getvalue()
    for stage in ("fetching MindSpeed-MM", "converting Megatron-LM", "patching MindSpeed"):
        assert stage in out, stage
    # through the CLI on a non-terminal: the usual lines only
    monkeypatch.setenv("MSCORE_MANIFEST", str(stack.manifest))
    argv = ["convert", "--repo", "MindSpeed-MM", "--out", str(tmp_path / "o2"), "--cache-dir", str(stack.cache),
            "--jobs", "1"] + [a for s in stack.sources() for a in ("--source", s)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "files/s" not in out + err and not ANSI.search(out + err) and "wrote" in out
