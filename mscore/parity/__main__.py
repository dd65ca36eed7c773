"""Look at parity cases without pytest: ``python -m mscore.parity show torch.cat:0 [--run]``.

``show`` prints a case's torch module and its conversion (with what the engine saw and left unconverted);
``--run`` also runs it through the harness (torch here, MindSpore in the worker) and prints the outcome.
``list`` prints the case ids (the same ids pytest uses: ``tests/parity/test_parity.py::test_parity[<id>]``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m mscore.parity", description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=Path, default=None, help="case directory (default tests/parity/cases)")
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="case ids, optionally only those whose id starts with PREFIX")
    ls.add_argument("prefix", nargs="?", default="")
    sh = sub.add_parser("show", help="a case (its id, e.g. torch.cat:0) or every case of an API (torch.cat)")
    sh.add_argument("ident")
    sh.add_argument("--run", action="store_true", help="run it and print the outcome")
    sh.add_argument("--device", default=None, help="CPU (default) or Ascend; also MSCORE_PARITY_DEVICE")
    args = p.parse_args(argv)

    from mscore.parity.collect import default_cases_dir, load_cases

    cases_dir = args.cases or default_cases_dir()
    if not cases_dir.is_dir():
        print(f"error: case directory {cases_dir} not found", file=sys.stderr)
        return 2
    entries = load_cases(cases_dir)
    if args.cmd == "list":
        for e in entries:
            if e.id.startswith(args.prefix):
                print(e.id + (f"  BROKEN: {e.error.splitlines()[0]}" if e.error else ""))
        return 0
    chosen = [e for e in entries if e.id == args.ident or (e.case is not None and e.case.api == args.ident)]
    if not chosen:
        print(f"error: no case {args.ident!r} (see: python -m mscore.parity list)", file=sys.stderr)
        return 2
    from mscore.parity.harness import convert_case, run_case
    from mscore.rules import load_rules

    rules = load_rules()
    worker = None
    failed = 0
    try:
        for e in chosen:
            print(f"=== {e.id}")
            if e.error:
                print(e.error)
                failed += 1
                continue
            if args.run:
                if worker is None:
                    from mscore.parity.worker import Worker

                    worker = Worker(args.device)
                outcome = run_case(e.case, worker, rules)
                failed += not outcome.passed
                print(outcome.report())
                continue
            converted, fr, problems = convert_case(e.case, rules)
            print(f"{e.case.label}\n--- torch source ---\n{e.case.torch_source()}--- converted source ---\n{converted}")
            if fr is not None:
                print(f"seen: {dict(fr.seen)}\nunconverted: " +
                      (", ".join(f"{u.api} (line {u.line}): {u.reason}" for u in fr.unconverted) or "nothing"))
            for prob in problems + e.case.problems():
                print(f"problem: {prob}")
    finally:
        if worker is not None:
            worker.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
