"""Output locations, shared by ``mscore convert`` (:mod:`mscore.tree`) and ``convert --repo`` (:mod:`mscore.pipeline`).

One writer for an output directory: it is built in a *staging* directory beside the destination
(``.<name>.mscore-XXXXXXXX``) and swapped into place at the end. The guarantees:

- the destination is never missing: on Linux the swap is one ``renameat2(RENAME_EXCHANGE)``, so a crash (even
  SIGKILL) leaves either the old or the new output in place; where the kernel or file system cannot exchange, the
  old output is renamed aside (``.<name>.old-XXXXXXXX``) and the new one renamed in, and a run killed between the
  two renames is repaired by the next run, which puts the old output back;
- every live staging directory is ``flock``-ed by the process that owns it: leftovers of killed runs (unlocked) are
  removed by the next run writing the same destination, while a concurrent run's staging directory is left alone;
- the directory holding the destination is ``flock``-ed while leftovers are cleaned and while the swap happens, so
  two runs writing the same destination serialise their swaps (the last one to finish wins, whole).

Also here: where side files may go (``--report``, ``--cache-dir``), and the default cache directory. This module
imports only the standard library (the pipeline's no-op re-run must stay fast).
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import signal
import stat
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

STAGE_MARK = "mscore"
OLD_MARK = "old"


class OutDirError(Exception):
    """A bad output location: a one-line message for the user."""


def default_cache_dir() -> Path:
    """``$MSCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/mscore``, else ``~/.cache/mscore``."""
    env = os.environ.get("MSCORE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mscore"


def resolve_destination(dst: Path) -> Path:
    """An output path as it will be written: a symbolic link (to a directory or a file) is followed, so the output
    goes where the link points and the link itself stays."""
    dst = Path(dst)
    return Path(os.path.realpath(dst)) if os.path.islink(dst) else dst


# -- where things may be written ----------------------------------------------------------------------------------
def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_not_inside(path: Path, others: list[Path], what: str, error=OutDirError, output: bool = False) -> None:
    """Refuse ``path`` (given as option ``what``) if it is one of ``others``, lies inside one or contains one.
    ``others`` are the run's inputs (never written) or, with ``output``, its outputs (replaced whole)."""
    p = Path(path).resolve()
    for other in others:
        o = Path(other).resolve()
        why = f"the output {other}, which is replaced whole" if output else f"{other}; mscore never writes into its input"
        if p == o:
            raise error(f"{what} {path} is {why}")
        if (output or o.is_dir()) and _within(p, o):
            raise error(f"{what} {path} is inside {why}")
        if _within(o, p):
            raise error(f"{what} {path} contains {other}; choose a location outside it")


def special_kind(path: Path) -> str | None:
    """'a directory' / 'a device' / ... when ``path`` (followed through symlinks) exists and is not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_file_target(path: Path, what: str, error=OutDirError) -> None:
    """A file mscore is about to create or replace: absent or a regular file, in a directory that exists (or can be
    created) and can be written. Checked before anything is written."""
    kind = special_kind(path)
    if kind is not None:
        raise error(f"{what} {path} is {kind}; give a regular file path")
    parent = Path(path).resolve().parent
    probe = parent
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise error(f"{what} {path}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise error(f"{what} {path}: {probe} is not writable")


class PendingFile:
    """A file written in full beside ``path`` now, and put in place by :meth:`commit` (or removed by
    :meth:`discard`): lets a run write its side files only once its main output is in place."""

    def __init__(self, path: Path, data: bytes, mode: int | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _signals_deferred():
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.{STAGE_MARK}-", dir=self.path.parent)
            self.tmp: str | None = tmp
        try:
            _lock(fd)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        if self.tmp is not None:
            os.replace(self.tmp, self.path)
            self.tmp = None

    def discard(self) -> None:
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None


def write_file_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename (readers never see half)."""
    pending = PendingFile(path, data, mode)
    try:
        pending.commit()
    finally:
        pending.discard()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# -- locks ----------------------------------------------------------------------------------------------------------
