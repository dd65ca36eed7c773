"""Parity cases for rules/autograd.toml (torch.autograd.*)."""
from mscore.parity.case import Case, ModuleCase, randn, uniform

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
    # imperative autograd on MindSpore's tape (mscore_rt.autograd, docs/autograd.md)
    Case("torch.autograd.backward",
         "w = x.detach().requires_grad_()\ntorch.autograd.backward([(w * w).sum()])\nout = w.grad", x=randn(3)),
    Case("torch.autograd.backward",   # several outputs, one non-scalar with its gradient, one scalar seeded with ones
         "w = x.detach().requires_grad_()\n"
         "torch.autograd.backward([w * w, (w * 3).sum()], grad_tensors=[g, None])\nout = w.grad",
         x=randn(4), g=randn(4)),
    Case("torch.autograd.backward",   # Megatron's backward_step: a non-leaf input's gradient through retain_grad
         "inp = x.detach().requires_grad_()\nh = inp * 2\nh.retain_grad()\ny = (h * h * w).sum(1)\n"
         "torch.autograd.backward(y, grad_tensors=g)\nout = (h.grad, inp.grad)",
         x=randn(2, 3), w=randn(3), g=randn(2)),
    Case("torch.autograd.backward",   # inputs=: only the listed leaves accumulate
         "a = x.detach().requires_grad_()\nb = w.detach().requires_grad_()\n"
         "torch.autograd.backward((a * b).sum(), inputs=[a])\nout = (a.grad, b.grad is None)",
         x=randn(3), w=randn(3)),
    Case("torch.autograd.grad",
         "w = x.detach().requires_grad_()\n(gw,) = torch.autograd.grad((w ** 3).sum(), [w])\nout = (gw, w.grad is None)",
         x=randn(3)),
    Case("torch.autograd.grad",   # create_graph: a second-order gradient
         "w = x.detach().requires_grad_()\n(gw,) = torch.autograd.grad((w ** 3).sum(), w, create_graph=True)\n"
         "gw.sum().backward()\nout = (gw, w.grad)", x=randn(3)),
    Case("torch.autograd.grad",   # allow_unused, grad_outputs, a non-leaf input
         "a = x.detach().requires_grad_()\nb = w.detach().requires_grad_()\nh = a.exp()\n"
         "ga, gb, gh = torch.autograd.grad(h * 2, [a, b, h], grad_outputs=g, allow_unused=True)\n"
         "out = (ga, gb is None, gh)", x=randn(3), w=randn(3), g=randn(3)),
    Case("torch.autograd.variable.Variable._execution_engine.run_backward",   # Megatron's custom_backward
         "w = x.detach().requires_grad_()\ny = (w * w).sum()\n"
         "torch.autograd.variable.Variable._execution_engine.run_backward(tensors=(y,), grad_tensors=(g,), "
         "keep_graph=False, create_graph=False, inputs=tuple(), allow_unreachable=True, accumulate_grad=True)\n"
         "out = w.grad", x=randn(3), g=randn(())),
    Case("torch.autograd._is_checkpoint_valid", "torch.autograd._is_checkpoint_valid()", expect="unsupported"),
]

