"""End-to-end pipeline tests on fixture repositories (fake engine: torch. -> mindspore. in .py files)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import git
import pytest

from mscore.pipeline import run
from mscore.pipeline.errors import PipelineError
from mscore.pipeline.patches import blob_sha

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def sh(*args, cwd=None) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def snapshot(root: Path, with_git: bool = False) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and (".git" not in p.relative_to(root).parts or with_git)}


def test_lock_pins_and_output_commits(stack):
    res = stack.convert()
    assert [r.name for r in res.repos] == ["Megatron-LM", "MindSpeed", "MindSpeed-MM"]
    lock = tomllib.loads((stack.out / "mscore.lock").read_text())
    commits = {r["name"]: r["commit"] for r in lock["repo"]}
    assert commits == stack.pinned                          # tag / branch resolved, later commits ignored
    assert lock["profile"] == "native" and lock["inputs_digest"]
    for name, src in stack.repos.items():
        repo = stack.out / name
        # the upstream commit holds exactly the pinned upstream tree (same git tree id)
        assert sh("git", "rev-parse", "upstream^{tree}", cwd=repo) == sh("git", "rev-parse",
                                                                          f"{stack.pinned[name]}^{{tree}}", cwd=src)
        assert sh("git", "rev-parse", "HEAD", cwd=repo) == sh("git", "rev-parse", "mscore", cwd=repo)
        assert sh("git", "rev-parse", "HEAD^", cwd=repo) == sh("git", "rev-parse", "upstream", cwd=repo)
        assert sh("git", "status", "--porcelain", cwd=repo) == ""
        diff = sh("git", "diff", "upstream", "mscore", "--binary", "--full-index", "--no-renames", cwd=repo)
        assert diff + "\n" == (stack.out / "patches" / f"{name}.patch").read_text()
    meg = stack.out / "Megatron-LM"
    assert "return 1\n" in (meg / "megatron/core/util.py").read_text()    # the pinned tag's content
    assert "mindspore.relu" in (meg / "megatron/core/layer.py").read_text()
    assert (meg / "layer_link.py").is_symlink()
    assert (stack.out / "MindSpeed-MM/examples/qwen/finetune.sh").stat().st_mode & 0o111
    # the source and the cache trees are untouched: the source repos still have their own HEAD content
    assert "return 2" in (stack.repos["Megatron-LM"] / "megatron/core/util.py").read_text()


def test_report_readme_env(stack):
    stack.convert()
    readme = (stack.out / "README.md").read_text()
    assert "torch.secret" in readme and "50.0%" in readme
    assert "- MindSpeed-MM: 1 launch scripts switched from torchrun to msrun" in readme
    assert "Megatron-LM: 1 C/C++/CUDA source files were copied unchanged (e.g. megatron/csrc/helpers.cpp)" in readme
    import json

    rep = json.loads((stack.out / "report.json").read_text())
    meg = next(r for r in rep["repos"] if r["name"] == "Megatron-LM")
    assert meg["totals"]["unconverted"] == 1 and meg["top_unconverted"] == [["torch.secret", 1]]
    mm = next(r for r in rep["repos"] if r["name"] == "MindSpeed-MM")
    assert mm["launch_scripts"]["converted"] == ["examples/qwen/finetune.sh"]
    out = subprocess.run(["bash", "-c", f'source "{stack.out}/env.sh"; echo "$PYTHONPATH"'], capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "/keep"}).stdout.strip()
    o = stack.out.resolve()
    assert out == f"{o}/MindSpeed-MM:{o}/MindSpeed:{o}/Megatron-LM:/keep"
    if shutil.which("dash"):   # a POSIX shell cannot see the sourced file's path: the recorded one is used
        out = subprocess.run(["dash", "-c", f'. "{stack.out}/env.sh"; echo "$PYTHONPATH"'], capture_output=True,
                             text=True, cwd="/", env={"PATH": "/usr/bin:/bin"}).stdout.strip()
        assert out == f"{o}/MindSpeed-MM:{o}/MindSpeed:{o}/Megatron-LM"
    moved = stack.root / "moved"
    stack.out.rename(moved)
    out = subprocess.run(["bash", "-c", f'source "{moved}/env.sh"; echo "$PYTHONPATH"'], capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin"}).stdout.strip()
    m = moved.resolve()
    assert out == f"{m}/MindSpeed-MM:{m}/MindSpeed:{m}/Megatron-LM"


def test_deterministic_patches_and_commits(stack, tmp_path):
    a = stack.convert()
    b = stack.convert(out=tmp_path / "out2", cache_dir=tmp_path / "cache2")
    for ra, rb in zip(a.repos, b.repos):
        assert (ra.upstream_commit, ra.converted_commit) == (rb.upstream_commit, rb.converted_commit)
        pa = (stack.out / ra.patch).read_bytes()
        assert pa == (tmp_path / "out2" / rb.patch).read_bytes() and pa
    assert (stack.out / "mscore.lock").read_bytes() == (tmp_path / "out2" / "mscore.lock").read_bytes()


def test_patch_applies_to_upstream_tree(stack, tmp_path):
    stack.convert()
    for name, src in stack.repos.items():
        work = tmp_path / "check" / name
        git.Repo.clone_from(src, work).git.checkout("-q", stack.pinned[name])
        patch = stack.out / "patches" / f"{name}.patch"
        subprocess.run(["git", "apply", "--check", str(patch)], cwd=work, check=True)
        subprocess.run(["git", "apply", str(patch)], cwd=work, check=True)
        assert snapshot(work) == snapshot(stack.out / name)


def test_noop_rerun_rewrites_nothing(stack):
    stack.convert()
    before = {p: p.stat().st_mtime_ns for p in stack.out.rglob("*")}
    res = stack.convert()
    assert res.noop
    assert {p: p.stat().st_mtime_ns for p in stack.out.rglob("*")} == before
    assert [r.name for r in res.repos] == ["Megatron-LM", "MindSpeed", "MindSpeed-MM"]
    # a changed input is not a no-op: the profile, then a new patches directory
    assert not stack.convert(profile="msadapter").noop
    stack.patches["MindSpeed"].mkdir(parents=True)
    (stack.patches["MindSpeed"] / "replace.toml").write_text("")
    assert not stack.convert(profile="msadapter").noop


def test_profile_is_passed_through(stack, fake_engine):
    stack.convert(profile="msadapter")
    assert {c["profile"] for c in fake_engine.CALLS} == {"msadapter"}
    assert "torch.relu" in (stack.out / "Megatron-LM/megatron/core/layer.py").read_text()
    with pytest.raises(PipelineError, match="unknown profile 'bogus'"):
        stack.convert(profile="bogus")


def test_edited_output_refused_then_forced(stack):
    stack.convert()
    edited = stack.out / "MindSpeed/mindspeed/kept.py"
    edited.write_text("VALUE = 99\n")
    (stack.out / "Megatron-LM/new_file.py").write_text("x = 1\n")
    with pytest.raises(PipelineError) as e:
        stack.convert()
    msg = str(e.value)
    assert "MindSpeed/mindspeed/kept.py" in msg and "Megatron-LM/new_file.py" in msg and "--force" in msg
    assert "\n" not in msg
    assert edited.read_text() == "VALUE = 99\n"                  # nothing lost
    res = stack.convert(force=True)
    assert not res.noop
    assert edited.read_text() == "VALUE = 1\n" and not (stack.out / "Megatron-LM/new_file.py").exists()


def test_committed_edit_is_detected(stack):
    stack.convert()
    repo = git.Repo(stack.out / "MindSpeed-MM")
    (stack.out / "MindSpeed-MM/train_vlm.py").write_text("print(1)\n")
    repo.git.add("-A")
    repo.git.commit("-qm", "mine", env={"GIT_AUTHOR_NAME": "u", "GIT_AUTHOR_EMAIL": "u@x",
                                        "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@x"})
    with pytest.raises(PipelineError, match="MindSpeed-MM/train_vlm.py"):
        stack.convert()


def test_foreign_output_dir_refused(stack):
    stack.out.mkdir()
    (stack.out / "precious.txt").write_text("mine")
    with pytest.raises(PipelineError, match="not an mscore output"):
        stack.convert(force=True)
    assert (stack.out / "precious.txt").read_text() == "mine"


def test_unknown_repo(stack):
    with pytest.raises(PipelineError) as e:
        run.convert_repos(["Nope"], out=stack.out, manifest=stack.manifest, cache_dir=stack.cache)
    assert str(e.value) == "unknown repository 'Nope'; known: Megatron-LM, MindSpeed, MindSpeed-MM"


@pytest.mark.parametrize("item, message", [
    ("MindSpeed", "bad --source 'MindSpeed': expected NAME=PATH_OR_URL"),
    ("=/x", "bad --source '=/x': expected NAME=PATH_OR_URL"),
    ("MindSpeed=", "bad --source 'MindSpeed=': expected NAME=PATH_OR_URL"),
    ("Bogus=/x", "--source 'Bogus=/x': unknown repository 'Bogus'; known: Megatron-LM, MindSpeed, MindSpeed-MM"),
])
def test_bad_source(stack, item, message):
    with pytest.raises(PipelineError) as e:
        stack.convert(sources=[item])
    assert str(e.value).startswith(message)
    assert not stack.out.exists()


def test_unreachable_url_names_repo_url_and_mirror(stack, tmp_path):
    missing = tmp_path / "nowhere" / "Megatron-LM.git"
    with pytest.raises(PipelineError) as e:
        stack.convert(sources=[f"Megatron-LM=file://{missing}"])
    msg = str(e.value)
    assert msg.startswith(f"cannot clone Megatron-LM from file://{missing}: ")
    assert "--source Megatron-LM=PATH_OR_URL" in msg and "--mirror DIR" in msg and "MSCORE_MIRROR" in msg
    assert "\n" not in msg and not stack.out.exists()
    with pytest.raises(PipelineError, match=r"cannot clone Megatron-LM from .*nowhere.*no such path"):
        stack.convert(sources=[f"Megatron-LM={missing}"])


def test_missing_ref(stack):
    git.Repo(stack.repos["Megatron-LM"]).delete_tag("core_r0.8.0")
    with pytest.raises(PipelineError, match=r"Megatron-LM: ref 'core_r0.8.0' not found in "):
        stack.convert()


@pytest.mark.parametrize("via_env", [False, True])
def test_mirror_dir(stack, tmp_path, monkeypatch, via_env):
    mirror = tmp_path / "mirror"
    for name, src in stack.repos.items():
        dest = mirror / (f"{name}.git" if name != "MindSpeed" else name)   # both layouts
        git.Repo.clone_from(src, dest, bare=True)
    if via_env:
        monkeypatch.setenv("MSCORE_MIRROR", str(mirror))
        res = stack.convert(sources=None)
    else:
        res = stack.convert(sources=None, mirror_dir=mirror)
    assert {r.name: r.commit for r in res.repos} == stack.pinned
    # --source wins over the mirror
    other = tmp_path / "other"
    shutil.copytree(stack.repos["MindSpeed"], other)
    repo = git.Repo(other)
    repo.git.checkout("-q", "2.1.0_core_r0.8.0")
    (other / "mindspeed/kept.py").write_text("VALUE = 3\n")
    repo.git.commit("-qam", "fork", env={"GIT_AUTHOR_NAME": "u", "GIT_AUTHOR_EMAIL": "u@x",
                                         "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@x"})
    res = stack.convert(sources=[f"MindSpeed={other}"], mirror_dir=mirror, out=tmp_path / "o2")
    assert (tmp_path / "o2/MindSpeed/mindspeed/kept.py").read_text() == "VALUE = 3\n"


# -- hand-written patches ----------------------------------------------------------------------------------------
ATTN_PATCH = textwrap.dedent("""\
    --- a/mindspeed/core/attention.py
    +++ b/mindspeed/core/attention.py
    @@ -2,4 +2,4 @@ import torch
     
     
     def attend(q, k):
    -    return mindspore.matmul(q, k)
    +    return mindspore.matmul(q, k) * 0.5
    """)


def _patches(stack, name="MindSpeed") -> Path:
    d = stack.patches[name]
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_patch_applied_after_conversion(stack):
    d = _patches(stack)
    (d / "0001-scale.patch").write_text(ATTN_PATCH)
    (d / "0002-more.patch").write_text(ATTN_PATCH.replace("mindspore.matmul(q, k)\n", "X\n", 1)
                                       .replace("-    return X", "-    return mindspore.matmul(q, k) * 0.5")
                                       .replace("+    return mindspore.matmul(q, k) * 0.5", "+    return q @ k"))
    res = stack.convert()
    assert (stack.out / "MindSpeed/mindspeed/core/attention.py").read_text().endswith("    return q @ k\n")
    ms = next(r for r in res.repos if r.name == "MindSpeed")
    assert ms.applied_patches == ["patch 0001-scale.patch", "patch 0002-more.patch"]
    assert "0001-scale.patch" in sh("git", "log", "-1", "--format=%B", cwd=stack.out / "MindSpeed")


def test_failing_patch_names_file_and_hunk_and_writes_nothing(stack):
    stack.convert()
    before = snapshot(stack.out, with_git=True)
    d = _patches(stack)
    (d / "0001-ok.patch").write_text(ATTN_PATCH)
    bad = ATTN_PATCH.replace("def attend(q, k):", "def attend(q, k, v):")
    (d / "0002-bad.patch").write_text(bad)
    with pytest.raises(PipelineError) as e:
        stack.convert()
    msg = str(e.value)
    assert str(d / "0002-bad.patch") in msg
    assert "mindspeed/core/attention.py: hunk #1 @@ -2,4 +2,4 @@ does not apply" in msg
    assert snapshot(stack.out, with_git=True) == before
    assert not [p for p in stack.out.parent.iterdir() if p.name.startswith(".out.")]   # no staging left behind


def test_replace_toml(stack):
    d = _patches(stack, "Megatron-LM")
    (d / "files").mkdir()
    new_bin = bytes(reversed(range(256))) * 3 + b"\0tail"
    (d / "files/data.bin").write_bytes(new_bin)
    (d / "files/layer.py").write_text("import mindspore\n\n\ndef act(x):\n"
                                      "    return mindspore.mint.nn.functional.relu(x)\n")
    upstream = stack.repos["Megatron-LM"]
    blob_layer = sh("git", "rev-parse", f"{stack.pinned['Megatron-LM']}:megatron/core/layer.py", cwd=upstream)
    blob_bin = sh("git", "rev-parse", f"{stack.pinned['Megatron-LM']}:megatron/core/data.bin", cwd=upstream)
    assert blob_sha((upstream / "megatron/core/layer.py").read_bytes()) == blob_layer
    (d / "replace.toml").write_text(textwrap.dedent(f"""\
        [[replace]]
        path = "megatron/core/layer.py"
        file = "files/layer.py"
        upstream_blob = "{blob_layer}"
        reason = "hand-written MindSpore version"
        [[replace]]
        path = "megatron/core/data.bin"
        file = "files/data.bin"
        upstream_blob = "{blob_bin}"
        """))
    res = stack.convert()
    assert (stack.out / "Megatron-LM/megatron/core/data.bin").read_bytes() == new_bin
    assert "mint.nn.functional.relu" in (stack.out / "Megatron-LM/megatron/core/layer.py").read_text()
    meg = next(r for r in res.repos if r.name == "Megatron-LM")
    assert meg.applied_patches[0] == "replace replace.toml#1 (hand-written MindSpore version)"
    patch = (stack.out / "patches/Megatron-LM.patch").read_bytes()
    assert b"GIT binary patch" in patch
    # binary-safe: the patch recreates the replaced binary on a pristine checkout
    work = stack.root / "check"
    git.Repo.clone_from(upstream, work).git.checkout("-q", stack.pinned["Megatron-LM"])
    subprocess.run(["git", "apply", "--check", str(stack.out / "patches/Megatron-LM.patch")], cwd=work, check=True)
    subprocess.run(["git", "apply", str(stack.out / "patches/Megatron-LM.patch")], cwd=work, check=True)
    assert (work / "megatron/core/data.bin").read_bytes() == new_bin


@pytest.mark.parametrize("path, blob, message", [
    ("megatron/core/layer.py", "0" * 40, "upstream megatron/core/layer.py is blob"),
    ("megatron/core/gone.py", "0" * 40, "megatron/core/gone.py does not exist in upstream Megatron-LM"),
])
def test_replace_toml_mismatch(stack, path, blob, message):
    d = _patches(stack, "Megatron-LM")
    (d / "files").mkdir()
    (d / "files/x.py").write_text("x = 1\n")
    (d / "replace.toml").write_text(f'[[replace]]\npath = "{path}"\nfile = "files/x.py"\nupstream_blob = "{blob}"\n')
    with pytest.raises(PipelineError) as e:
        stack.convert()
    assert str(d / "replace.toml") in str(e.value) and message in str(e.value)
    assert not stack.out.exists()


def test_dry_run_writes_nothing(stack):
    res = stack.convert(dry_run=True)
    assert res.dry_run and not stack.out.exists()
    assert [r.totals["converted"] for r in res.repos] == [1, 1, 2]
    assert not [p for p in stack.root.iterdir() if p.name.startswith(".out.")]


def test_unwritable_cache_is_a_clear_error(stack, tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with pytest.raises(PipelineError, match=r"cannot use the repository cache .*not_a_dir/repos.*--cache-dir"):
        stack.convert(cache_dir=blocker)
    assert not stack.out.exists()


def test_user_files_ignored_by_git_survive_noop_and_block_rebuild(stack):
    stack.convert()
    mm = stack.out / "MindSpeed-MM"
    (mm / "logs").mkdir()
    (mm / "logs/train.log").write_text("step 1\n")
    (mm / "mindspeed_mm/__pycache__").mkdir()
    (mm / "mindspeed_mm/__pycache__/model.cpython-311.pyc").write_bytes(b"\0")
    assert stack.convert().noop                                   # nothing to rebuild: nothing touched
    assert (mm / "logs/train.log").exists()
    with pytest.raises(PipelineError) as e:                       # a rebuild would delete the log
        stack.convert(profile="msadapter")
    assert "MindSpeed-MM/logs/train.log" in str(e.value) and "__pycache__" not in str(e.value)
    assert (mm / "logs/train.log").read_text() == "step 1\n"
    stack.convert(profile="msadapter", force=True)
    assert not (mm / "logs").exists()


def _pin(stack, name: str, commit: str) -> None:
    text = stack.manifest.read_text()
    stack.manifest.write_text(text.replace(f'name = "{name}"\n', f'name = "{name}"\ncommit = "{commit}"\n', 1))


def test_pinned_commit_wins_over_a_moved_branch(stack, tmp_path):
    _pin(stack, "MindSpeed", stack.pinned["MindSpeed"])
    repo = git.Repo(stack.repos["MindSpeed"])
    repo.git.checkout("-q", "2.1.0_core_r0.8.0")
    (stack.repos["MindSpeed"] / "mindspeed/kept.py").write_text("VALUE = 7\n")
    repo.git.commit("-qam", "branch moves", env={"GIT_AUTHOR_NAME": "u", "GIT_AUTHOR_EMAIL": "u@x",
                                                 "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@x"})
    res = stack.convert()
    ms = next(r for r in res.repos if r.name == "MindSpeed")
    assert ms.commit == stack.pinned["MindSpeed"]
    assert (stack.out / "MindSpeed/mindspeed/kept.py").read_text() == "VALUE = 1\n"
    assert "now points at" in ms.fetch_note


def test_pinned_commit_missing(stack, tmp_path):
    _pin(stack, "MindSpeed", "1" * 40)
    res = stack.convert()                     # an explicit --source lacking the pin: the ref, with a note
    ms = next(r for r in res.repos if r.name == "MindSpeed")
    assert ms.commit == stack.pinned["MindSpeed"] and "is not in this source" in ms.fetch_note
    readme = (stack.out / "README.md").read_text()
    assert f"Note: MindSpeed: the pinned commit {'1' * 12} is not in this source" in readme
    mirror = tmp_path / "mirror"
    for name, src in stack.repos.items():
        git.Repo.clone_from(src, mirror / name, bare=True)
    with pytest.raises(PipelineError, match=r"MindSpeed: commit 1{40} \(pinned for '2.1.0_core_r0.8.0'\) not found"):
        stack.convert(sources=None, mirror_dir=mirror, out=tmp_path / "o2")


def test_bad_manifest_commit(stack):
    _pin(stack, "MindSpeed", "abc")
    with pytest.raises(PipelineError, match="'commit' must be a full 40-hex-digit commit id"):
        stack.convert()


def test_output_may_not_be_inside_an_input(stack):
    for out in (stack.repos["MindSpeed"] / "converted", stack.cache / "o", stack.root):
        with pytest.raises(PipelineError, match="an input of this run; choose an output elsewhere"):
            stack.convert(out=out)
    assert sh("git", "status", "--porcelain", cwd=stack.repos["MindSpeed"]) == ""


def test_sources_and_cache_are_never_modified(stack):
    heads = {n: sh("git", "rev-parse", "HEAD", cwd=p) for n, p in stack.repos.items()}
    stack.convert()
    trees = snapshot(stack.cache / "repos", with_git=True)
    (stack.out / "MindSpeed/mindspeed/kept.py").write_text("edited\n")
    stack.convert(force=True, profile="msadapter")
    assert snapshot(stack.cache / "repos", with_git=True) == trees
    for n, p in stack.repos.items():
        assert sh("git", "rev-parse", "HEAD", cwd=p) == heads[n] and sh("git", "status", "--porcelain", cwd=p) == ""


def test_plain_directory_source_is_explained(stack, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(PipelineError, match=r"cannot clone MindSpeed from .*plain: not a git repository"):
        stack.convert(sources=stack.sources()[:1] + [f"MindSpeed={plain}"])
