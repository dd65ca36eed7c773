"""out= (the result written into `out`, resized if needed, `out` returned), grad mode and small-program autograd,
serialization, RNG state, version strings, decorators with no effect on values."""
from mscore.parity.case import Case, randint, randn, rand_bool, uniform

C = Case
SHAPE = dict(compare="shape", reason="random values: shape and dtype only")

OUT = [
    C("torch.exp", "o = torch.empty(3)\ntorch.exp(x, out=o)\nout = o", x=randn(3)),
    C("torch.exp", "o = torch.empty(0)\nr = torch.exp(x, out=o)\nout = (o, r is o)", x=randn(2, 2)),
    C("torch.log", "o = torch.zeros(3)\ntorch.log(x, out=o)\nout = o", x=uniform(0.1, 2, (3,))),
    C("torch.cat", "o = torch.empty(0)\ntorch.cat([a, b], out=o)\nout = o", a=randn(2), b=randn(3)),
    C("torch.cat", "o = torch.zeros(2, 4)\ntorch.cat((a, b), dim=1, out=o)\nout = o", a=randn(2, 1), b=randn(2, 3)),
    C("torch.stack", "o = torch.empty(2, 3)\ntorch.stack([a, b], out=o)\nout = o", a=randn(3), b=randn(3)),
    C("torch.matmul", "o = torch.empty(2, 4)\ntorch.matmul(a, b, out=o)\nout = o", a=randn(2, 3), b=randn(3, 4)),
    C("torch.bmm", "o = torch.empty(0)\ntorch.bmm(a, b, out=o)\nout = o", a=randn(2, 2, 3), b=randn(2, 3, 1)),
    C("torch.add", "o = torch.empty(3)\ntorch.add(a, b, out=o)\nout = o", a=randn(3), b=randn(3)),
    C("torch.mul", "o = torch.empty(3)\ntorch.mul(a, 2, out=o)\nout = o", a=randn(3)),
    C("torch.sum", "o = torch.empty(2)\ntorch.sum(x, 1, out=o)\nout = o", x=randn(2, 3)),
    C("torch.mean", "o = torch.empty(3)\ntorch.mean(x, dim=0, out=o)\nout = o", x=randn(2, 3)),
    C("torch.gather", "o = torch.empty(2, 2)\ntorch.gather(x, 1, i, out=o)\nout = o", x=randn(2, 3),
      i=randint(0, 3, (2, 2))),
    C("torch.index_select", "o = torch.empty(0)\ntorch.index_select(x, 0, i, out=o)\nout = o", x=randn(3, 2),
      i=randint(0, 3, (2,))),
    C("torch.max", "v = torch.empty(2)\nidx = torch.empty(2, dtype=torch.long)\ntorch.max(x, 1, out=(v, idx))\n"
      "out = (v, idx)", x=randn(2, 3)),
    C("torch.topk", "v = torch.empty(2)\nidx = torch.empty(2, dtype=torch.long)\ntorch.topk(x, 2, out=(v, idx))\n"
      "out = (v, idx)", x=randn(5)),
    C("torch.sqrt", "o = torch.empty(3)\nout = torch.sqrt(x, out=o)", x=uniform(0.1, 2, (3,))),
    C("torch.arange", "o = torch.empty(0, dtype=torch.long)\ntorch.arange(5, out=o)\nout = o"),
    C("torch.zeros", "o = torch.ones(2, 2)\ntorch.zeros(2, 2, out=o)\nout = o"),
    C("torch.where", "o = torch.empty(3)\ntorch.where(c, x, y, out=o)\nout = o", c=rand_bool((3,)), x=randn(3),
      y=randn(3)),
    C("torch.clamp", "o = torch.empty(3)\ntorch.clamp(x, 0, 1, out=o)\nout = o", x=randn(3)),
    C("torch.cumsum", "o = torch.empty(4)\ntorch.cumsum(x, 0, out=o)\nout = o", x=randn(4)),
    C("torch.pow", "o = torch.empty(3)\ntorch.pow(x, 2, out=o)\nout = o", x=randn(3)),
    C("torch.sigmoid", "o = torch.empty(3)\ntorch.sigmoid(x, out=o)\nout = o", x=randn(3)),
    C("torch.div", "o = torch.empty(3)\ntorch.div(x, 2, out=o)\nout = o", x=randn(3)),
    C("torch.exp", "o = torch.empty(3, dtype=torch.float64)\ntorch.exp(x, out=o)\nout = o", x=randn(3)),
    C("torch.exp", "o = torch.empty(3)\ntorch.exp(x, out=o)\nout = o", x=randn(3, dtype="float64")),
    C("torch.tanh", "torch.tanh(x, out=x)\nout = x", x=randn(3)),
    C("torch.einsum", "torch.einsum('ij->ji', x)", x=randn(2, 3)),
]

