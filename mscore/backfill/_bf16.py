"""bfloat16 on the CPU build: compute in float32, hand back bfloat16.

The 2.10 CPU wheel stores bfloat16 tensors and casts to and from them, and has bf16 kernels for a few ops (ones,
zeros, arange, add/sub/mul/div, neg, cat/stack, reshape/transpose/expand, indexing), but none for FillV2 (``full``),
Triu/Tril, Identity (``clone``), the comparisons, MaskedFill, Select (``where``), the reductions and the unary math.
The stack needs some of them on CPU although its model runs in float32 there: MindSpeed-MM's LLM attention-mask
builder hard-codes bfloat16 (``full`` of the dtype's minimum, ``triu``, ``clone``, ``masked_fill``, ``== 0``,
``< 0``, slice assignment).

For the ops in ``MINT`` / ``TENSOR`` below: when an input tensor is bfloat16 (or ``dtype=bfloat16`` is asked for),
bfloat16 inputs are cast to float32, the op runs, and floating results are cast back to bfloat16 when every floating
input was bfloat16 (as torch would type them); boolean / integer results are returned as they are. Every op listed is
exact under this scheme except the float math (exp, log, sqrt, rsqrt, sin, cos, sigmoid, tanh, pow, softmax, sum,
mean), which rounds once to bfloat16 from a float32 result -- at least as accurate as a bf16 kernel. Not covered:
matmul / linear / conv and the layers (run the model in float32 on CPU; bf16 compute is for Ascend).
"""
from __future__ import annotations

import mindspore as ms

BF16 = ms.bfloat16

# mint functions and Tensor methods given the float32 route
MINT = [
    "full", "full_like", "zeros_like", "ones_like", "triu", "tril", "clone", "eq", "ne", "lt", "le", "gt", "ge",
    "where", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "sigmoid", "tanh", "abs", "pow", "sum", "mean", "max",
    "min", "amax", "amin", "softmax",
]
TENSOR = [
    "triu", "tril", "clone", "masked_fill", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "sigmoid", "tanh", "abs",
    "pow", "sum", "mean", "max", "min", "amax", "amin", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
]


def _is_bf16(x):
    return isinstance(x, ms.Tensor) and x.dtype == BF16


def _any_bf16(values):
    for v in values:
        if _is_bf16(v):
            return True
        if isinstance(v, (list, tuple)) and any(_is_bf16(e) for e in v):
            return True
    return False


def _float_inputs_all_bf16(values):
    for v in values:
        items = v if isinstance(v, (list, tuple)) else (v,)
        for e in items:
            if isinstance(e, ms.Tensor) and e.dtype in (ms.float16, ms.float32, ms.float64):
                return False
    return True


def _up(x):
    if _is_bf16(x):
        return x.astype(ms.float32)
    if isinstance(x, (list, tuple)) and any(_is_bf16(e) for e in x):
        return type(x)(_up(e) for e in x)
    return x


def _down(out):
    if isinstance(out, ms.Tensor):
        return out.astype(BF16) if out.dtype == ms.float32 else out
    if isinstance(out, tuple):
        return tuple(_down(o) for o in out)
    if isinstance(out, list):
        return [_down(o) for o in out]
    return out


def via_float32(name, current):
    """``current`` with bfloat16 inputs / dtype computed in float32."""
    def op(*args, **kwargs):
        wants_bf16 = kwargs.get("dtype") is BF16 or kwargs.get("dtype") == BF16
        values = list(args) + list(kwargs.values())
        if not wants_bf16 and not _any_bf16(values):
            return current(*args, **kwargs)
        if wants_bf16:
            kwargs = dict(kwargs, dtype=ms.float32)
        down = wants_bf16 or _float_inputs_all_bf16(values)
        out = current(*[_up(a) for a in args], **{k: _up(v) for k, v in kwargs.items()})
        return _down(out) if down else out

    op.__name__ = name
    op.__doc__ = getattr(current, "__doc__", None)
    op.__mscore_bf16__ = current
    _copy_signature(op, current)
    return op


def setitem(current):
    """``t[index] = value`` on a bfloat16 tensor: assign in a float32 copy, write the bits back into t's memory."""
    from . import _views

    def __setitem__(self, index, value):
        if not _is_bf16(self):
            return current(self, index, value)
        work = self.astype(ms.float32)
        current(work, index, value.astype(ms.float32) if _is_bf16(value) else value)
        _views.write_into(self, work)
        return None

    __setitem__.__mscore_bf16__ = current
    return __setitem__


def _copy_signature(op, current):
    import inspect

    try:
        op.__signature__ = inspect.signature(current)
    except (TypeError, ValueError):
        pass


def _unwrapped(fn):
    return getattr(fn, "__mscore_original__", fn)


def bf16_aware(plan):
    """The backfill table with the float32 route added to MINT / TENSOR entries (wrapping the table's own
    implementation where it has one, MindSpore's otherwise) and to ``Tensor.__setitem__``."""
    from mindspore import mint

    out, seen = [], set()
    for owner, attr, impl, label in plan:
        if (owner is mint and attr in MINT) or (owner is ms.Tensor and attr in TENSOR):
            impl = via_float32(attr, impl)
            seen.add((id(owner), attr))
        out.append((owner, attr, impl, label))
    for owner, names, prefix in ((mint, MINT, "mindspore.mint"), (ms.Tensor, TENSOR, "mindspore.Tensor")):
        for attr in names:
            if (id(owner), attr) not in seen and hasattr(owner, attr):
                out.append((owner, attr, via_float32(attr, _unwrapped(getattr(owner, attr))), f"{prefix}.{attr}"))
    out.append((ms.Tensor, "__setitem__", setitem(_unwrapped(ms.Tensor.__setitem__)), "mindspore.Tensor.__setitem__"))
    return out
