"""Finding parity cases: every ``tests/parity/cases/cases_*.py`` module's ``CASES`` list.

Loading a case module imports only :mod:`mscore.parity.case` (numpy), never torch or MindSpore. A module that fails
to import, or whose ``CASES`` is malformed, becomes one entry carrying the error, so it fails its own test instead
of breaking the whole collection.
"""
from __future__ import annotations

import importlib.util
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mscore.parity.case import Case, ModuleCase

SELFTEST_PREFIX = "selftest."


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def default_cases_dir() -> Path:
    return repo_root() / "tests" / "parity" / "cases"


@dataclass
class CaseEntry:
    module: str            # file stem, e.g. cases_torch
    index: int             # position in the module's CASES
    case: Any | None
    id: str = ""
    error: str | None = None

    @property
    def counts_for_coverage(self) -> bool:
        """Real conversions only: no broken entries, no harness self-tests, no hand-written conversions."""
        return (self.case is not None and self.error is None and self.case.converted_override is None
                and not self.case.api.startswith(SELFTEST_PREFIX))


def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"mscore_parity_cases.{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_cases(cases_dir: Path | None = None, pattern: str = "cases_*.py") -> list[CaseEntry]:
    cases_dir = cases_dir or default_cases_dir()
    entries: list[CaseEntry] = []
    for path in sorted(cases_dir.glob(pattern)):
        stem = path.stem
        try:
            mod = _load_module(path)
        except Exception:  # noqa: BLE001
            entries.append(CaseEntry(stem, 0, None, error=f"{path}: import failed:\n{traceback.format_exc()}"))
            continue
        cases = getattr(mod, "CASES", None)
        if not isinstance(cases, (list, tuple)):
            entries.append(CaseEntry(stem, 0, None, error=f"{path}: defines no CASES list"))
            continue
        for i, case in enumerate(cases):
            if not isinstance(case, (Case, ModuleCase)):
                entries.append(CaseEntry(stem, i, None, error=f"{path}: CASES[{i}] is a {type(case).__name__}, "
                                                              "not a Case / ModuleCase"))
            else:
                entries.append(CaseEntry(stem, i, case))
    per_api: dict[str, int] = {}
    for e in entries:
        base = e.case.api if e.case is not None else f"{e.module}.broken"
        n = per_api.get(base, 0)
        per_api[base] = n + 1
        e.id = f"{base}:{n}"
    return entries


def load_elsewhere(cases_dir: Path | None = None,
                   pattern: str = "cases_*.py") -> tuple[dict[str, list[str]], list[str]]:
    """``COVERED_ELSEWHERE = {api: ["tests/x/test_y.py::test_z", ...]}`` from the case modules: rules whose torch
    side cannot run in this harness even with ``reference=`` are proven by the listed tests instead. Returns the
    merged mapping and the problems found (malformed entries, listed tests that do not exist)."""
    import ast

    cases_dir = cases_dir or default_cases_dir()
    root = repo_root()
    merged: dict[str, list[str]] = {}
    problems: list[str] = []
    defined: dict[str, set[str]] = {}
    for path in sorted(cases_dir.glob(pattern)):
        try:
            mod = _load_module(path)
        except Exception:  # noqa: BLE001 - reported by load_cases
            continue
        elsewhere = getattr(mod, "COVERED_ELSEWHERE", None)
        if elsewhere is None:
            continue
        if not isinstance(elsewhere, dict):
            problems.append(f"{path}: COVERED_ELSEWHERE must be a dict {{api: [pytest node ids]}}")
            continue
        for api, ids in elsewhere.items():
            if not isinstance(api, str) or not isinstance(ids, (list, tuple)) or not ids \
                    or not all(isinstance(i, str) and "::" in i for i in ids):
                problems.append(f"{path}: COVERED_ELSEWHERE[{api!r}] must be a non-empty list of 'file.py::test' ids")
                continue
            for node in ids:
                file, _, func = node.partition("::")
                func = func.split("[", 1)[0].split("::")[-1]
                if file not in defined:
                    target = root / file
                    try:
                        tree = ast.parse(target.read_text(encoding="utf-8"))
                    except (OSError, SyntaxError):
                        defined[file] = set()
                    else:
                        defined[file] = {n.name for n in ast.walk(tree)
                                         if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
                if func not in defined[file]:
                    problems.append(f"{path}: COVERED_ELSEWHERE[{api!r}] lists {node}, which does not exist")
            merged.setdefault(api, []).extend(ids)
    return merged, problems


def cases_by_api(entries: list[CaseEntry]) -> dict[str, list[CaseEntry]]:
    out: dict[str, list[CaseEntry]] = {}
    for e in entries:
        if e.counts_for_coverage:
            out.setdefault(e.case.api, []).append(e)
    return out