AUTOGRAD = [
    C("torch.no_grad", "with torch.no_grad():\n    y = x * 2\nout = y", x=randn(3)),
    C("torch.no_grad", "with torch.no_grad():\n    out = torch.is_grad_enabled()"),
    C("torch.no_grad", "@torch.no_grad()\ndef f(t):\n    return t + 1\nout = f(x)", x=randn(3)),
    C("torch.no_grad", "@torch.no_grad()\ndef f():\n    return torch.is_grad_enabled()\nout = f()"),
    C("torch.enable_grad", "with torch.no_grad():\n    with torch.enable_grad():\n        out = torch.is_grad_enabled()"),
    C("torch.enable_grad", "with torch.enable_grad():\n    y = x + 1\nout = y", x=randn(3)),
    C("torch.is_grad_enabled", "torch.is_grad_enabled()"),
    C("torch.set_grad_enabled", "with torch.set_grad_enabled(False):\n    out = torch.is_grad_enabled()"),
    C("torch.set_grad_enabled", "torch.set_grad_enabled(False)\na = torch.is_grad_enabled()\n"
      "torch.set_grad_enabled(True)\nout = (a, torch.is_grad_enabled())"),
    C("torch.inference_mode", "with torch.inference_mode():\n    out = x * 3", x=randn(3)),
    C("Tensor.backward", "x.requires_grad_(True)\ny = (x * x).sum()\ny.backward()\nout = x.grad", x=randn(3)),
    C("Tensor.backward", "w = torch.ones(3, requires_grad=True)\n(w * x).sum().backward()\nout = w.grad", x=randn(3)),
    C("Tensor.backward", "x.requires_grad_()\ny = x * 2\ny.backward(torch.ones_like(y))\nout = x.grad", x=randn(3)),
    C("Tensor.backward", "x.requires_grad_()\ny = (x ** 2).sum()\ny.backward(retain_graph=True)\n"
      "y.backward()\nout = x.grad", x=randn(3)),
    C("Tensor.backward", "m = nn.Linear(3, 1)\nnn.init.constant_(m.weight, 0.3)\nnn.init.zeros_(m.bias)\nloss = m(x).pow(2).mean()\nloss.backward()\nout = m.bias.grad",
      x=randn(4, 3), atol=1e-5, reason="sum"),
    C("torch.autograd.backward", "x.requires_grad_()\ny = (x * 3).sum()\ntorch.autograd.backward(y)\nout = x.grad",
      x=randn(3)),
    C("torch.autograd.backward", "x.requires_grad_()\ny = x * 3\ntorch.autograd.backward([y], [torch.ones(3)])\n"
      "out = x.grad", x=randn(3)),
    C("torch.autograd.grad", "x.requires_grad_()\ny = (x ** 3).sum()\nout = torch.autograd.grad(y, x)[0]", x=randn(3)),
    C("torch.autograd.grad", "x.requires_grad_()\ny = (x * x).sum()\n(g,) = torch.autograd.grad(outputs=y, inputs=[x])\n"
      "out = g", x=randn(3)),
    C("Tensor.grad", "x.requires_grad_()\n(x * 2).sum().backward()\ng1 = x.grad.clone()\n(x * 2).sum().backward()\n"
      "out = (g1, x.grad)", x=randn(3)),
    C("Tensor.grad", "x.requires_grad_()\nout = x.grad is None", x=randn(3)),
    C("Tensor.requires_grad", "x.requires_grad", x=randn(3)),
    C("Tensor.requires_grad", "torch.zeros(2, requires_grad=True).requires_grad"),
    C("Tensor.requires_grad", "(torch.zeros(2, requires_grad=True) * 2).requires_grad"),
    C("Tensor.is_leaf", "torch.zeros(2, requires_grad=True).is_leaf"),
    C("Tensor.retain_grad", "x.requires_grad_()\ny = x * 2\ny.retain_grad()\ny.sum().backward()\nout = y.grad",
      x=randn(3)),
    C("Tensor.register_hook", "x.requires_grad_()\nx.register_hook(lambda g: g * 10)\n(x * 1).sum().backward()\n"
      "out = x.grad", x=randn(3)),
    C("Tensor.detach", "x.requires_grad_()\nout = x.detach().requires_grad", x=randn(3)),
    C("torch.autograd.Function", """
class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        return t * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


out = Double.apply(x)
""", x=randn(3)),
    C("torch.autograd.Function", """
class Sq(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t

    @staticmethod
    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        return 2 * t * g


x.requires_grad_()
Sq.apply(x).sum().backward()
out = x.grad
""", x=randn(3)),
]

