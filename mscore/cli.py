"""``mscore`` command line: argument parsing, console output, exit codes. Nothing below imports this module.

Exit codes: 0 success; 1 ``--strict`` and something was left unconverted; 2 bad input (one line on stderr).
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

from mscore import __version__
from mscore.outdir import default_cache_dir  # noqa: F401  (one home: mscore.outdir; re-exported for callers)

EXIT_OK, EXIT_STRICT, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are bad input like any other: one line on stderr, exit 2 (``--help`` shows the usage)."""

    def error(self, message: str):
        self.exit(EXIT_ERROR, f"mscore: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 (all cores) or more")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="mscore",
        description="Convert PyTorch / torch_npu source code into MindSpore source code.",
        epilog="Run 'mscore COMMAND --help' for a command's options.",
    )
    p.add_argument("--version", action="version", version=f"mscore {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser(
        "convert",
        help="convert a file or directory of PyTorch code (or a known repository stack with --repo)",
        description=(
            "Convert SRC (a directory or one .py file) into DST: converted .py files, every other file copied, "
            "a report on the console and in DST/mscore-report.json. SRC is never modified. With --repo, fetch a "
            "known repository and its dependencies at pinned refs and write a reviewable training tree."
        ),
    )
    c.add_argument("src", nargs="?", type=Path, help="directory or .py file to convert (omit with --repo)")
    c.add_argument("--out", "-o", type=Path, help="output directory (or file, for a single .py SRC)")
    c.add_argument("--dry-run", action="store_true", help="print the unified diff; write nothing")
    c.add_argument("--jobs", "-j", type=_positive_int, default=0, help="worker processes (default 0: all cores)")
    c.add_argument("--strict", action="store_true", help="exit 1 if anything was left unconverted")
    c.add_argument("--report", type=Path, help="also write the JSON report here")
    c.add_argument("--profile", choices=("native", "msadapter"), default="native",
                   help="native (default): stock MindSpore only; msadapter: leave what has no rule for the "
                        "MSAdapter torch shim (MindSpeed-Core-MS compatible)")
    c.add_argument("--rules", type=Path, help="rule directory (default: the rules shipped with mscore)")
    c.add_argument("--cache-dir", type=Path, help="conversion cache (default: $MSCORE_CACHE_DIR or ~/.cache/mscore)")
    c.add_argument("--no-cache", action="store_true", help="do not read or write the conversion cache")
    c.add_argument("--force", action="store_true",
                   help="replace an mscore output even though files in it were added or changed since mscore wrote "
                        "it (they are lost); never a directory that is not an mscore output")
    c.add_argument("--quiet", "-q", action="store_true", help="print only errors and the one-line summary")
    try:
        from mscore.pipeline.run import add_repo_arguments
    except ImportError:  # pragma: no cover - the pipeline package is optional during development
        add_repo_arguments = None
    if add_repo_arguments is not None:
        add_repo_arguments(c)

    r = sub.add_parser("rules", help="check or inspect the rule files",
                       description="Validate the rule files, or show the rule for one torch API.")
    r.add_argument("action", choices=("check", "show"), help="check: validate and summarise; show: print one rule")
    r.add_argument("api", nargs="?", help="with show: the torch API, e.g. torch.cat or Tensor.view")
    r.add_argument("--rules", type=Path, help="rule directory (default: the rules shipped with mscore)")

    from mscore.verify import add_verify_arguments
    add_verify_arguments(sub)
    return p


def _load_rules(path: Path | None):
    from mscore.rewrite.transforms import KNOWN
    from mscore.rules import load_rules

    if path is not None and not path.is_dir():
        raise UserError(f"--rules {path} is not a directory of rule files")
    return load_rules(path, known_transforms=KNOWN)


def cmd_rules(args, console) -> int:
    rules = _load_rules(args.rules)
    if args.action == "check":
        from collections import Counter

        c = Counter(r.status for r in rules.all())
        console.print(f"{len(rules)} rules OK: " + ", ".join(f"{n} {s}" for s, n in sorted(c.items())))
        return EXIT_OK
    if not args.api:
        raise UserError("rules show needs an API name, e.g. 'mscore rules show torch.cat'")
    rule = rules.apis.get(args.api)
    if rule is None and "." in args.api:
        kind, name = args.api.split(".", 1)
        rule = {"Tensor": rules.tensor_methods, "Module": rules.module_methods}.get(kind, {}).get(name)
    if rule is None:
        raise UserError(f"no rule for {args.api!r}")
    for key in ("api", "status", "target", "sig", "target_sig", "rename", "drop", "unsupported_args", "defaults",
                "transform", "note", "where"):
        value = getattr(rule, key)
        if key in ("sig", "target_sig") and value is not None:
            value = value.text
        if value not in (None, {}, (), ""):
            console.print(f"{key:>16}: {value}", highlight=False, markup=False)
    return EXIT_OK