def _lock(fd: int, block: bool = True) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        if exc.errno in (errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
            return True   # no locks on this file system: behave as if we held it
        raise


@contextlib.contextmanager
def _dir_lock(directory: Path):
    """Hold an exclusive flock on ``directory`` (best effort: an unreadable directory is not locked)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        _lock(fd)
        yield
    finally:
        os.close(fd)


_DEFERRED = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


@contextlib.contextmanager
def _signals_deferred():
    """Hold Ctrl-C / SIGTERM until the block is done: a temporary directory is never created without its name
    being recorded for the clean-up, and a swap is never left half-recorded."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - no POSIX signal masks
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _leftover_re(name: str) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(name)}\.({STAGE_MARK}|{OLD_MARK})-[A-Za-z0-9_]{{8}}$")


def _is_stale(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        return _lock(fd, block=False)
    finally:
        os.close(fd)   # closing drops the probe's lock


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def recover(dst: Path) -> list[str]:
    """Repair what killed runs left beside ``dst`` (call with the parent locked): if ``dst`` is missing and an old
    output was set aside, put it back; remove every other leftover no live process holds. Returns what was done."""
    parent = dst.parent
    pattern = _leftover_re(dst.name)
    try:
        names = [n for n in os.listdir(parent) if pattern.match(n)]
    except OSError:
        return []
    stale = [parent / n for n in names if _is_stale(parent / n)]
    done = []
    olds = sorted((p for p in stale if _leftover_re(dst.name).match(p.name).group(1) == OLD_MARK),
                  key=lambda p: p.stat().st_mtime if p.exists() else 0)
    if olds and not os.path.lexists(dst):
        os.rename(olds[-1], dst)
        done.append(f"restored {dst} from {olds[-1].name}")
        stale.remove(olds[-1])
    for p in stale:
        _remove(p)
        done.append(f"removed {p.name}")
    return done


# -- the swap ---------------------------------------------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False when not supported here (the caller falls back)."""
    global _renameat2
    if _renameat2 is None:
        try:
            fn = ctypes.CDLL(None, use_errno=True).renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            _renameat2 = fn
        except (AttributeError, OSError):
            _renameat2 = False
    if _renameat2 is False:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


class Staging:
    """A directory to build an output in, beside ``dst``; :meth:`commit` swaps it into place, :meth:`discard` (or
    leaving the ``with`` block without committing) removes it. ``error`` is the exception class for bad locations."""

    def __init__(self, dst: Path, error=OutDirError):
        self.dst = Path(dst)
        self.error = error
        self.path: Path | None = None
        self._fd: int | None = None

    def __enter__(self) -> "Staging":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    @property
    def parent(self) -> Path:
        return self.dst.parent if str(self.dst.parent) else Path(".")

    def open(self) -> Path:
        parent = self.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            with _dir_lock(parent):
                recover(self.dst)
                with _signals_deferred():
                    self.path = Path(tempfile.mkdtemp(prefix=f".{self.dst.name}.{STAGE_MARK}-", dir=parent))
                    self._fd = os.open(self.path, os.O_RDONLY)
                _lock(self._fd)   # marks it live: another run's recover() leaves it alone
            os.chmod(self.path, 0o777 & ~_umask())
        except OSError as exc:
            self.discard()
            raise self.error(f"cannot write to {parent}: {exc.strerror or exc}") from None
        return self.path

    def commit(self) -> None:
        """Put the staged output at ``dst``; the previous one (if any) is removed afterwards."""
        assert self.path is not None
        with _dir_lock(self.parent), _signals_deferred():
            if os.path.lexists(self.dst):
                if not _exchange(self.path, self.dst):
                    old = Path(tempfile.mkdtemp(prefix=f".{self.dst.name}.{OLD_MARK}-", dir=self.parent))
                    old.rmdir()
                    os.rename(self.dst, old)
                    try:
                        os.rename(self.path, self.dst)
                    except BaseException:
                        if not os.path.lexists(self.dst):
                            os.rename(old, self.dst)
                        raise
                    self.path = old   # the old output, to remove
            else:
                os.rename(self.path, self.dst)
                self.path = None
        self.discard()

    def discard(self) -> None:
        if self.path is not None:
            _remove(self.path)
            self.path = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
