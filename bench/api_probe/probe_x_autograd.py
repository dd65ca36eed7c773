"""Gradients in small programs (issue 12's autograd family, second pass): backward() on scalars and with gradient=,
torch.autograd.backward / grad in keyword forms, accumulation and zeroing, retain_grad on intermediates, leaves made
every way (requires_grad=True in factories, requires_grad_ / attribute set, Parameters, detach().requires_grad_()),
gradients through common ops and losses, backward inside functions and modules."""
from mscore.parity.case import Case, const, randint, randn, uniform

C = Case

SNIPPETS = [
    C("Tensor.backward", "a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(a * a).sum().backward()\n"
      "out = a.grad"),
    C("Tensor.backward", "a = x.clone().requires_grad_(True)\nb = a.exp().mean()\nb.backward()\nout = a.grad",
      x=randn(4)),
    C("Tensor.backward", "x.requires_grad = True\ny = (x ** 2).sum()\ny.backward()\nout = x.grad", x=randn(3)),
    C("Tensor.backward", "a = x.detach().requires_grad_()\ny = a @ w\ny.sum().backward()\nout = a.grad",
      x=randn(2, 3), w=randn(3, 2), atol=1e-5, reason="sums"),
    C("Tensor.backward", "a = torch.ones(2, 2, requires_grad=True)\ny = a * 3\n"
      "y.backward(gradient=torch.full((2, 2), 0.5))\nout = a.grad"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.softmax(a, dim=-1)[..., 0].sum()\ny.backward()\n"
      "out = a.grad", x=randn(2, 3)),
    C("Tensor.backward", "a = x.requires_grad_()\nloss = torch.nn.functional.cross_entropy(a, t)\nloss.backward()\n"
      "out = a.grad", x=randn(3, 4), t=randint(0, 4, (3,)), atol=1e-5, reason="log-sum-exp"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.where(a > 0, a * 2, a * -1).sum()\ny.backward()\n"
      "out = a.grad", x=randn(5)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = a.clamp(-0.5, 0.5).sum()\ny.backward()\nout = a.grad",
      x=randn(5)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = a[1:].sum() + a[0] * 3\ny.backward()\nout = a.grad", x=randn(4)),
    C("Tensor.backward", "a = x.requires_grad_()\nb = a.view(2, 2).t().reshape(-1)\n(b * torch.arange(4.0)).sum()"
      ".backward()\nout = a.grad", x=randn(4)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.max(a)\ny.backward()\nout = a.grad", x=randn(5)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.cat([a, a * 2]).pow(2).sum()\ny.backward()\nout = a.grad",
      x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\nfor _ in range(3):\n    (a * 2).sum().backward()\nout = a.grad",
      x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\n(a * 2).sum().backward()\na.grad.zero_()\n(a * 5).sum().backward()\n"
      "out = a.grad", x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\n(a * 2).sum().backward()\na.grad = None\n(a * a).sum().backward()\n"
      "out = a.grad", x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = a * a\ny.sum().backward(retain_graph=True)\n"
      "g1 = a.grad.clone()\ny.mean().backward()\nout = (g1, a.grad)", x=randn(3)),
    C("Tensor.backward", "def loss_fn(p, q):\n    return ((p - q) ** 2).mean()\n\n"
      "p = x.clone().requires_grad_(True)\nloss_fn(p, y).backward()\nout = p.grad", x=randn(4), y=randn(4)),
    C("Tensor.backward", "w = nn.Parameter(torch.full((3,), 0.5))\nb = nn.Parameter(torch.zeros(()))\n"
      "loss = ((x @ w + b - t) ** 2).mean()\nloss.backward()\nout = (w.grad, b.grad)", x=randn(4, 3), t=randn(4),
      atol=1e-5, reason="sums"),
    C("Tensor.backward", "m = nn.Linear(3, 2)\nwith torch.no_grad():\n    m.weight.fill_(0.1)\n    m.bias.zero_()\n"
      "m(x).sum().backward()\nout = (m.weight.grad, m.bias.grad)", x=randn(4, 3), atol=1e-5, reason="sums"),
    C("Tensor.backward", "m = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))\n"
      "for p in m.parameters():\n    nn.init.constant_(p, 0.3)\nm(x).mean().backward()\n"
      "out = [p.grad for p in m.parameters()]", x=randn(3, 2), atol=1e-5, reason="sums"),
    C("Tensor.retain_grad", "a = x.requires_grad_()\nh = a.exp()\nh.retain_grad()\n(h * 2).sum().backward()\n"
      "out = (h.grad, a.grad)", x=randn(3)),
    C("Tensor.retain_grad", "a = x.requires_grad_()\nh = a * 3\nh.retain_grad()\nz = h.sin().sum()\nz.backward()\n"
      "out = h.grad", x=randn(3)),
    C("Tensor.grad", "a = x.requires_grad_()\n(a.sum() * 2).backward()\nwith torch.no_grad():\n"
      "    a -= 0.1 * a.grad\nout = a", x=randn(3)),
    C("Tensor.grad", "a = x.requires_grad_()\n(a ** 2).sum().backward()\nout = a.grad.data * 2", x=randn(3)),
    C("Tensor.is_leaf", "a = x.requires_grad_()\nb = a * 2\nout = (a.is_leaf, b.is_leaf, b.requires_grad)",
      x=randn(3)),
    C("Tensor.grad_fn", "a = x.requires_grad_()\nout = ((a * 2).grad_fn is not None, a.grad_fn is None)", x=randn(3)),
    C("torch.autograd.backward", "a = x.requires_grad_()\ny = (a * a).sum()\ntorch.autograd.backward(tensors=y)\n"
      "out = a.grad", x=randn(3)),
    C("torch.autograd.backward", "a = x.requires_grad_()\ny = a * 2\n"
      "torch.autograd.backward(y, grad_tensors=torch.ones_like(y))\nout = a.grad", x=randn(3)),
    C("torch.autograd.backward", "a = x.requires_grad_()\ny1 = a.sum()\ny2 = (a * 3).sum()\n"
      "torch.autograd.backward([y1, y2])\nout = a.grad", x=randn(3)),
    C("torch.autograd.grad", "a = x.requires_grad_()\nb = y.requires_grad_()\nga, gb = torch.autograd.grad((a * b)"
      ".sum(), [a, b])\nout = (ga, gb)", x=randn(3), y=randn(3)),
    C("torch.autograd.grad", "a = x.requires_grad_()\nz = a * 2\n(g,) = torch.autograd.grad(z, a, "
      "grad_outputs=torch.ones_like(z))\nout = g", x=randn(3)),
    C("torch.autograd.grad", "a = x.requires_grad_()\ny = (a ** 3).sum()\n"
      "(g,) = torch.autograd.grad(y, a, create_graph=True)\n(g2,) = torch.autograd.grad(g.sum(), a)\nout = g2",
      x=randn(3), atol=1e-5, reason="second order"),
    C("torch.autograd.grad", "a = x.requires_grad_()\nb = y.requires_grad_()\n"
      "ga, gb = torch.autograd.grad(a.sum(), [a, b], allow_unused=True)\nout = (ga, gb is None)", x=randn(3),
      y=randn(3)),
    C("torch.autograd.grad", "from torch.autograd import grad\na = x.requires_grad_()\nout = grad(a.pow(2).sum(), a)[0]",
      x=randn(3)),
    C("torch.autograd.backward", "from torch import autograd\na = x.requires_grad_()\nautograd.backward(a.sum() * 4)\n"
      "out = a.grad", x=randn(3)),
    C("torch.no_grad", "a = x.requires_grad_()\nwith torch.no_grad():\n    b = a * 2\nout = (b.requires_grad, b)",
      x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\nlog = torch.log(a).sum()\nlog.backward()\nout = a.grad",
      x=uniform(0.5, 2, (3,))),
    # hand-written SGD steps (in place on the leaf, under no_grad)
    C("Tensor.grad", "w = torch.ones(3, requires_grad=True)\n(w * x).sum().backward()\nwith torch.no_grad():\n"
      "    w -= 0.5 * w.grad\nout = w", x=randn(3)),
    C("Tensor.grad", "w = nn.Parameter(torch.ones(2))\nfor _ in range(2):\n    (w * x).sum().backward()\n"
      "    with torch.no_grad():\n        w -= 0.1 * w.grad\n        w.grad.zero_()\nout = w", x=randn(2)),
    C("Tensor.grad", "m = nn.Linear(2, 1)\nnn.init.ones_(m.weight)\nnn.init.zeros_(m.bias)\nm(x).sum().backward()\n"
      "with torch.no_grad():\n    for p in m.parameters():\n        p -= 0.1 * p.grad\nout = (m.weight, m.bias)",
      x=randn(3, 2), atol=1e-5, reason="sums"),
    C("Tensor.grad", "m = nn.Linear(2, 1)\nnn.init.ones_(m.weight)\nnn.init.zeros_(m.bias)\nm(x).sum().backward()\n"
      "for p in m.parameters():\n    p.data -= 0.1 * p.grad\nout = m.weight", x=randn(3, 2), atol=1e-5, reason="sums"),
]

SNIPPETS += [
    C("Tensor.backward", "a = x.requires_grad_()\nb = y.requires_grad_()\n(a * b).sum().backward(inputs=[a])\n"
      "out = (a.grad, b.grad is None)", x=randn(3), y=randn(3)),
    C("torch.autograd.grad", "a = x.requires_grad_()\ny = (a ** 2).sum()\ng1 = torch.autograd.grad(y, a, "
      "retain_graph=True)[0]\ng2 = torch.autograd.grad(y, a)[0]\nout = g1 + g2", x=randn(3)),
    C("Tensor.grad", "a = x.requires_grad_()\n(a * 3).sum().backward()\na.grad.data.zero_()\nout = a.grad",
      x=randn(3)),
    C("torch.enable_grad", "a = x.requires_grad_()\nwith torch.no_grad():\n    with torch.enable_grad():\n"
      "        b = a * 2\nout = b.requires_grad", x=randn(3)),
    C("Tensor.requires_grad_", "a = x.requires_grad_()\na.requires_grad_(False)\nout = a.requires_grad", x=randn(3)),
    C("torch.no_grad", "class M(nn.Module):\n    @torch.no_grad()\n    def predict(self, t):\n        return t * 2\n"
      "out = M().predict(x)", x=randn(3)),
    C("Tensor.detach", "a = x.requires_grad_()\ny = a.detach()\nout = (y.requires_grad, y)", x=randn(3)),
    C("Module.zero_grad", "m = nn.Linear(2, 1)\nm(x).sum().backward()\nm.zero_grad()\n"
      "out = m.weight.grad is None or bool((m.weight.grad == 0).all())", x=randn(3, 2)),
    C("Module.zero_grad", "m = nn.Linear(2, 1)\nm(x).sum().backward()\nm.zero_grad(set_to_none=True)\n"
      "out = m.weight.grad is None", x=randn(3, 2)),
    C("torch.optim.SGD", "w = nn.Parameter(torch.ones(2))\nopt = torch.optim.SGD([w], lr=0.1)\n(w * x).sum().backward()\n"
      "opt.zero_grad()\nout = w.grad is None or bool((w.grad == 0).all())", x=randn(2)),
    C("torch.autograd.grad", "a = x.requires_grad_()\ny1 = a.sum()\ny2 = (a * 2).sum()\n"
      "out = torch.autograd.grad(outputs=[y1, y2], inputs=a)[0]", x=randn(3)),
    C("torch.autograd.set_grad_enabled", "with torch.autograd.set_grad_enabled(False):\n"
      "    out = torch.is_grad_enabled()"),
    C("torch.autograd.no_grad", "a = x.requires_grad_()\nwith torch.autograd.no_grad():\n    b = a + 1\n"
      "out = b.requires_grad", x=randn(3)),
    C("torch.autograd.Variable", "from torch.autograd import Variable\nv = Variable(x, requires_grad=True)\n"
      "(v * v).sum().backward()\nout = v.grad", x=randn(3)),
    C("torch.autograd.backward", "a = x.requires_grad_()\ny = (a * a).sum()\n"
      "torch.autograd.backward(y, retain_graph=True)\ntorch.autograd.backward(y)\nout = a.grad", x=randn(3)),
    C("Tensor.backward", "a = torch.tensor(2.0, requires_grad=True)\nb = a ** 3\nb.backward()\nout = a.grad"),
    C("Tensor.backward", "a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)\n"
      "out_ = a.mm(a.t()).trace()\nout_.backward()\nout = a.grad"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = F.mse_loss(a, t)\ny.backward()\nout = a.grad", x=randn(4),
      t=randn(4)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.sigmoid(a).prod()\ny.backward()\nout = a.grad",
      x=randn(3), atol=1e-5, reason="products"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.norm(a)\ny.backward()\nout = a.grad", x=randn(3),
      atol=1e-5, reason="sqrt"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = (a.unsqueeze(0) * a.unsqueeze(1)).sum()\ny.backward()\n"
      "out = a.grad", x=randn(3), atol=1e-5, reason="sums"),
    C("Tensor.backward", "a = x.requires_grad_()\nidx = torch.tensor([0, 2, 2])\ny = a[idx].sum()\ny.backward()\n"
      "out = a.grad", x=randn(4)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = a.masked_fill(a < 0, 0.0).sum()\ny.backward()\nout = a.grad",
      x=randn(5)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.gather(a, 1, i).sum()\ny.backward()\nout = a.grad",
      x=randn(2, 3), i=const([[0, 0], [2, 1]])),
]

SNIPPETS += [
    C("torch.autograd.grad", "a = x.requires_grad_()\ny = a * a\nout = torch.autograd.grad(y, a, torch.ones_like(y))[0]",
      x=randn(3)),
    C("Tensor.grad", "a = x.requires_grad_()\na.grad = torch.zeros_like(a)\n(a * 2).sum().backward()\nout = a.grad",
      x=randn(3)),
    C("Tensor.grad", "a = x.requires_grad_()\n(a * 2).sum().backward()\ndel a.grad\nout = a.grad is None", x=randn(3)),
    C("Tensor.grad", "a = x.requires_grad_()\n(a * 2).sum().backward()\na.grad.add_(1.0)\nout = a.grad", x=randn(3)),
    C("Tensor.grad", "w = nn.Parameter(torch.ones(3))\n(w * x).sum().backward()\nwith torch.no_grad():\n"
      "    w.grad.zero_()\nout = w.grad", x=randn(3)),
    C("Tensor.grad", "w = nn.Parameter(torch.ones(3))\n(w * x).sum().backward()\ng = w.grad.detach().clone()\n"
      "out = g * 2", x=randn(3)),
    C("Tensor.retain_grad", "a = x.requires_grad_()\nh = a * 2\nh.retain_grad()\n(h ** 2).sum().backward(retain_graph=True)\n"
      "(h * 3).sum().backward()\nout = h.grad", x=randn(3)),
    C("Tensor.requires_grad", "a = x.requires_grad_()\nout = (a.detach().requires_grad, (a + 1).requires_grad)",
      x=randn(3)),
    C("Tensor.backward", "m = nn.Linear(3, 2)\nnn.init.constant_(m.weight, 0.2)\nnn.init.zeros_(m.bias)\n"
      "opt = torch.optim.SGD(m.parameters(), lr=0.5)\nfor _ in range(2):\n    opt.zero_grad()\n"
      "    loss = F.mse_loss(m(x), t)\n    loss.backward()\n    opt.step()\nout = (m.weight, loss.item())",
      x=randn(4, 3), t=randn(4, 2), atol=1e-5, reason="sums"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = a.exp().log().sum()\ny.backward()\nout = a.grad", x=randn(3),
      atol=1e-5, reason="exp/log"),
    C("Tensor.backward", "a = x.requires_grad_()\nb = a.reshape(2, 2).permute(1, 0).contiguous()\n"
      "b[0].sum().backward()\nout = a.grad", x=randn(4)),
    C("Tensor.backward", "a = x.requires_grad_()\nparts = torch.split(a, 2)\n(parts[0] * 3).sum().backward()\n"
      "out = a.grad", x=randn(4)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.stack([a, a * 2]).mean(0).sum()\ny.backward()\n"
      "out = a.grad", x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\ny = F.softmax(a, dim=0)[0]\ny.backward()\nout = a.grad", x=randn(3),
      atol=1e-5, reason="softmax"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = F.gelu(a).sum()\ny.backward()\nout = a.grad", x=randn(3),
      atol=1e-5, reason="erf"),
    C("Tensor.backward", "a = x.requires_grad_()\ny = torch.einsum('i,i->', a, a)\ny.backward()\nout = a.grad",
      x=randn(3)),
    C("Tensor.backward", "a = x.requires_grad_()\nloss = F.binary_cross_entropy_with_logits(a, t)\nloss.backward()\n"
      "out = a.grad", x=randn(4), t=const([0.0, 1.0, 1.0, 0.0]), atol=1e-5, reason="log"),
    C("torch.autograd.grad", "def f(t):\n    return (t ** 2).sum()\na = x.requires_grad_()\n"
      "out = torch.autograd.grad(f(a), a)[0]", x=randn(3)),
    C("Tensor.backward", "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.w = nn.Parameter(torch.ones(3))\n    def forward(self, t):\n        return (self.w * t).sum()\n"
      "m = M()\nm(x).backward()\nout = m.w.grad", x=randn(3)),
]
