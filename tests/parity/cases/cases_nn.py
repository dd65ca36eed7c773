"""Parity cases for rules/nn.toml: layers as ModuleCases (torch state_dict loaded into the Cell, outputs and
gradients compared), containers, Parameter, and the unsupported init/utils entries."""
from mscore.parity.case import Case, ModuleCase, randint, randn

# a torch module subclass: becomes an nn.Cell with construct, its parameters keep torch's names
SUBCLASS = """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 6)
        self.norm = nn.LayerNorm(6)
        self.scale = nn.Parameter(torch.ones(6) * 0.5)

    def forward(self, x):
        return self.norm(self.proj(x)) * self.scale

m = Block()
"""

# nn.Module.__init__ called explicitly (the base-class reference maps through the prefix rule)
EXPLICIT_INIT = """
class Gate(nn.Module):
    def __init__(self):
        nn.Module.__init__(self)
        self.w = nn.parameter.Parameter(torch.ones(3) * 2.0)

    def forward(self, x):
        return x * self.w

m = Gate()
"""

CONTAINERS = """
class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})
        self.seq = nn.Sequential(nn.Linear(4, 4), nn.SiLU(), nn.Linear(4, 4))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        x = self.seq(x)
        return self.heads["a"](x), self.heads["b"](x)

m = Stack()
"""

MODULELIST_KW = """
class L(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(modules=[nn.Linear(3, 3), nn.Tanh()])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x

m = L()
"""

MODULEDICT_EMPTY = """
class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.d = nn.ModuleDict()
        self.d["p"] = nn.Linear(3, 2)

    def forward(self, x):
        return self.d["p"](x)

m = D()
"""

SEQ_ORDERED = """
from collections import OrderedDict

m = nn.Sequential(OrderedDict([("fc", nn.Linear(3, 4)), ("act", nn.SiLU()), ("out", nn.Linear(4, 2))]))
"""

LIST_OPS = """
class L(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        self.layers.append(nn.Linear(3, 3))
        self.layers.extend([nn.Linear(3, 3), nn.Linear(3, 2)])
        self.heads = nn.ModuleDict({"x": nn.Linear(2, 2)})
        self.heads["y"] = nn.Linear(2, 1)

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = layer(x)
        x = self.layers[-1](x)
        outs = [head(x) for _, head in self.heads.items()]
        return outs[0], outs[1], len(self.layers) * x

m = L()
"""

# self and cross attention with a key padding mask, the weights copied in by name (torch's state_dict names)
MHA = """
class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.att = nn.MultiheadAttention(8, 2, {args})
        with torch.no_grad():
            for i, (name, p) in enumerate(sorted(self.att.named_parameters())):
                p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.37 + i).view_as(p) * 0.3)

    def forward(self, q, x):
        bf = self.att.batch_first
        pad = torch.zeros(2, x.shape[1 if bf else 0], dtype=torch.bool)
        pad[1, -2:] = True
        out, w = self.att(q, x, x, key_padding_mask=pad)
        out2, _ = self.att(x, x, x, need_weights=False)
        return out, w, out2

m = A()
"""

# post- and pre-norm encoder layers in training mode (dropout 0) with a padding mask, weights set by torch's names
ENC = """
class E(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, {args})
        with torch.no_grad():
            for i, (name, p) in enumerate(sorted(self.enc.named_parameters())):
                p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.37 + i).view_as(p) * 0.3)
        self.names = sorted(n for n, _ in self.enc.named_parameters())

    def forward(self, x):
        pad = torch.zeros(2, 5, dtype=torch.bool)
        pad[1, -2:] = True
        return self.enc(x, src_key_padding_mask=pad), self.enc(x)

m = E()
"""

# recurrent layers with weights set by name (the parameter order differs), with and without an initial state
RNN = """
class R(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.{cls}(3, 4, {args})
        with torch.no_grad():
            for i, (name, p) in enumerate(sorted(self.rnn.named_parameters())):
                p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.37 + i).view_as(p) * 0.4)

    def forward(self, x):
        out, state = self.rnn(x)
        out2, _ = self.rnn(x, state)
        return out, state, out2

m = R()
"""

