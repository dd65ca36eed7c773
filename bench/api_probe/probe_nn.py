"""nn modules (forward + gradients + state_dict keys), nn.functional in every common form, nn.init, Parameter,
containers, Module methods (state_dict / load_state_dict / parameters / named_* / train / eval / buffers / hooks)."""
from mscore.parity.case import Case, ModuleCase, randint, randn

C = Case
M = ModuleCase
SHAPE = dict(compare="shape", reason="random values: shape and dtype only")

SNIPPETS = [
    M("torch.nn.Linear", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4))),
    M("torch.nn.Linear", "nn.Linear(4, 3, bias=False)", inputs=dict(x=randn(2, 5, 4))),
    M("torch.nn.Linear", "nn.Linear(in_features=4, out_features=2)", inputs=dict(x=randn(3, 4))),
    M("torch.nn.Linear", "nn.Linear(4, 2, dtype=torch.float32)", inputs=dict(x=randn(3, 4))),
    C("torch.nn.Linear", "l = nn.Linear(4, 3)\nout = (l.weight.shape, l.bias.shape, l.in_features)"),
    M("torch.nn.LayerNorm", "nn.LayerNorm(4)", inputs=dict(x=randn(2, 4))),
    M("torch.nn.LayerNorm", "nn.LayerNorm([3, 4], eps=1e-6)", inputs=dict(x=randn(2, 3, 4))),
    M("torch.nn.LayerNorm", "nn.LayerNorm(4, elementwise_affine=False)", inputs=dict(x=randn(2, 4))),
    M("torch.nn.LayerNorm", "nn.LayerNorm(normalized_shape=4, bias=False)", inputs=dict(x=randn(2, 4))),
    M("torch.nn.Embedding", "nn.Embedding(10, 4)", inputs=dict(i=randint(0, 10, (2, 3)))),
    M("torch.nn.Embedding", "nn.Embedding(10, 4, padding_idx=0)", inputs=dict(i=randint(0, 10, (5,)))),
    M("torch.nn.Embedding", "nn.Embedding(num_embeddings=6, embedding_dim=3)", inputs=dict(i=randint(0, 6, (4,)))),
    M("torch.nn.Conv2d", "nn.Conv2d(3, 4, 3)", inputs=dict(x=randn(1, 3, 5, 5)), atol=1e-5, reason="conv sums"),
    M("torch.nn.Conv2d", "nn.Conv2d(3, 4, kernel_size=3, stride=2, padding=1, bias=False)",
      inputs=dict(x=randn(1, 3, 6, 6)), atol=1e-5, reason="conv sums"),
    M("torch.nn.Conv2d", "nn.Conv2d(2, 4, (1, 3), padding='same', groups=2)", inputs=dict(x=randn(1, 2, 4, 4)),
      atol=1e-5, reason="conv sums"),
    M("torch.nn.Conv3d", "nn.Conv3d(3, 4, kernel_size=(2, 2, 2), stride=(2, 2, 2), bias=False)",
      inputs=dict(x=randn(1, 3, 2, 4, 4)), atol=1e-5, reason="conv sums"),
    M("torch.nn.Conv3d", "nn.Conv3d(2, 2, 3, padding=1)", inputs=dict(x=randn(1, 2, 3, 3, 3)),
      atol=1e-5, reason="conv sums"),
    M("torch.nn.Conv1d", "nn.Conv1d(2, 3, 3, padding=1)", inputs=dict(x=randn(1, 2, 5)), atol=1e-5,
      reason="conv sums"),
    M("torch.nn.GroupNorm", "nn.GroupNorm(2, 4)", inputs=dict(x=randn(2, 4, 3)), atol=1e-5, reason="norm"),
    M("torch.nn.GroupNorm", "nn.GroupNorm(num_groups=1, num_channels=4, eps=1e-6, affine=False)",
      inputs=dict(x=randn(2, 4, 2, 2)), atol=1e-5, reason="norm"),
    M("torch.nn.BatchNorm1d", "nn.BatchNorm1d(3)", inputs=dict(x=randn(4, 3))),
    M("torch.nn.Dropout", "nn.Dropout(0.1)", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Dropout", "nn.Dropout(p=0.5, inplace=False)", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Dropout", "nn.Dropout()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Identity", "nn.Identity()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Identity", "nn.Identity(54, unused='x')", inputs=dict(x=randn(2, 3))),
    M("torch.nn.SiLU", "nn.SiLU()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.GELU", "nn.GELU()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.GELU", "nn.GELU(approximate='tanh')", inputs=dict(x=randn(2, 3)), atol=1e-5, reason="tanh"),
    M("torch.nn.ReLU", "nn.ReLU()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.ReLU", "nn.ReLU(inplace=True)", inputs=dict(x=randn(2, 3)), grad=False),
    M("torch.nn.Tanh", "nn.Tanh()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Sigmoid", "nn.Sigmoid()", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Softmax", "nn.Softmax(dim=-1)", inputs=dict(x=randn(2, 3))),
    M("torch.nn.LeakyReLU", "nn.LeakyReLU(0.2)", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Sequential", "nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 2))",
      inputs=dict(x=randn(3, 4))),
    M("torch.nn.Sequential", "m = nn.Sequential()\nm.add_module('fc', nn.Linear(2, 2))", inputs=dict(x=randn(3, 2))),
    M("torch.nn.ModuleList", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


m = Net()
""", inputs=dict(x=randn(2, 3))),
    M("torch.nn.ModuleList", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        self.layers.append(nn.Linear(3, 3))
        self.layers.extend([nn.Linear(3, 2)])

    def forward(self, x):
        return self.layers[1](self.layers[0](x)) + len(self.layers)


m = Net()
""", inputs=dict(x=randn(2, 3))),
    M("torch.nn.ModuleDict", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({'a': nn.Linear(3, 1), 'b': nn.Linear(3, 2)})

    def forward(self, x):
        return torch.cat([self.heads[k](x) for k in ['a', 'b']], dim=-1)


m = Net()
""", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Parameter", """
class Scale(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n), requires_grad=False)

    def forward(self, x):
        return x * self.weight + self.bias


