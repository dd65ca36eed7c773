"""``x op= v`` on a name the file makes a tensor becomes an in-place update (rewrite/statements/augmented.py):
torch's ``+=`` / ``-=`` / ``*=`` / ``/=`` write into the tensor, MindSpore's rebind the name to a new one, which cut
Megatron's gradient buffer off the ``main_grad`` views of it (``self.grad_data *= scaling_factor``)."""
import pytest

from mscore.rules import load_rules
from tests.conftest import convert_text


@pytest.fixture(scope="module")
def shipped():
    return load_rules()


def test_attribute_made_by_a_torch_call_is_updated_in_place(assert_converts, shipped):
    assert_converts(
        """\
        import torch


        class Buffer:
            def __init__(self, n):
                self.grad_data = torch.zeros(n, dtype=torch.float32)
                self.count = 0

            def scale(self, factor, world):
                self.grad_data *= factor
                self.grad_data /= world
                self.count += 1


        class Bucket:
            def __init__(self, grad_data):
                self.grad_data = grad_data

            def add(self, g):
                self.grad_data += g  # a view of the buffer's
                self.grad_data -= 2 * g
        """,
        """\
        import mindspore as ms
        from mindspore import mint
        from mscore_rt import tensors


        class Buffer:
            def __init__(self, n):
                self.grad_data = mint.zeros(n, dtype=ms.float32)
                self.count = 0

            def scale(self, factor, world):
                self.grad_data = tensors.imul(self.grad_data, factor)
                self.grad_data = tensors.itruediv(self.grad_data, world)
                self.count += 1


        class Bucket:
            def __init__(self, grad_data):
                self.grad_data = grad_data

            def add(self, g):
                self.grad_data = tensors.iadd(self.grad_data, g)  # a view of the buffer's
                self.grad_data = tensors.isub(self.grad_data, 2 * g)
        """,
        rules=shipped,
    )


def test_variable_and_converted_value(assert_converts, shipped):
    assert_converts(
        """\
        import torch


        def norm_sq(grads):
            total = torch.zeros(1).cuda()
            for g in grads:
                total += torch.norm(g) ** 2
            n = 0
            n += 1
            return total
        """,
        """\
        from mindspore import mint
        from mscore_rt import tensors


        def norm_sq(grads):
            total = mint.zeros(1)
            for g in grads:
                total = tensors.iadd(total, mint.norm(g) ** 2)
            n = 0
            n += 1
            return total
        """,
        rules=shipped,
    )


def test_left_as_written(shipped):
    src = """\
    import torch

    buf = torch.zeros(4)


    def f(xs, g, other):
        xs[0] += g            # a subscript: __setitem__ already writes into xs
        other.total += g      # 'total' is never made by a torch call here
        get().buf += g        # a computed receiver would be evaluated twice
        buf **= 2             # not one of + - * /
    """
    out = convert_text(src, shipped).output.decode()
    for line in ("xs[0] += g", "other.total += g", "get().buf += g", "buf **= 2"):
        assert line in out, out
    assert "tensors" not in out


def test_file_without_torch_is_untouched(shipped):
    src = "def f(self, g):\n    self.grad_data = make()\n    self.grad_data *= g\n"
    assert convert_text(src, shipped).output.decode() == src


def test_update_reading_its_own_grad_and_tensor_method_results(assert_converts, shipped):
    # p -= lr * p.grad: only a tensor has .grad, so the target is one (the hand-written SGD step over parameters);
    # a = x.detach().requires_grad_(): made by a tensor-only method; n is neither
    assert_converts(
        """\
        import torch


        def sgd(model, x, lr):
            a = x.detach().requires_grad_()
            with torch.no_grad():
                a *= 2
                for p in model.parameters():
                    p -= lr * p.grad
                    p.data -= lr * p.grad
            n = 0
            n -= lr
            return a
        """,
        """\
        import mindspore as ms
        from mindspore import ops
        from mscore_rt import autograd, grad_flags, nn_ops, tensors


        def sgd(model, x, lr):
            a = grad_flags.requires_grad_(ops.stop_gradient(x))
            with ms._no_grad():
                a = tensors.imul(a, 2)
                for p in nn_ops.parameters(model):
                    p = tensors.isub(p, lr * autograd.grad_of(p))
                    p.data = tensors.isub(p.data, lr * autograd.grad_of(p))
            n = 0
            n -= lr
            return a
        """,
        rules=shipped,
    )
