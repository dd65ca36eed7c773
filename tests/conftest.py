"""Shared fixtures: a small fixed rule set for engine tests, so they do not move when the shipped rules grow;
and the parity options (see mscore.parity), which pytest only takes from an initial conftest."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from mscore.parity.pytest_plugin import pytest_addoption, pytest_report_header  # noqa: F401 - pytest hooks
from mscore.rewrite.engine import convert_source
from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rule_file
from mscore.rules.model import RuleSet

FIXTURE_RULES = Path(__file__).parent / "rewrite" / "fixture_rules.toml"


@pytest.fixture(scope="session")
def fixture_rules() -> RuleSet:
    return RuleSet.build(load_rule_file(FIXTURE_RULES, KNOWN), "fixture")


def convert_text(source: str, rules: RuleSet, **kw):
    return convert_source(textwrap.dedent(source).encode(), "t.py", rules, **kw)


@pytest.fixture
def assert_converts(fixture_rules):
    """Golden check in the style of libcst's assertCodemod: before → after, and after is a fixed point."""

    def check(before: str, after: str, rules: RuleSet | None = None, **kw):
        rules = rules or fixture_rules
        result = convert_text(before, rules, **kw)
        got = result.output.decode()
        assert got == textwrap.dedent(after), f"--- got ---\n{got}"
        again = convert_source(result.output, "t.py", rules, **kw)
        assert again.output == result.output, "converting the output again changed it"
        return result

    return check


@pytest.fixture
def default_recursion_limit():
    """CPython's default recursion limit for the test (importing MindSpore raises it process-wide to 10,000, which
    changes what counts as too deeply nested for Python's own parser)."""
    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(old)


@pytest.fixture(autouse=True)
def _pynative_grad_flag_restored():
    """Importing mscore.runtime.autograd switches MindSpore's op recording on for the whole process (as it does in a
    converted program); a test that did so must not leave it on for the next one (in-place writes to leaves that
    require grad are then refused). Restored only where MindSpore is already imported."""
    executor = _grad_executor()
    before = executor.grad_flag() if executor is not None else None
    yield
    executor = executor or _grad_executor()
    if executor is not None and executor.grad_flag() != bool(before):
        executor.set_grad_flag(bool(before))


def _grad_executor():
    api = sys.modules.get("mindspore.common.api")
    return getattr(api, "_pynative_executor", None) if api is not None else None
