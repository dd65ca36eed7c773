"""A Tensor property with a runtime getter/setter is never rewritten into an assignment to a call.

Megatron's fused-kernel warm-up assigns two flags in one tuple target
(``bias.requires_grad, input.requires_grad = bias_grad, input_grad``); turning each target into the getter call
``grad_flags.requires_grad(bias)`` made initialize.py a SyntaxError that took every importer down."""
from __future__ import annotations

import ast
import textwrap

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules


def test_tuple_target_left_marked_single_target_uses_the_setter():
    src = textwrap.dedent("""\
        import torch
        def warm(bias, input):
            for a, b in zip([True, True], [False, True]):
                bias.requires_grad, input.requires_grad = a, b
            bias.requires_grad = False
            return input.requires_grad
        """)
    result = convert_source(src.encode(), "t.py", load_rules())
    out = result.output.decode()
    ast.parse(out)
    assert "bias.requires_grad, input.requires_grad = a, b  # mscore: unconverted Tensor.requires_grad" in out
    assert "grad_flags.set_requires_grad(bias, False)" in out and "return grad_flags.requires_grad(input)" in out
    assert "autograd" not in out   # no tape import (it switches op recording on process-wide)
    assert [u.api for u in result.unconverted] == ["Tensor.requires_grad"] * 2


def test_flag_reads_and_freezing_do_not_import_the_tape():
    """A script that only reads / sets requires_grad (freezing, filtering the optimizer's parameters) must not import
    mscore_rt.autograd, whose import switches PyNative op recording on for the whole process; marking a tensor made
    by a factory (requires_grad=True) or calling backward does."""
    src = textwrap.dedent("""\
        import torch
        def freeze(model):
            model.requires_grad_(False)
            for p in model.parameters():
                p.requires_grad = p.is_leaf
            return [p for p in model.parameters() if p.requires_grad]
        """)
    out = convert_source(src.encode(), "t.py", load_rules()).output.decode()
    assert "grad_flags.requires_grad_(model, False)" in out and "grad_flags.requires_grad(p)" in out
    assert "grad_flags.set_requires_grad(p, grad_flags.is_leaf(p))" in out
    assert "autograd" not in out
    tape = convert_source(b"import torch\nx = torch.ones(3, requires_grad=True)\nx.sum().backward()\n", "t.py",
                          load_rules()).output.decode()
    assert "autograd.backward(" in tape and "grad_flags.requires_grad_(" in tape
