"""out= (transforms/out_arg.py): the call converted without it, its result written into out by mscore_rt.out_arg."""
import pytest

EXTRA = '''
["torch.exp"]
target = "mindspore.mint.exp"
sig = "(input, *, out=None)"
status = "consistent"
note = "x"

["torch.max"]
target = "mindspore.mint.max"
sig = "(input, dim=None, keepdim=False, *, out=None)"
status = "consistent"
note = "x"

["torch.add"]
target = "mindspore.ops.add"
sig = "(input, other, *, alpha=1, out=None)"
drop = ["alpha"]
status = "consistent"
note = "x"
'''


@pytest.fixture
def rules(tmp_path):
    from mscore.rewrite.transforms import KNOWN
    from mscore.rules import load_rule_file
    from mscore.rules.model import RuleSet
    from tests.conftest import FIXTURE_RULES

    f = tmp_path / "rules.toml"
    f.write_text(FIXTURE_RULES.read_text() + EXTRA)
    return RuleSet.build(load_rule_file(f, KNOWN), "out")


def test_statement_and_expression_forms(assert_converts, rules):
    assert_converts(
        """\
        import torch
        torch.exp(x, out=o)
        y = torch.exp(input=x, out=o) * 2
        z = torch.add(a, b, alpha=1, out=self.buf)
        torch.max(x, 1, out=(values, indices))
        """,
        """\
        from mindspore import mint, ops
        from mscore_rt import out_arg
        out_arg.write(o, mint.exp(x))
        y = out_arg.write(o, mint.exp(x)) * 2
        z = out_arg.write(self.buf, ops.add(a, b))
        out_arg.write((values, indices), mint.max(x, 1))
        """,
        rules=rules,
    )


def test_none_subscript_and_unsupported(assert_converts, rules):
    # out=None is the plain call; out=buf[i] is written with item assignment (indexing copies in MindSpore);
    # a slice is left; a rule whose unsupported_args names out keeps it unsupported (fixture torch.cat)
    assert_converts(
        """\
        import torch
        a = torch.exp(x, out=None)
        torch.exp(x, out=buf[i + 1])
        torch.exp(x, out=buf[1:])
        c = torch.cat([x, y], out=o)
        """,
        """\
        from mindspore import mint
        from mscore_rt import out_arg
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        a = mint.exp(x)
        out_arg.write_item(buf, i + 1, mint.exp(x))
        torch.exp(x, out=buf[1:])  # mscore: unconverted torch.exp: out= of a sliced tensor (a view MindSpore does not share)
        c = torch.cat([x, y], out=o)  # mscore: unconverted torch.cat: out= is not supported: no out=
        """,
        rules=rules,
    )
