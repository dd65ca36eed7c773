"""Parity cases for the rules whose target is a runtime helper (``mscore_rt.*``, mscore/runtime/) or whose
decorator form is removed (``decorator = "drop"``): grad mode, autocast, compilers / TorchScript, torch.library,
profiler ranges, torch.__version__, _p_assert.

The grad-mode cases are modules with gradients: a no-op mapping of ``enable_grad`` / ``set_grad_enabled`` would give
other gradients. The autocast cases run what autocast leaves alone (elementwise ops) or autocast disabled: the helper
casts nothing (see mscore/runtime/amp.py). torch_npu / NVTX forms cannot run on this torch: COVERED_ELSEWHERE.
"""
from mscore.parity.case import Case, ModuleCase, randn

_W = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(3) * 0.5)

    def forward(self, x):
{body}

m = M()
"""


def grad_module(api, body, **kw):
    return ModuleCase(api, _W.format(body=body), inputs=dict(x=randn(3)), **kw)


# a Function whose backward is not the derivative of forward (x3): gradients prove the decorated Function still runs
_FN = """
class Scale(torch.autograd.Function):
    @staticmethod
    {fwd}
    def forward(ctx, a):
        return a * 2

    @staticmethod
    {bwd}
    def backward(ctx, g):
        return g * 3


class M(nn.Module):
    def forward(self, x):
        return Scale.apply(x)


