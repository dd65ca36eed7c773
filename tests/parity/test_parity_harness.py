"""The harness must be able to fail: wrong mappings, leaks, crashes, traps are reported, not passed."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mscore.parity.case import Case, ModuleCase, randn, uniform
from mscore.parity.harness import run_case
from mscore.parity.values import Arr, Seq, compare
from mscore.rewrite.result import UNCHANGED, FileResult
from mscore.rules import load_rules

_spec = importlib.util.spec_from_file_location("cases_selftest", Path(__file__).parent / "cases" / "cases_selftest.py")
selftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(selftest)


@pytest.mark.parametrize("case,expected", selftest.NEGATIVE, ids=[c.api for c, _ in selftest.NEGATIVE])
def test_negative_case_fails(case, expected, ms_worker, parity_rules):
    outcome = run_case(case, ms_worker, parity_rules)
    assert not outcome.passed, f"the harness passed a case it must reject:\n{outcome.report()}"
    assert expected in outcome.report(), outcome.report()


def _identity(data: bytes, path: str, rules, **_) -> FileResult:
    """An engine that sees torch.zeros and converts nothing."""
    return FileResult(path=path, status=UNCHANGED, output=data, seen={"torch.zeros": 1})


def test_unconverted_torch_is_blocked_in_worker(ms_worker, parity_rules):
    """An engine that converts nothing leaks `import torch` into the worker: the case fails, naming the block."""
    outcome = run_case(Case("torch.zeros", "torch.zeros(2, 3)"), ms_worker, parity_rules, convert=_identity)
    assert not outcome.passed
    assert outcome.stage == "mindspore"
    assert "import of 'torch' is blocked" in outcome.report()


def test_worker_has_no_torch(ms_worker):
    reply = ms_worker.request({"op": "ping"})
    assert reply == {"ok": True, "torch_loaded": []}


@pytest.mark.parametrize("body,how", [("import os\nos._exit(7)", "exit code 7"),
                                      ("import ctypes\nctypes.string_at(0)", "SIGSEGV")])
def test_worker_crash_fails_case_and_worker_restarts(body, how, ms_worker, parity_rules):
    crash = Case("selftest.crash", "x + 1", x=randn(2), converted_override=f"{body}\nout = x\n")
    outcome = run_case(crash, ms_worker, parity_rules)
    assert not outcome.passed and outcome.stage == "worker"
    assert "worker died" in outcome.report() and how in outcome.report()
    if how == "SIGSEGV":   # the worker's Python traceback, down to the converted line that crashed
        assert "Fatal Python error" in outcome.report() and "<converted case>" in outcome.report(), outcome.report()
    starts = ms_worker.starts
    ok = Case("selftest.after_crash", "x + 1", x=randn(2),
              converted_override="from mindspore import mint\nout = mint.add(x, 1)\n")
    outcome = run_case(ok, ms_worker, parity_rules)
    assert outcome.passed, outcome.report()
    assert ms_worker.starts == starts + 1


def test_positive_selftests_really_compare(ms_worker, parity_rules):
    """The passing self-test for modules compares gradients: breaking one parameter's gradient is caught."""
    bad = ModuleCase("selftest.linear", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4)),
                     converted_override="from mindspore import mint, ops\nm = mint.nn.Linear(4, 3)\n\n"
                                        "def _parity_forward(m, x):\n"
                                        "    return mint.matmul(x, ops.stop_gradient(m.weight).T) + m.bias\n")
    outcome = run_case(bad, ms_worker, parity_rules)
    assert not outcome.passed
    assert "grad of parameter weight" in outcome.report()


# -- through the real engine, with a tiny rule set --------------------------------------------------------------

WRONG_RULES = """
["torch.exp"]
target = "mindspore.mint.log"
sig = "(input, *, out=None)"
status = "consistent"
note = "deliberately wrong, for the harness self-test"

["torch.cuda.foo"]
status = "unsupported"
note = "no equivalent, for the harness self-test"

["torch.cat"]
target = "mindspore.mint.cat"
sig = "(tensors, dim=0, *, out=None)"
unsupported_args = { out = "no out=" }
status = "consistent"
note = "right, for the harness self-test"

["torch_npu.npu_scaled_add"]
target = "mindspore.mint.add"
sig = "(input, other, *, alpha=1)"
status = "consistent"
note = "a made-up torch_npu op, for the harness self-test of torch-side references"
"""


def _engine_is_stub(rules) -> bool:
    from mscore.rewrite.engine import convert_source

    src = b"import torch\ny = torch.exp(x)\n"
    return convert_source(src, "probe.py", rules).output == src


@pytest.fixture(scope="module")
def wrong_rules(tmp_path_factory):
    d = tmp_path_factory.mktemp("rules")
    (d / "wrong.toml").write_text(WRONG_RULES)
    return load_rules(d)


def test_wrong_rule_is_detected_through_the_engine(wrong_rules, ms_worker):
    if _engine_is_stub(wrong_rules):
        pytest.xfail("the rewrite engine is still the stub (returns input unchanged)")
    outcome = run_case(Case("torch.exp", "torch.exp(x)", x=uniform(0.5, 2.0, 5)), ms_worker, wrong_rules)
    assert not outcome.passed
    assert outcome.stage == "compare" and "values differ" in outcome.report(), outcome.report()


