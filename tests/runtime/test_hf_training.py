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


def _tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<unk>": 1, **{w: i + 2 for i, w in enumerate("a b c d e".split())}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", padding_side="right")


def test_collator_gives_what_transformers_gives_as_mindspore_tensors():
    """MindSpeed-MM's collator derives from DataCollatorForSeq2Seq without naming return_tensors ("pt"): the
    redirected class pads with transformers' own code and returns MindSpore tensors equal to torch's."""
    import numpy as np
    from transformers import DataCollatorForSeq2Seq as HF

    from mscore.runtime.hf_collate import DataCollatorForSeq2Seq

    tok = _tokenizer()
    feats = [{"input_ids": [2, 3, 4], "attention_mask": [1, 1, 1], "labels": [-100, 3, 4]},
             {"input_ids": [5], "attention_mask": [1], "labels": [5]}]
    want = HF(tokenizer=tok, pad_to_multiple_of=8, label_pad_token_id=-100)([dict(f) for f in feats])
    got = DataCollatorForSeq2Seq(tokenizer=tok, pad_to_multiple_of=8, label_pad_token_id=-100)([dict(f) for f in feats])
    assert set(got.keys()) == set(want.keys()) == {"input_ids", "attention_mask", "labels"}
    for k in want:
        assert type(got[k]).__name__ == "Tensor" and str(got[k].dtype) == "Int64", (k, type(got[k]))
        np.testing.assert_array_equal(got[k].asnumpy(), want[k].numpy())
    assert tuple(got["input_ids"].shape) == (2, 8)


def test_to_mindspore_converts_arrays_in_batch_results():
    import numpy as np
    from transformers import BatchFeature

    from mscore.runtime.hf_training import to_mindspore

    bf = to_mindspore(BatchFeature({"pixel_values": np.ones((4, 6), np.float32), "grid": np.array([[1, 2, 2]]),
                                    "names": ["x"]}))
    assert str(bf["pixel_values"].dtype) == "Float32" and tuple(bf["grid"].shape) == (1, 3)
    assert bf["names"] == ["x"] and str(to_mindspore(np.zeros(2, np.int32)).dtype) == "Int32"


def test_str_times_integer_tensor_repeats_like_torch():
    """MindSpeed-MM: '<|image_pad|>' * image_grid_thw[i].prod() // merge_length, with the grid a tensor."""
    import mindspore as ms
    import numpy as np
    import pytest
    import torch

    from mscore.runtime import tensors

    tensors.repeat_sequences()
    g_ms, g_t = ms.Tensor(np.array([1, 4, 8])), torch.tensor([1, 4, 8])
    got = ("ab" * (g_ms.prod() // 4), (g_ms.prod() // 8) * "c", b"x" * ms.Tensor(np.array(2)))
    want = ("ab" * (g_t.prod() // 4), (g_t.prod() // 8) * "c", b"x" * torch.tensor(2))
    assert got == want == ("ab" * 8, "cccc", b"xx")
    assert float((ms.Tensor(np.array([2.0])) * 3).asnumpy()[0]) == 6.0     # numbers still multiply
    with pytest.raises(TypeError):
        _ = "ab" * ms.Tensor(np.array(2.0), ms.float32)                     # torch: only integer tensors index
