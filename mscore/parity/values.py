"""Framework-neutral values exchanged between the torch side, the MindSpore worker and the comparator.

Both sides turn whatever their snippet produced into these plain, picklable objects (numpy + builtins only), so
the comparison never needs torch and MindSpore in the same process. This module imports nothing but numpy: the
worker loads it after its torch blocker is installed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Arr:
    """A tensor: its dtype by name (``float32``, ``bfloat16``, ``int64``, ``bool`` ...), shape and values.

    ``data`` holds the values as numpy; dtypes numpy cannot represent (bfloat16) travel as float32 with the real
    dtype name kept in ``dtype``."""

    dtype: str
    shape: tuple
    data: np.ndarray


@dataclass(frozen=True)
class DType:
    """A dtype object used as a value (``x.dtype``, ``torch.float32``)."""

    name: str


@dataclass
class Seq:
    """A tuple / list / torch.Size / named tuple: compared element-wise (tuple and list are not distinguished)."""

    items: list
    kind: str = "tuple"


@dataclass
class Mapping:
    items: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Opaque:
    """Something that cannot be compared across frameworks (a module, a device ...): always a mismatch."""

    type_name: str
    text: str


SCALARS = (bool, int, float, complex, str, bytes, type(None))


def map_arrays(value: Any, leaf) -> Any:
    """Exchanged inputs (:class:`Arr`, nested in lists / tuples / dicts) with every Arr replaced by ``leaf(arr)``."""
    if isinstance(value, Arr):
        return leaf(value)
    if isinstance(value, list):
        return [map_arrays(v, leaf) for v in value]
    if isinstance(value, tuple):
        return tuple(map_arrays(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: map_arrays(v, leaf) for k, v in value.items()}
    return value


def dtype_name(obj: Any) -> str:
    """``torch.float32`` / ``mindspore.float32`` / ``np.dtype('float32')`` -> ``'float32'``."""
    text = str(obj)
    if text.startswith("torch."):
        text = text[len("torch."):]
    text = text.lower()
    return {"bool_": "bool", "float": "float32", "half": "float16", "double": "float64", "long": "int64",
            "int": "int32"}.get(text, text)


def from_numpy(arr: np.ndarray) -> Arr:
    arr = np.asarray(arr)
    return Arr(dtype_name(arr.dtype), tuple(arr.shape), arr)


def to_seed(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode("utf-8"))


# ----------------------------------------------------------------------------------------------------------------
# comparison


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)


def _describe(v: Any) -> str:
    if isinstance(v, Arr):
        return f"tensor {v.dtype}{list(v.shape)}"
    if isinstance(v, DType):
        return f"dtype {v.name}"
    if isinstance(v, Seq):
        return f"{v.kind} of {len(v.items)}"
    if isinstance(v, Mapping):
        return f"dict with keys {sorted(map(str, v.items))}"
    if isinstance(v, Opaque):
        return f"{v.type_name} ({v.text})"
    return f"{type(v).__name__} {_fmt(v)}"


def _scalar_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return type(v).__name__


def compare(expected: Any, actual: Any, *, atol: float, rtol: float, path: str = "out",
            check_values: bool = True) -> list[str]:
    """Every difference between the torch value ``expected`` and the MindSpore value ``actual``, one line each."""
    problems: list[str] = []
    _compare(expected, actual, atol, rtol, path, check_values, problems)
    return problems


def _compare(e: Any, a: Any, atol: float, rtol: float, path: str, check_values: bool, out: list[str]) -> None:
    if isinstance(e, Opaque) or isinstance(a, Opaque):
        out.append(f"{path}: cannot compare torch {_describe(e)} with mindspore {_describe(a)}; "
                   "make the snippet produce tensors, numbers, shapes or dtypes")
        return
    if type(e) is not type(a) and not (isinstance(e, SCALARS) and isinstance(a, SCALARS)):
        out.append(f"{path}: torch gives {_describe(e)}, mindspore gives {_describe(a)}")
        return
    if isinstance(e, Arr):
        _compare_arr(e, a, atol, rtol, path, check_values, out)
    elif isinstance(e, DType):
        if e.name != a.name:
            out.append(f"{path}: dtype differs: torch {e.name}, mindspore {a.name}")
    elif isinstance(e, Seq):
        if len(e.items) != len(a.items):
            out.append(f"{path}: length differs: torch {len(e.items)}, mindspore {len(a.items)}")
            return
        for i, (x, y) in enumerate(zip(e.items, a.items)):
            _compare(x, y, atol, rtol, f"{path}[{i}]", check_values, out)
    elif isinstance(e, Mapping):
        ke, ka = set(e.items), set(a.items)
        if ke != ka:
            out.append(f"{path}: keys differ: only torch {sorted(map(str, ke - ka))}, "
                       f"only mindspore {sorted(map(str, ka - ke))}")
            return
        for k in e.items:
            _compare(e.items[k], a.items[k], atol, rtol, f"{path}[{k!r}]", check_values, out)
    else:  # Python scalars
        ek, ak = _scalar_kind(e), _scalar_kind(a)
        if ek != ak:
            out.append(f"{path}: torch gives {_describe(e)}, mindspore gives {_describe(a)}")
        elif not check_values:
            return
        elif ek == "float":
            if not (math.isclose(e, a, rel_tol=rtol, abs_tol=atol) or (math.isnan(e) and math.isnan(a))):
                out.append(f"{path}: torch {_fmt(e)}, mindspore {_fmt(a)} (|diff| {abs(e - a):.3g}; "
                           f"atol={atol:g} rtol={rtol:g})")
        elif e != a:
            out.append(f"{path}: torch {_fmt(e)}, mindspore {_fmt(a)}")


def _compare_arr(e: Arr, a: Arr, atol: float, rtol: float, path: str, check_values: bool, out: list[str]) -> None:
    if e.dtype != a.dtype:
        out.append(f"{path}: dtype differs: torch {e.dtype}, mindspore {a.dtype}")
    if tuple(e.shape) != tuple(a.shape):
        out.append(f"{path}: shape differs: torch {list(e.shape)}, mindspore {list(a.shape)}")
        return
    if not check_values or e.dtype != a.dtype:
        return
    x, y = np.asarray(e.data), np.asarray(a.data)
    if x.dtype.kind in "biu" and y.dtype.kind in "biu":
        bad = x != y
    else:
        x64, y64 = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64), \
            y.astype(np.complex128 if y.dtype.kind == "c" else np.float64)
        close = np.isclose(y64, x64, rtol=rtol, atol=atol, equal_nan=True)
        bad = ~close
    if not np.any(bad):
        return
    n_bad = int(np.count_nonzero(bad))
    if x.dtype.kind in "biu" and y.dtype.kind in "biu":
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        out.append(f"{path}: {n_bad}/{x.size} values differ; first at {idx}: torch {_fmt(x[idx].item())}, "
                   f"mindspore {_fmt(y[idx].item())}")
        return
    with np.errstate(invalid="ignore"):
        diff = np.abs(x64 - y64)
    diff = np.where(np.isnan(diff), np.inf, diff)
    flat = int(np.argmax(np.where(bad, diff, -1.0)))
    idx = tuple(int(i) for i in np.unravel_index(flat, x.shape)) if x.shape else ()
    out.append(f"{path}: {n_bad}/{x.size} values differ (atol={atol:g} rtol={rtol:g}); max |diff| "
               f"{float(diff[idx]):.3g} at {idx}: torch {_fmt(x[idx].item())}, mindspore {_fmt(y[idx].item())}")
