"""Converted code under ``mindspore.jit``: every expression parity case, converted, compiles under ast (and
bytecode) capture with the CPU backfill on and computes what PyNative computes -- except the cases listed in
``jit_known_failures.toml``, each with its reason. A listed case that starts to pass fails the test too (the list
must stay true), so the list is the documented graph-mode gap. Measured by ``bench/jit_coverage.py`` as well."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytest.importorskip("mindspore")

from mscore.parity.jit_check import cases, run_cases  # noqa: E402

KNOWN = tomllib.loads((Path(__file__).with_name("jit_known_failures.toml")).read_text())


def test_known_failures_name_real_cases():
    ids = {e.id for e in cases()}
    for mode, listed in KNOWN.items():
        assert mode in ("ast", "bytecode"), mode
        assert set(listed) <= ids, sorted(set(listed) - ids)
        assert all(isinstance(r, str) and r.strip() for r in listed.values()), mode


@pytest.mark.parametrize("mode", ["ast", "bytecode"])
def test_converted_cases_compile_under_jit(mode):
    known = KNOWN.get(mode, {})
    results = run_cases(mode)
    assert len(results) == len(cases())
    broken = [f"{r['id']}: {r['status']}: {r['detail']}" for r in results if r["status"] != "ok" and r["id"] not in known]
    fixed = [r["id"] for r in results if r["status"] == "ok" and r["id"] in known]
    assert not broken, f"{len(broken)} case(s) no longer compile under jit[{mode}] or differ:\n" + "\n".join(broken)
    assert not fixed, f"now compile under jit[{mode}]: remove from jit_known_failures.toml: {fixed}"
