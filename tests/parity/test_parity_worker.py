"""Device selection and worker start-up."""
from __future__ import annotations

import pytest

from mscore.parity.case import Case, randn
from mscore.parity.harness import run_case
from mscore.parity.worker import Worker, WorkerStartError, resolve_device
from mscore.rules.model import RuleSet


def test_device_option_wins_over_environment(monkeypatch):
    monkeypatch.setenv("MSCORE_PARITY_DEVICE", "Ascend")
    assert resolve_device(None) == "Ascend"
    assert resolve_device("cpu") == "CPU"
    monkeypatch.delenv("MSCORE_PARITY_DEVICE")
    assert resolve_device(None) == "CPU"
    with pytest.raises(ValueError, match="unknown parity device 'GPU'"):
        resolve_device("GPU")


def test_cpu_worker_reports_its_setup(ms_worker, parity_device):
    info = ms_worker.start()
    assert info["device"] == parity_device
    if parity_device == "CPU":
        assert info["backfill"] == "on" or info["backfill"].startswith("absent")
    else:
        assert info["backfill"] == "off"


def test_ascend_worker_has_no_backfill_or_fails_clearly():
    """On an Ascend machine the worker starts with the backfill off; elsewhere every case fails at once with
    MindSpore's own reason (and the worker is not restarted for each case)."""
    worker = Worker("Ascend")
    try:
        try:
            info = worker.start()
        except WorkerStartError as exc:
            assert "could not start on Ascend" in str(exc) and "Ascend" in str(exc).split("\n", 1)[1]
            case = Case("selftest.x", "x + 1", x=randn(2), converted_override="out = x + 1\n")
            outcome = run_case(case, worker, RuleSet.build([], ""))
            assert outcome.stage == "worker" and "could not start on Ascend" in outcome.report()
            assert worker.starts == 1
        else:
            assert info["device"] == "Ascend" and info["backfill"] == "off"
    finally:
        worker.close()
