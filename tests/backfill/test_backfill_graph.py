"""Graph mode compiles the backfill's Tensor methods (mscore/backfill/_graph.py): a function calling a backfilled
method is jitted (ast capture) and compared with torch and with its PyNative run. Without the routes these fail
to compile on CPU (IndexFill refuses an int64 index, Log10 / Roll / ZerosLike-in-place kernels are missing) or
differ."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from .conftest import ms, pos, randn, torch

jit = pytest.importorskip("mindspore").jit


def _both(fn, *args):
    """fn's PyNative result and its ms.jit(capture_mode='ast') result, as numpy."""
    eager = fn(*args)
    graph = jit(fn, capture_mode="ast")(*args)
    return eager.asnumpy(), graph.asnumpy()


def _check(fn, torch_fn, *arrays, atol=1e-6):
    eager, graph = _both(fn, *(ms.Tensor(a) for a in arrays))
    want = torch_fn(*(torch.from_numpy(a.copy()) for a in arrays)).numpy()
    np.testing.assert_allclose(eager, want, atol=atol, rtol=1e-5)
    assert graph.dtype == eager.dtype and graph.shape == eager.shape
    np.testing.assert_allclose(graph, want, atol=atol, rtol=1e-5)


def _index_fill(x, idx):
    return x.index_fill(1, idx, -1.0)


def test_index_fill_with_int64_index_compiles():
    """standard_method route: graph mode's own index_fill hands an int64 index to IndexFill, which wants int32."""
    idx = np.array([0, 2], np.int64)
    _check(_index_fill, lambda x, i: x.index_fill(1, i, -1.0), randn(3, 4), idx)


def _log10(i):
    return i.log10()


def _log2(i):
    return i.log2()


@pytest.mark.parametrize("fn,torch_fn", [(_log10, torch.log10), (_log2, torch.log2)])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_legacy_overload_route_promotes_integer_input(fn, torch_fn, dtype):
    """legacy-overload route: x.log10() of an integer / bool tensor (the CPU kernel takes floating inputs only)."""
    a = np.array([[1, 2, 3], [4, 10, 100]]).astype(dtype)
    _check(fn, torch_fn, a)


def _roll(x):
    return x.roll(1, 1)


def test_roll_compiles():
    """legacy-overload route with arguments: tensor_roll(input, shifts, dims) -> the backfill's roll."""
    _check(_roll, lambda x: x.roll(1, 1), randn(3, 4))


def _sub(x, other):
    y = x * 1
    y.sub_(other)
    return y


def _scatter(x, idx, src):
    return x.scatter(1, idx, src)


def test_legacy_overload_route_under_its_legacy_names():
    """sub_(y) / scatter(axis, ...) are MindSpore's legacy spellings of torch's sub_(other) / scatter(dim, ...).
    MindSpore's own legacy sub_ returns a new tensor in graph mode and leaves the receiver as it was."""
    x, other = randn(3, 4), randn(3, 4, seed=2)
    _check(_sub, lambda t, o: t.clone().sub_(o), x, other)
    idx = np.array([[0, 3, 1], [2, 2, 0], [1, 0, 3]], np.int64)
    _check(_scatter, lambda t, i, s: t.scatter(1, i, s), x, idx, randn(3, 3, seed=4))


def _zero(x):
    y = x * 2
    y.zero_()
    return y + x


def _clamp(x):
    y = x * 1
    y.clamp_(0.2, 0.6)
    return y


def _tanh(x):
    y = x - 1
    y.tanh_()
    return y


def _index_add(x, src):
    y = x * 1
    y.index_add_(1, ms.Tensor(np.array([0, 2], np.int64)), src)
    return y


def test_inplace_methods_compile_and_write():
    """standard_method route for in-place methods: the write shows in the jitted function's result."""
    x = pos(3, 4)
    _check(_zero, lambda t: t * 0 + t, x)
    _check(_clamp, lambda t: t.clamp(0.2, 0.6), x)
    _check(_tanh, lambda t: (t - 1).tanh(), x)
    src = randn(3, 2, seed=3)
    _check(_index_add, lambda t, s: t.index_add(1, torch.tensor([0, 2]), s), x, src)


def test_disable_restores_the_graph_tables_and_enable_reinstalls(bf, tmp_path, monkeypatch):
    from mindspore.graph._parse import standard_method
    from mindspore.graph._parse.deprecated.deprecated_tensor_method import deprecated_tensor_method_map
    from mindspore.ops import tensor_method

    monkeypatch.chdir(tmp_path)   # the failing compile below writes its analyze_fail.ir under the working directory
    routed_fill = standard_method.index_fill
    assert getattr(routed_fill, "__module__", "").startswith("mscore.backfill")
    assert deprecated_tensor_method_map["log10"] == "_mscore_backfill_log10"
    bf.disable()
    try:
        assert standard_method.index_fill.__module__ == standard_method.__name__
        assert deprecated_tensor_method_map["log10"] == "tensor_log10"
        assert not [n for n in vars(tensor_method) if n.startswith("_mscore_backfill_")]
        with pytest.raises(Exception):   # MindSpore's own path on CPU: the int64 index is refused
            jit(_index_fill, capture_mode="ast")(ms.Tensor(randn(3, 4)), ms.Tensor(np.array([0, 2], np.int64)))
    finally:
        bf.enable()
    assert standard_method.index_fill is routed_fill
    assert deprecated_tensor_method_map["log10"] == "_mscore_backfill_log10"


def test_pynative_methods_stay_the_class_attributes():
    """The routes touch only what the graph compiler reads: MindSpore's public tensor_method functions (PyNative's
    CPU fallbacks) are the originals, and the class attributes are the backfill's."""
    from mindspore.ops import tensor_method

    assert tensor_method.tensor_log10.__module__ == "mindspore.ops.tensor_method"
    assert tensor_method.tensor_roll.__module__ == "mindspore.ops.tensor_method"
    assert ms.Tensor.index_fill.__mscore_backfill__.__module__.startswith("mscore.backfill")


def test_legacy_route_needs_the_same_parameters():
    """A legacy overload receives its own parameters positionally; the backfill's implementation is routed only
    when it takes them under the same names in the same positions (a fixed-arity call hides keyword-only extras)."""
    from mscore.backfill._graph import _legacy_route

    def legacy_sub(input, y):   # MindSpore's name for torch's `other`
        return input

    def impl_sub(self, other, *, alpha=1):
        return self

    def legacy_sum(input, axis=None, dtype=None, keepdims=False, initial=None):
        return input

    def impl_sum(self, dim=None, keepdim=False, *, dtype=None):
        return self

    def impl_same(self, shifts, dims=None):
        return self

    route = _legacy_route(impl_sub, legacy_sub)
    assert route is not None and route is not impl_sub
    assert list(inspect.signature(route).parameters) == ["input", "a"]
    assert _legacy_route(impl_sum, legacy_sum) is None
    assert _legacy_route(impl_same, lambda input, shifts, dims=None: input) is impl_same
    assert _legacy_route(impl_same, lambda input, axis, dims=None: input) is None


def test_no_routes_without_the_graph_tables(monkeypatch):
    """Another MindSpore layout (no deprecated map): enable() still works, graph mode is left as MindSpore's."""
    from mindspore.graph._parse.deprecated import deprecated_tensor_method

    from mscore.backfill import _graph

    monkeypatch.delattr(deprecated_tensor_method, "deprecated_tensor_method_map")
    assert _graph.routes([("index_fill", lambda self, *a: self, ms.Tensor.index_fill)]) == []
