"""Run one parity case: convert its torch module with mscore, run both sides, compare, explain any difference."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable

from mscore.parity.case import Case, ModuleCase
from mscore.parity.values import compare
from mscore.parity.worker import Worker, WorkerCrash, WorkerStartError
from mscore.rewrite.result import ERROR, UNDECODABLE, UNPARSABLE, FileResult

CASE_PATH = "parity_case.py"
Converter = Callable[..., FileResult]


class ParityFailure(AssertionError):
    """A case that did not hold; the message is the full report."""


@dataclass
class Outcome:
    case: Any
    problems: list[str] = field(default_factory=list)
    torch_source: str = ""
    converted_source: str | None = None
    stage: str = ""                      # where it failed: case / convert / torch / mindspore / compare / worker

    @property
    def passed(self) -> bool:
        return not self.problems

    def fail(self, stage: str, *problems: str) -> "Outcome":
        self.stage = self.stage or stage
        self.problems.extend(problems)
        return self

    def report(self) -> str:
        head = f"{self.case.label}: " + ("ok" if self.passed else f"FAILED at {self.stage}")
        lines = [head] + [f"  - {p}" for p in self.problems]
        if self.torch_source:
            lines += ["--- torch source ---", _numbered(self.torch_source)]
        if self.converted_source is not None:
            lines += ["--- converted source ---", _numbered(self.converted_source)]
        return "\n".join(lines)


def _numbered(src: str) -> str:
    return "\n".join(f"{i:3d} | {line}" for i, line in enumerate(src.splitlines(), start=1))


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.rstrip().splitlines())


def default_converter() -> Converter:
    from mscore.rewrite.engine import convert_source

    return convert_source


def convert_case(case, rules, convert: Converter | None = None) -> tuple[str, FileResult | None, list[str]]:
    """The converted source of ``case``'s torch module, the engine's FileResult and any conversion problems."""
    src = case.torch_source()
    if case.converted_override is not None:
        return case.converted_override, None, []
    convert = convert or default_converter()
    fr = convert(src.encode("utf-8"), CASE_PATH, rules)
    problems: list[str] = []
    if fr.status in (ERROR, UNPARSABLE, UNDECODABLE):
        problems.append(f"the engine could not convert the case ({fr.status}): {fr.message}")
    try:
        out = fr.output.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "", fr, problems + [f"the converted source is not UTF-8: {exc}"]
    return out, fr, problems


def _api_still_called(source: str, api: str) -> bool:
    """Whether the converted source still references ``api``'s last name (``torch.cuda.foo`` -> ``foo``)."""
    last = api.rsplit(".", 1)[-1]
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == last:
            return True
        if isinstance(node, ast.Name) and node.id == last:
            return True
    return False


def run_case(case, worker: Worker, rules, *, convert: Converter | None = None) -> Outcome:
    outcome = Outcome(case)
    problems = case.problems()
    if problems:
        return outcome.fail("case", *(f"bad case: {p}" for p in problems))
    outcome.torch_source = case.torch_source()
    converted, fr, problems = convert_case(case, rules, convert)
    outcome.converted_source = converted
    if problems:
        return outcome.fail("convert", *problems)
    if fr is not None and case.api not in fr.seen:
        seen = ", ".join(sorted(fr.seen)) or "nothing"
        return outcome.fail("convert", f"the engine found no reference to {case.api} in the snippet "
                                       f"(it found: {seen}): the case does not exercise its rule")
    if case.expect == "unsupported":
        return _check_unsupported(case, outcome, converted, fr)
    if fr is not None and fr.unconverted:
        return outcome.fail("convert", *(f"left unconverted: {u.api} (line {u.line}): {u.reason}"
                                         for u in fr.unconverted))
    if isinstance(case, ModuleCase):
        return _run_module(case, outcome, converted, worker)
    return _run_snippet(case, outcome, converted, worker)


def check_case(case, worker: Worker, rules, *, convert: Converter | None = None) -> Outcome:
    """:func:`run_case`, raising :class:`ParityFailure` with the report when the case does not hold."""
    outcome = run_case(case, worker, rules, convert=convert)
    if not outcome.passed:
        raise ParityFailure(outcome.report())
    return outcome


def _check_unsupported(case, outcome: Outcome, converted: str, fr: FileResult | None) -> Outcome:
    marker = f"# mscore: unconverted {case.api}"
    if marker not in converted:
        outcome.fail("convert", f"the converted source lacks the marker {marker!r}")
    if not _api_still_called(converted, case.api):
        outcome.fail("convert", f"the converted source no longer references {case.api} (it must be left in place)")
    if fr is not None and not any(u.api == case.api for u in fr.unconverted):
        listed = ", ".join(sorted({u.api for u in fr.unconverted})) or "nothing"
        outcome.fail("convert", f"the engine does not report {case.api} as unconverted (it reports {listed})")
    return outcome


