"""With the backfill on, the CPU answers as one Ascend device (mscore/backfill/_accelerator.py).

Megatron asserts an accelerator in initialize_megatron and MindSpeed-MM evaluates get_device("npu") at import; the
converted availability checks are MindSpore's, which say "no" on the CPU build. Compared with MindSpore's own
answers with the backfill off."""
from __future__ import annotations

import mindspore as ms
import pytest

import mscore.backfill as backfill
from mscore.backfill._accelerator import OneDeviceOnly


@pytest.fixture
def on():
    was_on = backfill.is_enabled()
    backfill.enable()
    yield
    if not was_on:
        backfill.disable()


def test_cpu_build_says_no_accelerator_without_the_backfill():
    if backfill.is_enabled():
        backfill.disable()
    assert ms.device_context.ascend.is_available() is False


def test_one_ascend_device_that_is_the_cpu(on):
    assert ms.device_context.ascend.is_available() is True
    assert ms.device_context.ascend.device_count() == 1 and ms.hal.device_count() == 1
    ms.set_device("Ascend", 0)                   # a launcher pinning its rank's device
    assert ms.get_context("device_target") == "CPU"
    x = ms.Tensor([1.0, 2.0]) * 2                # kernels still run, on the CPU
    assert x.asnumpy().tolist() == [2.0, 4.0]
    with pytest.raises(OneDeviceOnly, match="index 0"):
        ms.set_device("Ascend", 1)
    ms.set_device("CPU")                         # a CPU request goes through unchanged


def test_disable_restores_mindspores_answers(on):
    backfill.disable()
    assert ms.device_context.ascend.is_available() is False
    backfill.enable()
