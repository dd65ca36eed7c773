"""``mscore_rt.nn_ops.clip_grads_``: what a recognised training step's ``clip_grad_norm_`` becomes, against
``torch.nn.utils.clip_grad_norm_`` on the same gradients (clipped and not clipped, mixed dtypes)."""
from __future__ import annotations

import numpy as np
import pytest

ms = pytest.importorskip("mindspore")
torch = pytest.importorskip("torch")

from mscore.runtime import nn_ops  # noqa: E402


@pytest.mark.parametrize("max_norm", [0.5, 1e3])      # the first clips, the second does not
def test_clip_grads_matches_torch(max_norm):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (7,), (2, 2, 5))]
    arrays.append(rng.standard_normal((6,)).astype(np.float16))
    params = [torch.nn.Parameter(torch.zeros(a.shape, dtype=torch.from_numpy(a).dtype)) for a in arrays]
    for p, a in zip(params, arrays):
        p.grad = torch.from_numpy(a.copy())
    expected_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)

    grads = [ms.Tensor(a) for a in arrays]
    same_list = grads
    norm = nn_ops.clip_grads_(grads, max_norm)
    assert grads is same_list and len(grads) == len(arrays)   # clipped in place of the list's items
    # torch rounds the float16 gradient's own norm to float16 before combining (foreach norm per dtype group);
    # the squares here stay float32: the totals differ by that rounding (8e-6 relative here), not more
    np.testing.assert_allclose(norm.asnumpy(), expected_norm.numpy(), rtol=1e-4)
    for g, p in zip(grads, params):
        assert g.dtype == ms.Tensor(np.zeros(1, p.grad.numpy().dtype)).dtype
        np.testing.assert_allclose(g.asnumpy().astype(np.float32), p.grad.numpy().astype(np.float32), rtol=1e-3,
                                   atol=1e-6)
    if max_norm < 1:
        total = np.sqrt(sum(float((g.asnumpy().astype(np.float64) ** 2).sum()) for g in grads))
        assert total == pytest.approx(max_norm, rel=1e-3)
