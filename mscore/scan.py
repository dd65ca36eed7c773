"""``mscore scan DIR``: what a conversion of DIR would do, before converting it. Nothing is written.

Every torch / torch_npu API the tree uses (with counts), the rule's mapping status and why what is left is left,
the projected conversion rate, and the files that would keep a leftover torch reference, each with the number of
the tree's modules whose import it would block (from the import graph: a module that still imports torch fails
to import under MindSpore alone, and so does every module importing it).

The numbers are the converter's own: the scan runs the same engine as ``mscore convert`` (``tree.convert_tree``,
with the same cache) and keeps only the counts, so its projected rate is exactly the rate the conversion reports.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mscore import __version__

SCHEMA = 1
NO_RULE = "no_rule"
NOT_PARSED = "file_not_parsed"
# the order statuses are listed in (best first); "no_rule": no rule at all for a torch name the tree uses;
# "file_not_parsed": a file mentioning torch that does not decode or parse (the engine counts it as one
# unconverted reference, api "(whole file)", so the projected rate never claims what was not looked at)
STATUS_ORDER = ("consistent", "differing_args", "differing_defaults", "unsupported", NO_RULE, NOT_PARSED)


@dataclass
class ApiUse:
    api: str
    count: int                    # references in the tree
    converted: int
    unconverted: int
    status: str                   # the rule's status, or "no_rule"
    target: str                   # the rule's MindSpore target ("" when none)
    note: str                     # the rule's note ("" when none)
    reasons: list[str]            # why references were left (distinct, most frequent first)
    files: int                    # files using it

    @property
    def reason(self) -> str:
        """One line for a table: why it is left, else the rule's note."""
        return self.reasons[0] if self.reasons else self.note


@dataclass
class Leftover:
    path: str
    module: str
    unconverted: int
    apis: list[str]
    blocks: int                   # other modules of the tree whose import fails with this one's
    blocked_examples: list[str] = field(default_factory=list)   # up to 10 of them, sorted


