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
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD_PRELUDE = r"""
import importlib.abc, sys
class _B(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torch_npu"):
            raise ImportError(f"{name} is blocked")
sys.meta_path.insert(0, _B())
"""


def _cases(only: str | None):
    from mscore.parity.collect import load_cases
    from mscore.parity.jit_check import eligible

    rx = re.compile(only) if only else None
    return [e for e in load_cases() if e.case is not None and eligible(e.case) and (rx is None or rx.search(e.id))]


def child(args) -> int:
    """Runs the cases from index ``--start`` on; one JSON line per case ("begin" first, so a crash is attributable)."""
    import mindspore as ms

    import mscore.backfill as backfill

    import mscore.runtime

    ms.set_device("CPU")
    backfill.enable()
    sys.modules.setdefault("mscore_rt", mscore.runtime)  # as the parity worker: converted code imports mscore_rt
    from mscore.parity.harness import convert_case
    from mscore.parity.jit_check import check, jit_function_source
    from mscore.rules import load_rules

    rules = load_rules()
    entries = _cases(args.only)
    with open(args.out, "a") as out:
        for i in range(args.start, len(entries)):
            e = entries[i]
            out.write(json.dumps({"begin": i, "id": e.id}) + "\n")
            out.flush()
            converted, _, problems = convert_case(e.case, rules)
            src = None if problems else jit_function_source(converted, e.case.input_names())
            if src is None:
                r = {"status": "eager", "detail": "; ".join(problems) or "not an expression after conversion"}
            else:
                r = check(src, e.case.make_inputs(), mode=args.mode, atol=max(e.case.atol, 1e-5),
                          rtol=max(e.case.rtol, 1e-5))
            out.write(json.dumps({"index": i, "id": e.id, "api": e.case.api, "snippet": e.case.snippet, **r}) + "\n")
            out.flush()
    return 0


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip() and not ln.startswith("[WARNING]")]
    return lines[-1][:200] if lines else ""


def run_all(mode: str, only: str | None) -> list[dict]:
    n = len(_cases(only))
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="jit-coverage-") as tmp:
        log = os.path.join(tmp, "results.jsonl")
        start = 0
        while start < n:
            cmd = [sys.executable, "-c", CHILD_PRELUDE + "import runpy; sys.argv = sys.argv[1:]; "
                   "runpy.run_path(sys.argv[0], run_name='__main__')", __file__, "--child", "--start", str(start),
                   "--mode", mode, "--out", log] + (["--only", only] if only else [])
            proc = subprocess.run(cmd, cwd=tmp, env=dict(os.environ, GLOG_v="4"), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            last_begin = None
            with open(log) as f:
                for line in f:
                    rec = json.loads(line)
                    if "begin" in rec:
                        last_begin = rec
                    else:
                        results[rec["index"]] = rec
            if len(results) >= n:
                break
            # the worker died inside a case: record it, go on after it
            crashed = last_begin["begin"] if last_begin and last_begin["begin"] not in results else start
            results[crashed] = {"index": crashed, "id": last_begin["id"] if last_begin else "?", "api": "?",
                                "snippet": "", "status": "crash",
                                "detail": f"the MindSpore process died ({proc.returncode}): {_last_line(proc.stderr)}"}
            start = crashed + 1
    return [results[i] for i in sorted(results)]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("ast", "bytecode"), default="ast")
    p.add_argument("--only", help="regex over case ids (api:n)")
    p.add_argument("--json")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)
    t0 = time.perf_counter()
    results = run_all(args.mode, args.only)
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
