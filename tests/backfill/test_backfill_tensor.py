"""Backfilled Tensor methods: in-place ones must update the receiver (Tensor and Parameter), return it, match torch,
and stay differentiable."""
from __future__ import annotations

import numpy as np
import pytest

from tests.backfill.conftest import ms, randn, torch

I64 = np.int64
BASE = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], np.float32)
OTHER = np.array([[2.0, 0.5, -1.0], [3.0, -0.25, 2.0]], np.float32)
MASK = np.array([[True, False, True], [False, True, False]])

# (id, call on receiver given (tensor-maker, module) -> fn(x))
INPLACE = [
    ("add_", lambda T: lambda x: x.add_(T(OTHER))),
    ("add_alpha", lambda T: lambda x: x.add_(T(OTHER), alpha=2)),
    ("add_scalar", lambda T: lambda x: x.add_(1.5)),
    ("sub_", lambda T: lambda x: x.sub_(T(OTHER))),
    ("sub_alpha", lambda T: lambda x: x.sub_(T(OTHER), alpha=0.5)),
    ("mul_", lambda T: lambda x: x.mul_(T(OTHER))),
    ("mul_scalar", lambda T: lambda x: x.mul_(3.0)),
    ("div_", lambda T: lambda x: x.div_(T(OTHER))),
    ("div_floor", lambda T: lambda x: x.div_(T(OTHER), rounding_mode="floor")),
    ("exp_", lambda T: lambda x: x.exp_()),
    ("floor_", lambda T: lambda x: x.floor_()),
    ("sigmoid_", lambda T: lambda x: x.sigmoid_()),
    ("zero_", lambda T: lambda x: x.zero_()),
    ("fill_", lambda T: lambda x: x.fill_(7.0)),
    ("fill_tensor", lambda T: lambda x: x.fill_(T(np.array(2.5, np.float32)))),
    ("masked_fill_", lambda T: lambda x: x.masked_fill_(T(MASK), -1e4)),
    ("masked_fill_tensor_value", lambda T: lambda x: x.masked_fill_(T(MASK), T(np.array(0.0, np.float32)))),
    ("clamp_", lambda T: lambda x: x.clamp_(-1.0, 2.0)),
    ("clamp_min_kw", lambda T: lambda x: x.clamp_(min=0.0)),
    ("index_fill_", lambda T: lambda x: x.index_fill_(1, T(np.array([0, 2], I64)), -3.0)),
    ("scatter_", lambda T: lambda x: x.scatter_(1, T(np.array([[2], [0]], I64)), T(OTHER[:, :1]))),
    ("index_add_", lambda T: lambda x: x.index_add_(1, T(np.array([0, 2, 0], I64)), T(np.ones((2, 3), np.float32)),
                                                    alpha=2)),
    ("index_copy_", lambda T: lambda x: x.index_copy_(1, T(np.array([2, 0], I64)), T(OTHER[:, :2]))),
    ("index_put_", lambda T: lambda x: x.index_put_((T(np.array([1, 0], I64)), T(np.array([2, 2], I64))),
                                                    T(np.array([9.0, 8.0], np.float32)))),
    ("index_put_accumulate", lambda T: lambda x: x.index_put_((T(np.array([1, 1, 0], I64)),),
                                                              T(np.ones(3, np.float32)), accumulate=True)),
    ("index_put_mask", lambda T: lambda x: x.index_put_((T(MASK),), T(np.array(5.0, np.float32)))),
    ("scatter_value", lambda T: lambda x: x.scatter_(1, T(np.array([[2], [0]], I64)), 4.5)),
    ("scatter_value_kw", lambda T: lambda x: x.scatter_(0, T(np.array([[1, 0, 1]], I64)), value=-2.0)),
    ("scatter_add_", lambda T: lambda x: x.scatter_add_(1, T(np.array([[2, 2], [0, 1]], I64)), T(OTHER[:, :2]))),
    ("addmm_", lambda T: lambda x: x.addmm_(T(OTHER[:, :2]), T(BASE[:, :3] * 0.5))),
    ("addmm_beta_alpha", lambda T: lambda x: x.addmm_(T(OTHER[:, :2]), T(BASE), beta=0.5, alpha=-2.0)),
]


def _ms_tensor(a):
    return ms.Tensor(a)


def _t_tensor(a):
    return torch.from_numpy(np.array(a))


