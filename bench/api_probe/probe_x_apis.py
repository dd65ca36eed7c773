"""The named APIs of issue 12, second pass, in forms a stranger writes: conv_transpose3d, prod, layout=, complex128,
pad_sequence, randint, torch.device, save / load, autocast, __version__, set_grad_enabled, nn.modules paths, histc,
mode, resize_, legacy tensor constructors, full reductions, scatter(reduce=), math on int tensors, in-place relu,
repeat_interleave on ints, antialias=, sparse=, numpy(force=), cuda.stream, jit / compile decorators."""
from mscore.parity.case import Case, ModuleCase, const, rand_bool, randint, randn, uniform

C = Case
M = ModuleCase
SHAPE = dict(compare="shape", reason="random values: shape and dtype only")
CONV = dict(atol=1e-4, reason="conv sums")

SNIPPETS = [
    # conv_transpose3d
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w)", x=randn(1, 2, 2, 3, 3),
      w=randn(2, 3, 2, 2, 2), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, b, stride=2)", x=randn(1, 2, 2, 2, 2),
      w=randn(2, 2, 2, 2, 2), b=randn(2), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, None, 2, 1)", x=randn(1, 2, 3, 3, 3),
      w=randn(2, 1, 3, 3, 3), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, stride=2, padding=1, output_padding=1)",
      x=randn(1, 1, 2, 2, 2), w=randn(1, 2, 3, 3, 3), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, groups=2)", x=randn(1, 4, 2, 2, 2),
      w=randn(4, 1, 2, 2, 2), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, dilation=2)", x=randn(1, 1, 2, 2, 2),
      w=randn(1, 1, 2, 2, 2), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(input=x, weight=w, bias=b, stride=(1, 2, 2))",
      x=randn(1, 2, 2, 2, 2), w=randn(2, 2, 1, 2, 2), b=randn(2), **CONV),
    C("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, padding=(0, 1, 1))", x=randn(2, 1, 2, 3, 3),
      w=randn(1, 2, 2, 3, 3), **CONV),
    C("torch.nn.functional.conv_transpose3d", "from torch.nn.functional import conv_transpose3d\n"
      "out = conv_transpose3d(x, w)", x=randn(2, 3, 3, 3), w=randn(2, 1, 2, 2, 2), **CONV),
    C("torch.nn.functional.conv_transpose3d", "a = x.requires_grad_()\nF.conv_transpose3d(a, w).sum().backward()\n"
      "out = a.grad", x=randn(1, 1, 2, 2, 2), w=randn(1, 1, 2, 2, 2), **CONV),
    M("torch.nn.ConvTranspose3d", "nn.ConvTranspose3d(2, 3, kernel_size=2, stride=2)", inputs=dict(x=randn(1, 2, 2, 2, 2)),
      **CONV),
    M("torch.nn.ConvTranspose3d", "nn.ConvTranspose3d(2, 2, 3, padding=1, bias=False)",
      inputs=dict(x=randn(1, 2, 2, 3, 3)), **CONV),
    # prod
    C("torch.prod", "torch.prod(x)", x=randn(2, 3)),
    C("torch.prod", "torch.prod(x, -1)", x=randn(2, 3)),
    C("torch.prod", "torch.prod(x, dim=0, keepdim=True)", x=randn(2, 3)),
    C("torch.prod", "torch.prod(i)", i=randint(1, 4, (4,))),
    C("torch.prod", "torch.prod(i, 0)", i=randint(1, 4, (3, 2), dtype="int32")),
    C("torch.prod", "torch.prod(b)", b=const([True, True, False])),
    C("torch.prod", "torch.prod(x, dtype=torch.float64)", x=randn(4)),
    C("torch.prod", "torch.prod(torch.tensor(3.0))"),
    C("torch.prod", "torch.prod(torch.zeros(0))"),
    C("Tensor.prod", "x.prod()", x=randn(5)),
    C("Tensor.prod", "x.prod(dim=1)", x=randn(2, 3)),
    C("Tensor.prod", "x.prod(1, True)", x=randn(2, 3)),
    C("Tensor.prod", "torch.tensor(x.shape).prod().item()", x=randn(2, 3, 4)),
    C("Tensor.prod", "a = x.requires_grad_()\na.prod().backward()\nout = a.grad", x=uniform(0.5, 2, (4,))),
    # layout=torch.strided
    C("torch.zeros", "torch.zeros(2, 3, layout=torch.strided)"),
    C("torch.ones", "torch.ones((2,), dtype=torch.float32, layout=torch.strided, device='cpu')"),
    C("torch.empty", "torch.empty(3, layout=torch.strided)", **SHAPE),
    C("torch.full", "torch.full((2, 2), 4.0, layout=torch.strided)"),
    C("torch.arange", "torch.arange(5, layout=torch.strided)"),
    C("torch.randn", "torch.randn(2, layout=torch.strided)", **SHAPE),
    C("torch.eye", "torch.eye(2, layout=torch.strided)"),
    C("torch.zeros_like", "torch.zeros_like(x, layout=torch.strided)", x=randn(3)),
    C("torch.ones_like", "torch.ones_like(x, dtype=torch.float64, layout=torch.strided)", x=randn(3)),
    C("torch.empty_like", "torch.empty_like(x, layout=torch.strided)", x=randn(2), **SHAPE),
    C("torch.full_like", "torch.full_like(x, 2.0, layout=torch.strided)", x=randn(2)),
    C("Tensor.layout", "x.layout == torch.strided", x=randn(2)),
    C("Tensor.new_zeros", "x.new_zeros(2, layout=torch.strided)", x=randn(2)),
    C("torch.strided", "lay = torch.strided\nout = torch.zeros(2, layout=lay)"),
    # complex128
    C("torch.complex128", "torch.zeros(2, dtype=torch.complex128)"),
    C("torch.complex128", "x.to(torch.complex128)", x=randn(3, dtype="float64")),
    C("torch.complex128", "torch.tensor([1 + 2j, 3j], dtype=torch.complex128)"),
    C("torch.complex128", "torch.tensor([1 + 2j], dtype=torch.complex128).dtype == torch.complex128"),
    C("torch.complex128", "torch.complex(a, b).dtype", a=randn(2, dtype="float64"), b=randn(2, dtype="float64")),
    C("torch.complex128", "z = torch.ones(2, dtype=torch.complex128)\nout = (z * 2).real"),
    C("torch.complex128", "x.type(torch.complex128).abs()", x=randn(3, dtype="float64")),
    # pad_sequence
    C("torch.nn.utils.rnn.pad_sequence", "from torch.nn.utils.rnn import pad_sequence\n"
      "out = pad_sequence([a, b, c])", a=randn(3), b=randn(1), c=randn(2)),
    C("torch.nn.utils.rnn.pad_sequence", "from torch.nn.utils.rnn import pad_sequence\n"
      "out = pad_sequence(sequences=[a, b], batch_first=True, padding_value=0.5)", a=randn(2, 2), b=randn(3, 2)),
    C("torch.nn.utils.rnn.pad_sequence", "from torch.nn.utils.rnn import pad_sequence\n"
      "out = pad_sequence([i, j], batch_first=True, padding_value=-100)", i=randint(0, 9, (2,)), j=randint(0, 9, (4,))),
    C("torch.nn.utils.rnn.pad_sequence", "from torch.nn.utils import rnn\nout = rnn.pad_sequence((a, b), True)",
      a=randn(2), b=randn(3)),
    C("torch.nn.utils.rnn.pad_sequence", "import torch.nn.utils.rnn as rnn_utils\n"
      "out = rnn_utils.pad_sequence([a, b], batch_first=True, padding_side='left')", a=randn(2), b=randn(3)),
    C("torch.nn.utils.rnn.pad_sequence", "seqs = [torch.arange(n) for n in (1, 3, 2)]\n"
      "out = nn.utils.rnn.pad_sequence(seqs, batch_first=True)"),
    # randint
    C("torch.randint", "torch.randint(10, (3,))", **SHAPE),
    C("torch.randint", "torch.randint(0, 10, (2, 2))", **SHAPE),
    C("torch.randint", "torch.randint(low=0, high=5, size=(3,))", **SHAPE),
    C("torch.randint", "torch.randint(5, size=(2,), dtype=torch.int32)", **SHAPE),
    C("torch.randint", "torch.randint(high=4, size=[2, 1])", **SHAPE),
    C("torch.randint", "r = torch.randint(3, 7, (100,))\nout = bool(((r >= 3) & (r < 7)).all())"),
    C("torch.randint", "g = torch.Generator().manual_seed(0)\nout = torch.randint(0, 9, (4,), generator=g)", **SHAPE),
    C("torch.randint_like", "torch.randint_like(x, 10)", x=randn(2, 2), **SHAPE),
    C("torch.randint_like", "torch.randint_like(x, low=2, high=5)", x=randn(3), **SHAPE),
    C("torch.randint", "torch.randint(0, 2, (3,), device='cpu').dtype"),
    # torch.device
    C("torch.device", "torch.device('cpu').type"),
    C("torch.device", "str(torch.device('cpu'))"),
    C("torch.device", "d = torch.device('cpu')\nout = torch.zeros(2, device=d)"),
    C("torch.device", "x.to(torch.device('cpu'))", x=randn(2)),
    C("torch.device", "x.device.type", x=randn(2)),
    C("torch.device", "torch.device('cpu') == torch.device('cpu')"),
    C("torch.device", "isinstance(torch.device('cpu'), torch.device)"),
    C("torch.device", "torch.device(type='cpu').type"),
    C("torch.device", "dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
      "out = torch.ones(2).to(dev)"),
    C("torch.device", "x.to(device=torch.device('cpu'), dtype=torch.float64)", x=randn(2)),
    C("torch.device", "torch.tensor([1, 2], device=torch.device('cpu'))"),
    C("torch.device", "class Holder:\n    def __init__(self, device: torch.device):\n        self.device = device\n"
      "out = torch.ones(2, device=Holder(torch.device('cpu')).device)"),
    # save / load
    C("torch.save", "import io\nb = io.BytesIO()\ntorch.save([x, y], b)\nb.seek(0)\nout = torch.load(b)",
      x=randn(2), y=randn(3)),
    C("torch.save", "import io\nb = io.BytesIO()\ntorch.save({'a': {'b': x}, 'k': [1, 2]}, b)\nb.seek(0)\n"
      "d = torch.load(b)\nout = (d['a']['b'], d['k'])", x=randn(2)),
    C("torch.save", "import tempfile, os\np = os.path.join(tempfile.mkdtemp(), 'i.pt')\ntorch.save(i, p)\n"
      "out = torch.load(p)", i=randint(0, 9, (3,))),
    C("torch.save", "import tempfile, os\np = os.path.join(tempfile.mkdtemp(), 'f.pt')\n"
      "with open(p, 'wb') as f:\n    torch.save(x, f)\nwith open(p, 'rb') as f:\n    out = torch.load(f)", x=randn(3)),
    C("torch.save", "import tempfile, pathlib\np = pathlib.Path(tempfile.mkdtemp()) / 'x.pt'\ntorch.save(x, p)\n"
      "out = torch.load(p, weights_only=True)", x=randn(2)),
    C("torch.load", "import tempfile, os\np = os.path.join(tempfile.mkdtemp(), 'm.pt')\n"
      "m = nn.Linear(2, 2)\nnn.init.ones_(m.weight)\ntorch.save(m.state_dict(), p)\nm2 = nn.Linear(2, 2)\n"
      "m2.load_state_dict(torch.load(p))\nout = m2.weight"),
    C("torch.load", "import io\nb = io.BytesIO()\ntorch.save(x, b)\nb.seek(0)\nout = torch.load(b, map_location='cpu')",
      x=randn(2)),
    C("torch.load", "import io\nb = io.BytesIO()\ntorch.save({'step': 3, 'w': x}, b)\nb.seek(0)\n"
      "ck = torch.load(b, map_location=lambda s, loc: s)\nout = (ck['step'], ck['w'])", x=randn(2)),
    C("torch.load", "import io\nb = io.BytesIO()\ntorch.save(x, b)\nout = torch.load(io.BytesIO(b.getvalue()), "
      "weights_only=False)", x=randn(2)),
    # autocast
    C("torch.autocast", "with torch.autocast(device_type='cuda', enabled=False):\n    out = x * 2", x=randn(2)),
    C("torch.autocast", "with torch.autocast('cpu', dtype=torch.bfloat16, enabled=False):\n    out = x @ x",
      x=randn(2, 2), atol=1e-5, reason="sums"),
    C("torch.autocast", "with torch.amp.autocast('cpu', enabled=False):\n    out = x.sum()", x=randn(3)),
    C("torch.autocast", "with torch.cuda.amp.autocast(enabled=False):\n    out = x + 1", x=randn(2)),
    C("torch.autocast", "@torch.autocast('cpu', enabled=False)\ndef f(t):\n    return t * 3\nout = f(x)", x=randn(2)),
    C("torch.autocast", "from torch import autocast\nwith autocast('cpu', enabled=False):\n    out = x - 1", x=randn(2)),
    # __version__
    C("torch.__version__", "torch.__version__ >= '1.0'"),
    C("torch.__version__", "torch.__version__.startswith(('1.', '2.', '3.'))"),
    C("torch.__version__", "from packaging import version\nout = version.parse(torch.__version__) >= "
      "version.parse('1.8')"),
    C("torch.__version__", "tuple(int(v) for v in torch.__version__.split('+')[0].split('.')[:2]) >= (1, 8)"),
    C("torch.__version__", "isinstance(str(torch.__version__), str)"),
    # set_grad_enabled
    C("torch.set_grad_enabled", "a = x.requires_grad_()\nwith torch.set_grad_enabled(False):\n    b = a * 2\n"
      "out = b.requires_grad", x=randn(2)),
    C("torch.set_grad_enabled", "a = x.requires_grad_()\nwith torch.set_grad_enabled(mode=True):\n    b = a * 2\n"
      "out = b.requires_grad", x=randn(2)),
    C("torch.set_grad_enabled", "@torch.set_grad_enabled(False)\ndef f():\n    return torch.is_grad_enabled()\n"
      "out = f()"),
    C("torch.set_grad_enabled", "training = False\nwith torch.set_grad_enabled(training):\n"
      "    out = (torch.is_grad_enabled(), x + 1)", x=randn(2)),
    # nn.modules paths
    M("torch.nn.modules.GroupNorm", "torch.nn.modules.GroupNorm(2, 4)", inputs=dict(x=randn(2, 4, 3)),
      atol=1e-5, reason="norm"),
    M("torch.nn.modules.normalization.GroupNorm", "torch.nn.modules.normalization.GroupNorm(1, 2)",
      inputs=dict(x=randn(2, 2, 3)), atol=1e-5, reason="norm"),
    C("torch.nn.modules.normalization.GroupNorm", "from torch.nn.modules.normalization import GroupNorm\n"
      "out = GroupNorm(2, 4)(x)", x=randn(1, 4, 2), atol=1e-5, reason="norm"),
    C("torch.nn.modules.GroupNorm", "from torch.nn.modules import GroupNorm\nm = GroupNorm(2, 4)\n"
      "out = (isinstance(m, nn.GroupNorm), m(x))", x=randn(1, 4, 2), atol=1e-5, reason="norm"),
    M("torch.nn.modules.linear.Linear", "torch.nn.modules.linear.Linear(3, 2)", inputs=dict(x=randn(2, 3))),
    C("torch.nn.modules.module.Module", "class N(torch.nn.modules.module.Module):\n"
      "    def forward(self, t):\n        return t * 2\nout = N()(x)", x=randn(2)),
    # histc
    C("torch.histc", "torch.histc(x, bins=4, min=0, max=1)", x=uniform(0, 1, (20,))),
    C("torch.histc", "torch.histc(x, bins=5)", x=randn(20)),
    C("Tensor.histc", "x.histc(3, 0, 3)", x=uniform(0, 3, (10,))),
    C("torch.histc", "torch.histc(x, 4, min=-1.0, max=1.0)", x=randn(15)),
    # mode
    C("Tensor.mode", "i.mode()", i=const([1, 2, 2, 3, 3, 3])),
    C("Tensor.mode", "i.mode(0).values", i=const([[1, 2], [1, 3], [2, 3]])),
    C("Tensor.mode", "v, idx = i.mode(dim=-1, keepdim=True)\nout = v", i=const([[4, 4, 1], [2, 5, 5]])),
    C("torch.mode", "torch.mode(i).values", i=const([[0, 1, 1, 2], [3, 3, 0, 1]])),
    C("torch.mode", "torch.mode(x, 0)[0]", x=const([[1.0, 2.0], [1.0, 3.0], [0.5, 3.0]])),
    # resize_
    C("Tensor.resize_", "x.resize_(3, 2)\nout = x", x=randn(2, 3)),
    C("Tensor.resize_", "x.resize_((6,))\nout = x", x=randn(2, 3)),
    C("Tensor.resize_", "y = x.clone()\ny.resize_(2)\nout = y", x=randn(4)),
    C("Tensor.resize_", "o = torch.empty(0)\no.resize_(2, 2)\nout = o.shape"),
    C("Tensor.resize_", "o = x.clone().resize_([1, 6])\nout = o", x=randn(3, 2)),
    C("Tensor.resize_as_", "o = torch.empty(0)\no.resize_as_(x)\nout = o.shape", x=randn(2, 3)),
    # legacy constructors
    C("torch.FloatTensor", "torch.FloatTensor([1, 2, 3])"),
    C("torch.FloatTensor", "torch.FloatTensor([[1.5, 2], [3, 4]])"),
    C("torch.FloatTensor", "torch.FloatTensor(2, 3).shape"),
    C("torch.LongTensor", "torch.LongTensor([1, 2, 3])"),
    C("torch.LongTensor", "torch.LongTensor([[0, 1], [1, 0]])"),
    C("torch.LongTensor", "x[torch.LongTensor([0, 2])]", x=randn(3)),
    C("torch.IntTensor", "torch.IntTensor([1, 2])"),
    C("torch.BoolTensor", "torch.BoolTensor([True, False])"),
    C("torch.DoubleTensor", "torch.DoubleTensor([0.5])"),
    C("torch.ByteTensor", "torch.ByteTensor([1, 255])"),
    C("torch.Tensor", "torch.Tensor([1, 2])"),
    C("torch.Tensor", "torch.Tensor(2, 2).shape"),
    C("torch.FloatTensor", "isinstance(x, torch.Tensor)", x=randn(2)),
    C("torch.FloatTensor", "torch.FloatTensor(x.tolist())", x=randn(3)),
    # full reductions
    C("torch.max", "torch.max(x)", x=randn(2, 3)),
    C("torch.max", "torch.max(i)", i=randint(0, 100, (5,))),
    C("torch.min", "torch.min(x).item()", x=randn(4)),
    C("torch.min", "torch.min(torch.tensor(2.5))"),
    C("Tensor.max", "x.max().item() > x.min().item()", x=randn(4)),
    C("torch.max", "float(torch.max(x.abs()))", x=randn(3, 2)),
    C("torch.max", "torch.max(x, y)", x=randn(3), y=randn(3)),
    # scatter reduce=
    C("torch.scatter", "torch.scatter(x, 1, i, s, reduce='multiply')", x=randn(2, 3), i=const([[0], [2]]),
      s=randn(2, 1)),
    C("Tensor.scatter_", "x.scatter_(0, i, s, reduce='add')\nout = x", x=randn(3, 2), i=const([[0, 1], [0, 0]]),
      s=randn(2, 2)),
    C("Tensor.scatter_", "x.scatter_(1, i, 2.0, reduce='multiply')\nout = x", x=randn(2, 3), i=const([[1], [0]])),
    C("Tensor.scatter", "x.scatter(dim=0, index=i, src=s, reduce='add')", x=randn(3), i=const([0, 0, 2]),
      s=randn(3)),
    C("Tensor.scatter_", "x.scatter_(1, i, value=3.0, reduce='add')\nout = x", x=randn(2, 2), i=const([[0], [1]])),
    # math on int tensors
    C("torch.log", "torch.log(i)", i=randint(1, 10, (4,))),
    C("Tensor.log", "i.log()", i=randint(1, 10, (4,), dtype="int32")),
    C("torch.exp", "torch.exp(i)", i=randint(0, 4, (3,))),
    C("torch.sqrt", "torch.sqrt(i)", i=randint(0, 10, (3,))),
    C("torch.sin", "torch.sin(i)", i=randint(0, 10, (3,))),
    C("torch.log2", "torch.log2(i)", i=randint(1, 10, (3,))),
    C("torch.log10", "torch.log10(i)", i=randint(1, 10, (3,))),
    C("torch.log1p", "torch.log1p(i)", i=randint(0, 10, (3,))),
    C("torch.sigmoid", "torch.sigmoid(i)", i=randint(-3, 3, (3,))),
    C("torch.log", "torch.log(torch.tensor(4))"),
    C("torch.log", "torch.log(b)", b=const([True, False])),
    C("torch.rsqrt", "torch.rsqrt(i)", i=randint(1, 9, (3,))),
    C("torch.tanh", "i.tanh()", i=randint(-2, 3, (3,))),
    C("torch.mean", "i.float().mean()", i=randint(0, 9, (4,))),
    # in-place relu
    C("torch.nn.functional.relu", "F.relu(x, inplace=True)\nout = x", x=randn(4)),
    C("torch.nn.functional.relu", "y = F.relu(x, True)\nout = (y, x)", x=randn(4)),
    C("torch.nn.ReLU", "r = nn.ReLU(inplace=True)\ny = r(x)\nout = x", x=randn(4)),
    C("Tensor.relu_", "x.relu_()\nout = x", x=randn(4)),
    C("torch.relu_", "torch.relu_(x)\nout = x", x=randn(4)),
    C("torch.nn.functional.relu_", "F.relu_(x)\nout = x", x=randn(4)),
    M("torch.nn.Sequential", "nn.Sequential(nn.Linear(3, 3), nn.ReLU(inplace=True), nn.Linear(3, 1))",
      inputs=dict(x=randn(2, 3)), atol=1e-5, reason="sums"),
    # repeat_interleave on ints
    C("torch.repeat_interleave", "torch.repeat_interleave(i, 2)", i=randint(0, 9, (3,))),
    C("torch.repeat_interleave", "i.repeat_interleave(2, dim=0)", i=randint(0, 9, (2, 2))),
    C("torch.repeat_interleave", "torch.repeat_interleave(torch.tensor([1, 2, 3]))"),
    C("torch.repeat_interleave", "torch.repeat_interleave(i, torch.tensor([2, 0, 1]))", i=randint(0, 9, (3,))),
    C("torch.repeat_interleave", "i.repeat_interleave(3)", i=randint(0, 9, (2,), dtype="int32")),
    C("torch.repeat_interleave", "torch.arange(3).repeat_interleave(2)"),
    # interpolate antialias=
    C("torch.nn.functional.interpolate", "F.interpolate(x, size=(2, 2), mode='bilinear', antialias=False)",
      x=randn(1, 1, 4, 4)),
    C("torch.nn.functional.interpolate", "F.interpolate(x, scale_factor=0.5, mode='bilinear', antialias=True)",
      x=randn(1, 2, 4, 4), atol=1e-5, reason="weights"),
    C("torch.nn.functional.interpolate", "F.interpolate(x, size=(3, 3), mode='bicubic', antialias=True, "
      "align_corners=False)", x=randn(1, 1, 6, 6), atol=1e-5, reason="weights"),
    C("torch.nn.functional.interpolate", "F.interpolate(x, size=(4, 4), mode='bilinear', align_corners=False, "
      "antialias=True)", x=randn(1, 1, 2, 2), atol=1e-5, reason="weights"),
    # embedding sparse=
    C("torch.nn.functional.embedding", "F.embedding(i, w, sparse=False)", i=randint(0, 5, (3,)), w=randn(5, 2)),
    C("torch.nn.functional.embedding", "F.embedding(i, w, padding_idx=0, sparse=False)", i=randint(0, 5, (3,)),
      w=randn(5, 2)),
    M("torch.nn.Embedding", "nn.Embedding(6, 3, sparse=False)", inputs=dict(i=randint(0, 6, (4,)))),
    C("torch.nn.functional.embedding", "F.embedding(i, w, sparse=True)", i=randint(0, 5, (3,)), w=randn(5, 2)),
    # numpy(force=)
    C("Tensor.numpy", "x.numpy(force=True)", x=randn(3)),
    C("Tensor.numpy", "x.numpy(force=False).sum()", x=randn(3)),
    C("Tensor.numpy", "a = x.requires_grad_()\nout = (a * 2).numpy(force=True)", x=randn(3)),
    C("Tensor.numpy", "x.detach().cpu().numpy()", x=randn(3)),
    # cuda.stream
    C("torch.cuda.stream", "with torch.cuda.stream(None):\n    out = x + 1", x=randn(2)),
    C("torch.cuda.stream", "with torch.cuda.stream(stream=None):\n    out = x * 2", x=randn(2)),
    # decorators
    C("torch.jit.script", "@torch.jit.script\ndef f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:\n"
      "    return a * b + 1\nout = f(x, y)", x=randn(3), y=randn(3)),
    C("torch.jit.script", "def g(t):\n    return t.relu()\nh = torch.jit.script(g)\nout = h(x)", x=randn(3)),
    C("torch.jit.ignore", "class N(nn.Module):\n    @torch.jit.ignore\n    def helper(self, t):\n        return t * 2\n"
      "    def forward(self, t):\n        return self.helper(t) + 1\nout = N()(x)", x=randn(3)),
    C("torch.jit.unused", "class N(nn.Module):\n    @torch.jit.unused\n    def unused(self, t):\n        return t\n"
      "    def forward(self, t):\n        return t - 1\nout = N()(x)", x=randn(3)),
    C("torch.compile", "@torch.compile(dynamic=False)\ndef f(t):\n    return t * t\nout = f(x)", x=randn(3)),
    C("torch.compile", "m = nn.Linear(2, 2)\nnn.init.ones_(m.weight)\nnn.init.zeros_(m.bias)\ncm = torch.compile(m)\n"
      "out = cm(x)", x=randn(3, 2)),
    C("torch.compile", "@torch.compile(mode='reduce-overhead', fullgraph=True)\ndef f(t):\n    return t.exp()\n"
      "out = f(x)", x=randn(3)),
    C("torch.jit.is_scripting", "torch.jit.is_scripting()"),
    C("torch.compiler.disable", "@torch.compiler.disable\ndef f(t):\n    return t + 2\nout = f(x)", x=randn(2)),
]