m = Scale(3)
""", inputs=dict(x=randn(2, 3))),
    M("torch.nn.parameter.Parameter", """
from torch.nn.parameter import Parameter


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = Parameter(torch.full((3,), 0.5))

    def forward(self, x):
        return x * self.w


m = Scale()
""", inputs=dict(x=randn(2, 3))),
    M("torch.nn.Parameter", """
class P(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(data=torch.randn(2, 3))

    def forward(self, x):
        return x @ self.w


m = P()
""", inputs=dict(x=randn(4, 2))),
    C("torch.nn.Parameter", "p = nn.Parameter(x)\nout = (p.requires_grad, isinstance(p, nn.Parameter), p * 2)",
      x=randn(3)),
    C("torch.nn.Parameter", "nn.Parameter(x, requires_grad=False).requires_grad", x=randn(3)),
    M("Module.register_buffer", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('scale', torch.tensor([2.0, 3.0]))
        self.register_buffer('tmp', torch.ones(2), persistent=False)

    def forward(self, x):
        return x * self.scale + self.tmp


m = Net()
""", inputs=dict(x=randn(3, 2))),
    C("Module.register_buffer", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('a', torch.zeros(2))
        self.register_buffer('b', torch.zeros(1), persistent=False)


out = sorted(Net().state_dict().keys())
"""),
    C("Module.state_dict", "m = nn.Linear(2, 3)\nout = sorted(m.state_dict().keys())"),
    C("Module.state_dict", "m = nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3))\nout = list(m.state_dict().keys())"),
    C("Module.state_dict", "m = nn.Embedding(4, 2)\nout = [tuple(v.shape) for v in m.state_dict().values()]"),
    C("Module.load_state_dict", """
a = nn.Linear(2, 2)
nn.init.constant_(a.weight, 0.3)
nn.init.constant_(a.bias, -0.1)
b = nn.Linear(2, 2)
b.load_state_dict(a.state_dict())
out = (b(x), a(x))
""", x=randn(3, 2)),
    C("Module.load_state_dict", """
a = nn.Linear(2, 2)
sd = {'weight': torch.ones(2, 2), 'bias': torch.zeros(2)}
a.load_state_dict(sd, strict=True)
out = a(x)
""", x=randn(3, 2)),
    C("Module.load_state_dict", """
a = nn.Linear(2, 2)
res = a.load_state_dict({'weight': torch.ones(2, 2)}, strict=False)
out = (sorted(res.missing_keys), a.weight)
"""),
    C("Module.parameters", "m = nn.Linear(3, 2)\nout = sum(p.numel() for p in m.parameters())"),
    C("Module.parameters", "m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))\nout = len(list(m.parameters()))"),
    C("Module.parameters", "m = nn.Linear(3, 2)\nout = [p.requires_grad for p in m.parameters()]"),
    C("Module.parameters", "m = nn.Linear(3, 2)\nfor p in m.parameters():\n    p.requires_grad = False\n"
      "out = [p.requires_grad for p in m.parameters()]"),
    C("Module.named_parameters", "m = nn.Sequential(nn.Linear(3, 2), nn.LayerNorm(2))\n"
      "out = [n for n, _ in m.named_parameters()]"),
    C("Module.named_parameters", "m = nn.Linear(3, 2)\nout = {n: tuple(p.shape) for n, p in m.named_parameters()}"),
    C("Module.named_children", "m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())\n"
      "out = [n for n, _ in m.named_children()]"),
    C("Module.named_modules", "m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())\n"
      "out = [n for n, _ in m.named_modules()]"),
    C("Module.children", "m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())\nout = len(list(m.children()))"),
    C("Module.modules", "m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())\nout = len(list(m.modules()))"),
    C("Module.buffers", "m = nn.BatchNorm1d(3)\nout = len(list(m.buffers()))"),
    C("Module.eval", "m = nn.Dropout(0.5)\nm.eval()\nout = (m(x), m.training)", x=randn(4)),
    C("Module.eval", "m = nn.Linear(2, 2).eval()\nout = m.training"),
    C("Module.train", "m = nn.Linear(2, 2)\nm.train()\nout = m.training"),
    C("Module.train", "m = nn.Linear(2, 2)\nm.train(False)\nout = m.training"),
    C("Module.train", "m = nn.Linear(2, 2)\nm.train(mode=True)\nout = m.training"),
    C("Module.apply", """
def init(mod):
    if isinstance(mod, nn.Linear):
        nn.init.constant_(mod.weight, 0.5)
        nn.init.zeros_(mod.bias)


m = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
m.apply(init)
out = m(x)
""", x=randn(3, 2)),
    C("Module.zero_grad", """
m = nn.Linear(2, 1)
m(x).sum().backward()
m.zero_grad()
out = [p.grad is None or bool((p.grad == 0).all()) for p in m.parameters()]
""", x=randn(3, 2)),
    C("Module.register_forward_hook", """
seen = []
m = nn.Linear(2, 2)
h = m.register_forward_hook(lambda mod, inp, outp: seen.append(outp.shape))
m(x)
h.remove()
m(x)
out = len(seen)
""", x=randn(3, 2)),
    C("Module.register_forward_hook", """
m = nn.Linear(2, 2)
nn.init.constant_(m.weight, 0.3)
nn.init.constant_(m.bias, -0.1)
m.register_forward_hook(lambda mod, inp, outp: outp * 2)
out = m(x)
""", x=randn(3, 2)),
    C("Module.register_forward_pre_hook", """
m = nn.Linear(2, 2)
nn.init.constant_(m.weight, 0.3)
nn.init.constant_(m.bias, -0.1)
m.register_forward_pre_hook(lambda mod, inp: (inp[0] + 1,))
out = m(x)
""", x=randn(3, 2)),
    C("Module.forward", "m = nn.Linear(2, 2)\nnn.init.constant_(m.weight, 0.3)\nnn.init.constant_(m.bias, -0.1)\nout = m.forward(x)", x=randn(3, 2)),
    C("Module.to", "m = nn.Linear(2, 2).to(torch.float64)\nout = m.weight.dtype"),
    C("Module.to", "m = nn.Linear(2, 2).to('cpu')\nnn.init.constant_(m.weight, 0.3)\nnn.init.constant_(m.bias, -0.1)\nout = m(x)", x=randn(3, 2)),
    C("Module.float", "m = nn.Linear(2, 2).half().float()\nout = m.weight.dtype"),
    C("Module.requires_grad_", "m = nn.Linear(2, 2).requires_grad_(False)\nout = [p.requires_grad for p in m.parameters()]"),
    C("torch.nn.Module", "isinstance(nn.Linear(2, 2), nn.Module)"),
    # nn.init
    C("torch.nn.init.constant_", "w = torch.empty(2, 3)\nnn.init.constant_(w, 0.3)\nout = w"),
    C("torch.nn.init.constant_", "m = nn.Linear(2, 2)\nnn.init.constant_(m.bias, val=1.0)\nout = m.bias"),
    C("torch.nn.init.zeros_", "w = torch.ones(2, 3)\nnn.init.zeros_(w)\nout = w"),
    C("torch.nn.init.zeros_", "m = nn.Linear(2, 2)\nnn.init.zeros_(m.weight)\nout = m(x) - m.bias", x=randn(3, 2)),
    C("torch.nn.init.ones_", "w = torch.zeros(3)\nnn.init.ones_(w)\nout = w"),
    C("torch.nn.init.normal_", "w = torch.zeros(100)\nnn.init.normal_(w, mean=0.0, std=0.02)\nout = w.shape"),
    C("torch.nn.init.normal_", "w = torch.zeros(1000)\nnn.init.normal_(w, std=0.01)\nout = bool(w.std() < 0.02)"),
    C("torch.nn.init.xavier_uniform_", "w = torch.zeros(4, 4)\nnn.init.xavier_uniform_(w)\nout = bool(w.abs().max() <= 1.0)"),
    C("torch.nn.init.kaiming_uniform_", "w = torch.zeros(4, 4)\nnn.init.kaiming_uniform_(w, a=5 ** 0.5)\n"
      "out = bool(w.abs().max() <= 1.0)"),
    C("torch.nn.init.trunc_normal_", "w = torch.zeros(100)\nnn.init.trunc_normal_(w, std=0.02)\n"
      "out = bool(w.abs().max() <= 2.0)"),
    C("torch.nn.init.uniform_", "w = torch.zeros(50)\nnn.init.uniform_(w, -0.1, 0.1)\nout = bool(w.abs().max() <= 0.1)"),
]
