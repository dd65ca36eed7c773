"""Hand-written patches applied to a converted tree: ``replace.toml`` whole-file replacements, then ``*.patch``.

Both act on a staging work tree only; any failure raises :class:`PipelineError` naming the patch (and the hunk),
and the caller throws the staging tree away, so nothing is half-written.
"""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from mscore.pipeline import gitutil
from mscore.pipeline.errors import PipelineError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPLACE_FILE = "replace.toml"
_FAILED = re.compile(r"patch failed: (.+):(\d+)\s*$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Applied:
    kind: str        # "replace" or "patch"
    name: str        # patch file name (relative to the patches dir)
    paths: tuple[str, ...]
    reason: str = ""


def blob_sha(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def apply_replacements(patches_dir: Path, upstream: Path, work: Path, repo: str) -> list[Applied]:
    spec_file = patches_dir / REPLACE_FILE
    if not spec_file.is_file():
        return []
    where = f"{repo} patch {spec_file}"
    try:
        data = tomllib.loads(spec_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PipelineError(f"{where}: not valid TOML: {exc}") from None
    done = []
    for i, entry in enumerate(data.get("replace", [])):
        at = f"{where} [[replace]] #{i + 1}"
        if not isinstance(entry, dict):
            raise PipelineError(f"{at}: expected a table")
        missing = [k for k in ("path", "file", "upstream_blob") if not isinstance(entry.get(k), str) or not entry[k]]
        if missing:
            raise PipelineError(f"{at}: missing {', '.join(missing)}")
        path, file, want = entry["path"], entry["file"], entry["upstream_blob"].lower()
        if path.startswith("/") or ".." in Path(path).parts:
            raise PipelineError(f"{at}: path {path!r} must be relative inside the repository")
        src = upstream / path
        if not src.is_file():
            raise PipelineError(f"{at}: {path} does not exist in upstream {repo}; the patch targets another version")
        got = blob_sha(src.read_bytes())
        if got != want:
            raise PipelineError(f"{at}: upstream {path} is blob {got}, the patch was written against {want}; "
                                f"review {file} against the new upstream file and update upstream_blob")
        new = patches_dir / file
        if not new.is_file():
            raise PipelineError(f"{at}: replacement file {new} does not exist")
        (work / path).write_bytes(new.read_bytes())
        done.append(Applied("replace", f"{REPLACE_FILE}#{i + 1}", (path,), str(entry.get("reason", ""))))
    return done


def _hunk_of(patch_text: str, path: str, line: int) -> str:
    """'hunk #k @@ ... @@' of ``path`` in the patch whose old range starts at ``line`` (git's failure report)."""
    current, k = None, 0
    for ln in patch_text.splitlines():
        if ln.startswith("diff --git "):
            current, k = None, 0
        elif ln.startswith("--- "):
            k = 0
        elif ln.startswith("+++ "):
            target = ln[4:].strip()
            current = target[2:] if target.startswith(("a/", "b/")) else target
        elif ln.startswith("@@"):
            k += 1
            m = _HUNK.match(ln)
            if m and current == path and int(m.group(1)) == line:
                return f"hunk #{k} {ln.split(' @@')[0]} @@"
    return f"the hunk at line {line}"


def apply_patch_files(patches_dir: Path, work: Path, repo: str) -> list[Applied]:
    done = []
    for pf in sorted(patches_dir.glob("*.patch")):
        text = pf.read_text(encoding="utf-8", errors="replace")
        check = gitutil.git(["apply", "--check", "--whitespace=nowarn", str(pf)], cwd=work, check=False)
        if check.returncode != 0:
            err = check.stderr.decode("utf-8", "replace").splitlines()
            detail = next((ln for ln in err if ln.strip()), "git apply failed").removeprefix("error: ")
            for ln in err:
                m = _FAILED.search(ln)
                if m:
                    detail = f"{m.group(1)}: {_hunk_of(text, m.group(1), int(m.group(2)))} does not apply"
                    break
            raise PipelineError(f"{repo} patch {pf} does not apply to the converted tree: {detail}")
        paths = gitutil.out(["apply", "--numstat", str(pf)], cwd=work).splitlines()
        gitutil.git(["apply", "--whitespace=nowarn", str(pf)], cwd=work)
        done.append(Applied("patch", pf.name, tuple(p.split("\t", 2)[-1] for p in paths)))
    return done


def apply_all(patches_dir: Path | None, upstream: Path, work: Path, repo: str) -> list[Applied]:
    if patches_dir is None or not patches_dir.is_dir():
        return []
    return apply_replacements(patches_dir, upstream, work, repo) + apply_patch_files(patches_dir, work, repo)