@dataclass
class ScanResult:
    source: str
    profile: str
    rules_fingerprint: str
    seconds: float
    files: int
    python_files: int
    torch_files: int              # Python files with at least one torch reference
    unreadable: list[str]         # Python files the engine copies unchanged (undecodable / unparsable / error)
    apis: list[ApiUse]
    leftovers: list[Leftover]
    modules: int                  # modules in the import graph

    @property
    def references(self) -> int:
        return sum(a.count for a in self.apis)

    @property
    def converted(self) -> int:
        return sum(a.converted for a in self.apis)

    @property
    def unconverted(self) -> int:
        return sum(a.unconverted for a in self.apis)

    @property
    def rate(self) -> float:
        return 1.0 if not self.references else self.converted / self.references

    def by_status(self) -> dict[str, dict[str, int]]:
        out = {s: {"apis": 0, "references": 0, "unconverted": 0} for s in STATUS_ORDER}
        for a in self.apis:
            row = out.setdefault(a.status, {"apis": 0, "references": 0, "unconverted": 0})
            row["apis"] += 1
            row["references"] += a.count
            row["unconverted"] += a.unconverted
        return out

    def to_dict(self, *, timing: bool = True) -> dict:
        return {
            "schema": SCHEMA,
            "kind": "mscore-scan",
            "mscore_version": __version__,
            "source": self.source,
            "profile": self.profile,
            "rules_fingerprint": self.rules_fingerprint,
            **({"seconds": round(self.seconds, 3)} if timing else {}),
            "totals": {
                "files": self.files,
                "python_files": self.python_files,
                "torch_files": self.torch_files,
                "modules": self.modules,
                "apis": len(self.apis),
                "references": self.references,
                "converted": self.converted,
                "unconverted": self.unconverted,
                "projected_rate": round(self.rate, 6),
                "leftover_files": len(self.leftovers),
            },
            "by_status": self.by_status(),
            "apis": [asdict(a) for a in self.apis],
            "leftover_files": [asdict(x) for x in self.leftovers],
            "unreadable_files": self.unreadable,
        }

    def to_json(self, *, timing: bool = True) -> str:
        return json.dumps(self.to_dict(timing=timing), indent=2) + "\n"

    # -- rendering ------------------------------------------------------------------------------------------
    def render(self, console, *, top: int = 40, timing: bool = True) -> None:
        from rich.markup import escape
        from rich.table import Table

        took = f" in {self.seconds:.2f} s" if timing else ""
        console.print(f"[bold]mscore scan[/bold] {escape(self.source)}: {self.python_files} Python files, "
                      f"{self.torch_files} use torch; {len(self.apis)} torch APIs, {self.references} references"
                      f"{took}", highlight=False)
        console.print(f"projected conversion rate [bold]{100 * self.rate:.1f}%[/bold] "
                      f"({self.converted} converted, {self.unconverted} left)", highlight=False)
        counts = self.by_status()
        parts = [f"{_label(s)} {c['apis']} API{'s' * (c['apis'] != 1)} / {c['references']} refs"
                 for s, c in counts.items() if c["apis"]]
        console.print("by status: " + ", ".join(parts), highlight=False)
        if self.unreadable:
            console.print(f"copied unchanged (undecodable / unparsable): {', '.join(self.unreadable)}",
                          highlight=False, markup=False)
        if self.apis:
            t = Table(title="torch APIs used", title_justify="left")
            for col, just in (("API", "left"), ("uses", "right"), ("left", "right"), ("status", "left"),
                              ("reason / note", "left")):
                t.add_column(col, justify=just, overflow="fold")
            shown = self.apis if top <= 0 else self.apis[:top]
            for a in shown:
                t.add_row(escape(a.api), str(a.count), str(a.unconverted) if a.unconverted else "",
                          f"[{_STYLE.get(a.status, 'default')}]{_label(a.status)}[/]", escape(_short(a.reason)))
            console.print(t)
            if len(shown) < len(self.apis):
                console.print(f"... and {len(self.apis) - len(shown)} more APIs (--top 0 for all, --json for tools)")
        if self.leftovers:
            t = Table(title="files that would keep a torch leftover", title_justify="left")
            for col, just in (("file", "left"), ("left", "right"), ("blocks", "right"), ("APIs", "left")):
                t.add_column(col, justify=just, overflow="fold")
            shown_l = self.leftovers if top <= 0 else self.leftovers[:top]
            for x in shown_l:
                t.add_row(escape(x.path), str(x.unconverted), str(x.blocks), escape(_short(", ".join(x.apis))))
            console.print(t)
            if len(shown_l) < len(self.leftovers):
                console.print(f"... and {len(self.leftovers) - len(shown_l)} more files")
            console.print("blocks: other modules of the tree that import it, directly or not (their import fails "
                          "while it keeps torch)", highlight=False)


_STYLE = {"consistent": "green", "differing_args": "cyan", "differing_defaults": "yellow", "unsupported": "red",
          NO_RULE: "magenta", NOT_PARSED: "magenta"}