m = M()
"""

CASES = [
    # ---- grad mode
    grad_module("torch.enable_grad",
                "        with torch.no_grad():\n"
                "            a = x * self.w\n"
                "            with torch.enable_grad():\n"
                "                b = x * self.w * self.w\n"
                "        return a + b"),
    grad_module("torch.enable_grad",
                "        with torch.no_grad():\n"
                "            return self.part(x) + x * self.w\n\n"
                "    @torch.enable_grad()\n"
                "    def part(self, x):\n"
                "        return x * self.w * self.w"),
    grad_module("torch.enable_grad",   # a bare reference, entered later (Megatron's bias_dropout_add_exec_handler)
                "        handler = torch.enable_grad\n"
                "        with torch.no_grad():\n"
                "            with handler():\n"
                "                b = x * self.w * 3\n"
                "        return b"),
    grad_module("torch.set_grad_enabled",
                "        with torch.set_grad_enabled(False):\n"
                "            a = x * self.w\n"
                "        return a + x * self.w * 2"),
    grad_module("torch.set_grad_enabled",   # the function form switches at once
                "        torch.set_grad_enabled(False)\n"
                "        a = x * self.w\n"
                "        torch.set_grad_enabled(True)\n"
                "        return a + x * self.w * 2"),
    grad_module("torch.is_grad_enabled",
                "        with torch.no_grad():\n"
                "            s = 2.0 if torch.is_grad_enabled() else 3.0\n"
                "        return x * self.w * s * (5.0 if torch.is_grad_enabled() else 7.0)"),
    Case("torch.is_grad_enabled", "with torch.no_grad():\n    a = torch.is_grad_enabled()\nout = (a, torch.is_grad_enabled())"),
    # ---- autocast: ops autocast leaves in their dtype, or autocast disabled
    Case("torch.autocast", "with torch.autocast('cpu', dtype=torch.bfloat16):\n    out = x * 2 + x.exp()", x=randn(2, 3)),
    Case("torch.autocast", "with torch.autocast('cpu', dtype=torch.bfloat16, enabled=False):\n    out = a @ b",
         a=randn(2, 3), b=randn(3, 4)),
    Case("torch.autocast", "@torch.autocast('cpu', enabled=False)\ndef f(p, q):\n    return p @ q\nout = f(a, b)",
         a=randn(2, 3), b=randn(3, 4)),
    Case("torch.amp.autocast", "with torch.amp.autocast('cpu', enabled=False):\n    out = a @ b",
         a=randn(2, 3), b=randn(3, 4)),
    Case("torch.cuda.amp.autocast", "with torch.cuda.amp.autocast(enabled=False):\n    out = a @ b",
         a=randn(2, 3), b=randn(3, 4)),
    Case("torch.cuda.amp.autocast", "with torch.cuda.amp.autocast(False):\n    out = x * 2", x=randn(3)),
    Case("torch.cpu.amp.autocast", "with torch.cpu.amp.autocast(enabled=False):\n    out = a @ b",
         a=randn(2, 3), b=randn(3, 4)),
    Case("torch.is_autocast_enabled", "torch.is_autocast_enabled()"),
    ModuleCase("torch.cuda.amp.custom_fwd", _FN.format(fwd="@torch.cuda.amp.custom_fwd", bwd="@torch.cuda.amp.custom_bwd"),
               inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.cuda.amp.custom_fwd",
               _FN.format(fwd="@torch.cuda.amp.custom_fwd(cast_inputs=torch.float32)", bwd="@torch.cuda.amp.custom_bwd"),
               inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.cuda.amp.custom_bwd", _FN.format(fwd="@torch.cuda.amp.custom_fwd()", bwd="@torch.cuda.amp.custom_bwd"),
               inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.amp.custom_fwd",
               _FN.format(fwd="@torch.amp.custom_fwd(device_type='cpu')", bwd="@torch.amp.custom_bwd(device_type='cpu')"),
               inputs=dict(x=randn(2, 3))),
    ModuleCase("torch.amp.custom_bwd", _FN.format(fwd="@torch.amp.custom_fwd(device_type='cpu', cast_inputs=torch.float32)",
                                                  bwd="@torch.amp.custom_bwd(device_type='cpu')"),
               inputs=dict(x=randn(2, 3))),
    Case("torch.cuda.amp.custom_fwd", "def f(a):\n    return a + 1\ng = torch.cuda.amp.custom_fwd(f)\nout = g(x)",
         x=randn(3)),
    # ---- compilers and TorchScript: decorators removed, calls and bare references are no-ops
    Case("torch.jit.script", "@torch.jit.script\ndef f(a):\n    return a * 2\nout = f(x)", x=randn(2)),
    Case("torch.jit.script", "def f(a: torch.Tensor) -> torch.Tensor:\n    return a + 1\ng = torch.jit.script(f)\n"
         "out = g(x)", x=randn(2)),
    Case("torch.jit.script", "fuser = torch.jit.script\n@fuser\ndef f(a):\n    return a * 3\nout = f(x)", x=randn(2)),
    Case("torch.compile", "@torch.compile(backend='eager')\ndef f(a):\n    return a.sin() * 2\nout = f(x)", x=randn(3)),
    Case("torch.compile", "@torch.compile\ndef f(a):\n    return a.cos()\nout = f(x)", x=randn(3)),
    Case("torch.compile", "def f(a):\n    return a - 1\ng = torch.compile(f, backend='eager')\nout = g(x)", x=randn(3)),
    Case("torch.compile", "c = torch.compile\ndef f(a):\n    return a * a\nout = c(f, backend='eager')(x)", x=randn(3)),
    Case("torch.jit.ignore", "@torch.jit.ignore\ndef f(a):\n    return a + 2\nout = f(x)", x=randn(2)),
    Case("torch.jit.ignore", "@torch.jit.ignore(drop=True)\ndef f(a):\n    return a + 2\nout = f(x)", x=randn(2)),
    Case("torch.jit.unused", "@torch.jit.unused\ndef f(a):\n    return a * 5\nout = f(x)", x=randn(2)),
    Case("torch.jit.export", "@torch.jit.export\ndef f(a):\n    return a * 5\nout = f(x)", x=randn(2)),
    Case("torch.jit.script_if_tracing", "@torch.jit.script_if_tracing\ndef f(a):\n    return a * 5\nout = f(x)",
         x=randn(2)),
    Case("torch.jit.trace", "def f(a):\n    return a * 2 + 1\ng = torch.jit.trace(f, (x,))\nout = g(x)", x=randn(3)),
    Case("torch.jit.is_scripting", "out = (torch.jit.is_scripting(), 1 if not torch.jit.is_scripting() else 2)"),
    Case("torch.jit.is_tracing", "torch.jit.is_tracing()"),
    Case("torch.compiler.is_compiling", "torch.compiler.is_compiling()"),
    Case("torch.compiler.is_dynamo_compiling", "torch.compiler.is_dynamo_compiling()"),
    Case("torch._dynamo.is_compiling", "torch._dynamo.is_compiling()"),
    Case("torch._dynamo.disable", "@torch._dynamo.disable\ndef f(a):\n    return a * 7\nout = f(x)", x=randn(2)),
    Case("torch._dynamo.disable", "@torch._dynamo.disable(recursive=False)\ndef f(a):\n    return a * 7\nout = f(x)",
         x=randn(2)),
    Case("torch.compiler.disable", "@torch.compiler.disable\ndef f(a):\n    return a - 7\nout = f(x)", x=randn(2)),
    Case("torch._dynamo.allow_in_graph", "@torch._dynamo.allow_in_graph\ndef f(a):\n    return a - 7\nout = f(x)",
         x=randn(2)),
    Case("torch.compiler.allow_in_graph", "@torch.compiler.allow_in_graph\ndef f(a):\n    return a - 7\nout = f(x)",
         x=randn(2)),
    Case("torch._dynamo.mark_static", "torch._dynamo.mark_static(x)\nout = x * 2", x=randn(2)),
    Case("torch._dynamo.mark_dynamic", "torch._dynamo.mark_dynamic(x, 0)\nout = x * 2", x=randn(2)),
    Case("torch._dynamo.reset", "torch._dynamo.reset()\nout = x + 1", x=randn(2)),
    Case("torch.compiler.reset", "torch.compiler.reset()\nout = x + 1", x=randn(2)),
    Case("torch._dynamo.config", "torch._dynamo.config.suppress_errors = True\n"
         "out = torch._dynamo.config.suppress_errors"),
    Case("torch._inductor.config", "import torch._inductor.config\ntorch._inductor.config.fallback_random = True\n"
         "out = torch._inductor.config.fallback_random"),
    # ---- torch.library: registrations recorded, decorated functions stay plain functions
    Case("torch.library.Library", "lib = torch.library.Library('mscore_case_a', 'DEF')\n"
         "out = lib.define('twice(Tensor x) -> Tensor')"),
    Case("torch.library.impl", "lib = torch.library.Library('mscore_case_b', 'DEF')\n"
         "lib.define('twice(Tensor x) -> Tensor')\n"
         "@torch.library.impl(lib, 'twice', 'CPU')\ndef twice(a):\n    return a * 2\nout = twice(x)", x=randn(3)),
    Case("torch.library.define", "torch.library.define('mscore_case_c::op', '(Tensor x) -> Tensor')\n"
         "def op(a):\n    return a + 1\ntorch.library.impl('mscore_case_c::op', 'CPU', op)\nout = op(x)", x=randn(3)),
    Case("torch.library.register_fake", "torch.library.define('mscore_case_d::op', '(Tensor x) -> Tensor')\n"
         "@torch.library.register_fake('mscore_case_d::op')\ndef shape(a):\n    return torch.empty_like(a)\n"
         "out = shape(x).shape", x=randn(3)),
    Case("torch.library.impl_abstract", "torch.library.define('mscore_case_e::op', '(Tensor x) -> Tensor')\n"
         "@torch.library.impl_abstract('mscore_case_e::op')\ndef shape(a):\n    return torch.empty_like(a)\n"
         "out = shape(x).shape", x=randn(3)),
    # ---- profiler ranges: values unaffected, context manager and decorator forms
    Case("torch.profiler.record_function", "with torch.profiler.record_function('step'):\n    out = x * 2", x=randn(2)),
    Case("torch.profiler.record_function", "@torch.profiler.record_function('f')\ndef f(a):\n    return a + 1\n"
         "out = f(x)", x=randn(2)),
    Case("torch.autograd.profiler.record_function",
         "with torch.autograd.profiler.record_function('fwd', 'extra'):\n    out = x * 2", x=randn(3)),
    # ---- version checks take the same branches (the minor differs: 2.6 claimed, 2.13 here)
    Case("torch.__version__", "int(torch.__version__.split('.')[0])"),
    Case("torch.__version__", "(torch.__version__ > '2.0', torch.__version__ >= '2.1.0', torch.__version__ < '3')"),
    Case("torch.__version__", "import packaging.version\n"
         "out = packaging.version.Version(torch.__version__) >= packaging.version.Version('2.1')"),
    # ---- _p_assert
    Case("torch.distributed.utils._p_assert", "import torch.distributed.utils\n"
         "torch.distributed.utils._p_assert(x.sum() < 100, 'small')\nout = x + 1", x=randn(3)),
    Case("torch.distributed.utils._p_assert", "import torch.distributed.utils\ntry:\n"
         "    torch.distributed.utils._p_assert(x.sum() > 100, 'too small')\n    out = 'passed'\n"
         "except AssertionError as e:\n    out = str(e)", x=randn(3)),
    Case("torch.distributed.utils._p_assert", "import torch.distributed.utils\n"
         "torch.distributed.utils._p_assert(False, 'warn only', raise_assertion_error=False)\nout = 1"),
]



def _device_name(device=None):
    """Stand-in for torch.cuda/npu.get_device_name (CPU torch has neither): a device's name is a non-empty str."""
    return "Ascend910B"


