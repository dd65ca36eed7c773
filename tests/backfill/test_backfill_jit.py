"""Backfill implementations (and the runtime helpers converted code calls) inside ``ms.jit(capture_mode="ast")``.

Graph mode parses the Python of every function the jitted code calls, the CPU replacements included, and rejects
what it cannot express: an import in a function body, a set or dict of dtypes, a classmethod call on a class, a
comprehension over ``x.stride()``, a raise of an exception class of our own, a raise whose message continues on a
second line. Each test jits a small function calling one such op and compares the result with torch's (and with
the eager run where the jit is what is under test). bench/jit_coverage.py measures the same over every parity case.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.backfill.conftest import assert_same, ms, randn, torch

from mindspore import mint  # noqa: E402  (after conftest set the device)

import mscore.runtime as rt  # noqa: E402
from mscore.backfill import _distributed  # noqa: E402

sys.modules.setdefault("mscore_rt", rt)
from mscore_rt import dtypes, tensors  # noqa: E402


def jit(fn):
    return ms.jit(fn, capture_mode="ast")


def both(fn, *arrays):
    """fn run eagerly and jitted on the same MindSpore inputs; the jitted result is returned after checking it
    equals the eager one."""
    ins = [ms.Tensor(a) for a in arrays]
    eager = fn(*ins)
    jitted = jit(fn)(*ins)
    assert_same(jitted, eager, what="jit vs eager")
    return jitted


# ---------------------------------------------------------------------------------------------- backfill functions


def test_no_function_of_an_implementation_module_imports_in_its_body():
    """Graph mode rejects an import statement anywhere in a function it compiles ("Unsupported statement
    'ImportFrom'"), taken branch or not; implementations and the helpers they call import at module level. Only the
    setup code enable() runs once (never compiled) may defer an import."""
    import ast
    from pathlib import Path

    import mscore.backfill as package

    setup = {"__init__.py", "__main__.py", "_registry.py", "_bf16.py:setitem", "_bf16.py:_copy_signature",
             "_bf16.py:bf16_aware", "_distributed.py:_join_msrun", "_graph.py:routes"}
    offenders = []
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        if path.name in setup:
            continue
        for fn in ast.parse(path.read_text()).body:
            if isinstance(fn, ast.FunctionDef) and f"{path.name}:{fn.name}" not in setup and any(
                    isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(fn)):
                offenders.append(f"{path.name}:{fn.name}")
    assert not offenders, offenders


def test_where_three_args():
    c, a, b = randn(3, 4) > 0, randn(3, 4, seed=1), randn(3, 4, seed=2)

    def f(c, a, b):
        return mint.where(c, a, b)

    assert_same(both(f, c, a, b), torch.where(torch.from_numpy(c), torch.from_numpy(a), torch.from_numpy(b)))


def test_where_with_a_scalar_other():
    x = randn(3, 4)

    def f(x):
        return mint.where(x > 0, x, 0.0)

    t = torch.from_numpy(x)
    assert_same(both(f, x), torch.where(t > 0, t, 0.0))


@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int32", "int64"), ("float16", "float32"),
                                    ("bool", "int32"), ("float32", "float32")])
def test_cat_promotes_mixed_dtypes(dtypes):
    a = (randn(2, 3) * 4).astype(dtypes[0])
    b = (randn(1, 3, seed=1) * 4).astype(dtypes[1])

    def f(a, b):
        return mint.cat([a, b], 0)

    got = both(f, a, b)
    assert_same(got, torch.cat([torch.from_numpy(a), torch.from_numpy(b)], 0))


def test_cat_dtype_is_cached_in_pynative():
    """The common dtype is looked up per tuple of dtypes (PyNative's per-call cost stays that of the set() it
    replaced), and is the same under jit."""
    from mscore.backfill import _promote

    _promote._cat_dtype.fn.cache_clear()
    key = (ms.int32, ms.float16)
    assert _promote._cat_dtype(key) == ms.float16
    assert _promote._cat_dtype(key) == ms.float16
    assert _promote._cat_dtype.fn.cache_info().hits == 1
    assert _promote._cat_dtype((ms.float32, ms.float32)) is None


@pytest.mark.parametrize("kwargs", [{"scale_factor": 2, "mode": "nearest"}, {"size": (4, 5)},
                                    {"size": (4, 4, 4), "mode": "trilinear", "align_corners": False}])
def test_interpolate_falls_through_to_the_original(kwargs):
    x = randn(1, 2, 3, 3, 3) if kwargs.get("mode") == "trilinear" else randn(1, 2, 3, 3)

    def f(x):
        return mint.nn.functional.interpolate(x, **kwargs)

    assert_same(both(f, x), torch.nn.functional.interpolate(torch.from_numpy(x), **kwargs))


@pytest.mark.parametrize("sections", [2, [1, 3]])
def test_split(sections):
    x = randn(4, 3)

    def f(x):
        return mint.split(x, sections)

    assert_same(both(f, x), torch.split(torch.from_numpy(x), sections))


def test_get_global_rank_in_a_graph():
    def f():
        return mint.distributed.get_global_rank(None, 0)

    assert jit(f)() == 0


def test_get_global_rank_refuses_another_rank_at_compile_time():
    def f():
        return mint.distributed.get_global_rank(None, 1)

    with pytest.raises(_distributed.SingleProcessOnly, match="rank 0 only"):
        jit(f)()
    with pytest.raises(_distributed.SingleProcessOnly, match="rank 0 only"):
        f()


@pytest.mark.parametrize("dtype,other", [("float32", 1.5), ("int64", 4), ("float32", "tensor")])
def test_fmod(dtype, other):
    x = (randn(6) * 5).astype(dtype)
    o = randn(6, seed=3) + 2.5 if other == "tensor" else other

    def f(x, o):
        return mint.fmod(x, o)

    o_ms = ms.Tensor(o) if other == "tensor" else o
    got = jit(f)(ms.Tensor(x), o_ms)
    assert_same(got, f(ms.Tensor(x), o_ms), what="jit vs eager")
    assert_same(got, torch.fmod(torch.from_numpy(x), torch.from_numpy(o) if other == "tensor" else o))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"n": 2, "dim": 1}, {"prepend": "p", "append": "a"}])
def test_diff(kwargs):
    x = randn(4, 5)
    extra = {"p": randn(4, 1, seed=1), "a": randn(4, 2, seed=2)}

    def call(mod, x, conv):
        kw = {k: (conv(extra[v]) if isinstance(v, str) else v) for k, v in kwargs.items()}
        return mod.diff(x, **kw)

    def f(x):
        return call(mint, x, ms.Tensor)

    assert_same(both(f, x), call(torch, torch.from_numpy(x), torch.from_numpy))


def test_diff_of_bool():
    m = randn(6) > 0

    def f(m):
        return mint.diff(m)

    assert_same(both(f, m), torch.diff(torch.from_numpy(m)))


def test_real_and_imag():
    a, b = randn(3), randn(3, seed=1)

    def f(a, b):
        c = ms.ops.Complex()(a, b)
        return mint.real(c), mint.imag(c), mint.real(a), tensors.real(c) * 3, tensors.imag(c)

    c = torch.complex(torch.from_numpy(a), torch.from_numpy(b))
    assert_same(both(f, a, b), (c.real, c.imag, torch.from_numpy(a).real, c.real * 3, c.imag))


# ------------------------------------------------------------------------------ runtime helpers (mscore_rt) in a graph


@pytest.mark.parametrize("dim,keepdim", [(-1, False), (0, False), (1, True)])
def test_mode(dim, keepdim):
    x = np.array([[1, 2, 2, 3, 3], [4, 4, 0, 0, 4], [1, 1, 1, 2, 2]], np.int64)

    def f(x):
        return tensors.mode(x, dim, keepdim)

    got = both(f, x)
    want = torch.mode(torch.from_numpy(x), dim, keepdim)
    assert_same((got[0], got[1]), (want.values, want.indices))


def test_complex_and_is_complex():
    a, b = randn(3), randn(3, seed=1)

    def f(a, b):
        c = tensors.complex(a, b)
        return c.dtype, ms.ops.is_complex(c), ms.ops.is_complex(a)

    got = jit(f)(ms.Tensor(a), ms.Tensor(b))
    c = torch.complex(torch.from_numpy(a), torch.from_numpy(b))
    assert (str(got[0]), got[1], got[2]) == ("Complex64", c.is_complex(), False)


def test_get_default_dtype():
    def f():
        return mint.zeros(2).dtype == dtypes.get_default_dtype()

    assert jit(f)() is True
    assert str(jit(dtypes.get_default_dtype)()) == "Float32" and torch.get_default_dtype() == torch.float32


def test_stride():
    x = randn(2, 3)

    def f(x):
        return tensors.stride(x), tensors.stride(x, 0) * 2

    got = jit(f)(ms.Tensor(x))
    t = torch.from_numpy(x)
    assert got == (t.stride(), t.stride(0) * 2)


def test_type_to_a_legacy_class():
    x = randn(3) * 4

    def f(x):
        return tensors.type(x, tensors.LongTensor)

    assert_same(both(f, x), torch.from_numpy(x).type(torch.LongTensor))



# ------------------------------------------------------------------------------------------- random ops in a graph
# PyNative draws on the host (seeded NumPy); a graph draws with MindSpore's graph kernels: new numbers at every call.


def test_dropout_draws_a_new_mask_per_call():
    x = np.full((64, 64), 0.3, np.float32)

    def f(x):
        return mint.nn.functional.dropout(x, 0.25, True)

    a, b = jit(f)(ms.Tensor(x)).asnumpy(), jit(f)(ms.Tensor(x)).asnumpy()
    t = torch.nn.functional.dropout(torch.from_numpy(x), 0.25, True).numpy()
    kept = {round(float(v), 5) for v in np.unique(a)}
    assert kept == {round(float(v), 5) for v in np.unique(t)} == {0.0, 0.4}   # kept values scaled by 1/(1-p)
    assert abs((a == 0).mean() - 0.25) < 0.05 and not np.array_equal(a, b)


def test_randperm_is_a_permutation_per_call():
    def f():
        return mint.randperm(50)

    a, b = jit(f)().asnumpy(), jit(f)().asnumpy()
    assert np.array_equal(np.sort(a), torch.randperm(50).sort().values.numpy()) and not np.array_equal(a, b)


def test_bernoulli_rand_randn_in_a_graph():
    p = np.full((3,), 1.0, np.float32)

    def f(p):
        return mint.bernoulli(p), mint.rand(200, 50), mint.randn(200, 50), mint.randint(0, 4, (100,))

    ones, u, n, k = jit(f)(ms.Tensor(p))
    assert_same(ones, torch.bernoulli(torch.from_numpy(p)))
    u, n, k = u.asnumpy(), n.asnumpy(), k.asnumpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    assert set(np.unique(k)) == set(torch.randint(0, 4, (1000,)).unique().tolist()) and str(k.dtype) == "int64"
