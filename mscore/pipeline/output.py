"""The output directory: per-repo git repositories (upstream commit + converted commit), lock file, edit detection,
env.sh and README. Building it beside its place and moving it in is :class:`mscore.outdir.Staging`, the writer
``mscore convert`` uses too."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from mscore.pipeline import gitutil
from mscore.pipeline.errors import PipelineError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK_NAME = "mscore.lock"
UPSTREAM_BRANCH = "upstream"
CONVERTED_BRANCH = "mscore"


# -- lock ------------------------------------------------------------------------------------------------------
def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)   # a JSON string is a valid TOML basic string


def dump_lock(data: dict) -> bytes:
    lines = ["# Written by mscore convert --repo: what was converted, from which commits. Do not edit.", ""]
    for k, v in data.items():
        if k != "repo":
            lines.append(f"{k} = {_toml_value(v)}")
    for repo in data.get("repo", []):
        lines += ["", "[[repo]]"] + [f"{k} = {_toml_value(v)}" for k, v in repo.items()]
    return ("\n".join(lines) + "\n").encode()


def read_lock(out: Path) -> dict | None:
    p = out / LOCK_NAME
    if not p.is_file():
        return None
    try:
        lock = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # a file that merely has the name proves nothing: the keys mscore writes must be there
    if not (isinstance(lock.get("mscore_version"), str) and isinstance(lock.get("inputs_digest"), str)
            and isinstance(lock.get("repo"), list) and lock["repo"]
            and all(isinstance(r, dict) and r.get("name") for r in lock["repo"])):
        return None
    return lock


# -- the existing output ---------------------------------------------------------------------------------------
def check_out_dir(out: Path) -> dict | None:
    """The existing output's lock; refuse an existing path that is not an mscore output."""
    if not out.exists():
        return None
    if not out.is_dir():
        raise PipelineError(f"--out {out} exists and is not a directory")
    lock = read_lock(out)
    if lock is None and any(out.iterdir()):
        raise PipelineError(f"--out {out} is a non-empty directory that is not an mscore output (no valid {LOCK_NAME}); "
                            f"choose another --out")
    return lock


_SCRATCH = ("__pycache__/", ".pyc", ".pyo", ".pytest_cache/")
TOP_FILES = ("env.sh", "README.md", "report.txt", "report.json")
_DIGESTED = ("README.md", "report.txt", "report.json")   # (env.sh holds the output's absolute path: not stable)


def top_file_digests(out: Path) -> list[str]:
    """``"<sha256> <name>"`` for the top-level files mscore writes beside the repositories (the lock records them:
    an edit to one of them is an edit like any other)."""
    rows = []
    for name in _DIGESTED:
        p = out / name
        if p.is_file():
            rows.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()} {name}")
    return rows


def _top_level_edits(out: Path, lock: dict) -> list[str]:
    """Top-level entries of the output that mscore did not write, and mscore's own top files changed since."""
    repos = {r.get("name") for r in lock.get("repo", [])}
    ours = {LOCK_NAME, "patches", *TOP_FILES} | repos
    edited = []
    for entry in sorted(out.iterdir(), key=lambda p: p.name):
        if entry.name not in ours and entry.name not in ("__pycache__", ".pytest_cache"):
            edited.append(entry.name + ("/" if entry.is_dir() else ""))
    patches = out / "patches"
    if patches.is_dir():
        want = {f"{r}.patch" for r in repos}
        edited += [f"patches/{p.name}" for p in sorted(patches.iterdir()) if p.name not in want]
    recorded = lock.get("outputs")
    if isinstance(recorded, list):   # (outputs written before this was recorded are not checked)
        now = set(top_file_digests(out))
        for row in recorded:
            if isinstance(row, str) and row not in now:
                edited.append(row.split(" ", 1)[-1])
    return edited


def _hidden_edits(d: Path) -> list[str]:
    """Files flagged skip-worktree or assume-unchanged (``git status`` does not look at them) whose content differs
    from the index: ``git update-index --skip-worktree`` must not hide an edit from a rebuild."""
    listing = gitutil.git(["ls-files", "-v", "-z"], cwd=d, check=False)
    if listing.returncode != 0:
        return []
    flagged = [e[2:] for e in listing.stdout.decode("utf-8", "surrogateescape").split("\0")
               if len(e) > 2 and (e[0] == "S" or e[0].islower())]
    edited = []
    for path in flagged:
        staged = gitutil.git(["rev-parse", "-q", "--verify", f":{path}"], cwd=d, check=False).stdout.strip()
        now = gitutil.git(["hash-object", "--no-filters", "--", path], cwd=d, check=False)
        if now.returncode != 0 or now.stdout.strip() != staged:
            edited.append(path)
    return edited


