"""A bare reference (a base class, a default argument, ``partial(nn.Linear, ...)``) to an API whose rule only drops
parameters becomes the target: a later call passing a dropped parameter fails there with a TypeError, it never
computes something else. Rules that rename, change defaults or use templates still need the call."""


def test_drop_only_rules_convert_as_bare_references(assert_converts):
    result = assert_converts(
        """\
        import torch.nn as nn
        from functools import partial


        class MatmulLinear(nn.Linear):
            def forward(self, x):
                return x


        def build(layer=nn.Linear):
            make = partial(nn.Linear, bias=False)
            return layer(2, 3), make(3, 4)
        """,
        """\
        from mindspore import mint
        from functools import partial


        class MatmulLinear(mint.nn.Linear):
            def construct(self, x):
                return x


        def build(layer=mint.nn.Linear):
            make = partial(mint.nn.Linear, bias=False)
            return layer(2, 3), make(3, 4)
        """,
    )
    assert result.converted == {"torch.nn.Linear": 3}


def test_rules_that_adapt_arguments_still_need_the_call(assert_converts):
    result = assert_converts(
        """\
        import torch
        norm = torch.nn.LayerNorm
        """,
        """\
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        norm = torch.nn.LayerNorm  # mscore: unconverted torch.nn.LayerNorm: used without a call, so its arguments cannot be adapted
        """,
    )
    assert [u.api for u in result.unconverted] == ["torch.nn.LayerNorm"]