CASES = [
    ModuleCase("torch.nn.Module", SUBCLASS, inputs=dict(x=randn(2, 4))),
    ModuleCase("torch.nn.Module", EXPLICIT_INIT, inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.nn.ModuleList", CONTAINERS, inputs=dict(x=randn(2, 4))),
    ModuleCase("torch.nn.ModuleList", MODULELIST_KW, inputs=dict(x=randn(2, 3))),
    # a generator and a tuple, which torch's ModuleList takes and MindSpore's CellList rejects
    ModuleCase("torch.nn.ModuleList", MODULELIST_KW.replace("modules=[nn.Linear(3, 3), nn.Tanh()]",
                                                            "nn.Linear(3, 3) for _ in range(2)"),
               inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.nn.ModuleList", MODULELIST_KW.replace("modules=[nn.Linear(3, 3), nn.Tanh()]",
                                                            "modules=(nn.Linear(3, 3), nn.Tanh())"),
               inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.nn.MultiheadAttention", MHA.format(args="batch_first=True"),
               inputs=dict(q=randn(2, 3, 8), x=randn(2, 5, 8))),
    ModuleCase("torch.nn.MultiheadAttention", MHA.format(args="dropout=0.0, bias=False"),
               inputs=dict(q=randn(3, 2, 8), x=randn(5, 2, 8))),
    *[ModuleCase("torch.nn.TransformerEncoderLayer", ENC.format(args=args), inputs=dict(x=randn(2, 5, 8)))
      for args in ("dropout=0.0, batch_first=True", "dropout=0.0, batch_first=True, norm_first=True, activation='gelu'")],
    *[ModuleCase(f"torch.nn.{cls}", RNN.format(cls=cls, args=args), inputs=dict(x=randn(2, 5, 3)))
      for cls in ("LSTM", "GRU") for args in ("batch_first=True", "num_layers=2, bidirectional=True, bias=False")],
    ModuleCase("torch.nn.ModuleDict", CONTAINERS, inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.ModuleDict", MODULEDICT_EMPTY, inputs=dict(x=randn(3, 3))),
    ModuleCase("torch.nn.Sequential", "nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))",
               inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Sequential", SEQ_ORDERED, inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.nn.ModuleList", LIST_OPS, inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.nn.Linear", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4))),
    ModuleCase("torch.nn.Linear", "nn.Linear(in_features=4, out_features=3, bias=False)", inputs=dict(x=randn(2, 5, 4))),
    ModuleCase("torch.nn.Linear", "nn.Linear(4, 3, device='cpu')", inputs=dict(x=randn(2, 4))),
    ModuleCase("torch.nn.LayerNorm", "nn.LayerNorm(8)", inputs=dict(x=randn(2, 3, 8))),
    ModuleCase("torch.nn.LayerNorm", "nn.LayerNorm([3, 8], eps=1e-6)", inputs=dict(x=randn(2, 3, 8))),
    ModuleCase("torch.nn.LayerNorm", "nn.LayerNorm(8, elementwise_affine=False)", inputs=dict(x=randn(4, 8))),
    ModuleCase("torch.nn.LayerNorm", "nn.LayerNorm(normalized_shape=8, bias=False)", inputs=dict(x=randn(4, 8))),
    ModuleCase("torch.nn.Dropout", "nn.Dropout(0.3)", inputs=dict(x=randn(4, 5))),
    ModuleCase("torch.nn.Dropout", "nn.Dropout(p=0.0)", inputs=dict(x=randn(4, 5)), train=True),
    ModuleCase("torch.nn.Dropout2d", "nn.Dropout2d(0.5)", inputs=dict(x=randn(2, 3, 4, 4))),
    ModuleCase("torch.nn.Conv1d", "nn.Conv1d(3, 4, 3, padding=1)", inputs=dict(x=randn(2, 3, 8))),
    ModuleCase("torch.nn.Conv2d", "nn.Conv2d(3, 4, 3)", inputs=dict(x=randn(2, 3, 6, 6)), atol=1e-5,
               reason="weight-gradient sums over batch and positions accumulate in another order"),
    ModuleCase("torch.nn.Conv2d", "nn.Conv2d(3, 4, kernel_size=3, stride=2, padding=1, bias=False)",
               inputs=dict(x=randn(2, 3, 7, 7))),
    ModuleCase("torch.nn.Conv2d", "nn.Conv2d(4, 4, 3, padding='same', groups=2)", inputs=dict(x=randn(1, 4, 5, 5))),
    ModuleCase("torch.nn.Conv3d", "nn.Conv3d(3, 8, kernel_size=(2, 4, 4), stride=(2, 4, 4), bias=False)",
               inputs=dict(x=randn(2, 3, 4, 8, 8))),
    ModuleCase("torch.nn.Conv3d", "nn.Conv3d(2, 3, 3, padding=1)", inputs=dict(x=randn(1, 2, 4, 4, 4))),
    ModuleCase("torch.nn.ConvTranspose2d", "nn.ConvTranspose2d(3, 2, 3, stride=2)", inputs=dict(x=randn(1, 3, 4, 4))),
    ModuleCase("torch.nn.Identity", "nn.Identity()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Identity", "nn.Identity(54, unused_argument1=0.1)", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.SiLU", "nn.SiLU()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.GELU", "nn.GELU()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.GELU", "nn.GELU(approximate='tanh')", inputs=dict(x=randn(3, 4)), atol=1e-5,
               reason="tanh-approximation kernels differ in the last bits"),
    ModuleCase("torch.nn.ReLU", "nn.ReLU()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.ReLU", "nn.ReLU(inplace=True)", inputs=dict(x=randn(3, 4)), grad=False),
    ModuleCase("torch.nn.Tanh", "nn.Tanh()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Sigmoid", "nn.Sigmoid()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Mish", "nn.Mish()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.LeakyReLU", "nn.LeakyReLU()", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.LeakyReLU", "nn.LeakyReLU(0.2, inplace=True)", inputs=dict(x=randn(3, 4)), grad=False),
    ModuleCase("torch.nn.LeakyReLU", "nn.LeakyReLU(negative_slope=0.05)", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Softmax", "nn.Softmax(dim=-1)", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Softmax", "nn.Softmax(0)", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.Flatten", "nn.Flatten()", inputs=dict(x=randn(2, 3, 4))),
    ModuleCase("torch.nn.Flatten", "nn.Flatten(0, 1)", inputs=dict(x=randn(2, 3, 4))),
    ModuleCase("torch.nn.GroupNorm", "nn.GroupNorm(2, 4)", inputs=dict(x=randn(2, 4, 3, 3))),
    ModuleCase("torch.nn.GroupNorm", "nn.GroupNorm(num_groups=1, num_channels=4, eps=1e-6)", inputs=dict(x=randn(2, 4, 5))),
    ModuleCase("torch.nn.GroupNorm", "nn.GroupNorm(1, 4, affine=False)", inputs=dict(x=randn(2, 4, 5)),
               expect="unsupported"),
    ModuleCase("torch.nn.BatchNorm1d", "nn.BatchNorm1d(4)", inputs=dict(x=randn(3, 4))),
    ModuleCase("torch.nn.BatchNorm2d", "nn.BatchNorm2d(3)", inputs=dict(x=randn(2, 3, 4, 4))),
    ModuleCase("torch.nn.BatchNorm3d", "nn.BatchNorm3d(3, eps=1e-3)", inputs=dict(x=randn(2, 3, 2, 4, 4))),
    ModuleCase("torch.nn.Embedding", "nn.Embedding(10, 4)", inputs=dict(ids=randint(0, 10, (2, 5))),
               call="m(ids)"),
    ModuleCase("torch.nn.Embedding", "nn.Embedding(10, 4, padding_idx=0)", inputs=dict(ids=randint(0, 10, (3, 4)))),
    ModuleCase("torch.nn.AvgPool1d", "nn.AvgPool1d(2)", inputs=dict(x=randn(2, 3, 8))),
    ModuleCase("torch.nn.AvgPool1d", "nn.AvgPool1d(kernel_size=3, stride=1, padding=1)", inputs=dict(x=randn(2, 3, 8))),
    ModuleCase("torch.nn.AdaptiveAvgPool1d", "nn.AdaptiveAvgPool1d(1)", inputs=dict(x=randn(2, 3, 8))),
    ModuleCase("torch.nn.AdaptiveAvgPool2d", "nn.AdaptiveAvgPool2d((2, 2))", inputs=dict(x=randn(2, 3, 4, 4))),
    ModuleCase("torch.nn.ReplicationPad2d", "nn.ReplicationPad2d(1)", inputs=dict(x=randn(1, 2, 3, 3))),
    ModuleCase("torch.nn.ReplicationPad2d", "nn.ReplicationPad2d((1, 0, 2, 1))", inputs=dict(x=randn(1, 2, 3, 3))),
    ModuleCase("torch.nn.Upsample", "nn.Upsample(scale_factor=2.0, mode='nearest')", inputs=dict(x=randn(1, 2, 3, 3))),
    ModuleCase("torch.nn.Upsample", "nn.Upsample(size=(5, 6))", inputs=dict(x=randn(1, 2, 3, 3))),
    ModuleCase("torch.nn.PixelShuffle", "nn.PixelShuffle(2)", inputs=dict(x=randn(1, 8, 2, 2))),
    ModuleCase("torch.nn.CrossEntropyLoss", "nn.CrossEntropyLoss()", inputs=dict(x=randn(4, 5), t=randint(0, 5, (4,)))),
    ModuleCase("torch.nn.CrossEntropyLoss", "nn.CrossEntropyLoss(ignore_index=1, reduction='sum', label_smoothing=0.1)",
               inputs=dict(x=randn(6, 5), t=randint(0, 5, (6,)))),
    ModuleCase("torch.nn.MSELoss", "nn.MSELoss()", inputs=dict(x=randn(4, 5), y=randn(4, 5))),
    ModuleCase("torch.nn.MSELoss", "nn.MSELoss(reduction='none')", inputs=dict(x=randn(4, 5), y=randn(4, 5))),
    Case("torch.nn.Parameter", "p = nn.Parameter(x)\nout = (p * 2, p.requires_grad)", x=randn(3)),
    Case("torch.nn.Parameter", "p = nn.Parameter(x, requires_grad=False)\nout = (p + 1, p.requires_grad)", x=randn(3)),
    Case("torch.nn.Parameter", "def f(ps: list[nn.Parameter]) -> int:\n    return len(ps)\n"
         "p = nn.Parameter(x)\nout = (f([p]), isinstance(p, nn.Parameter), isinstance(x, (nn.Parameter, list)))", x=randn(3)),
    Case("torch.nn.parameter.Parameter", "p = torch.nn.parameter.Parameter(x)\nout = p * 3", x=randn(2, 2)),
    # a Parameter subclass with its own metaclass (FSDP's FlatParameter pattern): the class builds, isinstance
    # goes through the metaclass, and the subclass computes like a Parameter
    Case("torch.nn.parameter._ParameterMeta",
         "class Meta(torch.nn.parameter._ParameterMeta):\n"
         "    def __instancecheck__(self, inst):\n        return getattr(inst, '_flat', False)\n"
         "class Flat(nn.Parameter, metaclass=Meta):\n    pass\n"
         "p = nn.Parameter(x)\nok_before = isinstance(p, Flat)\np._flat = True\n"
         "out = (ok_before, isinstance(p, Flat), p * 2)", x=randn(2, 2)),
    # init: deterministic fills compare values (through the in-place update of the input); random ones compare
    # statistics that depend on the arguments (the random streams differ between frameworks)
    Case("torch.nn.init.constant_", "nn.init.constant_(w, 0.5)\nout = w", w=randn(3, 4)),
    Case("torch.nn.init.constant_", "p = nn.Parameter(w * 1)\nwith torch.no_grad():\n    nn.init.constant_(p, val=-2.0)\n"
         "out = p * 1", w=randn(3)),
    Case("torch.nn.init.zeros_", "nn.init.zeros_(w)\nout = w", w=randn(3, 4)),
    Case("torch.nn.init.zeros_", "m = nn.Linear(3, 2)\nnn.init.zeros_(m.bias)\nout = m.bias * 1"),
    Case("torch.nn.init.zeros_", "m = nn.ModuleList([nn.Linear(3, 2), nn.Linear(2, 2)])\nnn.init.zeros_(m[1].weight)\n"
         "out = m[1].weight * 1"),
    Case("torch.nn.init.constant_", "m = nn.Linear(3, 2)\nr = nn.init.constant_(m.weight, 0.25)\nout = r * 1"),
    Case("torch.nn.init.ones_", "nn.init.ones_(tensor=w)\nout = w", w=randn(2, 3)),
    Case("torch.nn.init.ones_", "m = nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3))\nnn.init.ones_(m[1].weight)\n"
         "out = m[1].weight * 1"),
    Case("torch.nn.init.normal_", "w = w * 1\nnn.init.normal_(w, mean=3.0, std=0.1)\n"
         "out = (abs(float(w.mean()) - 3.0) < 0.02, abs(float(w.std()) - 0.1) < 0.01)", w=randn(100, 100)),
    Case("torch.nn.init.normal_", "w = w * 1\nnn.init.normal_(w)\nout = (abs(float(w.mean())) < 0.05, abs(float(w.std()) - 1.0) < 0.05)",
         w=randn(50, 50, seed=3)),
    Case("torch.nn.init.normal_", "w = w * 1\nnn.init.normal_(w, 0.0, 0.02, generator=None)\nout = abs(float(w.std()) - 0.02) < 0.002",
         w=randn(50, 50)),
    Case("torch.nn.init.uniform_", "w = w * 1\nnn.init.uniform_(w, -1, 3)\n"
         "out = (float(w.min()) >= -1, float(w.max()) < 3, float(w.min()) < -0.9, float(w.max()) > 2.9)", w=randn(50, 50)),
    Case("torch.nn.init.uniform_", "w = w * 1\nnn.init.uniform_(w)\nout = (float(w.min()) >= 0, float(w.max()) < 1)", w=randn(20, 20)),
    Case("torch.nn.init.trunc_normal_", "w = w * 1\nnn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)\n"
         "out = (float(w.min()) >= -0.5, float(w.max()) <= 0.5, float(w.max()) > 0.45)", w=randn(50, 50)),
    Case("torch.nn.init.trunc_normal_", "w = w * 1\nnn.init.trunc_normal_(w, mean=1.0, std=0.02)\n"
         "out = (abs(float(w.mean()) - 1.0) < 0.005, abs(float(w.std()) - 0.02) < 0.002)", w=randn(60, 60)),
    Case("torch.nn.init.xavier_uniform_", "w = w * 1\nnn.init.xavier_uniform_(w)\nb = (6 / (200 + 300)) ** 0.5\n"
         "out = (float(w.abs().max()) <= b, float(w.abs().max()) > 0.95 * b)", w=randn(300, 200)),
    Case("torch.nn.init.xavier_uniform_", "w = w * 1\nnn.init.xavier_uniform_(w, gain=2.0)\nb = 2.0 * (6 / (64 + 32)) ** 0.5\n"
         "out = (float(w.abs().max()) <= b, float(w.abs().max()) > 0.9 * b)", w=randn(32, 64)),
    Case("torch.nn.init.kaiming_uniform_", "w = w * 1\nnn.init.kaiming_uniform_(w, a=5 ** 0.5)\nb = (1 / 64) ** 0.5\n"
         "out = (float(w.abs().max()) <= b, float(w.abs().max()) > 0.95 * b)", w=randn(128, 64)),
    Case("torch.nn.init.kaiming_uniform_", "w = w * 1\nnn.init.kaiming_uniform_(w, mode='fan_out', nonlinearity='relu')\n"
         "b = (6 / 128) ** 0.5\nout = (float(w.abs().max()) <= b, float(w.abs().max()) > 0.95 * b)", w=randn(128, 64)),
    Case("torch.nn.init.kaiming_uniform", "w = w * 1\nnn.init.kaiming_uniform(w)\nb = (6 / 64) ** 0.5\n"
         "out = (float(w.abs().max()) <= b, float(w.abs().max()) > 0.95 * b)", w=randn(128, 64)),
    Case("torch.nn.utils.rnn.pad_sequence", "nn.utils.rnn.pad_sequence([a, b], batch_first=True)", a=randn(2, 3),
         b=randn(4, 3)),
    # outside a recognised training step: the tape's .grad (mscore_rt.autograd; more in cases_autograd.py)
    Case("torch.nn.utils.clip_grad_norm_", "nn.utils.clip_grad_norm_([w], 1.0)", w=randn(3)),
    # inside a recognised training step (statements/training_step.py): clipped in place, torch's total norm returned
    Case("torch.nn.utils.clip_grad_norm_",
         "p = nn.Parameter(w * 1)\nq = nn.Parameter(v * 1)\nopt = torch.optim.SGD([p, q], lr=0.1)\n"
         "opt.zero_grad()\ny = (p * x).sum() + (q * q).sum()\nloss = y * y\nloss.backward()\n"
         "n = nn.utils.clip_grad_norm_([p, q], 0.5)\nopt.step()\nout = (n, loss, p * 1, q * 1)",
         w=randn(3), v=randn(2), x=randn(3), rtol=1e-5, atol=1e-5, reason="the total norm is summed in another order"),
    Case("torch.nn.utils.clip_grad_norm_",
         "p = nn.Parameter(w * 1)\nopt = torch.optim.AdamW([p], lr=0.01)\nloss = (p * x).sum() * 1e-3\nloss.backward()\n"
         "n = nn.utils.clip_grad_norm_([p], max_norm=100.0)\nopt.step()\nout = (n, p * 1)",
         w=randn(4), x=randn(4)),
    Case("torch.nn.parallel.DistributedDataParallel", "nn.parallel.DistributedDataParallel(nn.Linear(2, 2))",
         expect="unsupported"),
]
