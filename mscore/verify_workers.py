"""The worker side of ``mscore verify``: the zygote processes (``_verify_zygote.py``) that import MindSpore and
common third-party packages once (and a repository's prelude), then fork one child per module; and the loop that
hands modules to them, enforces timeouts and collects each module's raw result. Module and tree records come from
:mod:`mscore.verify`; this module needs only their attributes."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ZYGOTE = Path(__file__).with_name("_verify_zygote.py")
REPLY_SLACK = 30.0          # seconds the client waits beyond the module timeout before it gives up on a worker


class VerifyError(Exception):
    """Bad input or a worker that cannot start: one line for the user, exit 2."""


class Zygote:
    """One worker process; ``fork`` mode serves many modules, otherwise one module per process."""

    def __init__(self, python: str, setup: dict, fork: bool):
        self.python, self.setup, self.fork = python, dict(setup, fork=fork), fork
        self.proc: subprocess.Popen | None = None
        self.rfd = self.wfd = -1
        self.buf = b""
        self.info: dict = {}
        self.log = tempfile.NamedTemporaryFile(prefix="mscore-verify-zygote-", suffix=".log", delete=False)
        self.busy: tuple | None = None   # (module, child log path, deadline)

    def start(self) -> None:
        c_read, p_write = os.pipe()
        p_read, c_write = os.pipe()
        env = dict(os.environ, GLOG_v=os.environ.get("GLOG_v", "4"), PYTHONUNBUFFERED="1",
                   PYTHONDONTWRITEBYTECODE="1")
        try:
            self.proc = subprocess.Popen([self.python, str(ZYGOTE), str(c_read), str(c_write)],
                                         pass_fds=(c_read, c_write), stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
        except OSError as exc:
            raise VerifyError(f"cannot run {self.python}: {exc.strerror or exc}") from None
        finally:
            os.close(c_read)
            os.close(c_write)
        self.rfd, self.wfd = p_read, p_write
        self.buf = b""
        self._send(self.setup)

    def hello(self, timeout: float = 600.0) -> dict:
        msg = self._read_line(time.monotonic() + timeout)
        if msg is None or not msg.get("ready"):
            err = (msg or {}).get("error") or self._log_tail()
            self.kill()
            last = [ln for ln in err.strip().splitlines() if ln.strip()][-1:] or ["it exited"]
            raise VerifyError(f"the verify worker ({self.python}) could not start: {last[0]}")
        self.info = msg["info"]
        return self.info

    def _log_tail(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def submit(self, mod, timeout: float, log: str, prelude: list[str] = ()) -> None:
        req = {"module": mod.name, "path": str(mod.path), "script": mod.script, "cwd": str(mod.root),
               "timeout": timeout, "log": log, "prelude": [p for p in prelude if p != mod.name]}
        self._send(req)
        # fork: the worker enforces the timeout and answers; otherwise this side kills the process at the timeout
        self.busy = (mod, log, time.monotonic() + timeout + (1.0 + REPLY_SLACK if self.fork else 1.0))

    def _send(self, obj: dict) -> None:
        data = (json.dumps(obj) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.wfd, data):]
        except OSError:
            pass   # a dead worker is noticed when its reply does not come

    def poll_line(self) -> dict | None | bool:
        """Non-blocking after select said readable: a message, None (EOF: the worker died) or False (partial)."""
        try:
            b = os.read(self.rfd, 1 << 16)
        except OSError:
            b = b""
        if not b:
            return None
        self.buf += b
        return self._take_line()

    def _take_line(self):
        if b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            return json.loads(line)
        return False

    def _read_line(self, deadline: float) -> dict | None:
        while True:
            got = self._take_line()
            if got is not False:
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.rfd], [], [], left)
            if ready:
                got = self.poll_line()
                if got is None:
                    return None
                if got is not False:
                    return got

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait()
        for fd in (self.rfd, self.wfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.rfd = self.wfd = -1
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None and self.fork:
            self._send({"op": "exit"})
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def run_imports(tree, *, python: str, jobs: int, timeout: float, fork: bool, backfill: bool,
                preload: list[str], progress=None, preludes: dict[str, list[str]] | None = None
                ) -> tuple[dict[str, dict], dict]:
    """Import every module of ``tree``; {module id: raw result}, worker info. ``preludes``: per repository, the
    modules its own entry points import first (MindSpeed-MM's ``mindspeed.megatron_adaptor``), imported before
    each of its modules as those entry points would. Modules sharing a prelude share workers that imported it
    once, before forking (each child imports it again: a no-op there, the failure itself where it failed)."""
    preludes = preludes or {}
    groups: dict[tuple[str, ...], list] = {}
    for m in tree.modules:   # keyed by module id first (entry modules), then by repository
        groups.setdefault(tuple(preludes.get(m.id, preludes.get(m.repo, ()))), []).append(m)
    results: dict[str, dict] = {}
    info: dict = {}
    for prelude, modules in groups.items():
        found, info = _run_group(tree, modules, list(prelude), python=python, jobs=jobs, timeout=timeout, fork=fork,
                                 backfill=backfill, preload=preload, progress=progress)
        results.update(found)
    return results, info


def _run_group(tree, modules: list, prelude: list[str], *, python: str, jobs: int, timeout: float,
               fork: bool, backfill: bool, preload: list[str], progress=None) -> tuple[dict[str, dict], dict]:
    fork = fork and hasattr(os, "fork")
    setup = {"paths": [str(r) for _, r in tree.roots], "preload": preload, "backfill": backfill, "prelude": prelude}
    logdir = tempfile.mkdtemp(prefix="mscore-verify-")
    results: dict[str, dict] = {}
    for m in modules:
        if m.shadowed_by:
            results[m.id] = {"status": "failed", "type": "Shadowed", "frames": [], "chain": [],
                             "message": f"{m.name} is {m.shadowed_by}, earlier on sys.path"}
    pending = [m for m in reversed(modules) if not m.shadowed_by]
    zygotes = [Zygote(python, setup, fork) for _ in range(max(1, min(jobs, len(pending))))]
    info: dict = {}
    try:
        for z in zygotes:
            z.start()
        for z in zygotes:
            info = z.hello()
        while pending or any(z.busy for z in zygotes):
            for z in zygotes:
                if z.busy is None and pending:
                    if z.proc is None:
                        z.start()
                        z.hello()
                    mod = pending.pop()
                    z.submit(mod, timeout, os.path.join(logdir, f"{len(pending)}.log"),   # unique: pending shrinks
                             prelude)
            busy = [z for z in zygotes if z.busy]
            if not busy:
                continue
            now = time.monotonic()
            wait = max(0.0, min(z.busy[2] for z in busy) - now)
            ready, _, _ = select.select([z.rfd for z in busy], [], [], wait)
            for z in busy:
                mod, log, deadline = z.busy
                msg: dict | None | bool = False
                if z.rfd in ready:
                    msg = z.poll_line()
                elif time.monotonic() >= deadline:
                    msg = {"status": "timeout", "seconds": timeout} if not z.fork else \
                        {"status": "crashed", "signal": None, "message": "the verify worker stopped answering"}
                    z.kill()
                if msg is False:
                    continue
                if msg is None:
                    msg = {"status": "crashed", "signal": None, "message": "the verify worker died"}
                    z.kill()
                if msg.get("status") in ("timeout", "crashed"):
                    try:
                        msg["log"] = Path(log).read_text(errors="replace")[-20000:]
                    except OSError:
                        msg["log"] = ""
                results[mod.id] = msg
                z.busy = None
                if not z.fork and z.proc is not None:
                    z.kill()
                if progress is not None:
                    progress(mod, msg, len(tree.modules))
    finally:
        for z in zygotes:
            if z.busy:       # interrupted: nothing to wait for
                z.kill()
            z.close()
        for p in Path(logdir).glob("*.log"):
            p.unlink()
        try:
            os.rmdir(logdir)
        except OSError:
            pass
    return results, info
