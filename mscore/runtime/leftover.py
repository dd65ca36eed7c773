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
(a default argument ``dtype=torch.float16``, a base class, an attribute chain, a generic alias such as
``Future[int]`` in a signature) do not fail; calling, iterating, comparing, indexing or instantiating does.

Decorating is not using: ``@apply_forward_hook`` (a stand-in applied to a function or class) and a decorator line's
factory call (``@te.jit_fuser(...)``) give a stand-in in the decorated name's place, so the class or module that
holds it imports; calling the decorated function fails, naming the decorator and the line where it was applied.
"""
from __future__ import annotations

import inspect
import linecache
import os
import re
import sys

__all__ = ["missing", "UnconvertedError", "is_missing"]

_MARKER = re.compile(r"#\s*mscore:\s*unconverted\s+(.*)$")
_HERE = os.path.normcase(os.path.abspath(__file__))


_VALUE_DUNDERS = {"__version__", "__file__", "__path__"}   # read for their value, not probed by Python itself


class UnconvertedError(ImportError, NotImplementedError):
    """A torch reference that mscore left unconverted was reached while torch is not installed.

    Also an ImportError: reached while a module is being imported (``te.__version__`` at module level), it makes
    that import fail the way the missing package would have, so a caller's ``try: import ... except ImportError``
    fallback still takes over (Megatron's ``HAVE_TE = False``)."""


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


def _message(name: str, what: str, origin: str = "") -> str:
    path, line, marker = _where()
    detail = f" (mscore: unconverted {marker})" if marker else ""
    applied = f" (applied at {origin})" if origin else ""
    return (f"{path}:{line}: {what} {name}{applied}, which mscore left unconverted{detail}; "
            f"it needs {name.split('.', 1)[0]}, which is not installed")


def _fail(name: str, what: str, origin: str = ""):
    raise UnconvertedError(_message(name, what, origin))


def _decorating(args: tuple, kwargs: dict) -> str:
    """Where a stand-in is being applied as a decorator ('file:line'), or '' for any other call.

    A decorator application is a call on a line that starts with ``@`` (the decorator, or its factory), or a call
    with one positional argument that is a function or a class (``f = hook(f)``)."""
    path, line, _ = _where()
    if linecache.getline(path, line).lstrip().startswith("@"):
        return f"{path}:{line}"
    if len(args) == 1 and not kwargs and (inspect.isroutine(args[0]) or inspect.isclass(args[0])):
        return f"{path}:{line}"
    return ""


class _MissingMeta(type):
    """Metaclass of the classes a stand-in base turns into: using the class (not defining it) fails."""

    def __call__(cls, *args, **kwargs):
        _fail(cls._mscore_name, "instantiating a subclass of")

    def __getattr__(cls, attr):
        # an AttributeError, so that getattr(cls, name, default) probes at import (dataclass fields, inspect's
        # signature lookups, hasattr) see "no such attribute"; reading it for real still says why
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise AttributeError(_message(f"{cls._mscore_name}.{attr}", "using"))


class _Missing:
    """A name from a package that is not installed. Attribute access gives another stand-in; use fails."""

    __slots__ = ("_mscore_name", "_mscore_origin")

    def __init__(self, name: str, origin: str = ""):
        object.__setattr__(self, "_mscore_name", name)
        object.__setattr__(self, "_mscore_origin", origin)

    def __getattr__(self, attr: str):
        if attr in _VALUE_DUNDERS:
            _fail(f"{self._mscore_name}.{attr}", "reading")
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)   # copy/pickle/inspect probes: behave like a plain object
        return _Missing(f"{self._mscore_name}.{attr}")

    def __setattr__(self, attr, value):
        _fail(f"{self._mscore_name}.{attr}", "setting")

    def __call__(self, *args, **kwargs):
        origin = _decorating(args, kwargs)
        if origin:   # the decorated function (or the factory's decorator) stands in until it is called
            return self if self._mscore_origin else _Missing(self._mscore_name, origin)
        _fail(self._mscore_name, "calling", self._mscore_origin)

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
        # Subscripting a class is parameterising a generic (``-> Future[List[WriteResult]]`` in a signature,
        # evaluated at import): a stand-in for the alias, like the class itself. Any other subscript is a use.
        last = self._mscore_name.rsplit(".", 1)[-1]
        if last[:1].isupper() and not last.isupper():
            return _Missing(f"{self._mscore_name}[...]", self._mscore_origin)
        _fail(self._mscore_name, "indexing")

    def __enter__(self):
        _fail(self._mscore_name, "entering")

    def __exit__(self, *exc):  # pragma: no cover - __enter__ already failed
        return False

    def __eq__(self, other):    # identity: typing.Union[...] and dict keys compare stand-ins at import
        return self is other

    def __ne__(self, other):
        return self is not other

    def __lt__(self, other):
        _fail(self._mscore_name, "comparing")

    __le__ = __gt__ = __ge__ = __lt__

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
