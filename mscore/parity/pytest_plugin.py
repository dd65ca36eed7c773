"""Pytest hooks for the parity suite. ``tests/conftest.py`` re-exports them (options must be registered by an
initial conftest so ``pytest --ms-device=Ascend`` works from the repository root)."""
from __future__ import annotations

import os


def pytest_addoption(parser):
    group = parser.getgroup("mscore parity")
    group.addoption("--ms-device", action="store", default=None, metavar="DEVICE",
                    help="MindSpore device for the converted side of parity tests: CPU (default, CPU backfill on) "
                         "or Ascend (backfill off). Also: MSCORE_PARITY_DEVICE.")


def pytest_report_header(config):
    from mscore.parity.worker import resolve_device

    try:
        device = resolve_device(config.getoption("--ms-device", default=None))
    except ValueError as exc:
        return f"mscore parity: {exc}"
    backfill = "CPU backfill on if mscore.backfill is present" if device == "CPU" else "no backfill"
    timeout = os.environ.get("MSCORE_PARITY_TIMEOUT", "600")
    return f"mscore parity: MindSpore device {device} ({backfill}); worker timeout {timeout} s"
