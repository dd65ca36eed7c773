"""Issue 13 (defect 4) and issue 14 for ``convert --repo``: a rebuild never deletes what the user put in or changed in
the output without --force -- top-level files, edits to mscore's own top files, edits hidden from ``git status``
with skip-worktree / assume-unchanged -- and the steps of the run are named, with an options object."""
from __future__ import annotations

import subprocess

import pytest

from mscore.pipeline import run
from mscore.pipeline.errors import PipelineError


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.parametrize("where", ["NOTES.md", "scratch/notes.txt", "patches/mine.patch"])
def test_top_level_user_file_blocks_a_rebuild(stack, where):
    stack.convert()
    p = stack.out / where
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("mine\n")
    assert stack.convert().noop                          # nothing to rebuild: nothing touched
    with pytest.raises(PipelineError) as e:
        stack.convert(profile="msadapter")
    assert where.split("/")[0] in str(e.value) and "--force" in str(e.value) and "\n" not in str(e.value)
    assert p.read_text() == "mine\n"
    stack.convert(profile="msadapter", force=True)
    assert not p.exists()


def test_edit_to_an_mscore_top_file_blocks_a_rebuild(stack):
    stack.convert()
    readme = stack.out / "README.md"
    readme.write_text(readme.read_text() + "\nmy notes\n")
    with pytest.raises(PipelineError, match="README.md"):
        stack.convert(profile="msadapter")
    assert readme.read_text().endswith("my notes\n")


@pytest.mark.parametrize("flag", ["--skip-worktree", "--assume-unchanged"])
def test_edit_hidden_from_git_status_blocks_a_rebuild(stack, flag):
    stack.convert()
    repo = stack.out / "MindSpeed"
    target = repo / "mindspeed" / "kept.py"
    _git(repo, "update-index", flag, "mindspeed/kept.py")
    target.write_text("VALUE = 99\n")
    with pytest.raises(PipelineError, match="MindSpeed/mindspeed/kept.py"):
        stack.convert(profile="msadapter")
    assert target.read_text() == "VALUE = 99\n"


def test_flag_without_an_edit_is_not_an_edit(stack):
    stack.convert()
    _git(stack.out / "MindSpeed", "update-index", "--skip-worktree", "mindspeed/kept.py")
    assert stack.convert().noop


def test_options_object_and_keywords_are_the_same_run(stack, tmp_path):
    a = stack.convert()
    opts = run.RepoOptions(out=tmp_path / "o2", sources=stack.sources(), cache_dir=stack.cache,
                           manifest=stack.manifest, jobs=1)
    b = run.convert_repos(["MindSpeed-MM"], opts)
    assert [r.converted_commit for r in a.repos] == [r.converted_commit for r in b.repos]


def test_cache_dir_inside_the_output_is_refused(stack):
    with pytest.raises(PipelineError, match="contains .*cache"):
        stack.convert(cache_dir=stack.out / "cache")
    assert not stack.out.exists()


@pytest.mark.parametrize("lock", ["", "# mine\nname = 'x'\n", 'mscore_version = "0"\ninputs_digest = "x"\nrepo = []\n'])
def test_a_file_named_mscore_lock_does_not_make_a_directory_an_output(stack, lock):
    stack.out.mkdir()
    (stack.out / "mscore.lock").write_text(lock)
    (stack.out / "data.bin").write_bytes(b"\0")
    with pytest.raises(PipelineError, match="not an mscore output"):
        stack.convert(force=True)
    assert sorted(p.name for p in stack.out.iterdir()) == ["data.bin", "mscore.lock"]
