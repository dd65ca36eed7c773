"""Fuzz the rewriter at length: ``python bench/fuzz.py [--examples N] [--rules shipped|wide|both] [--seed S]``.

Generates torch programs (tests/robustness/fuzz_programs.py) and checks each against the robustness contract
(tests/robustness/checks.py): no rewriter error, output compiles, second pass is a no-op, ``# KEEP`` lines kept.
Prints how many examples ran per rule set and every distinct failure (shrunk by hypothesis). Exit 1 on failure.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from mscore.rewrite.transforms import KNOWN  # noqa: E402
from mscore.rules import load_rules  # noqa: E402
from tests.robustness.checks import compiles, contract_problems, lines  # noqa: E402
from tests.robustness.fuzz_programs import Names, programs  # noqa: E402
from tests.robustness.wide_rules import wide_rules  # noqa: E402


def fuzz(rules, examples: int, rng_seed: int) -> tuple[int, int, str | None]:
    """(examples run, of which compiled, failure report or None)."""
    count = [0, 0]

    @seed(rng_seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(programs(Names.from_rules(rules)))
    def run(src):
        count[0] += 1
        data = src.encode()
        if not compiles(data):
            return
        count[1] += 1
        keep = [ln for ln in lines(data) if b"# KEEP" in ln]
        problems = contract_problems(data, rules, keep=keep)
        assert not problems, "; ".join(problems) + "\n--- program ---\n" + src

    try:
        run()
    except AssertionError as exc:
        return count[0], count[1], str(exc)
    return count[0], count[1], None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=1000, help="examples per rule set (default 1000)")
    ap.add_argument("--rules", choices=("shipped", "wide", "both"), default="both")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    sets = {}
    if args.rules in ("shipped", "both"):
        sets["shipped"] = load_rules(known_transforms=KNOWN)
    if args.rules in ("wide", "both"):
        sets["wide"] = wide_rules(Path(tempfile.mkdtemp(prefix="mscore-wide-")))
    failed = False
    total = 0
    for name, rules in sets.items():
        t0 = time.perf_counter()
        ran, compiled, failure = fuzz(rules, args.examples, args.seed)
        total += ran
        print(f"{name}: {ran} examples ({compiled} compiling programs checked) in {time.perf_counter() - t0:.0f}s, "
              f"seed {args.seed}: {'FAILED' if failure else 'ok'}")
        if failure:
            failed = True
            print(failure)
    print(f"total: {total} examples, {'failures found' if failed else 'no failure'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
