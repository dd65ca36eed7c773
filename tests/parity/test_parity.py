"""One test per parity case in tests/parity/cases/cases_*.py (ids: api:index)."""
from __future__ import annotations

import os

import pytest

from mscore.parity.collect import load_cases
from mscore.parity.harness import run_case

ENTRIES = load_cases()
# diagnostic: a fresh worker for every case (slow), to tell an order-dependent failure from a real one
ISOLATE = os.environ.get("MSCORE_PARITY_ISOLATE", "") not in ("", "0")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_parity(entry, ms_worker, parity_rules):
    if entry.error:
        pytest.fail(entry.error, pytrace=False)
    if ISOLATE:
        ms_worker.close()
    outcome = run_case(entry.case, ms_worker, parity_rules)
    if not outcome.passed:
        pytest.fail(outcome.report(), pytrace=False)