def edited_files(out: Path, lock: dict) -> tuple[list[str], list[str]]:
    """What the user changed in an existing output, as '<repo>/<path>' lists:

    ``edited``  - differences from the converted commit mscore wrote (changed, added, deleted files, new commits,
                  also those hidden with skip-worktree / assume-unchanged);
    ``ignored`` - files matched by the repository's .gitignore (logs, checkpoints...) and, at the top of the
                  output, files mscore did not write or changes to its own (README.md, report.*): a no-op re-run
                  keeps them, a rebuild would drop them; Python caches do not count."""
    edited: list[str] = []
    ignored: list[str] = []
    for repo in lock.get("repo", []):
        name, want = repo.get("name", "?"), repo.get("converted_commit", "")
        d = out / name
        if not (d / ".git").exists():
            edited.append(f"{name}/ (missing)")
            continue
        head = gitutil.git(["rev-parse", "-q", "--verify", "HEAD"], cwd=d, check=False).stdout.decode().strip()
        if head != want:
            diff = gitutil.git(["diff", "--name-only", "-z", want, "HEAD", "--"], cwd=d, check=False)
            names = [n for n in diff.stdout.decode("utf-8", "replace").split("\0") if n]
            edited += [f"{name}/{n}" for n in names] or [f"{name}/ (HEAD moved from the converted commit)"]
        edited += [f"{name}/{p}" for p in _hidden_edits(d)]
        st = gitutil.git(["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all",
                          "--ignored=traditional"], cwd=d, check=False)
        if st.returncode != 0:
            edited.append(f"{name}/ (not a readable git repository)")
            continue
        entries = st.stdout.decode("utf-8", "replace").split("\0")
        i = 0
        while i < len(entries):
            e = entries[i]
            if len(e) > 3:
                path = e[3:]
                if e[:2] == "!!":
                    if not any(x in path or path.endswith(x) for x in _SCRATCH):
                        ignored.append(f"{name}/{path}")
                else:
                    edited.append(f"{name}/{path}")
                if e[0] in "RC":
                    i += 1   # the rename's source path follows
            i += 1
    ignored += _top_level_edits(out, lock)
    return sorted(dict.fromkeys(edited)), sorted(dict.fromkeys(ignored))


# -- building a repo -------------------------------------------------------------------------------------------
def _commit(repo: Path, message: str, date: int, parent: str | None, branch: str) -> str:
    env = gitutil.isolated_env(date=date)
    gitutil.git(["add", "-A", "-f", "."], cwd=repo, env=env)
    tree = gitutil.out(["write-tree"], cwd=repo, env=env)
    args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
    sha = gitutil.out(args, cwd=repo, env=env)
    gitutil.git(["update-ref", f"refs/heads/{branch}", sha], cwd=repo, env=env)
    return sha


def build_upstream(repo: Path, clone: Path, commit: str, message: str, date: int) -> str:
    """A fresh repository whose first commit holds exactly the tree of ``commit`` (objects copied from the cache
    clone as one pack: nothing is re-hashed), checked out with a fresh index."""
    gitutil.init_repo(repo)
    gitutil.git(["symbolic-ref", "HEAD", f"refs/heads/{CONVERTED_BRANCH}"], cwd=repo)
    tree = gitutil.out(["rev-parse", f"{commit}^{{tree}}"], git_dir=clone)
    objects = gitutil.git(["rev-list", "--objects", tree], git_dir=clone).stdout
    # no delta search: the objects are only copied (a clone from a server is already packed and reused as is)
    pack = gitutil.git(["-c", "pack.compression=1", "pack-objects", "--window=0", "--stdout", "-q"], git_dir=clone,
                       input=objects).stdout
    gitutil.git(["index-pack", "--stdin"], cwd=repo, input=pack)
    gitutil.git(["read-tree", tree], cwd=repo)
    gitutil.git(["checkout-index", "-a", "-f"], cwd=repo)
    env = gitutil.isolated_env(date=date)
    sha = gitutil.out(["commit-tree", tree, "-m", message], cwd=repo, env=env)
    gitutil.git(["update-ref", f"refs/heads/{UPSTREAM_BRANCH}", sha], cwd=repo, env=env)
    return sha


def commit_converted(repo: Path, message: str, date: int, parent: str) -> str:
    return _commit(repo, message, date, parent, CONVERTED_BRANCH)


def diff_patch(repo: Path, a: str, b: str) -> bytes:
    """The unified, binary-safe diff ``a..b`` with fixed options (identical bytes for identical trees)."""
    return gitutil.git(["diff", "--binary", "--full-index", "--no-renames", "--no-color", "--no-ext-diff",
                        "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", a, b, "--"], cwd=repo).stdout


def changed_paths(repo: Path, a: str, b: str) -> list[str]:
    p = gitutil.git(["diff", "--name-only", "-z", "--no-renames", a, b, "--"], cwd=repo).stdout
    return [n for n in p.decode("utf-8", "replace").split("\0") if n]


# -- env.sh ----------------------------------------------------------------------------------------------------
def env_sh(names_top_first: list[str], out_abs: Path) -> bytes:
    """bash and zsh find the output from the sourced file's own location (the directory may be moved); other
    shells cannot know it and use the absolute path the output was written to."""
    parts = ":".join(f"$_mscore_out/{n}" for n in names_top_first)
    fallback = str(out_abs).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return (
        "# Source this file to put the converted repositories on PYTHONPATH (written by mscore).\n"
        "if [ -n \"${BASH_SOURCE:-}\" ]; then _mscore_out=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\n"
        "elif [ -n \"${ZSH_VERSION:-}\" ]; then eval '_mscore_out=\"$(cd \"$(dirname \"${(%):-%x}\")\" && pwd)\"'\n"
        f"else _mscore_out=\"{fallback}\"; fi\n"
        f"export PYTHONPATH=\"{parts}${{PYTHONPATH:+:$PYTHONPATH}}\"\n"
        "unset _mscore_out\n"
    ).encode()
