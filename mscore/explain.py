"""``mscore explain NAME``: one rule, read for a person: the MindSpore target, what happens to each argument, the
status and note, a before/after example made by converting the rule's own parity cases, and the parity evidence.

``NAME`` is a rule key (``torch.cat``, ``Tensor.view``, ``Module.eval``, ``torch_npu.npu_rms_norm``) or a common
spelling of one (``F.gelu``, ``nn.Linear``, ``torch.Tensor.view``, ``torch.nn.Module.eval``). A name with no rule
gets the closest rule keys (difflib), else a one-line error.

The parity cases are the ones the test suite runs (``tests/parity/cases/``, shipped in the wheel as data). Loading
them needs numpy (the ``run`` extra); without it, or without the cases, the explanation says so and shows the rule
alone.
"""
from __future__ import annotations

import ast
import difflib
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ALIASES = (("F.", "torch.nn.functional."), ("nn.", "torch.nn."), ("torch.Tensor.", "Tensor."),
           ("torch.nn.Module.", "Module."))
CPU_NOTE = ("CPU: every case runs in the test suite on MindSpore's CPU build (Ascend-only mint kernels through the "
            "CPU backfill)")
ASCEND_NOTE = "Ascend: the same cases run with `pytest tests/parity --ms-device=Ascend`; no NPU result is recorded here"


class NoRule(LookupError):
    def __init__(self, name: str, close: list[str]):
        self.name, self.close = name, close
        hint = f"; close matches: {', '.join(close)}" if close else ""
        super().__init__(f"no rule for {name!r}{hint}")


def resolve(rules, name: str):
    """The rule ``name`` means, trying the usual spellings; raises :class:`NoRule` with close matches."""
    tried = [name]
    for short, full in ALIASES:
        if name.startswith(short):
            tried.append(full + name[len(short):])
    if not name.startswith(("torch", "Tensor.", "Module.", "safetensors.")):
        tried.append(f"torch.{name}")
    for n in tried:
        rule = rules.lookup(n)
        if rule is not None:
            return rule
    keys = [r.api for r in rules.all()]
    close: list[str] = []
    for n in tried:
        close += [k for k in difflib.get_close_matches(n, keys, n=5, cutoff=0.75) if k not in close]
    raise NoRule(name, close[:5])


# -- the argument table --------------------------------------------------------------------------------------------
@dataclass
class Arg:
    name: str
    becomes: str          # what the argument becomes ("" when it is passed as it is)
    kind: str             # passed / renamed / dropped / unsupported / default differs / packed / added


def argument_mapping(rule) -> list[Arg]:
    out: list[Arg] = []
    rename, drop, unsup, defaults = dict(rule.rename), set(rule.drop), dict(rule.unsupported_args), dict(rule.defaults)
    if rule.sig is not None:
        for p in rule.sig.params:
            n = p.name
            if n in unsup:
                out.append(Arg(n, f"left unconverted when passed: {unsup[n]}", "unsupported"))
            elif n in drop:
                out.append(Arg(n, "removed from the call (never changes a value)", "dropped"))
            elif n in rename:
                out.append(Arg(n, f"passed as {rename[n]}=", "renamed"))
            elif rule.pack and n == rule.pack:
                out.append(Arg(n, "values packed into one tuple argument", "packed"))
            else:
                out.append(Arg(n, "", "passed"))
    for target, expr in defaults.items():
        out.append(Arg(target, f"{target}={expr} added when the call does not pass it (MindSpore's default differs)",
                       "default differs"))
    return out


# -- parity cases --------------------------------------------------------------------------------------------------
@dataclass
class Evidence:
    available: bool
    why_not: str = ""
    cases: list = field(default_factory=list)          # Case / ModuleCase objects for this API
    forms: Counter = field(default_factory=Counter)
    elsewhere: list[str] = field(default_factory=list)  # pytest ids proving it outside the parity harness


