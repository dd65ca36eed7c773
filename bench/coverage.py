"""Native coverage of the real stack's torch usage by rules proven with parity cases.

    python bench/coverage.py [--csv PATH] [--top 300] [--missing 40]

Prints the reference-weighted percentage of the top rows of torch_api_usage_mindspeed_mm_stack.csv whose API has a
rule that is not `unsupported` and at least one parity case expected to pass, then the missing rows by weight.
Rules listed in a case module's COVERED_ELSEWHERE count as proven by those tests. Cases are counted, not run; with --junit (a `pytest tests/parity --junitxml=FILE` report) only cases that passed
in that run count (and COVERED_ELSEWHERE tests must have passed in it).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mscore.parity import coverage as cv  # noqa: E402
from mscore.parity.collect import default_cases_dir, load_cases, load_elsewhere  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/coverage.py", description=__doc__.splitlines()[0])
    p.add_argument("--csv", type=Path, help=f"usage csv (default: ../shared/data/{cv.CSV_NAME} from the repo root)")
    p.add_argument("--top", type=int, default=cv.DEFAULT_TOP, help="rows counted (default %(default)s)")
    p.add_argument("--rules", type=Path, default=None, help="rule directory (default: rules/)")
    p.add_argument("--cases", type=Path, default=None, help="parity case directory (default: tests/parity/cases)")
    p.add_argument("--exclusions", type=Path, default=None, help="default: rules/coverage/exclusions.toml")
    p.add_argument("--junit", type=Path, default=None,
                   help="count only cases that passed in this parity run (pytest tests/parity --junitxml=FILE)")
    p.add_argument("--missing", type=int, default=40, help="missing rows listed (0: all; default %(default)s)")
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of tables")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.top <= 0:
        print("error: --top must be positive", file=sys.stderr)
        return 2
    from mscore.rules import RuleFileError, load_rules

    try:
        csv_path = args.csv or cv.find_usage_csv()
        if csv_path is None:
            raise cv.CoverageInputError(f"{cv.CSV_NAME} not found beside the checkout (../shared/data); pass --csv")
        rows = cv.read_usage_csv(csv_path, args.top)
        exclusions = cv.load_exclusions(args.exclusions or cv.default_exclusions_path())
        rules = load_rules(args.rules)
        entries = load_cases(args.cases or default_cases_dir())
        elsewhere, _ = load_elsewhere(args.cases or default_cases_dir())
        junit = cv.read_junit(args.junit) if args.junit else None
    except (cv.CoverageInputError, RuleFileError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    broken = [e for e in entries if e.error]
    cov = cv.compute(rows, rules, entries, exclusions, elsewhere=elsewhere, junit=junit)
    if args.json:
        print(json.dumps({
            "csv": str(csv_path), "top": len(rows), "percent": round(cov.percent, 2), "covered": cov.covered,
            "total": cov.total, "cases": "passed in " + str(args.junit) if args.junit else "present (not run)",
            "excluded": [r.row.api for r in cov.excluded()],
            "missing": [{"api": r.row.api, "count": r.row.count, "status": r.status} for r in cov.missing()],
            "broken_case_modules": sorted({e.module for e in broken}),
        }, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    con = Console() if sys.stdout.isatty() else Console(width=140)
    con.print(f"[bold]native coverage: {cov.percent:.1f}%[/bold] of {cov.total:,} references "
              f"({cov.covered:,} covered) in the top {len(rows)} rows of {csv_path.name}"
              + (f"; {len(cov.excluded())} rows excluded" if cov.excluded() else "")
              + (f"; cases that passed in {args.junit}" if args.junit else "; cases counted, not run (see --junit)"))
    counts: dict[str, list[int]] = {}
    for r in cov.rows:
        c = counts.setdefault(r.status, [0, 0])
        c[0] += 1
        c[1] += r.row.count
    con.print("rows: " + "; ".join(f"{status} {n} ({refs:,} refs)" for status, (n, refs) in
                                   sorted(counts.items(), key=lambda kv: -kv[1][1])))
    if broken:
        con.print(f"[red]{len(broken)} broken case module entr(ies) ignored:[/red] "
                  + ", ".join(sorted({e.module for e in broken})))
    missing = cov.missing()
    shown = missing if args.missing == 0 else missing[: args.missing]
    table = Table(title=f"missing rows by weight ({len(shown)} of {len(missing)})")
    for col, just in (("#", "right"), ("api", "left"), ("refs", "right"), ("% of total", "right"),
                      ("kind", "left"), ("why", "left")):
        table.add_column(col, justify=just, no_wrap=col in ("api", "refs", "kind"))
    for i, r in enumerate(shown, start=1):
        share = 100.0 * r.row.count / cov.total if cov.total else 0.0
        why = r.status + (f": {r.detail}" if r.status in (cv.UNSUPPORTED, cv.FAILING) and r.detail else "")
        table.add_row(str(i), r.row.api, f"{r.row.count:,}", f"{share:.2f}", r.row.kind, why)
    con.print(table)
    if cov.excluded():
        ex = Table(title="excluded rows (not torch)")
        ex.add_column("api", no_wrap=True)
        ex.add_column("refs", justify="right")
        ex.add_column("reason")
        for r in cov.excluded():
            ex.add_row(r.row.api, f"{r.row.count:,}", r.detail)
        con.print(ex)
    return 0


if __name__ == "__main__":
    sys.exit(main())
