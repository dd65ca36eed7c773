"""Native coverage: the share of torch references in the real stack that mscore converts with a rule proven by
a parity case. Used by ``bench/coverage.py``; no torch / MindSpore needed.

A csv row (``api,count,...``) is *covered* when a rule for that api exists, its status is not ``unsupported`` and
at least one parity case for it is expected to pass (``expect="pass"``, well-formed, real conversion). Rows the
usage heuristic mis-attributes to torch (``dict.values`` counted as ``Tensor.values``) can be excluded by
``rules/coverage/exclusions.toml``, each with a one-line reason.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from mscore.parity.collect import CaseEntry, cases_by_api, repo_root

CSV_NAME = "torch_api_usage_mindspeed_mm_stack.csv"
DEFAULT_TOP = 300

COVERED = "covered"
EXCLUDED = "excluded"
NO_RULE = "no rule"
UNSUPPORTED = "unsupported"
NO_CASE = "no passing case"
FAILING = "case failed"          # with a junit report: pass cases exist but none passed in that run


class CoverageInputError(ValueError):
    """A missing or malformed input (csv, exclusions): one line, naming the file (and line)."""


@dataclass(frozen=True)
class Exclusion:
    api: str
    reason: str
    line: int


def default_exclusions_path() -> Path:
    return repo_root() / "rules" / "coverage" / "exclusions.toml"


_HEADER = re.compile(r'^\s*\[\s*(?:"([^"]+)"|([A-Za-z0-9_.\-]+))\s*\]')


def load_exclusions(path: Path) -> dict[str, Exclusion]:
    """``["api"]`` tables with exactly one key, ``reason`` (a non-empty one-line string)."""
    if not path.is_file():
        raise CoverageInputError(f"{path}: exclusions file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CoverageInputError(f"{path}: malformed TOML: {exc}") from None
    lines = {}
    for no, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            lines.setdefault(m.group(1) or m.group(2), no)
    out: dict[str, Exclusion] = {}
    for api, body in data.items():
        where = f"{path}:{lines.get(api, 1)}"
        if not isinstance(body, dict):
            raise CoverageInputError(f"{where}: [{api}] must be a table with a reason")
        extra = set(body) - {"reason"}
        if extra:
            raise CoverageInputError(f"{where}: [{api}] unknown key(s) {', '.join(sorted(extra))} (only reason)")
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason.strip():
            raise CoverageInputError(f"{where}: [{api}] needs reason = a non-empty one-line string")
        out[api] = Exclusion(api, reason.strip(), lines.get(api, 1))
    return out


def find_usage_csv(start: Path | None = None) -> Path | None:
    """``shared/data/<csv>`` beside the checkout (``../shared`` from the repo root) or beside one of its parents."""
    root = (start or repo_root()).resolve()
    for base in root.parents:
        candidate = base / "shared" / "data" / CSV_NAME
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class UsageRow:
    api: str
    count: int
    kind: str


def read_usage_csv(path: Path, top: int = DEFAULT_TOP) -> list[UsageRow]:
    """The ``top`` rows with the most references (ties keep file order)."""
    if not path.is_file():
        raise CoverageInputError(f"{path}: usage csv not found")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"api", "count"} - set(reader.fieldnames or [])
            if missing:
                raise CoverageInputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            rows = []
            for no, rec in enumerate(reader, start=2):
                try:
                    rows.append(UsageRow(rec["api"].strip(), int(rec["count"]), (rec.get("kind") or "").strip()))
                except (TypeError, ValueError):
                    raise CoverageInputError(f"{path}:{no}: count {rec.get('count')!r} is not an integer") from None
    except UnicodeDecodeError:
        raise CoverageInputError(f"{path}: not UTF-8") from None
    rows.sort(key=lambda r: -r.count)
    return rows[:top]


@dataclass
class RowStatus:
    row: UsageRow
    status: str
    detail: str = ""


@dataclass
class Coverage:
    rows: list[RowStatus] = field(default_factory=list)

    def _weight(self, *statuses: str) -> int:
        return sum(r.row.count for r in self.rows if r.status in statuses)

    @property
    def covered(self) -> int:
        return self._weight(COVERED)

    @property
    def total(self) -> int:
        """References counted: every row but the excluded ones."""
        return sum(r.row.count for r in self.rows if r.status != EXCLUDED)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 0.0

    def missing(self) -> list[RowStatus]:
        return sorted((r for r in self.rows if r.status not in (COVERED, EXCLUDED)), key=lambda r: -r.row.count)

    def excluded(self) -> list[RowStatus]:
        return [r for r in self.rows if r.status == EXCLUDED]


@dataclass
class JUnitResults:
    case_ids: set[str]                 # test_parity ids that passed (torch.cat:0)
    nodes: dict[str, bool]             # node id (file.py::test or file.py::test[param]) -> passed

    def node_passed(self, node: str) -> bool:
        """An id without parameters passes when every parametrization of it ran and passed."""
        if node in self.nodes:
            return self.nodes[node]
        runs = [ok for n, ok in self.nodes.items() if n.split("[", 1)[0] == node]
        return bool(runs) and all(runs)


def read_junit(junit_xml: Path) -> JUnitResults:
    """A ``pytest --junitxml`` report: which parity cases and which tests passed."""
    import xml.etree.ElementTree as ET

    if not junit_xml.is_file():
        raise CoverageInputError(f"{junit_xml}: junit report not found")
    try:
        root = ET.parse(junit_xml).getroot()
    except ET.ParseError as exc:
        raise CoverageInputError(f"{junit_xml}: not a junit XML report: {exc}") from None
    res = JUnitResults(set(), {})
    for tc in root.iter("testcase"):
        name = tc.get("name", "")
        ok = not any(child.tag in ("failure", "error", "skipped") for child in tc)
        classname = tc.get("classname", "")
        if classname:
            res.nodes[classname.replace(".", "/") + ".py::" + name] = ok
        if ok and name.startswith("test_parity[") and name.endswith("]"):
            res.case_ids.add(name[len("test_parity["):-1])
    return res


def passed_case_ids(junit_xml: Path) -> set[str]:
    """Case ids (``torch.cat:0``) whose ``test_parity`` test passed in a ``pytest --junitxml`` report."""
    return read_junit(junit_xml).case_ids


def compute(rows: list[UsageRow], rules, entries: list[CaseEntry], exclusions: dict[str, Exclusion],
            passed_ids: set[str] | None = None, elsewhere: dict[str, list[str]] | None = None,
            junit: JUnitResults | None = None) -> Coverage:
    """``passed_ids`` (from :func:`passed_case_ids`): count only cases that passed in that parity run.
    ``elsewhere`` (``COVERED_ELSEWHERE`` of the case modules): rules proven by other tests; with ``junit`` those
    tests must have passed in that run."""
    elsewhere = elsewhere or {}
    if junit is not None and passed_ids is None:
        passed_ids = junit.case_ids
    by_api = {r.api: r for r in rules.all()}
    cases = cases_by_api(entries)
    cov = Coverage()
    for row in rows:
        if row.api in exclusions:
            cov.rows.append(RowStatus(row, EXCLUDED, exclusions[row.api].reason))
            continue
        rule = by_api.get(row.api)
        if rule is None and row.api.startswith(("torch.", "torch_npu.")):
            # torch.distributed.ReduceOp.SUM is converted through the torch.distributed.ReduceOp rule
            from mscore.rewrite.classify import match_qualified

            m = match_qualified(rules, row.api, called=False)
            rule = m.rule if m.suffix else None
        api = rule.api if rule is not None else row.api
        if rule is None:
            cov.rows.append(RowStatus(row, NO_RULE))
        elif rule.unsupported:
            cov.rows.append(RowStatus(row, UNSUPPORTED, rule.note))
        else:
            candidates = [e for e in cases.get(api, []) if e.case.expect == "pass" and not e.case.problems()]
            passing = [e for e in candidates if passed_ids is None or e.id in passed_ids]
            proven_by = elsewhere.get(api, [])
            if proven_by and junit is not None and not all(junit.node_passed(n) for n in proven_by):
                proven_by = []
            if passing:
                cov.rows.append(RowStatus(row, COVERED, f"{len(passing)} case(s); {rule.where}"))
            elif proven_by:
                cov.rows.append(RowStatus(row, COVERED, f"proven by {', '.join(proven_by)}"))
            elif candidates:
                cov.rows.append(RowStatus(row, FAILING, ", ".join(e.id for e in candidates)))
            else:
                cov.rows.append(RowStatus(row, NO_CASE, rule.where))
    return cov
