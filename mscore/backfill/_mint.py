"""CPU implementations of ``mindspore.mint.*`` functions whose kernels are Ascend-only in the 2.10 CPU wheel.

Each function has the exact signature of the mint function it replaces (checked by the tests) and is built from
ops that run (and differentiate) on CPU: ``mindspore.ops`` functions, legacy primitives and Tensor operators.
Functions here must never call a mint function that the backfill replaces (that would recurse into the guard);
they call ``ops.*`` instead.
"""
from __future__ import annotations

import math

import mindspore as ms
from mindspore import ops

from ._common import is_tensor, long, scalar_dtype, tuple_n
from ._registry import replaces

# ---------------------------------------------------------------------------------------------------- matmul family


@replaces("mindspore.mint.mm")
def mm(input, mat2):
    return ops.matmul(input, mat2)


def _blend(input, prod, beta, alpha):
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # torch: input is ignored (nan/inf in it do not propagate)
        return prod
    return prod + (input if beta == 1 else input * beta)


@replaces("mindspore.mint.addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    return _blend(input, ops.matmul(mat1, mat2), beta, alpha)


@replaces("mindspore.mint.baddbmm")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _blend(input, ops.bmm(batch1, batch2), beta, alpha)


@replaces("mindspore.mint.addbmm")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _blend(input, ops.bmm(batch1, batch2).sum(0), beta, alpha)


@replaces("mindspore.mint.addmv")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _blend(input, ops.matmul(mat, vec), beta, alpha)


@replaces("mindspore.mint.mv")
def mv(input, vec):
    return ops.matmul(input, vec)


@replaces("mindspore.mint.dot")
def dot(input, other):
    return (input * other).sum()


@replaces("mindspore.mint.vdot")
def vdot(input, other):
    if input.dtype in (ms.complex64, ms.complex128):
        return (ops.conj(input) * other).sum()
    return (input * other).sum()


@replaces("mindspore.mint.outer")
def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


def _einsum_parse(equation, operands):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum(): {len(terms)} operand terms in {equation!r} but {len(operands)} operands given")
    used = set(c for c in eq if c.isalpha())
    pool = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    ell_n = 0
    for t, op in zip(terms, operands):
        if "..." in t:
            ell_n = max(ell_n, op.ndim - (len(t) - 3))
    ell = "".join(pool[:ell_n])
    out_terms = []
    for t, op in zip(terms, operands):
        if "..." in t:
            k = op.ndim - (len(t) - 3)
            t = t.replace("...", ell[ell_n - k:] if k else "")
        if len(t) != op.ndim:
            raise ValueError(f"einsum(): term {t!r} does not match an operand with {op.ndim} dims")
        out_terms.append(t)
    if rhs is None:
        counts = {}
        for t in out_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return out_terms, rhs


def _einsum_diag(t, x):
    """Take diagonals for labels repeated inside one term (e.g. 'ii->i')."""
    while len(set(t)) != len(t):
        for c in t:
            if t.count(c) > 1:
                i = t.index(c)
                j = t.index(c, i + 1)
                x = ops.diagonal(x, 0, i, j)  # diagonal goes last
                t = t[:i] + t[i + 1:j] + t[j + 1:] + c
                break
    return t, x


def _einsum_sum_out(t, x, keep):
    drop = [i for i, c in enumerate(t) if c not in keep]
    if drop:
        x = x.sum(tuple(drop))
        t = "".join(c for c in t if c in keep)
    return t, x


def _einsum_pair(ta, a, tb, b, keep):
    """Contract two operands; labels in keep survive. Returns (labels, tensor)."""
    batch = [c for c in ta if c in tb and c in keep]
    contr = [c for c in ta if c in tb and c not in keep]
    a_only = [c for c in ta if c not in tb]
    b_only = [c for c in tb if c not in ta]
    size = {}
    for t, x in ((ta, a), (tb, b)):
        for c, s in zip(t, x.shape):
            size[c] = max(size.get(c, 1), s)
    pa = [ta.index(c) for c in batch + a_only + contr]
    pb = [tb.index(c) for c in batch + contr + b_only]
    a = ops.transpose(a, tuple(pa)) if pa != list(range(len(pa))) else a
    b = ops.transpose(b, tuple(pb)) if pb != list(range(len(pb))) else b
    # size-1 broadcasting over batch / contracted labels
    a = ops.broadcast_to(a, tuple(size[c] for c in batch + a_only + contr))
    b = ops.broadcast_to(b, tuple(size[c] for c in batch + contr + b_only))
    nb = int(math.prod(size[c] for c in batch))
    m = int(math.prod(size[c] for c in a_only))
    k = int(math.prod(size[c] for c in contr))
    n = int(math.prod(size[c] for c in b_only))
    if not contr and not a_only and not b_only:
        out = a * b
    else:
        out = ops.bmm(a.reshape(nb, m, k), b.reshape(nb, k, n))
        out = out.reshape(tuple(size[c] for c in batch + a_only + b_only))
    return "".join(batch + a_only + b_only), out


@replaces("mindspore.mint.einsum")
def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, rhs = _einsum_parse(equation, operands)
    items = []
    for i, (t, x) in enumerate(zip(terms, operands)):
        t, x = _einsum_diag(t, x)
        later = set(rhs).union(*[set(s) for j, s in enumerate(terms) if j != i])
        t, x = _einsum_sum_out(t, x, later)
        items.append((t, x))
    t, x = items[0]
    for i in range(1, len(items)):
        tb, b = items[i]
        keep = set(rhs).union(*[set(s) for s, _ in items[i + 1:]])
        t, x = _einsum_pair(t, x, tb, b, keep)
    t, x = _einsum_sum_out(t, x, set(rhs))
    perm = tuple(t.index(c) for c in rhs)
    if perm != tuple(range(len(perm))):
        x = ops.transpose(x, perm)
    return x


@replaces("mindspore.mint.inverse")
def inverse(input):
    return ops.inverse(input)


@replaces("mindspore.mint.trace")
def trace(input):
    return ops.diagonal(input).sum()


@replaces("mindspore.mint.diag")
def diag(input, diagonal=0):
    return ops.diag(input) if diagonal == 0 and input.ndim == 1 else _diag(input, diagonal)


def _diag(input, diagonal):
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        out = ops.diag(input)
        pad = (max(diagonal, 0), max(-diagonal, 0), max(-diagonal, 0), max(diagonal, 0))
        return ops.pad(out, pad)[:n, :n] if any(pad) else out
    return ops.diagonal(input, diagonal, 0, 1)


# -------------------------------------------------------------------------------------------------- join / shape


@replaces("mindspore.mint.stack")
def stack(tensors, dim=0):
    tensors = list(tensors)
    nd = tensors[0].ndim + 1
    d = dim % nd
    return ops.cat([ops.expand_dims(t, d) for t in tensors], d)


# The CPU backward of mint's splitting views (SplitWithSize / SplitTensor, SelectExtView, unbind) mishandles an
# incoming gradient that is not contiguous -- e.g. one coming back through a permute, as the value slice of
# Megatron's fused QKV does in core attention: mint.split's gradient comes out silently permuted, select and unbind
# fail in InplaceCopy. narrow views differentiate correctly on CPU, so the pieces are narrow views here (views of
# the input, as the originals and torch's are; mint.narrow, which is not replaced, also takes empty pieces).


def _split_dim(tensor, dim, name):
    nd = tensor.ndim
    if not -nd <= dim < nd:
        raise ValueError(f"{name}: dim {dim} out of range for a tensor of rank {nd}")
    return dim % nd


# graph mode fails to parse a raise whose message continues on a second line (GetPythonScriptIdAttrs)
_SPLIT_TYPE_ERROR = "split: split_size_or_sections must be an int or a list / tuple of ints"


@replaces("mindspore.mint.split")
def split(tensor, split_size_or_sections, dim=0):
    d = _split_dim(tensor, dim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the length of dim {dim}")
    elif isinstance(split_size_or_sections, int) and not isinstance(split_size_or_sections, bool):
        size = split_size_or_sections
        if size <= 0 and n:
            raise ValueError(f"split: split size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    else:
        raise TypeError(f"{_SPLIT_TYPE_ERROR}, got {type(split_size_or_sections).__name__}")  # one line: ms.jit
    pieces, start = [], 0
    for s in sizes:
        pieces.append(ms.mint.narrow(tensor, d, start, s))
        start += s
    return tuple(pieces)


@replaces("mindspore.mint.select")
def select(input, dim, index):
    d = _split_dim(input, dim, "select")
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select: index {index} out of range for dim {dim} of size {n}")
    return ms.mint.narrow(input, d, index % n, 1).squeeze(d)


@replaces("mindspore.mint.unbind")
def unbind(input, dim=0):
    d = _split_dim(input, dim, "unbind")
    return tuple(ms.mint.narrow(input, d, i, 1).squeeze(d) for i in range(input.shape[d]))


@replaces("mindspore.mint.roll")
def roll(input, shifts, dims=None):
    if dims is None:
        flat = input.reshape(-1)
        s = shifts[0] if isinstance(shifts, (list, tuple)) else shifts
        return roll(flat, s, 0).reshape(input.shape)
    shifts = tuple_n(shifts, 1)
    dims = tuple_n(dims, 1)
    if len(shifts) != len(dims):
        raise ValueError(f"roll(): shifts and dims must have the same length, got {len(shifts)} and {len(dims)}")
    out = input
    for s, d in zip(shifts, dims):
        n = out.shape[d]
        if n == 0:
            continue
        s = s % n
        if s == 0:
            continue
        d = d % out.ndim
        head = ops.narrow(out, d, n - s, s)
        tail = ops.narrow(out, d, 0, n - s)
        out = ops.cat([head, tail], d)
    return out


@replaces("mindspore.mint.tril")
def tril(input, diagonal=0):
    if input.dtype == ms.bool_:
        return ops.tril(input.astype(ms.int32), diagonal).astype(ms.bool_)
    return ops.tril(input, diagonal)


@replaces("mindspore.mint.clone")
def clone(input):
    return ops.deepcopy(input)


@replaces("mindspore.mint.take")
def take(input, index):
    return ops.gather(input.reshape(-1), long(index).reshape(-1), 0).reshape(index.shape)


@replaces("mindspore.mint.index_select")
def index_select(input, dim, index):
    return ops.gather(input, long(index), dim)


def _expand_index(index, src, dim):
    """index along `dim` (1-D) -> full index tensor shaped like src."""
    shape = [1] * src.ndim
    shape[dim] = -1
    return ops.broadcast_to(long(index).reshape(shape), src.shape)


@replaces("mindspore.mint.index_add")
def index_add(input, dim, index, source, *, alpha=1):
    dim = dim % max(input.ndim, 1)
    src = source * alpha if alpha != 1 else source
    if input.ndim == 0:
        return input + src.sum()
    return ops.tensor_scatter_elements(input, _expand_index(index, src, dim), src, dim, "add")


@replaces("mindspore.mint.scatter_add")
def scatter_add(input, dim, index, src):
    if tuple(src.shape) != tuple(index.shape):
        src = src[tuple(slice(0, s) for s in index.shape)]
    return ops.tensor_scatter_elements(input, long(index), src, dim % max(input.ndim, 1), "add")


@replaces("mindspore.mint.repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats): indices
        reps = input
        return ops.repeat_interleave(ops.arange(0, reps.shape[0], dtype=ms.int64), long(reps), 0)
    if dim is None:
        input = input.reshape(-1)
        dim = 0
    if is_tensor(repeats):
        if repeats.ndim == 0 or repeats.shape == (1,):
            repeats = int(repeats.reshape(-1)[0])
        else:
            return ops.repeat_interleave(input, repeats.astype(ms.int32), dim)
    return ops.repeat_interleave(input, int(repeats), dim)


# ---------------------------------------------------------------------------------------------------- creation


def _dt(dtype, default):
    return default if dtype is None else dtype


@replaces("mindspore.mint.arange")
def arange(start=0, end=None, step=1, *, dtype=None):
    if end is None:
        start, end = 0, start
    vals = [v.item() if is_tensor(v) else v for v in (start, end, step)]
    if dtype is None:
        dtype = ms.float32 if any(isinstance(v, float) for v in vals) else ms.int64
    n = max(int(math.ceil((vals[1] - vals[0]) / vals[2])), 0)
    if not n:
        return ops.zeros((0,), dtype)
    if dtype in (ms.float32, ms.float16, ms.bfloat16, ms.float64):
        idx = ops.arange(0, n, 1, dtype=ms.int64)
        return (idx.astype(ms.float64) * vals[2] + vals[0]).astype(dtype)
    # integers: one kernel (was arange + Mul + Add + Cast: arange runs ~17 times a step in the mini Qwen2.5-VL)
    idx = ops.arange(int(vals[0]), int(vals[0]) + n * int(vals[2]), int(vals[2]), dtype=ms.int64)
    return idx if dtype == ms.int64 else idx.astype(dtype)


@replaces("mindspore.mint.full")
def full(size, fill_value, *, dtype=None):
    if is_tensor(fill_value):
        fill_value = fill_value.item()
    dtype = _dt(dtype, scalar_dtype(fill_value))
    size = tuple(size) if isinstance(size, (list, tuple)) else (size,)
    return ops.fill(dtype, size, fill_value)


@replaces("mindspore.mint.full_like")
def full_like(input, fill_value, *, dtype=None):
    return full(input.shape, fill_value, dtype=_dt(dtype, input.dtype))


@replaces("mindspore.mint.ones_like")
def ones_like(input, *, dtype=None):
    return ops.ones(input.shape, _dt(dtype, input.dtype))


@replaces("mindspore.mint.zeros_like")
def zeros_like(input, *, dtype=None):
    return ops.zeros(input.shape, _dt(dtype, input.dtype))


@replaces("mindspore.mint.linspace")
def linspace(start, end, steps, *, dtype=None):
    vals = [v.item() if is_tensor(v) else v for v in (start, end)]
    dtype = _dt(dtype, ms.float32)
    if steps == 1:
        return ms.Tensor([vals[0]], ms.float32).astype(dtype)
    # torch fills the first half from start and the second half from end (symmetric rounding)
    step = (vals[1] - vals[0]) / (steps - 1)
    i = ops.arange(0, steps, 1, dtype=ms.int64).astype(ms.float32)
    half = steps // 2
    lo = vals[0] + step * i
    hi = vals[1] - step * (steps - 1 - i)
    out = ops.where(i < half, lo, hi)
    return out.astype(dtype)
