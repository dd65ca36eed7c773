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


def test_ambiguous_to_is_decided_at_run_time(assert_converts):
    # a name that may hold a tensor, a dtype or a device: mscore_rt.tensors.to tells them apart when it runs
    result = assert_converts(
        """\
        import torch
        a = x.to(y)
        b = x.to(target, non_blocking=True)
        """,
        """\
        from mscore_rt import tensors
        a = tensors.to(x, y)
        b = tensors.to(x, target)
        """,
    )
    assert not result.unconverted
