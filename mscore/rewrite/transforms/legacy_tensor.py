"""``torch.Tensor(...)`` called: torch's legacy constructor, a tensor of the default dtype (float32).

``torch.Tensor([1, 2])`` (data) → ``ms.Tensor([1, 2], dtype=ms.float32)`` — MindSpore's ``Tensor`` infers int64
from the same list, torch gives float32. Anything else (sizes ``torch.Tensor(2, 3)``, a name that may be either
sizes or data, no argument) → ``mscore_rt.tensors.FloatTensor(...)``, which tells sizes from data at run time as
torch does. A bare reference (``isinstance(x, torch.Tensor)``, annotations, base classes) stays the rule's target,
``mindspore.Tensor``; only a call needs the dtype.
"""
from __future__ import annotations

import libcst as cst

from mscore.rewrite.context import Ctx, Unconvertible
from mscore.rewrite.transforms.registry import transform
from mscore.rules import Rule

_DATA = (cst.List, cst.Tuple, cst.ListComp, cst.Float)
_DROPPED = ("device",)   # torch's legacy constructor takes device=; MindSpore places tensors by the device target


@transform("legacy_tensor")
def apply(ctx: Ctx, rule: Rule, call: cst.Call, suffix: str = "") -> cst.BaseExpression:
    args = [a for a in call.args if a.keyword is None or a.keyword.value not in _DROPPED]
    named = [a.keyword.value for a in args if a.keyword is not None]
    if named:
        raise Unconvertible(f"torch.Tensor() takes data or sizes (and device=), not {named[0]}=")
    if len(args) == 1 and not args[0].star and isinstance(args[0].value, _DATA):
        dtype = cst.Arg(keyword=cst.Name("dtype"), value=ctx.target("mindspore.float32"),
                        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                              whitespace_after=cst.SimpleWhitespace("")))
        data = args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return cst.Call(func=ctx.target("mindspore.Tensor"), args=[data, dtype])
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return cst.Call(func=ctx.target("mscore_rt.tensors.FloatTensor"), args=args)
