"""Harness self-tests: cases with hand-written MindSpore conversions (``converted_override``).

``CASES`` must pass: they exercise the harness's own plumbing (outputs of every kind, bf16/int inputs, in-place
blocks, modules with buffers, several inputs and outputs, gradients). ``NEGATIVE`` holds (case, expected text)
pairs that must FAIL with that text in the report: they prove the harness detects wrong mappings, silent in-place
no-ops, dtype/shape/type differences, checkpoint key traps, wrong gradients and torch leaks
(``tests/parity/test_parity_harness.py`` runs them). None of these count as rule coverage.
"""
from mscore.parity.case import Case, ModuleCase, arange, const, rand_bool, randint, randn, uniform

MS = "import mindspore as ms\nfrom mindspore import mint, nn, ops\n"


def ms_src(body: str) -> str:
    return MS + "\n" + body.strip() + "\n"


# a small torch module with a buffer, two inputs (one integer), a tuple output
BLOCK_CTOR = """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 3)
        self.gate = nn.Linear(3, 3, bias=False)
        self.register_buffer("scale", torch.tensor([1.0, 2.0, 3.0]))

    def forward(self, x, ids):
        h = self.gate(self.proj(x) * self.scale) * ids[:, None].float()
        return h, h.sum(-1)

m = Block()
"""

BLOCK_MS = """
class Block(nn.Cell):
    def __init__(self):
        super().__init__()
        self.proj = mint.nn.Linear(4, 3)
        self.gate = mint.nn.Linear(3, 3, bias=False)
        self.register_buffer("scale", ms.Tensor([1.0, 2.0, 3.0]))

    def construct(self, x, ids):
        h = self.gate(self.proj(x) * self.scale) * ids[:, None].astype(ms.float32)
        return h, h.sum(-1)

m = Block()

def _parity_forward(m, x, ids):
    return m(x, ids)
"""

CASES = [
    Case("selftest.expression", "torch.cat([a, b], 1)", a=randn(2, 3), b=randn(2, 3),
         converted_override=ms_src("out = mint.cat([a, b], 1)")),
    Case("selftest.named_tuple", "torch.max(x, 1)", x=randn(2, 3),
         converted_override=ms_src("out = mint.max(x, 1)")),
    Case("selftest.python_values", "(x.size(1), x.shape, x.dtype, x.dim() == 2)", x=randn(2, 3),
         converted_override=ms_src("out = (x.shape[1], x.shape, x.dtype, x.ndim == 2)")),
    Case("selftest.bf16_input", "x.float() * 2", x=randn(4, dtype="bfloat16"),
         converted_override=ms_src("out = x.astype(ms.float32) * 2")),
    Case("selftest.int_bool_inputs", "torch.where(mask, ids, ids * 2)", mask=rand_bool((3, 4)),
         ids=randint(0, 10, (3, 4)), converted_override=ms_src("out = mint.where(mask, ids, ids * 2)")),
    Case("selftest.list_input", "torch.stack(xs, 0)", xs=[arange(6, shape=(2, 3)), const([[1, 2, 3], [4, 5, 6]], dtype="float32")],
         converted_override=ms_src("out = ops.stack(xs, 0)")),
    Case("selftest.inplace_block", "x.copy_(y)\nout = x", x=randn(3), y=randn(3),
         converted_override=ms_src("x.copy_(y)\nout = x")),
    Case("selftest.shape_only", "torch.randn(2, 3)", compare="shape", reason="random values: shape and dtype only",
         converted_override=ms_src("out = ops.standard_normal((2, 3))")),
    Case("torch.cuda.foo", "torch.cuda.foo()", expect="unsupported",
         converted_override="import torch\ntorch.cuda.foo()  # mscore: unconverted torch.cuda.foo: no equivalent\n"),
    # APIs that cannot run in CPU torch get a torch reference on the torch side (torch_npu is absent here,
    # torch.cuda raises without CUDA)
    Case("selftest.reference", "torch_npu.npu_thing(x) * 2", x=randn(3),
         reference={"torch_npu.npu_thing": lambda x: x + 1}, converted_override=ms_src("out = (x + 1) * 2")),
    Case("selftest.cuda_reference", "torch.cuda.current_device() + 1",
         reference={"torch.cuda.current_device": lambda: 0}, converted_override=ms_src("out = 1")),
    ModuleCase("selftest.linear", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4)),
               converted_override=ms_src("m = mint.nn.Linear(4, 3)\n\ndef _parity_forward(m, x):\n    return m(x)")),
    ModuleCase("selftest.block", BLOCK_CTOR, inputs=dict(x=randn(2, 4), ids=randint(0, 5, (2,))),
               converted_override=ms_src(BLOCK_MS)),
    ModuleCase("selftest.call", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4)), call="m(x).relu() + x.sum()",
               converted_override=ms_src("m = mint.nn.Linear(4, 3)\n\ndef _parity_forward(m, x):\n"
                                         "    return mint.nn.functional.relu(m(x)) + x.sum()")),
]