# Tensor-side imperative autograd (rules in tensor.toml / torch.toml / module.toml / nn.toml; runtime:
# mscore/runtime/autograd.py). Every case reads gradients through .grad, as torch code does.
CASES += [
    Case("Tensor.backward", "w = x.detach().requires_grad_()\n(w * w).sum().backward()\nout = w.grad", x=randn(3)),
    Case("Tensor.backward",   # accumulation across two backward calls
         "w = x.detach().requires_grad_()\n(w * w).sum().backward()\n(w.sin() * 3).sum().backward()\nout = w.grad",
         x=randn(4)),
    Case("Tensor.backward",   # retain_graph: the same graph twice
         "w = x.detach().requires_grad_()\ny = (w.exp() * w).sum()\ny.backward(retain_graph=True)\ny.backward()\n"
         "out = w.grad", x=randn(3)),
    Case("Tensor.backward",   # a non-scalar output with its gradient (positional and keyword)
         "a = x.detach().requires_grad_()\nb = x.detach().requires_grad_()\n(a * a).backward(g)\n"
         "(b * b).backward(gradient=g * 2)\nout = (a.grad, b.grad)", x=randn(2, 3), g=randn(2, 3)),
    Case("Tensor.backward",   # a Parameter leaf and a plain tensor leaf in one graph
         "p = nn.Parameter(w.clone())\na = x.detach().requires_grad_()\n((a @ p) ** 2).sum().backward()\n"
         "out = (p.grad, a.grad)", x=randn(2, 3), w=randn(3, 4)),
    Case("Tensor.backward",   # a module's parameters (weights copied from inputs so both sides agree)
         "lin = nn.Linear(3, 2)\nlin.weight = nn.Parameter(w.clone())\nlin.bias = nn.Parameter(b.clone())\n"
         "torch.nn.functional.mse_loss(lin(x), t).backward()\nout = (lin.weight.grad, lin.bias.grad)",
         x=randn(4, 3), w=randn(2, 3), b=randn(2), t=randn(4, 2)),
    Case("Tensor.backward",   # a non-scalar output without a gradient raises, as in torch
         "w = x.detach().requires_grad_()\ntry:\n    (w * 2).backward()\n    out = 'no error'\n"
         "except RuntimeError as e:\n    out = 'implicitly created only for scalar' in str(e)", x=randn(3)),
    Case("Tensor.retain_grad",
         "w = x.detach().requires_grad_()\nh = w * 2 + 1\nh.retain_grad()\ny = (h * h).sum()\n"
         "y.backward(retain_graph=True)\nfirst = h.grad.clone()\ny.backward()\nout = (first, h.grad, w.grad)",
         x=randn(3)),
    Case("Tensor.retain_grad",   # on a leaf: a no-op; the retained grad sees the hooks registered after it
         "w = x.detach().requires_grad_()\nw.retain_grad()\nh = w * 3\nh.retain_grad()\n"
         "h.register_hook(lambda g: g * 10)\nh.sum().backward()\nout = (h.grad, w.grad, h.retains_grad)",
         x=randn(3)),
    Case("Tensor.register_hook",   # replace the gradient on a non-leaf; observe it on a leaf (hook returns None)
         "w = x.detach().requires_grad_()\nseen = []\nh = w * 2\nh.register_hook(lambda g: g * 3)\n"
         "w.register_hook(lambda g: seen.append(g))\n(h * h).sum().backward()\nout = (w.grad, seen[0])",
         x=randn(3)),
    Case("Tensor.register_hook",   # a removed hook no longer runs
         "w = x.detach().requires_grad_()\nhandle = w.register_hook(lambda g: g * 100)\nhandle.remove()\n"
         "(w * w).sum().backward()\nout = w.grad", x=randn(3)),
    Case("Tensor.requires_grad_",   # the chained form returns the tensor (MindSpore's own returns None)
         "a = x.detach().requires_grad_()\nb = x.clone().requires_grad_(False)\n"
         "out = (a.requires_grad, a.is_leaf, b.requires_grad)", x=randn(3)),
    Case("Tensor.grad",   # p.grad = None starts accumulation again; p.grad = t sets it
         "w = x.detach().requires_grad_()\n(w * w).sum().backward()\nw.grad = None\n(w * 3).sum().backward()\n"
         "first = w.grad\nw.grad = g.clone()\n(w * 2).sum().backward()\nout = (first, w.grad)",
         x=randn(3), g=randn(3)),
    Case("Tensor.grad",   # del p.grad, p.grad += v, reads of a non-leaf without retain_grad
         "w = x.detach().requires_grad_()\nh = w * 2\n(h * w).sum().backward()\nfirst = w.grad * 1\n"
         "del w.grad\n(w * 5).sum().backward()\nw.grad += g\nout = (first, w.grad, h.grad is None)",
         x=randn(3), g=randn(3)),
    Case("Tensor.requires_grad",   # read on leaves, results and under no_grad; written on a leaf
         "w = x.detach().requires_grad_()\nc = x.clone()\nc.requires_grad = True\nh = w * 2\n"
         "with torch.no_grad():\n    k = w * 2\nout = (w.requires_grad, c.requires_grad, h.requires_grad, "
         "k.requires_grad, x.requires_grad)", x=randn(3)),
    Case("Tensor.is_leaf",
         "w = x.detach().requires_grad_()\nh = w * 2\nout = (w.is_leaf, h.is_leaf, x.is_leaf)", x=randn(3)),
    Case("Tensor.grad_fn",
         "w = x.detach().requires_grad_()\nh = w * 2\nout = (w.grad_fn is None, h.grad_fn is not None)", x=randn(3)),
    Case("Tensor.retains_grad",
         "w = x.detach().requires_grad_()\nh = w * 2\nbefore = h.retains_grad\nh.retain_grad()\n"
         "out = (before, h.retains_grad)", x=randn(3)),
    Case("torch.enable_grad",   # no_grad / enable_grad nesting
         "w = x.detach().requires_grad_()\nwith torch.no_grad():\n    a = w * 2\n    with torch.enable_grad():\n"
         "        b = w * 3\n        inner = torch.is_grad_enabled()\n    c = w * 4\n    outer = torch.is_grad_enabled()\n"
         "d = w * 5\n(b.sum() + d.sum()).backward()\n"
         "out = (a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad, inner, outer, "
         "torch.is_grad_enabled(), w.grad)", x=randn(3)),
    Case("torch.enable_grad",   # as a decorator inside no_grad
         "w = x.detach().requires_grad_()\n@torch.enable_grad()\ndef f(t):\n    return t * 2\n"
         "with torch.no_grad():\n    y = f(w)\nout = y.requires_grad", x=randn(3)),
    Case("torch.set_grad_enabled",
         "w = x.detach().requires_grad_()\nwith torch.set_grad_enabled(False):\n    a = w * 2\n"
         "torch.set_grad_enabled(False)\nb = w * 2\noff = torch.is_grad_enabled()\ntorch.set_grad_enabled(True)\n"
         "c = w * 2\nout = (a.requires_grad, b.requires_grad, off, c.requires_grad)", x=randn(3)),
    Case("torch.is_grad_enabled",
         "with torch.no_grad():\n    a = torch.is_grad_enabled()\nout = (a, torch.is_grad_enabled())"),
    Case("Module.zero_grad",   # on a module: every parameter's .grad is cleared
         "lin = nn.Linear(3, 2)\nlin(x).sum().backward()\nhad = lin.weight.grad is not None\nlin.zero_grad()\n"
         "out = (had, lin.weight.grad is None, lin.bias.grad is None)", x=randn(4, 3)),
]

