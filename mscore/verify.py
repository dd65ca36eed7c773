"""``mscore verify OUT``: does the converted tree import without torch?

Every module of OUT (a ``convert --repo`` output or a plain converted directory) is imported in a child process where
``torch`` / ``torch_npu`` cannot be imported and the CPU backfill is on, each with a timeout. Workers ("zygotes",
``_verify_zygote.py``) import MindSpore and common third-party packages once, then fork one child per module. A
failure is attributed to its root cause -- the innermost traceback frame inside OUT, the exception type and message --
and classed (imports torch, third-party needs torch, vendor-only package, missing third-party package, error,
timeout). Entry modules (the static import closure of the entry files in ``verify.toml``, plus ``--entry``) decide the
exit code. This module imports neither torch nor MindSpore; only the worker processes do.
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mscore.verify_causes import (  # noqa: F401 - the classes are part of this module's API
    C_ERROR, C_MISSING, C_TIMEOUT, C_TORCH, C_TP_TORCH, C_UNCONVERTED, C_VENDOR, Cause, classify)
from mscore.verify_workers import VerifyError, run_imports

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SCHEMA = 1
EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
DATA = Path(__file__).with_name("verify.toml")
SKIP_DIRS = {"tests"}
SKIP_FILES = {"setup.py"}


def load_data(path: Path = DATA) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


# ----------------------------------------------------------------------------------------------- the tree's modules
@dataclass(frozen=True)
class Module:
    name: str        # dotted name, or the file's stem for a root-level script
    repo: str
    path: Path       # absolute
    rel: str         # relative to OUT, posix
    script: bool
    root: Path       # the sys.path entry it is imported from
    shadowed_by: str | None = None   # rel of the module of the same dotted name earlier on sys.path

    @property
    def id(self) -> str:
        """Unique in a tree: the dotted name, or the path for a root-level script or a shadowed module."""
        return self.rel if self.script or self.shadowed_by else self.name


@dataclass
class Tree:
    out: Path
    roots: list[tuple[str, Path]]          # (repository name, sys.path entry), in sys.path order
    modules: list[Module]                  # the modules to import
    index: dict[str, Module]               # every importable dotted name (tests included), first root wins
    kind: str                              # "repo" or "dir"


def _roots_of(out: Path) -> tuple[list[tuple[str, Path]], str]:
    env, lock = out / "env.sh", out / "mscore.lock"
    names: list[str] = []
    if env.is_file():
        m = re.search(r'export PYTHONPATH="([^"]*)"', env.read_text(encoding="utf-8", errors="replace"))
        if m:
            names = re.findall(r'\$_mscore_out/([^:$"]+)', m.group(1))
    if not names and lock.is_file():
        try:
            with open(lock, "rb") as f:
                repos = tomllib.load(f).get("repo", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise VerifyError(f"{lock} is not readable: {exc}") from None
        names = [r["name"] for r in reversed(repos) if "name" in r]   # the lock lists dependencies first
    if names:
        missing = [n for n in names if not (out / n).is_dir()]
        if missing:
            raise VerifyError(f"{out} names repositories that are not there: {', '.join(missing)}")
        return [(n, (out / n).resolve()) for n in names], "repo"
    return [(out.name or str(out), out.resolve())], "dir"


def _has_python(d: Path) -> bool:
    return any(d.rglob("*.py"))


def _package_files(pkg_dir: Path, dotted: str, skipped: bool, include_tests: bool):
    """(dotted name, file, skipped) for a package and everything below it that Python imports as a module: regular
    subpackages and namespace subdirectories (identifier names, no ``__init__.py``) alike."""
    if (pkg_dir / "__init__.py").is_file():
        yield dotted, pkg_dir / "__init__.py", skipped
    for p in sorted(pkg_dir.iterdir()):
        if p.is_dir():
            if p.name.isidentifier() and ((p / "__init__.py").is_file() or _has_python(p)):
                yield from _package_files(p, f"{dotted}.{p.name}",
                                          skipped or (p.name in SKIP_DIRS and not include_tests), include_tests)
        elif p.suffix == ".py" and p.name != "__init__.py" and p.stem.isidentifier():
            yield f"{dotted}.{p.stem}", p, skipped


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _is_package_root(d: Path) -> bool:
    """A top-level package: a directory with ``__init__.py``, or a pure namespace directory (no Python file of its
    own, at least one regular package inside: Megatron-LM's ``megatron/``). Script directories (``tools/``,
    ``examples/``) are neither."""
    if not d.is_dir() or not d.name.isidentifier():
        return False
    if (d / "__init__.py").is_file():
        return True
    return not any(d.glob("*.py")) and any(d.glob("*/__init__.py"))


def load_tree(out: Path, *, include_tests: bool = False) -> Tree:
    out = Path(out)
    if not out.is_dir():
        raise VerifyError(f"{out} is not a directory (give a converted output)")
    roots, kind = _roots_of(out)
    out_abs = out.resolve()
    modules: list[Module] = []
    index: dict[str, Module] = {}
    for repo, root in roots:
        for p in sorted(root.iterdir()):
            if _is_package_root(p):
                skipped = p.name in SKIP_DIRS and not include_tests
                for name, path, skip in _package_files(p, p.name, skipped, include_tests):
                    path = path.resolve()
                    mod = Module(name, repo, path, path.relative_to(out_abs).as_posix(), False, root)
                    if name in index:
                        if _same_file(index[name].path, path):
                            continue   # an identical copy (mscore_rt in every repository): the same module
                        mod = Module(name, repo, path, mod.rel, False, root, shadowed_by=index[name].rel)
                    index.setdefault(name, mod)
                    if not skip:
                        modules.append(mod)
            elif p.is_file() and p.suffix == ".py" and p.name not in SKIP_FILES:
                path = p.resolve()
                modules.append(Module(p.stem, repo, path, path.relative_to(out_abs).as_posix(), True, root))
    if not modules:
        raise VerifyError(f"{out} holds no Python modules to import")
    return Tree(out_abs, roots, modules, index, kind)


# ----------------------------------------------------------------------------------------------- entry modules
def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, module: str, is_package: bool, functions: bool = False) -> list[str]:
    """Dotted names a file imports when it is imported -- at module level, in class bodies and under if / try /
    with (``if TYPE_CHECKING`` excepted) -- and, with ``functions``, inside its functions too; relative imports
    resolved."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return []
    names: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    todo = list(tree.body)
    while todo:   # statements only (an import is a statement): far fewer nodes than a full walk
        node = todo.pop()
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                if node.level - 1 > len(parts):
                    continue
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            if base:
                names.append(base)
            names.extend(f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*")
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not functions:
            continue
        else:
            for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, attr, None) or ():
                    if isinstance(child, (ast.stmt, ast.ExceptHandler, getattr(ast, "match_case", ast.ExceptHandler))):
                        todo.append(child)
    return names


