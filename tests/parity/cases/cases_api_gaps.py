"""Parity cases for APIs the held-back per-API suite found left or failing (issue 12), every call form.

Each expectation is torch's documented behaviour: ``torch.prod`` (all elements, or along ``dim``), ``torch.log`` of an
integer tensor (promoted to the default float dtype), the legacy constructors ``torch.FloatTensor(2, 3)`` (sizes: an
uninitialised tensor of that shape) vs ``torch.FloatTensor([1, 2])`` (data), ``torch.device`` objects (``type``,
``index``, ``str``, equality), ``scatter(..., reduce=)``, ``pad_sequence``, ``conv_transpose3d``, ...
"""
from mscore.parity.case import Case, ModuleCase, const, randint, randn, uniform

RANDOM = "random values: the two frameworks draw different streams; shape and dtype only"
UNINIT = "uninitialized memory: shape and dtype only"

CASES = [
    # --- torch.prod ---------------------------------------------------------------------------------------------
    Case("torch.prod", "torch.prod(x)", x=uniform(0.5, 1.5, (2, 3))),
    Case("torch.prod", "torch.prod(x, 1)", x=uniform(0.5, 1.5, (2, 3))),
    Case("torch.prod", "torch.prod(x, dim=0, keepdim=True)", x=uniform(0.5, 1.5, (2, 3))),
    Case("torch.prod", "torch.prod(input=x, dim=-1, dtype=torch.float64)", x=uniform(0.5, 1.5, (2, 3))),
    Case("torch.prod", "torch.prod(i)", i=randint(1, 4, (5,))),
    Case("torch.prod", "torch.prod(x, axis=1)", x=uniform(0.5, 1.5, (2, 3))),
    Case("Tensor.prod", "x.prod()", x=uniform(0.5, 1.5, (2, 3))),
    Case("Tensor.prod", "x.prod(dim=1, keepdim=True)", x=uniform(0.5, 1.5, (2, 3))),
    # --- complex128 ---------------------------------------------------------------------------------------------
    Case("torch.complex128", "torch.complex128"),
    Case("torch.complex128", "torch.zeros(2, dtype=torch.complex128).dtype == torch.complex128"),
    Case("torch.cdouble", "torch.cdouble"),
    Case("torch.cfloat", "torch.cfloat"),
    # --- layout=torch.strided: the only dense layout; dropped ----------------------------------------------------
    Case("torch.strided", "torch.zeros(2, 3, layout=torch.strided)"),
    Case("torch.strided", "torch.ones((2,), dtype=torch.float16, layout=torch.strided)"),
    Case("torch.strided", "torch.empty(2, 3, layout=torch.strided).shape"),
    Case("torch.strided", "torch.full((2, 2), 3.0, layout=torch.strided)"),
    Case("torch.strided", "torch.zeros_like(x, layout=torch.strided)", x=randn(2, 3)),
    Case("torch.strided", "torch.ones_like(x, layout=torch.strided)", x=randn(2, 3)),
    Case("torch.strided", "torch.empty_like(x, layout=torch.strided).shape", x=randn(2, 3)),
    Case("torch.strided", "torch.full_like(x, 2.0, layout=torch.strided)", x=randn(2, 3)),
    Case("torch.strided", "torch.arange(5, layout=torch.strided)"),
    Case("torch.strided", "torch.eye(3, layout=torch.strided)"),
    Case("torch.strided", "torch.linspace(0, 1, 5, layout=torch.strided)"),
    Case("torch.strided", "torch.randn(2, 3, layout=torch.strided)", compare="shape", reason=RANDOM),
    Case("torch.strided", "torch.rand(2, layout=torch.strided)", compare="shape", reason=RANDOM),
    Case("torch.strided", "torch.randint(0, 5, (3,), layout=torch.strided)", compare="shape", reason=RANDOM),
    Case("torch.strided", "x.new_zeros((2,), layout=torch.strided)", x=randn(3)),
    # --- torch.randint forms -------------------------------------------------------------------------------------
    Case("torch.randint", "torch.randint(0, 5, (3,))", compare="shape", reason=RANDOM),
    Case("torch.randint", "torch.randint(5, (2, 3))", compare="shape", reason=RANDOM),
    Case("torch.randint", "torch.randint(3, 10, (2,), dtype=torch.int32)", compare="shape", reason=RANDOM),
    Case("torch.randint", "torch.randint(low=0, high=5, size=(3,))", compare="shape", reason=RANDOM),
    Case("torch.randint", "torch.randint(high=5, size=(4,))", compare="shape", reason=RANDOM),
    Case("torch.randint", "torch.randint(5, size=(2, 2))", compare="shape", reason=RANDOM),
    Case("torch.randint", "torch.randint(2, 5, size=(3,), device='cpu')", compare="shape", reason=RANDOM),
    Case("torch.randint", "r = torch.randint(0, 4, (100,))\nout = (bool((r >= 0).all()), bool((r < 4).all()))"),
    # --- torch.nn.modules.* paths: the same classes as torch.nn.* ------------------------------------------------
    ModuleCase("torch.nn.GroupNorm", "torch.nn.modules.GroupNorm(2, 4)", inputs=dict(x=randn(2, 4, 3))),
    ModuleCase("torch.nn.GroupNorm", "torch.nn.modules.normalization.GroupNorm(2, 4)", inputs=dict(x=randn(2, 4, 3))),
    ModuleCase("torch.nn.Linear", "torch.nn.modules.linear.Linear(4, 3)", inputs=dict(x=randn(2, 4))),
    Case("torch.nn.Module", "class M(torch.nn.modules.module.Module):\n    def forward(self, x):\n"
         "        return x * 2\nout = M()(x)", x=randn(3)),
    # --- histc ---------------------------------------------------------------------------------------------------
    Case("torch.histc", "torch.histc(x, bins=4, min=-2, max=2)", x=randn(20)),
    Case("torch.histc", "torch.histc(x, 5)", x=randn(20)),
    Case("torch.histc", "torch.histc(x)", x=uniform(0.0, 1.0, 50)),
    Case("torch.histc", "torch.histc(input=x, bins=3, min=0, max=3)", x=const([0.5, 1.5, 1.6, 2.5, 3.0, 4.0])),
    # --- full reductions -----------------------------------------------------------------------------------------
    Case("torch.max", "torch.max(x)", x=randn(3, 4)),
    Case("torch.min", "torch.min(x)", x=randn(3, 4)),
    Case("torch.max", "torch.max(i)", i=randint(-5, 5, (6,))),
    Case("torch.min", "torch.min(input=x)", x=randn(3, 4)),
    Case("Tensor.max", "x.max()", x=randn(3, 4)),
    Case("Tensor.min", "x.min()", x=randn(3, 4)),
    # --- log of an integer tensor: promoted to float32 -----------------------------------------------------------
    Case("torch.log", "torch.log(i)", i=randint(1, 9, (5,))),
    Case("torch.log", "torch.log(i)", i=randint(1, 9, (5,), dtype="int32")),
    Case("Tensor.log", "i.log()", i=randint(1, 9, (5,))),
    # --- scatter(reduce=) ----------------------------------------------------------------------------------------
    Case("Tensor.scatter", "x.scatter(1, idx, src, reduce='add')", x=randn(2, 4), idx=const([[0, 1], [2, 3]]),
         src=randn(2, 2)),
    Case("Tensor.scatter", "x.scatter(1, idx, src, reduce='multiply')", x=randn(2, 4), idx=const([[0, 1], [2, 3]]),
         src=randn(2, 2)),
    Case("Tensor.scatter", "x.scatter(0, idx, src, reduce='add')", x=randn(3, 2), idx=const([[0, 1], [2, 0]]),
         src=randn(2, 2)),
    Case("Tensor.scatter", "x.scatter(1, idx, 2.0, reduce='multiply')", x=randn(2, 4), idx=const([[0, 0], [2, 3]])),
    Case("Tensor.scatter_", "x.scatter_(1, idx, src, reduce='add')\nout = x", x=randn(2, 4),
         idx=const([[0, 1], [2, 3]]), src=randn(2, 2)),
    Case("Tensor.scatter_", "x.scatter_(1, idx, src, reduce='multiply')\nout = x", x=randn(2, 4),
         idx=const([[0, 0], [2, 3]]), src=randn(2, 2)),
    # --- in-place relu and repeat_interleave of an int (the CPU wheel lacks the kernels: backfill) ---------------
    Case("torch.nn.functional.relu", "F.relu(x, inplace=True)\nout = x", x=randn(5)),
    Case("torch.nn.functional.relu", "y = F.relu(x, inplace=True)\nout = (y, x)", x=randn(5)),
    ModuleCase("torch.nn.ReLU", "nn.ReLU(inplace=True)", inputs=dict(x=randn(2, 3)), grad=False),
    Case("torch.repeat_interleave", "torch.repeat_interleave(x, 2)", x=randn(3)),
    Case("torch.repeat_interleave", "torch.repeat_interleave(x, 3, dim=0)", x=randn(2, 2)),
    Case("Tensor.repeat_interleave", "x.repeat_interleave(2, dim=1)", x=randn(2, 2)),
    # --- arguments that do not change values ---------------------------------------------------------------------
    Case("torch.nn.functional.interpolate", "F.interpolate(x, size=(4, 4), mode='bilinear', antialias=False)",
         x=randn(1, 1, 2, 2)),
    Case("torch.nn.functional.interpolate", "F.interpolate(x, scale_factor=2, mode='nearest', antialias=False)",
         x=randn(1, 1, 2, 2)),
    Case("torch.nn.functional.embedding", "F.embedding(i, w, sparse=False)", i=randint(0, 5, (3,)), w=randn(5, 2)),
    Case("torch.nn.functional.embedding", "F.embedding(i, w, padding_idx=0, sparse=True)", i=randint(0, 5, (3,)),
         w=randn(5, 2)),
    Case("Tensor.numpy", "x.numpy(force=True)", x=randn(3)),
    Case("Tensor.numpy", "x.numpy(force=False).sum()", x=randn(3), atol=1e-5, reason="float32 sum"),
    # --- conv_transpose3d (torch's weight layout (C_in, C_out / groups, kD, kH, kW)) ----------------------------
    Case("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w)", x=randn(1, 2, 3, 3, 3),
         w=randn(2, 3, 2, 2, 2), atol=1e-5, reason="convolution accumulation order"),
    Case("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1)",
         x=randn(2, 2, 3, 3, 3), w=randn(2, 3, 3, 3, 3), b=randn(3), atol=1e-5, reason="convolution accumulation order"),
    Case("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w, None, 1, 0, 0, 2)", x=randn(1, 4, 2, 2, 2),
         w=randn(4, 1, 2, 2, 2), atol=1e-5, reason="convolution accumulation order"),
    Case("torch.nn.functional.conv_transpose3d",
         "F.conv_transpose3d(input=x, weight=w, bias=b, stride=(1, 2, 1), padding=(0, 1, 0), dilation=2)",
         x=randn(1, 2, 3, 3, 3), w=randn(2, 2, 2, 2, 2), b=randn(2), atol=1e-5, reason="convolution accumulation order"),
    Case("torch.nn.functional.conv_transpose3d", "F.conv_transpose3d(x, w)", x=randn(2, 3, 3, 3),
         w=randn(2, 1, 2, 2, 2), atol=1e-5, reason="convolution accumulation order"),
    # --- pad_sequence ------------------------------------------------------------------------------------------
    Case("torch.nn.utils.rnn.pad_sequence", "torch.nn.utils.rnn.pad_sequence([a, b, c])", a=randn(3), b=randn(1),
         c=randn(2)),
    Case("torch.nn.utils.rnn.pad_sequence", "torch.nn.utils.rnn.pad_sequence([a, b], batch_first=True, "
         "padding_value=-1.0)", a=randn(3, 2), b=randn(1, 2)),
    Case("torch.nn.utils.rnn.pad_sequence", "from torch.nn.utils.rnn import pad_sequence\n"
         "out = pad_sequence((a, b), True, 0.5, 'left')", a=randint(0, 9, (2,)), b=randint(0, 9, (4,))),
    Case("torch.nn.utils.rnn.pad_sequence", "torch.nn.utils.rnn.pad_sequence(sequences=[a, b], padding_side='right')",
         a=randn(2, 2, 2), b=randn(3, 2, 2)),
    # --- mode ----------------------------------------------------------------------------------------------------
    Case("Tensor.mode", "x.mode()", x=const([[1.0, 2.0, 2.0, 3.0, 3.0, 1.0], [5.0, 4.0, 4.0, 5.0, 6.0, 6.0]])),
    Case("Tensor.mode", "x.mode(0)", x=randint(0, 3, (5, 4))),
    Case("Tensor.mode", "x.mode(dim=1, keepdim=True)", x=randint(0, 3, (3, 6))),
    Case("Tensor.mode", "x.mode(-1).values", x=randint(0, 3, (2, 7))),
    Case("torch.mode", "torch.mode(x, 1)", x=randint(0, 4, (3, 5))),
    Case("torch.mode", "torch.mode(input=x, dim=0, keepdim=False)[1]", x=randint(0, 4, (6, 2))),
    # --- resize_ (x created in the snippet: a tensor from numpy has a fixed-size storage in torch) ----------------
    Case("Tensor.resize_", "x = torch.arange(6.0)\ny = x.resize_(2, 3)\nout = (y is x, x)"),
    Case("Tensor.resize_", "x = torch.arange(6.0)\nx.resize_((3, 2))\nout = x"),
    Case("Tensor.resize_", "x = torch.arange(6)\nx.resize_(4)\nout = x"),
    Case("Tensor.resize_", "x = torch.arange(4.0).reshape(2, 2)\nx.resize_(2, 2)\nout = x"),
    Case("Tensor.resize_", "x = torch.arange(3.0)\nx.resize_(0)\nout = x.shape"),
    # --- legacy typed constructors: sizes vs data ---------------------------------------------------------------
    Case("torch.FloatTensor", "torch.FloatTensor(2, 3).shape"),
    Case("torch.FloatTensor", "torch.FloatTensor(2, 3).dtype"),
    Case("torch.FloatTensor", "torch.FloatTensor([1, 2, 3])"),
    Case("torch.FloatTensor", "torch.FloatTensor([[1.5], [2.0]])"),
    Case("torch.FloatTensor", "torch.FloatTensor((2, 3))"),
    Case("torch.FloatTensor", "torch.FloatTensor()"),
    Case("torch.FloatTensor", "(isinstance(x, torch.FloatTensor), isinstance(i, torch.FloatTensor))", x=randn(2),
         i=randint(0, 3, 2)),
    Case("torch.LongTensor", "torch.LongTensor(3).shape"),
    Case("torch.LongTensor", "torch.LongTensor([1, 2]) + 1"),
    Case("torch.LongTensor", "(isinstance(i, torch.LongTensor), isinstance(x, torch.LongTensor))", x=randn(2),
         i=randint(0, 3, 2)),
    Case("torch.IntTensor", "torch.IntTensor([1, 2])"),
    Case("torch.DoubleTensor", "torch.DoubleTensor([0.5])"),
    Case("torch.HalfTensor", "torch.HalfTensor(2).dtype"),
    Case("torch.BoolTensor", "torch.BoolTensor([True, False])"),
    Case("torch.BFloat16Tensor", "torch.BFloat16Tensor(1, 2).shape"),
    Case("torch.ByteTensor", "torch.ByteTensor([1, 255])"),
    Case("torch.CharTensor", "torch.CharTensor([-1, 3])"),
    Case("torch.ShortTensor", "torch.ShortTensor(2).dtype"),
]
