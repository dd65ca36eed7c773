"""How much converted code compiles under ``mindspore.jit``: every expression parity case (tests/parity/cases),
converted by mscore, run eagerly and jitted (ast or bytecode capture) in a MindSpore process with torch blocked and
the CPU backfill on, and the two results compared (``mscore/parity/jit_check.py``).

    python bench/jit_coverage.py [--mode ast|bytecode] [--only REGEX] [--json out.json] [--top 25]

Prints the count per status (ok / compile / differs / eager), the most frequent first error lines, and the APIs
with a failing case. A case that kills the worker (a crash inside MindSpore) is recorded as ``crash`` and the run
goes on with the next case. Takes a few minutes: each case is compiled once.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("ast", "bytecode"), default="ast")
    p.add_argument("--only", help="regex over case ids (api:n)")
    p.add_argument("--json")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    from mscore.parity.jit_check import run_cases

    t0 = time.perf_counter()
    results = run_cases(args.mode, args.only)
    counts = collections.Counter(r["status"] for r in results)
    jittable = counts["ok"] + counts["compile"] + counts["differs"] + counts["crash"]
    print(f"jit[{args.mode}] over {len(results)} converted expression cases in {time.perf_counter() - t0:.0f} s")
    for s in ("ok", "compile", "differs", "crash", "eager"):
        print(f"  {s:8} {counts[s]:5}")
    if jittable:
        print(f"  compiles and matches PyNative: {counts['ok']}/{jittable} ({100 * counts['ok'] / jittable:.1f} %)"
              " of the cases whose eager run works")
    reasons = collections.Counter(re.sub(r"0x[0-9a-f]+|\d+", "N", r["detail"])[:140]
                                  for r in results if r["status"] in ("compile", "differs", "crash"))
    print(f"\nmost frequent first lines ({len(reasons)} distinct):")
    for text, k in reasons.most_common(args.top):
        print(f"  {k:4}  {text}")
    apis = collections.Counter(r["api"] for r in results if r["status"] in ("compile", "differs", "crash"))
    print(f"\nAPIs with a failing case ({len(apis)}): " + ", ".join(f"{a} ({k})" for a, k in apis.most_common()))
    if args.json:
        Path(args.json).write_text(json.dumps({"mode": args.mode, "counts": dict(counts), "results": results},
                                              indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
