"""Every rule has a parity case, every case names a rule, every case module loads."""
from __future__ import annotations

import pytest

from mscore.parity.collect import SELFTEST_PREFIX, cases_by_api, load_cases, load_elsewhere
from mscore.parity.coverage import default_exclusions_path, load_exclusions
from mscore.rules import load_rules


def test_case_modules_load():
    broken = [e.error for e in load_cases() if e.error]
    if broken:
        pytest.fail("broken parity case modules:\n" + "\n".join(broken), pytrace=False)


def test_every_rule_has_a_case():
    """Rules whose torch side cannot run here may instead be listed in a case module's COVERED_ELSEWHERE with the
    tests that prove them (test_covered_elsewhere_lists_real_tests checks those exist)."""
    rules = load_rules()
    cases = cases_by_api(load_cases())
    elsewhere, _ = load_elsewhere()
    missing, wrong_kind = [], []
    for rule in sorted(rules.all(), key=lambda r: (r.file, r.line)):
        mine = cases.get(rule.api, [])
        if not rule.unsupported and rule.api in elsewhere:
            continue
        if not mine:
            missing.append(f"{rule.where}: {rule.api} has no parity case")
            continue
        want = "unsupported" if rule.unsupported else "pass"
        if not any(e.case.expect == want for e in mine):
            wrong_kind.append(f"{rule.where}: {rule.api} (status {rule.status}) needs a case with expect={want!r}")
    problems = missing + wrong_kind
    if problems:
        pytest.fail(f"{len(problems)} rule(s) without a proving parity case:\n" + "\n".join(problems), pytrace=False)


def test_covered_elsewhere_lists_real_tests():
    elsewhere, problems = load_elsewhere()
    known = {r.api: r for r in load_rules().all()}
    problems += [f"COVERED_ELSEWHERE names {api}, which has no rule" for api in elsewhere if api not in known]
    problems += [f"COVERED_ELSEWHERE names {api}, an unsupported rule (it needs an expect='unsupported' case)"
                 for api in elsewhere if api in known and known[api].unsupported]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_every_case_names_a_rule():
    rules = load_rules()
    known = {r.api for r in rules.all()}
    orphans = [f"{e.case.where}: {e.case.api}" for e in load_cases()
               if e.case is not None and e.case.converted_override is None
               and not e.case.api.startswith(SELFTEST_PREFIX) and e.case.api not in known]
    if orphans:
        pytest.fail("parity cases for APIs that have no rule (typo, or rule missing):\n" + "\n".join(orphans),
                    pytrace=False)


def test_unsupported_rules_have_no_passing_case():
    rules = load_rules()
    cases = cases_by_api(load_cases())
    bad = [f"{e.case.where}: {r.api} is unsupported but has an expect='pass' case"
           for r in rules.all() if r.unsupported for e in cases.get(r.api, []) if e.case.expect == "pass"]
    assert not bad, "\n".join(bad)


def test_coverage_exclusions_are_well_formed():
    exclusions = load_exclusions(default_exclusions_path())
    rules = {r.api: r for r in load_rules().all()}
    # an excluded row is "not torch": it cannot also be a supported rule counted as coverage
    both = [f"{x.api} (exclusions line {x.line}) also has a rule at {rules[x.api].where}"
            for x in exclusions.values() if x.api in rules and not rules[x.api].unsupported]
    assert not both, "\n".join(both)


def test_a_broken_case_module_does_not_hide_the_others(tmp_path):
    (tmp_path / "cases_good.py").write_text(
        "from mscore.parity.case import Case, randn\nCASES = [Case('torch.cat', 'torch.cat([a])', a=randn(2))]\n")
    (tmp_path / "cases_bad.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "cases_nolist.py").write_text("CASES = None\n")
    (tmp_path / "cases_notcase.py").write_text("CASES = ['torch.cat']\n")
    entries = {e.id: e for e in load_cases(tmp_path)}
    assert set(entries) == {"torch.cat:0", "cases_bad.broken:0", "cases_nolist.broken:0", "cases_notcase.broken:0"}
    assert "boom" in entries["cases_bad.broken:0"].error
    assert "no CASES list" in entries["cases_nolist.broken:0"].error
    assert "not a Case" in entries["cases_notcase.broken:0"].error
    assert entries["torch.cat:0"].error is None and entries["torch.cat:0"].counts_for_coverage