# A small MLP trained 5 steps with SGD (momentum, weight decay) the imperative way: the forward and backward live
# in a helper, so no training step is recognised and every statement maps onto MindSpore's tape (zero_grad,
# backward, the optimizer's step reading .grad). Weights come from the inputs, so both sides start equal.
MLP_TRAIN = """
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
with torch.no_grad():
    model[0].weight.copy_(w1)
    model[0].bias.copy_(b1)
    model[2].weight.copy_(w2)
    model[2].bias.copy_(b2)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01)


def forward_backward(xb, yb):
    loss = F.mse_loss(model(xb), yb)
    loss.backward()
    return loss


losses = []
for i in range(5):
    opt.zero_grad()
    loss = forward_backward(x, y)
    opt.step()
    losses.append(loss.item())
out = (losses, model[0].weight, model[0].bias, model[2].weight, model[2].bias, model[2].weight.grad)
"""

# values of order 0.1-1, so 1e-6 absolute is a few float32 ulps of every number compared
MLP_INPUTS = dict(x=uniform(-1, 1, (16, 4)), y=uniform(-0.5, 0.5, (16, 1)), w1=uniform(-0.5, 0.5, (8, 4)),
                  b1=uniform(-0.1, 0.1, 8), w2=uniform(-0.35, 0.35, (1, 8)), b2=uniform(-0.1, 0.1, 1))

CASES += [
    Case("Module.step", MLP_TRAIN, atol=1e-6, rtol=0.0, reason="the issue asks every number within 1e-6 absolute",
         **MLP_INPUTS),
    Case("Module.step",   # the same loop with clipping and p.grad edits between backward and step
         MLP_TRAIN.replace("    opt.step()", "    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)\n"
                           "    model[0].bias.grad.zero_()\n    opt.step()"), **MLP_INPUTS),
    Case("torch.nn.utils.clip_grad_norm_",   # outside a recognised step: the tape's .grad, any norm_type
         "p = nn.Parameter(x.clone())\nq = nn.Parameter(w.clone())\n((p * q) ** 2).sum().backward()\n"
         "n2 = torch.nn.utils.clip_grad_norm_([p, q], 0.5)\ng2 = (p.grad * 1, q.grad * 1)\n"
         "ninf = torch.nn.utils.clip_grad_norm_([p, q], 0.1, norm_type=float('inf'))\nout = (n2, g2, ninf, p.grad, q.grad)",
         x=randn(3), w=randn(3)),
    Case("Tensor.grad",   # in-place edits of .grad (zero_, mul_ through .data, add_)
         "w = x.detach().requires_grad_()\n(w * w).sum().backward()\nw.grad.mul_(3)\nw.grad.add_(g)\nfirst = w.grad * 1\n"
         "w.grad.zero_()\n(w * 2).sum().backward()\nout = (first, w.grad)", x=randn(3), g=randn(3)),
]

