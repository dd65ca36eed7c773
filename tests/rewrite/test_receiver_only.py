"""x.cuda() / model.npu() → x: MindSpore places tensors by the device target."""


def test_cuda_becomes_receiver(assert_converts):
    assert_converts(
        """\
        import torch
        x = batch["input"].cuda(non_blocking=True)
        y = (a + b).cuda()
        """,
        """\
        x = batch["input"]
        y = (a + b)
        """,
    )
