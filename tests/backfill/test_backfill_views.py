"""In-place writes through views (issue 17): on the CPU build the base tensor must see them, as in torch (and as
MindSpore's view semantics promise on Ascend). Every form is compared with torch doing the same thing."""
from __future__ import annotations

import numpy as np
import pytest

from mscore.backfill import _views
from tests.backfill.conftest import ms, randn, torch

G3 = np.array([10.0, 20.0, 30.0], np.float32)

# (id, make the view from the base (works for torch and MindSpore), write through it)
FORMS = [
    ("slice_copy_", lambda b: b[2:5], lambda v, T: v.copy_(T(G3))),
    ("slice_add_", lambda b: b[2:5], lambda v, T: v.add_(T(G3))),
    ("slice_add_alpha", lambda b: b[2:5], lambda v, T: v.add_(T(G3), alpha=0.5)),
    ("slice_at_0_mul_", lambda b: b[0:3], lambda v, T: v.mul_(T(G3))),
    ("slice_sub_", lambda b: b[9:12], lambda v, T: v.sub_(T(G3))),
    ("slice_div_", lambda b: b[1:4], lambda v, T: v.div_(2.0)),
    ("view_of_slice_zero_", lambda b: b[0:12].view(3, 4)[1], lambda v, T: v.zero_()),
    ("view_row_fill_", lambda b: b.view(3, 4)[2], lambda v, T: v.fill_(-7.0)),
    ("slice_then_view_add_", lambda b: b[4:10].view(2, 3), lambda v, T: v.add_(T(np.ones((2, 3), np.float32)))),
    ("narrow_copy_", lambda b: b.narrow(0, 6, 3), lambda v, T: v.copy_(T(G3))),
    ("chunk_first_copy_", lambda b: b.chunk(2)[0], lambda v, T: v.copy_(T(np.arange(6, dtype=np.float32)))),
    ("chunk_second_add_", lambda b: b.chunk(2)[1], lambda v, T: v.add_(1.0)),
    ("split_mul_", lambda b: b.split(4)[1], lambda v, T: v.mul_(-1.0)),
    ("unbind_copy_", lambda b: b.view(3, 4).unbind(0)[1], lambda v, T: v.copy_(T(np.full(4, 5.0, np.float32)))),
    ("select_clamp_", lambda b: b.view(3, 4).select(0, 0), lambda v, T: v.clamp_(2.0, 3.0)),
    ("transpose_add_", lambda b: b.view(3, 4).transpose(0, 1), lambda v, T: v.add_(T(np.arange(12, dtype=np.float32)
                                                                                       .reshape(4, 3)))),
    ("transpose_row_copy_", lambda b: b.view(3, 4).transpose(0, 1)[1], lambda v, T: v.copy_(T(G3))),
    ("strided_slice_fill_", lambda b: b[::3], lambda v, T: v.fill_(1.5)),
    ("masked_fill_on_slice", lambda b: b[3:6], lambda v, T: v.masked_fill_(T(np.array([True, False, True])), 0.0)),
    ("copy_broadcast_scalar_tensor", lambda b: b[5:9], lambda v, T: v.copy_(T(np.array(4.0, np.float32)))),
    ("setitem_on_narrow", lambda b: b.narrow(0, 4, 3), lambda v, T: v.__setitem__(1, 55.0)),
    ("setitem_on_view_of_slice", lambda b: b[4:10].view(2, 3), lambda v, T: v.__setitem__(1, T(G3))),
    ("full_view_add_", lambda b: b.view(3, 4), lambda v, T: v.add_(1.0)),  # not a partial view: original path
    ("base_itself_copy_", lambda b: b, lambda v, T: v.copy_(T(np.ones(12, np.float32)))),
]


@pytest.mark.parametrize("make, write", [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_write_through_view_reaches_base(make, write):
    start = np.arange(12, dtype=np.float32) - 3.0
    tb = torch.tensor(start)
    write(make(tb), torch.tensor)
    mb = ms.Tensor(start)
    out = write(make(mb), ms.Tensor)
    np.testing.assert_array_equal(mb.asnumpy(), tb.numpy())
    assert out is None or isinstance(out, ms.Tensor)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64, np.bool_])
def test_other_dtypes(dtype):
    start = (np.arange(8) % 3).astype(dtype)
    src = np.ones(3, dtype)
    tb = torch.tensor(start)
    tb[2:5].copy_(torch.tensor(src))
    mb = ms.Tensor(start)
    mb[2:5].copy_(ms.Tensor(src))
    np.testing.assert_array_equal(mb.asnumpy(), tb.numpy())


def test_bfloat16_slice_copy_():
    start = np.arange(8, dtype=np.float32)
    mb = ms.Tensor(start).astype(ms.bfloat16)
    mb[2:5].copy_(ms.Tensor(G3).astype(ms.bfloat16))
    tb = torch.tensor(start).bfloat16()
    tb[2:5].copy_(torch.tensor(G3).bfloat16())
    np.testing.assert_array_equal(mb.astype(ms.float32).asnumpy(), tb.float().numpy())


