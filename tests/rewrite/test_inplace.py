"""In-place methods: MindSpore's own in-place method when the rule names one (``native``), else made explicit
through copy_; a subscripted receiver always through __setitem__."""


def test_inplace_forms(assert_converts):
    assert_converts(
        """\
        import torch
        x.add_(y, alpha=2)
        self.weight.zero_()
        buf[i].add_(1)
        """,
        """\
        from mindspore import mint
        x.copy_(x.add(y, alpha=2))
        self.weight.copy_(mint.zeros_like(self.weight))
        buf.__setitem__(i, buf[i].add(1))
        """,
    )


def test_computed_receiver_is_left(assert_converts):
    result = assert_converts(
        """\
        import torch
        f().add_(1)
        """,
        """\
        f().add_(1)  # mscore: unconverted Tensor.add_: in-place update of a computed receiver (it would be evaluated twice)
        """,
    )
    assert len(result.unconverted) == 1


def test_native_inplace_method_is_kept(assert_converts):
    """Ascend first: a rule with ``native`` keeps MindSpore's in-place method for a plain receiver, with torch's
    arguments as written (the out-of-place target's rename does not apply), and for a computed receiver too (it is
    evaluated once); a subscripted receiver still goes through __setitem__ (the out-of-place target)."""
    result = assert_converts(
        """\
        import torch
        x.mul_(y)
        self.weight.fill_(value=0.5)
        f().mul_(2)
        buf[i].mul_(2)
        buf[i].fill_(0.0)
        """,
        """\
        from mindspore import ops
        x.mul_(y)
        self.weight.fill_(value=0.5)
        f().mul_(2)
        buf.__setitem__(i, buf[i].mul(2))
        buf.__setitem__(i, ops.full_like(buf[i], 0.0))
        """,
    )
    assert result.unconverted == []
    assert result.converted["Tensor.mul_"] == 3 and result.converted["Tensor.fill_"] == 2


def test_sliced_receiver_goes_through_setitem(assert_converts):
    """A sliced receiver is written back with the index object Python itself passes to __setitem__."""
    assert_converts(
        """\
        import torch
        x[1:].add_(1)
        x[:, 0].add_(1)
        x[..., ::2].add_(1)
        """,
        """\
        x.__setitem__(slice(1, None), x[1:].add(1))
        x.__setitem__((slice(None, None), 0), x[:, 0].add(1))
        x.__setitem__((..., slice(None, None, 2)), x[..., ::2].add(1))
        """,
    )


def test_chain_on_a_sliced_receiver_folds_into_one_write_back(assert_converts):
    """torch's first in-place call returns the view the next one updates: the chain becomes one out-of-place
    chain written back once (a write-back returns None, so a second call on it would crash)."""
    assert_converts(
        """\
        import torch
        ema[k].mul_(d).add_(p, alpha=1 - d)
        x[1:].add_(2).add_(1, alpha=3)
        """,
        """\
        ema.__setitem__(k, ema[k].mul(d).add(p, alpha=1 - d))
        x.__setitem__(slice(1, None), x[1:].add(2).add(1, alpha=3))
        """,
    )
