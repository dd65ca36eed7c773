"""The manifest of known repositories: name, URL, pinned ref, dependencies, extra rules, patches directory."""
from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from mscore.pipeline.errors import PipelineError
from mscore.resources import data_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MANIFEST = Path(__file__).resolve().parent / "manifest.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_KEYS = {"name", "url", "ref", "commit", "depends", "rules", "patches"}
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class RepoSpec:
    name: str
    url: str
    ref: str
    commit: str | None             # the commit ``ref`` is expected to be (a branch may move): used when present
    depends: tuple[str, ...]
    rules: tuple[Path, ...]        # absolute paths of extra rule files
    patches: Path | None           # absolute path of the patches directory (may not exist: no patches)


@dataclass(frozen=True)
class Manifest:
    path: Path
    repos: dict[str, RepoSpec]

    def names(self) -> list[str]:
        return sorted(self.repos)

    def closure(self, names: list[str]) -> list[RepoSpec]:
        """``names`` and everything they depend on, dependencies first (stable, deterministic order)."""
        for n in names:
            if n not in self.repos:
                raise PipelineError(f"unknown repository {n!r}; known: {', '.join(self.names())}")
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(n: str, chain: tuple[str, ...]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                raise PipelineError(f"{self.path}: dependency cycle {' -> '.join(chain + (n,))}")
            state[n] = 1
            for d in self.repos[n].depends:
                visit(d, chain + (n,))
            state[n] = 2
            order.append(n)

        for n in names:
            visit(n, ())
        return [self.repos[n] for n in order]


def load_manifest(path: Path | None = None) -> Manifest:
    path = Path(path or os.environ.get("MSCORE_MANIFEST") or DEFAULT_MANIFEST)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PipelineError(f"cannot read manifest {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PipelineError(f"{path}: not valid TOML: {exc}") from None
    if "base" in data:
        base = (path.parent / str(data["base"])).resolve()
    elif path.resolve() == DEFAULT_MANIFEST:
        base = data_root()           # the shipped manifest names the shipped rules/ and patches/
    else:
        base = path.parent.resolve()
    repos: dict[str, RepoSpec] = {}
    for i, entry in enumerate(data.get("repo", [])):
        where = f"{path}: [[repo]] #{i + 1}"
        if not isinstance(entry, dict):
            raise PipelineError(f"{where}: expected a table")
        unknown = set(entry) - _KEYS
        if unknown:
            raise PipelineError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                                f"(known: {', '.join(sorted(_KEYS))})")
        for key in ("name", "url", "ref"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise PipelineError(f"{where}: '{key}' must be a non-empty string")
        name = entry["name"]
        if not _NAME.match(name):
            raise PipelineError(f"{where}: bad repository name {name!r}")
        if name in repos:
            raise PipelineError(f"{where}: repository {name!r} listed twice")
        depends = entry.get("depends", [])
        rules = entry.get("rules", [])
        if not all(isinstance(x, str) for x in depends) or not all(isinstance(x, str) for x in rules):
            raise PipelineError(f"{where}: 'depends' and 'rules' must be lists of strings")
        commit = entry.get("commit")
        if commit is not None and (not isinstance(commit, str) or not _SHA.match(commit)):
            raise PipelineError(f"{where}: 'commit' must be a full 40-hex-digit commit id")
        patches = entry.get("patches")
        if patches is not None and not isinstance(patches, str):
            raise PipelineError(f"{where}: 'patches' must be a string")
        repos[name] = RepoSpec(
            name=name, url=entry["url"], ref=entry["ref"], commit=commit, depends=tuple(depends),
            rules=tuple((base / r).resolve() for r in rules),
            patches=(base / patches).resolve() if patches else None,
        )
    for spec in repos.values():
        for d in spec.depends:
            if d not in repos:
                raise PipelineError(f"{path}: {spec.name} depends on unknown repository {d!r}")
        for r in spec.rules:
            if not r.is_file():
                raise PipelineError(f"{path}: {spec.name}: rule file {r} does not exist")
    return Manifest(path, repos)


def patches_digest(spec: RepoSpec) -> str:
    """A digest of every file in the repo's patches directory (names and bytes); '' when there are none."""
    if spec.patches is None or not spec.patches.is_dir():
        return ""
    h = hashlib.sha256()
    for p in sorted(spec.patches.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(spec.patches).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()
