"""torch's grad-mode switches (``torch.enable_grad``, ``torch.set_grad_enabled``, ``torch.is_grad_enabled``) on
MindSpore's own switch.

MindSpore PyNative records operations for differentiation while its grad flag is on; ``mindspore._no_grad`` turns it
off for a block (the target of ``torch.no_grad``), and MindSpore's recompute turns it back on inside one. These
helpers flip the same flag (``_pynative_executor.set_enable_grad``, a private name in MindSpore 2.10: there is no
public one), so ``enable_grad`` inside ``no_grad`` records again, exactly as in torch. Gradients are still taken
functionally (``mindspore.grad`` / ``value_and_grad``); the flag decides which operations they see.
"""
from __future__ import annotations

import contextlib

from mindspore.graph.api import _pynative_executor

__all__ = ["enable_grad", "set_grad_enabled", "is_grad_enabled", "on_enable"]

_ON_ENABLE: list = []


def on_enable(fn) -> None:
    """Call ``fn()`` whenever these helpers switch recording on. ``autograd`` (imperative autograd on MindSpore's
    tape) registers its ``record``: ops reach the tape only while the executor's grad flag is on as well, and
    ``mindspore.value_and_grad`` switches that flag off when it returns."""
    if fn not in _ON_ENABLE:
        _ON_ENABLE.append(fn)


def _enable(mode: bool) -> None:
    _pynative_executor.set_enable_grad(mode)
    if mode:
        for fn in _ON_ENABLE:
            fn()


def is_grad_enabled() -> bool:
    """Whether operations are recorded for differentiation (torch.is_grad_enabled)."""
    return bool(_pynative_executor.enable_grad())


class enable_grad(contextlib.ContextDecorator):
    """Context manager and decorator that records operations again, even inside ``no_grad`` (torch.enable_grad)."""

    def __enter__(self):
        self.prev = is_grad_enabled()
        _enable(True)
        return None

    def __exit__(self, *exc):
        _pynative_executor.set_enable_grad(self.prev)
        return False


class set_grad_enabled(contextlib.ContextDecorator):
    """``set_grad_enabled(mode)`` switches recording on or off at once; used as a context manager (or decorator)
    it restores the previous state on exit (torch.set_grad_enabled)."""

    def __init__(self, mode: bool):
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _enable(self.mode)

    def __call__(self, fn):   # as a decorator the mode applies per call, not from construction on
        _pynative_executor.set_enable_grad(self.prev)
        return super().__call__(fn)

    def __enter__(self):
        _enable(self.mode)
        return None

    def __exit__(self, *exc):
        _pynative_executor.set_enable_grad(self.prev)
        return False
