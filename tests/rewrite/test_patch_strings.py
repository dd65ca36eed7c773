"""Patches aimed at torch by string land on what the converted code calls.

MindSpeed's adaptor patches torch itself (``register_patch('torch.Tensor.view', wrapper)``); after conversion the call
sites call MindSpore, so the string names the rule's MindSpore target. A string inside an expression the converter
rewrites anyway (the call's other argument is a torch reference) is carried through that rewrite."""
from __future__ import annotations

import textwrap

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules

SRC = textwrap.dedent("""\
    import torch
    def adapt(aspm):
        aspm.register_patch('torch.Tensor.view', ensure_contiguous)
        aspm.register_patch('torch.nn.parameter.Parameter.type', type_wrapper)
        aspm.register_patch("torch.load", load_wrapper)
        aspm.register_patch('torch.distributed._all_gather_base', torch.distributed.all_gather_into_tensor)
        aspm.register_patch('torch.cuda.ipc_collect', collect)
        aspm.register_patch('megatron.core.utils.foo', bar)
        name = 'torch.load'
        logger.info('torch.load', x)
    """)


def test_torch_patch_targets_follow_the_rules():
    rules = load_rules()
    result = convert_source(SRC.encode(), "adaptor.py", rules)
    out = result.output.decode()
    assert "register_patch('mindspore.Tensor.view', ensure_contiguous)" in out
    # MindSpore's Parameter class has no Tensor methods of its own: its instances use mindspore.Tensor's
    # ... and a method converted to a function (x.type() -> tensors.type(x)) is patched where the calls go
    assert rules.tensor_methods["type"].target == "mscore_rt.tensors.type"
    assert "register_patch('mscore_rt.tensors.type', type_wrapper)" in out
    assert 'register_patch("mscore_rt.serialization.load", load_wrapper)' in out
    gather = rules.apis["torch.distributed._all_gather_base"].target
    assert f"register_patch('{gather}', mint.distributed.all_gather_into_tensor)" in out   # carried through
    assert "register_patch('megatron.core.utils.foo', bar)" in out       # not torch: untouched
    assert "name = 'torch.load'" in out and "logger.info('torch.load', x)" in out   # not a patch call
    # no MindSpore counterpart: left, marked and counted
    assert "register_patch('torch.cuda.ipc_collect', collect)" in out
    assert [u.api for u in result.unconverted] == ["torch.cuda.ipc_collect"]
    again = convert_source(result.output, "adaptor.py", rules)
    assert again.output == result.output


def test_package_probes_ask_for_mindspore():
    # MindSpeed-MM's is_npu_available() starts with find_spec("torch_npu") is None: on MindSpore + Ascend that
    # answered "no NPU" for ever; the probe now asks for the framework the code runs on
    src = textwrap.dedent("""\
        import importlib.util
        import torch
        def is_npu_available():
            if importlib.util.find_spec("torch_npu") is None:
                return False
            return torch.npu.is_available()
        HAVE = importlib.util.find_spec('torch') is not None and find_spec("numpy") is not None
        """)
    out = convert_source(src.encode(), "u.py", load_rules()).output.decode()
    assert 'importlib.util.find_spec("mindspore") is None' in out
    assert "find_spec('mindspore') is not None" in out and 'find_spec("numpy")' in out


def test_hf_return_tensors_pt_gives_mindspore_tensors():
    """return_tensors="pt" (torch tensors from a Hugging Face tokenizer / processor) needs torch: the call asks for
    NumPy and its result becomes MindSpore tensors; inside a call the converter rewrites anyway only "np"; other
    values and other keywords stay."""
    src = textwrap.dedent("""\
        import torch
        def prep(image_processor, tokenizer, images, prompt):
            a = image_processor(images, return_tensors="pt")
            b = torch.cat([tokenizer(prompt, return_tensors='pt').input_ids, tokenizer(prompt, return_tensors="np")])
            c = tokenizer(prompt, return_tensors=kind, padding="pt")
            return a, b, c
        """)
    result = convert_source(src.encode(), "plugin.py", load_rules())
    out = result.output.decode()
    assert "from mscore_rt import hf_training" in out
    assert 'a = hf_training.to_mindspore(image_processor(images, return_tensors="np"))' in out
    assert "mint.cat([tokenizer(prompt, return_tensors='np').input_ids, tokenizer(prompt, return_tensors=\"np\")])" in out
    assert 'tokenizer(prompt, return_tensors=kind, padding="pt")' in out
    assert convert_source(result.output, "plugin.py", load_rules()).output == result.output