def _console_script_modules(repo_dir: Path, script: str) -> list[str]:
    """``module`` of ``script = "module:func"`` in pyproject.toml [project.scripts] or setup.py entry_points."""
    found: list[str] = []
    pp = repo_dir / "pyproject.toml"
    if pp.is_file():
        try:
            with open(pp, "rb") as f:
                target = tomllib.load(f).get("project", {}).get("scripts", {}).get(script)
            if target:
                found.append(target.split(":")[0].strip())
        except (OSError, tomllib.TOMLDecodeError):
            pass
    sp = repo_dir / "setup.py"
    if not found and sp.is_file():
        m = re.search(rf"['\"]\s*{re.escape(script)}\s*=\s*([\w.]+)\s*:", sp.read_text(errors="replace"))
        if m:
            found.append(m.group(1))
    return found


def entry_modules(tree: Tree, extra: list[str], data: dict) -> tuple[set[str], list[str], list[str]]:
    """(entry module names, the entry sources used, warnings). Names are those of ``tree.modules``."""
    by_name = {m.id: m for m in tree.modules}
    by_path = {m.path: m for m in tree.modules}
    seeds: list[Module] = []
    sources: list[str] = []
    warnings: list[str] = []
    if tree.kind == "repo":
        for repo, root in tree.roots:
            spec = data.get("entries", {}).get(repo, {})
            for rel in spec.get("files", []):
                m = by_path.get((root / rel).resolve()) or _module_for_file(tree, (root / rel).resolve())
                if m is None:
                    warnings.append(f"entry file {repo}/{rel} is not in the output")
                else:
                    seeds.append(m)
                    sources.append(f"{repo}/{rel}")
            for script in spec.get("scripts", []):
                mods = _console_script_modules(root, script)
                if not mods:
                    warnings.append(f"console script {script} is not declared by {repo}")
                for name in mods:
                    m = tree.index.get(name)
                    if m is None:
                        warnings.append(f"console script {script} names {name}, not in the output")
                    else:
                        seeds.append(m)
                        sources.append(f"{script} ({name})")
    for name in extra:
        m = by_name.get(name) or tree.index.get(name)
        if m is None:
            p = (tree.out / name).resolve()
            m = by_path.get(p) or _module_for_file(tree, p)
        if m is None:
            raise VerifyError(f"--entry {name}: no such module or file in {tree.out}")
        seeds.append(m)
        sources.append(f"--entry {name}")
    # The entry files' own functions run (main(), model_provider()): their imports count at any depth; a module
    # they reach counts with what it imports when imported. Anything imported dynamically at import time is
    # covered by the entry module's own import.
    seed_ids = {m.id for m in seeds}
    closure: dict[str, Module] = {}
    todo = list(seeds)
    while todo:
        m = todo.pop()
        if m.id in closure:
            continue
        closure[m.id] = m
        deps = [] if m.script else [m.name.rpartition(".")[0]]   # importing a.b.c runs a and a.b first
        deps += _imports(m.path, m.name, m.path.name == "__init__.py", functions=m.id in seed_ids)
        for dotted in filter(None, deps):
            parts = dotted.split(".")
            for i in range(1, len(parts) + 1):
                dep = tree.index.get(".".join(parts[:i]))
                if dep is not None and dep.id not in closure:
                    todo.append(dep)
    return set(closure), sources, warnings