def _zero(*args, **kwargs):
    return 0


CASES += [
    # ---- device queries (torch side through reference= stand-ins, as in cases_cuda.py)
    Case("torch.cuda.get_device_name", "n = torch.cuda.get_device_name(0)\nout = (isinstance(n, str), len(n) > 0)",
         reference={"torch.cuda.get_device_name": _device_name}),
    Case("torch.npu.get_device_name", "n = torch.npu.get_device_name()\nout = (isinstance(n, str), len(n) > 0)",
         reference={"torch.npu.get_device_name": _device_name}),
    Case("torch.cuda.current_device", "out = f'device {torch.cuda.current_device()}: ' + \"x\"",
         reference={"torch.cuda.current_device": _zero}),
    Case("torch.npu.current_device", 'out = f"rank {torch.npu.current_device()}"',
         reference={"torch.npu.current_device": _zero}),
    # ---- deprecated wrappers and types
    Case("torch.autograd.Variable", "torch.autograd.Variable(x) * 2", x=randn(3)),
    Case("torch.autograd.Variable", "from torch.autograd import Variable\n"
         "out = (isinstance(x, Variable), isinstance(1.0, Variable))", x=randn(3)),
    Case("torch.autograd.Variable", "v = torch.autograd.Variable(x, requires_grad=True)\nout = (v, v.requires_grad)",
         x=randn(3)),
    Case("torch.isclose", "torch.isclose(a, b)", a=randn(2, 3), b=randn(2, 3)),
    Case("torch.isclose", "torch.isclose(a, a + 1e-6, rtol=0, atol=1e-5, equal_nan=True)", a=randn(4)),
    Case("torch.rand_like", "r = torch.rand_like(x)\nout = (r.shape, r.dtype, bool((r >= 0).all()), bool((r < 1).all()))",
         x=randn(2, 3)),
    Case("torch.rand_like", "torch.rand_like(x, dtype=torch.float16)", x=randn(2, 3), compare="shape",
         reason="random values"),
    Case("torch.Size", "Shape = torch.Size\nout = (isinstance(x.shape, Shape), Shape([2, 3]))", x=randn(2, 3)),
]



