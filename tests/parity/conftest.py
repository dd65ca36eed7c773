"""Session fixtures of the parity suite: one MindSpore worker and one rule set for the whole session."""
from __future__ import annotations

import pytest

from mscore.parity.worker import Worker, resolve_device


@pytest.fixture(scope="session")
def parity_device(request) -> str:
    try:
        return resolve_device(request.config.getoption("--ms-device", default=None))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def ms_worker(parity_device):
    """The long-lived MindSpore worker (started on first use, restarted after a crash, closed at session end)."""
    worker = Worker(parity_device)
    worker.spawn()      # MindSpore loads in the worker while this process imports torch and collects
    yield worker
    worker.close()


@pytest.fixture(scope="session")
def parity_rules():
    from mscore.rules import load_rules

    return load_rules()
