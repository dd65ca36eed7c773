"""``mscore convert --repo NAME``: fetch a known repository and its dependencies at pinned refs, convert them, apply
launch-script conversion and hand-written patches, and write a reviewable output directory.

Output (``--out``, default ./mscore-out)::

    <repo>/             git repository: branch 'upstream' = pristine tree at the pinned commit,
                        branch 'mscore' (checked out) = the converted tree on top of it
    patches/<repo>.patch  git diff upstream..mscore (binary-safe; ``git apply`` accepts it on the upstream tree)
    mscore.lock         resolved commits, fingerprints and the inputs digest (a re-run with the same inputs is a no-op)
    report.json, report.txt, README.md, env.sh
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mscore import __version__, code_digest
from mscore.outdir import Staging, default_cache_dir, resolve_destination, write_file_atomic
from mscore.pipeline import output as outmod
from mscore.pipeline.errors import PipelineError
from mscore.pipeline.fetch import Fetched, fetch, parse_sources, resolve_cached, resolve_url
from mscore.pipeline.fetch import mirror_dir as _mirror_dir
from mscore.pipeline.launch import convert_script
from mscore.pipeline.manifest import RepoSpec, load_manifest, patches_digest
from mscore.pipeline.patches import apply_all
from mscore.progress import NullProgress
from mscore.progress import for_console as progress_for
from mscore.rewrite import PROFILES

# Bump when the pipeline's own output changes for the same inputs (launch-script mapping, layout, messages).
PIPELINE_VERSION = "1"

DEFAULT_OUT = Path("mscore-out")
TOP_GAPS = 15
# C/C++/CUDA extension sources: copied as they are (mscore converts Python)
NATIVE_SUFFIXES = (".cu", ".cuh", ".cpp", ".cc", ".cxx", ".c", ".h", ".hpp")


# -- engine seams (tests replace these) ------------------------------------------------------------------------
def load_rules(rules_dir: Path | None, extra: tuple[Path, ...], validate: bool = True):
    """The rule set (``validate=False``: skip the transform-name check, which imports the engine; the fingerprint
    is the same, and that is all the no-op check needs)."""
    from mscore.rules import RuleFileError
    from mscore.rules import load_rules as _load

    known = None
    if validate:
        from mscore.rewrite.transforms import KNOWN as known
    try:
        return _load(rules_dir, known_transforms=known, extra_files=extra)
    except RuleFileError as exc:
        raise PipelineError(str(exc)) from None


def convert_tree(src: Path, *, rules, jobs: int, cache_dir: Path | None, profile: str, index=None,
                 progress=None):
    from mscore.tree import convert_tree as _convert_tree

    return _convert_tree(src, rules=rules, jobs=jobs, cache_dir=cache_dir, profile=profile, index=index,
                         progress=progress)


# -- results ---------------------------------------------------------------------------------------------------
@dataclass
class RepoOutcome:
    name: str
    url: str
    ref: str
    commit: str
    upstream_commit: str = ""
    converted_commit: str = ""
    patch: str = ""                      # path of patches/<repo>.patch relative to the output
    patch_bytes: int = 0
    changed_files: int = 0
    totals: dict = field(default_factory=dict)
    top_unconverted: list = field(default_factory=list)   # [(api, count)]
    launch_scripts: list = field(default_factory=list)    # converted .sh paths
    launch_notes: list = field(default_factory=list)
    applied_patches: list = field(default_factory=list)
    fetch_note: str = ""


@dataclass
class PipelineResult:
    out: Path
    repos: list[RepoOutcome]
    noop: bool = False
    dry_run: bool = False
    seconds: float = 0.0
    edited: list[str] = field(default_factory=list)   # in a dry run: edited output files that --force would drop

    @property
    def unconverted(self) -> int:
        return sum(r.totals.get("unconverted", 0) for r in self.repos)


# -- helpers ---------------------------------------------------------------------------------------------------
def _digest(profile: str, rows: list[dict]) -> str:
    blob = json.dumps({"mscore": __version__, "pipeline": PIPELINE_VERSION, "code": code_digest(),
                       "profile": profile, "repos": rows},
                      sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def _input_row(spec: RepoSpec, commit: str, rules_fp: str) -> dict:
    return {"name": spec.name, "ref": spec.ref, "commit": commit, "rules": rules_fp, "patches": patches_digest(spec)}


def _check_out_location(out: Path, inputs: list[Path]) -> None:
    """mscore never writes into its inputs: the output may not be inside a source repository or the cache."""
    o = out.resolve()
    for p in inputs:
        p = p.resolve()
        if o == p or p in o.parents:
            raise PipelineError(f"--out {out} is inside {p}, an input of this run; choose an output elsewhere")
        if o in p.parents:
            raise PipelineError(f"--out {out} contains {p}, an input of this run; choose an output elsewhere")


def _shown(paths: list[str], n: int = 10) -> str:
    return ", ".join(paths[:n]) + (f" and {len(paths) - n} more" if len(paths) > n else "")


def _summarize(files) -> tuple[dict, list]:
    status = Counter(f.status for f in files)
    seen = sum(f.n_seen for f in files)
    conv = sum(f.n_converted for f in files)
    gaps = Counter(u.api for f in files for u in f.unconverted)
    totals = {
        "files": len(files), "python_files": sum(n for s, n in status.items() if s != "copied"),
        "converted_files": status.get("converted", 0), "error_files": status.get("error", 0),
        "unparsable_files": status.get("unparsable", 0) + status.get("undecodable", 0),
        "references": seen, "converted": conv, "unconverted": sum(gaps.values()),
        "rate": round(1.0 if seen == 0 else conv / seen, 6),
        "torch_at_import_files": sum(1 for f in files if getattr(f, "import_time_torch", 0)),
        "runtime_files": status.get("runtime", 0),
    }
    native = [f.path for f in files if f.path.endswith(NATIVE_SUFFIXES)]
    totals["native_sources"] = len(native)
    totals["native_examples"] = native[:5]
    top = sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_GAPS]
    return totals, [list(t) for t in top]


def _file_report(spec_name: str, tree_result, profile: str, fingerprint: str) -> dict | None:
    try:
        from mscore.report import Report
    except ImportError:   # pragma: no cover
        return None
    rep = Report.build(spec_name, tree_result.files, profile=profile, rules_fingerprint=fingerprint, seconds=0.0)
    d = rep.to_dict()
    d.pop("seconds", None)
    return d


def _readme(result_repos: list[RepoOutcome], profile: str) -> bytes:
    lines = ["# mscore output", "",
             f"Converted by mscore {__version__} (profile `{profile}`) from the pinned upstream commits below.", "",
             "| repository | ref | commit | Python files converted | torch references converted | rate | patch |",
             "|---|---|---|---|---|---|---|"]
    for r in result_repos:
        t = r.totals
        lines.append(f"| {r.name} | {r.ref} | `{r.commit[:12]}` | {t.get('converted_files', 0)}/"
                     f"{t.get('python_files', 0)} | {t.get('converted', 0)}/{t.get('references', 0)} | "
                     f"{100 * t.get('rate', 1.0):.1f}% | `{r.patch}` ({r.patch_bytes} bytes) |")
    lines.append("")
    for r in result_repos:
        extra = [f"{len(r.launch_scripts)} launch scripts switched from torchrun to msrun"] if r.launch_scripts else []
        extra += [f"hand-written {p}" for p in r.applied_patches]
        if extra:
            lines.append(f"- {r.name}: " + "; ".join(extra))
    lines += ["", "Each `<repo>/` is a git repository: branch `upstream` is the pristine tree, branch `mscore` "
              "(checked out) the converted one; `git -C <repo> diff upstream mscore` is `patches/<repo>.patch`.",
              "`source env.sh` puts the converted repositories on PYTHONPATH.", "", "## Not converted", ""]
    any_gap = False
    for r in result_repos:
        if r.fetch_note:
            lines += [f"Note: {r.name}: {r.fetch_note}.", ""]
    for r in result_repos:
        if r.top_unconverted:
            any_gap = True
            lines.append(f"{r.name}: {r.totals.get('unconverted', 0)} torch references left as they were; "
                         f"most frequent APIs:")
            lines += [f"- `{api}` ×{n}" for api, n in r.top_unconverted]
            lines.append("")
        if r.totals.get("error_files") or r.totals.get("unparsable_files"):
            any_gap = True
            lines.append(f"{r.name}: {r.totals.get('unparsable_files', 0)} unparsable/undecodable and "
                         f"{r.totals.get('error_files', 0)} failed Python files were copied unchanged "
                         f"(see report.json).")
            lines.append("")
        if r.totals.get("native_sources"):
            any_gap = True
            lines.append(f"{r.name}: {r.totals['native_sources']} C/C++/CUDA source files were copied unchanged "
                         f"(e.g. {', '.join(r.totals.get('native_examples', [])[:3])}).")
            lines.append("")
        for n in r.launch_notes:
            any_gap = True
            lines.append(f"- launch script: {n}")
    if not any_gap:
        lines.append("Every torch reference found was converted.")
    lines += ["", "Details per file: `report.json` (and `report.txt`).", ""]
    return "\n".join(lines).encode()


def _report_txt(result_repos: list[RepoOutcome], profile: str) -> bytes:
    lines = [f"mscore {__version__} convert --repo (profile {profile})", ""]
    for r in result_repos:
        t = r.totals
        lines.append(f"{r.name} {r.ref} {r.commit}")
        if r.fetch_note:
            lines.append(f"  note: {r.fetch_note}")
        lines.append(f"  Python files: {t.get('python_files', 0)} ({t.get('converted_files', 0)} converted), "
                     f"files changed in total: {r.changed_files}, patch {r.patch} {r.patch_bytes} bytes")
        lines.append(f"  torch references: {t.get('references', 0)}, converted {t.get('converted', 0)}, "
                     f"unconverted {t.get('unconverted', 0)}, rate {100 * t.get('rate', 1.0):.1f}%")
        for api, n in r.top_unconverted:
            lines.append(f"    unconverted {api}: {n}")
        for s in r.launch_scripts:
            lines.append(f"  launch script -> msrun: {s}")
        for n in r.launch_notes:
            lines.append(f"  launch note: {n}")
        for p in r.applied_patches:
            lines.append(f"  patch applied: {p}")
        lines.append("")
    return "\n".join(lines).encode()


# -- the pipeline ----------------------------------------------------------------------------------------------
@dataclass
class RepoOptions:
    """How ``convert --repo`` runs (the CLI's options; the defaults are the CLI's)."""

    out: Path | str = DEFAULT_OUT
    sources: list[str] | None = None          # NAME=PATH_OR_URL overrides
    mirror_dir: Path | str | None = None
    cache_dir: Path | str | None = None       # default: mscore.outdir.default_cache_dir()
    force: bool = False                       # replace an output with edits / files mscore did not write
    jobs: int = 0
    profile: str = "native"
    dry_run: bool = False
    rules_dir: Path | None = None
    manifest: Path | None = None
    use_convert_cache: bool = True
    log: Callable[[str], None] | None = None
    progress: NullProgress | None = None      # mscore.progress: told each stage (fetch, convert, patch per repo)


def convert_repos(names: list[str] | str, options: RepoOptions | None = None, **kw) -> PipelineResult:
    """Convert the named repositories and their dependencies into ``options.out`` (or pass the options as keywords).
    Raises PipelineError on bad input. The steps: plan, look at the existing output, no-op check, fetch, build beside
    the output, move into place."""
    opts = options if options is not None else RepoOptions(**kw)
    return _Run(names, opts).execute()


class _Run:
    def __init__(self, names: list[str] | str, opts: RepoOptions):
        self.t0 = time.perf_counter()
        self.opts = opts
        self.say = opts.log or (lambda _msg: None)
        self.progress = opts.progress or NullProgress()
        self.names = [names] if isinstance(names, str) else list(names)
        self.rules_cache: dict[tuple, object] = {}

    def execute(self) -> PipelineResult:
        self.plan()
        self.inspect_existing()
        done = self.noop()
        if done is not None:
            return done
        self.refuse_rebuild_over_user_files()
        fetched = self.fetch()
        return self.build(fetched)

    # 1. what to do, where: manifest closure, URLs, cache, output location
    def plan(self) -> None:
        o = self.opts
        if not self.names:
            raise PipelineError("no repository named")
        if o.profile not in PROFILES:
            raise PipelineError(f"unknown profile {o.profile!r} (known: {', '.join(PROFILES)})")
        man = load_manifest(o.manifest)
        self.specs = man.closure(self.names)
        self.srcs = parse_sources(o.sources, man)
        mirror = _mirror_dir(o.mirror_dir)
        cache = Path(o.cache_dir).expanduser() if o.cache_dir else default_cache_dir()
        self.repo_cache = cache / "repos"
        self.convert_cache = cache / "convert" if o.use_convert_cache else None
        self.out = resolve_destination(Path(o.out))
        self.urls = {s.name: resolve_url(s, self.srcs, mirror) for s in self.specs}
        _check_out_location(self.out, [Path(u) for u in self.urls.values() if u.startswith("/")] + [cache])

    def rules_for(self, spec: RepoSpec, validate: bool = True):
        key = (spec.rules, validate)
        if key not in self.rules_cache:
            self.rules_cache[key] = load_rules(self.opts.rules_dir, spec.rules, validate)
        return self.rules_cache[key]

    # 2. the existing output: refuse a foreign directory; find user edits
    def inspect_existing(self) -> None:
        o = self.opts
        self.lock = outmod.check_out_dir(self.out)
        self.edited, self.ignored = outmod.edited_files(self.out, self.lock) if self.lock else ([], [])
        if self.edited and not o.force and not o.dry_run:
            raise PipelineError(f"{self.out} has edits to the converted tree ({_shown(self.edited)}); keep them "
                                f"elsewhere or re-run with --force to overwrite")

    # 3. same commits, rules, patches, profile and mscore version -> nothing to do
    def noop(self) -> PipelineResult | None:
        lock = self.lock
        if not (lock and not self.edited and lock.get("inputs_digest")):
            return None
        commits = {s.name: resolve_cached(s, self.urls[s.name], self.repo_cache, overridden=s.name in self.srcs)
                   for s in self.specs}
        if not all(commits.values()) or [r.get("name") for r in lock.get("repo", [])] != [s.name for s in self.specs]:
            return None
        digest = _digest(self.opts.profile, [_input_row(s, commits[s.name], self.rules_for(s, False).fingerprint)
                                             for s in self.specs])
        if digest != lock["inputs_digest"]:
            return None
        repos = [_outcome_from_lock(r, self.out) for r in lock["repo"]]
        return PipelineResult(self.out, repos, noop=True, dry_run=self.opts.dry_run,
                              seconds=time.perf_counter() - self.t0)

    # a rebuild replaces the output whole: files the user keeps there (ignored by git) would go with it
    def refuse_rebuild_over_user_files(self) -> None:
        if self.ignored and not self.opts.force and not self.opts.dry_run:
            raise PipelineError(f"{self.out} must be rebuilt but holds files that are not mscore's or changed since "
                                f"({_shown(self.ignored)}); move them out or re-run with --force to delete them")

    # 4. fetch every repository at its pinned commit
    def fetch(self) -> list[Fetched]:
        fetched: list[Fetched] = []
        for s in self.specs:
            self.say(f"fetching {s.name} {s.ref} from {self.urls[s.name]}")
            self.progress.stage(f"fetching {s.name}")
            try:
                fetched.append(fetch(s, self.urls[s.name], self.repo_cache, overridden=s.name in self.srcs))
                if fetched[-1].note:
                    self.say(f"note: {s.name}: {fetched[-1].note}")
            except OSError as exc:
                raise PipelineError(f"cannot use the repository cache {self.repo_cache}: {exc.strerror or exc} "
                                    f"({exc.filename}); choose another with --cache-dir") from None
        return fetched

    # 5. build everything beside the output, then move it into place
    def build(self, fetched: list[Fetched]) -> PipelineResult:
        o, out = self.opts, self.out
        rows = [_input_row(f.spec, f.commit, self.rules_for(f.spec).fingerprint) for f in fetched]
        stage = Staging(out, PipelineError)
        staging = stage.open()
        try:
            repos, reports = [], []
            from mscore.tree import index_of_trees
            # one class index over every repository: a class is a Cell when any base, in any of them, is one
            self.index = index_of_trees([f.tree for f in fetched])
            for f, row in zip(fetched, rows):
                oc, report = self.build_repo(f, staging)
                repos.append(oc)
                reports.append(report)
            self.write_top_files(staging, repos, reports, rows)
            if not o.dry_run:
                stage.commit()
        except OSError as exc:
            raise PipelineError(f"writing {out} failed, nothing changed: {exc.strerror or exc}"
                                + (f" ({exc.filename})" if exc.filename else "")) from None
        finally:
            stage.discard()
        return PipelineResult(out, repos, noop=False, dry_run=o.dry_run, seconds=time.perf_counter() - self.t0,
                              edited=(self.edited + self.ignored) if o.dry_run else [])

    def build_repo(self, f: Fetched, staging: Path) -> tuple[RepoOutcome, dict]:
        """One repository: pristine upstream commit, converted files, launch scripts, patches, converted commit."""
        o, spec = self.opts, f.spec
        rules = self.rules_for(spec)
        self.say(f"converting {spec.name} ({f.commit[:12]})")
        self.progress.stage(f"converting {spec.name}")
        tree_result = convert_tree(f.tree, rules=rules, jobs=o.jobs, cache_dir=self.convert_cache, profile=o.profile,
                                   index=getattr(self, "index", None), progress=self.progress.files)
        repo_dir = staging / spec.name
        up = outmod.build_upstream(repo_dir, f.clone, f.commit, f"upstream: {spec.name} {spec.ref} ({f.commit})\n\n"
                                   f"Pristine tree of {spec.url} at {spec.ref}.", f.date)
        for fr in tree_result.files:
            if fr.status in ("converted", "runtime"):   # runtime: the mscore_rt package converted code imports
                (repo_dir / fr.path).parent.mkdir(parents=True, exist_ok=True)
                (repo_dir / fr.path).write_bytes(fr.output)
        launch_scripts, launch_notes = [], []
        for fr in tree_result.files:
            if fr.path.endswith((".sh", ".bash")) and fr.status != "skipped":
                # convert_tree already switched the script to msrun; the upstream text gives the notes and whether
                # it changed
                p = repo_dir / fr.path
                text = (f.tree / fr.path).read_bytes().decode("utf-8", "surrogateescape")
                lr = convert_script(text, fr.path)
                launch_notes += lr.notes
                if lr.changed:
                    p.write_bytes(lr.text.encode("utf-8", "surrogateescape"))
                    launch_scripts.append(fr.path)
        self.progress.stage(f"patching {spec.name}")
        applied = apply_all(spec.patches, f.tree, repo_dir, spec.name)
        conv = outmod.commit_converted(
            repo_dir,
            f"mscore {__version__}: {spec.name} converted to MindSpore ({o.profile} profile)\n\n"
            f"rules {rules.fingerprint[:16]}, {len(launch_scripts)} launch scripts -> msrun, "
            f"{len(applied)} hand-written patches" + "".join(f"\n- {a.kind} {a.name}" for a in applied),
            f.date, up)
        patch = outmod.diff_patch(repo_dir, up, conv)
        (staging / "patches").mkdir(exist_ok=True)
        (staging / "patches" / f"{spec.name}.patch").write_bytes(patch)
        totals, top = _summarize(tree_result.files)
        oc = RepoOutcome(
            spec.name, spec.url, spec.ref, f.commit, up, conv, f"patches/{spec.name}.patch", len(patch),
            len(outmod.changed_paths(repo_dir, up, conv)), totals, top, launch_scripts, launch_notes,
            [f"{a.kind} {a.name}" + (f" ({a.reason})" if a.reason else "") for a in applied], f.note)
        report = {
            "name": spec.name, "ref": spec.ref, "commit": f.commit, "fetched_from": f.url, "fetch_note": f.note,
            "totals": totals, "top_unconverted": top, "changed_files": oc.changed_files,
            "launch_scripts": {"converted": launch_scripts, "notes": launch_notes},
            "patches_applied": oc.applied_patches,
            "files": _file_report(spec.name, tree_result, o.profile, rules.fingerprint),
        }
        return oc, report

    def write_top_files(self, staging: Path, repos: list[RepoOutcome], reports: list[dict], rows: list[dict]) -> None:
        """env.sh, README.md, report.txt, report.json and, last, mscore.lock (with the digests of the others)."""
        profile = self.opts.profile
        top_first = [s.name for s in reversed(self.specs)]
        files = {
            "env.sh": outmod.env_sh(top_first, self.out.resolve()),
            "README.md": _readme(list(reversed(repos)), profile),
            "report.txt": _report_txt(list(reversed(repos)), profile),
            "report.json": (json.dumps({"schema": 1, "mscore_version": __version__, "profile": profile,
                                        "repos": reports}, indent=1) + "\n").encode(),
        }
        for name, data in files.items():
            (staging / name).write_bytes(data)
        lock_data = {"mscore_version": __version__, "pipeline_version": PIPELINE_VERSION, "profile": profile,
                     "inputs_digest": _digest(profile, rows), "outputs": outmod.top_file_digests(staging), "repo": []}
        for oc, row in zip(repos, rows):
            lock_data["repo"].append({
                "name": oc.name, "url": oc.url, "ref": oc.ref, "commit": oc.commit,
                "upstream_commit": oc.upstream_commit, "converted_commit": oc.converted_commit,
                "rules_fingerprint": row["rules"], "patches_digest": row["patches"], "patch": oc.patch,
                "patch_bytes": oc.patch_bytes, "changed_files": oc.changed_files,
                "python_files": oc.totals["python_files"], "references": oc.totals["references"],
                "converted": oc.totals["converted"], "unconverted": oc.totals["unconverted"],
            })
        (staging / outmod.LOCK_NAME).write_bytes(outmod.dump_lock(lock_data))


def _outcome_from_lock(r: dict, out: Path) -> RepoOutcome:
    totals = {k: r.get(k, 0) for k in ("python_files", "references", "converted", "unconverted")}
    refs = totals["references"]
    totals["rate"] = 1.0 if not refs else totals["converted"] / refs
    return RepoOutcome(r["name"], r.get("url", ""), r.get("ref", ""), r.get("commit", ""), r.get("upstream_commit", ""),
                       r.get("converted_commit", ""), r.get("patch", ""), r.get("patch_bytes", 0),
                       r.get("changed_files", 0), totals)


# -- CLI glue --------------------------------------------------------------------------------------------------
def add_repo_arguments(parser) -> None:
    """Add --repo/--source/--mirror/--force (and --out/--jobs/--profile/--cache-dir/--dry-run if missing)."""
    have = set(getattr(parser, "_option_string_actions", {}))
    try:
        known = ", ".join(load_manifest().names())
    except PipelineError:
        known = "see the manifest"
    parser.add_argument("--repo", action="append", metavar="NAME",
                        help=f"convert a known repository and its dependencies at pinned refs ({known})")
    parser.add_argument("--source", action="append", metavar="NAME=PATH_OR_URL",
                        help="with --repo: fetch NAME from this path or URL instead of the manifest's (repeatable)")
    parser.add_argument("--mirror", metavar="DIR", type=Path,
                        help="with --repo: fetch each repository from DIR/<name> or DIR/<name>.git when present "
                             "(default: $MSCORE_MIRROR)")
    if "--force" not in have:
        parser.add_argument("--force", action="store_true",
                            help="overwrite an output whose converted tree was edited")
    if "--out" not in have:
        parser.add_argument("--out", "-o", type=Path)
    if "--jobs" not in have:
        parser.add_argument("--jobs", "-j", type=int, default=0)
    if "--profile" not in have:
        parser.add_argument("--profile", choices=PROFILES, default="native")
    if "--cache-dir" not in have:
        parser.add_argument("--cache-dir", type=Path)
    if "--dry-run" not in have:
        parser.add_argument("--dry-run", action="store_true")


def _check_side_paths(args) -> None:
    """--report and --cache-dir before anything is fetched or written: never inside the output (it is replaced whole)
    or a local source repository; --report a regular file in a writable place."""
    from mscore.outdir import check_file_target, check_not_inside

    out = Path(args.out or DEFAULT_OUT)
    local = [Path(v.split("=", 1)[1]) for v in getattr(args, "source", None) or []
             if "=" in v and Path(v.split("=", 1)[1]).exists()]
    report = getattr(args, "report", None)
    if report is not None and not getattr(args, "dry_run", False):
        check_file_target(Path(report), "--report", PipelineError)
        check_not_inside(Path(report), local, "--report", PipelineError)
        check_not_inside(Path(report), [out], "--report", PipelineError, output=True)


def run_from_args(args, console=None) -> int:
    """The CLI's ``convert --repo`` path: returns the exit code (errors raise PipelineError)."""
    quiet = getattr(args, "quiet", False)

    def say(msg: str) -> None:
        if console is not None and not quiet:
            console.print(msg, markup=False, highlight=False, soft_wrap=True)

    _check_side_paths(args)
    with progress_for(console, enabled=not quiet) as prog:
        res = convert_repos(
            args.repo, out=args.out or DEFAULT_OUT, sources=getattr(args, "source", None),
            mirror_dir=getattr(args, "mirror", None), cache_dir=getattr(args, "cache_dir", None),
            force=getattr(args, "force", False), jobs=getattr(args, "jobs", 0) or 0,
            profile=getattr(args, "profile", "native"), dry_run=getattr(args, "dry_run", False),
            rules_dir=getattr(args, "rules", None), use_convert_cache=not getattr(args, "no_cache", False),
            log=say, progress=prog)
    report = getattr(args, "report", None)
    if report and not res.dry_run:
        try:
            write_file_atomic(Path(report), (res.out / "report.json").read_bytes())
        except OSError as exc:
            raise PipelineError(f"cannot write --report {report}: {exc.strerror or exc}") from None
    lines = []
    if res.noop:
        lines.append(f"{res.out}: up to date (same commits, rules, patches and mscore version); nothing rewritten")
    for r in res.repos:
        t = r.totals
        lines.append(f"{r.name} {r.ref} ({r.commit[:12]}): {t.get('converted', 0)}/{t.get('references', 0)} torch "
                     f"references converted ({100 * t.get('rate', 1.0):.1f}%), {r.changed_files} files changed, "
                     f"{r.patch} {r.patch_bytes} bytes")
    if res.dry_run:
        lines.append("dry run: nothing written")
        if res.edited:
            lines.append(f"note: the existing output has edits that a real run would refuse: {_shown(res.edited)}")
    elif not res.noop:
        lines.append(f"wrote {res.out} in {res.seconds:.1f} s; source {res.out / 'env.sh'} to use it")
    if console is not None:
        for ln in lines:
            console.print(ln, markup=False, highlight=False, soft_wrap=True)
    else:
        print("\n".join(lines))
    if getattr(args, "strict", False) and res.unconverted:
        return 1
    return 0
