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
STATUSES = ("ok", "compile", "differs", "eager")
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


def check(source: str, inputs: dict[str, Any], *, mode: str = "ast", atol: float = 1e-5, rtol: float = 1e-5,
          workdir: Path | None = None) -> dict:
    """Run the function of ``jit_function_source`` eagerly and under ``mindspore.jit(capture_mode=mode)`` on fresh
    copies of ``inputs`` (harness values, :class:`mscore.parity.values.Arr` leaves);
    returns ``{"status", "detail"}``."""
    import mindspore as ms

    from mscore.parity.ms_side import normalize, to_ms
    from mscore.parity.values import compare

    with tempfile.TemporaryDirectory(prefix="mscore-jit-") as tmp:
        fn = _load(source, Path(workdir or tmp))
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
