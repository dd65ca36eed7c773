"""Random ops of the CPU backfill, driven by MindSpore's generators.

The CPU random kernels the backfill used before (``ops.uniform``, ``ops.standard_normal``, ``ops.randperm``,
``ops.multinomial``, ``ops.dropout``) ignore ``mindspore.manual_seed``, ``get_rng_state`` / ``set_rng_state`` and
``generator=`` (``ops.randperm`` gives one permutation for every seed). Here every draw takes its
(seed, offset) from a ``mindspore.Generator`` (``generator=`` or ``mindspore.default_generator``) by advancing it
with ``Generator._step`` -- the call MindSpore's own random ops make -- and produces the numbers on the host with
NumPy's PCG64 seeded by that pair. So seeding reproduces draws, a different seed changes them, restoring a saved
state replays them, and separate generators are independent, as in torch. The numbers themselves differ from
torch's and from the Ascend kernels' (a different bit generator), only the distributions match.

Under ``ms.jit`` a host draw cannot be part of the graph (at best it would be one constant, the same numbers at
every call), so where graph mode compiles these functions (``in_graph()``) they draw with MindSpore's graph random
kernels instead (UniformReal, StandardNormal, UniformInt, Shuffle): new numbers at every call, the same
distributions, but not driven by ``mindspore.manual_seed`` / ``generator=``. ``multinomial`` and the in-place
methods have no graph form.
"""
from __future__ import annotations

import numpy as np
import mindspore as ms
from mindspore import ops

from ._common import in_graph, inplace_update, is_tensor
from ._registry import replaces

_MASK64 = (1 << 64) - 1
_ONE = None


def _default_generator():
    return ms.default_generator


def host_rng(generator=None):
    """A NumPy generator for one draw, keyed by the MindSpore generator's (seed, offset), which advances by one."""
    global _ONE
    if _ONE is None:
        _ONE = ms.Tensor(1, ms.int64)
    gen = _default_generator() if generator is None else generator
    seed, offset = gen._step(_ONE)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed) & _MASK64, int(offset) & _MASK64])))


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _float_dtype(dtype, default=ms.float32):
    return default if dtype is None else dtype


def _to_ms(array, dtype):
    if dtype == ms.bfloat16:
        return ms.Tensor(np.asarray(array, np.float32)).astype(ms.bfloat16)
    return ms.Tensor(np.ascontiguousarray(array)).astype(dtype)


def uniform_array(shape, generator=None):
    return host_rng(generator).random(shape, dtype=np.float32)


def _graph_uniform(shape):
    """float32 uniform [0, 1) of ``shape`` from MindSpore's graph kernel (the ``in_graph()`` branches)."""
    return ops.uniform(shape, ms.Tensor(0.0, ms.float32), ms.Tensor(1.0, ms.float32))


# ----------------------------------------------------------------------------------------------- mint functions
@replaces("mindspore.mint.rand")
def rand(*size, generator=None, dtype=None, device=None):
    dtype = _float_dtype(dtype)
    if in_graph():
        return _graph_uniform(_size_args(size)).astype(dtype)
    draw = host_rng(generator).random(_size_args(size), dtype=np.float64 if dtype == ms.float64 else np.float32)
    return _to_ms(draw, dtype)


@replaces("mindspore.mint.rand_like")
def rand_like(input, *, dtype=None, device=None):
    return rand(*input.shape, dtype=input.dtype if dtype is None else dtype)


@replaces("mindspore.mint.randn")
def randn(*size, generator=None, dtype=None, device=None):
    dtype = _float_dtype(dtype)
    if in_graph():
        return ops.standard_normal(_size_args(size)).astype(dtype)
    rng = host_rng(generator)
    draw = rng.standard_normal(_size_args(size), dtype=np.float64 if dtype == ms.float64 else np.float32)
    return _to_ms(draw, dtype)


@replaces("mindspore.mint.randn_like")
def randn_like(input, *, dtype=None, device=None):
    return randn(*input.shape, dtype=input.dtype if dtype is None else dtype)


@replaces("mindspore.mint.randint")
def randint(*args, generator=None, dtype=None, device=None):
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    if in_graph():
        draw = ops.randint(int(low), int(high), tuple(size), dtype=ms.int64)
        return draw if dtype is None else draw.astype(dtype)
    draw = host_rng(generator).integers(int(low), int(high), tuple(int(s) for s in size), dtype=np.int64)
    return _to_ms(draw, ms.int64 if dtype is None else dtype)


@replaces("mindspore.mint.randint_like")
def randint_like(*args, dtype=None, device=None):
    if len(args) == 2:
        input, low, high = args[0], 0, args[1]
    elif len(args) == 3:
        input, low, high = args
    else:
        raise TypeError("randint_like() expects (input, high) or (input, low, high)")
    return randint(low, high, input.shape, dtype=input.dtype if dtype is None else dtype)