def _load_cases(api: str, rule_file: str, cases_dir: Path | None) -> Evidence:
    from mscore.resources import data_dir

    cases_dir = cases_dir or data_dir("parity_cases")
    if cases_dir is None or not cases_dir.is_dir():
        return Evidence(False, "the parity cases are not part of this installation")
    try:
        from mscore.parity.collect import _load_module
    except ImportError as exc:   # numpy missing: the cases' input generators need it
        what = exc.name if exc.name and not exc.name.startswith("mscore") else "numpy"
        return Evidence(False, f"loading the parity cases needs {what} (pip install 'mscore[run]')")
    stem = Path(rule_file).stem
    own = cases_dir / f"cases_{stem}.py"
    paths = [own] if own.is_file() else []
    ev = Evidence(True)
    # the rule's own case file first, then every other one (family files: cases_out_arg.py, cases_kw_aliases.py...)
    for attempt in (paths, [p for p in sorted(cases_dir.glob("cases_*.py")) if p != own]):
        for path in attempt:
            try:
                mod = _load_module(path)
            except Exception:  # noqa: BLE001 - a broken case module fails its own test, not explain
                continue
            for case in getattr(mod, "CASES", ()) or ():
                if getattr(case, "api", None) == api and getattr(case, "converted_override", None) is None:
                    ev.cases.append(case)
            elsewhere = getattr(mod, "COVERED_ELSEWHERE", None)
            if isinstance(elsewhere, dict) and isinstance(elsewhere.get(api), (list, tuple)):
                ev.elsewhere += [str(x) for x in elsewhere[api]]
    for case in ev.cases:
        ev.forms.update(call_forms(api, case))
    return ev


def _source_of(case) -> str:
    """The torch code a case runs, as a person would write it (no harness wrapping)."""
    if type(case).__name__ == "ModuleCase":
        ctor = textwrap.dedent(case.ctor).strip()
        body = ctor if _is_block(ctor) else f"m = {ctor}"
        call = textwrap.dedent(case.call).strip() if case.call else f"m({', '.join(case.input_names())})"
        return f"{body}\nout = {call}"
    return textwrap.dedent(case.snippet).strip()