def _label(status: str) -> str:
    return {NO_RULE: "no rule", NOT_PARSED: "file not parsed"}.get(status, status.replace("_", " "))


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def scan(src: Path, *, rules=None, jobs: int = 0, cache_dir: Path | None = None, profile: str = "native",
         progress=None) -> ScanResult:
    """Scan ``src`` (a directory or one .py file) with the conversion engine; write nothing but the cache."""
    import time

    from mscore.importgraph import build_graph, module_name
    from mscore.rewrite.result import CONVERTED, NOT_PYTHON, RUNTIME, SKIPPED, UNCHANGED
    from mscore.tree import convert_tree

    t0 = time.perf_counter()

    kw = {"progress": progress} if progress is not None else {}
    result = convert_tree(Path(src), rules=rules, jobs=jobs, cache_dir=cache_dir, profile=profile, **kw)
    if rules is None:
        from mscore.rewrite.transforms import KNOWN
        from mscore.rules import load_rules

        rules = load_rules(known_transforms=KNOWN)
    seen: Counter = Counter()
    conv: Counter = Counter()
    files_per_api: Counter = Counter()
    reasons: dict[str, Counter] = {}
    py = [f for f in result.files if f.status not in (NOT_PYTHON, RUNTIME, SKIPPED)]   # the tree's own Python files
    for f in py:
        seen.update(f.seen)
        conv.update(f.converted)
        files_per_api.update(f.seen.keys())
        for u in f.unconverted:
            reasons.setdefault(u.api, Counter())[u.reason] += 1
    apis = []
    for api, n in seen.items():
        rule = rules.lookup(api)
        left = n - conv.get(api, 0)
        apis.append(ApiUse(
            api=api, count=n, converted=conv.get(api, 0), unconverted=left,
            status=rule.status if rule is not None else NOT_PARSED if api.startswith("(") else NO_RULE,
            target=(rule.target or "") if rule is not None else "", note=rule.note if rule is not None else "",
            reasons=[r for r, _ in sorted(reasons.get(api, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))],
            files=files_per_api[api]))
    apis.sort(key=lambda a: (-a.unconverted, -a.count, a.api))

    left_files = [f for f in py if f.unconverted]
    leftovers: list[Leftover] = []
    n_modules = 0
    if not result.single_file:
        base = result.root
        sources = {f.path: (base / f.path).read_bytes() for f in py
                   if f.path.endswith(".py") and (base / f.path).is_file()}
        graph = build_graph(sources)
        n_modules = len(graph.modules)
        rev = graph.importers()
        for f in left_files:
            mod = module_name(f.path)
            blocked = graph.blocked_by(mod, rev) if graph.modules.get(mod) == f.path else set()
            leftovers.append(Leftover(f.path, mod, len(f.unconverted), sorted({u.api for u in f.unconverted}),
                                      len(blocked), sorted(blocked)[:10]))
    else:
        n_modules = 1
        leftovers = [Leftover(f.path, module_name(f.path), len(f.unconverted),
                              sorted({u.api for u in f.unconverted}), 0) for f in left_files]
    leftovers.sort(key=lambda x: (-x.blocks, -x.unconverted, x.path))
    unreadable = [f.path for f in py if f.status not in (CONVERTED, UNCHANGED)]
    return ScanResult(
        source=str(src), profile=profile, rules_fingerprint=result.rules_fingerprint, seconds=time.perf_counter() - t0,
        files=sum(1 for f in result.files if f.status != RUNTIME), python_files=len(py),
        torch_files=sum(1 for f in py if f.seen),
        unreadable=unreadable, apis=apis, leftovers=leftovers, modules=n_modules)


# -- command line --------------------------------------------------------------------------------------------
def add_parser(sub) -> None:
    s = sub.add_parser(
        "scan", help="list the torch APIs a tree uses, how each maps, and what a conversion would leave",
        description=(
            "Before converting: every torch / torch_npu API used in SRC with counts, its mapping status and the "
            "reason for what is left, the projected conversion rate, and the files that would keep a torch leftover "
            "(with how many of the tree's modules each would block). Runs the converter's engine; writes nothing."),
    )
    s.add_argument("src", type=Path, help="directory or .py file to scan")
    s.add_argument("--json", action="store_true", help="print the scan as JSON (schema 1) instead of tables")
    s.add_argument("--top", type=int, default=40, help="rows per table on the console (0: all; default 40)")
    s.add_argument("--profile", choices=("native", "msadapter"), default="native",
                   help="which conversion to project (see 'mscore convert --help')")
    s.add_argument("--rules", type=Path, help="rule directory (default: the rules shipped with mscore)")
    s.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default 0: all cores)")
    s.add_argument("--cache-dir", type=Path, help="conversion cache (default: $MSCORE_CACHE_DIR or ~/.cache/mscore)")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the conversion cache")


def run(args, console, *, load_rules, user_error, cache_root) -> int:
    """``mscore scan``; ``load_rules``/``user_error``/``cache_root`` come from the CLI (one place for each)."""
    import sys

    if not args.src.exists():
        raise user_error(f"{args.src} does not exist")
    if args.jobs < 0:
        raise user_error("--jobs must be 0 (all cores) or more")
    rules = load_rules(args.rules)
    cache = None if args.no_cache else (args.cache_dir or cache_root()) / "convert"
    from mscore.progress import for_console

    with for_console(console, enabled=not args.json) as progress:
        progress.stage(f"scanning {args.src}")
        result = scan(args.src, rules=rules, jobs=args.jobs, cache_dir=cache, profile=args.profile,
                      progress=progress.files)
    if args.json:
        sys.stdout.write(result.to_json())
        return 0
    if not console.is_terminal:   # a pipe or a file: wide rows rather than wrapped cells
        from rich.console import Console

        console = Console(file=sys.stdout, width=200, highlight=False, color_system=None)
    result.render(console, top=args.top)
    return 0
