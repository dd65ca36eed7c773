"""x.to(...) keeps only the dtype."""


def test_to_device_and_dtype(assert_converts):
    assert_converts(
        """\
        import torch
        a = x.to(device)
        b = x.to(torch.float32)
        c = x.to(device, torch.float32)
        d = x.to(dtype=other.dtype, non_blocking=True)
        e = x.to("cuda")
        g = x.to(params_dtype)
        """,
        """\
        import mindspore as ms
        a = x
        b = x.to(ms.float32)
        c = x.to(ms.float32)
        d = x.to(other.dtype)
        e = x
        g = x.to(params_dtype)
        """,
    )


def test_ambiguous_to_is_reported(assert_converts):
    result = assert_converts(
        """\
        import torch
        a = x.to(y)
        """,
        """\
        a = x.to(y)  # mscore: unconverted Tensor.to: .to(y): cannot tell a device from a dtype or a tensor; write .to(dtype=...)
        """,
    )
    assert result.unconverted[0].api == "Tensor.to"
