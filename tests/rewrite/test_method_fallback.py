"""transforms/method_fallback.py: a function call its target cannot take becomes the Tensor method form."""
import pytest

from mscore.rules import load_rules


@pytest.fixture(scope="module")
def shipped():
    return load_rules()


def test_scatter_reduce_becomes_the_method_form(assert_converts, shipped):
    assert_converts(
        """\
        import torch
        a = torch.scatter(x, 1, i, s, reduce='multiply')
        b = torch.scatter(x + 1, dim=0, index=i, value=2.0, reduce='add')
        c = torch.scatter(input=x, dim=0, index=i, src=s, reduce='add')
        d = torch.scatter(x, 0, i, s)
        """,
        """\
        from mindspore import mint
        a = x.scatter(1, i, s, reduce='multiply')
        b = (x + 1).scatter(dim=0, index=i, src=2.0, reduce='add')
        c = x.scatter(dim=0, index=i, src=s, reduce='add')
        d = mint.scatter(x, 0, i, s)
        """,
        rules=shipped,
    )


def test_antialias_goes_to_the_rule_fallback(assert_converts, shipped):
    # the rule's fallback runtime function takes the calls mint refuses; every other call stays on mint
    assert_converts(
        """\
        import torch.nn.functional as F
        a = F.interpolate(x, scale_factor=0.5, mode='bilinear', antialias=True)
        b = F.interpolate(x, size=(2, 2), mode='bicubic', antialias=False)
        """,
        """\
        from mindspore import mint
        from mscore_rt import resample
        a = resample.interpolate(x, scale_factor=0.5, mode='bilinear', antialias=True)
        b = mint.nn.functional.interpolate(x, size=(2, 2), mode='bicubic')
        """,
        rules=shipped,
    )


def test_max_other_by_keyword_falls_back_to_maximum(assert_converts, shipped):
    assert_converts(
        """\
        import torch
        a = torch.max(x, other=y)
        b = torch.min(input=x, other=y)
        c = torch.max(x, 1)
        """,
        """\
        from mindspore import mint
        a = mint.maximum(x, other=y)
        b = mint.minimum(x, other=y)
        c = mint.max(x, 1)
        """,
        rules=shipped,
    )


def test_a_literal_int_of_dims_is_packed(assert_converts, shipped):
    # MindSpore's dims take sequences only; a size (torch.zeros(2)) stays an int
    assert_converts(
        """\
        import torch
        a = x.flip(0)
        b = x.flip(-1, 0)
        c = x.flip([0, 1])
        d = torch.zeros(2)
        """,
        """\
        from mindspore import mint
        a = mint.flip(x, (0,))
        b = mint.flip(x, (-1, 0))
        c = mint.flip(x, [0, 1])
        d = mint.zeros(2)
        """,
        rules=shipped,
    )
