"""The stamp of an mscore output directory: proves the directory is one (the conversion result's digest) and lists
what mscore wrote there (size, mtime), so that a re-run knows whether the output is up to date and which files in it
someone else put or changed (they are never overwritten silently). Written last by ``tree.write_tree``."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

REPORT_NAME = "mscore-report.json"
STAMP_NAME = ".mscore-stamp"   # proves an mscore output: the result's digest + what was written (size, mtime)
_STAMP_FORMAT = 2
_SCRATCH_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}


def stamp_files(root: Path, paths: list[str]) -> list | None:
    """[path, size, mtime_ns] of each written path (None when one is missing; a missing report is left out)."""
    out = []
    for rel in paths:
        try:
            st = (root / rel).stat()
        except OSError:
            if rel == REPORT_NAME:
                continue
            return None
        out.append([rel, st.st_size, st.st_mtime_ns])
    return out


def write_stamp(root: Path, digest: str, paths: list[str]) -> None:
    files = stamp_files(root, paths)
    if files is not None:
        (root / STAMP_NAME).write_bytes(
            json.dumps({"mscore_output": _STAMP_FORMAT, "digest": digest, "files": files}).encode() + b"\n")


def read_stamp(root: Path) -> dict | None:
    """The stamp of an mscore output (None: not one). Format 1 (text: digest, then 'size mtime path' lines) is read
    too, so outputs of earlier versions are still recognised."""
    try:
        raw = (root / STAMP_NAME).read_bytes()
    except OSError:
        return None
    try:
        d = json.loads(raw)
        if isinstance(d, dict) and d.get("mscore_output") == _STAMP_FORMAT and isinstance(d.get("digest"), str) \
                and all(isinstance(x, list) and len(x) == 3 for x in d.get("files", None)):
            return d
        return None
    except (ValueError, TypeError):
        pass
    lines = raw.decode("utf-8", "surrogateescape").split("\n")
    if not re.fullmatch(r"[0-9a-f]{64}", lines[0]):
        return None
    files = []
    for ln in lines[1:]:
        parts = ln.split(" ", 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            files.append([parts[2], int(parts[0]), int(parts[1])])
    return {"mscore_output": 1, "digest": lines[0], "files": files}


def foreign(root: Path, stamp: dict) -> list[str]:
    """Files under an mscore output that mscore did not write, or that changed since (size or mtime)."""
    known = {rel: (size, mtime) for rel, size, mtime in stamp["files"]}
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SCRATCH_DIRS)
        rel_dir = os.path.relpath(dirpath, root)
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            if rel == STAMP_NAME:
                continue
            want = known.get(rel)
            if want is None:
                if rel != REPORT_NAME:   # (format 1 stamps did not list the report)
                    out.append(rel)
                continue
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) != tuple(want):
                out.append(rel)
        for d in dirnames:   # a symlinked directory is listed by os.walk but not entered
            if os.path.islink(os.path.join(dirpath, d)):
                out.append(d if rel_dir == "." else f"{rel_dir}/{d}")
    return sorted(out)
