"""Decorators with no effect on values are removed (rule field ``decorator = "drop"``, statements/decorators.py);
other uses of the same APIs go to their runtime targets (``mscore_rt.<module>.<name>``, imported as
``from mscore_rt import <module>``)."""
from __future__ import annotations

import pytest

from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rule_file
from mscore.rules.loader import RuleFileError
from mscore.rules.model import RuleSet

RULES = '''
["torch.jit.script"]
target = "mscore_rt.nojit.script"
sig = "(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None)"
decorator = "drop"
status = "consistent"
note = "no-op"

["torch.compile"]
target = "mscore_rt.nojit.compile"
sig = "(model=None, *, fullgraph=False, dynamic=None, backend='inductor', mode=None, options=None, disable=False)"
decorator = "drop"
status = "consistent"
note = "no-op"

["torch.cuda.amp.custom_fwd"]
target = "mscore_rt.amp.custom_fwd"
sig = "(fwd=None, *, cast_inputs=None)"
decorator = "drop"
status = "consistent"
note = "no-op"

["torch.enable_grad"]
target = "mscore_rt.grad_mode.enable_grad"
sig = "()"
status = "consistent"
note = "grad flag"

["torch.float32"]
target = "mindspore.float32"
status = "consistent"
note = "dtype"

["torch.no_grad"]
target = "mindspore._no_grad"
sig = "()"
status = "consistent"
note = "no grad"
'''


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> RuleSet:
    path = tmp_path_factory.mktemp("rules") / "decorators.toml"
    path.write_text(RULES)
    return RuleSet.build(load_rule_file(path, KNOWN), "decorators")


def test_bare_and_called_decorators_go_with_their_imports(assert_converts, rules):
    assert_converts(
        """\
        import torch
        from torch.cuda.amp import custom_fwd


        @torch.jit.script
        def f(x):
            return x * 2


        class Fn:
            @staticmethod
            @custom_fwd(cast_inputs=torch.float32)
            def forward(ctx, x):
                return x

        @torch.compile(
            mode="max-autotune",
        )  # compiled for speed
        def g(x):
            return x
        """,
        """\


        def f(x):
            return x * 2


        class Fn:
            @staticmethod
            def forward(ctx, x):
                return x

        # compiled for speed
        def g(x):
            return x
        """,
        rules,
    )


def test_other_uses_go_to_the_runtime_helper(assert_converts, rules):
    assert_converts(
        """\
        import torch as th
        from torch import jit

        fuser = th.compile
        g = jit.script(f)


        @jit.script
        def h(x):
            with th.enable_grad():
                return x
        """,
        """\
        from mscore_rt import grad_mode, nojit

        fuser = nojit.compile
        g = nojit.script(f)


        def h(x):
            with grad_mode.enable_grad():
                return x
        """,
        rules,
    )


def test_runtime_alias_avoids_a_name_the_file_binds(assert_converts, rules):
    assert_converts(
        """\
        import torch
        grad_mode = "train"
        ctx = torch.enable_grad()
        """,
        """\
        from mscore_rt import grad_mode as mscore_grad_mode
        grad_mode = "train"
        ctx = mscore_grad_mode.enable_grad()
        """,
        rules,
    )


def test_a_decorator_that_is_not_dropped_is_an_ordinary_reference(assert_converts, rules):
    assert_converts(
        """\
        import torch


        @torch.no_grad()
        @torch.jit.script
        def f(x):
            return x
        """,
        """\
        import mindspore as ms


        @ms._no_grad()
        def f(x):
            return x
        """,
        rules,
    )


def test_unconverted_header_reference_keeps_its_marker_above(assert_converts, rules):
    result = assert_converts(
        """\
        import torch


        @torch.jit.script
        def f(x: torch.Unknown):
            return x
        """,
        """\
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")


        # mscore: unconverted torch.Unknown: no MindSpore mapping known
        def f(x: torch.Unknown):
            return x
        """,
        rules,
    )
    assert result.converted == {"torch.jit.script": 1}


def test_decorator_field_is_validated(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('["torch.jit.script"]\ntarget = "mscore_rt.nojit.script"\nsig = "(obj)"\ndecorator = "remove"\n'
                   'status = "consistent"\nnote = "x"\n')
    with pytest.raises(RuleFileError, match="decorator must be one of drop"):
        load_rule_file(bad, KNOWN)
    bad.write_text('["torch.jit.script"]\ntarget = "mscore_rt.no_such_module.script"\nsig = "(obj)"\n'
                   'status = "consistent"\nnote = "x"\n')
    with pytest.raises(RuleFileError, match="runtime target"):
        load_rule_file(bad, KNOWN)
