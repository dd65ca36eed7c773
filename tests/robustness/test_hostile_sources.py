"""Issue 13, hostile sources and rules: input that compiles must give output that compiles and means the same, and
the report must not claim what was not done; rule text that would break converted code is refused by
``rules check``. Numbers as in the issue; every test failed before its fix."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from mscore.report import Report
from mscore.rewrite import engine
from mscore.rewrite.engine import convert_source
from mscore.rewrite.transforms import KNOWN
from mscore.rewrite.passes.markers import marker_text
from mscore.rules import RuleFileError, load_rule_file, load_rules
from mscore.rules.model import RuleSet
from tests.robustness.test_bad_input import one_line_error, run


def _conv(source: str | bytes, rules: RuleSet, path: str = "t.py"):
    data = source if isinstance(source, bytes) else textwrap.dedent(source).encode()
    return convert_source(data, path, rules)


def _compiles(data: bytes) -> None:
    compile(data, "out.py", "exec", dont_inherit=True)


def _rules(tmp_path: Path, text: str) -> RuleSet:
    p = tmp_path / "custom.toml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return RuleSet.build(load_rule_file(p, KNOWN), "custom")


# -- 8. a tab-indented training loop ------------------------------------------------------------------------------------

def test_tab_indented_training_loop_compiles(shipped_rules):
    src = ("import torch\n\ndef train(model, opt, data):\n\tfor x in data:\n\t\tloss = model(x).sum()\n"
           "\t\tloss.backward()\n\t\topt.step()\n\t\topt.zero_grad()\n").encode()
    r = _conv(src, shipped_rules)
    assert r.status == "converted" and b"value_and_grad" in r.output
    _compiles(r.output)


# -- 9. from __future__ on one line with import torch --------------------------------------------------------------------

@pytest.mark.parametrize("src", [
    "from __future__ import annotations; import torch\nx = torch.zeros(3)\n",
    '"""doc"""; from __future__ import annotations; import torch\nx = torch.zeros(3)\n',
    "from __future__ import annotations\nfrom __future__ import division; import torch\nx = torch.zeros(3)\n",
])
def test_future_import_sharing_a_line_with_import_torch(src, fixture_rules):
    r = _conv(src, fixture_rules)
    assert r.status == "converted" and b"mint.zeros(3)" in r.output
    _compiles(r.output)


# -- 10. torch names in match patterns ------------------------------------------------------------------------------------

MATCH = """\
    import torch

    def f(d, s):
        match d:
            case torch.float32 | torch.float16:
                return 1
        match s:
            case torch.Size([a, b]):
                return a
        return torch.zeros(2)
"""


def test_match_patterns_keep_their_import_and_are_reported(fixture_rules, shipped_rules):
    for rules in (fixture_rules, shipped_rules):
        r = _conv(MATCH, rules)
        _compiles(r.output)
        out = r.output.decode()
        assert "import torch\n" in out and "case torch.float32 | torch.float16:" in out
        left = {u.api for u in r.unconverted}
        assert {"torch.float32", "torch.Size"} <= left
        rep = Report.build("t", [r])
        assert rep.rate < 1.0
        tree = ast.parse(out)
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                    for a in n.names}
        assert "torch" in imported or "torch" not in names
        again = convert_source(r.output, "t.py", rules)
        assert again.status == "unchanged"   # marked once


# -- 11. templates are spliced by precedence ----------------------------------------------------------------------------

TEMPLATE_RULE = """\
    ["torch.plus_one"]
    sig = "(input)"
    template = "{input} + 1"
    status = "consistent"
    note = "x + 1"

    ["torch.cond"]
    sig = "(input, other)"
    template = "{input} if {input} > {other} else {other}"
    status = "consistent"
    note = "max of two"
"""


@pytest.mark.parametrize("expr, want", [
    ("torch.plus_one(x) * 2", 8), ("-torch.plus_one(x)", -4), ("torch.plus_one(x) ** 2", 16),
    ("torch.cond(x, z) + 1", 4), ("[torch.plus_one(x)][0]", 4), ("torch.plus_one(x)", 4),
])
def test_template_result_keeps_the_callers_precedence(tmp_path, expr, want):
    rules = _rules(tmp_path, TEMPLATE_RULE)
    r = _conv(f"import torch\nx, z = 3, 1\ny = {expr}\n", rules)
    assert r.status == "converted" and "torch" not in r.output.decode()
    ns: dict = {}
    exec(compile(r.output, "out.py", "exec"), ns)
    assert ns["y"] == want, r.output.decode()


# -- 12. rule text that lands in converted code ---------------------------------------------------------------------------

BASE = """\
    ["torch.foo"]
    sig = "(input)"
    status = "{status}"