def _module_for_file(tree: Tree, path: Path) -> Module | None:
    for m in tree.index.values():
        if m.path == path:
            return m
    return None


@dataclass
class Verdict:
    tree: Tree
    results: dict[str, dict]
    causes: list[Cause]
    cause_of: dict[str, int]            # module name -> index into causes
    entries: set[str]
    entry_sources: list[str]
    warnings: list[str]
    info: dict
    seconds: float
    settings: dict

    @property
    def failed_entries(self) -> list[str]:
        return sorted(n for n in self.entries if n in self.cause_of)


def group(tree: Tree, results: dict[str, dict], data: dict) -> tuple[list[Cause], dict[str, int]]:
    by_key: dict[tuple, Cause] = {}
    for mod in tree.modules:
        raw = results.get(mod.id)
        if raw is None or raw.get("status") == "ok":
            continue
        c = classify(mod, raw, tree, data)
        key = (c.cls, c.package, c.file, c.line, c.type, c.message)
        by_key.setdefault(key, c).modules.append(mod.id)
    causes = sorted(by_key.values(), key=lambda c: (-len(c.modules), c.location, c.message))
    cause_of = {m: i for i, c in enumerate(causes) for m in c.modules}
    return causes, cause_of


def verify(out: Path, *, python: str | None = None, jobs: int = 2, timeout: float = 60.0, fork: bool = True,
           backfill: bool = True, include_tests: bool = False, entries: list[str] = (), preload=None,
           data: dict | None = None, progress=None) -> Verdict:
    t0 = time.perf_counter()
    data = data or load_data()
    tree = load_tree(out, include_tests=include_tests)
    entry_set, sources, warnings = entry_modules(tree, list(entries), data)
    names = {m.id for m in tree.modules}
    extra_mods = {m.id: m for m in tree.index.values()}
    for n in sorted(entry_set - names):   # an entry module outside the default selection (e.g. under tests/)
        tree.modules.append(extra_mods[n])
    preload = list(data.get("preload", ["mindspore"]) if preload is None else preload)
    preludes = {repo: list(spec.get("prelude", [])) for repo, spec in data.get("entries", {}).items()
                if any(r == repo for r, _ in tree.roots)}
    # an entry module is imported by the entry points, after their prelude, whichever repository holds it (only
    # repositories that declare entry points: another repository's prelude is what *its* scripts import first)
    entry_specs = data.get("entries", {})
    entry_prelude = [name for repo in preludes for name in preludes[repo]
                     if entry_specs[repo].get("files") or entry_specs[repo].get("scripts")]
    preludes.update({n: entry_prelude for n in entry_set})
    results, info = run_imports(tree, python=python or sys.executable, jobs=jobs, timeout=timeout, fork=fork,
                                backfill=backfill, preload=preload, progress=progress, preludes=preludes)
    causes, cause_of = group(tree, results, data)
    settings = {"python": python or sys.executable, "jobs": jobs, "timeout": timeout,
                "mode": "fork" if fork and hasattr(os, "fork") else "subprocess", "backfill": backfill,
                "include_tests": include_tests}
    return Verdict(tree, results, causes, cause_of, entry_set, sources, warnings, info,
                   time.perf_counter() - t0, settings)


