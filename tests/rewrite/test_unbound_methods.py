"""``torch.Tensor.<method>(x, ...)`` (the unbound method, receiver first) converts as ``x.<method>(...)`` by the
method's rule (rewriter.UnitRewriter._unbound); a bare ``torch.Tensor.size`` or a name with no method rule keeps
the plain mapping to ``mindspore.Tensor``."""
import pytest

from mscore.rules import load_rules


@pytest.fixture(scope="module")
def shipped():
    return load_rules()


def test_unbound_methods_take_their_method_rule(assert_converts, shipped):
    assert_converts(
        """\
        import torch
        b = torch.Tensor.size(x, 1)
        d = torch.Tensor.std(x, 0)
        e = torch.Tensor.view(x + 1, -1)
        h = torch.Tensor.max(x, 1).values
        g = list(map(torch.Tensor.size, [x]))
        ok = isinstance(x, torch.Tensor)
        """,
        """\
        import mindspore as ms
        from mindspore import mint
        b = x.shape[1]
        d = mint.std(x, dim=0)
        e = (x + 1).view(-1)
        h = mint.max(x, 1)[0]
        g = list(map(ms.Tensor.size, [x]))
        ok = isinstance(x, ms.Tensor)
        """,
        rules=shipped,
    )