def _none(*args, **kwargs):
    return None


for _ns in ("torch.cuda", "torch.npu"):
    CASES += [
        Case(f"{_ns}.max_memory_reserved", f"isinstance({_ns}.max_memory_reserved(device=0), int)",
             reference={f"{_ns}.max_memory_reserved": _zero}),
        Case(f"{_ns}.reset_peak_memory_stats", f"{_ns}.reset_peak_memory_stats()\nout = x + 1", x=randn(2),
             reference={f"{_ns}.reset_peak_memory_stats": _none}),
    ]

CASES += [
    # ---- torch.distributions.Uniform: random values, so shape, dtype and range (and gradients of rsample)
    Case("torch.distributions.uniform.Uniform",
         "jitter = torch.distributions.uniform.Uniform(torch.tensor(0.9), torch.tensor(1.1)).rsample\n"
         "r = jitter(x.shape)\nout = (tuple(r.shape), r.dtype, bool(((r >= 0.9) & (r < 1.1)).all()))", x=randn(2, 3)),
    Case("torch.distributions.uniform.Uniform",
         "u = torch.distributions.uniform.Uniform(low=torch.zeros(3), high=torch.ones(3) * 2)\n"
         "s = u.sample((4,))\nout = (tuple(s.shape), bool(((s >= 0) & (s < 2)).all()), tuple(u.rsample().shape), u.mean)"),
    Case("torch.distributions.Uniform", "r = torch.distributions.Uniform(0.0, 1.0).rsample((5,))\n"
         "out = (tuple(r.shape), r.dtype, bool(((r >= 0) & (r < 1)).all()))"),
    ModuleCase("torch.distributions.uniform.Uniform",   # rsample is reparameterised: d/dlow = 1 - rand, d/dhigh = rand
               "class M(nn.Module):\n"
               "    def __init__(self):\n"
               "        super().__init__()\n"
               "        self.low = nn.Parameter(torch.zeros(3))\n"
               "        self.high = nn.Parameter(torch.ones(3))\n"
               "    def forward(self, x):\n"
               "        r = torch.distributions.uniform.Uniform(self.low, self.high).rsample((2,))\n"
               "        return x + r.sum(0) * 0 + (self.low + self.high)\n"
               "m = M()", inputs=dict(x=randn(3))),
]