# ----------------------------------------------------------------------------------------------- output
def repo_rows(v: Verdict) -> list[dict]:
    rows = []
    for repo, root in v.tree.roots:
        mods = [m for m in v.tree.modules if m.repo == repo]
        ok = sum(1 for m in mods if m.id not in v.cause_of)
        # modules whose root cause is a vendor-only package (transformer_engine, faiss, ...): not the converter's
        # to fix; the second rate is over the modules that could import on this machine's package set
        vendor = sum(1 for m in mods if m.id in v.cause_of and v.causes[v.cause_of[m.id]].cls == C_VENDOR)
        rest = len(mods) - vendor
        rows.append({"name": repo, "root": str(root), "modules": len(mods), "importable": ok,
                     "rate": round(ok / len(mods), 4) if mods else None, "vendor_only": vendor,
                     "rate_without_vendor_only": round(ok / rest, 4) if rest else None})
    return rows


def to_json(v: Verdict) -> dict:
    from mscore import __version__

    rows = repo_rows(v)
    total = sum(r["modules"] for r in rows)
    ok = sum(r["importable"] for r in rows)
    failed_entries = v.failed_entries
    causes = []
    for i, c in enumerate(v.causes):
        causes.append({"id": i, "class": c.cls, "package": c.package, "location": c.location, "file": c.file,
                       "line": c.line, "type": c.type, "message": c.message, "count": len(c.modules),
                       "entry_count": sum(1 for m in c.modules if m in v.entries), "modules": sorted(c.modules)})
    by_class = Counter()
    for c in v.causes:
        by_class[c.cls] += len(c.modules)
    modules = []
    for m in sorted(v.tree.modules, key=lambda m: (m.repo, m.id)):
        raw = v.results.get(m.id, {})
        modules.append({"id": m.id, "name": m.name, "repo": m.repo, "path": m.rel, "script": m.script,
                        "ok": m.id not in v.cause_of, "entry": m.id in v.entries, "status": raw.get("status"),
                        "seconds": raw.get("seconds"), "cause": v.cause_of.get(m.id)})
    return {
        "schema": SCHEMA, "mscore_version": __version__, "out": str(v.tree.out), "kind": v.tree.kind,
        "seconds": round(v.seconds, 3), "settings": v.settings, "worker": v.info,
        "sys_path": [str(r) for _, r in v.tree.roots],
        "repos": rows,
        "totals": {"modules": total, "importable": ok, "failed": total - ok,
                   "rate": round(ok / total, 4) if total else None, "by_class": dict(by_class.most_common())},
        "entry": {"sources": v.entry_sources, "modules": len(v.entries),
                  "importable": len(v.entries) - len(failed_entries), "failed": failed_entries,
                  "ok": not failed_entries, "warnings": v.warnings},
        "causes": causes,
        "modules": modules,
    }


def render(v: Verdict, console, top: int = 25) -> None:
    from rich.table import Table

    console.print(f"mscore verify {v.tree.out}", soft_wrap=True, markup=False)
    t = Table()
    for col, just in (("repository", "left"), ("importable", "right"), ("total", "right"), ("%", "right"),
                      ("vendor-only", "right"), ("% without vendor-only", "right")):
        t.add_column(col, justify=just)

    def pct(ok, n):
        return f"{100 * ok / n:.1f}" if n else "-"
    rows = repo_rows(v)
    for r in rows:
        t.add_row(r["name"], str(r["importable"]), str(r["modules"]), pct(r["importable"], r["modules"]),
                  str(r["vendor_only"]), pct(r["importable"], r["modules"] - r["vendor_only"]))
    if len(rows) > 1:
        tot, ok = sum(r["modules"] for r in rows), sum(r["importable"] for r in rows)
        vendor = sum(r["vendor_only"] for r in rows)
        t.add_row("total", str(ok), str(tot), pct(ok, tot), str(vendor), pct(ok, tot - vendor), style="bold")
    console.print(t)
    failed = v.failed_entries
    if v.entries:
        console.print(f"entry modules: {len(v.entries) - len(failed)} / {len(v.entries)} import "
                      f"(from {', '.join(v.entry_sources)})", soft_wrap=True, markup=False)
    else:
        console.print("entry modules: none (give --entry MODULE)")
    for w in v.warnings:
        console.print(f"warning: {w}", soft_wrap=True, markup=False)
    if v.causes:
        # one line per cause, never wrapped or cropped (CI logs keep the whole message)
        shown = v.causes if top <= 0 else v.causes[:top]
        rows = [(str(len(c.modules)), str(sum(1 for m in c.modules if m in v.entries) or ""), c.label, c.location,
                 f"{c.type}: {c.message}") for c in shown]
        head = ("modules", "entry", "class", "where", "error")
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
        console.print(f"{len(v.causes)} root causes, by modules taken down:", style="bold")

        def line(r):
            return (f"{r[0]:>{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:<{widths[3]}}  "
                    f"{r[4]}").rstrip()
        console.print(line(head), style="bold", soft_wrap=True, markup=False)
        for r in rows:
            console.print(line(r), soft_wrap=True, markup=False)
        if len(shown) < len(v.causes):
            console.print(f"... and {len(v.causes) - len(shown)} more causes (--top 0 or --json for all)")
    mode = v.settings["mode"]
    console.print(f"{len(v.tree.modules)} modules in {v.seconds:.1f} s ({mode}, {v.settings['jobs']} workers, "
                  f"MindSpore {v.info.get('mindspore', '-')}, backfill {v.info.get('backfill', '-')})")


