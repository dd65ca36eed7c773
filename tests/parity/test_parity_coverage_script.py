"""bench/coverage.py: the weighted figure on a synthetic csv, rule set and case directory."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mscore.parity import coverage as cv
from mscore.parity.collect import load_cases
from mscore.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]

RULES = """
["torch.cat"]
target = "mindspore.mint.cat"
sig = "(tensors, dim=0)"
status = "consistent"
note = "same"

["torch.exp"]
target = "mindspore.mint.exp"
sig = "(input)"
status = "consistent"
note = "same, but no case below"

["torch.cuda.foo"]
status = "unsupported"
note = "no equivalent"
"""

CASES = """
from mscore.parity.case import Case, randn
CASES = [
    Case("torch.cat", "torch.cat([a, b])", a=randn(2), b=randn(2)),
    Case("torch.cuda.foo", "torch.cuda.foo()", expect="unsupported"),
]
"""

CSV = """api,count,calls,files,kind,ambiguous_with
torch.cat,60,60,1,api,
Tensor.values,50,50,1,tensor_method,dict
torch.exp,20,20,1,api,
torch.cuda.foo,15,15,1,api,
torch.nope,5,5,1,api,
torch.tail,1,1,1,api,
"""

EXCL = """
["Tensor.values"]
reason = "dict.values"
"""


@pytest.fixture
def world(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.toml").write_text(RULES)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "cases_r.py").write_text(CASES)
    (tmp_path / "usage.csv").write_text(CSV)
    (tmp_path / "excl.toml").write_text(EXCL)
    return tmp_path


def test_weighted_coverage(world):
    rows = cv.read_usage_csv(world / "usage.csv", top=5)      # torch.tail (1 ref) is outside the top 5
    cov = cv.compute(rows, load_rules(world / "rules"), load_cases(world / "cases"),
                     cv.load_exclusions(world / "excl.toml"))
    assert cov.total == 60 + 20 + 15 + 5          # Tensor.values excluded
    assert cov.covered == 60
    assert cov.percent == pytest.approx(60.0)
    assert [(r.row.api, r.status) for r in cov.missing()] == [
        ("torch.exp", cv.NO_CASE), ("torch.cuda.foo", cv.UNSUPPORTED), ("torch.nope", cv.NO_RULE)]


def test_script_runs_and_reports(world):
    cmd = [sys.executable, str(ROOT / "bench" / "coverage.py"), "--csv", str(world / "usage.csv"), "--top", "5",
           "--rules", str(world / "rules"), "--cases", str(world / "cases"), "--exclusions", str(world / "excl.toml")]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "native coverage: 60.0%" in res.stdout and "torch.nope" in res.stdout
    bad = subprocess.run(cmd[:2] + ["--csv", str(world / "missing.csv")], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "missing.csv" in bad.stderr


@pytest.mark.parametrize("text,err", [
    ('["Tensor.values"]\nwhy = "x"\n', "unknown key"),
    ('["Tensor.values"]\nreason = ""\n', "needs reason"),
    ('["Tensor.values"\n', "malformed TOML"),
])
def test_bad_exclusions_are_one_line_errors(tmp_path, text, err):
    p = tmp_path / "e.toml"
    p.write_text(text)
    with pytest.raises(cv.CoverageInputError, match=err):
        cv.load_exclusions(p)


def test_junit_report_limits_coverage_to_passing_cases(world):
    rows = cv.read_usage_csv(world / "usage.csv", top=5)
    args = (load_rules(world / "rules"), load_cases(world / "cases"), cv.load_exclusions(world / "excl.toml"))
    junit = world / "junit.xml"
    junit.write_text('''<?xml version="1.0"?><testsuites><testsuite name="pytest">
<testcase classname="tests.parity.test_parity" name="test_parity[torch.cat:0]"><failure message="x"/></testcase>
<testcase classname="tests.parity.test_parity" name="test_parity[torch.cuda.foo:0]"/>
</testsuite></testsuites>''')
    assert cv.passed_case_ids(junit) == {"torch.cuda.foo:0"}
    cov = cv.compute(rows, *args, cv.passed_case_ids(junit))
    assert cov.covered == 0
    assert [(r.row.api, r.status) for r in cov.missing()][0] == ("torch.cat", cv.FAILING)
    junit.write_text(junit.read_text().replace('<failure message="x"/>', ""))
    assert cv.compute(rows, *args, cv.passed_case_ids(junit)).covered == 60


def test_covered_elsewhere_counts_when_its_tests_pass(world):
    rows = cv.read_usage_csv(world / "usage.csv", top=5)
    args = (load_rules(world / "rules"), load_cases(world / "cases"), cv.load_exclusions(world / "excl.toml"))
    elsewhere = {"torch.exp": ["tests/npu/test_x.py::test_exp"]}
    assert cv.compute(rows, *args, elsewhere=elsewhere).covered == 60 + 20
    junit = world / "junit.xml"
    junit.write_text('''<?xml version="1.0"?><testsuites><testsuite name="pytest">
<testcase classname="tests.parity.test_parity" name="test_parity[torch.cat:0]"/>
<testcase classname="tests.npu.test_x" name="test_exp[a]"/>
<testcase classname="tests.npu.test_x" name="test_exp[b]"><failure message="x"/></testcase>
</testsuite></testsuites>''')
    assert cv.compute(rows, *args, elsewhere=elsewhere, junit=cv.read_junit(junit)).covered == 60
    junit.write_text(junit.read_text().replace('<failure message="x"/>', ""))
    assert cv.compute(rows, *args, elsewhere=elsewhere, junit=cv.read_junit(junit)).covered == 80
