"""The converted MindSpeed-MM stack against Hugging Face's Qwen2.5-VL: the whole route of
``bench/qwen2_5_vl_hf_parity.py`` (tiny HF checkpoint -> converted mm-convert -> converted VLMModel built as
pretrain_vlm builds it, strict Megatron load -> forward and backward vs transformers), both attention paths.

Opt-in (the environment ``_real_stack`` describes); it converts the stack itself, about 2 minutes here.
"""
from __future__ import annotations

import pytest

from ._real_stack import convert, needs_stack, run_bench

pytestmark = needs_stack


def test_converted_stack_matches_hugging_face(tmp_path):
    pytest.importorskip("transformers", minversion="4.49")
    p = run_bench("qwen2_5_vl_hf_parity.py", convert(tmp_path / "conv"), "--work", str(tmp_path / "work"))
    report = p.stdout + p.stderr[-3000:]
    assert p.returncode == 0, report
    rows = {line.split("|")[1].strip(): line for line in p.stdout.splitlines()
            if line.startswith(("| plain ", "| flash "))}
    assert set(rows) == {"plain", "flash"}, report
    assert all(line.rstrip().endswith("| ok |") for line in rows.values()), report
    assert "PARITY OK" in p.stdout, report
