"""Parity cases for rules/module.toml (nn.Module methods -> nn.Cell methods). Freshly built layers are initialized
differently by the two frameworks, so cases compare names, counts, shapes or values that do not depend on the
initial weights (or load one module's weights into another)."""
from mscore.parity.case import Case, ModuleCase, randn

ADD_MODULE = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module("lin", nn.Linear(3, 2))

    def forward(self, x):
        return self.lin(x)

m = M()
"""

REGISTER_PARAMETER = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("scale", nn.Parameter(torch.zeros(3)))

    def forward(self, x):
        return x * self.scale

m = M()
"""

REGISTER_BUFFER = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.register_buffer("shift", torch.zeros(3))
        self.register_buffer("tmp", torch.zeros(3), persistent=False)

    def forward(self, x):
        return self.lin(x) + self.shift + self.tmp

m = M()
"""

# torch's register_buffer leaves the tensor unmarked: an alias assigned to another attribute is a plain attribute,
# not a state-dict key (Hugging Face's rotary embeddings keep original_inv_freq so; Cell.__setattr__ would register
# a marked tensor as a new persistent buffer and a strict load of a torch checkpoint would miss it)
BUFFER_ALIAS = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.register_buffer("inv", torch.arange(3.0), persistent=False)
        self.original = self.inv
        self.register_buffer("shift", torch.ones(3))
        self.shift_alias = self.shift

    def forward(self, x):
        return self.lin(x) * self.original + self.shift_alias

m = M()
"""

FORWARD_CALL = """
class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)

    def forward(self, x):
        return self.lin(x)


class Outer(Inner):
    def forward(self, x):
        return super().forward(x) * 2


class Wrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Outer()

    def forward(self, x):
        return self.inner.forward(x) + 1

m = Wrap()
"""

SEQ = "m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))\n"
BN = "m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))\n"

# torch replaces a buffer assigned a new tensor (Cell.__setattr__ raised TypeError: "Buffer ... already exists")
BUFFER_REASSIGN = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        self.register_buffer("scale", torch.ones(3))

    def forward(self, x):
        self.steps += 1
        self.scale = self.scale * 2
        return x * self.scale

