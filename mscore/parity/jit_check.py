"""Graph mode for converted code: does a converted parity snippet compile under ``mindspore.jit`` and compute what
PyNative computes?

A parity case proves that the converted expression matches torch in PyNative. Users also jit converted code
(``mindspore.jit``, ``ast`` or ``bytecode`` capture), where MindSpore parses the Python it calls -- the converted
expression, and any CPU backfill implementation standing in for an Ascend-only kernel -- and rejects what graph mode
cannot express (host reads such as ``.item()``, Python-only types, ``try``, ...). This module turns a converted
expression case into a function of its inputs, runs it eagerly and jitted on the same inputs, and says which of
``ok`` / ``compile`` (the jit raised) / ``differs`` (compiled, other numbers) / ``eager`` (the eager run itself
raised: not a jit question) it is.

``jit_function_source`` needs only the standard library; ``check`` runs in a MindSpore process (the parity worker's
conditions: torch absent, the CPU backfill enabled by the caller).
"""
from __future__ import annotations

import ast
import importlib.util
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

FUNCTION = "_parity_jit"
_counter = itertools.count()


def eligible(case) -> bool:
    """An expression case compared by value that is expected to pass (random or shape-only cases say nothing)."""
    from mscore.parity.case import Case, _is_expression

    return (isinstance(case, Case) and case.expect == "pass" and case.compare == "values"
            and case.converted_override is None and _is_expression(case.snippet.strip()))


def jit_function_source(converted: str, input_names: list[str]) -> str | None:
    """The converted case module rewritten so that its ``out = <expr>`` becomes ``def _parity_jit(<inputs>): return
    <expr>`` (everything before it -- the imports -- stays at module level). None when there is no such assignment or
    something follows it."""
    tree = ast.parse(converted)
    body = tree.body
    if not body:
        return None
    last = body[-1]
    if not (isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name)
            and last.targets[0].id == "out"):
        return None
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in input_names], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])
    fn = ast.FunctionDef(name=FUNCTION, args=args, body=[ast.Return(value=last.value)], decorator_list=[],
                         returns=None, type_params=[])
    module = ast.Module(body=[*body[:-1], fn], type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(module)) + "\n"


def _load(source: str, workdir: Path):
    """Import ``source`` from a real file (ast capture reads a function's source through ``inspect``)."""
    name = f"mscore_jit_case_{next(_counter)}"
    path = workdir / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # graph mode resolves the function's globals through its module
    spec.loader.exec_module(module)
    return getattr(module, FUNCTION)


def _first_line(exc: BaseException) -> str:
    """The exception's type and the first line of its message that says something (MindSpore's messages often
    start with an empty line or a rule of dashes)."""
    line = next((ln.strip() for ln in str(exc).splitlines() if ln.strip().strip("-")), "")
    return f"{type(exc).__name__}: {line}"[:300]


def check(source: str, inputs: dict[str, Any], *, mode: str = "ast", atol: float = 1e-5, rtol: float = 1e-5) -> dict:
    """Run the function of ``jit_function_source`` eagerly and under ``mindspore.jit(capture_mode=mode)`` on fresh
    copies of ``inputs`` (harness values, :class:`mscore.parity.values.Arr` leaves);
    returns ``{"status", "detail"}``."""
    import mindspore as ms

    from mscore.parity.ms_side import normalize, to_ms
    from mscore.parity.values import compare

    with tempfile.TemporaryDirectory(prefix="mscore-jit-") as tmp:
        fn = _load(source, Path(tmp))
        names = list(inputs)
        try:
            eager = normalize(fn(*(to_ms(inputs[n]) for n in names)))
        except Exception as exc:  # noqa: BLE001 - reported, not a jit finding
            return {"status": "eager", "detail": _first_line(exc)}
        try:
            jitted = ms.jit(fn, capture_mode=mode)
            got = normalize(jitted(*(to_ms(inputs[n]) for n in names)))
        except Exception as exc:  # noqa: BLE001 - the finding
            return {"status": "compile", "detail": _first_line(exc)}
    problems = compare(eager, got, atol=atol, rtol=rtol)
    return {"status": "differs", "detail": problems[0][:300]} if problems else {"status": "ok", "detail": ""}


# ------------------------------------------------------------------------------------------------ over all cases

# the parity worker's torch blocker is installed by importing its module, before anything else is imported
_CHILD = 'import runpy, mscore.parity._worker; runpy.run_module("mscore.parity.jit_check", run_name="__main__")'



def cases(only: str | None = None) -> list:
    """The eligible parity cases (``CaseEntry``), optionally only those whose id matches the regex ``only``."""
    import re

    from mscore.parity.collect import load_cases

    rx = re.compile(only) if only else None
    return [e for e in load_cases() if e.case is not None and eligible(e.case) and (rx is None or rx.search(e.id))]


def _child(start: int, mode: str, out_path: str, only: str | None) -> None:
    """In the MindSpore process: the cases from ``start`` on, one JSON line each ("begin" first, so that a crash
    inside MindSpore is attributable to its case)."""
    import json

    import mindspore as ms

    import mscore.backfill as backfill
    import mscore.runtime
    from mscore.parity.harness import convert_case
    from mscore.rules import load_rules

    ms.set_device("CPU")
    backfill.enable()
    sys.modules.setdefault("mscore_rt", mscore.runtime)  # as in the parity worker: converted code imports mscore_rt
    rules = load_rules()
    entries = cases(only)
    with open(out_path, "a") as out:
        for i in range(start, len(entries)):
            e = entries[i]
            out.write(json.dumps({"begin": i, "id": e.id}) + "\n")
            out.flush()
            converted, _, problems = convert_case(e.case, rules)
            src = None if problems else jit_function_source(converted, e.case.input_names())
            if src is None:
                r = {"status": "eager", "detail": "; ".join(problems) or "not an expression after conversion"}
            else:
                r = check(src, e.case.make_inputs(), mode=mode, atol=max(e.case.atol, 1e-5),
                          rtol=max(e.case.rtol, 1e-5))
            out.write(json.dumps({"index": i, "id": e.id, "api": e.case.api, "snippet": e.case.snippet, **r}) + "\n")
            out.flush()


def run_cases(mode: str = "ast", only: str | None = None, python: str = sys.executable) -> list[dict]:
    """Every eligible case, checked in a MindSpore child process (torch blocked, CPU backfill on); a case that kills
    the process is recorded as ``crash`` and the run goes on after it. One dict per case, in case order."""
    import json
    import os
    import subprocess

    n = len(cases(only))
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mscore-jit-cases-") as tmp:
        log = os.path.join(tmp, "results.jsonl")
        start = 0
        while start < n:
            cmd = [python, "-c", _CHILD, str(start), mode, log] + ([only] if only else [])
            proc = subprocess.run(cmd, cwd=tmp, env=dict(os.environ, GLOG_v="4"), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            last = None
            with open(log) as f:
                for line in f:
                    rec = json.loads(line)
                    if "begin" in rec:
                        last = rec
                    else:
                        results[rec["index"]] = rec
            if len(results) >= n:
                break
            crashed = last["begin"] if last and last["begin"] not in results else start
            tail = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("[WARNING]")]
            results[crashed] = {"index": crashed, "id": last["id"] if last else "?", "api": "?", "snippet": "",
                                "status": "crash", "detail": f"the MindSpore process died ({proc.returncode}): "
                                                             f"{tail[-1][:200] if tail else ''}"}
            start = crashed + 1
    return [results[i] for i in sorted(results)]


if __name__ == "__main__":  # the child of run_cases: START MODE OUT [ONLY]
    _child(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
