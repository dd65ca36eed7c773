"""Parity cases for the keyword aliases torch's argument parser accepts (mscore/rules/signature.py ``ALIASES``).

Torch's native functions and Tensor methods take NumPy's names as aliases: ``axis=`` for ``dim=``, ``keepdims=`` for
``keepdim=``; every parameter can be passed by its own name (``input=``, ``other=``); a ``*size`` / ``*dims`` /
``*repeats`` parameter can be passed by keyword as one sequence (``x.view(size=(2, 3))``).
A method NumPy's ndarray has too (``sum``, ``max``, ``std``, ...) called with ``axis=`` on an unknown receiver is
taken for NumPy's and left as it is (MindSpore's Tensor methods take ``axis=`` too: ``x.sum(axis=1)`` holds).
"""
from mscore.parity.case import Case, rand_bool, randint, randn

CASES = [
    # --- axis= / keepdims= ------------------------------------------------------------------------------------
    Case("torch.cat", "torch.cat([a, b], axis=0)", a=randn(2, 3), b=randn(1, 3)),
    Case("torch.cat", "torch.cat((a, b), axis=-1)", a=randn(2, 3), b=randn(2, 1)),
    Case("torch.concat", "torch.concat([a, b], axis=1)", a=randn(2, 3), b=randn(2, 1)),
    Case("torch.stack", "torch.stack([a, b], axis=1)", a=randn(2, 3), b=randn(2, 3)),
    Case("torch.sum", "torch.sum(x, axis=1)", x=randn(3, 4)),
    Case("torch.sum", "torch.sum(x, axis=0, keepdims=True)", x=randn(3, 4), atol=1e-5, reason="float32 sums"),
    Case("Tensor.sum", "x.sum(axis=1)", x=randn(3, 4), atol=1e-5, reason="float32 sums"),
    Case("Tensor.sum", "x.sum(axis=(0, 1), keepdims=True)", x=randn(3, 4), atol=1e-5, reason="float32 sums"),
    Case("torch.mean", "torch.mean(x, axis=1, keepdims=True)", x=randn(3, 4)),
    Case("Tensor.mean", "x.mean(axis=0)", x=randn(3, 4)),
    Case("torch.max", "torch.max(x, axis=1)", x=randn(3, 4)),
    Case("torch.max", "torch.max(x, axis=0, keepdims=True)[0]", x=randn(3, 4)),
    Case("torch.argmax", "torch.argmax(x, axis=1, keepdims=True)", x=randn(3, 4)),
    Case("Tensor.argmax", "x.argmax(axis=1)", x=randn(3, 4)),
    Case("torch.gather", "torch.gather(x, axis=1, index=i)", x=randn(3, 4), i=randint(0, 4, (3, 2))),
    Case("Tensor.gather", "x.gather(axis=1, index=i)", x=randn(3, 4), i=randint(0, 4, (3, 2))),
    Case("torch.cumsum", "torch.cumsum(x, axis=0)", x=randn(4, 2)),
    Case("Tensor.cumsum", "x.cumsum(axis=1)", x=randn(4, 2)),
    Case("torch.softmax", "torch.softmax(x, axis=1)", x=randn(2, 5)),
    Case("Tensor.softmax", "x.softmax(axis=-1)", x=randn(2, 5)),
    Case("torch.squeeze", "torch.squeeze(x, axis=0)", x=randn(1, 3)),
    Case("torch.unsqueeze", "torch.unsqueeze(x, axis=1)", x=randn(3)),
    Case("Tensor.unsqueeze", "x.unsqueeze(axis=0)", x=randn(3)),
    Case("torch.index_select", "torch.index_select(x, axis=0, index=i)", x=randn(4, 2), i=randint(0, 4, 3)),
    Case("torch.var", "torch.var(x, axis=0)", x=randn(5, 2)),
    Case("torch.chunk", "torch.chunk(x, 2, axis=1)", x=randn(2, 4)),
    Case("torch.narrow", "torch.narrow(x, axis=0, start=1, length=2)", x=randn(4, 2)),
    Case("Tensor.all", "x.all(axis=1)", x=rand_bool((3, 4))),
    Case("torch.any", "torch.any(x, axis=0)", x=rand_bool((3, 4))),
    Case("torch.sort", "torch.sort(x, axis=1)[0]", x=randn(2, 5)),
    Case("torch.logsumexp", "torch.logsumexp(x, axis=1)", x=randn(2, 5)),
    Case("torch.amax", "torch.amax(x, axis=0, keepdims=True)", x=randn(2, 5)),
    # --- every parameter by its own name ---------------------------------------------------------------------
    Case("torch.add", "torch.add(input=a, other=b)", a=randn(3), b=randn(3)),
    Case("torch.add", "torch.add(other=b, input=a, alpha=3)", a=randn(3), b=randn(3)),
    Case("torch.sub", "torch.sub(input=a, other=b)", a=randn(3), b=randn(3)),
    Case("torch.mul", "torch.mul(input=a, other=b)", a=randn(3), b=randn(3)),
    Case("torch.div", "torch.div(input=a, other=b, rounding_mode='floor')", a=randn(3), b=randn(3)),
    Case("torch.matmul", "torch.matmul(input=a, other=b)", a=randn(2, 3), b=randn(3, 2), atol=1e-5,
         reason="matmul accumulation order"),
    Case("torch.maximum", "torch.maximum(input=a, other=b)", a=randn(3), b=randn(3)),
    Case("torch.where", "torch.where(condition=c, input=a, other=b)", c=rand_bool(4), a=randn(4), b=randn(4)),
    Case("torch.pow", "torch.pow(input=a, exponent=2)", a=randn(3)),
    Case("torch.clamp", "torch.clamp(input=a, min=-0.5)", a=randn(5)),
    Case("torch.topk", "torch.topk(input=a, k=2)[0]", a=randn(5)),
    Case("torch.flatten", "torch.flatten(input=a, start_dim=1)", a=randn(2, 3, 2)),
    Case("torch.transpose", "torch.transpose(x, dim0=0, dim1=1)", x=randn(2, 3)),
    Case("torch.eq", "torch.eq(input=a, other=b)", a=randint(0, 3, 5), b=randint(0, 3, 5)),
    Case("torch.exp", "torch.exp(input=a)", a=randn(3)),
    Case("Tensor.masked_fill", "x.masked_fill(mask=m2, value=0.0)", x=randn(4), m2=rand_bool(4)),
    # --- a *varargs parameter by keyword, as one sequence ----------------------------------------------------
    Case("Tensor.view", "x.view(size=(3, 2))", x=randn(2, 3)),
    Case("Tensor.view", "x.view(size=[-1])", x=randn(2, 3)),
    Case("Tensor.expand", "x.expand(size=(2, 3))", x=randn(1, 3)),
    Case("Tensor.expand", "x.expand(size=[4, -1])", x=randn(1, 3)),
    Case("Tensor.reshape", "x.reshape(shape=(3, 2))", x=randn(2, 3)),
    Case("Tensor.repeat", "x.repeat(repeats=(2, 1))", x=randn(2, 3)),
    Case("Tensor.permute", "x.permute(dims=(1, 0))", x=randn(2, 3)),
    Case("Tensor.tile", "x.tile(dims=(2,))", x=randn(3)),
    Case("torch.zeros", "torch.zeros(size=(2, 3))"),
    Case("torch.ones", "torch.ones(size=[2])"),
    Case("Tensor.new_zeros", "x.new_zeros(size=(2,))", x=randn(3)),
    # --- repeats= ---------------------------------------------------------------------------------------------
    Case("torch.repeat_interleave", "torch.repeat_interleave(x, repeats=2)", x=randn(3)),
    Case("torch.repeat_interleave", "torch.repeat_interleave(x, repeats=2, dim=0)", x=randn(2, 2)),
    Case("Tensor.repeat_interleave", "x.repeat_interleave(repeats=3)", x=randn(2)),
    Case("Tensor.repeat_interleave", "x.repeat_interleave(repeats=r, dim=0)", x=randn(3, 2), r=randint(1, 3, 3)),
    # --- nn.Parameter(data=...) -------------------------------------------------------------------------------
    Case("torch.nn.Parameter", "p = torch.nn.Parameter(data=x)\nout = p * 2", x=randn(3)),
    Case("torch.nn.Parameter", "p = nn.Parameter(data=x, requires_grad=False)\nout = (p + 1, p.requires_grad)",
         x=randn(3)),
    # methods NumPy's ndarray has too, in a file that names no array library: axis= / keepdims= are torch's aliases
    Case("Tensor.std", "x.std(axis=0)", x=randn(3, 2)),
    Case("Tensor.std", "x.std(axis=1, keepdims=True)", x=randn(2, 4)),
    Case("Tensor.var", "x.var(axis=0)", x=randn(4, 2)),
    Case("Tensor.max", "x.max(axis=0)", x=randn(2, 3)),
    Case("Tensor.max", "x.max(axis=-1, keepdims=True).values", x=randn(2, 3)),
    Case("Tensor.min", "v, i = x.min(axis=1)\nout = (v, i)", x=randn(2, 3)),
    Case("Tensor.sum", "x.sum(axis=1, keepdims=True)", x=randn(2, 3)),
    Case("Tensor.argmax", "x.argmax(axis=1)", x=randn(2, 3)),
]
