"""torch.finfo / torch.iinfo for converted code: the limits of MindSpore's dtypes, bfloat16 included.

MindSpore 2.10 has neither; numpy's finfo has no bfloat16 (``torch.finfo(torch.bfloat16)`` is common in attention
masks), so the limits are written out here: the IEEE-754 binary16 / binary32 / binary64 values and bfloat16's
(8 exponent bits like float32, 7 fraction bits), handed out as Python numbers like torch's. ``dtype`` is torch's
name string (``'bfloat16'``); a complex dtype gives its real part's limits, as in torch.
"""
from __future__ import annotations

import mindspore as ms

__all__ = ["finfo", "iinfo", "get_default_dtype"]

# bits, eps, max, tiny (= smallest_normal), resolution
_FLOATS = {
    "float16": (16, 2.0 ** -10, 65504.0, 2.0 ** -14, 1e-3),
    "bfloat16": (16, 2.0 ** -7, (2 - 2.0 ** -7) * 2.0 ** 127, 2.0 ** -126, 1e-2),
    "float32": (32, 2.0 ** -23, (2 - 2.0 ** -23) * 2.0 ** 127, 2.0 ** -126, 1e-6),
    "float64": (64, 2.0 ** -52, (2 - 2.0 ** -52) * 2.0 ** 1023, 2.0 ** -1022, 1e-15),
}
_COMPLEX = {"complex64": "float32", "complex128": "float64"}
_INTS = {
    "int8": (8, -2 ** 7, 2 ** 7 - 1), "int16": (16, -2 ** 15, 2 ** 15 - 1), "int32": (32, -2 ** 31, 2 ** 31 - 1),
    "int64": (64, -2 ** 63, 2 ** 63 - 1), "uint8": (8, 0, 2 ** 8 - 1), "uint16": (16, 0, 2 ** 16 - 1),
    "uint32": (32, 0, 2 ** 32 - 1), "uint64": (64, 0, 2 ** 64 - 1),
}
_NAMES = {"float": "float32", "half": "float16", "double": "float64", "bool": "bool", "int": "int32",
          "long": "int64", "short": "int16"}


def _name(dtype) -> str:
    if dtype is None:
        dtype = ms.float32
    if dtype is float:
        return "float64"
    if dtype is int:
        return "int64"
    text = str(dtype).lower().rsplit(".", 1)[-1]
    return _NAMES.get(text, text)


class finfo:
    """torch.finfo(type=None): bits, eps, max, min, tiny, smallest_normal, resolution, dtype (default float32)."""

    def __init__(self, type=None):  # noqa: A002 - torch's parameter name
        name = _name(type)
        name = _COMPLEX.get(name, name)
        if name not in _FLOATS:
            raise TypeError(f"torch.finfo() requires a floating point input type, got {type!r}")
        self.bits, self.eps, self.max, self.tiny, self.resolution = _FLOATS[name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo(type): bits, min, max, dtype."""

    def __init__(self, type):  # noqa: A002
        name = _name(type)
        if name not in _INTS:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {type!r}")
        self.bits, self.min, self.max = _INTS[name]
        self.dtype = name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def get_default_dtype():
    """torch.get_default_dtype(): MindSpore has no settable default; its factories make float32, as torch's
    default."""
    return ms.float32
