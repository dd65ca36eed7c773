"""Converting a whole directory (or one file): walk, convert in parallel, cache, and write atomically.

Reading is separate from writing: :func:`convert_tree` reads ``src`` and returns every file's result in memory;
:func:`write_tree` builds the output beside its destination and moves it into place, so an interrupted or failed
write leaves the destination as it was.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import stat
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mscore import __version__, code_digest
from mscore.rewrite.engine import PROFILES, convert_source
from mscore.rewrite.locate import TreeIndex
from mscore.rewrite.result import NOT_PYTHON, FileResult
from mscore.rewrite.transforms import KNOWN
from mscore.rules import RuleSet, load_rules

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__"}
REPORT_NAME = "mscore-report.json"
STAMP_NAME = ".mscore-stamp"   # digest of the written result + each file's size and mtime: lets a re-run skip writing
_CLASS = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*:", re.M)
_NN_BASE = re.compile(r"(?:^|\W)(?:nn|torch\.nn)\.(\w+)")


class TreeError(Exception):
    """Bad input or output location: a one-line message for the user."""


@dataclass
class TreeResult:
    root: Path                                   # the source root that was converted
    files: list[FileResult] = field(default_factory=list)   # sorted by path; every file under root, .py or not
    seconds: float = 0.0
    profile: str = "native"
    rules_fingerprint: str = ""
    cache_hits: int = 0
    single_file: bool = False

    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "converted"]


def list_files(src: Path) -> list[str]:
    """Every regular file under ``src`` as sorted relative '/' paths (VCS and cache directories skipped)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel = os.path.relpath(dirpath, src)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            out.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return sorted(out)


def build_index(texts: dict[str, bytes]) -> TreeIndex:
    """Class names defined in the tree, and which of them derive (transitively, by name) from an nn class."""
    bases: dict[str, set[str]] = {}
    cells: set[str] = set()
    for data in texts.values():
        if b"class" not in data:
            continue
        text = data.decode("utf-8", "replace")
        for m in _CLASS.finditer(text):
            name, raw = m.group(1), m.group(2)
            names = set()
            for part in raw.split(","):
                part = part.strip()
                if not part or "=" in part:
                    continue
                names.add(part.rsplit(".", 1)[-1])
                if _NN_BASE.search(part) or part in ("Module", "torch.nn.Module"):
                    cells.add(name)
            bases.setdefault(name, set()).update(names)
    changed = True
    while changed:
        changed = False
        for name, bs in bases.items():
            if name not in cells and bs & cells:
                cells.add(name)
                changed = True
    return TreeIndex(classes=frozenset(bases), cells=frozenset(cells))


# -- worker side ---------------------------------------------------------------------------------------------
_W: dict = {}


def _init_worker(rules: RuleSet, profile: str, index: TreeIndex) -> None:
    _W.update(rules=rules, profile=profile, index=index)


def _convert_many(batch: list[tuple[str, bytes]]) -> list[FileResult]:
    return [convert_source(data, path, _W["rules"], profile=_W["profile"], index=_W["index"]) for path, data in batch]


def _batches(items: list[tuple[str, bytes]], jobs: int) -> list[list[tuple[str, bytes]]]:
    # biggest files first, dealt round-robin into ~8 batches a worker: even loads, few messages
    order = sorted(items, key=lambda it: -len(it[1]))
    n = max(1, min(len(order), jobs * 8))
    return [order[i::n] for i in range(n)]


def _cache_key(data: bytes, salt: bytes) -> str:
    return hashlib.sha256(salt + data).hexdigest()


def convert_tree(
    src: Path,
    *,
    rules: RuleSet | None = None,
    jobs: int = 0,
    cache_dir: Path | None = None,
    profile: str = "native",
    progress=None,
) -> TreeResult:
    """Convert every file under ``src`` (a directory or one file). Reads only; writes nothing but the cache.

    ``jobs=0`` uses every core. ``cache_dir`` enables the content-addressed cache (keyed by file bytes, rule-set
    fingerprint, mscore version, profile and the tree's class index). Output is identical whatever ``jobs`` is.
    ``progress``, if given, is called as ``progress(files_done_since_last_call, python_files_total)`` as work
    completes (``mscore.progress``).
    """
    t0 = time.perf_counter()
    src = Path(src)
    if profile not in PROFILES:
        raise TreeError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    if not src.exists():
        raise TreeError(f"source {src} does not exist")
    rules = rules or load_rules(known_transforms=KNOWN)
    single = src.is_file()
    rels = [src.name] if single else list_files(src)
    base = src.parent if single else src
    blobs: dict[str, bytes] = {}
    for rel in rels:
        try:
            blobs[rel] = (base / rel).read_bytes()
        except OSError as exc:
            raise TreeError(f"cannot read {base / rel}: {exc.strerror}") from None
    py = {rel: data for rel, data in blobs.items() if rel.endswith(".py")}
    index = build_index(py)
    salt = pickle.dumps(
        (__version__, code_digest(), rules.fingerprint, profile, sorted(index.classes), sorted(index.cells))
    )
    results: dict[str, FileResult] = {}
    todo: list[tuple[str, bytes]] = []
    hits = 0
    for rel, data in py.items():
        if cache_dir is not None:
            hit = _cache_get(cache_dir, _cache_key(data, salt))
            if hit is not None:
                hit.path = rel
                results[rel] = hit
                hits += 1
                continue
        todo.append((rel, data))
    jobs = jobs or os.cpu_count() or 1
    tick = progress or (lambda _done, _total: None)
    tick(hits, len(py))
    if todo:
        done = []
        if jobs == 1 or len(todo) < 8:
            _init_worker(rules, profile, index)
            for item in todo:
                done += _convert_many([item])
                tick(1, len(py))
        else:
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(rules, profile, index))
            with pool as ex:
                for batch in ex.map(_convert_many, _batches(todo, jobs)):
                    done += batch
                    tick(len(batch), len(py))
        for r in done:
            results[r.path] = r
            if cache_dir is not None:
                _cache_put(cache_dir, _cache_key(py[r.path], salt), r)
    for rel, data in blobs.items():
        if rel not in results:
            results[rel] = FileResult(rel, NOT_PYTHON, data)
    return TreeResult(
        root=src, files=[results[rel] for rel in sorted(results)], seconds=time.perf_counter() - t0, profile=profile,
        rules_fingerprint=rules.fingerprint, cache_hits=hits, single_file=single,
    )


