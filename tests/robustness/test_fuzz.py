"""Fuzzing the rewriter with generated torch programs (tests/robustness/fuzz_programs.py).

For every generated program that compiles: the rewriter never fails, the output compiles, a second pass changes
nothing, and the torch-free ``# KEEP`` lines come out byte for byte. Run under the shipped rules (what users get)
and the wide synthetic rules (every rule shape, whatever the shipped rules hold). ``bench/fuzz.py`` runs more.
"""
from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings

from tests.robustness.checks import compiles, contract_problems, lines
from tests.robustness.fuzz_programs import Names, programs

FUZZ_SETTINGS = settings(max_examples=120, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check_program(src: str, rules) -> None:
    data = src.encode()
    assume(compiles(data))
    keep = [ln for ln in lines(data) if b"# KEEP" in ln]
    problems = contract_problems(data, rules, keep=keep)
    assert not problems, "; ".join(problems) + "\n--- program ---\n" + src


def test_fuzz_shipped_rules(shipped_rules):
    @FUZZ_SETTINGS
    @given(programs(Names.from_rules(shipped_rules)))
    def run(src):
        check_program(src, shipped_rules)

    run()


def test_fuzz_wide_rules(wide):
    @FUZZ_SETTINGS
    @given(programs(Names.from_rules(wide)))
    def run(src):
        check_program(src, wide)

    run()


def test_fuzz_can_fail(shipped_rules):
    """The check is not vacuous: a program whose conversion would not compile is caught."""
    from mscore.rewrite.result import FileResult

    broken = "import torch\nx = torch.cat([a])\n"
    assert not contract_problems(broken.encode(), shipped_rules)
    import mscore.rewrite.engine as engine
    import tests.robustness.checks as checks

    real = checks.convert_source
    try:
        checks.convert_source = lambda data, path, rules: FileResult(path, "converted", data + b"def (:\n")
        assert any("does not compile" in p for p in contract_problems(broken.encode(), shipped_rules))
        checks.convert_source = lambda data, path, rules: FileResult(path, "converted", data + b"#")
        assert any("again changed" in p for p in contract_problems(broken.encode(), shipped_rules))
    finally:
        checks.convert_source = real
    assert engine.convert_source is real
