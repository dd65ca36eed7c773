"""The data-driven call rewrite: binding, rename, drop, defaults, target order, unsupported args."""


def test_function_call_positional_and_keyword(assert_converts):
    assert_converts(
        """\
        import torch
        a = torch.cat([x, y], 1)
        b = torch.cat(tensors=[x, y], dim=0)
        """,
        """\
        from mindspore import mint
        a = mint.cat([x, y], 1)
        b = mint.cat(tensors=[x, y], dim=0)
        """,
    )


def test_drop_device_and_keep_dtype(assert_converts):
    assert_converts(
        """\
        import torch
        z = torch.zeros(2, 3, device=dev, dtype=torch.float32, pin_memory=True)
        """,
        """\
        import mindspore as ms
        from mindspore import mint
        z = mint.zeros(2, 3, dtype=ms.float32)
        """,
    )


def test_starred_size_binds_to_var_positional(assert_converts):
    assert_converts(
        """\
        import torch
        z = torch.zeros(*shape, device=dev)
        """,
        """\
        from mindspore import mint
        z = mint.zeros(*shape)
        """,
    )


def test_rename_target_order_and_default(assert_converts):
    # torch.var(x, 1) -> ops.var(x, 1, ddof=1): the legacy op's default ddof=0 differs from torch's unbiased=True
    assert_converts(
        """\
        import torch
        v = torch.var(x, 1)
        w = torch.var(x, keepdim=True, dim=0)
        """,
        """\
        from mindspore import ops
        v = ops.var(x, 1, ddof=1)
        w = ops.var(x, 0, keepdims=True, ddof=1)
        """,
    )


def test_unsupported_argument_leaves_call_and_marks(assert_converts):
    result = assert_converts(
        """\
        import torch
        y = torch.cat([a, b], out=buf)
        z = torch.cat([a, b], out=None)
        """,
        """\
        from mindspore import mint
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        y = torch.cat([a, b], out=buf)  # mscore: unconverted torch.cat: out= is not supported: no out=
        z = mint.cat([a, b], out=None)
        """,
    )
    assert [(u.api, u.line) for u in result.unconverted] == [("torch.cat", 2)]


def test_call_not_fitting_signature_is_left_and_reported(assert_converts):
    result = assert_converts(
        """\
        import torch
        y = torch.cat([a], 0, 1, 2)
        """,
        """\
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        y = torch.cat([a], 0, 1, 2)  # mscore: unconverted torch.cat: call does not match torch signature (tensors, dim=0, *, out=None): takes at most 2 positional arguments, got 4
        """,
    )
    assert result.n_converted == 0 and len(result.unconverted) == 1


def test_dropping_a_positional_turns_later_ones_into_keywords(assert_converts):
    assert_converts(
        """\
        import torch.nn as nn
        ln = nn.LayerNorm(8, 1e-6, True)
        """,
        """\
        from mindspore import nn
        ln = nn.LayerNorm(8, 1e-6, True)
        """,
    )
    assert_converts(
        """\
        import torch.nn as nn
        ln = nn.LayerNorm(8, device="cpu")
        """,
        """\
        from mindspore import nn
        ln = nn.LayerNorm(8, epsilon=1e-05)
        """,
    )


def test_multiline_call_keeps_layout_and_comments(assert_converts):
    assert_converts(
        """\
        import torch
        out = torch.zeros(
            4,  # rows
            8,
            device=dev,
        )
        """,
        """\
        from mindspore import mint
        out = mint.zeros(
            4,  # rows
            8,
        )
        """,
    )


def test_method_rule_with_default_and_property(assert_converts):
    assert_converts(
        """\
        import torch
        model.eval()
        model.train()
        model.train(False)
        ok = x.is_cuda
        h = x.float()
        """,
        """\
        from mindspore import ops
        model.set_train(mode=False)
        model.set_train(mode=True)
        model.set_train(False)
        ok = ops.is_tensor(x)
        h = x.float()
        """,
    )


def test_prefix_rule_keeps_attribute_path(assert_converts):
    assert_converts(
        """\
        import torch.distributed as dist
        op = dist.ReduceOp.SUM
        r = dist.get_rank()
        """,
        """\
        from mindspore import mint
        op = mint.distributed.ReduceOp.SUM
        r = mint.distributed.get_rank()
        """,
    )


def test_torch_npu_self_param_rename(assert_converts):
    assert_converts(
        """\
        import torch_npu
        y = torch_npu.npu_rms_norm(x, w, epsilon=1e-5)[0]
        """,
        """\
        from mindspore import ops
        y = ops.rms_norm(x, w, epsilon=1e-5)[0]
        """,
    )


def test_unconverted_call_inside_a_dropped_argument_is_not_reported(assert_converts):
    result = assert_converts(
        """\
        import torch
        z = torch.zeros(2, 3, device=torch.cuda.current_device())
        """,
        """\
        from mindspore import mint
        z = mint.zeros(2, 3)
        """,
    )
    assert result.unconverted == []
