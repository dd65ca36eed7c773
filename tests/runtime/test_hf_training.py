"""mscore_rt.hf_training.TrainingArguments: MindSpeed-MM's dataset builder orders preprocessing with
TrainingArguments(output_dir=...).main_process_first(); the import is redirected, and in one process the block runs
once, as transformers documents for its own class (which needs torch and accelerate, absent in the test extra).
A block that raises propagates."""
from __future__ import annotations

import os
import sys
import textwrap

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules

os.environ.setdefault("GLOG_v", "4")

SRC = """
    try:
        from transformers.training_args import TrainingArguments
    except (ImportError, RuntimeError):
        TrainingArguments = None
    runs = []
    args = TrainingArguments(output_dir='./out')
    with args.main_process_first(desc="pre-process dataset"):
        runs.append(args.output_dir)
"""


def test_main_process_first_runs_the_block_once_like_transformers():
    import mscore.runtime

    sys.modules.setdefault("mscore_rt", mscore.runtime)
    res = convert_source(textwrap.dedent(SRC).encode(), "t.py", load_rules())
    out = res.output.decode()
    assert "from mscore_rt.hf_training import TrainingArguments" in out and "transformers" not in out
    ns: dict = {}
    exec(compile(out, "<converted>", "exec"), ns)
    assert ns["runs"] == ["./out"]
    args = ns["TrainingArguments"](output_dir="x", seed=3)
    assert args.seed == 3
    try:
        with args.main_process_first():
            raise KeyError("inside")
    except KeyError as exc:
        assert exc.args == ("inside",)
    else:
        raise AssertionError("the block's exception was swallowed")
    assert convert_source(res.output, "t.py", load_rules()).output == res.output
