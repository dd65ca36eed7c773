"""The ``mscore verify`` worker: run as ``python _verify_zygote.py <read fd> <write fd>`` by :mod:`mscore.verify`.

It is a script (not ``-m``) so that the torch blocker below is installed before any package is imported. Protocol:
one JSON object per line on each pipe. The first request is the set-up (``paths``, ``preload``, ``backfill``,
``fork``); the worker answers ``{"ready": ...}``. Then each request names one module to import; the worker forks a
child that imports it (the worker itself stays clean: MindSpore and the preloaded packages are imported once) and
answers with the child's result. Without fork (``"fork": false``) the worker imports the one module itself and
exits: the client starts a fresh worker per module.

A child writes its stdout/stderr to the request's ``log`` file; it arms ``faulthandler`` so that a hang (dumped after
the timeout) or a crash leaves the Python stack there, which the client reads to place a timeout or crash.
Stdlib only, apart from what the set-up request asks to import.
"""
import sys

BLOCKED = ("torch", "torch_npu")


def _blocked(name) -> bool:
    return isinstance(name, str) and name.split(".", 1)[0] in BLOCKED


class HidingFinder:
    """Wraps a meta-path finder so that it never finds torch / torch_npu (nor their distributions): to every import,
    ``importlib.util.find_spec`` and ``importlib.metadata`` probe they look absent, as on a machine without them.
    (A finder that raised instead would break probes such as transformers' ``find_spec("torch")``; ``None`` in
    ``sys.modules`` would break ``"torch" in sys.modules`` checks.)"""

    def __init__(self, inner):
        self._inner = inner

    def find_spec(self, name, path=None, target=None):
        if _blocked(name):
            return None
        find = getattr(self._inner, "find_spec", None)
        return find(name, path, target) if find is not None else None

    def find_distributions(self, *args, **kwargs):
        find = getattr(self._inner, "find_distributions", None)
        if find is None:
            return iter(())
        return (d for d in find(*args, **kwargs)
                if _blocked((d.metadata["Name"] or "").lower().replace("-", "_")) is False)

    def invalidate_caches(self):
        inv = getattr(self._inner, "invalidate_caches", None)
        if inv is not None:
            inv()

    def __getattr__(self, attr):
        return getattr(self._inner, attr)


for _name in list(sys.modules):
    if _blocked(_name):
        del sys.modules[_name]
sys.meta_path[:] = [HidingFinder(f) for f in sys.meta_path]

import faulthandler  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

HERE = os.path.abspath(__file__)
KILL_GRACE = 1.0   # seconds between the child's own stack dump (at the timeout) and the kill


def _load_own_mscore() -> None:
    """Import the mscore package this script belongs to, without putting its directory's neighbours (a
    site-packages of another interpreter, a checkout's tests/) on sys.path: the worker's interpreter need not have
    mscore installed, and an mscore it has is not the one asked for."""
    pkg_dir = os.path.dirname(HERE)
    spec = importlib.util.spec_from_file_location("mscore", os.path.join(pkg_dir, "__init__.py"),
                                                  submodule_search_locations=[pkg_dir])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["mscore"] = mod
    spec.loader.exec_module(mod)