"""


@pytest.mark.parametrize("body, needle", [
    ('target = "mindspore.mint.foo"\nnote = "bad\\u0000note"', "control character"),
    ('target = "mindspore.mint.foo"\nnote = "bad\\u001bnote"', "control character"),
    ('target = "mindspore.mint.foo"\nnote = "ok"\nunsupported_args = { input = "a\\u0000b" }', "control"),
    ('template = "torch.foo({input})"\nnote = "own API"', "refers to torch"),
    ('template = "math.sqrt({input})"\nnote = "needs math"', "refers to 'math'"),
    ('target = "mindspore.mint.class"\nnote = "kw"', "keyword"),
    ('target = "mindspore.mint.foo"\nnote = "kw"\nrename = { input = "lambda" }', "keyword"),
    ('target = "mindspore.mint.foo"\nnote = "d"\ndefaults = { input = "torch.float32" }', "refers to 'torch'"),
])
def test_rules_check_refuses_text_that_breaks_converted_code(tmp_path, body, needle):
    d = tmp_path / "rules"
    d.mkdir()
    status = "unsupported" if "unsupported_args" in body else "consistent"
    text = BASE.replace("{status}", status) + textwrap.dedent(body) + "\n"
    if status == "unsupported":
        text = text.replace('target = "mindspore.mint.foo"\n', "")
    (d / "bad.toml").write_text(textwrap.dedent(text))
    with pytest.raises(RuleFileError, match=needle):
        load_rules(d, known_transforms=KNOWN)
    one_line_error(run("rules", "check", "--rules", d, cwd=tmp_path), needle)


def test_marker_text_is_one_clean_line():
    text = marker_text([("torch.x", "a\x00b\x1bc\u2028d\re\nf")])
    assert text.isprintable() and "\n" not in text


# -- 13. from torch import * ------------------------------------------------------------------------------------------------

def test_star_import_is_reported_and_kept(fixture_rules):
    r = _conv("from torch import *\nx = zeros(3)\n", fixture_rules)
    assert [u.api for u in r.unconverted] == ["torch.*"]
    assert r.output.startswith(b"from torch import *  # mscore: unconverted torch.*")
    assert Report.build("t", [r]).rate < 1.0
    _compiles(r.output)


# -- 17. a non-Latin note in a latin-1 file --------------------------------------------------------------------------------

def test_non_latin_note_in_a_latin1_file(tmp_path):
    rules = _rules(tmp_path, """\
        ["torch.foo"]
        sig = "(input)"
        status = "unsupported"
        note = "不支持 (no MindSpore form)"
    """)
    src = "# -*- coding: latin-1 -*-\nimport torch\n# café\ny = torch.foo(1)\n".encode("latin-1")
    r = convert_source(src, "t.py", rules)
    assert r.status == "converted", r.message
    text = r.output.decode("latin-1")
    assert "# café" in text and "mscore: unconverted torch.foo" in text
    _compiles(r.output)


# -- 18 (family). a file mscore fails on does not leave the totals at 100 % -------------------------------------------------

def test_an_mscore_error_counts_against_the_rate(fixture_rules, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine, "_convert", boom)
    r = _conv("import torch\nx = torch.zeros(2)\n", fixture_rules)
    assert r.status == "error" and r.output == b"import torch\nx = torch.zeros(2)\n"
    rep = Report.build("t", [r])
    assert rep.rate < 1.0 and rep.totals()["error_files"] == 1


# -- 20. bytes CPython cannot decode ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src", [
    b"import torch\ns = '\xc4\xe3\xba\xc3'\nx = torch.zeros(2)\n",          # GBK string, no cookie
    b"import torch\nx = torch.zeros(2)  # ok\ny = b'\xff'\n",                 # invalid inside a bytes literal
])
def test_undecodable_python_is_copied_and_listed(src, fixture_rules):
    r = convert_source(src, "t.py", fixture_rules)
    assert r.status == "undecodable" and r.output == src and r.message
    assert Report.build("t", [r]).totals()["undecodable_files"] == 1


@pytest.mark.parametrize("src", [
    b"import torch\n# caf\xe9\nx = torch.zeros(2)\n",                      # Latin-1 comment, no cookie
    b"# coding: utf-8\nimport torch\n# \xff\nx = torch.zeros(2)  # \xd2\xbb\n",  # a cookie the comments contradict
])
def test_invalid_bytes_in_comments_convert_as_import_accepts_them(src, fixture_rules):
    # ``python t.py`` refuses these files, but ``import t`` compiles them (MindSpeed ships GBK comments this way):
    # they convert, and the comment bytes come out as they went in
    r = convert_source(src, "t.py", fixture_rules)
    assert r.status == "converted" and b"torch.zeros" not in r.output
    for chunk in (b"caf\xe9", b"# \xff", b"\xd2\xbb"):
        assert (chunk in src) == (chunk in r.output)
    compile(r.output, "t.py", "exec")


# -- 10 (family). torch names in other places that are not ordinary statement expressions --------------------------------

def test_except_clause_types_are_references(fixture_rules):
    src = """\
        import torch

        def f():
            try:
                return torch.zeros(2)
            except torch.cuda.OutOfMemoryError:
                return None
            except (torch.cuda.CudaError, ValueError):
                return 1
    """
    r = _conv(src, fixture_rules)
    out = r.output.decode()
    _compiles(r.output)
    assert "import torch\n" in out and "mint.zeros(2)" in out
    assert {"torch.cuda.OutOfMemoryError", "torch.cuda.CudaError"} <= {u.api for u in r.unconverted}
    assert convert_source(r.output, "t.py", fixture_rules).status == "unchanged"