# factories with requires_grad=: the flag is not dropped but kept on the tape (calls.keep_requires_grad)
CASES += [
    Case("torch.tensor", "a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(a * a * x).sum().backward()\n"
         "out = (a.grad, a.requires_grad, torch.tensor([1.0], requires_grad=False).requires_grad)", x=randn(3)),
    Case("torch.ones", "flag = True\na = torch.ones(2, 3, requires_grad=flag)\nb = torch.full((3,), 2.0, requires_grad=True)\n"
         "((a @ b) * x).sum().backward()\nout = (a.grad, b.grad)", x=randn(2)),
]

# A GAN's two optimizers in one loop: the discriminator's step is recognised (a value_and_grad closure), the
# generator's goes to the tape (backward, step, zero_grad of its optimizer kept). Recording resumes after the
# closure's value_and_grad, so the generator's forward is on the tape.
GAN_TRAIN = """
d = nn.Linear(3, 1)
g = nn.Linear(2, 3)
with torch.no_grad():
    d.weight.copy_(wd)
    d.bias.copy_(bd)
    g.weight.copy_(wg)
    g.bias.copy_(bg)
opt_d = torch.optim.SGD(d.parameters(), lr=0.1)
opt_g = torch.optim.SGD(g.parameters(), lr=0.1, momentum=0.9)
losses = []
for i in range(3):
    opt_d.zero_grad()
    d_loss = d(x).mean() - d(g(z).detach()).mean()
    d_loss.backward()
    opt_d.step()
    g_loss = -d(g(z)).mean()
    g_loss.backward()
    opt_g.step()
    opt_g.zero_grad()
    losses.append((d_loss.item(), g_loss.item()))
out = (losses, d.weight, d.bias, g.weight, g.bias)
"""

CASES += [
    Case("Module.step", GAN_TRAIN, x=uniform(-1, 1, (8, 3)), z=uniform(-1, 1, (8, 2)),
         wd=uniform(-0.5, 0.5, (1, 3)), bd=uniform(-0.1, 0.1, 1), wg=uniform(-0.5, 0.5, (3, 2)),
         bg=uniform(-0.1, 0.1, 3)),
]

# hand-written SGD: `p -= lr * p.grad` updates the parameter in place (the target reads its own .grad, so it is a
# tensor; augmented.py), also through p.data and on a leaf made by requires_grad_()
CASES += [
    Case("Tensor.grad", "m = nn.Linear(2, 1)\nnn.init.ones_(m.weight)\nnn.init.zeros_(m.bias)\nm(x).sum().backward()\n"
         "with torch.no_grad():\n    for p in m.parameters():\n        p -= 0.1 * p.grad\nout = (m.weight, m.bias)",
         x=randn(3, 2), atol=1e-5, reason="sums over the batch"),
    Case("Tensor.grad", "m = nn.Linear(2, 1)\nnn.init.ones_(m.weight)\nnn.init.zeros_(m.bias)\nm(x).sum().backward()\n"
         "for p in m.parameters():\n    p.data -= 0.1 * p.grad\nout = m.weight", x=randn(3, 2), atol=1e-5,
         reason="sums over the batch"),
    Case("Tensor.grad", "a = x.requires_grad_()\n(a.sum() * 2).backward()\nwith torch.no_grad():\n"
         "    a -= 0.1 * a.grad\nout = a", x=randn(3)),
]

# torch.autograd's names for the grad-mode switches, and the legacy Variable with requires_grad=
CASES += [
    Case("torch.autograd.no_grad", "a = x.requires_grad_()\nwith torch.autograd.no_grad():\n    b = a + 1\n"
         "out = (b.requires_grad, b)", x=randn(3)),
    Case("torch.autograd.enable_grad", "with torch.no_grad():\n    with torch.autograd.enable_grad():\n"
         "        out = torch.is_grad_enabled()"),
    Case("torch.autograd.set_grad_enabled", "with torch.autograd.set_grad_enabled(False):\n"
         "    out = torch.is_grad_enabled()"),
    Case("torch.autograd.Variable", "from torch.autograd import Variable\nv = Variable(x, requires_grad=True)\n"
         "(v * v).sum().backward()\nout = v.grad", x=randn(3)),
    Case("torch.autograd.Variable", "from torch.autograd import Variable\nv = Variable(x)\n"
         "out = (v * 2, isinstance(v, Variable))", x=randn(3)),
]
