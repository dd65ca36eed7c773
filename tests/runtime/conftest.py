"""The runtime helpers (mscore/runtime/, shipped as mscore_rt) run in-process here, with the CPU backfill on as a
converted program on CPU has it. Behaviour against torch is proven by the parity cases (tests/parity/cases/
cases_autograd.py); these tests cover what a snippet cannot: grad-mode state, fallbacks, files."""
from __future__ import annotations

import os

os.environ.setdefault("GLOG_v", "4")

import pytest  # noqa: E402

ms = pytest.importorskip("mindspore")
ms.set_device("CPU")

import mscore.backfill as backfill  # noqa: E402


@pytest.fixture(autouse=True)
def _backfill():
    was_on = backfill.is_enabled()
    backfill.enable()
    yield
    if not was_on:
        backfill.disable()