NEGATIVE = [
    # a wrong mapping (exp -> log) is a value mismatch
    (Case("selftest.wrong_mapping", "torch.exp(x)", x=uniform(0.5, 2.0, 5),
          converted_override=ms_src("out = mint.log(x)")), "values differ"),
    # swapped arguments
    (Case("selftest.swapped", "torch.cat([a, b], 1)", a=randn(2, 3), b=randn(2, 3),
          converted_override=ms_src("out = mint.cat([b, a], 1)")), "values differ"),
    (Case("selftest.dtype", "x.to(torch.float16)", x=randn(3), converted_override=ms_src("out = x")),
     "dtype differs"),
    (Case("selftest.shape", "x.unsqueeze(0)", x=randn(3), converted_override=ms_src("out = x")), "shape differs"),
    (Case("selftest.scalar_type", "x.size(1)", x=randn(2, 3), converted_override=ms_src("out = float(x.shape[1])")),
     "torch gives int"),
    (Case("selftest.tuple_length", "torch.max(x, 1)", x=randn(2, 3), converted_override=ms_src("out = x.max()")),
     "torch gives tuple"),
    # the right value, but the receiver is not modified (what add_ does on MindSpore CPU without the backfill):
    # the inputs-after check catches it
    (Case("selftest.silent_inplace", "x.add_(y)", x=randn(3), y=randn(3), converted_override=ms_src("out = x + y")),
     "input x after the snippet"),
    (Case("selftest.torch_leak", "torch.zeros(2)", converted_override="import torch\nout = torch.zeros(2)\n"),
     "blocked in the mscore parity worker"),
    (Case("selftest.torch_npu_leak", "torch.zeros(2)",
          converted_override=ms_src("import torch_npu\nout = mint.zeros(2)")), "blocked in the mscore parity worker"),
    (Case("selftest.torch_error", "torch.cat([a, b], 5)", a=randn(2), b=randn(2),
          converted_override=ms_src("out = mint.cat([a, b], 0)")), "torch snippet itself raised"),
    (Case("selftest.no_reason", "x * 2", x=randn(2), atol=1e-3, converted_override=ms_src("out = x * 2")),
     "needs reason"),
    (Case("selftest.unsupported_unmarked", "torch.cuda.foo()", expect="unsupported",
          converted_override="import torch\ntorch.cuda.foo()\n"), "lacks the marker"),
    (Case("selftest.unsupported_removed", "torch.cuda.foo()", expect="unsupported",
          converted_override="pass  # mscore: unconverted torch.cuda.foo: gone\n"), "no longer references"),
    # legacy nn.LayerNorm names its parameters gamma/beta: a torch checkpoint would not load
    (ModuleCase("selftest.gamma_beta", "nn.LayerNorm(4)", inputs=dict(x=randn(2, 4)),
                converted_override=ms_src("m = nn.LayerNorm((4,))\n\ndef _parity_forward(m, x):\n    return m(x)")),
     "state_dict keys differ"),
    (ModuleCase("selftest.weight_layout", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4)),
                converted_override=ms_src("m = mint.nn.Linear(3, 4)\n\ndef _parity_forward(m, x):\n"
                                          "    return m(x)")), "state_dict shape differs"),
    # forward right, gradient w.r.t. x wrong (stopped)
    (ModuleCase("selftest.wrong_grad", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4)),
                converted_override=ms_src("m = mint.nn.Linear(4, 3)\n\ndef _parity_forward(m, x):\n"
                                          "    return m(ops.stop_gradient(x))")), "grad of input x"),
    (ModuleCase("selftest.not_a_cell", "nn.Linear(4, 3)", inputs=dict(x=randn(2, 4)),
                converted_override=ms_src("m = 3\n\ndef _parity_forward(m, x):\n    return x")), "not a mindspore.nn.Cell"),
    (ModuleCase("selftest.eval_mode", "nn.Dropout(0.5)", inputs=dict(x=randn(64)), train=True,
                converted_override=ms_src("m = mint.nn.Dropout(0.0)\n\ndef _parity_forward(m, x):\n    return m(x)")),
     "values differ"),
]
