"""``x.to(...)`` keeps only the dtype: devices, ``non_blocking``, ``copy`` and ``memory_format`` go.

``x.to(device)`` → ``x``; ``x.to(device, torch.float16)`` / ``x.to(dtype=...)`` → ``x.to(ms.float16)``.
A positional argument is classified conservatively: a torch dtype, a ``.dtype`` attribute or a name containing
"dtype" is a dtype; a string, a number, ``torch.device(...)``, a ``.device`` attribute or a name containing
"device" is a device. Anything else (``x.to(other_tensor)``, ``x.to(target)``) is decided at run time:
``tensors.to(x, target)`` (``mscore_rt.tensors``) takes a tensor's dtype or a dtype and ignores a device.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.calls import code, fix_commas, positional
from mscore.rewrite.transforms.registry import transform

RUNTIME_TO = "mscore_rt.tensors.to"
DTYPE_WORDS = ("dtype",)
DEVICE_WORDS = ("device", "dev", "cuda", "cpu", "npu", "rank", "gpu")
# what a mindspore dtype is written as: this pass's placeholder, or the names a converted file binds mindspore to
# (imports.choose_aliases), so converting a converted file again recognises its own output
_MS_ROOTS = {"__mscore_ms__", "ms", "mindspore", "mscore_ms", "mscore_ms_"}
_DTYPES = {
    "float32", "float", "float16", "half", "bfloat16", "float64", "double", "int8", "int16", "int32", "int", "int64",
    "long", "uint8", "bool", "complex64", "complex128", "short",
}


_DTYPE_PREFIXES = ("float", "bfloat", "int", "uint", "complex")


def _kind(ctx: Ctx, value: cst.BaseExpression) -> str:
    text = code(value).strip()
    if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.Integer)):
        return "device"
    last = text.rsplit(".", 1)[-1].lower()
    if text.split(".", 1)[0] in _MS_ROOTS and (last.rstrip("_") in _DTYPES or last.startswith(_DTYPE_PREFIXES)):
        return "dtype"     # ms.float32, ms.bool_, ms.float8_e4m3fn, ...
    if isinstance(value, cst.Call):
        inner = code(value.func)
        if "device" in inner.lower() or "current_device" in inner:
            return "device"
        return "unknown"
    if any(w in last for w in DTYPE_WORDS):
        return "dtype"
    if any(w in last for w in DEVICE_WORDS):
        return "device"
    return "unknown"


@transform("tensor_to")
def apply(ctx: Ctx, rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    func = call.func
    if not isinstance(func, cst.Attribute):
        raise Unconvertible("tensor_to needs a method call")
    dtype: cst.Arg | None = None
    for a in call.args:
        if a.star:
            raise Unconvertible("starred arguments to .to() cannot be classified")
        if a.keyword is not None:
            name = a.keyword.value
            if name == "dtype":
                dtype = a
            elif name in ("device", "non_blocking", "copy", "memory_format"):
                continue
            else:
                raise Unconvertible(f".to() keyword {name!r} is not known")
            continue
        kind = _kind(ctx, a.value)
        if kind == "dtype":
            dtype = a
        elif kind == "unknown":
            # a tensor, a dtype or a device held in a name: told apart when the call runs
            kept = [positional(b) for b in call.args if b.keyword is None]
            if dtype is not None and dtype.keyword is not None:
                kept.append(dtype)
            receiver = cst.Arg(func.value)
            return cst.Call(func=ctx.target(RUNTIME_TO), args=fix_commas([receiver, *kept], call.args))
    if dtype is None:
        return func.value
    if dtype.keyword is not None and _kind(ctx, dtype.value) != "dtype":
        # .to(dtype=bool) stays a keyword: made positional, a second pass could not tell it from a device
        keep = dtype.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    else:
        keep = positional(dtype)
    return call.with_changes(args=fix_commas([keep], [dtype.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
