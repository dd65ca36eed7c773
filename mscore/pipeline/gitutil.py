"""Running git with an environment that does not depend on the user's configuration (for byte-stable output)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mscore.pipeline.errors import PipelineError

AUTHOR = ("mscore", "mscore@localhost")
# In-tree .gitattributes must not change bytes on the way in or out (eol conversion, filters such as LFS).
RAW_ATTRIBUTES = b"* -text -eol -filter -ident -working-tree-encoding\n"


def isolated_env(date: int | None = None, index_file: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0", LC_ALL="C", LANG="C",
        GIT_AUTHOR_NAME=AUTHOR[0], GIT_AUTHOR_EMAIL=AUTHOR[1], GIT_COMMITTER_NAME=AUTHOR[0],
        GIT_COMMITTER_EMAIL=AUTHOR[1],
    )
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{int(date)} +0000"
    if index_file is not None:
        env["GIT_INDEX_FILE"] = str(index_file)
    return env


def git(args: list[str], *, cwd: Path | None = None, git_dir: Path | None = None, env: dict | None = None,
        input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = ["git"]
    if git_dir is not None:
        cmd += ["--git-dir", str(git_dir)]
    cmd += args
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env if env is not None else isolated_env(), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise PipelineError("git was not found on PATH; mscore convert --repo needs git (2.32 or newer)") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PipelineError(f"git {' '.join(args[:2])} failed: {msg[-1] if msg else 'exit ' + str(proc.returncode)}")
    return proc


def out(args: list[str], **kw) -> str:
    return git(args, **kw).stdout.decode("utf-8", "replace").strip()


def init_repo(path: Path, *, bare: bool = False) -> None:
    """A fresh repository with no hooks, no templates and byte-preserving attributes."""
    path.mkdir(parents=True, exist_ok=True)
    git(["init", "-q", "--template=", *(["--bare"] if bare else []), str(path)])
    gd = path if bare else path / ".git"
    (gd / "info").mkdir(exist_ok=True)
    (gd / "info" / "attributes").write_bytes(RAW_ATTRIBUTES)
