"""Fetching repositories at pinned refs into a cache: URL overrides (--source, mirror dir), clone, lock SHAs, trees."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mscore.pipeline import gitutil
from mscore.pipeline.errors import PipelineError
from mscore.pipeline.manifest import Manifest, RepoSpec

MIRROR_ENV = "MSCORE_MIRROR"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/\s]+@[^/\s]+:")


@dataclass(frozen=True)
class Fetched:
    spec: RepoSpec
    url: str                 # where it was actually fetched from
    commit: str              # resolved commit SHA
    date: int                # the commit's committer time (seconds), used to date the output commits
    tree: Path               # the pristine upstream tree at ``commit`` in the cache (never modified)
    clone: Path              # the cache clone holding ``commit``
    note: str = ""           # how the commit was chosen, when that deserves a word (a moved branch, an override)


def parse_sources(items: list[str] | None, manifest: Manifest) -> dict[str, str]:
    """``NAME=PATH_OR_URL`` items -> {name: url}; local paths are made absolute."""
    sources: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise PipelineError(f"bad --source {item!r}: expected NAME=PATH_OR_URL, "
                                f"e.g. --source MindSpeed=/srv/git/MindSpeed")
        if name not in manifest.repos:
            raise PipelineError(f"--source {item!r}: unknown repository {name!r}; known: {', '.join(manifest.names())}")
        if name in sources:
            raise PipelineError(f"--source given twice for {name}")
        sources[name] = value if _SCHEME.match(value) else str(Path(value).expanduser().resolve())
    return sources


def resolve_url(spec: RepoSpec, sources: dict[str, str], mirror: Path | None) -> str:
    if spec.name in sources:
        return sources[spec.name]
    if mirror is not None:
        for cand in (mirror / spec.name, mirror / f"{spec.name}.git"):
            if cand.exists():
                return str(cand.resolve())
    return spec.url


def mirror_dir(mirror: Path | str | None) -> Path | None:
    mirror = mirror or os.environ.get(MIRROR_ENV) or None
    return Path(mirror).expanduser() if mirror else None


def _hint(spec: RepoSpec) -> str:
    return (f"point mscore at a copy with --source {spec.name}=PATH_OR_URL, or --mirror DIR "
            f"(or ${MIRROR_ENV}=DIR) holding DIR/{spec.name} or DIR/{spec.name}.git")


def _clone_dir(cache: Path, spec: RepoSpec, url: str) -> Path:
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    return cache / spec.name / f"{key}.git"


def _resolve(clone: Path, ref: str) -> str | None:
    """A tag first, then a branch, then anything git understands (a commit SHA): never an ambiguous guess."""
    for cand in (f"refs/tags/{ref}", f"refs/heads/{ref}", ref):
        proc = gitutil.git(["rev-parse", "--verify", "-q", f"{cand}^{{commit}}"], git_dir=clone, check=False)
        sha = proc.stdout.decode().strip()
        if proc.returncode == 0 and sha:
            return sha
    return None


def _network_env() -> dict[str, str]:
    # fetching honours the user's git configuration (proxies, insteadOf, credentials) but never prompts
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return env


def _clone(spec: RepoSpec, url: str, dest: Path) -> None:
    try:
        import git  # gitpython
    except ImportError as exc:
        raise PipelineError(f"cannot clone {spec.name}: gitpython is unusable ({str(exc).splitlines()[0]})") from None

    if url.startswith("/"):
        local = Path(url)
        if not local.exists():
            raise PipelineError(f"cannot clone {spec.name} from {url}: no such path; {_hint(spec)}")
        if not ((local / ".git").exists() or ((local / "HEAD").is_file() and (local / "objects").is_dir())):
            raise PipelineError(f"cannot clone {spec.name} from {url}: not a git repository (mscore converts "
                                f"commits; make it one with git init, git add -A, git commit, or convert a plain "
                                f"directory with mscore convert SRC --out DST)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        git.Repo.clone_from(url, tmp, bare=True, env=_network_env(), multi_options=["--quiet"])
        (tmp / "info").mkdir(exist_ok=True)
        (tmp / "info" / "attributes").write_bytes(gitutil.RAW_ATTRIBUTES)
        try:
            os.rename(tmp, dest)
        except OSError:
            if not (dest / "HEAD").exists():   # not another mscore run finishing the same clone first
                raise
    except git.GitCommandError as exc:
        text = str(exc.stderr or "").strip()
        text = text.removeprefix("stderr:").strip().strip("'").strip()
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        why = lines[-1].removeprefix("fatal: ").rstrip(".") if lines else f"git exit {exc.status}"
        raise PipelineError(f"cannot clone {spec.name} from {url}: {why}; {_hint(spec)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fetch_more(spec: RepoSpec, url: str, clone: Path) -> None:
    import git

    try:
        git.Repo(clone).git.fetch(url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", "--quiet",
                                  env=_network_env())
    except git.GitCommandError:
        pass  # the ref check below reports the problem


def _extract(clone: Path, sha: str, trees: Path) -> Path:
    """The tree at ``sha``, checked out once into the cache (bytes exactly as committed)."""
    dest = trees / sha
    if (dest / ".mscore-complete").exists():
        return dest / "tree"
    trees.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}.", dir=trees))
    try:
        index = tmp / "index"
        env = gitutil.isolated_env(index_file=index)
        gitutil.git(["read-tree", sha], git_dir=clone, env=env)
        (tmp / "tree").mkdir()
        gitutil.git(["--work-tree", str(tmp / "tree"), "checkout-index", "-a", "-f"], git_dir=clone, env=env)
        index.unlink()
        (tmp / ".mscore-complete").write_text(sha + "\n")
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        try:
            os.rename(tmp, dest)
        except OSError:
            if not (dest / ".mscore-complete").exists():   # not another mscore run finishing it first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest / "tree"


def _pick(spec: RepoSpec, clone: Path, overridden: bool) -> tuple[str | None, str]:
    """The commit to convert: the manifest's pinned ``commit`` when the clone has it, else what ``ref`` names."""
    at_ref = _resolve(clone, spec.ref)
    if spec.commit:
        if _resolve(clone, spec.commit) == spec.commit:
            note = "" if at_ref in (None, spec.commit) else (
                f"{spec.ref} now points at {at_ref[:12]}; converting the pinned commit {spec.commit[:12]}")
            return spec.commit, note
        if not overridden:
            return None, ""
        return at_ref, (f"the pinned commit {spec.commit[:12]} is not in this source; converting {spec.ref} "
                        f"({at_ref[:12]})" if at_ref else "")
    return at_ref, ""


