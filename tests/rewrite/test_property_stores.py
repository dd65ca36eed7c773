"""A Tensor property with a runtime getter/setter is never rewritten into an assignment to a call.

Megatron's fused-kernel warm-up assigns two flags in one tuple target
(``bias.requires_grad, input.requires_grad = bias_grad, input_grad``); turning each target into the getter call
``autograd.requires_grad(bias)`` made initialize.py a SyntaxError that took every importer down."""
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
    assert "autograd.set_requires_grad(bias, False)" in out and "return autograd.requires_grad(input)" in out
    assert [u.api for u in result.unconverted] == ["Tensor.requires_grad"] * 2
