"""Client for the long-lived MindSpore worker process (one per test session).

The worker runs ``_worker.py`` with torch imports blocked. If it dies (segfault, abort, ``os._exit``) while handling
a request, :meth:`Worker.request` raises :class:`WorkerCrash` carrying the worker's log, and the next request starts
a fresh worker.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HDR = struct.Struct("<Q")
WORKER_SCRIPT = Path(__file__).with_name("_worker.py")
DEVICES = ("CPU", "Ascend")
DEFAULT_TIMEOUT = float(os.environ.get("MSCORE_PARITY_TIMEOUT", "600"))


class WorkerCrash(RuntimeError):
    """The worker died or stopped answering; ``log`` holds the tail of its stdout/stderr."""

    def __init__(self, message: str, log: str = ""):
        self.log = log
        super().__init__(message + (f"\n--- worker log (tail) ---\n{log}" if log.strip() else ""))


class WorkerStartError(RuntimeError):
    """The worker started but could not set MindSpore up (import, device, backfill)."""


def resolve_device(option: str | None = None) -> str:
    """``--ms-device`` wins over ``MSCORE_PARITY_DEVICE``; default CPU. Case-insensitive; bad names are an error."""
    raw = option or os.environ.get("MSCORE_PARITY_DEVICE") or "CPU"
    for d in DEVICES:
        if raw.lower() == d.lower():
            return d
    raise ValueError(f"unknown parity device {raw!r}: use one of {', '.join(DEVICES)}")


class Worker:
    def __init__(self, device: str = "CPU", *, timeout: float = DEFAULT_TIMEOUT, python: str = sys.executable):
        self.device, self.timeout, self.python = resolve_device(device), timeout, python
        self.proc: subprocess.Popen | None = None
        self.info: dict[str, Any] = {}
        self.starts = 0
        self._rfd = self._wfd = -1
        self._log = None
        self._start_error: WorkerStartError | None = None
        self._request_log_start = 0
        self._pending_hello = False

    # -- lifecycle -------------------------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        """Start the process without waiting for MindSpore to load (``start`` waits): lets the session overlap the
        worker's MindSpore import with the test process's own start-up."""
        if self.alive or self._start_error is not None:
            return
        self._spawn()

    def start(self) -> dict[str, Any]:
        """Make sure a ready worker is running; return its info (device, MindSpore version, backfill state)."""
        if self._start_error is not None:   # MindSpore cannot be set up: do not retry for every case
            raise self._start_error
        if self.proc is None or (not self._pending_hello and not self.alive):
            self._spawn()
        if self._pending_hello:     # read even if the process already died: the crash report has its log
            self._pending_hello = False
            hello = self._recv("starting")
            if not hello.get("ready"):
                err = hello.get("error", "")
                self.close()
                self._start_error = WorkerStartError(
                    f"the MindSpore parity worker could not start on {self.device}:\n{err}")
                raise self._start_error
            self.info = hello["info"]
        return self.info

    def _spawn(self) -> None:
        self._cleanup()
        c_read, p_write = os.pipe()     # parent -> child
        p_read, c_write = os.pipe()     # child -> parent
        self._log = tempfile.TemporaryFile(prefix="mscore-parity-worker-")
        env = dict(os.environ, GLOG_v=os.environ.get("GLOG_v", "4"), MSCORE_PARITY_DEVICE=self.device,
                   PYTHONUNBUFFERED="1")
        try:
            self.proc = subprocess.Popen(
                [self.python, str(WORKER_SCRIPT), str(c_read), str(c_write)],
                pass_fds=(c_read, c_write), stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                env=env, start_new_session=True,
            )
        finally:
            os.close(c_read)
            os.close(c_write)
        self._rfd, self._wfd = p_read, p_write
        self._request_log_start = 0
        self.starts += 1
        self._pending_hello = True

    def close(self) -> None:
        if self.alive:
            if self._pending_hello:          # still importing MindSpore: nothing to say goodbye to
                self._kill()
            else:
                try:
                    self._send({"op": "exit"})
                    self.proc.wait(timeout=10)
                except Exception:  # noqa: BLE001
                    self._kill()
        self._cleanup()

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait()

    def _cleanup(self) -> None:
        for fd in (self._rfd, self._wfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._rfd = self._wfd = -1
        self._pending_hello = False
        if self._log is not None:
            self._log.close()
            self._log = None
        self.proc = None

    def _log_size(self) -> int:
        if self._log is None:
            return 0
        self._log.seek(0, os.SEEK_END)
        return self._log.tell()

    def log_tail(self, since: int = 0, limit: int = 6000) -> str:
        """The worker's output since offset ``since`` (the current request), at most ``limit`` bytes from the end."""
        if self._log is None:
            return ""
        size = self._log_size()
        self._log.seek(max(since, size - limit))
        return self._log.read().decode("utf-8", "replace")

    # -- protocol --------------------------------------------------------------------------------------------------
    def request(self, msg: dict) -> dict:
        """Send one request and return the reply; a dead worker raises :class:`WorkerCrash` (and is restarted by
        the next request)."""
        self.start()
        self._request_log_start = self._log_size()
        try:
            self._send(msg)
        except (BrokenPipeError, OSError):
            raise self._crashed("while receiving a request") from None
        return self._recv("handling the request")

    def _send(self, msg: dict) -> None:
        data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HDR.pack(len(data)) + data)
        while view:
            view = view[os.write(self._wfd, view):]

    def _read_exact(self, n: int, deadline: float, what: str) -> bytes:
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._rfd], [], [], max(0.0, left))
            if not ready:
                self._kill()
                raise self._crashed(f"{what}: no answer within {self.timeout:g} s (MSCORE_PARITY_TIMEOUT); killed")
            b = os.read(self._rfd, min(n - got, 1 << 20))
            if not b:
                raise self._crashed(what)
            chunks.append(b)
            got += len(b)
        return b"".join(chunks)

    def _recv(self, what: str) -> dict:
        deadline = time.monotonic() + self.timeout
        (n,) = _HDR.unpack(self._read_exact(_HDR.size, deadline, what))
        return pickle.loads(self._read_exact(n, deadline, what))

    def _crashed(self, what: str) -> WorkerCrash:
        code = None
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._kill()
                code = self.proc.returncode
        log = self.log_tail(self._request_log_start)
        self._request_log_start = 0
        self._cleanup()
        if code is None:
            how = "unknown status"
        elif code >= 0:
            how = f"exit code {code}"
        else:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        return WorkerCrash(f"the MindSpore worker died {what} ({how})", log)