def _ask(worker: Worker, outcome: Outcome, msg: dict) -> dict | None:
    try:
        reply = worker.request(msg)
    except (WorkerCrash, WorkerStartError) as exc:
        outcome.fail("worker", f"{exc}")
        return None
    if not reply.get("ok"):
        outcome.fail("mindspore", "the converted code raised in the MindSpore worker:\n" + _indent(reply["error"]))
        hint = _kernel_hint(reply["error"], worker.info)
        if hint:
            outcome.problems.append(hint)
        return None
    return reply


_ASCEND_ONLY = ("unregistered", "only supports Ascend", "Create kernelmod", "Unsupported op")


def _kernel_hint(error: str, info: dict) -> str:
    """Explain an Ascend-only kernel failure on CPU: backfill absent, or the op not (yet) covered by it."""
    if info.get("device") != "CPU" or not any(s in error for s in _ASCEND_ONLY):
        return ""
    backfill = str(info.get("backfill", ""))
    if backfill.startswith("absent"):
        return f"hint: an Ascend-only kernel on the CPU build and the CPU backfill is {backfill}"
    return ("hint: an Ascend-only kernel on the CPU build that mscore.backfill does not cover: add a CPU composite "
            "there (or target an op that runs on CPU)")


def _run_snippet(case: Case, outcome: Outcome, converted: str, worker: Worker) -> Outcome:
    from mscore.parity import torch_side

    inputs = case.make_inputs()
    expected = torch_side.run_snippet(outcome.torch_source, inputs, case.reference)
    if not expected["ok"]:
        return outcome.fail("torch", "the torch snippet itself raised (a bad case):\n" + _indent(expected["error"]))
    got = _ask(worker, outcome, {"op": "case", "source": converted, "inputs": inputs})
    if got is None:
        return outcome
    check = case.compare == "values"
    problems = compare(expected["value"], got["value"], atol=case.atol, rtol=case.rtol, check_values=check)
    for name in inputs:
        problems += compare(expected["inputs_after"][name], got["inputs_after"][name], atol=case.atol,
                            rtol=case.rtol, path=f"input {name} after the snippet", check_values=check)
    return outcome.fail("compare", *problems) if problems else outcome


def _run_module(case: ModuleCase, outcome: Outcome, converted: str, worker: Worker) -> Outcome:
    from mscore.parity import torch_side

    inputs = case.make_inputs()
    expected = torch_side.run_module(outcome.torch_source, inputs, grad=case.grad, train=case.train,
                                     refs=case.reference)
    if not expected["ok"]:
        return outcome.fail("torch", "the torch module itself failed (a bad case):\n" + _indent(expected["error"]))
    got = _ask(worker, outcome, {
        "op": "module", "source": converted, "inputs": inputs, "state": expected["state"], "train": case.train,
        "grad": case.grad, "grad_inputs": expected["grad_inputs"], "cotangents": expected["cotangents"],
    })
    if got is None:
        return outcome
    tkeys, mkeys = set(expected["state"]), set(got["keys"])
    if tkeys != mkeys:
        return outcome.fail("compare", "state_dict keys differ (a torch checkpoint would not load): "
                            f"only torch {sorted(tkeys - mkeys)}, only mindspore {sorted(mkeys - tkeys)}")
    if got["load_problems"]:
        return outcome.fail("compare", *(f"state_dict shape differs: {p}" for p in got["load_problems"]))
    tol = dict(atol=case.atol, rtol=case.rtol)
    problems = compare(expected["value"], got["value"], **tol)
    if case.grad:
        problems += _compare_grads("grad of input", expected["input_grads"], got["input_grads"], tol)
        problems += _compare_grads("grad of parameter", expected["param_grads"], got["param_grads"], tol)
    return outcome.fail("compare", *problems) if problems else outcome


def _compare_grads(what: str, expected: dict, got: dict, tol: dict) -> list[str]:
    if set(expected) != set(got):
        return [f"{what}s differ in names: only torch {sorted(set(expected) - set(got))}, "
                f"only mindspore {sorted(set(got) - set(expected))}"]
    problems: list[str] = []
    for name in expected:
        problems += compare(expected[name], got[name], path=f"{what} {name}", **tol)
    return problems
