"""Named profiler ranges (``torch.profiler.record_function``, ``torch.cuda.nvtx.*``) as MindSpore mstx ranges.

On Ascend, ``mindspore.profiler.mstx.range_start`` / ``range_end`` put a named range on the host timeline of the
MindSpore profiler (msprof), where torch's record_function / NVTX ranges show in theirs. mstx ranges are opened and
closed by id; torch's NVTX API is a push / pop stack, kept here per thread. Outside a profiling session (and on CPU)
the calls record nothing. Values are never affected.
"""
from __future__ import annotations

import contextlib
import threading

from mindspore.profiler import mstx

__all__ = ["record_function", "range_push", "range_pop", "range", "mark"]

_stack = threading.local()


class record_function(contextlib.ContextDecorator):
    """torch.profiler.record_function / torch.autograd.profiler.record_function: a named range, as a context
    manager or decorator."""

    def __init__(self, name: str, args: str | None = None):
        self.name = name if args is None else f"{name}: {args}"
        self.ids: list[int] = []

    def __enter__(self):
        self.ids.append(mstx.range_start(self.name))
        return self

    def __exit__(self, *exc):
        mstx.range_end(self.ids.pop())
        return False


def _ids() -> list:
    if not hasattr(_stack, "ids"):
        _stack.ids = []
    return _stack.ids


def range_push(msg: str) -> int:
    """torch.cuda.nvtx.range_push: open a range; returns the depth of the stack before it (as NVTX does)."""
    ids = _ids()
    ids.append(mstx.range_start(msg))
    return len(ids) - 1


def range_pop() -> int:
    """torch.cuda.nvtx.range_pop: close the innermost open range; returns its depth (-1 when none was open)."""
    ids = _ids()
    if not ids:
        return -1
    mstx.range_end(ids.pop())
    return len(ids)


@contextlib.contextmanager
def range(msg: str, *args, **kwargs):   # noqa: A001 - the torch name
    """torch.cuda.nvtx.range: a context manager (``msg`` formatted with the extra arguments, as torch does)."""
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()


def mark(msg: str) -> None:
    """torch.cuda.nvtx.mark: an instant marker."""
    mstx.mark(msg)
