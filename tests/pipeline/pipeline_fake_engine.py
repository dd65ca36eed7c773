"""A stand-in for the rewrite engine so pipeline tests do not depend on the rule set: in .py files every
``torch.`` becomes ``mindspore.`` except ``torch.secret``, which is reported unconverted."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mscore.rewrite.result import CONVERTED, NOT_PYTHON, UNCHANGED, FileResult, Unconverted

CALLS: list[dict] = []   # what the pipeline asked for (tests inspect it)


@dataclass
class FakeRules:
    fingerprint: str


@dataclass
class FakeTree:
    root: Path
    files: list = field(default_factory=list)
    seconds: float = 0.0


def load_rules(rules_dir, extra, validate=True):
    h = hashlib.sha256(b"fake-rules-v1")
    for p in extra:
        h.update(Path(p).read_bytes())
    return FakeRules(h.hexdigest())


def convert_tree(src, *, rules, jobs, cache_dir, profile, index=None):
    CALLS.append({"src": Path(src), "profile": profile, "jobs": jobs})
    files = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink():
                continue
            rel = full.relative_to(src).as_posix()
            data = full.read_bytes()
            if not rel.endswith(".py"):
                files.append(FileResult(rel, NOT_PYTHON, data))
                continue
            text = data.decode()
            secrets = [Unconverted("torch.secret", text[:m.start()].count("\n") + 1, "no rule")
                       for m in re.finditer(r"torch\.secret", text)]
            n = len(re.findall(r"torch\.", text))
            new = re.sub(r"torch\.(?!secret)", "mindspore.", text)
            if profile == "msadapter":
                new = text   # everything is left for MSAdapter in this fake
            status = CONVERTED if new != text else UNCHANGED
            conv = n - len(secrets) if status == CONVERTED else 0
            files.append(FileResult(rel, status, new.encode(), {"torch.x": n} if n else {},
                                    {"torch.x": conv} if conv else {}, secrets if status == CONVERTED else []))
    files.sort(key=lambda f: f.path)
    return FakeTree(Path(src), files)


def install(run_module) -> None:
    run_module.convert_tree = convert_tree
    run_module.load_rules = load_rules