class UserError(Exception):
    pass


def _check_side_paths(args) -> None:
    """--report and --cache-dir, checked before anything is read or written: never inside (or at) SRC or inside
    DST (DST is replaced whole), and --report a regular file in a writable place."""
    from mscore.outdir import OutDirError, check_file_target, check_not_inside

    inputs = [args.src] if args.src is not None else []
    outputs = [args.out] if args.out is not None and args.src is not None and args.src.is_dir() else []
    try:
        if args.report is not None:
            check_file_target(args.report, "--report")
            check_not_inside(args.report, inputs, "--report")
            check_not_inside(args.report, outputs, "--report", output=True)
        if args.cache_dir is not None and not args.no_cache:
            check_not_inside(args.cache_dir, inputs, "--cache-dir")
            check_not_inside(args.cache_dir, outputs, "--cache-dir", output=True)
    except OutDirError as exc:
        raise UserError(str(exc)) from None


def cmd_convert(args, console) -> int:
    if getattr(args, "repo", None):
        if args.src is not None:
            raise UserError("give either SRC or --repo, not both")
        from mscore.pipeline.run import run_from_args   # before the engine import: a no-op re-run stays fast

        return run_from_args(args, console)
    from mscore.outdir import PendingFile
    from mscore.report import Report
    from mscore.tree import check_destination, check_source, convert_tree, write_tree

    if args.src is None:
        raise UserError("nothing to convert: give SRC (a directory or .py file) or --repo NAME")
    check_source(args.src)
    if not args.dry_run and args.out is None:
        raise UserError("give --out DST (or --dry-run to see the diff)")
    if args.out is not None:
        check_destination(args.src, args.out)
    _check_side_paths(args)
    rules = _load_rules(args.rules)
    cache = None if args.no_cache else (args.cache_dir or default_cache_dir()) / "convert"
    result = convert_tree(args.src, rules=rules, jobs=args.jobs, cache_dir=cache, profile=args.profile)
    report = Report.build(str(args.src), result.files, profile=args.profile, rules_fingerprint=rules.fingerprint,
                          seconds=result.seconds)
    if args.dry_run:
        for f in result.changed():
            before = (result.root.parent if result.single_file else result.root) / f.path
            a = before.read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
            b = f.output.decode("utf-8", "replace").splitlines(keepends=True)
            sys.stdout.writelines(difflib.unified_diff(a, b, f"a/{f.path}", f"b/{f.path}"))
    pending = None
    if args.report:   # written in full first, put in place once DST is: a failure leaves both as they were
        try:
            pending = PendingFile(args.report, report.to_json())
        except OSError as exc:
            raise UserError(f"cannot write --report {args.report}: {exc.strerror or exc}") from None
    try:
        if not args.dry_run:
            write_tree(result, args.out, report_json=report.to_json(), force=args.force)
        if pending is not None:
            pending.commit()
    except OSError as exc:
        raise UserError(f"cannot write --report {args.report}: {exc.strerror or exc}") from None
    finally:
        if pending is not None:
            pending.discard()
    if args.quiet:
        console.print(f"{report.converted}/{report.references} torch references converted ({100 * report.rate:.1f}%)")
    else:
        report.render(console)
    if args.strict and report.unconverted:
        console.print(f"--strict: {report.unconverted} torch references left unconverted")
        return EXIT_STRICT
    return EXIT_OK


class _Terminated(KeyboardInterrupt):
    """SIGTERM / SIGHUP, raised in the main thread so that the clean-up of an interrupted run happens (the staging
    directory removed, pool workers terminated) exactly as for Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, _frame):
    raise _Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(stderr=bool(getattr(args, "dry_run", False)), highlight=False)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    import signal

    restore = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
            restore[sig] = signal.signal(sig, _on_signal)
    try:
        if args.command == "rules":
            return cmd_rules(args, console)
        if args.command == "verify":
            from mscore.verify import run_verify
            return run_verify(args, console)
        return cmd_convert(args, console)
    except KeyboardInterrupt as exc:
        print("mscore: interrupted (the output is either the previous one or the complete new one)", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, _Terminated) else 130
    except Exception as exc:
        if not _is_user_error(exc):
            raise
        print(f"mscore: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        for sig, handler in restore.items():   # (main() may be called in a longer-lived process)
            signal.signal(sig, handler)


def _is_user_error(exc: Exception) -> bool:
    from mscore.rules import RuleFileError
    from mscore.tree import TreeError

    names = {"PipelineError", "VerifyError", "OutDirError"}
    return isinstance(exc, (UserError, RuleFileError, TreeError)) or type(exc).__name__ in names