@pytest.mark.parametrize("make", [c[1] for c in INPLACE], ids=[c[0] for c in INPLACE])
@pytest.mark.parametrize("kind", ["Tensor", "Parameter"])
def test_inplace_updates_receiver(make, kind):
    x = ms.Tensor(BASE.copy()) if kind == "Tensor" else ms.Parameter(ms.Tensor(BASE.copy()), name="p")
    t = torch.from_numpy(BASE.copy())
    out = make(_ms_tensor)(x)
    make(_t_tensor)(t)
    assert out is x, "in-place method must return its receiver"
    np.testing.assert_allclose(x.asnumpy(), t.numpy(), atol=1e-6, rtol=1e-5)


def test_inplace_erfinv_and_log():
    a = np.array([0.1, -0.5, 0.9], np.float32)
    x, t = ms.Tensor(a.copy()), torch.from_numpy(a.copy())
    x.erfinv_()
    t.erfinv_()
    np.testing.assert_allclose(x.asnumpy(), t.numpy(), atol=2e-6)
    b = np.array([0.1, 2.0, 9.0], np.float32)
    x, t = ms.Tensor(b.copy()), torch.from_numpy(b.copy())
    x.log_()
    t.log_()
    np.testing.assert_allclose(x.asnumpy(), t.numpy(), atol=1e-6)


def test_inplace_is_differentiable():
    def f(a, b):
        y = a * 1.0
        y.mul_(b)
        y.add_(a, alpha=2)
        y.clamp_(-1.0, 1.5)
        y.div_(b + 3.0)
        return (y * y).sum()

    a, b = randn(2, 3), randn(2, 3, seed=1)
    ga, gb = ms.grad(f, grad_position=(0, 1))(ms.Tensor(a), ms.Tensor(b))
    ta, tb = torch.from_numpy(a).requires_grad_(), torch.from_numpy(b).requires_grad_()
    y = ta * 1.0
    y.mul_(tb)
    y.add_(ta, alpha=2)
    y.clamp_(-1.0, 1.5)
    y.div_(tb + 3.0)
    (y * y).sum().backward()
    np.testing.assert_allclose(ga.asnumpy(), ta.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(gb.asnumpy(), tb.grad.numpy(), atol=1e-6)


def test_random_inplace_fills():
    x = ms.Tensor(np.zeros((100, 20), np.float32))
    assert x.uniform_(-2.0, 3.0) is x
    v = x.asnumpy()
    assert v.min() >= -2.0 and v.max() < 3.0 and v.std() > 0.5
    x.normal_(5.0, 0.01)
    assert abs(float(x.asnumpy().mean()) - 5.0) < 0.01
    x.bernoulli_(0.25)
    assert set(np.unique(x.asnumpy()).tolist()) <= {0.0, 1.0} and 0.15 < x.asnumpy().mean() < 0.35
    x.random_(0, 4)
    assert set(np.unique(x.asnumpy()).tolist()) <= {0.0, 1.0, 2.0, 3.0}
    x.exponential_(2.0)
    assert x.asnumpy().min() >= 0 and 0.35 < x.asnumpy().mean() < 0.65
    p = ms.Parameter(ms.Tensor(np.zeros((4, 4), np.float32)), name="w")
    p.normal_(0.0, 1.0)
    assert p.asnumpy().std() > 0.1


OUT_OF_PLACE = [
    ("clone", lambda x: x.clone() * 2, lambda t: t.clone() * 2),
    ("repeat", lambda x: x.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3)),
    ("repeat_tuple", lambda x: x.repeat((1, 2)), lambda t: t.repeat((1, 2))),
    ("roll", lambda x: x.roll(1, 1), lambda t: t.roll(1, 1)),
    ("roll_flat", lambda x: x.roll(2), lambda t: t.roll(2)),
    ("new_full", lambda x: x.new_full((2, 2), 3.5), lambda t: t.new_full((2, 2), 3.5)),
    ("scatter_add", lambda x: x.scatter_add(1, ms.Tensor(np.array([[0], [2]], I64)), x[:, 1:2] * 2),
     lambda t: t.scatter_add(1, torch.tensor([[0], [2]]), t[:, 1:2] * 2)),
    ("index_add", lambda x: x.index_add(0, ms.Tensor(np.array([1, 1], I64)), x * 3, alpha=0.5),
     lambda t: t.index_add(0, torch.tensor([1, 1]), t * 3, alpha=0.5)),
    ("index_fill", lambda x: x.index_fill(1, ms.Tensor(np.array([1], I64)), -1.0),
     lambda t: t.index_fill(1, torch.tensor([1]), -1.0)),
]


@pytest.mark.parametrize("ms_fn,t_fn", [c[1:] for c in OUT_OF_PLACE], ids=[c[0] for c in OUT_OF_PLACE])
def test_out_of_place_methods(ms_fn, t_fn):
    from tests.backfill.conftest import parity

    parity(ms_fn, t_fn, BASE.copy(), grad=ms_fn.__code__.co_names[-1] != "new_full")
