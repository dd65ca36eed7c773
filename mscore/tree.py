"""Converting a whole directory (or one file): walk, convert in parallel, cache, and write atomically.

Reading is separate from writing: :func:`convert_tree` reads ``src`` and returns every file's result in memory;
:func:`write_tree` builds the output beside its destination and moves it into place, so an interrupted or failed
write leaves the destination as it was.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import signal
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from mscore import __version__, code_digest, depfiles
from mscore.rewrite import PROFILES
from mscore.rewrite.engine import convert_source
from mscore.rewrite.locate import TreeIndex, module_name
from mscore.pipeline.launch import convert_script
from mscore.outdir import Staging, resolve_destination, special_kind, write_file_atomic
from mscore.rewrite.result import (
    CONVERTED, ERROR, NOT_PYTHON, RUNTIME, SKIPPED, UNCHANGED, UNDECODABLE, UNPARSABLE, FileResult,
)
from mscore.rewrite.result import Unconverted
from mscore.rewrite.transforms import KNOWN
from mscore.stamp import REPORT_NAME, STAMP_NAME, foreign, read_stamp, stamp_files, write_stamp
from mscore.rules import RuleSet, load_rules

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__"}
CACHEABLE = {CONVERTED, UNCHANGED, UNDECODABLE, UNPARSABLE, ERROR}
_CLASS = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*:", re.M)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_NN_BASE = re.compile(r"(?:^|\W)(?:nn|torch\.nn)\.(\w+)")


RUNTIME_PACKAGE = "mscore_rt"   # mscore/runtime, as converted code imports it


def runtime_files() -> dict[str, bytes]:
    """The modules of ``mscore/runtime`` as the files of the ``mscore_rt`` package written into an output."""
    here = Path(__file__).resolve().parent / "runtime"
    return {f"{RUNTIME_PACKAGE}/{p.name}": p.read_bytes() for p in sorted(here.glob("*.py"))}


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


def list_files(src: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Every regular file under ``src`` as sorted relative '/' paths (VCS and cache directories skipped), and what
    is not copied: ``(path, why)`` for symbolic links (never followed) and special files (FIFOs, sockets, devices).

    A directory that cannot be read is an error (:class:`TreeError`), never silently left out."""
    out: list[str] = []
    skipped: list[tuple[str, str]] = []

    def failed(exc: OSError) -> None:
        raise TreeError(f"cannot read {exc.filename or src}: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(src, onerror=failed):
        rel = os.path.relpath(dirpath, src)

        def relpath(name: str) -> str:
            return name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")

        keep = []
        for d in sorted(dirnames):
            if d in SKIP_DIRS:
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                skipped.append((relpath(d), f"symbolic link to {os.readlink(os.path.join(dirpath, d))} "
                                            f"(a directory): not followed, not copied"))
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                skipped.append((relpath(name), f"symbolic link to {os.readlink(full)}: not followed, not copied"))
            elif not os.path.isfile(full):
                skipped.append((relpath(name), f"{special_kind(Path(full)) or 'not a regular file'}: not copied"))
            else:
                out.append(relpath(name))
    return sorted(out), sorted(skipped)


def _imported_names(rel: str, text: str) -> set[str]:
    """``pkg.mod.name`` for each ``from pkg.mod import name`` (relative forms resolved against ``rel``)."""
    here = module_name(rel).split(".")
    package = here if rel.replace("\\", "/").endswith("__init__.py") else here[:-1]
    out = set()
    for m in _FROM.finditer(text):
        mod, names = m.group(1), m.group(2)
        dots = len(mod) - len(mod.lstrip("."))
        if dots:
            base = package[:len(package) - (dots - 1)] if dots - 1 <= len(package) else []
            mod = ".".join([*base, mod.lstrip(".")] if mod.lstrip(".") else base)
        if not mod or mod.split(".", 1)[0] in ("torch", "torch_npu"):
            continue
        for line in names.strip("()").splitlines():
            for part in line.split("#", 1)[0].split(","):
                name = part.strip().split(" as ", 1)[0].strip().rstrip("\\").strip()
                if name.isidentifier():
                    out.add(f"{mod}.{name}")
    return out


def build_index(texts: dict[str, bytes]) -> TreeIndex:
    """Class names defined in the tree, which of them derive (transitively, by name) from an nn class, and the
    names other modules import from each module."""
    bases: dict[str, set[str]] = {}
    cells: set[str] = set()
    imported: set[str] = set()
    for key, data in texts.items():
        if b"import" in data:
            rel = key.split("/", 1)[1] if key.split("/", 1)[0].isdigit() and "/" in key else key
            imported |= _imported_names(rel, data.decode("utf-8", "replace"))
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
    return TreeIndex(classes=frozenset(bases), cells=frozenset(cells), imported=frozenset(imported))


def index_of_trees(roots: list[Path]) -> TreeIndex:
    """One class index over several trees (their .py files), as :func:`build_index` builds it for one."""
    texts: dict[str, bytes] = {}
    for n, root in enumerate(roots):
        for rel in list_files(Path(root))[0]:
            if rel.endswith(".py"):
                try:
                    texts[f"{n}/{rel}"] = (Path(root) / rel).read_bytes()
                except OSError:
                    continue
    return build_index(texts)


def merge_index(a: TreeIndex, b: TreeIndex) -> TreeIndex:
    return TreeIndex(classes=a.classes | b.classes, cells=a.cells | b.cells, imported=a.imported | b.imported)


# -- worker side ---------------------------------------------------------------------------------------------
_W: dict = {}


def _init_worker(rules: RuleSet, profile: str, index: TreeIndex, parent: int | None = None) -> None:
    _W.update(rules=rules, profile=profile, index=index)
    if parent is not None:
        _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """A pool worker must not outlive the run: it would hold the run's stdout/stderr open (a reader waiting for
    EOF hangs). Linux: ask for SIGKILL when the parent dies; any platform: give up if the parent is already gone.
    Ctrl-C is the parent's to handle (it terminates the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:
        os._exit(1)


def _convert_many(batch: list[tuple[str, bytes]]) -> list[FileResult]:
    return [convert_source(data, path, _W["rules"], profile=_W["profile"], index=_W["index"]) for path, data in batch]


def _batches(items: list[tuple[str, bytes]], jobs: int) -> list[list[tuple[str, bytes]]]:
    # biggest files first, dealt round-robin into ~8 batches a worker: even loads, few messages
    order = sorted(items, key=lambda it: -len(it[1]))
    n = max(1, min(len(order), jobs * 8))
    return [order[i::n] for i in range(n)]


def _cache_key(data: bytes, salt: bytes) -> str:
    return hashlib.sha256(salt + data).hexdigest()


def check_source(src: Path) -> None:
    if not os.path.lexists(src):
        raise TreeError(f"source {src} does not exist")
    if src.is_dir():
        return
    kind = special_kind(src)
    if kind is not None or not src.name.endswith(".py"):
        raise TreeError(f"source {src} is {kind or 'not a .py file'}; give a directory or a .py file")


def convert_tree(
    src: Path,
    *,
    rules: RuleSet | None = None,
    jobs: int = 0,
    cache_dir: Path | None = None,
    profile: str = "native",
    progress=None,
    index: TreeIndex | None = None,
) -> TreeResult:
    """Convert every file under ``src`` (a directory or one .py file). Reads only; writes nothing but the cache.

    ``jobs=0`` uses every core. ``cache_dir`` enables the content-addressed cache (keyed by file bytes, rule-set
    fingerprint, mscore version, profile and the tree's class index). Output is identical whatever ``jobs`` is.
    ``progress``, if given, is called as ``progress(files_done_since_last_call, python_files_total)`` as work
    completes (``mscore.progress``).
    ``index``: classes known from other trees converted together (``--repo``: a class is a Cell when any base,
    in any of the repositories, is one); merged with this tree's own.
    """
    t0 = time.perf_counter()
    src = Path(src)
    if profile not in PROFILES:
        raise TreeError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    check_source(src)
    rules = rules or load_rules(known_transforms=KNOWN)
    single = not src.is_dir()
    rels, skipped = ([src.name], []) if single else list_files(src)
    base = src.parent if single else src
    blobs: dict[str, bytes] = {}
    for rel in rels:
        try:
            blobs[rel] = (base / rel).read_bytes()
        except OSError as exc:
            raise TreeError(f"cannot read {base / rel}: {exc.strerror}") from None
    py = {rel: data for rel, data in blobs.items() if rel.endswith(".py")}
    index = merge_index(build_index(py), index) if index is not None else build_index(py)
    salt = json.dumps(
        [__version__, code_digest(), rules.fingerprint, profile, sorted(index.classes), sorted(index.cells),
         sorted(index.imported)]
    ).encode()
    results: dict[str, FileResult] = {}
    todo: list[tuple[str, bytes]] = []
    hits = 0
    for rel, data in py.items():
        if cache_dir is not None:
            hit = _cache_get(cache_dir, _cache_key(data, salt), rel, data)
            if hit is not None:
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
            done = _convert_in_pool(todo, jobs, (rules, profile, index, os.getpid()), lambda n: tick(n, len(py)))
        for r in done:
            results[r.path] = r
            if cache_dir is not None:
                _cache_put(cache_dir, _cache_key(py[r.path], salt), r, py[r.path])
    drop = depfiles.drop_set(rules.imports.packages)
    for rel, data in blobs.items():
        if rel not in results:
            notes = ""
            if depfiles.is_packaging_file(rel):
                new = depfiles.convert_packaging(rel, data, drop)
            elif rel.endswith(LAUNCH_SCRIPT_SUFFIXES):
                new, notes = _launch_script(rel, data)
            else:
                new = None
            results[rel] = (FileResult(rel, NOT_PYTHON, data, message=notes) if new is None
                            else FileResult(rel, CONVERTED, new, message=notes))
    for rel, why in skipped:
        results[rel] = FileResult(rel, SKIPPED, b"", message=why)
    if not single and any(r.status == CONVERTED and RUNTIME_PACKAGE.encode() in r.output for r in results.values()):
        for rel, data in runtime_files().items():
            results[rel] = FileResult(rel, RUNTIME, data)
    return TreeResult(
        root=src, files=[results[rel] for rel in sorted(results)], seconds=time.perf_counter() - t0, profile=profile,
        rules_fingerprint=rules.fingerprint, cache_hits=hits, single_file=single,
    )


LAUNCH_SCRIPT_SUFFIXES = (".sh", ".bash")


def _launch_script(rel: str, data: bytes) -> tuple[bytes | None, str]:
    """A shell script's torchrun launches as msrun launches (pipeline/launch.py): (new bytes or None, notes)."""
    lr = convert_script(data.decode("utf-8", "surrogateescape"), rel)
    return (lr.text.encode("utf-8", "surrogateescape") if lr.changed else None), "; ".join(lr.notes)


def _convert_in_pool(todo: list[tuple[str, bytes]], jobs: int, initargs: tuple,
                     tick=lambda _n: None) -> list[FileResult]:
    """Convert in worker processes; ``tick(n)`` after each batch of ``n`` files. However the run ends (an error,
    Ctrl-C, SIGTERM turned into an exception by the CLI) the workers are terminated before this returns; if the
    parent is killed outright they die with it."""
    import multiprocessing

    pool = multiprocessing.Pool(processes=jobs, initializer=_init_worker, initargs=initargs)
    try:
        done = []
        for batch in pool.imap(_convert_many, _batches(todo, jobs), chunksize=1):
            done += batch
            tick(len(batch))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done


# -- the conversion cache: JSON (data only: a planted or corrupted entry can at worst be a miss) -------------------
_CACHE_FORMAT = 1


def _cache_get(cache_dir: Path, key: str, rel: str, data: bytes) -> FileResult | None:
    path = cache_dir / key[:2] / f"{key}.json"
    try:
        with open(path, "rb") as fh:
            d = json.loads(fh.read())
        if d.get("format") != _CACHE_FORMAT or d.get("status") not in CACHEABLE:
            return None
        out = data if d["output"] is None else base64.b64decode(d["output"].encode("ascii"), validate=True)
        unconverted = [Unconverted(str(api), int(line), str(reason)) for api, line, reason in d["unconverted"]]
        seen = {str(k): int(v) for k, v in d["seen"].items()}
        converted = {str(k): int(v) for k, v in d["converted"].items()}
        return FileResult(rel, d["status"], out, seen, converted, unconverted, str(d.get("message", "")),
                          int(d.get("import_time_torch", 0)))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        return None


def _cache_put(cache_dir: Path, key: str, result: FileResult, data: bytes) -> None:
    path = cache_dir / key[:2] / f"{key}.json"
    blob = json.dumps({
        "format": _CACHE_FORMAT, "status": result.status,
        "output": None if result.output == data else base64.b64encode(result.output).decode("ascii"),
        "seen": result.seen, "converted": result.converted,
        "unconverted": [[u.api, u.line, u.reason] for u in result.unconverted], "message": result.message,
        "import_time_torch": result.import_time_torch,
    }).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        _raw_write(tmp, blob)
        os.replace(tmp, path)
    except OSError:
        pass   # a cache that cannot be written only costs time


def _raw_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def check_destination(src: Path, dst: Path) -> None:
    """Refuse outputs that would write into the source tree (or contain it), or replace something that is not an
    output: a device, FIFO or socket, a file where a directory is needed (and the reverse)."""
    dst = resolve_destination(dst)
    s, d = Path(src).resolve(), dst.resolve()
    single = not s.is_dir()
    if single:
        if d == s:
            raise TreeError(f"--out {dst} is the source file itself; mscore never writes into its input")
    else:
        if d == s or s in d.parents:
            raise TreeError(f"--out {dst} is inside the source tree {src}; mscore never writes into its input")
        if d in s.parents:
            raise TreeError(f"--out {dst} contains the source tree {src}; choose a separate output directory")
    kind = special_kind(dst)
    if kind is not None and (single or kind != "a directory"):
        raise TreeError(f"--out {dst} is {kind}; give a {'file' if single else 'directory'} path")
    if not single and os.path.lexists(dst) and not dst.is_dir():
        raise TreeError(f"--out {dst} exists and is not a directory")
    if single:
        side = report_path(dst)
        kind = special_kind(side)
        if kind is not None:
            raise TreeError(f"{side} (the report beside --out) is {kind}")
    probe = d.parent
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise TreeError(f"cannot write {dst}: {probe} is not a directory")


def report_path(dst: Path) -> Path:
    """Where single-file mode writes its report."""
    return dst.with_name(dst.name + ".mscore.json")


def _is_mscore_report(path: Path) -> bool:
    try:
        d = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(d, dict) and "mscore_version" in d and "schema" in d


def write_tree(result: TreeResult, dst: Path, *, report_json: bytes | None = None, force: bool = False) -> None:
    """Write ``result`` into ``dst`` atomically: build beside it, then swap it into place (``dst`` is replaced whole,
    never missing; see :mod:`mscore.outdir`).

    An existing ``dst`` is replaced only if it is empty or an mscore output (its stamp proves it). Files in it that
    mscore did not write (added or changed since) are refused unless ``force``; a foreign directory always is."""
    dst = resolve_destination(dst)
    check_destination(result.root, dst)
    if result.single_file:
        side = report_path(dst)
        if report_json is not None and side.exists() and not force and not _is_mscore_report(side):
            raise TreeError(f"{side} exists and is not an mscore report; move it or re-run with --force")
        try:
            write_file_atomic(dst, result.files[0].output, _mode_of(result.root))
            if report_json is not None:
                write_file_atomic(side, report_json)
        except OSError as exc:   # e.g. --out below a regular file: one line, not a traceback
            raise TreeError(f"cannot write {dst}: {exc.strerror or exc}") from None
        return
    digest = result_digest(result)
    if dst.exists():
        stamp = read_stamp(dst)
        if stamp is None and any(dst.iterdir()):
            raise TreeError(f"--out {dst} is a non-empty directory that is not an mscore output "
                            f"(no valid {STAMP_NAME}); choose another")
        if stamp is not None:
            if stamp["digest"] == digest and stamp_files(dst, _written(result)) == stamp["files"] \
                    and not foreign(dst, stamp):
                return   # same result already there, untouched since: nothing to write
            others = foreign(dst, stamp)
            if others and not force:
                raise TreeError(f"--out {dst} holds {len(others)} file(s) mscore did not write or that changed since "
                                f"(e.g. {_shown_path(others[0])}); move them out or re-run with --force to replace "
                                f"the output whole")
    stage = Staging(dst, TreeError)
    try:
        tmp = stage.open()
        for f in result.files:
            if f.status == SKIPPED:
                continue
            target = tmp / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.output)
            _copy_mode(result.root / f.path, target)
        if report_json is not None:
            (tmp / REPORT_NAME).write_bytes(report_json)
        write_stamp(tmp, digest, _written(result))
        stage.commit()
    except TreeError:
        stage.discard()
        raise
    except OSError as exc:
        stage.discard()
        raise TreeError(f"writing {dst} failed, nothing changed: {exc.strerror or exc}") from None
    except BaseException:   # Ctrl-C anywhere once the staging directory exists (even while it is set up)
        stage.discard()
        raise


def _shown_path(rel: str) -> str:
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def result_digest(result: TreeResult) -> str:
    h = hashlib.sha256()
    for f in result.files:
        if f.status != SKIPPED:
            h.update(os.fsencode(f.path) + b"\0" + hashlib.sha256(f.output).digest())
    return h.hexdigest()


def _written(result: TreeResult) -> list[str]:
    return [f.path for f in result.files if f.status != SKIPPED] + [REPORT_NAME]


def _mode_of(src: Path) -> int | None:
    try:
        return stat.S_IMODE(src.stat().st_mode) | stat.S_IWUSR
    except OSError:
        return None


def _copy_mode(src: Path, dst: Path) -> None:
    mode = _mode_of(src)
    if mode is not None:
        try:
            os.chmod(dst, mode)
        except OSError:
            pass