def fetch(spec: RepoSpec, url: str, cache: Path, *, overridden: bool = False) -> Fetched:
    """Clone (once) into ``cache`` and pick the commit; nothing under the cache is modified afterwards.

    ``overridden``: the URL came from --source, so a pinned commit it lacks falls back to the ref (with a note)."""
    clone = _clone_dir(cache, spec, url)
    if not (clone / "HEAD").exists():
        _clone(spec, url, clone)
    sha, note = _pick(spec, clone, overridden)
    if sha is None:
        _fetch_more(spec, url, clone)
        sha, note = _pick(spec, clone, overridden)
    if sha is None:
        what = f"commit {spec.commit} (pinned for {spec.ref!r})" if spec.commit else f"ref {spec.ref!r}"
        raise PipelineError(f"{spec.name}: {what} not found in {url}; {_hint(spec)}")
    date = int(gitutil.out(["show", "-s", "--format=%ct", sha], git_dir=clone))
    try:
        tree = _extract(clone, sha, cache / spec.name / "trees")
    except PipelineError as exc:
        raise PipelineError(f"{spec.name}: cannot check out {sha[:12]} from {url} (an incomplete mirror?): "
                            f"{str(exc).split(': ', 1)[-1]}; {_hint(spec)}") from None
    return Fetched(spec, url, sha, date, tree, clone, note)


def resolve_cached(spec: RepoSpec, url: str, cache: Path, *, overridden: bool = False) -> str | None:
    """The commit :func:`fetch` would pick, from an existing cache clone without any network; None if unknown."""
    clone = _clone_dir(cache, spec, url)
    if not (clone / "HEAD").exists():
        return None
    return _pick(spec, clone, overridden)[0]
