"""An independent per-API probe in the held-back suite's style (issue 12): a bench, not part of CI.

    python bench/api_probe.py                         # every snippet file under bench/api_probe/
    python bench/api_probe.py probe_views -k squeeze  # one family, snippets whose API or source contains 'squeeze'
    python bench/api_probe.py --apis                  # also a pass / fail line per API
    python bench/api_probe.py --failures              # every failing snippet with its first reason
    python bench/api_probe.py --json /tmp/probe.json  # machine-readable results (for before / after)
    python bench/api_probe.py --mscore /work/main     # convert with another checkout (the "before" column)

The snippets (``bench/api_probe/probe_<family>.py``, a ``SNIPPETS`` list of parity ``Case`` / ``ModuleCase``) were
written from torch's documented behaviour for the most used APIs of ``torch_api_usage_mindspeed_mm_stack.csv``, the
way users write torch, not from mscore's rules. Each runs through the parity harness: torch in this process, the
mscore conversion in a MindSpore worker with torch blocked and the CPU backfill on, results compared (values, dtypes,
shapes, and every input after the snippet, so a silent in-place no-op fails). Unlike a CI case a snippet need not
name the rule it exercises (``x[0] += 1`` has none); anything left unconverted fails it, as the held-back suite
counts "the converted code still needs torch". A snippet whose torch side raises is a probe bug and is listed apart.
"""
from __future__ import annotations

import argparse
import os
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PROBE_DIR = Path(__file__).resolve().parent / "api_probe"


def _load(stem_filter):
    import importlib.util

    out = []
    for path in sorted(PROBE_DIR.glob("probe_*.py")):
        family = path.stem[len("probe_"):]
        if stem_filter and path.stem not in stem_filter and family not in stem_filter:
            continue
        spec = importlib.util.spec_from_file_location(f"mscore_api_probe.{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out += [(family, c) for c in mod.SNIPPETS]
    return out


def _run(case, worker, rules):
    """harness.run_case without its "the case names its rule" check (a probe snippet is a user's program)."""
    from mscore.parity import harness
    from mscore.parity.case import ModuleCase

    outcome = harness.Outcome(case)
    problems = case.problems()
    if problems:
        return outcome.fail("case", *problems)
    outcome.torch_source = case.torch_source()
    converted, fr, problems = harness.convert_case(case, rules)
    outcome.converted_source = converted
    if problems:
        return outcome.fail("convert", *problems)
    if fr is not None and fr.unconverted:
        return outcome.fail("convert", *(f"left unconverted: {u.api}: {u.reason}" for u in fr.unconverted))
    if isinstance(case, ModuleCase):
        return harness._run_module(case, outcome, converted, worker)
    return harness._run_snippet(case, outcome, converted, worker)


def _why(outcome) -> str:
    lines = [ln.strip() for ln in outcome.problems[0].splitlines() if ln.strip()]
    if outcome.stage == "mindspore":      # the last line of the traceback says what raised
        return f"[mindspore] {lines[-1][:240]}"
    return f"[{outcome.stage}] {' '.join(lines)[:240]}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="bench/api_probe.py", description=__doc__.splitlines()[0])
    p.add_argument("families", nargs="*", help="probe file stems or family names (default: all)")
    p.add_argument("-k", dest="keyword", help="only snippets whose API or source contains this text")
    p.add_argument("--mscore", type=Path, default=HERE, help="the mscore checkout that converts")
    p.add_argument("--apis", action="store_true", help="print a line per API")
    p.add_argument("--failures", action="store_true", help="print every failing snippet and why")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)
    sys.path.insert(0, str(args.mscore.resolve()))
    # the MindSpore worker is a script run by path: it imports mscore (backfill, runtime) from PYTHONPATH, so point
    # it at the same checkout (otherwise it took the installed one, mixing the "before" and "after" columns)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.mscore.resolve()),
                                                             os.environ.get("PYTHONPATH")]))
    from mscore.parity.worker import Worker
    from mscore.rules import load_rules

    snippets = _load(set(args.families))
    if args.keyword:
        snippets = [(f, c) for f, c in snippets
                    if args.keyword in c.api or args.keyword in getattr(c, "snippet", getattr(c, "ctor", ""))]
    rules = load_rules()
    worker = Worker("CPU")
    worker.spawn()
    results = []
    t0 = time.time()
    try:
        for family, case in snippets:
            try:
                outcome = _run(case, worker, rules)
                ok, why, stage = outcome.passed, ("" if outcome.passed else _why(outcome)), outcome.stage
            except Exception as exc:  # noqa: BLE001 - an older checkout may not know a case's features
                ok, why, stage = False, f"[probe] {type(exc).__name__}: {exc}", "probe"
            src = getattr(case, "snippet", None) or getattr(case, "ctor", "")
            results.append(dict(family=family, api=case.api, where=case.where, source=src.strip(), ok=ok,
                                stage=stage, why=why))
    finally:
        worker.close()
    bad = [r for r in results if r["stage"] in ("torch", "case", "probe")]
    scored = [r for r in results if r not in bad]
    print(f"converter: {args.mscore.resolve()}  ({time.time() - t0:.0f} s, {len(results)} snippets, "
          f"{len({r['api'] for r in results})} APIs)")
    fams = defaultdict(list)
    for r in scored:
        fams[r["family"]].append(r)
    for fam, rs in sorted(fams.items()):
        n = sum(r["ok"] for r in rs)
        print(f"  {fam:22s} {n:4d} / {len(rs):<4d} {100.0 * n / len(rs):5.1f} %")
    n = sum(r["ok"] for r in scored)
    print(f"  {'total':22s} {n:4d} / {len(scored):<4d} {100.0 * n / max(len(scored), 1):5.1f} %")
    if args.apis:
        apis = defaultdict(list)
        for r in scored:
            apis[r["api"]].append(r)
        print("per API (fail first):")
        for api, rs in sorted(apis.items(), key=lambda kv: (all(r["ok"] for r in kv[1]), kv[0])):
            n = sum(r["ok"] for r in rs)
            first = next((r["why"] for r in rs if not r["ok"]), "")
            print(f"  {'PASS' if n == len(rs) else 'FAIL'} {api:48s} {n}/{len(rs)}  {first[:150]}")
    if args.failures:
        for r in scored:
            if not r["ok"]:
                print(f"  FAIL {r['where']} {r['api']}: {r['source'].splitlines()[0][:70]!r}\n       {r['why']}")
    if bad:
        print(f"probe bugs (the torch side itself failed; not scored): {len(bad)}")
        for r in bad:
            print(f"  {r['where']} {r['api']}: {r['why'][:200]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
