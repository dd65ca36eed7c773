"""Random ops of the backfill follow MindSpore's generators like torch's follow torch's: the same seed gives the same
draws, another seed other draws, a restored state replays them, a separate generator is independent; and the draws
have torch's distributions (checked against torch's own draws with the same sample size)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.backfill.conftest import ms, torch

from mindspore import mint
import mindspore.mint.nn.functional as F

X = np.full((64, 32), 2.0, np.float32)
P = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]], np.float32)

# name -> draw(generator or None) returning a MindSpore tensor
DRAWS = {
    "rand": lambda g: mint.rand(64, 32, generator=g),
    "randn": lambda g: mint.randn(64, 32, generator=g),
    "randint": lambda g: mint.randint(0, 1000, (64, 32), generator=g),
    "randperm": lambda g: mint.randperm(50, generator=g),
    "normal": lambda g: mint.normal(1.0, 2.0, (64, 32), generator=g),
    "normal_tensor": lambda g: mint.normal(ms.Tensor(X), ms.Tensor(X), generator=g),
    "bernoulli": lambda g: mint.bernoulli(ms.Tensor(np.full((64, 32), 0.3, np.float32)), generator=g),
    "multinomial": lambda g: mint.multinomial(ms.Tensor(P), 3, generator=g),
    "multinomial_replacement": lambda g: mint.multinomial(ms.Tensor(P), 20, True, generator=g),
    "uniform_": lambda g: ms.Tensor(np.zeros((64, 32), np.float32)).uniform_(-1, 1, generator=g),
    "normal_": lambda g: ms.Tensor(np.zeros((64, 32), np.float32)).normal_(0, 1, generator=g),
    "bernoulli_": lambda g: ms.Tensor(np.zeros((64, 32), np.float32)).bernoulli_(0.5, generator=g),
    "random_": lambda g: ms.Tensor(np.zeros((64, 32), np.float32)).random_(0, 100, generator=g),
    "exponential_": lambda g: ms.Tensor(np.zeros((64, 32), np.float32)).exponential_(2.0, generator=g),
    "dropout": lambda g: F.dropout(ms.Tensor(X), 0.5, True),
    "dropout2d": lambda g: F.dropout2d(ms.Tensor(np.ones((4, 16, 3, 3), np.float32)), 0.5, True),
    "Dropout_cell": lambda g: _train(mint.nn.Dropout(p=0.4))(ms.Tensor(X)),
}
GLOBAL_ONLY = {"dropout", "dropout2d", "Dropout_cell"}


def _train(cell):
    cell.set_train(True)
    return cell


def _np(t):
    return t.asnumpy()


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_manual_seed_reproduces_and_differs(name):
    draw = DRAWS[name]
    ms.manual_seed(1234)
    a = _np(draw(None))
    b = _np(draw(None))
    ms.manual_seed(1234)
    a2 = _np(draw(None))
    ms.manual_seed(4321)
    c = _np(draw(None))
    np.testing.assert_array_equal(a, a2)
    assert not np.array_equal(a, b), "two draws in a row were equal"
    assert not np.array_equal(a, c), "a different seed gave the same draw"


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_rng_state_restore_replays(name):
    draw = DRAWS[name]
    ms.manual_seed(7)
    draw(None)
    state = ms.get_rng_state()
    first = [_np(draw(None)) for _ in range(3)]
    ms.set_rng_state(state)
    again = [_np(draw(None)) for _ in range(3)]
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", sorted(set(DRAWS) - GLOBAL_ONLY))
def test_generator_argument_is_independent(name):
    draw = DRAWS[name]
    g1 = ms.Generator()
    g1.manual_seed(99)
    g2 = ms.Generator()
    g2.manual_seed(99)
    ms.manual_seed(1)
    a = _np(draw(g1))
    ms.manual_seed(2)  # the global generator does not affect a given generator
    _np(draw(None))
    b = _np(draw(g2))
    np.testing.assert_array_equal(a, b)
    state = g1.get_state()
    c = _np(draw(g1))
    g1.set_state(state)
    np.testing.assert_array_equal(_np(draw(g1)), c)


def test_randperm_is_a_permutation_and_seed_dependent():
    perms = set()
    for seed in range(8):
        ms.manual_seed(seed)
        p = _np(mint.randperm(10))
        assert sorted(p.tolist()) == list(range(10))
        perms.add(tuple(p.tolist()))
    assert len(perms) == 8  # the old backfill gave one permutation for every seed


N = 200_000


def _moments(a):
    a = np.asarray(a, np.float64)
    return a.mean(), a.std()


@pytest.mark.parametrize("case", ["rand", "randn", "normal", "bernoulli", "exponential", "dropout", "randint"])
def test_distributions_match_torch(case):
    """Sample moments of the backfill's draws vs torch's draws of the same size (5 standard errors)."""
    ms.manual_seed(0)
    torch.manual_seed(0)
    if case == "rand":
        a, b = _np(mint.rand(N)), torch.rand(N).numpy()
    elif case == "randn":
        a, b = _np(mint.randn(N)), torch.randn(N).numpy()
    elif case == "normal":
        a, b = _np(mint.normal(3.0, 0.5, (N,))), torch.normal(3.0, 0.5, (N,)).numpy()
    elif case == "bernoulli":
        a = _np(mint.bernoulli(ms.Tensor(np.full(N, 0.3, np.float32))))
        b = torch.bernoulli(torch.full((N,), 0.3)).numpy()
    elif case == "exponential":
        a = _np(ms.Tensor(np.zeros(N, np.float32)).exponential_(2.0))
        b = torch.zeros(N).exponential_(2.0).numpy()
    elif case == "dropout":
        a = _np(F.dropout(ms.Tensor(np.ones(N, np.float32)), 0.25, True))
        b = torch.nn.functional.dropout(torch.ones(N), 0.25, True).numpy()
        assert set(np.unique(a).tolist()) == set(np.unique(b).tolist()) == {0.0, np.float32(1 / 0.75)}
    else:
        a, b = _np(mint.randint(3, 17, (N,))), torch.randint(3, 17, (N,)).numpy()
        assert a.min() == b.min() == 3 and a.max() == b.max() == 16
    (ma, sa), (mb, sb) = _moments(a), _moments(b)
    se = max(sa, sb) / np.sqrt(N)
    assert abs(ma - mb) < 5 * 2 * se, f"means {ma} vs torch {mb}"
    assert abs(sa - sb) < 0.02 * sb + 1e-9, f"std {sa} vs torch {sb}"


def test_multinomial_frequencies_match_torch():
    p = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    ms.manual_seed(3)
    torch.manual_seed(3)
    a = _np(mint.multinomial(ms.Tensor(p), 40_000, True))
    b = torch.multinomial(torch.tensor(p), 40_000, True).numpy()
    fa = np.bincount(a, minlength=4) / a.size
    fb = np.bincount(b, minlength=4) / b.size
    np.testing.assert_allclose(fa, fb, atol=0.015)
    # without replacement: first-draw frequencies follow p, and no category repeats within a row
    rows = _np(mint.multinomial(ms.Tensor(np.tile(p, (20_000, 1))), 2))
    assert (rows[:, 0] != rows[:, 1]).all()
    np.testing.assert_allclose(np.bincount(rows[:, 0], minlength=4) / rows.shape[0], p, atol=0.015)
    zero = _np(mint.multinomial(ms.Tensor(np.tile(P[1:], (500, 1))), 3))
    assert not (zero == 1).any(), "a zero-probability category was drawn"


def test_dropout_gradient_uses_the_same_mask():
    """The gradient of dropout is the mask that was drawn, scaled (differentiable through the mask)."""
    x = ms.Tensor(np.ones((8, 8), np.float32))
    ms.manual_seed(11)
    out = F.dropout(x, 0.5, True)
    ms.manual_seed(11)
    grad = ms.grad(lambda t: F.dropout(t, 0.5, True).sum())(x)
    np.testing.assert_array_equal(grad.asnumpy(), out.asnumpy())
