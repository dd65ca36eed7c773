"""`mscore convert --repo` through the real CLI and the real engine, on the fixture stack."""
from __future__ import annotations

from mscore.cli import main
from tests.pipeline.conftest import build_stack


def test_cli_repo_end_to_end(tmp_path, monkeypatch, capsys):
    stack = build_stack(tmp_path)
    monkeypatch.setenv("MSCORE_MANIFEST", str(stack.manifest))
    argv = ["convert", "--repo", "MindSpeed-MM", "--out", str(stack.out), "--cache-dir", str(stack.cache),
            "--jobs", "1"] + [a for s in stack.sources() for a in ("--source", s)]
    assert main(argv) == 0
    assert "wrote" in capsys.readouterr().out
    assert (stack.out / "mscore.lock").is_file() and (stack.out / "patches/MindSpeed-MM.patch").is_file()
    assert "msrun $DISTRIBUTED_ARGS" in (stack.out / "MindSpeed-MM/examples/qwen/finetune.sh").read_text()
    assert main(argv + ["--report", str(tmp_path / "r" / "rep.json")]) == 0
    assert "up to date" in capsys.readouterr().out
    assert (tmp_path / "r" / "rep.json").read_bytes() == (stack.out / "report.json").read_bytes()
    (stack.out / "MindSpeed/mindspeed/kept.py").write_text("VALUE = 5\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "MindSpeed/mindspeed/kept.py" in err and "--force" in err and err.count("\n") == 1
    assert main(argv + ["--force"]) == 0


def test_cli_repo_errors(tmp_path, monkeypatch, capsys):
    stack = build_stack(tmp_path)
    monkeypatch.setenv("MSCORE_MANIFEST", str(stack.manifest))
    assert main(["convert", "--repo", "Bogus", "--out", str(stack.out)]) == 2
    assert capsys.readouterr().err == ("mscore: error: unknown repository 'Bogus'; known: Megatron-LM, MindSpeed, "
                                       "MindSpeed-MM\n")
    assert main(["convert", "--repo", "MindSpeed-MM", "--source", "MindSpeed", "--out", str(stack.out)]) == 2
    assert "bad --source 'MindSpeed'" in capsys.readouterr().err
    assert not stack.out.exists()
