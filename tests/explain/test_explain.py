"""``mscore explain``: the rule shown for a person, an example converted from the rule's own parity cases, the
parity evidence (counted the way the harness loads cases), close matches and the one-line error."""
from __future__ import annotations

import sys

import pytest

from mscore.cli import main
from mscore.explain import ALIASES, NoRule, argument_mapping, call_forms, resolve
from mscore.parity.case import Case, ModuleCase, randn
from mscore.parity.collect import load_cases
from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rules

RULES = """\
["torch.cat"]
target = "mindspore.mint.cat"
sig = "(tensors, dim=0, *, out=None)"
unsupported_args = { out = "no out= in MindSpore" }
status = "consistent"
note = "Same signature."

["torch.nn.LeakyReLU"]
target = "mindspore.nn.LeakyReLU"
sig = "(negative_slope=0.01, inplace=False)"
rename = { negative_slope = "alpha" }
drop = ["inplace"]
defaults = { alpha = "0.01" }
status = "differing_defaults"
note = "alpha passed explicitly."

["torch.enable_grad"]
status = "unsupported"
note = "no enable-grad context."
"""

CASES = '''\
from mscore.parity.case import Case, ModuleCase, randn

CASES = [
    Case("torch.cat", "torch.cat([a, b], dim=1)", a=randn(2, 2), b=randn(2, 2)),
    Case("torch.cat", "torch.cat((a, b))", a=randn(2), b=randn(2)),
    Case("torch.cat", "torch.cat([a, b], out=a)", a=randn(2), b=randn(2), expect="unsupported"),
    ModuleCase("torch.nn.LeakyReLU", "nn.LeakyReLU(negative_slope=0.2, inplace=True)", inputs=dict(x=randn(3))),
]
COVERED_ELSEWHERE = {"torch.enable_grad": ["tests/x/test_y.py::test_z"]}
'''


@pytest.fixture
def world(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "fixture.toml").write_text(RULES)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "cases_fixture.py").write_text(CASES)
    return tmp_path


def run(capsys, *argv):
    code = main(["explain", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_rule_example_and_evidence(world, capsys):
    code, out, err = run(capsys, "torch.cat", "--rules", world / "rules", "--cases", world / "cases")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "torch.cat -> mindspore.mint.cat   status: consistent   (fixture.toml:1)"
    assert "note: Same signature." in lines and "torch signature: (tensors, dim=0, *, out=None)" in lines
    assert any("out" in ln and "unsupported" in ln and "no out= in MindSpore" in ln for ln in lines)
    # the shorter of the two pass cases, converted by the engine now
    i = lines.index("torch.cat((a, b))")
    assert lines[i + 1].strip() == "becomes" and lines[i + 2] == "mint.cat((a, b))"
    j = lines.index("torch.cat([a, b], out=a)")
    assert lines[j + 2].startswith("torch.cat([a, b], out=a)  # mscore: unconverted torch.cat: out= is not supported")
    assert "parity evidence: 3 cases (2 compared with torch, 1 expected to be left unconverted)" in lines
    assert "  call forms: call: positional x1, call: positional + keywords x1, left unconverted (marked) x1" in lines


def test_argument_mapping_kinds(world):
    rules = load_rules(world / "rules", known_transforms=KNOWN)
    args = {a.name: a.kind for a in argument_mapping(rules.apis["torch.nn.LeakyReLU"])}
    assert args == {"negative_slope": "renamed", "inplace": "dropped", "alpha": "default differs"}
    assert {a.name: a.kind for a in argument_mapping(rules.apis["torch.cat"])} == {
        "tensors": "passed", "dim": "passed", "out": "unsupported"}


def test_module_case_and_alias(world, capsys):
    code, out, _ = run(capsys, "nn.LeakyReLU", "--rules", world / "rules", "--cases", world / "cases")
    assert code == 0
    assert ("m = nn.LeakyReLU(negative_slope=0.2, inplace=True)\nout = m(x)\n  becomes\n"
            "m = nn.LeakyReLU(alpha=0.2)\nout = m(x)\n") in out
    assert "module: forward + gradients x1" in out and "alpha=0.01 added when the call does not pass it" in out


def test_unsupported_rule_proven_elsewhere(world, capsys):
    code, out, _ = run(capsys, "torch.enable_grad", "--rules", world / "rules", "--cases", world / "cases")
    assert code == 0
    assert "(none: left unconverted)" in out.splitlines()[0]
    assert "parity evidence: no parity-harness case, but:" in out
    assert "proven elsewhere: tests/x/test_y.py::test_z" in out


def test_no_cases_available(world, capsys, monkeypatch):
    code, out, _ = run(capsys, "torch.cat", "--rules", world / "rules", "--cases", world / "missing")
    assert code == 0 and "no examples available: the parity cases are not part of this installation" in out
    monkeypatch.setitem(sys.modules, "mscore.parity.collect", None)     # as in a wheel installed without numpy
    code, out, _ = run(capsys, "torch.cat", "--rules", world / "rules", "--cases", world / "cases")
    assert code == 0 and "no examples available: loading the parity cases needs numpy" in out
    assert "mindspore.mint.cat" in out


def test_close_matches_and_unknown(world, capsys):
    code, out, err = run(capsys, "torch.catt", "--rules", world / "rules")
    assert (code, out) == (2, "") and err == "mscore: error: no rule for 'torch.catt'; close matches: torch.cat\n"
    code, out, err = run(capsys, "torch.qqqzzz", "--rules", world / "rules")
    assert (code, out, err) == (2, "", "mscore: error: no rule for 'torch.qqqzzz'\n")


def test_resolve_spellings():
    rules = load_rules(known_transforms=KNOWN)
    assert resolve(rules, "F.gelu").api == "torch.nn.functional.gelu"
    assert resolve(rules, "torch.Tensor.view").api == "Tensor.view"
    assert resolve(rules, "torch.nn.Module.eval").api == "Module.eval"
    assert resolve(rules, "cat").api == "torch.cat"
    with pytest.raises(NoRule) as e:
        resolve(rules, "Tensor.veiw")
    assert "Tensor.view" in e.value.close
    assert ("F.", "torch.nn.functional.") in ALIASES


def test_call_forms():
    assert call_forms("torch.cat", Case("torch.cat", "torch.cat(*xs)", xs=randn(2))) == ["call: unpacked *args / **kwargs"]
    assert call_forms("Tensor.size", Case("Tensor.size", "x.size()", x=randn(2))) == ["method call, no arguments"]
    assert call_forms("torch.float32", Case("torch.float32", "torch.float32")) == [
        "reference (type, attribute or annotation)"]
    assert call_forms("torch.nn.ReLU", ModuleCase("torch.nn.ReLU", "nn.ReLU()", inputs=dict(x=randn(2)),
                                                  grad=False)) == ["call: no arguments", "module: forward"]


def test_shipped_rule_counts_match_the_harness(capsys):
    """With the shipped rules and cases, the evidence count is what the parity harness itself collects."""
    harness = [e for e in load_cases() if e.counts_for_coverage and e.case.api == "torch.cat"]
    code, out, _ = run(capsys, "torch.cat")
    assert code == 0 and harness
    n_pass = sum(1 for e in harness if e.case.expect == "pass")
    assert (f"parity evidence: {len(harness)} cases ({n_pass} compared with torch, "
            f"{len(harness) - n_pass} expected to be left unconverted)") in out
    assert "mint.cat(" in out
