"""bfloat16 on CPU: the ops of mscore.backfill._bf16 against torch's own bfloat16 CPU kernels, and an attention-mask
construction of the kind MindSpeed-MM's LLM mask builder performs in bfloat16 (written here, run in both)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.backfill.conftest import ms, torch

from mindspore import mint

A = np.array([[1.5, -2.25, 0.0, 3.0e38], [-3.0e38, 0.5, 7.0, -1.0]], np.float32)
B = np.array([[1.5, 2.0, 0.0, -1.0], [0.25, 0.5, -7.0, 4.0]], np.float32)
POS = np.array([[0.5, 1.0, 2.0, 4.0], [3.0, 0.25, 9.0, 16.0]], np.float32)
M = np.array([[True, False, True, False], [False, False, True, True]])


def mbf(x):
    return ms.Tensor(x).astype(ms.bfloat16)


def tbf(x):
    return torch.tensor(x).bfloat16()


def as32(x):
    if isinstance(x, torch.Tensor):
        return x.float().numpy() if x.dtype == torch.bfloat16 else x.numpy()
    return x.astype(ms.float32).asnumpy() if x.dtype == ms.bfloat16 else x.asnumpy()


# (id, mindspore call, torch call, exact?)
CASES = [
    ("full", lambda: mint.full((2, 3), -3.5, dtype=ms.bfloat16),
     lambda: torch.full((2, 3), -3.5, dtype=torch.bfloat16), True),
    ("full_like", lambda: mint.full_like(mbf(A), 2.5), lambda: torch.full_like(tbf(A), 2.5), True),
    ("zeros_like", lambda: mint.zeros_like(mbf(A)), lambda: torch.zeros_like(tbf(A)), True),
    ("triu", lambda: mint.triu(mbf(A), 1), lambda: torch.triu(tbf(A), 1), True),
    ("tril", lambda: mint.tril(mbf(A), -1), lambda: torch.tril(tbf(A), -1), True),
    ("Tensor.triu", lambda: mbf(A).triu(2), lambda: tbf(A).triu(2), True),
    ("clone", lambda: mint.clone(mbf(A)), lambda: torch.clone(tbf(A)), True),
    ("Tensor.clone", lambda: mbf(A).clone(), lambda: tbf(A).clone(), True),
    ("eq", lambda: mbf(A) == mbf(B), lambda: tbf(A) == tbf(B), True),
    ("eq_scalar", lambda: mbf(A) == 0, lambda: tbf(A) == 0, True),
    ("ne", lambda: mbf(A) != 0.5, lambda: tbf(A) != 0.5, True),
    ("lt", lambda: mbf(A) < 0, lambda: tbf(A) < 0, True),
    ("le", lambda: mbf(A) <= mbf(B), lambda: tbf(A) <= tbf(B), True),
    ("gt", lambda: mbf(A) > 1, lambda: tbf(A) > 1, True),
    ("ge", lambda: mbf(A) >= mbf(B), lambda: tbf(A) >= tbf(B), True),
    ("mint.lt", lambda: mint.lt(mbf(A), mbf(B)), lambda: torch.lt(tbf(A), tbf(B)), True),
    ("masked_fill", lambda: mbf(A).masked_fill(ms.Tensor(M), -9.0), lambda: tbf(A).masked_fill(torch.tensor(M), -9.0),
     True),
    ("where", lambda: mint.where(ms.Tensor(M), mbf(A), mbf(B)), lambda: torch.where(torch.tensor(M), tbf(A), tbf(B)),
     True),
    ("max_dim", lambda: mint.max(mbf(B), 1), lambda: torch.max(tbf(B), 1), True),
    ("amax", lambda: mint.amax(mbf(B), 0), lambda: torch.amax(tbf(B), 0), True),
    ("exp", lambda: mint.exp(mbf(B)), lambda: torch.exp(tbf(B)), False),
    ("sqrt", lambda: mint.sqrt(mbf(POS)), lambda: torch.sqrt(tbf(POS)), False),
    ("rsqrt", lambda: mbf(POS).rsqrt(), lambda: tbf(POS).rsqrt(), False),
    ("log", lambda: mint.log(mbf(POS)), lambda: torch.log(tbf(POS)), False),
    ("sin", lambda: mint.sin(mbf(B)), lambda: torch.sin(tbf(B)), False),
    ("cos", lambda: mbf(B).cos(), lambda: tbf(B).cos(), False),
    ("sigmoid", lambda: mint.sigmoid(mbf(B)), lambda: torch.sigmoid(tbf(B)), False),
    ("tanh", lambda: mint.tanh(mbf(B)), lambda: torch.tanh(tbf(B)), False),
    ("softmax", lambda: mint.softmax(mbf(B), dim=-1), lambda: torch.softmax(tbf(B), dim=-1), False),
    ("sum", lambda: mint.sum(mbf(B), 1), lambda: torch.sum(tbf(B), 1), False),
    ("mean", lambda: mbf(POS).mean(-1, keepdim=True), lambda: tbf(POS).mean(-1, keepdim=True), False),
    ("pow", lambda: mint.pow(mbf(POS), 2), lambda: torch.pow(tbf(POS), 2), False),
]


def _flat(x):
    if isinstance(x, (tuple, list)) or type(x).__name__ in ("max", "return_types.max"):
        return [as32(e) for e in x]
    return [as32(x)]


@pytest.mark.parametrize("ms_fn, t_fn, exact", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bf16_op_matches_torch(ms_fn, t_fn, exact):
    got, want = ms_fn(), t_fn()
    got_l, want_l = _flat(got), _flat(want)
    assert len(got_l) == len(want_l)
    first = got[0] if isinstance(got, tuple) else got
    first_t = want[0] if isinstance(want, tuple) else want
    if first_t.dtype == torch.bfloat16:
        assert first.dtype == ms.bfloat16, f"dtype {first.dtype}, torch keeps bfloat16"
    elif first_t.dtype == torch.bool:
        assert first.dtype == ms.bool_
    for g, w in zip(got_l, want_l):
        if exact:
            np.testing.assert_array_equal(g, w)
        else:  # one bfloat16 rounding of a float32 result vs torch's bf16 kernel: within 1 bf16 ulp (2^-7 relative)
            np.testing.assert_allclose(g, w, rtol=2.0 ** -7, atol=1e-30)


def test_full_of_dtype_min_is_bf16_min():
    """MindSpeed-MM's mask builder fills with bfloat16's most negative finite value: it must be kept exactly."""
    bmin = float(torch.finfo(torch.bfloat16).min)
    m = mint.full((2,), bmin, dtype=ms.bfloat16)
    assert as32(m).tolist() == [bmin, bmin]


def test_setitem_bf16_full_and_view():
    a = mbf(A)
    a[0, 1:3] = -5.0
    t = tbf(A)
    t[0, 1:3] = -5.0
    np.testing.assert_array_equal(as32(a), as32(t))
    a[:, :2] = mbf(B)[:, :2]
    t[:, :2] = tbf(B)[:, :2]
    np.testing.assert_array_equal(as32(a), as32(t))
    v = a[1]  # a view: the write reaches the base
    v[0:2] = 8.0
    t[1][0:2] = 8.0
    np.testing.assert_array_equal(as32(a), as32(t))


def test_fp32_inputs_untouched_and_mixed_promotion():
    x = ms.Tensor(B)
    assert mint.exp(x).dtype == ms.float32
    out = mint.where(ms.Tensor(M), mbf(A), ms.Tensor(B))  # bf16 with float32 -> float32, as torch promotes
    ref = torch.where(torch.tensor(M), tbf(A), torch.tensor(B))
    assert out.dtype == ms.float32 and ref.dtype == torch.float32
    np.testing.assert_array_equal(out.asnumpy(), ref.numpy())


def _mask_steps(lib, batch_mask):
    """A bfloat16 causal + padding mask built step by step with the ops the stack's builder uses: full of the
    dtype's minimum, triu, in-place multiply by a comparison, expand, clone, slice add, == 0, masked_fill into a
    slice, < 0."""
    is_t = lib is torch
    bf16 = torch.bfloat16 if is_t else ms.bfloat16
    b, s = batch_mask.shape
    neg = float(torch.finfo(torch.bfloat16).min)
    T = torch.tensor if is_t else ms.Tensor
    cache_position = lib.arange(s)
    m = lib.full((s, s), neg, dtype=bf16)
    m = lib.triu(m, diagonal=1)
    m *= lib.arange(s) > cache_position.reshape(-1, 1)
    m = m[None, None, :, :].expand(b, 1, -1, -1)
    m = m.clone()
    am = T(batch_mask)
    padding = m[:, :, :, :s] + am[:, None, None, :]
    padding = padding == 0
    m[:, :, :, :s] = m[:, :, :, :s].masked_fill(padding, neg)
    return m < 0


@pytest.mark.parametrize("lengths", [[6, 6], [6, 3], [1, 4]])
def test_mask_construction_in_bf16(lengths):
    s = 6
    batch = np.zeros((len(lengths), s), np.int64)
    for i, n in enumerate(lengths):
        batch[i, :n] = 1
    got = _mask_steps(mint, batch).asnumpy()
    want = _mask_steps(torch, batch).numpy()
    np.testing.assert_array_equal(got, want)
    causal = np.triu(np.ones((s, s), bool), 1)
    assert (got[:, 0] >= causal).all() and got.any()
