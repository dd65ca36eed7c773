"""Root causes of ``mscore verify``: a failed import's innermost traceback frame inside the output, its exception
and message, and its class (imports torch, third-party needs torch, vendor-only package, missing third-party
package, unconverted at import, error, timeout). Pure data in, data out: the tree and each child's raw result come
from :mod:`mscore.verify`, the classes' package lists from ``verify.toml``."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

C_TORCH, C_TP_TORCH, C_VENDOR, C_MISSING = "imports torch", "third-party needs torch", "vendor-only package", \
    "missing third-party package"
C_ERROR, C_TIMEOUT, C_UNCONVERTED = "error", "timeout", "unconverted at import"


@dataclass
class Cause:
    cls: str
    package: str | None
    file: str | None
    line: int | None
    type: str
    message: str
    modules: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line if self.line is not None else '?'}" if self.file else "-"

    @property
    def label(self) -> str:
        return f"{self.cls} ({self.package})" if self.package else self.cls


_FH_FRAME = re.compile(r'^\s*File "(.+)", line (\d+) in (.+)$')


def _normalize(message: str) -> str:
    first = next((ln.strip() for ln in message.splitlines() if ln.strip()), "")
    first = re.sub(r"0x[0-9a-fA-F]+", "0x…", first)
    return re.sub(r"\s+", " ", first)[:300]


def _in_tree(path: str, out: str) -> str | None:
    p = os.path.abspath(path)
    return os.path.relpath(p, out).replace(os.sep, "/") if p.startswith(out + os.sep) else None


def _faulthandler_frames(log: str, out: str) -> tuple[str | None, int | None]:
    """The innermost in-tree frame of a faulthandler dump (most recent call first per thread)."""
    best = None
    for block in re.split(r"\n(?=(?:Current thread|Thread) 0x)", log):
        for line in block.splitlines():
            m = _FH_FRAME.match(line)
            if m:
                rel = _in_tree(m.group(1), out)
                if rel:
                    best = best or (rel, int(m.group(2)))
                    break
    return best or (None, None)


def _in_tree_code(path: str, out: str, helpers: set[str], roots: list[str]) -> str | None:
    """Like _in_tree, but a frame in a helper package written into the output (mscore_rt) does not count."""
    rel = _in_tree(path, out)
    if rel is None or not helpers:
        return rel
    p = os.path.abspath(path)
    for r in roots:
        if p.startswith(r + os.sep) and p[len(r) + 1:].split(os.sep, 1)[0] in helpers:
            return None
    return rel


def classify(mod, raw: dict, tree, data: dict) -> Cause:
    """``mod`` and ``tree`` are :mod:`mscore.verify`'s Module and Tree (not imported here: that module imports
    this one)."""
    out = str(tree.out)
    helpers, roots = set(data.get("helper_packages", ())), [str(r) for _, r in tree.roots]
    torch_family, vendor = set(data.get("torch_family", ())), set(data.get("vendor_only", ()))
    tree_tops = {n.split(".")[0] for n in tree.index} | {m.name for m in tree.modules if m.script}
    status = raw.get("status")
    if status == "timeout":
        f, ln = _faulthandler_frames(raw.get("log", ""), out)
        return Cause(C_TIMEOUT, None, f or mod.rel, ln, "Timeout",
                     f"import did not finish in {raw.get('seconds', '?')} s")
    if status == "crashed":
        f, ln = _faulthandler_frames(raw.get("log", ""), out)
        sig = raw.get("signal")
        what = raw.get("message") or (f"the import crashed (signal {sig})" if sig else
                                      f"the import exited with code {raw.get('exit_code')}")
        return Cause(C_ERROR, None, f or mod.rel, ln, "Crash", what)
    frames = raw.get("frames", [])
    root_i = None
    for i, fr in enumerate(frames):
        if _in_tree_code(fr["file"], out, helpers, roots):
            root_i = i
    if root_i is None:
        file, line = mod.rel, None
    else:
        file, line = _in_tree(frames[root_i]["file"], out), frames[root_i]["line"]
    third = next((fr.get("pkg") for fr in frames[(root_i + 1 if root_i is not None else 0):]
                  if not _in_tree(fr["file"], out) and fr.get("pkg")), None)
    raw = dict(raw, message=(raw.get("message") or "").replace(out + os.sep, ""))   # paths relative to OUT
    chain = raw.get("chain") or [{"type": raw.get("type"), "message": raw.get("message", ""), "name": None}]
    etype, message = raw.get("type", "Error"), raw.get("message", "")
    missing = next((c["name"] for c in chain if c.get("name") and c["type"] == "ModuleNotFoundError"), None)
    top = missing.split(".")[0] if missing else None
    patterns = list(data.get("torch_messages", ()))
    if torch_family:
        patterns.append(r"No module named '(%s)[.']" % "|".join(map(re.escape, sorted(torch_family))))
    torchish = top in torch_family or any(re.search(p, c.get("message") or "") for p in patterns for c in chain)
    if etype in set(data.get("unconverted_errors", ())):
        # a stand-in for a vendor-only package (``te.__version__`` with transformer_engine absent) fails for the
        # package's absence, not for something mscore left: classed as that package's
        needed = re.search(r"it needs ([\w.]+), which is not installed", message)
        if needed and needed.group(1).split(".")[0] in vendor:
            return Cause(C_VENDOR, needed.group(1).split(".")[0], file, line, etype, _normalize(message))
        return Cause(C_UNCONVERTED, None, file, line, etype, _normalize(message))
    if top in vendor:
        return Cause(C_VENDOR, top, file, line, etype, _normalize(message))
    if torchish:
        if third:
            return Cause(C_TP_TORCH, third, file, line, etype, _normalize(message))
        return Cause(C_TORCH, None, file, line, etype, _normalize(message))
    # a package the tree imports is absent: raised as is, or re-raised by the tree with its own words
    # (Megatron's "mamba-ssm is required by the Mamba model but cannot be imported", from the ModuleNotFoundError)
    if etype in ("ModuleNotFoundError", "ImportError") and top and top not in tree_tops:
        return Cause(C_VENDOR if top in vendor else C_MISSING, top, file, line, etype, _normalize(message))
    return Cause(C_ERROR, None, file, line, etype, _normalize(message))