def test_view_as_source_of_an_inplace_write():
    """Megatron's distributed optimizer: param_buffer.view(-1)[a:b].data.copy_(main_shard), where the fp32 main
    shard is itself a slice of the same buffer (another range) -- source and destination both partial views."""
    start = np.arange(12, dtype=np.float32)

    def run(T):
        buf = T(start.copy())
        other = T(start.copy() * 10)
        buf.view(-1)[2:5].copy_(other.view(-1)[6:9])      # slice <- slice of another tensor
        buf[0:3].add_(buf[9:12])                          # slice += slice of the same buffer
        full = T(np.zeros(3, np.float32))
        full.copy_(other[1:4])                            # whole tensor <- slice
        head = T(np.zeros(3, np.float32))
        head.copy_(other.view(-1)[0:3])                   # <- a slice at offset 0, smaller than its storage
        buf.view(-1)[6:9].copy_(other[0:3])               # slice <- such a slice (the kernel sized it wrongly)
        return [np.asarray(x.numpy() if T is torch.tensor else x.asnumpy()) for x in (buf, full, head)]

    for e, a in zip(run(torch.tensor), run(ms.Tensor)):
        np.testing.assert_array_equal(a, e)


def test_megatron_grad_buffer_accumulation():
    """Megatron's contiguous grad buffer: each param.main_grad is buffer[start:end].view(shape); gradients are
    accumulated with main_grad.add_(grad) over micro-batches, the buffer is zeroed with buffer.zero_() and reduced /
    read as one tensor."""
    shapes = [(2, 3), (4,), (3, 2)]
    grads = [[randn(*s, seed=10 * m + i) for i, s in enumerate(shapes)] for m in range(3)]

    def run(lib, T):
        buffer = lib.zeros(16, dtype=torch.float32 if lib is torch else ms.float32)
        views, offset = [], 0
        for s in shapes:
            n = int(np.prod(s))
            views.append(buffer[offset:offset + n].view(*s))
            offset += n
        for micro in grads:
            for v, g in zip(views, micro):
                v.add_(T(g))
        snapshot = buffer.clone() if lib is torch else ms.Tensor(buffer.asnumpy())
        views[1].mul_(0.5)  # e.g. scaling one parameter's gradient in place
        after_scale = buffer.clone() if lib is torch else ms.Tensor(buffer.asnumpy())
        buffer.zero_()
        views[0].copy_(T(np.ones((2, 3), np.float32)))
        return [np.asarray(x.numpy() if lib is torch else x.asnumpy()) for x in (snapshot, after_scale, buffer)]

    from mindspore import mint

    expected = run(torch, torch.tensor)
    actual = run(mint, ms.Tensor)
    for e, a, what in zip(expected, actual, ("accumulated", "scaled", "zeroed + copied")):
        np.testing.assert_allclose(a, e, atol=1e-6, err_msg=what)
    assert np.abs(expected[0]).sum() > 0


def test_views_see_each_other():
    """Two views of one buffer: a write through one is read through the other (shared storage)."""
    mb = ms.Tensor(np.zeros(10, np.float32))
    a, b = mb[2:6], mb[4:8]
    a.fill_(3.0)
    np.testing.assert_array_equal(b.asnumpy(), [3.0, 3.0, 0.0, 0.0])


def test_partial_view_detection():
    base = ms.Tensor(np.zeros((3, 4), np.float32))
    assert not _views.is_partial_view(base)
    assert not _views.is_partial_view(base.view(12))
    assert not _views.is_partial_view(base + 1)
    for v in (base[1], base[:, 1:], base[0:2], base.transpose(0, 1), base.view(12)[3:], base.narrow(1, 0, 2)):
        assert _views.is_partial_view(v)


def test_write_into_refuses_a_view_that_requires_grad():
    p = ms.Parameter(ms.Tensor(np.zeros(4, np.float32)), name="p")
    with pytest.raises(_views.ViewWriteError, match="requires grad"):
        _views._refuse_grad(p, "Tensor.add_")
    _views._refuse_grad(ms.Tensor(np.zeros(2, np.float32)), "Tensor.add_")  # plain tensors pass


def test_disabled_backfill_keeps_mindspore_behaviour(bf):
    """With the backfill off the methods are MindSpore's again (the view wrappers are removed with the rest)."""
    bf.disable()
    try:
        assert not hasattr(ms.Tensor.copy_, "__mscore_backfill__")
        assert not hasattr(ms.Tensor.__setitem__, "__mscore_backfill__")
    finally:
        bf.enable()
    assert hasattr(ms.Tensor.copy_, "__mscore_backfill__")
