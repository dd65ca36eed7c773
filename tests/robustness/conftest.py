"""Rule sets for the robustness tests: the shipped rules (what users run), and a wide synthetic set that drives
every rule shape whatever the shipped rules hold today (the fixture rules come from tests/conftest.py)."""
from __future__ import annotations

import pytest

from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rules
from mscore.rules.model import RuleSet
from tests.robustness.wide_rules import wide_rules


@pytest.fixture(scope="session")
def shipped_rules() -> RuleSet:
    return load_rules(known_transforms=KNOWN)


@pytest.fixture(scope="session")
def wide(tmp_path_factory) -> RuleSet:
    return wide_rules(tmp_path_factory.mktemp("wide-rules"))


@pytest.fixture(scope="session", params=["fixture", "wide", "shipped"])
def any_rules(request, fixture_rules, shipped_rules, wide) -> RuleSet:
    return {"fixture": fixture_rules, "wide": wide, "shipped": shipped_rules}[request.param]