_RT = "tests/runtime/test_runtime_helpers.py::"
COVERED_ELSEWHERE = {
    "torch.npu.amp.autocast": [_RT + "test_npu_autocast_converts_and_runs"],
    "torch.cuda.nvtx.range_push": [_RT + "test_nvtx_push_pop_depths", _RT + "test_nvtx_converts_and_runs"],
    "torch.cuda.nvtx.range_pop": [_RT + "test_nvtx_push_pop_depths", _RT + "test_nvtx_converts_and_runs"],
    "torch.cuda.nvtx.range": [_RT + "test_nvtx_converts_and_runs"],
    "torch.cuda.nvtx.mark": [_RT + "test_nvtx_converts_and_runs"],
    "torch.npu.config.allow_internal_format": [_RT + "test_npu_config_converts_and_runs"],
    "Tensor.type": [_RT + "test_tensor_type_names_the_accelerator_type"],
    "torch._C._jit_set_profiling_executor": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch._C._jit_set_profiling_mode": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch._C._jit_override_can_fuse_on_cpu": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch._C._jit_override_can_fuse_on_gpu": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch._C._jit_set_texpr_fuser_enabled": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch._C._jit_set_nvfuser_enabled": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch._C._debug_set_autodiff_subgraph_inlining": [_RT + "test_jit_fuser_switches_convert_and_run"],
    "torch.backends.cuda.matmul.allow_tf32": [_RT + "test_cuda_matmul_tf32_flag_converts_and_runs"],
    "torch.npu.get_device_properties": [_RT + "test_compile_mode_and_properties_convert"],
    "torch.npu.set_compile_mode": [_RT + "test_compile_mode_and_properties_convert"],
    "torch.cuda.get_device_properties": [_RT + "test_compile_mode_and_properties_convert"],
    # different roots by design (torch's extensions dir vs MindSpore's custom-op cache): compared by structure
    "torch.utils.cpp_extension._get_build_directory": [_RT + "test_extension_build_directory_is_created_like_torchs"],
}
