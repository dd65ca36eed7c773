"""``python -m mscore.pipeline --repo NAME ...``: the repository pipeline on its own (same options as
``mscore convert --repo``)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mscore.pipeline.errors import PipelineError
from mscore.pipeline.run import add_repo_arguments, run_from_args


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mscore.pipeline",
                                description="Convert a known repository stack (like mscore convert --repo).")
    add_repo_arguments(p)
    p.add_argument("--rules", type=Path, help="rule directory (default: the rules shipped with mscore)")
    p.add_argument("--quiet", "-q", action="store_true")
    args = p.parse_args(argv)
    if not args.repo:
        p.error("--repo NAME is required")
    try:
        return run_from_args(args, None)
    except PipelineError as exc:
        print(f"mscore: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
