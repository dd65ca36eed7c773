"""``python -m mscore.backfill script.py [args...]`` / ``python -m mscore.backfill -m module [args...]``:
run a script or module with the CPU backfill enabled (no edit of the converted code needed)."""
from __future__ import annotations

import runpy
import sys


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m mscore.backfill SCRIPT [ARGS...] | -m MODULE [ARGS...]", file=sys.stderr)
        return 2 if not argv else 0
    from . import BackfillRefused, enable

    try:
        enable()
    except BackfillRefused as e:
        print(f"mscore.backfill: {e}", file=sys.stderr)
        return 2
    if argv[0] == "-m":
        if len(argv) < 2:
            print("mscore.backfill: -m needs a module name", file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
