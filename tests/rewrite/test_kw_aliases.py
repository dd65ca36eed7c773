"""Torch's other spellings of a call (signature.ALIASES, a *varargs parameter by keyword, parameters by name) are
bound like torch binds them and re-spelled the torch way before the rule adapts the call."""
import pytest

from mscore.rules import BindError, bind, parse_signature

EXTRA = '''
["Tensor.expand"]
target = "expand"
sig = "(*size)"
status = "consistent"
note = "x"

["Tensor.sum"]
target = "sum"
sig = "(dim=None, keepdim=False, *, dtype=None)"
status = "consistent"
note = "x"

["Tensor.unsqueeze"]
target = "unsqueeze"
sig = "(dim)"
status = "consistent"
note = "x"

["torch.nn.Parameter"]
target = "mindspore.Parameter"
sig = "(data=None, requires_grad=True)"
status = "differing_args"
note = "x"

["torch.add"]
target = "mindspore.mint.add"
sig = "(input, other, *, alpha=1, out=None)"
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
    return RuleSet.build(load_rule_file(f, KNOWN), "aliases")


def test_bind_aliases_and_star_keyword():
    sig = parse_signature("(input, dim=None, keepdim=False)")
    b = bind(sig, ["x"], [("axis", 1), ("keepdims", True)])
    assert b.values == {"input": "x", "dim": 1, "keepdim": True}
    assert b.aliased == {"axis": "dim", "keepdims": "keepdim"}
    with pytest.raises(BindError):
        bind(sig, ["x"], [("axis", 1)], aliases=False)
    with pytest.raises(BindError):           # both the name and its alias
        bind(sig, ["x"], [("dim", 1), ("axis", 1)])
    star = parse_signature("(*size)")
    b = bind(star, [], [("size", "(2, 3)")])
    assert b.var_positional == ["(2, 3)"] and b.star_keyword == "size"
    with pytest.raises(BindError):
        bind(star, [2], [("size", "(2, 3)")])


def test_function_alias_keywords_are_respelled(assert_converts, rules):
    assert_converts(
        """\
        import torch
        a = torch.cat([x, y], axis=0)
        b = torch.sum(x, axis=1, keepdims=True)
        c = torch.add(x1=x, x2=y)
        """,
        """\
        from mindspore import mint, ops
        a = mint.cat([x, y], dim=0)
        b = ops.sum(x, 1, True)
        c = mint.add(x, y)
        """,
        rules=rules,
    )


def test_parameters_by_name_become_positional(assert_converts, rules):
    assert_converts(
        """\
        import torch
        p = torch.nn.Parameter(data=w, requires_grad=False)
        c = torch.add(input=x, other=y, alpha=2)
        d = torch.add(other=y, input=x)
        """,
        """\
        import mindspore as ms
        from mindspore import mint
        p = ms.Parameter(w, requires_grad=False)
        c = mint.add(x, y, alpha=2)
        d = mint.add(other=y, input=x)
        """,
        rules=rules,
    )


def test_method_star_keyword_and_alias(assert_converts, rules):
    # x.expand(size=s): the sizes by keyword, as one sequence; unsqueeze(axis=) is torch's alias; so is sum(axis=)
    # in a file that names no array library (no ndarray can be the receiver)
    assert_converts(
        """\
        import torch
        b = x.expand(size=[4, -1])
        c = x.unsqueeze(axis=0)
        d = x.sum(axis=1)
        """,
        """\
        b = x.expand([4, -1])
        c = x.unsqueeze(dim=0)
        d = x.sum(dim=1)
        """,
        rules=rules,
    )


def test_numpy_method_alias_left_where_numpy_is_named(assert_converts, rules):
    # sum(axis=) is left where the file uses numpy: NumPy's ndarray has sum(axis=) too and the receiver is unknown
    # (MindSpore takes axis= too)
    assert_converts(
        """\
        import numpy as np
        import torch
        c = x.unsqueeze(axis=0)
        d = x.sum(axis=1)
        """,
        """\
        import numpy as np
        c = x.unsqueeze(dim=0)
        d = x.sum(axis=1)
        """,
        rules=rules,
    )


def test_numpy_methods_take_torch_aliases_without_array_library():
    """x.std(axis=0) in a torch-only file is torch's unbiased std along dim 0 (left alone it was MindSpore's ddof=0
    Tensor.std); x.max(axis=1) returns torch's (values, indices). With numpy named in the file both are left."""
    from mscore.rewrite.engine import convert_source
    from mscore.rules import load_rules

    rules = load_rules()
    src = "import torch\na = x.std(axis=0)\nb = x.max(axis=1, keepdims=True)\n"
    out = convert_source(src.encode(), "f.py", rules).output.decode()
    assert "a = mint.std(x, dim=0)\n" in out
    assert "b = mint.max(x, dim=1, keepdim=True)\n" in out
    out = convert_source(("import numpy\n" + src).encode(), "f.py", rules).output.decode()
    assert "a = x.std(axis=0)\n" in out and "b = x.max(axis=1, keepdims=True)\n" in out


def test_named_tuple_fields_become_indices():
    """torch's named-tuple results (torch.return_types.max ...) are plain tuples in MindSpore: a field read straight
    off the call (``x.max(1).values``) becomes an index, for an identity method rule too; other attributes and other
    receivers' ``.values`` are left alone, and the output converts to itself."""
    from mscore.rewrite.engine import convert_source
    from mscore.rules import load_rules

    rules = load_rules()
    src = ("import torch\n"
           "a = x.max(dim=1).values\n"
           "b = torch.max(x, 1).indices\n"
           "c = torch.topk(x, 2).values.sum()\n"
           "d = cfg.values()\n"
           "e = x.sort(-1).indices\n")
    out = convert_source(src.encode(), "f.py", rules).output.decode()
    assert "a = mint.max(x, dim=1)[0]\n" in out   # no array library named: mint's, for x.max(other) too
    assert "b = mint.max(x, 1)[1]\n" in out
    assert "c = mint.topk(x, 2)[0].sum()\n" in out
    assert "d = cfg.values()\n" in out
    assert "e = mint.sort(x, dim=-1)[1]\n" in out   # int64 indices as torch (no array library named)
    assert convert_source(out.encode(), "f.py", rules).output.decode() == out