MISC = [
    C("torch.__version__", "isinstance(torch.__version__, str)"),
    C("torch.__version__.split", "len(torch.__version__.split('.')) >= 2"),
    C("torch.__version__.split", "int(torch.__version__.split('.')[0]) >= 1"),
    C("torch.manual_seed", "torch.manual_seed(0)\nout = torch.randn(3).shape"),
    C("torch.manual_seed", "torch.manual_seed(1)\na = torch.rand(3)\ntorch.manual_seed(1)\nb = torch.rand(3)\n"
      "out = torch.equal(a, b)"),
    C("torch.get_rng_state", "s = torch.get_rng_state()\na = torch.rand(3)\ntorch.set_rng_state(s)\nb = torch.rand(3)\n"
      "out = torch.equal(a, b)"),
    C("torch.set_rng_state", "s = torch.get_rng_state()\ntorch.rand(2)\ntorch.set_rng_state(s)\nout = True"),
    C("torch.Generator", "g = torch.Generator()\ng.manual_seed(0)\nout = torch.randn(2, generator=g).shape"),
    C("torch.Generator", "g = torch.Generator().manual_seed(3)\na = torch.rand(2, generator=g)\n"
      "g.manual_seed(3)\nb = torch.rand(2, generator=g)\nout = torch.equal(a, b)"),
    C("torch.save", "import io\nbuf = io.BytesIO()\ntorch.save({'w': x}, buf)\nbuf.seek(0)\n"
      "out = torch.load(buf)['w']", x=randn(3)),
    C("torch.save", "import tempfile, os\nd = tempfile.mkdtemp()\np = os.path.join(d, 'x.pt')\n"
      "torch.save(x, p)\nout = torch.load(p)", x=randn(2, 2)),
    C("torch.load", "import tempfile, os\nd = tempfile.mkdtemp()\np = os.path.join(d, 's.pt')\n"
      "torch.save({'a': x, 'n': 3}, p)\nsd = torch.load(p, map_location='cpu')\nout = (sd['a'], sd['n'])",
      x=randn(2)),
    C("torch.load", "import tempfile, os\nd = tempfile.mkdtemp()\np = os.path.join(d, 'm.pt')\n"
      "m = nn.Linear(2, 2)\ntorch.save(m.state_dict(), p)\nsd = torch.load(p, map_location=torch.device('cpu'), "
      "weights_only=True)\nout = sorted(sd.keys())"),
    C("torch.jit.script", "@torch.jit.script\ndef f(t):\n    return t * 2\nout = f(x)", x=randn(3)),
    C("torch.jit.ignore", "@torch.jit.ignore\ndef f(t):\n    return t + 1\nout = f(x)", x=randn(3)),
    C("torch.compile", "@torch.compile\ndef f(t):\n    return t.sin()\nout = f(x)", x=randn(3)),
    C("torch.compile", "def f(t):\n    return t.cos()\ng = torch.compile(f)\nout = g(x)", x=randn(3)),
    C("torch.autocast", "with torch.autocast('cpu', enabled=False):\n    out = x @ x.t()", x=randn(2, 2)),
    C("torch.autocast", "with torch.autocast(device_type='cpu', dtype=torch.bfloat16, enabled=False):\n"
      "    out = x + 1", x=randn(2)),
    C("torch.set_default_dtype", "torch.set_default_dtype(torch.float32)\nout = torch.zeros(1).dtype"),
    C("torch.set_printoptions", "torch.set_printoptions(precision=4)\nout = 1"),
    C("torch.utils.data.Dataset", """
from torch.utils.data import Dataset


class D(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return i * 2


d = D()
out = (len(d), d[2])
"""),
    C("torch.utils.data.DataLoader", """
from torch.utils.data import DataLoader, TensorDataset

dl = DataLoader(TensorDataset(x), batch_size=2, shuffle=False)
out = [b[0] for b in dl]
""", x=randn(4, 2)),
    C("torch.utils.data.DataLoader", """
from torch.utils.data import DataLoader

dl = DataLoader(list(range(5)), batch_size=2)
out = [b.tolist() for b in dl]
"""),
    C("torch.utils.checkpoint.checkpoint", "from torch.utils.checkpoint import checkpoint\n"
      "out = checkpoint(lambda t: t.sin() * 2, x, use_reentrant=False)", x=randn(3)),
    C("torch.optim.AdamW", """
m = nn.Linear(2, 1)
nn.init.constant_(m.weight, 0.5)
nn.init.zeros_(m.bias)
opt = torch.optim.AdamW(m.parameters(), lr=0.1)
loss = m(x).sum()
loss.backward()
opt.step()
opt.zero_grad()
out = m.weight
""", x=randn(3, 2), atol=1e-5, reason="adam"),
    C("torch.optim.SGD", """
w = nn.Parameter(torch.ones(2))
opt = torch.optim.SGD([w], lr=0.5)
(w * x).sum().backward()
opt.step()
out = w
""", x=randn(2)),
    C("torch.nn.utils.clip_grad_norm_", """
w = nn.Parameter(torch.ones(3))
(w * x * 10).sum().backward()
n = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
out = (n, w.grad)
""", x=randn(3), atol=1e-5, reason="norm"),
    C("torch.nn.utils.rnn.pad_sequence", "from torch.nn.utils.rnn import pad_sequence\n"
      "out = pad_sequence([a, b], batch_first=True)", a=randn(2, 3), b=randn(4, 3)),
    C("torch.nn.utils.rnn.pad_sequence", "torch.nn.utils.rnn.pad_sequence([a, b], padding_value=-1.0)",
      a=randn(2), b=randn(3)),
    C("torch.distributed.is_available", "isinstance(torch.distributed.is_available(), bool)"),
    C("torch.distributed.is_initialized", "torch.distributed.is_initialized()"),
    C("torch.cuda.is_available", "torch.cuda.is_available()"),
    C("torch.backends.cudnn", "torch.backends.cudnn.enabled = True\nout = 1"),
    C("torch.Tensor.storage", "x.untyped_storage().size() >= 0", x=randn(3)),
    C("Tensor.data_ptr", "x.data_ptr() == x.data_ptr()", x=randn(3)),
    C("Tensor.data_ptr", "isinstance(x.data_ptr(), int)", x=randn(3)),
]

SNIPPETS = OUT + AUTOGRAD + MISC
