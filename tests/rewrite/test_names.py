"""Import aliases, function-local imports and shadowing decide what is torch."""


def test_aliases(assert_converts):
    assert_converts(
        """\
        import torch as th
        from torch.nn import functional as F
        from torch import cat as concat
        y = F.gelu(th.cat([a, b]))
        z = concat([a])
        """,
        """\
        from mindspore import mint
        y = mint.nn.functional.gelu(mint.cat([a, b]))
        z = mint.cat([a])
        """,
    )


def test_function_local_import(assert_converts):
    assert_converts(
        """\
        def f(a):
            import torch
            return torch.cat([a, a])


        def g(torch):
            return torch.cat([1])
        """,
        """\
        from mindspore import mint
        def f(a):
            return mint.cat([a, a])


        def g(torch):
            return torch.cat([1])
        """,
    )


def test_local_binding_shadows_import(assert_converts):
    assert_converts(
        """\
        import torch
        import torch.nn.functional as F


        def f(x, F=None):
            return F.gelu(x)


        g = lambda torch: torch.cat(x)
        h = [torch.cat(t) for torch in groups]
        k = torch.cat(x)
        """,
        """\
        from mindspore import mint


        def f(x, F=None):
            return F.gelu(x)


        g = lambda torch: torch.cat(x)
        h = [torch.cat(t) for torch in groups]
        k = mint.cat(x)
        """,
    )


def test_keyword_named_like_torch_alias_is_not_a_reference(assert_converts):
    assert_converts(
        """\
        import torch.nn as nn
        layer = build(nn=3, Linear=nn.Linear(2, 2))
        """,
        """\
        from mindspore import mint
        layer = build(nn=3, Linear=mint.nn.Linear(2, 2))
        """,
    )


def test_method_on_a_torch_call_result(assert_converts):
    assert_converts(
        """\
        import torch
        y = torch.cat([a, b], dim=-1).unsqueeze(2)
        """,
        """\
        from mindspore import mint
        y = mint.cat([a, b], dim=-1).unsqueeze(2)
        """,
    )


def test_annotations_map_classes_whose_calls_need_adaptation(assert_converts):
    assert_converts(
        """\
        import torch


        def f(layer: torch.nn.Linear) -> torch.nn.LayerNorm:
            x: torch.nn.Linear = layer
            return x
        """,
        """\
        from mindspore import mint, nn


        def f(layer: mint.nn.Linear) -> nn.LayerNorm:
            x: mint.nn.Linear = layer
            return x
        """,
    )


def test_name_also_bound_by_another_package_is_not_torch(assert_converts):
    """Megatron's optimizer: `Adam` is apex's FusedAdam when importable (MindSpeed patches it in), torch's AdamW only
    as the fallback; which one a call sees is decided at run time, so the call stays (the torch import is guarded
    as before) while a name only torch binds still converts."""
    result = assert_converts(
        """\
        try:
            from apex.optimizers import FusedAdam as Adam
        except ImportError:
            from torch.optim import AdamW as Adam
        from torch.nn import functional as F
        opt = Adam(params, lr=1e-3)
        y = F.gelu(x)
        """,
        """\
        from mindspore import mint
        try:
            from apex.optimizers import FusedAdam as Adam
        except ImportError:
            try:
                from torch.optim import AdamW as Adam
            except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
                from mscore_rt.leftover import missing as _mscore_missing
                Adam = _mscore_missing("torch.optim.AdamW")
        opt = Adam(params, lr=1e-3)
        y = mint.nn.functional.gelu(x)
        """,
    )
    assert result.n_converted == 1
