"""torch's ``out=`` argument, for converted code: ``torch.exp(x, out=o)`` becomes ``out_arg.write(o, mint.exp(x))``.

torch's contract (the "out=" notes of its documentation): the result is written into ``o``, which is resized when its
shape differs, cast to ``o``'s dtype, and ``o`` itself is returned, so every other reference to ``o`` sees the
result. MindSpore ops return new tensors; :func:`write` puts the new tensor's values into ``o``:

- same shape: ``o.copy_(value)``, MindSpore's in-place copy (a native kernel on Ascend; it casts to ``o``'s dtype
  and writes through a view);
- another shape (torch's resize, e.g. an empty ``o`` filled by ``torch.cat``): ``o.assign_value(value)``, which
  gives the same Python object the new shape and data;
- ``o`` is ``None`` (``def f(x, out=None): return torch.exp(x, out=out)``): the result itself, as in torch;
- a tuple ``(values, indices)`` (``torch.max(x, 1, out=(v, i))``): each element, and the tuple of the outs.

``write_item(base, index, value)`` is the form for a subscripted ``out`` (``out=buf[0]``): indexing a MindSpore
tensor gives a copy, so the result is stored with item assignment and the written part is returned.
"""
from __future__ import annotations

import mindspore as ms

__all__ = ["write", "write_item"]


def _one(out, value):
    if not isinstance(value, ms.Tensor):
        value = ms.Tensor(value, dtype=out.dtype)
    if tuple(value.shape) == tuple(out.shape):
        out.copy_(value)
    else:
        out.assign_value(value if value.dtype == out.dtype else value.astype(out.dtype))
    return out


def write(out, value):
    """Write ``value`` (an op's result) into ``out`` like torch's ``out=``; return ``out`` (``value`` if None)."""
    if out is None:
        return value
    if isinstance(out, (tuple, list)):
        values = tuple(value)
        if len(values) != len(out):
            raise ValueError(f"out= has {len(out)} tensors but the op returns {len(values)}")
        return tuple(write(o, v) for o, v in zip(out, values))
    return _one(out, value)


def write_item(base, index, value):
    """``out=base[index]``: store ``value`` into that part of ``base`` (cast to its dtype); return the part."""
    if isinstance(value, ms.Tensor) and value.dtype != base.dtype:
        value = value.astype(base.dtype)
    base[index] = value
    return base[index]
