"""Fixture repositories shaped like the MindSpeed-MM -> MindSpeed -> Megatron-LM chain, built with gitpython in a
temporary directory, plus a manifest pointing at them and the fake engine installed into the pipeline."""
from __future__ import annotations

import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import git
import pytest

from tests.pipeline import pipeline_fake_engine
from mscore.pipeline import run

LAUNCH_SH = textwrap.dedent("""\
    #!/bin/bash
    # fixture launch script
    NPUS_PER_NODE=4
    MASTER_ADDR=localhost
    MASTER_PORT=6001
    NNODES=2
    NODE_RANK=0

    DISTRIBUTED_ARGS="
        --nproc_per_node $NPUS_PER_NODE \\
        --nnodes $NNODES \\
        --node_rank $NODE_RANK \\
        --master_addr $MASTER_ADDR \\
        --master_port $MASTER_PORT
    "

    torchrun $DISTRIBUTED_ARGS train_vlm.py \\
        --micro-batch-size 1 | tee logs/train.log
    """)

GIT_ENV = {"GIT_AUTHOR_NAME": "fixture", "GIT_AUTHOR_EMAIL": "f@x", "GIT_COMMITTER_NAME": "fixture",
           "GIT_COMMITTER_EMAIL": "f@x"}


def _commit(repo: git.Repo, files: dict[str, bytes | str], message: str, date: str) -> str:
    root = Path(repo.working_tree_dir)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        if rel.endswith(".sh"):
            p.chmod(0o755)
    repo.git.add("-A")
    env = dict(GIT_ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    repo.git.commit("-q", "-m", message, env=env)
    return repo.head.commit.hexsha


@dataclass
class Stack:
    root: Path
    repos: dict[str, Path]        # name -> source repository path
    pinned: dict[str, str]        # name -> commit the pinned ref points at
    manifest: Path
    patches: dict[str, Path]      # name -> patches dir (not created)
    cache: Path
    out: Path

    def sources(self) -> list[str]:
        return [f"{n}={p}" for n, p in self.repos.items()]

    def convert(self, **kw):
        args = dict(out=self.out, sources=self.sources(), cache_dir=self.cache, manifest=self.manifest, jobs=1)
        args.update(kw)
        return run.convert_repos(["MindSpeed-MM"], **args)


def build_stack(root: Path) -> Stack:
    src = root / "upstream"
    repos, pinned = {}, {}

    def new(name: str) -> git.Repo:
        p = src / name
        repos[name] = p
        r = git.Repo.init(p, initial_branch="main")
        return r

    meg = new("Megatron-LM")
    _commit(meg, {
        "megatron/__init__.py": "",
        "megatron/core/layer.py": "import torch\n\n\ndef act(x):\n    return torch.relu(x) + torch.secret(x)\n",
        "megatron/core/data.bin": bytes(range(256)) * 4,
        "megatron/csrc/helpers.cpp": "int helper() { return 1; }\n",
        "README.md": "# fixture Megatron\n",
    }, "first", "2024-01-02T03:04:05+00:00")
    os.symlink("megatron/core/layer.py", src / "Megatron-LM" / "layer_link.py")
    pinned["Megatron-LM"] = _commit(meg, {"megatron/core/util.py": "def helper():\n    return 1\n"},
                                    "second", "2024-01-03T00:00:00+00:00")
    meg.create_tag("core_r0.8.0")
    _commit(meg, {"megatron/core/util.py": "def helper():\n    return 2  # after the pinned tag\n"}, "third",
            "2024-02-01T00:00:00+00:00")

    ms = new("MindSpeed")
    pinned["MindSpeed"] = _commit(ms, {
        "mindspeed/__init__.py": "",
        "mindspeed/core/attention.py": "import torch\n\n\ndef attend(q, k):\n    return torch.matmul(q, k)\n",
        "mindspeed/kept.py": "VALUE = 1\n",
    }, "ms first", "2024-03-01T00:00:00+00:00")
    ms.create_head("2.1.0_core_r0.8.0")          # a branch as the pinned ref
    _commit(ms, {"mindspeed/kept.py": "VALUE = 2\n"}, "ms on main", "2024-03-02T00:00:00+00:00")

    mm = new("MindSpeed-MM")
    pinned["MindSpeed-MM"] = _commit(mm, {
        "mindspeed_mm/__init__.py": "",
        "mindspeed_mm/model.py": "import torch\n\n\nclass M:\n    def f(self, x):\n        return torch.tanh(x)\n",
        "examples/qwen/finetune.sh": LAUNCH_SH,
        "train_vlm.py": "import torch\nprint(torch.ones(2))\n",
        ".gitignore": "logs/\n__pycache__/\n",
    }, "mm first", "2024-04-01T00:00:00+00:00")
    mm.create_tag("2.1.0")

    (root / "manifest.toml").write_text(textwrap.dedent("""\
        base = "."
        [[repo]]
        name = "MindSpeed-MM"
        url = "https://example.invalid/ascend/MindSpeed-MM.git"
        ref = "2.1.0"
        depends = ["MindSpeed"]
        patches = "patches/MindSpeed-MM"
        [[repo]]
        name = "MindSpeed"
        url = "https://example.invalid/ascend/MindSpeed.git"
        ref = "2.1.0_core_r0.8.0"
        depends = ["Megatron-LM"]
        patches = "patches/MindSpeed"
        [[repo]]
        name = "Megatron-LM"
        url = "https://example.invalid/NVIDIA/Megatron-LM.git"
        ref = "core_r0.8.0"
        depends = []
        patches = "patches/Megatron-LM"
        """))
    st = _stack_paths(root)
    st.pinned.update(pinned)
    return st


def _stack_paths(root: Path) -> Stack:
    names = ("Megatron-LM", "MindSpeed", "MindSpeed-MM")
    return Stack(root, {n: root / "upstream" / n for n in names}, {}, root / "manifest.toml",
                 {n: root / "patches" / n for n in names}, root / "cache", root / "out")


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(run, "convert_tree", pipeline_fake_engine.convert_tree)
    monkeypatch.setattr(run, "load_rules", pipeline_fake_engine.load_rules)
    pipeline_fake_engine.CALLS.clear()
    return pipeline_fake_engine


@pytest.fixture(scope="session")
def _stack_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stack-template")
    build_stack(root)
    return root


@pytest.fixture
def stack(tmp_path, fake_engine, monkeypatch, _stack_template) -> Stack:
    """A private copy of the fixture stack (built once per session; the copy keeps commit ids and tags)."""
    monkeypatch.delenv("MSCORE_MIRROR", raising=False)
    shutil.copytree(_stack_template, tmp_path, symlinks=True, dirs_exist_ok=True)
    st = _stack_paths(tmp_path)
    st.pinned.update({n: git.Repo(p).commit(ref).hexsha for (n, p), ref in
                      zip(st.repos.items(), ("core_r0.8.0", "2.1.0_core_r0.8.0", "2.1.0"))})
    return st
