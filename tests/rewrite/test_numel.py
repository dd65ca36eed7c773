"""shape.numel() → tensors.numel(shape): MindSpore shapes are tuples without torch.Size's numel()."""
import pytest

from mscore.rules import load_rules


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_shape_receivers_use_the_runtime_numel(assert_converts, rules):
    assert_converts(
        """\
        import torch
        def _get(shape: torch.Size, start_index: int):
            end_index = start_index + shape.numel()
            return end_index, p.data.shape.numel(), x.size().numel(), self.other_shape.numel()
        """,
        """\
        from mscore_rt import tensors
        def _get(shape: tuple, start_index: int):
            end_index = start_index + tensors.numel(shape)
            return end_index, tensors.numel(p.data.shape), tensors.numel(x.shape), tensors.numel(self.other_shape)
        """,
        rules=rules,
    )


def test_tensor_receivers_keep_the_method(assert_converts, rules):
    result = assert_converts(
        """\
        import torch
        n = x.numel() + self.weight.numel() + buffers[0].numel()
        """,
        """\
        n = x.numel() + self.weight.numel() + buffers[0].numel()
        """,
        rules=rules,
    )
    assert result.unconverted == []


def test_runtime_numel_takes_shapes_and_tensors():
    import mindspore as ms
    from mscore.runtime import tensors

    assert tensors.numel((2, 3, 4)) == 24 and tensors.numel(()) == 1 and tensors.numel([5]) == 5
    assert tensors.numel(ms.ops.zeros((2, 3))) == 6
