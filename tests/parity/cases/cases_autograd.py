"""Parity cases for rules/autograd.toml (torch.autograd.*)."""
from mscore.parity.case import Case, ModuleCase, randn

# A custom Function whose backward is deliberately NOT the true derivative (x3 on the input, a batch sum on the
# weight): the gradient comparison then proves the converted code runs this backward and not autodiff of forward.
FUNCTION_CTOR = """
class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, w):
        ctx.save_for_backward(a, w)
        return a * w

    @staticmethod
    def backward(ctx, g):
        a, w = ctx.saved_tensors
        return g * w * 3, (g * a).sum(0)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(4) * 0.5)

    def forward(self, x):
        return Scale.apply(x, self.w)


m = M()
"""

# a non-tensor argument kept on ctx (the stack's pattern: Function.apply(x, some_int))
FUNCTION_CTOR_2 = """
class Clip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, bound):
        ctx.bound = bound
        ctx.save_for_backward(a)
        return a.clamp(-bound, bound)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (a.abs() <= ctx.bound).float(), None


class M(nn.Module):
    def forward(self, x):
        return Clip.apply(x, 0.5) * 2


m = M()
"""

CASES = [
    Case("torch.autograd.Function",
         "class Double(torch.autograd.Function):\n"
         "    @staticmethod\n"
         "    def forward(ctx, a):\n"
         "        return a * 2\n"
         "    @staticmethod\n"
         "    def backward(ctx, g):\n"
         "        return g * 2\n"
         "out = Double.apply(x)", x=randn(3)),
    ModuleCase("torch.autograd.Function", FUNCTION_CTOR, inputs=dict(x=randn(2, 4))),
    ModuleCase("torch.autograd.Function", FUNCTION_CTOR_2, inputs=dict(x=randn(3, 4))),
    Case("torch.autograd.graph.saved_tensors_hooks",
         "with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):\n    out = x * 2", x=randn(3)),
    Case("torch.autograd.graph.saved_tensors_hooks",
         "def pack(t):\n    return t\ndef unpack(t):\n    return t\n"
         "with torch.autograd.graph.saved_tensors_hooks(pack_hook=pack, unpack_hook=unpack):\n    out = x.exp()",
         x=randn(3)),
    Case("torch.autograd.backward", "torch.autograd.backward([x.sum()])", x=randn(3), expect="unsupported"),
    Case("torch.autograd.grad", "torch.autograd.grad(x.sum(), [x])", x=randn(3), expect="unsupported"),
    Case("torch.autograd.Variable", "torch.autograd.Variable(x)", x=randn(3), expect="unsupported"),
    Case("torch.autograd._is_checkpoint_valid", "torch.autograd._is_checkpoint_valid()", expect="unsupported"),
]