SNIPPETS += [
    C("torch.prod", "torch.prod(x, dim=-1, keepdim=False, dtype=torch.float64)", x=randn(2, 3)),
    C("torch.prod", "torch.prod(i, dtype=torch.float32)", i=randint(1, 4, (3,))),
    C("torch.prod", "torch.prod(x, 1).prod()", x=uniform(0.5, 1.5, (2, 3))),
    C("torch.prod", "torch.prod(torch.tensor([2, 3, 4]))"),
    C("torch.randint", "torch.randint(10, size=(3,))", **SHAPE),
    C("torch.randint", "torch.randint(0, 10, size=(2,), device='cpu')", **SHAPE),
    C("torch.randint", "torch.randint(2, (3,), dtype=torch.bool)", **SHAPE),
    C("torch.randint", "torch.randint(1, 6, (2, 3), dtype=torch.float32)", **SHAPE),
    C("torch.device", "torch.device('cpu:0').type"),
    C("torch.device", "d = torch.device('cuda:1')\nout = (d.type, d.index)"),
    C("torch.device", "torch.device('cuda', 0).index"),
    C("torch.device", "x.device == torch.device('cpu')", x=randn(2)),
    C("torch.device", "torch.zeros(2).to('cpu').device.type"),
    C("torch.device", "def f(t, device: torch.device = torch.device('cpu')):\n    return t.to(device)\nout = f(x)",
      x=randn(2)),
    C("torch.save", "import io\nb = io.BytesIO()\nm = nn.Linear(2, 2)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
      "torch.save(opt.state_dict(), b)\nb.seek(0)\nsd = torch.load(b)\nout = sorted(sd.keys())"),
    C("torch.save", "import io\nb = io.BytesIO()\ntorch.save({'x': x, 'y': i}, b, _use_new_zipfile_serialization=True)\n"
      "b.seek(0)\nd = torch.load(b, weights_only=True)\nout = (d['x'], d['y'])", x=randn(2), i=randint(0, 5, (2,))),
    C("torch.save", "import io\nb = io.BytesIO()\ntorch.save((x, 3, 'a'), b)\nb.seek(0)\nout = torch.load(b)",
      x=randn(2)),
    C("torch.load", "import tempfile, os\np = os.path.join(tempfile.mkdtemp(), 'c.pt')\n"
      "torch.save({'epoch': 2, 'model': {'w': x}}, p)\nck = torch.load(p, map_location='cpu', weights_only=False)\n"
      "out = (ck['epoch'], ck['model']['w'])", x=randn(2)),
    C("torch.autocast", "with torch.cuda.amp.autocast():\n    out = x * 2", x=randn(2)),
    C("torch.autocast", "with torch.autocast(device_type='cpu', enabled=False):\n    out = torch.is_autocast_enabled()"),
    C("torch.autocast", "with torch.amp.autocast(device_type='cuda', dtype=torch.float16, enabled=False):\n"
      "    out = F.linear(x, w)", x=randn(2, 3), w=randn(4, 3), atol=1e-5, reason="sums"),
    C("torch.__version__", "torch.__version__ < '9'"),
    C("torch.__version__", "isinstance(torch.version.__version__, str)"),
    C("torch.__version__", "v = torch.__version__\nmajor, minor = (int(p) for p in v.split('.')[:2])\nout = major >= 1"),
    C("torch.set_grad_enabled", "prev = torch.is_grad_enabled()\ntorch.set_grad_enabled(False)\na = torch.is_grad_enabled()\n"
      "torch.set_grad_enabled(prev)\nout = (a, torch.is_grad_enabled())"),
    C("torch.nn.modules.normalization.GroupNorm", "m = torch.nn.modules.normalization.GroupNorm(num_groups=2, "
      "num_channels=4, affine=True)\nout = m(x)", x=randn(2, 4, 2), atol=1e-5, reason="norm"),
    C("torch.nn.modules.GroupNorm", "isinstance(nn.GroupNorm(1, 2), torch.nn.modules.GroupNorm)"),
    C("torch.histc", "torch.histc(i.float(), bins=3)", i=randint(0, 6, (12,))),
    C("torch.histc", "torch.histc(x, bins=10, min=0, max=0)", x=uniform(0, 1, (30,))),
    C("torch.histc", "x.histc(bins=4, min=-2, max=2).sum()", x=randn(20)),
    C("Tensor.mode", "x.mode(dim=0, keepdim=False).indices", x=const([[1.0, 2.0], [1.0, 2.0], [3.0, 2.0]])),
    C("Tensor.mode", "torch.mode(i, -1, True)", i=const([[1, 1, 2], [0, 2, 2]])),
    C("Tensor.resize_", "x.resize_(torch.Size([3, 2]))\nout = x", x=randn(2, 3)),
    C("Tensor.resize_", "x.resize_(0)\nout = x.shape", x=randn(2, 3)),
    C("torch.LongTensor", "isinstance(i, torch.LongTensor)", i=randint(0, 3, (2,))),
    C("torch.FloatTensor", "import numpy as np\nout = torch.FloatTensor(np.array([1.0, 2.0]))"),
    C("torch.LongTensor", "torch.LongTensor(3).shape"),
    C("torch.FloatTensor", "x.type(torch.LongTensor)", x=uniform(0, 5, (3,))),
    C("torch.FloatTensor", "i.type(torch.FloatTensor)", i=randint(0, 5, (3,))),
    C("torch.max", "torch.max(b)", b=rand_bool(4, p=0.7)),
    C("torch.max", "torch.amax(x)", x=randn(2, 3)),
    C("torch.min", "torch.min(i).item()", i=randint(-5, 5, (4,))),
    C("torch.max", "m = torch.max(x)\nout = m.dim()", x=randn(2, 2)),
    C("Tensor.scatter_", "x.scatter_(1, i, s, reduce='multiply')\nout = x", x=randn(2, 3), i=const([[0], [2]]),
      s=randn(2, 1)),
    C("torch.scatter", "torch.scatter(x, 1, i, 2.0, reduce='add')", x=randn(2, 3), i=const([[0], [2]])),
    C("torch.log", "torch.log(i).dtype", i=randint(1, 9, (3,))),
    C("torch.log", "torch.log(torch.arange(1, 5))"),
    C("torch.log", "torch.log(i + 1)", i=randint(0, 9, (3,))),
    C("torch.log", "torch.log(i.sum())", i=randint(1, 9, (3,))),
    C("torch.log", "torch.log(torch.tensor([1, 2], dtype=torch.int32))"),
    C("torch.nn.functional.relu", "F.relu(x.clone(), inplace=True)", x=randn(4)),
    C("torch.nn.functional.leaky_relu", "F.leaky_relu(x, 0.1, inplace=True)\nout = x", x=randn(4)),
    C("torch.nn.functional.relu6", "F.relu6(x * 4, inplace=True)", x=randn(4)),
    C("torch.nn.functional.hardtanh_", "F.hardtanh_(x)\nout = x", x=randn(4)),
    C("torch.repeat_interleave", "torch.repeat_interleave(i, repeats=2, dim=0)", i=randint(0, 9, (2, 2))),
    C("torch.repeat_interleave", "torch.repeat_interleave(i, torch.tensor([1, 2]), dim=0, output_size=3)",
      i=randint(0, 9, (2, 2))),
    C("torch.repeat_interleave", "torch.repeat_interleave(torch.tensor([2, 3]))"),
    C("torch.nn.Embedding", "m = nn.Embedding(5, 2, sparse=True)\nnn.init.ones_(m.weight)\nout = m(i)",
      i=randint(0, 5, (3,))),
    C("Tensor.numpy", "x.cpu().numpy(force=True)", x=randn(2)),
    C("Tensor.numpy", "x.detach().numpy().tolist()", x=randn(2)),
    C("torch.jit.export", "class N(nn.Module):\n    @torch.jit.export\n    def half_of(self, t):\n        return t / 2\n"
      "    def forward(self, t):\n        return self.half_of(t)\nout = N()(x)", x=randn(3)),
    C("torch.inference_mode", "@torch.inference_mode()\ndef f(t):\n    return t * 5\nout = f(x)", x=randn(2)),
    C("torch.compile", "@torch.compile()\ndef f(t):\n    return t - 1\nout = f(x)", x=randn(2)),
    C("torch.compile", "m = torch.compile(nn.Identity(), backend='eager')\nout = m(x)", x=randn(2)),
    C("torch.jit.trace", "def f(t):\n    return t * 3\ntf = torch.jit.trace(f, x)\nout = tf(x)", x=randn(3)),
    C("torch.no_grad", "class N(nn.Module):\n    def forward(self, t):\n        return t * 2\n"
      "    @torch.no_grad()\n    def generate(self, t):\n        return self(t) + 1\nout = N().generate(x)", x=randn(2)),
]
