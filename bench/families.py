"""Pass counts of the parity cases of chosen case modules, per module: the families of issue 12 before / after.

    python bench/families.py                                   # the family modules below, this checkout
    python bench/families.py --mscore /work/main               # the same cases, converted by another checkout
    python bench/families.py cases_out_arg --failures          # one module; list each failing case and why

Each family of failures from the held-back per-API suite has its own case module in tests/parity/cases/
(``cases_out_arg``: ``out=``; ``cases_kw_aliases``: keyword aliases; ``cases_api_gaps``: APIs that were left or
failed; ``cases_torch_only_attrs``: wrong or silent mappings). Every case runs through the parity harness (torch
in this process, the conversion in a MindSpore worker with torch blocked, CPU backfill on); a case counts as passed
when the harness passes it. ``--mscore DIR`` converts with another mscore checkout (its rules, engine and backfill)
while reading the cases from this one, which is how the "before" column is measured.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
FAMILIES = ("cases_out_arg", "cases_kw_aliases", "cases_api_gaps", "cases_torch_only_attrs")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="bench/families.py", description=__doc__.splitlines()[0])
    p.add_argument("modules", nargs="*", default=list(FAMILIES), help="case module stems (default: the families)")
    p.add_argument("--mscore", type=Path, default=HERE, help="the mscore checkout that converts (default: this one)")
    p.add_argument("--failures", action="store_true", help="list every failing case with its first problem")
    args = p.parse_args(argv)
    sys.path.insert(0, str(args.mscore.resolve()))
    # the MindSpore worker is a script run by path: it imports mscore (backfill, runtime) from PYTHONPATH, so point
    # it at the same checkout (otherwise it took the installed one, mixing the "before" and "after" columns)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.mscore.resolve()),
                                                             os.environ.get("PYTHONPATH")]))
    from mscore.parity.collect import load_cases
    from mscore.parity.harness import run_case
    from mscore.parity.worker import Worker
    from mscore.rules import load_rules

    rules = load_rules()
    cases_dir = HERE / "tests" / "parity" / "cases"
    worker = Worker("CPU")
    worker.spawn()
    total_pass = total = 0
    rows = []
    t0 = time.time()
    try:
        for stem in args.modules:
            entries = load_cases(cases_dir, f"{stem}.py")
            passed, failed = 0, []
            for e in entries:
                if e.error:
                    failed.append((e.id, e.error.splitlines()[-1]))
                    continue
                try:
                    outcome = run_case(e.case, worker, rules)
                except Exception as exc:  # noqa: BLE001 - an older checkout may not know a case's features
                    failed.append((e.id, f"{type(exc).__name__}: {exc}"))
                    continue
                if outcome.passed:
                    passed += 1
                else:
                    lines = [ln.strip() for ln in outcome.problems[0].splitlines() if ln.strip()]
                    why = lines[0] if len(lines) < 3 else f"{lines[0]} ... {lines[-1]}"
                    failed.append((f"{e.id} ({e.case.where})", f"[{outcome.stage}] {why[:300]}"))
            rows.append((stem, passed, len(entries), failed))
            total_pass += passed
            total += len(entries)
    finally:
        worker.close()
    print(f"converter: {args.mscore.resolve()}  ({time.time() - t0:.0f} s)")
    for stem, passed, n, failed in rows:
        print(f"  {stem:26s} {passed:4d} / {n:<4d} {100.0 * passed / max(n, 1):5.1f} %")
        if args.failures:
            for cid, why in failed:
                print(f"      FAIL {cid}: {why}")
    print(f"  {'total':26s} {total_pass:4d} / {total:<4d} {100.0 * total_pass / max(total, 1):5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