@replaces("mindspore.mint.randperm")
def randperm(n, *, generator=None, dtype=ms.int64):
    if in_graph():   # a shuffled arange (the graph's own randperm kernel gives one permutation at every call)
        return ops.shuffle(ops.arange(0, n, 1, dtype=ms.int64)).astype(dtype)
    return _to_ms(host_rng(generator).permutation(int(n)).astype(np.int64), dtype)


@replaces("mindspore.mint.normal")
def normal(mean=0.0, std=1.0, size=None, generator=None):
    if is_tensor(mean) or is_tensor(std):
        m = mean if is_tensor(mean) else ms.Tensor(mean, ms.float32)
        s = std if is_tensor(std) else ms.Tensor(std, ms.float32)
        shape = tuple((m * 0 + s * 0).shape)
        if in_graph():
            return ops.standard_normal(shape) * s + m
        noise = _to_ms(host_rng(generator).standard_normal(shape, dtype=np.float32), ms.float32)
        return noise * s + m
    if size is None:
        raise TypeError("normal(): size is required when mean and std are numbers")
    if in_graph():
        return ops.standard_normal(tuple(size)) * std + mean
    noise = host_rng(generator).standard_normal(tuple(int(s) for s in size), dtype=np.float32)
    return _to_ms(noise * np.float32(std) + np.float32(mean), ms.float32)


@replaces("mindspore.mint.bernoulli")
def bernoulli(input, *, generator=None):
    if in_graph():
        u = _graph_uniform(input.shape)
    else:
        u = _to_ms(uniform_array(tuple(input.shape), generator), ms.float32)
    return (u < input.astype(ms.float32)).astype(input.dtype)


@replaces("mindspore.mint.multinomial")
def multinomial(input, num_samples, replacement=False, *, generator=None):
    probs = input.astype(ms.float64).asnumpy()
    rows = probs.reshape(-1, probs.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError("multinomial: cannot sample more than the number of categories without replacement")
    rng = host_rng(generator)
    out = np.empty((rows.shape[0], int(num_samples)), np.int64)
    for i, p in enumerate(rows):
        total = p.sum()
        if total <= 0:
            raise RuntimeError("multinomial: a row of probabilities sums to zero")
        if replacement:
            out[i] = rng.choice(p.size, size=int(num_samples), replace=True, p=p / total)
        else:
            # Gumbel top-k: the same law as drawing one category at a time without replacement
            with np.errstate(divide="ignore"):
                keys = np.log(p) - np.log(-np.log(rng.random(p.size)))
            out[i] = np.argsort(-keys, kind="stable")[: int(num_samples)]
    return _to_ms(out.reshape(probs.shape[:-1] + (int(num_samples),)), ms.int64)


# ---------------------------------------------------------------------------------------- in-place Tensor methods
@replaces("mindspore.Tensor.uniform_")
def uniform_(self, from_=0, to=1, *, generator=None):
    u = _to_ms(uniform_array(tuple(self.shape), generator), ms.float32)
    return inplace_update(self, u * (to - from_) + from_)


@replaces("mindspore.Tensor.normal_")
def normal_(self, mean=0, std=1, *, generator=None):
    noise = _to_ms(host_rng(generator).standard_normal(tuple(self.shape), dtype=np.float32), ms.float32)
    return inplace_update(self, noise * std + mean)


@replaces("mindspore.Tensor.bernoulli_")
def bernoulli_(self, p=0.5, *, generator=None):
    u = _to_ms(uniform_array(tuple(self.shape), generator), ms.float32)
    prob = p.astype(ms.float32) if is_tensor(p) else p
    return inplace_update(self, (u < prob).astype(self.dtype))


@replaces("mindspore.Tensor.random_")
def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_ if from_ else (2 ** 24 if self.dtype in (ms.float32,) else 2 ** 31 - 1)
    draw = host_rng(generator).integers(int(from_), int(to), tuple(self.shape), dtype=np.int64)
    return inplace_update(self, ms.Tensor(draw))


@replaces("mindspore.Tensor.exponential_")
def exponential_(self, lambd=1, *, generator=None):
    u = _to_ms(uniform_array(tuple(self.shape), generator), ms.float32)
    return inplace_update(self, -ops.log1p(-u) / lambd)


# ----------------------------------------------------------------------------------------------------- dropout
def dropout_mask(shape, p, generator=None):
    """float32 keep-mask (1 with probability 1 - p) for the given shape."""
    if in_graph():
        return (_graph_uniform(tuple(shape)) >= p).astype(ms.float32)
    return _to_ms(uniform_array(tuple(shape), generator) >= np.float32(p), ms.float32)