def _is_block(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
        return False
    except SyntaxError:
        return True


def call_forms(api: str, case) -> list[str]:
    """How a case uses its API: 'call: positional', 'call: keywords', 'method call', 'module: forward + gradients',
    'reference (type / attribute)', 'left unconverted' ..."""
    forms: list[str] = []
    if case.expect == "unsupported":
        return ["left unconverted (marked)"]
    if type(case).__name__ == "ModuleCase":
        forms.append("module: forward" + (" + gradients" if case.grad else "") + (", training mode" if case.train
                                                                                    else ""))
    last = api.rsplit(".", 1)[-1]
    method = api.startswith(("Tensor.", "Module."))
    try:
        tree = ast.parse(_source_of(case))
    except SyntaxError:
        return forms or ["other"]
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if name == last:
                calls.append(node)
    for c in calls:
        if any(isinstance(a, ast.Starred) for a in c.args) or any(k.arg is None for k in c.keywords):
            forms.append("call: unpacked *args / **kwargs")
        elif c.args and c.keywords:
            forms.append("call: positional + keywords")
        elif c.keywords:
            forms.append("call: keywords")
        elif c.args:
            forms.append("method call" if method else "call: positional")
        else:
            forms.append("method call, no arguments" if method else "call: no arguments")
    if not calls and not forms:
        forms.append("property" if method else "reference (type, attribute or annotation)")
    return sorted(set(forms))


SENTINEL = "# ---- mscore explain: the example starts here ----"


@dataclass
class Example:
    before: str
    after: str
    left: list[str]       # unconverted reasons the engine reported


def example(case, rules) -> Example:
    from mscore.parity.case import HEADER
    from mscore.rewrite.engine import convert_source

    before = _source_of(case)
    header = HEADER + ("import torch_npu\n" if "torch_npu" in before and "import torch_npu" not in before else "")
    res = convert_source((header + SENTINEL + "\n" + before + "\n").encode(), "example.py", rules)
    lines = res.output.decode().splitlines()
    # what the snippet became: the lines after the sentinel (the imports above it are the file's business)
    lines = lines[lines.index(SENTINEL) + 1:] if SENTINEL in lines else lines
    return Example(before, "\n".join(lines).strip("\n"), [u.reason for u in res.unconverted])


# -- rendering -----------------------------------------------------------------------------------------------------
def render(rule, rules, console, *, cases_dir: Path | None = None) -> None:
    from rich.markup import escape
    from rich.syntax import Syntax
    from rich.table import Table

    target = rule.target or ("(template)" if rule.template else "(none: left unconverted)")
    console.print(f"[bold]{escape(rule.api)}[/bold] -> [bold]{escape(target)}[/bold]   status: {rule.status}   "
                  f"({escape(rule.where)})", highlight=False)
    if rule.note:
        console.print(f"note: {escape(rule.note)}", highlight=False)
    if rule.sig is not None:
        console.print(f"torch signature: {escape(rule.sig.text)}", highlight=False)
    if rule.target_sig is not None:
        console.print(f"target signature: {escape(rule.target_sig.text)}", highlight=False)
    extra = [(k, v) for k, v in (("transform", rule.transform), ("template", rule.template),
                                 ("receivers", ", ".join(rule.receivers))) if v]
    for k, v in extra:
        console.print(f"{k}: {escape(str(v))}", highlight=False)
    args = argument_mapping(rule)
    if args:
        t = Table(title="arguments", title_justify="left")
        t.add_column("argument")
        t.add_column("mapping")
        t.add_column("detail", overflow="fold")
        for a in args:
            t.add_row(escape(a.name), a.kind, escape(a.becomes))
        console.print(t)
    ev = _load_cases(rule.api, rule.file or "", cases_dir)
    if not ev.available:
        console.print(f"no examples available: {ev.why_not}", highlight=False)
        return
    passing = [c for c in ev.cases if c.expect == "pass"]
    left = [c for c in ev.cases if c.expect != "pass"]
    shown = 0
    for title, group in (("example (a parity case, converted now)", passing),
                         ("left unconverted (a parity case, converted now)", left)):
        if not group:
            continue
        case = min(group[:8], key=lambda c: len(_source_of(c)))   # a short one among the first few
        ex = example(case, rules)
        console.print(f"{title}, {escape(case.where)}:", highlight=False)
        console.print(Syntax(ex.before, "python", theme="ansi_dark", background_color="default", word_wrap=True))
        console.print("  becomes")
        console.print(Syntax(ex.after, "python", theme="ansi_dark", background_color="default", word_wrap=True))
        shown += 1
    if not shown:
        console.print("no examples available: no parity case converts this API"
                      + (" (proven by the tests below)" if ev.elsewhere else ""), highlight=False)
    n_pass, n_left = len(passing), len(left)
    if ev.cases:
        console.print(f"parity evidence: {len(ev.cases)} case{'s' * (len(ev.cases) != 1)} "
                      f"({n_pass} compared with torch, {n_left} expected to be left unconverted)", highlight=False)
    else:
        console.print("parity evidence: no parity-harness case" + (", but:" if ev.elsewhere else ""),
                      highlight=False)
    if ev.forms:
        console.print("  call forms: " + ", ".join(f"{f} x{n}" for f, n in sorted(ev.forms.items())),
                      highlight=False)
    for test in ev.elsewhere:
        console.print(f"  proven elsewhere: {escape(test)}", highlight=False)
    if ev.cases:
        console.print(f"  {CPU_NOTE}", highlight=False)
        console.print(f"  {ASCEND_NOTE}", highlight=False)


# -- command line --------------------------------------------------------------------------------------------------
def add_parser(sub) -> None:
    e = sub.add_parser(
        "explain", help="explain how one torch API is converted, with an example and the parity evidence",
        description=("Show the rule for one torch API: the MindSpore target, what happens to each argument, status "
                     "and note, a before/after example converted from the rule's parity cases, and the evidence."),
    )
    e.add_argument("api", help="torch.X, Tensor.m, Module.m or torch_npu.x (also F.x, nn.X, torch.Tensor.m)")
    e.add_argument("--rules", type=Path, help="rule directory (default: the rules shipped with mscore)")
    e.add_argument("--cases", type=Path, help="parity case directory (default: the shipped cases)")


def run(args, console, *, load_rules, user_error) -> int:
    rules = load_rules(args.rules)
    try:
        rule = resolve(rules, args.api)
    except NoRule as exc:
        raise user_error(str(exc)) from None
    if not console.is_terminal:   # a pipe or a file: whole lines rather than wrapped ones
        import sys

        from rich.console import Console

        console = Console(file=sys.stdout, width=200, highlight=False, color_system=None)
    render(rule, rules, console, cases_dir=args.cases)
    return 0