def _cache_get(cache_dir: Path, key: str) -> FileResult | None:
    path = cache_dir / key[:2] / key
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        return None


def _cache_put(cache_dir: Path, key: str, result: FileResult) -> None:
    path = cache_dir / key[:2] / key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass   # a cache that cannot be written only costs time


def check_destination(src: Path, dst: Path) -> None:
    """Refuse outputs that would write into the source tree (or contain it)."""
    s, d = Path(src).resolve(), Path(dst).resolve()
    if s.is_file():
        if d == s:
            raise TreeError(f"--out {dst} is the source file itself; mscore never writes into its input")
        return
    if d == s or s in d.parents:
        raise TreeError(f"--out {dst} is inside the source tree {src}; mscore never writes into its input")
    if d in s.parents:
        raise TreeError(f"--out {dst} contains the source tree {src}; choose a separate output directory")


def write_tree(result: TreeResult, dst: Path, *, report_json: bytes | None = None) -> None:
    """Write ``result`` into ``dst`` atomically: build beside it, then move into place (``dst`` is replaced whole).

    An existing ``dst`` is replaced only if it is empty or a previous mscore output (it holds the report)."""
    dst = Path(dst)
    check_destination(result.root, dst)
    if result.single_file:
        try:
            _write_file_atomic(dst, result.files[0].output, result.root)
            if report_json is not None:
                _write_file_atomic(dst.with_name(dst.name + ".mscore.json"), report_json, None)
        except OSError as exc:   # e.g. --out below a regular file: one line, not a traceback
            raise TreeError(f"cannot write {dst}: {exc.strerror or exc}") from None
        return
    digest = result_digest(result)
    if dst.exists():
        if not dst.is_dir():
            raise TreeError(f"--out {dst} exists and is not a directory")
        if any(dst.iterdir()) and not (dst / REPORT_NAME).exists():
            raise TreeError(f"--out {dst} is a non-empty directory that is not an mscore output; choose another")
        if _stamp_matches(dst, digest, result):
            return   # same result already there, untouched since: nothing to write
    parent = dst.parent if str(dst.parent) else Path(".")
    tmp: Path | None = None
    old: Path | None = None
    try:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.mscore-", dir=parent))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)
        except OSError as exc:
            raise TreeError(f"cannot write to {parent}: {exc.strerror}") from None
        for f in result.files:
            target = tmp / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.output)
            _copy_mode(result.root / f.path, target)
        if report_json is not None:
            (tmp / REPORT_NAME).write_bytes(report_json)
        _write_stamp(tmp, digest, result)
        if dst.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dst.name}.old-", dir=parent))
            old.rmdir()
            os.rename(dst, old)
        os.rename(tmp, dst)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except TreeError:
        _settle(tmp, dst, old)
        raise
    except OSError as exc:
        _settle(tmp, dst, old)
        raise TreeError(f"writing {dst} failed, nothing changed: {exc.strerror or exc}") from None
    except BaseException:   # Ctrl-C anywhere once the temporary directory exists (even while it is set up)
        _settle(tmp, dst, old)
        raise


def _settle(tmp: Path | None, dst: Path, old: Path | None) -> None:
    """After a failure or an interrupt (Ctrl-C can land between the two renames, or during the clean-up), leave
    ``dst`` whole: the previous output put back if the new one is not in place yet, else the new one; nothing
    left beside it."""
    if old is not None and old.exists():
        if not dst.exists():
            os.rename(old, dst)
        else:
            shutil.rmtree(old, ignore_errors=True)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


def result_digest(result: TreeResult) -> str:
    h = hashlib.sha256()
    for f in result.files:
        h.update(f.path.encode() + b"\0" + hashlib.sha256(f.output).digest())
    return h.hexdigest()


def _stamp_lines(root: Path, digest: str, result: TreeResult) -> str | None:
    lines = [digest]
    for f in result.files:
        try:
            st = (root / f.path).stat()
        except OSError:
            return None
        lines.append(f"{st.st_size} {st.st_mtime_ns} {f.path}")
    return "\n".join(lines) + "\n"


def _write_stamp(root: Path, digest: str, result: TreeResult) -> None:
    text = _stamp_lines(root, digest, result)
    if text is not None:
        (root / STAMP_NAME).write_text(text)


def _stamp_matches(root: Path, digest: str, result: TreeResult) -> bool:
    try:
        old = (root / STAMP_NAME).read_text()
    except OSError:
        return False
    return old == _stamp_lines(root, digest, result)


def _copy_mode(src: Path, dst: Path) -> None:
    try:
        mode = stat.S_IMODE(src.stat().st_mode)
        os.chmod(dst, mode | stat.S_IWUSR)
    except OSError:
        pass


def _write_file_atomic(dst: Path, data: bytes, mode_from: Path | None) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode_from is not None:
            _copy_mode(mode_from, Path(tmp))
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
