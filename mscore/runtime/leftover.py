"""Stand-ins for the torch (or torch-only package) names a converted module still mentions.

mscore leaves a reference it cannot convert in place, marked ``# mscore: unconverted <api>: <reason>``. The import
that reference needs is kept, but guarded::

    try:
        import torch
    except ImportError:  # mscore: ...
        from mscore_rt.leftover import missing as _mscore_missing
        torch = _mscore_missing("torch")

so the module still imports where torch is not installed. Only the marked code path fails, when it is reached, with
:class:`UnconvertedError` naming the file, the line and the marker's reason. Import-time uses that need no value
(a default argument ``dtype=torch.float16``, a base class, an attribute chain) do not fail; calling, iterating,
comparing, indexing or instantiating does.
"""
from __future__ import annotations

import linecache
import os
import re
import sys

__all__ = ["missing", "UnconvertedError", "is_missing"]

_MARKER = re.compile(r"#\s*mscore:\s*unconverted\s+(.*)$")
_HERE = os.path.normcase(os.path.abspath(__file__))


_VALUE_DUNDERS = {"__version__", "__file__", "__path__"}   # read for their value, not probed by Python itself


class UnconvertedError(NotImplementedError):
    """A torch reference that mscore left unconverted was reached while torch is not installed."""


def _where() -> tuple[str, int, str]:
    """The first caller frame outside this module: (file, line, the marker's text or '')."""
    frame = sys._getframe(1)
    while frame is not None and os.path.normcase(os.path.abspath(frame.f_code.co_filename)) == _HERE:
        frame = frame.f_back
    if frame is None:  # pragma: no cover - always called from user code
        return "?", 0, ""
    path, line = frame.f_code.co_filename, frame.f_lineno
    marker = ""
    # the marker sits at the end of the statement's last line, or above a compound statement: look nearby
    for ln in (line, line + 1, line + 2, line - 1):
        m = _MARKER.search(linecache.getline(path, ln))
        if m:
            marker = m.group(1).strip()
            break
    return path, line, marker


def _fail(name: str, what: str):
    path, line, marker = _where()
    detail = f" (mscore: unconverted {marker})" if marker else ""
    raise UnconvertedError(
        f"{path}:{line}: {what} {name}, which mscore left unconverted{detail}; "
        f"it needs {name.split('.', 1)[0]}, which is not installed"
    )


class _MissingMeta(type):
    """Metaclass of the classes a stand-in base turns into: using the class (not defining it) fails."""

    def __call__(cls, *args, **kwargs):
        _fail(cls._mscore_name, "instantiating a subclass of")

    def __getattr__(cls, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        _fail(f"{cls._mscore_name}.{attr}", "using")


class _Missing:
    """A name from a package that is not installed. Attribute access gives another stand-in; use fails."""

    __slots__ = ("_mscore_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_mscore_name", name)

    def __getattr__(self, attr: str):
        if attr in _VALUE_DUNDERS:
            _fail(f"{self._mscore_name}.{attr}", "reading")
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)   # copy/pickle/inspect probes: behave like a plain object
        return _Missing(f"{self._mscore_name}.{attr}")

    def __setattr__(self, attr, value):
        _fail(f"{self._mscore_name}.{attr}", "setting")

    def __call__(self, *args, **kwargs):
        _fail(self._mscore_name, "calling")

    def __mro_entries__(self, bases):
        # ``class X(torch.autograd.Function):`` defines X; using X fails
        return (_MissingMeta(self._mscore_name.rsplit(".", 1)[-1], (), {"_mscore_name": self._mscore_name}),)

    def __repr__(self) -> str:
        return f"<{self._mscore_name}: not installed (left unconverted by mscore)>"

    def __bool__(self):
        _fail(self._mscore_name, "testing")

    def __iter__(self):
        _fail(self._mscore_name, "iterating over")

    def __len__(self):
        _fail(self._mscore_name, "taking the length of")

    def __getitem__(self, key):
        _fail(self._mscore_name, "indexing")

    def __enter__(self):
        _fail(self._mscore_name, "entering")

    def __exit__(self, *exc):  # pragma: no cover - __enter__ already failed
        return False

    def __eq__(self, other):
        _fail(self._mscore_name, "comparing")

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __hash__(self):
        return hash(("mscore-missing", self._mscore_name))

    def __instancecheck__(self, obj):
        return False   # isinstance(x, torch.Tensor): nothing is an instance of a package that is not installed

    def __subclasscheck__(self, cls):
        return False


def missing(name: str) -> _Missing:
    """A stand-in for ``name`` (``"torch"``, ``"torch.utils.data.Dataset"``) when its package is not installed."""
    return _Missing(name)


def is_missing(obj) -> bool:
    """Whether ``obj`` is a stand-in (or a class built on one)."""
    return isinstance(obj, _Missing) or isinstance(obj, _MissingMeta)
