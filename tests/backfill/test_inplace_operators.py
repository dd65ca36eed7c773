"""``x += y`` / ``-=`` / ``*=`` / ``/=`` as converted code computes them (``mscore_rt.tensors.iadd`` ..., emitted by
rewrite/statements/augmented.py), against torch's operators: in place on a tensor, so a buffer's views (Megatron's
``main_grad``) and the buffer seen from a view both see the update; Python's own operator on anything else."""
from __future__ import annotations

import numpy as np
import pytest

from mscore.runtime import tensors
from tests.backfill.conftest import ms, torch

OPS = [("iadd", lambda a, b: a.__iadd__(b)), ("isub", lambda a, b: a.__isub__(b)),
       ("imul", lambda a, b: a.__imul__(b)), ("itruediv", lambda a, b: a.__itruediv__(b))]
G = np.array([1.0, 2.0, 4.0], np.float32)


@pytest.mark.parametrize("name,torch_op", OPS, ids=[n for n, _ in OPS])
@pytest.mark.parametrize("value", ["tensor", "scalar"])
def test_buffer_and_views_see_the_update(name, torch_op, value):
    base = np.arange(1, 13, dtype=np.float32)
    tb = torch.tensor(base)
    t_views = [tb[0:3], tb[3:9].view(2, 3)]
    mb = ms.Tensor(base)
    m_views = [mb[0:3], mb[3:9].view(2, 3)]
    tv = torch_op(t_views[0], torch.tensor(G) if value == "tensor" else 2.0)        # through a view
    mv = getattr(tensors, name)(m_views[0], ms.Tensor(G) if value == "tensor" else 2.0)
    assert mv is m_views[0] and tv is t_views[0]
    tb2 = torch_op(tb, 3.0)                                                          # the whole buffer
    mb2 = getattr(tensors, name)(mb, 3.0)
    assert mb2 is mb and tb2 is tb
    np.testing.assert_allclose(mb.asnumpy(), tb.numpy(), rtol=1e-6)
    np.testing.assert_allclose(m_views[1].asnumpy(), t_views[1].numpy(), rtol=1e-6)


def test_not_a_tensor_is_python_own_operator():
    assert tensors.iadd(1, 2) == 3 and tensors.isub(5, 2) == 3
    assert tensors.imul(3, 2.5) == 7.5 and tensors.itruediv(7, 2) == 3.5
    items = [1]
    assert tensors.iadd(items, [2]) is items and items == [1, 2]   # a list extends in place, as ``+=`` does
    assert tensors.iadd("a", "b") == "ab"


@pytest.mark.parametrize("name,torch_op", OPS, ids=[n for n, _ in OPS])
def test_bfloat16_receiver(name, torch_op):
    """MindSpeed-MM's causal mask is bf16 and updated with ``*=`` a boolean mask: the CPU build has no bf16 Identity
    (the backfill's in-place methods copied the receiver with it); torch's result, bit for bit."""
    a = np.random.RandomState(0).randn(4, 5).astype(np.float32)
    other = np.random.RandomState(1).rand(4, 5) > 0.5 if name == "imul" else a[::-1] + 3.0
    t = torch.tensor(a).bfloat16()
    m = ms.Tensor(a).astype(ms.bfloat16)
    ot = torch.tensor(other) if other.dtype == bool else torch.tensor(other.copy()).bfloat16()
    om = ms.Tensor(other) if other.dtype == bool else ms.Tensor(other.copy()).astype(ms.bfloat16)
    torch_op(t, ot)
    assert getattr(tensors, name)(m, om) is m and m.dtype == ms.bfloat16
    np.testing.assert_array_equal(m.astype(ms.float32).asnumpy(), t.float().numpy())