m = M()
y = m(x)
y = m(x)
out = (y, int(m.steps), sorted(m.state_dict()), m.state_dict()["scale"] * 1)
"""

CASES = [
    Case("Module.parameters", SEQ + "out = [tuple(p.shape) for p in m.parameters()]"),
    Case("Module.parameters", SEQ + "out = len(list(m.parameters(recurse=True)))"),
    Case("Module.parameters", SEQ + "out = len(list(m.parameters(recurse=False)))"),
    Case("Module.parameters", "m = nn.Linear(2, 2)\nout = len(list(m.parameters(recurse=False)))"),
    # a BatchNorm's running statistics are torch buffers (mint.nn keeps them as Parameters): not parameters, and not
    # handed to an optimizer (a weight decay would shrink them; SGD refuses the int64 num_batches_tracked)
    Case("Module.parameters", BN + "out = [tuple(p.shape) for p in m.parameters()]"),
    Case("Module.named_parameters", BN + "out = [n for n, _ in m.named_parameters()]"),
    Case("Module.named_buffers", BN + "out = [n for n, _ in m.named_buffers()]"),
    Case("Module.buffers", BN + "out = len(list(m.buffers()))"),
    Case("Module.parameters", "m = nn.BatchNorm1d(3)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
         "out = (len(opt.param_groups[0]['params']), m(x))", x=randn(4, 3)),
    Case("Module.named_parameters", SEQ + "out = [n for n, p in m.named_parameters()]"),
    Case("Module.named_parameters", SEQ + "out = [n for n, p in m.named_parameters(prefix='model')]"),
    Case("Module.named_parameters", SEQ + "out = [n for n, p in m.named_parameters(recurse=False)]"),
    Case("Module.named_parameters", "shared = nn.Linear(2, 2)\nm = nn.Sequential(shared, shared)\n"
         "out = [[n for n, _ in m.named_parameters()], [n for n, _ in m.named_parameters(remove_duplicate=False)]]"),
    Case("Module.named_modules", SEQ + "out = [n for n, _ in m.named_modules()]"),
    Case("Module.named_modules", SEQ + "out = [n for n, _ in m.named_modules(prefix='net')]"),
    Case("Module.children", SEQ + "out = len(list(m.children()))"),
    Case("Module.modules", SEQ + "out = len(list(m.modules()))"),
    Case("Module.modules", SEQ + "out = [tuple(c.weight.shape) for c in m.modules() if isinstance(c, nn.Linear)]"),
    Case("Module.named_children", SEQ + "out = [n for n, _ in m.named_children()]"),
    Case("Module.named_children", SEQ + "out = [tuple(c.weight.shape) for _, c in m.named_children() if isinstance(c, nn.Linear)]"),
    Case("Module.eval", "m = nn.Dropout(0.5)\nm.eval()\nout = m(x)", x=randn(64)),
    Case("Module.eval", "m = nn.Sequential(nn.Dropout(0.9), nn.Dropout(0.9)).eval()\nout = m(x)", x=randn(64)),
    # a torch module starts in training mode (a MindSpore Cell does not: the runtime package gives it torch's default)
    Case("torch.nn.Dropout", "m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))\nout = (m.training, m[1].training)"),
    Case("torch.nn.BatchNorm1d", "m = nn.BatchNorm1d(3)\nout = (m(x), m.running_mean * 1, m.eval()(x))", x=randn(4, 3)),
    Case("Module.train", "m = nn.Dropout(0.5)\nm.train()\nm.train(False)\nout = m(x)", x=randn(64)),
    Case("Module.train", "m = nn.Dropout(0.5)\nm.train(mode=False)\nout = m(x)", x=randn(64)),
    Case("Module.forward", "m = nn.Linear(3, 2)\nout = m.forward(x) - m(x)", x=randn(2, 3)),
    ModuleCase("Module.forward", FORWARD_CALL, inputs=dict(x=randn(2, 3))),
    # the stack calls zero_grad on its own optimizer classes: the call must stay untouched
    Case("Module.zero_grad", "class Opt:\n    def __init__(self):\n        self.calls = []\n\n"
         "    def zero_grad(self, set_to_none=True):\n        self.calls.append(set_to_none)\n\n"
         "o = Opt()\no.zero_grad()\no.zero_grad(set_to_none=False)\nout = o.calls"),
    Case("Module.state_dict", SEQ + "out = sorted(m.state_dict().keys())"),
    Case("Module.state_dict", SEQ + "out = [tuple(v.shape) for v in m.state_dict().values()]"),
    Case("Module.load_state_dict", SEQ + "m2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))\n"
         "m2.load_state_dict(m.state_dict())\nout = m2(x) - m(x)", x=randn(2, 3)),
    Case("Module.load_state_dict", SEQ + "m2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))\n"
         "m2.load_state_dict(m.state_dict(), strict=True)\nout = m2(x) - m(x)", x=randn(2, 3)),
    # torch copies into the parameters' memory: a parameter that views a flat buffer (Megatron's DDP param buffer:
    # param.data = buffer[a:b].view(shape)) keeps viewing it after the load
    Case("Module.load_state_dict", "m = nn.Linear(2, 3, bias=False)\nbuf = torch.zeros(6)\n"
         "with torch.no_grad():\n    m.weight.data = buf[0:6].view(3, 2)\n"
         "m.load_state_dict({'weight': w})\nafter_load = buf * 1\n"
         "with torch.no_grad():\n    buf[0:6].copy_(torch.ones(6) * 5)\n"
         "out = (after_load, m.weight * 1)", w=randn(3, 2)),
    Case("Module.apply", SEQ + "seen = []\nm.apply(lambda c: seen.append(1))\nout = len(seen)"),
    Case("Module.apply", SEQ + "r = m.apply(fn=lambda c: None)\nout = r is m"),
    ModuleCase("Module.register_buffer", REGISTER_BUFFER, inputs=dict(x=randn(2, 3))),
    ModuleCase("Module.register_buffer", BUFFER_ALIAS, inputs=dict(x=randn(2, 3))),
    Case("Module.register_buffer", BUFFER_ALIAS + "out = [sorted(m.state_dict()), [n for n, _ in m.named_buffers()]]"),
    Case("Module.buffers", SEQ + "m[0].register_buffer('b', x)\nout = [b * 1 for b in m.buffers()]", x=randn(3)),
    Case("Module.buffers", SEQ + "m[0].register_buffer('b', x)\nout = len(list(m.buffers(recurse=False)))", x=randn(3)),
    Case("Module.named_buffers", SEQ + "m[2].register_buffer('c', x)\nout = [n for n, _ in m.named_buffers()]",
         x=randn(3)),
    Case("Module.register_buffer", BUFFER_REASSIGN, x=randn(2, 3)),
    ModuleCase("Module.add_module", ADD_MODULE, inputs=dict(x=randn(2, 3))),
    ModuleCase("Module.register_parameter", REGISTER_PARAMETER, inputs=dict(x=randn(2, 3))),
    Case("Module.register_forward_hook",
         "m = nn.Linear(3, 2)\nh = m.register_forward_hook(lambda mod, inp, o: o * 0 + 1)\nout = m(x)", x=randn(2, 3)),
    Case("Module.register_forward_hook",
         "m = nn.Linear(3, 2)\nseen = []\nh = m.register_forward_hook(lambda mod, inp, o: seen.append(1))\n"
         "m(x)\nh.remove()\nm(x)\nout = len(seen)", x=randn(2, 3)),
    Case("Module.register_forward_pre_hook",
         "m = nn.ReLU()\nh = m.register_forward_pre_hook(lambda mod, inp: (inp[0] * -1,))\nout = m(x)", x=randn(2, 3)),
    Case("Module.register_full_backward_hook",
         "m = nn.Linear(3, 2)\nh = m.register_full_backward_hook(lambda mod, gi, go: None)\nh.remove()\nout = m(x) - m(x)",
         x=randn(2, 3)),
    Case("Module.register_full_backward_pre_hook",
         "m = nn.Linear(3, 2)\nh = m.register_full_backward_pre_hook(lambda mod, go: None)\nh.remove()\n"
         "out = m(x) - m(x)", x=randn(2, 3)),
    Case("Module.register_load_state_dict_post_hook",
         SEQ + "seen = []\nm.register_load_state_dict_post_hook(lambda mod, keys: seen.append(1))\n"
         "m.load_state_dict(m.state_dict())\nout = len(seen)"),
    # Megatron's parallel linear layers: a hook without the module (torch's private default) and one with it
    Case("Module._register_load_state_dict_pre_hook",
         SEQ + "seen = []\nm._register_load_state_dict_pre_hook(\n"
         "    lambda sd, prefix, *a, **k: seen.append((prefix, sorted(sd))))\n"
         "m.load_state_dict(m.state_dict())\nout = seen"),
    Case("Module._register_load_state_dict_pre_hook",
         SEQ + "seen = []\nm[0]._register_load_state_dict_pre_hook(\n"
         "    lambda mod, sd, prefix, *a: seen.append((type(mod).__name__ == type(m[0]).__name__, prefix)),\n"
         "    with_module=True)\nm.load_state_dict(m.state_dict())\nout = seen"),
]
