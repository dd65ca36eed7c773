"""Template rules: the emitted expression is data, filled with the bound arguments."""


def test_template_forms(assert_converts):
    assert_converts(
        """\
        import torch
        torch.nn.init.zeros_(self.bias)
        torch.nn.init.normal_(w, std=0.02)
        n = x.element_size() * x.numel()
        """,
        """\
        from mindspore import mint, ops
        self.bias.copy_(mint.zeros_like(self.bias))
        w.copy_(ops.normal(w.shape, (0.0), 0.02))
        n = x.itemsize * x.numel()
        """,
    )


def test_template_refuses_double_evaluation(assert_converts):
    result = assert_converts(
        """\
        import torch
        torch.nn.init.zeros_(make())
        """,
        """\
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        torch.nn.init.zeros_(make())  # mscore: unconverted torch.nn.init.zeros_: tensor would be evaluated 2 times; bind it to a name first
        """,
    )
    assert len(result.unconverted) == 1


def test_pack_varargs_sizes(assert_converts):
    assert_converts(
        """\
        import torch
        a = torch.ones(2, 3, device=d)
        b = torch.ones((2, 3))
        c = torch.ones(*shape)
        e = torch.ones(n)
        f = torch.ones(size=(2, 3))
        """,
        """\
        from mindspore import mint
        a = mint.ones((2, 3))
        b = mint.ones((2, 3))
        c = mint.ones((*shape,))
        e = mint.ones(n)
        f = mint.ones(size=(2, 3))
        """,
    )


def test_isinstance_maps_classes_with_adapted_args(assert_converts):
    result = assert_converts(
        """\
        import torch
        ok = isinstance(m, (torch.nn.Linear, torch.nn.LayerNorm))
        cls = torch.nn.Linear
        """,
        """\
        from mindspore import mint, nn
        try:
            import torch
        except ImportError:  # mscore: not installed; only the code that uses these names fails (see docs/imports.md)
            from mscore_rt.leftover import missing as _mscore_missing
            torch = _mscore_missing("torch")
        ok = isinstance(m, (mint.nn.Linear, nn.LayerNorm))
        cls = torch.nn.Linear  # mscore: unconverted torch.nn.Linear: used without a call, so its arguments cannot be adapted
        """,
    )
    assert [u.api for u in result.unconverted] == ["torch.nn.Linear"]