def _setup(req: dict) -> dict:
    info = {"python": sys.executable, "pid": os.getpid(), "preloaded": [], "preload_failed": {}, "backfill": "off"}
    t0 = time.perf_counter()
    os.environ.setdefault("GLOG_v", "4")
    preload = list(req.get("preload", []))
    if req.get("backfill", True) and "mindspore" not in preload:
        preload.insert(0, "mindspore")   # the backfill needs it
    for name in preload:
        try:
            importlib.import_module(name)
            info["preloaded"].append(name)
        except BaseException as exc:  # noqa: BLE001 - a preload is an optimisation; report and go on
            info["preload_failed"][name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    if "mindspore" in sys.modules:
        ms = sys.modules["mindspore"]
        info["mindspore"] = getattr(ms, "__version__", "?")
        if req.get("backfill", True):
            ms.set_device("CPU")
            _load_own_mscore()
            import mscore.backfill as backfill
            backfill.enable()
            info["backfill"] = "on"
    for p in reversed(req["paths"]):
        sys.path.insert(0, p)
    for name in req.get("prelude", []):   # imported once here; a child importing it again finds it loaded
        try:
            importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - each child tries again and reports it as its failure
            info.setdefault("prelude_failed", {})[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                sys.modules.pop(mod, None)
    info["startup_seconds"] = round(time.perf_counter() - t0, 3)
    return info


def _stdlib_dirs() -> set:
    import sysconfig

    paths = sysconfig.get_paths()
    dirs = {os.path.abspath(paths[k]) for k in ("stdlib", "platstdlib") if paths.get(k)}
    return dirs | {os.path.join(d, "lib-dynload") for d in dirs}


def _top_package(filename: str, entries: list, stdlib: set) -> str | None:
    """The top-level package a file belongs to (via the longest sys.path entry holding it); None for the stdlib."""
    for e in entries:
        if filename.startswith(e + os.sep):
            if e in stdlib:
                return None
            rest = filename[len(e):].lstrip(os.sep)
            first = rest.split(os.sep, 1)[0]
            return first[:-3] if first.endswith(".py") else first
    return None


def _describe(exc: BaseException) -> dict:
    entries = sorted((os.path.abspath(p) for p in sys.path if p), key=len, reverse=True)
    stdlib = _stdlib_dirs()
    frames = []
    for fs in traceback.extract_tb(exc.__traceback__):
        fn = fs.filename
        if fn.startswith("<") or os.path.abspath(fn) == HERE:
            continue
        fn = os.path.abspath(fn)
        frames.append({"file": fn, "line": fs.lineno, "func": fs.name, "pkg": _top_package(fn, entries, stdlib)})
    if isinstance(exc, SyntaxError) and exc.filename and not exc.filename.startswith("<"):
        fn = os.path.abspath(exc.filename)
        frames.append({"file": fn, "line": exc.lineno, "func": "<syntax>", "pkg": _top_package(fn, entries, stdlib)})
    chain, seen, e = [], set(), exc
    while e is not None and id(e) not in seen and len(chain) < 8:
        seen.add(id(e))
        chain.append({"type": type(e).__name__, "message": _message(e), "name": getattr(e, "name", None)
                      if isinstance(e, ImportError) else None})
        e = e.__cause__ or (None if e.__suppress_context__ else e.__context__)
    return {"status": "failed", "type": type(exc).__name__, "message": _message(exc), "frames": frames,
            "chain": chain}


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001
        text = "<unprintable>"
    if isinstance(exc, SystemExit):
        text = f"SystemExit({exc.code!r}) at import"
    elif isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in BLOCKED:
        text = f"No module named {exc.name.split('.')[0]!r} (blocked by mscore verify)"
    return text[:2000]


def _import_one(req: dict) -> dict:
    """In the child: import one module; never raises."""
    log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    sys.stdout = open(1, "w", closefd=False, errors="replace")
    sys.stderr = open(2, "w", closefd=False, errors="replace")
    faulthandler.enable(file=sys.stderr)
    faulthandler.dump_traceback_later(req["timeout"], exit=False, file=sys.stderr)
    sys.argv = [req["path"]]
    try:
        os.chdir(req["cwd"])
    except OSError:
        pass
    t0 = time.perf_counter()
    try:
        for name in req.get("prelude", ()):   # what the repository's entry points import first
            importlib.import_module(name)
        if req.get("script"):
            spec = importlib.util.spec_from_file_location(req["module"], req["path"])
            mod = importlib.util.module_from_spec(spec)
            sys.modules[req["module"]] = mod
            spec.loader.exec_module(mod)
        else:
            importlib.import_module(req["module"])
        result = {"status": "ok"}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt at import are failures too
        result = _describe(exc)
    faulthandler.cancel_dump_traceback_later()
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def _send(fd: int, obj: dict) -> None:
    data = (json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (however the client ends, nothing is left behind)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the client's kill on exit is all there is
        pass
    if os.getppid() == 1:
        os._exit(70)


def _run_forked(req: dict) -> dict:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # child
        code = 0
        try:
            os.close(r)
            os.setpgid(0, 0)
            _die_with_parent()
            result = _import_one(req)
            try:
                _send(w, result)
            except Exception:  # noqa: BLE001 - unserialisable message text
                _send(w, {"status": "failed", "type": "Error", "message": "unreportable failure", "frames": []})
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except Exception:  # noqa: BLE001
                pass
            os._exit(code)
    os.close(w)
    deadline = time.monotonic() + req["timeout"] + KILL_GRACE
    chunks, timed_out = [], False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            b = os.read(r, 1 << 16)
            if not b:
                break
            chunks.append(b)
    os.close(r)
    # always: a timed-out child, and whatever a finished child's import left running in its process group
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
            break
        except (ProcessLookupError, PermissionError):
            continue
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"status": "timeout", "seconds": req["timeout"]}
    text = b"".join(chunks).decode("utf-8", "replace").strip()
    if text:
        try:
            return json.loads(text.splitlines()[-1])
        except ValueError:
            pass
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return {"status": "crashed", "signal": sig, "exit_code": os.WEXITSTATUS(status) if sig is None else None}


def main() -> int:
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    _die_with_parent()   # the worker ends with the client, its children with the worker
    reader = os.fdopen(rfd, "r")
    setup = json.loads(reader.readline())
    try:
        info = _setup(setup)
    except BaseException:  # noqa: BLE001
        _send(wfd, {"ready": False, "error": traceback.format_exc()})
        return 1
    _send(wfd, {"ready": True, "info": info})
    fork = setup.get("fork", True) and hasattr(os, "fork")
    if fork:
        import gc
        gc.freeze()   # the preloaded objects stay out of the children's collections: fewer copy-on-write pages
    for line in reader:
        req = json.loads(line)
        if req.get("op") == "exit":
            return 0
        if fork:
            _send(wfd, _run_forked(req))
        else:
            _send(wfd, _import_one(req))   # the client kills this process on timeout and starts another
            return 0
    return 0


if __name__ == "__main__":
    code = main()
    os._exit(code)   # skip MindSpore's slow interpreter teardown