def test_unsupported_rule_is_marked_through_the_engine(wrong_rules, ms_worker):
    if _engine_is_stub(wrong_rules):
        pytest.xfail("the rewrite engine is still the stub (returns input unchanged)")
    outcome = run_case(Case("torch.cuda.foo", "torch.cuda.foo()", expect="unsupported"), ms_worker, wrong_rules)
    assert outcome.passed, outcome.report()


def test_correct_rules_pass_through_the_engine(wrong_rules, ms_worker):
    for case in (Case("torch.cat", "torch.cat([a, b], 1)", a=randn(2, 3), b=randn(2, 3)),
                 Case("torch.cat", "torch.cat(dim=0, tensors=(a, b))", a=randn(2, 3), b=randn(2, 3)),
                 Case("torch_npu.npu_scaled_add", "torch_npu.npu_scaled_add(a, b, alpha=2)", a=randn(3), b=randn(3),
                      reference={"torch_npu.npu_scaled_add": lambda a, b, alpha=1: a + alpha * b})):
        outcome = run_case(case, ms_worker, wrong_rules)
        assert outcome.passed, outcome.report()
        assert "torch" not in outcome.converted_source.replace("torch_npu", "").replace("import", ""), \
            outcome.converted_source


def test_a_case_must_exercise_its_rule(wrong_rules, ms_worker):
    outcome = run_case(Case("torch.exp", "torch.cat([x])", x=randn(2)), ms_worker, wrong_rules)
    assert not outcome.passed and outcome.stage == "convert"
    assert "no reference to torch.exp" in outcome.report() and "torch.cat" in outcome.report()


def test_an_out_argument_is_reported_unconverted(wrong_rules, ms_worker):
    outcome = run_case(Case("torch.cat", "torch.cat([a, b], out=c)", a=randn(2), b=randn(2), c=randn(4)),
                       ms_worker, wrong_rules)
    assert not outcome.passed and outcome.stage == "convert" and "left unconverted: torch.cat" in outcome.report()
    ok = Case("torch.cat", "torch.cat([a, b], out=c)", a=randn(2), b=randn(2), c=randn(4), expect="unsupported")
    outcome = run_case(ok, ms_worker, wrong_rules)
    assert outcome.passed, outcome.report()


def test_references_are_restored():
    import sys

    import torch

    from mscore.parity.torch_side import references

    original = torch.cuda.current_device
    x = torch.ones(2)
    with references({"torch.cuda.current_device": lambda: 7, "torch_npu.npu.fake": 3,
                     "torch.Tensor.cuda": lambda self, *a, **k: self}):
        import torch_npu  # the stand-in

        assert torch.cuda.current_device() == 7 and torch_npu.npu.fake == 3 and x.cuda() is x
    assert torch.cuda.current_device is original
    assert "torch_npu" not in sys.modules and "torch_npu.npu" not in sys.modules
    assert "cuda" not in vars(torch.Tensor)       # the inherited method is back, not a copy
    with pytest.raises((AssertionError, RuntimeError)):   # CPU torch: no CUDA
        x.cuda()


def test_a_case_cannot_change_global_state_for_the_next(ms_worker, parity_rules):
    import torch

    first = Case("selftest.global_state", "torch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\n"
                 "out = torch.zeros(2).dtype", converted_override="import mindspore as ms\n"
                 "ms.set_context(mode=ms.GRAPH_MODE)\nout = ms.float64\n")
    assert run_case(first, ms_worker, parity_rules).passed
    assert torch.get_default_dtype() == torch.float32 and torch.is_grad_enabled()
    reply = ms_worker.request({"op": "case", "source": "import mindspore as ms\nout = ms.get_context('mode')\n",
                               "inputs": {}})
    assert reply["ok"] and reply["value"] == 1      # PYNATIVE_MODE


# -- pieces ------------------------------------------------------------------------------------------------------

def test_generators_are_deterministic_and_distinct():
    a1, a2, b = randn(3, 4).make("a"), randn(3, 4).make("a"), randn(3, 4).make("b")
    assert np.array_equal(a1.data, a2.data)
    assert not np.array_equal(a1.data, b.data)
    assert a1.dtype == "float32" and a1.data.dtype == np.float32 and a1.shape == (3, 4)


def test_bf16_inputs_are_exactly_representable():
    x = randn(64, dtype="bfloat16").make("x")
    bits = x.data.view(np.uint32)
    assert x.dtype == "bfloat16" and np.all(bits & 0xFFFF == 0)


def test_compare_reports_each_difference():
    e = Seq([Arr("float32", (2,), np.array([1.0, np.nan], np.float32)), 3])
    assert compare(e, Seq([Arr("float32", (2,), np.array([1.0, np.nan], np.float32)), 3]), atol=0, rtol=0) == []
    problems = compare(e, Seq([Arr("float32", (2,), np.array([1.1, np.nan], np.float32)), 3.0]), atol=1e-6,
                       rtol=1e-5)
    assert len(problems) == 2 and "out[0]" in problems[0] and "out[1]" in problems[1]


@pytest.mark.parametrize("case,text", [
    (Case("torch.x", "y = 1\nz = 2"), "must assign `out`"),
    (Case("torch.x", "torch.x(", x=randn(1)), "not valid Python"),
    (Case("torch.x", "x", out=randn(1)), "reserved"),
    (Case("torch.x", "x", compare="shape"), "needs reason"),
    (ModuleCase("torch.nn.X", "y = nn.Linear(1, 1)"), "assign the module to `m`"),
])
def test_bad_cases_are_reported(case, text):
    assert any(text in p for p in case.problems()), case.problems()