# ----------------------------------------------------------------------------------------------- CLI
def add_verify_arguments(sub) -> None:
    p = sub.add_parser(
        "verify", help="import every module of a converted output with torch absent; report causes",
        description=("Import every module of OUT (a 'convert --repo' output or a converted directory) in worker "
                     "processes where torch and torch_npu cannot be imported and the CPU backfill is on. Prints "
                     "importable / total per repository and the failures grouped by root cause. Exit 0 when every "
                     "entry module imports, 1 when one does not (or, with --strict, when anything fails), 2 on bad "
                     "input."))
    p.add_argument("out", type=Path, help="converted output directory")
    p.add_argument("--python", help="interpreter for the workers (default: this one); it needs mindspore and the "
                                    "tree's third-party packages")
    p.add_argument("--jobs", "-j", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per module (default 60)")
    p.add_argument("--entry", action="append", default=[], metavar="MOD",
                   help="an entry module (dotted name or path relative to OUT); repeatable")
    p.add_argument("--include-tests", action="store_true", help="also import modules under tests/ packages")
    p.add_argument("--strict", action="store_true", help="exit 1 when any module fails, not only entry modules")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help="write the JSON result (schema: docs/verify.md) to FILE, or to stdout instead of the table")
    p.add_argument("--top", type=int, default=25, help="causes shown in the table (0: all; default 25)")
    p.add_argument("--no-fork", action="store_true", help="one fresh process per module instead of forking "
                                                          "a warm worker (slower; for platforms without fork)")
    p.add_argument("--no-backfill", action="store_true", help="do not switch the CPU backfill on")
    p.add_argument("--preload", action="append", metavar="MOD",
                   help="packages each worker imports once before forking (default: the list in verify.toml)")


def run_verify(args, console) -> int:
    if args.jobs < 1:
        raise VerifyError("--jobs must be 1 or more")
    if args.timeout <= 0:
        raise VerifyError("--timeout must be positive")
    if args.python and not (os.path.isfile(args.python) and os.access(args.python, os.X_OK)):
        raise VerifyError(f"--python {args.python} is not an executable file")
    to_stdout = args.json == "-"
    preload = None if args.preload is None else [p for p in args.preload if p]
    kw = dict(python=args.python, jobs=args.jobs, timeout=args.timeout, fork=not args.no_fork,
              backfill=not args.no_backfill, include_tests=args.include_tests, entries=args.entry, preload=preload)
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("", total=None)

            def progress(mod, msg, total):
                bar.update(task, advance=1, total=total, description=mod.id)

            v = verify(args.out, progress=progress, **kw)
    else:
        v = verify(args.out, **kw)
    doc = to_json(v)
    if args.json:
        text = json.dumps(doc, indent=1) + "\n"
        if to_stdout:
            sys.stdout.write(text)
        else:
            try:
                Path(args.json).write_text(text)
            except OSError as exc:
                raise VerifyError(f"cannot write --json {args.json}: {exc.strerror or exc}") from None
    if not to_stdout:
        render(v, console, top=args.top)
    if v.failed_entries:
        if not to_stdout:
            console.print(f"FAIL: {len(v.failed_entries)} entry modules do not import")
        return EXIT_FAIL
    if args.strict and v.cause_of:
        if not to_stdout:
            console.print(f"--strict: {len(v.cause_of)} modules do not import")
        return EXIT_FAIL
    return EXIT_OK
