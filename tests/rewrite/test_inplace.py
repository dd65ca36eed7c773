"""In-place methods made explicit through copy_ (CPU MindSpore ignores add_/mul_ and raises on zero_/fill_)."""


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
