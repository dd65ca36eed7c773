"""The runtime helpers (mscore/runtime: grad_mode, amp, nojit, profiling, op_library, torch_compat) against torch's
documented behaviour, and the conversions whose torch side cannot run here (torch_npu, NVTX without CUDA): they are
converted with the shipped rules and the output is run on MindSpore."""
from __future__ import annotations

import os
import sys
import textwrap

import pytest

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules

os.environ.setdefault("GLOG_v", "4")


@pytest.fixture(scope="module")
def rt():
    import mscore.runtime

    sys.modules.setdefault("mscore_rt", mscore.runtime)   # as the parity worker does; outputs carry the package
    return mscore.runtime


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def run_converted(source: str, rules, rt) -> dict:
    result = convert_source(textwrap.dedent(source).encode(), "t.py", rules)
    code = result.output.decode()
    assert not result.unconverted, result.unconverted
    assert "torch" not in code.replace("mscore_rt", "").replace("torch_compat", ""), code
    ns: dict = {}
    exec(compile(code, "<converted>", "exec"), ns)
    return ns


def test_grad_mode_follows_torch_state_by_state(rt):
    """The same sequence of switches gives the same sequence of is_grad_enabled() answers in both frameworks."""
    import torch
    from mscore.runtime import grad_mode

    def trace(enable_grad, set_grad_enabled, is_grad_enabled, no_grad):
        seen = [is_grad_enabled()]
        with no_grad():
            seen.append(is_grad_enabled())
            with enable_grad():
                seen.append(is_grad_enabled())
            seen.append(is_grad_enabled())
        with set_grad_enabled(False):
            seen.append(is_grad_enabled())
        seen.append(is_grad_enabled())
        set_grad_enabled(False)
        seen.append(is_grad_enabled())
        set_grad_enabled(True)
        seen.append(is_grad_enabled())

        @set_grad_enabled(False)
        def off():
            return is_grad_enabled()
        seen.append(is_grad_enabled())   # decorating does not switch
        seen.append(off())
        seen.append(is_grad_enabled())

        @enable_grad()
        def on():
            return is_grad_enabled()
        with no_grad():
            seen.append(on())
            seen.append(is_grad_enabled())
        return seen

    import mindspore as ms

    want = trace(torch.enable_grad, torch.set_grad_enabled, torch.is_grad_enabled, torch.no_grad)
    got = trace(grad_mode.enable_grad, grad_mode.set_grad_enabled, grad_mode.is_grad_enabled, ms._no_grad)
    assert got == want
    assert want == [True, False, True, False, False, True, False, True, True, False, True, True, False]


def test_enable_grad_inside_no_grad_gives_gradients(rt):
    import mindspore as ms
    from mscore.runtime import grad_mode

    x = ms.Tensor([1.0, 2.0])

    def f(enable):
        def fn(t):
            with ms._no_grad():
                if enable:
                    with grad_mode.enable_grad():
                        y = t * t
                else:
                    y = t * t
            return (y * t).sum()
        return ms.grad(fn)(x).asnumpy().tolist()

    assert f(True) == [3.0, 12.0]    # d/dt t^3
    assert f(False) == [1.0, 4.0]    # y is a constant: d/dt (y t) = y


def test_nvtx_push_pop_depths(rt):
    """NVTX's documented return values: push gives the zero-based depth of the range started, pop the depth of the
    range ended (negative when nothing is open)."""
    from mscore.runtime import profiling

    assert profiling.range_pop() == -1
    assert profiling.range_push("a") == 0
    assert profiling.range_push("b") == 1
    assert profiling.range_pop() == 1
    assert profiling.range_pop() == 0
    assert profiling.range_pop() == -1


def test_nvtx_converts_and_runs(rt, rules):
    ns = run_converted("""
        import torch
        depths = [torch.cuda.nvtx.range_push("step"), torch.cuda.nvtx.range_push("inner")]
        depths.append(torch.cuda.nvtx.range_pop())
        with torch.cuda.nvtx.range("layer {}", 3):
            torch.cuda.nvtx.mark("here")
            depths.append(torch.cuda.nvtx.range_push("x"))
            depths.append(torch.cuda.nvtx.range_pop())
        depths.append(torch.cuda.nvtx.range_pop())
    """, rules, rt)
    assert ns["depths"] == [0, 1, 1, 2, 2, 0]


def test_npu_autocast_converts_and_runs(rt, rules):
    ns = run_converted("""
        import torch
        import mindspore as ms
        a = ms.Tensor([[1.0, 2.0]])
        with torch.npu.amp.autocast(enabled=False):
            out = a * 2

        @torch.npu.amp.autocast(dtype=torch.bfloat16)
        def f(t):
            return t + 1
        dec = f(a)
    """, rules, rt)
    assert ns["out"].asnumpy().tolist() == [[2.0, 4.0]]
    assert ns["dec"].asnumpy().tolist() == [[2.0, 3.0]]


def test_torch_npu_version_converts(rt, rules):
    ns = run_converted("""
        import torch
        import torch_npu
        ok = torch_npu.__version__ >= "2.1" and torch.__version__ == torch_npu.__version__
        major = int(torch_npu.__version__.split(".")[0])
    """, rules, rt)
    assert ns["ok"] is True and ns["major"] == 2


def test_package_file_reads_name_the_installed_framework(rt, rules):
    # MindSpeed's op builder reads torch_npu.__file__ when constructed (at import, for module-level builders)
    ns = run_converted("""
        import os
        import torch
        import torch_npu
        here = os.path.dirname(os.path.abspath(torch_npu.__file__))
        same = os.path.dirname(torch.__file__) == here
    """, rules, rt)
    import mindspore
    assert ns["here"] == os.path.dirname(os.path.abspath(mindspore.__file__)) and ns["same"] is True


def test_extension_build_directory_is_created_like_torchs(rt, rules, tmp_path, monkeypatch):
    from torch.utils.cpp_extension import _get_build_directory

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path / "torch_ext"))
    monkeypatch.setenv("MS_COMPILER_CACHE_PATH", str(tmp_path / "ms_ext"))
    want = _get_build_directory("fused_op", False)
    ns = run_converted("""
        def build_dir(name):
            from torch.utils.cpp_extension import _get_build_directory
            return _get_build_directory(name, False)
        got = build_dir("fused_op")
        root = build_dir("")
    """, rules, rt)
    assert os.path.basename(ns["got"]) == os.path.basename(want) == "fused_op"
    assert os.path.isdir(ns["got"]) and os.path.isdir(want)
    assert ns["got"] == str(tmp_path / "ms_ext" / "fused_op") and ns["root"] == str(tmp_path / "ms_ext")


def test_cann_version_read_from_the_toolkit(rt, rules, tmp_path, monkeypatch):
    (tmp_path / "compiler").mkdir()
    (tmp_path / "compiler" / "version.info").write_text("Version=8.0.RC2\nversion_dir=8.0.RC2\n")
    monkeypatch.setenv("ASCEND_HOME_PATH", str(tmp_path))
    src = """
        from torch_npu.utils.collect_env import get_cann_version
        v = get_cann_version()
        old = v.startswith(('8.0.RC1', '8.0.RC2'))
    """
    ns = run_converted(src, rules, rt)
    assert ns["v"] == "8.0.RC2" and ns["old"] is True
    monkeypatch.setenv("ASCEND_HOME_PATH", str(tmp_path / "nowhere"))
    monkeypatch.setenv("ASCEND_TOOLKIT_HOME", str(tmp_path / "nowhere"))
    from mscore.runtime import devices
    monkeypatch.setattr(devices, "_CANN_DEFAULT", str(tmp_path / "nowhere"))
    assert run_converted(src, rules, rt)["v"] == "not known"


def test_device_capability_gates_pass_on_ascend(rt, rules, monkeypatch):
    import mindspore as ms

    from mscore.runtime import devices

    real = ms.get_context
    monkeypatch.setattr(ms, "get_context", lambda key: "Ascend" if key == "device_target" else real(key))
    ns = run_converted("""
        import torch
        dc = torch.cuda.get_device_capability()
        ok = dc[0] >= 8
    """, rules, rt)
    assert ns["dc"] == devices.ASCEND_CAPABILITY and ns["ok"] is True


def test_hccl_group_options_reach_new_group(rt, rules):
    # MindSpeed's profiler wrapper: probe the class, build options, add the group name, pass them to new_group
    import mscore.backfill as backfill

    was_on = backfill.is_enabled()
    backfill.enable()
    try:
        ns = run_converted("""
            import torch
            import torch_npu
            probe = hasattr(torch_npu._C._distributed_c10d.ProcessGroupHCCL.Options, 'hccl_config')
            options = torch_npu._C._distributed_c10d.ProcessGroupHCCL.Options()
            cfg = options.hccl_config
            cfg.update({'group_name': 'dp'})
            untouched = options.hccl_config
            options.hccl_config = cfg
            if not torch.distributed.is_initialized():
                torch.distributed.init_process_group(backend='hccl', world_size=1, rank=0)
            group = torch.distributed.new_group([0], pg_options=options)
            size = torch.distributed.get_world_size(group)
        """, rules, rt)
    finally:
        if not was_on:
            backfill.disable()
    assert ns["probe"] is True and ns["untouched"] == {} and ns["options"].hccl_config == {"group_name": "dp"}
    assert ns["size"] == 1


GROUP_SIZES = """
    import torch
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend='gloo', world_size=1, rank=0, **init_kw)
    data_parallel_group = torch.distributed.new_group([0])
    answers = (data_parallel_group.size(), data_parallel_group.rank(),
               torch.distributed.get_world_size(group=data_parallel_group))
"""


def test_new_group_answers_size_and_rank(rt, rules):
    """Megatron's DistributedOptimizer (data_parallel_group.size()) and MindSpeed-MM's samplers
    (process_group.rank()) ask the group object: the converted group answers like torch's one-rank gloo group and
    is still a group name MindSpore's collectives take."""
    import torch

    import mscore.backfill as backfill

    want: dict = {"init_kw": {"store": torch.distributed.HashStore()}}
    exec(compile(textwrap.dedent(GROUP_SIZES), "<torch>", "exec"), want)
    torch.distributed.destroy_process_group()
    was_on = backfill.is_enabled()
    backfill.enable()
    try:
        result = convert_source(textwrap.dedent(GROUP_SIZES).encode(), "t.py", rules)
        assert not result.unconverted and ".shape" not in result.output.decode()
        ns: dict = {"init_kw": {}}
        exec(compile(result.output.decode(), "<converted>", "exec"), ns)
    finally:
        if not was_on:
            backfill.disable()
    assert ns["answers"] == want["answers"] == (1, 0, 1)
    assert isinstance(ns["data_parallel_group"], str)


def test_init_process_group_keeps_and_translates_the_backend(rt, rules, monkeypatch):
    # Megatron passes args.distributed_backend ('nccl'): the call reaches MindSpore with its HCCL counterpart
    from mindspore import mint

    from mscore.runtime import process_groups

    seen = []
    monkeypatch.setattr(mint.distributed, "init_process_group", lambda backend, **kw: seen.append((backend, kw)))
    run_converted("""
        import datetime
        import torch
        name = 'nccl'
        torch.distributed.init_process_group(backend=name, world_size=1, rank=0,
                                             timeout=datetime.timedelta(minutes=10))
        torch.distributed.init_process_group('gloo', init_method='env://')
        torch.distributed.init_process_group()
    """, rules, rt)
    assert [b for b, _ in seen] == ["hccl", "mccl", "hccl"]
    assert seen[0][1]["world_size"] == 1 and seen[0][1]["rank"] == 0 and seen[1][1]["init_method"] == "env://"
    assert process_groups.backend_name("cpu:gloo,cuda:nccl") == "hccl"
    with pytest.raises(ValueError, match="unknown process-group backend"):
        process_groups.backend_name("smoke-signals")


def test_record_function_is_reentrant_and_a_decorator(rt):
    from mscore.runtime import profiling

    rf = profiling.record_function("f")

    @rf
    def f(n):
        return n if n == 0 else f(n - 1) + 1   # the same object entered while already open

    assert f(3) == 3
    assert rf.ids == []


def test_p_assert_matches_torch(rt, capsys):
    from torch.distributed.utils import _p_assert

    from mscore.runtime.torch_compat import p_assert

    for fn in (_p_assert, p_assert):
        with pytest.raises(AssertionError, match="boom"):
            fn(False, "boom")
        fn(False, "quiet", raise_assertion_error=False)
        fn(True, "never")
    out = capsys.readouterr().out
    assert out.count("boom") == 2 and out.count("quiet") == 2 and "never" not in out


def test_op_library_records_both_impl_forms(rt):
    from mscore.runtime import op_library

    lib = op_library.Library("mscore_t", "DEF")
    assert lib.define("twice(Tensor x) -> Tensor") == "twice"

    @op_library.impl(lib, "twice", "PrivateUse1")
    def twice(x):
        return x * 2

    def plus(x):
        return x + 1
    assert op_library.impl("mscore_t::plus", ["CPU", "Meta"], plus) is plus
    assert twice(2) == 4
    assert op_library.registry["mscore_t::twice"]["impls"] == {"PrivateUse1": twice}
    assert op_library.registry["mscore_t::plus"]["impls"] == {"CPU": plus, "Meta": plus}


def test_nojit_forms(rt):
    from mscore.runtime import nojit

    def f(x):
        return x + 1
    assert nojit.script(f) is f and nojit.compile(f, mode="max-autotune") is f
    assert nojit.compile(mode="reduce-overhead")(f) is f and nojit.disable(recursive=False)(f) is f
    assert nojit.ignore(f) is f and nojit.ignore(drop=True)(f) is f
    nojit.config.cache_size_limit = 8
    assert nojit.config.cache_size_limit == 8


def test_npu_config_converts_and_runs(rt, rules):
    ns = run_converted("""
        import torch
        torch.npu.config.allow_internal_format = False
        before = torch.npu.config.allow_internal_format
        torch.npu.config.allow_internal_format = True
        after = torch.npu.config.allow_internal_format
    """, rules, rt)
    assert (ns["before"], ns["after"]) == (False, True)


def test_cuda_matmul_tf32_flag_converts_and_runs(rt, rules):
    """MindSpeed-MM's training.py assigns the TF32 switch before training: the store and reads run, False first."""
    ns = run_converted("""
        import torch
        before = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = True
        after = torch.backends.cuda.matmul.allow_tf32
    """, rules, rt)
    assert (ns["before"], ns["after"]) == (False, True)


JIT_SWITCHES = """
    import torch
    def set_jit_fusion_options():
        olds = [torch._C._jit_set_profiling_executor(True), torch._C._jit_set_profiling_mode(True)]
        torch._C._jit_override_can_fuse_on_cpu(False)
        torch._C._jit_override_can_fuse_on_gpu(False)
        torch._C._jit_set_texpr_fuser_enabled(False)
        torch._C._debug_set_autodiff_subgraph_inlining(False)
        olds += [torch._C._jit_set_profiling_executor(False), torch._C._jit_set_profiling_mode(False)]
        return olds
    def _jit_set_nvfuser_enabled(option):
        pass
    torch._C._jit_set_nvfuser_enabled = _jit_set_nvfuser_enabled   # MindSpeed's patch before calling Megatron's
    torch._C._jit_set_nvfuser_enabled(True)
    olds = set_jit_fusion_options()
    olds += [torch._C._jit_set_profiling_executor(True), torch._C._jit_set_profiling_mode(True)]
"""


def test_jit_fuser_switches_convert_and_run(rt, rules):
    """Megatron's set_jit_fusion_options (and MindSpeed's no-op patch of the nvfuser switch) run after conversion;
    the two switches that return the previous value return what torch's do."""
    import torch

    saved = torch._C._jit_set_nvfuser_enabled
    want: dict = {}
    try:
        exec(compile(textwrap.dedent(JIT_SWITCHES), "<torch>", "exec"), want)
    finally:
        torch._C._jit_set_nvfuser_enabled = saved
        torch._C._jit_override_can_fuse_on_cpu(True)
        torch._C._jit_set_texpr_fuser_enabled(True)
        torch._C._debug_set_autodiff_subgraph_inlining(True)
    kept = rt.nojit.jit_set_nvfuser_enabled
    try:
        ns = run_converted(JIT_SWITCHES, rules, rt)
    finally:
        rt.nojit.jit_set_nvfuser_enabled = kept
    assert ns["olds"] == want["olds"] == [True, True, True, True, False, False]
    assert rt.nojit.jit_flags["texpr_fuser_enabled"] is False


def test_device_queries_convert_and_run(rt, rules):
    """torch_npu.npu.current_device / get_device_name (torch_npu cannot run here): the converted calls run on
    MindSpore and give this process's device index and a device name (the SoC on Ascend, "CPU" on the CPU build)."""
    import mindspore as ms

    ns = run_converted("""
        import torch
        import torch_npu
        idx = torch_npu.npu.current_device()
        label = f"{torch_npu.npu.current_device()}"
        name = torch_npu.npu.get_device_name()
        name0 = torch_npu.npu.get_device_name(0)
        cuda_name = torch.cuda.get_device_name(idx)
    """, rules, rt)
    device = ms.get_current_device()
    assert ns["idx"] == device.device_id and ns["label"] == str(device.device_id)
    want = ms.hal.get_device_name(device.device_id)
    assert ns["name"] == ns["name0"] == ns["cuda_name"] == want and isinstance(want, str) and want


def test_compile_mode_and_properties_convert(rt, rules, monkeypatch):
    """torch_npu.npu.set_compile_mode(jit_compile=...) -> MindSpore's op_compile switch (the value passes through;
    no argument means torch_npu's default, True); get_device_properties -> mindspore.hal.get_device_properties."""
    import mindspore as ms
    import mindspore.device_context.ascend.op_tuning as op_tuning

    calls = []
    monkeypatch.setattr(op_tuning, "op_compile", lambda value: calls.append(value))
    monkeypatch.setattr(ms.hal, "get_device_properties", lambda device_id, device_target=None: ("props", device_id))
    ns = run_converted("""
        import torch
        import torch_npu
        torch_npu.npu.set_compile_mode(jit_compile=False)
        torch_npu.npu.set_compile_mode()
        torch.npu.set_compile_mode(jit_compile=True)
        available = (torch_npu.npu.is_available(), torch.npu.is_available())
        p = torch.npu.get_device_properties(0)
        q = torch.cuda.get_device_properties(1)
    """, rules, rt)
    assert calls == [False, True, True]
    want = ms.device_context.ascend.is_available()
    assert ns["available"] == (want, want) and isinstance(want, bool)
    assert ns["p"] == ("props", 0) and ns["q"] == ("props", 1)


def test_tensor_type_names_the_accelerator_type(rt, rules):
    """Megatron's DistributedOptimizer sorts parameters by model_param.type() == 'torch.cuda.FloatTensor': the
    converted call gives the name torch gives the same dtype on CUDA (torch's CPU name with the device inserted),
    and x.type(dtype) still casts."""
    import numpy as np
    import torch

    dtypes = ["float32", "float16", "bfloat16", "int64", "bool"]
    want = ["torch.cuda." + torch.zeros(2, dtype=getattr(torch, d)).type().split(".", 1)[1] for d in dtypes]
    ns = run_converted("""
        import torch
        names = [torch.zeros(2, dtype=d).type() for d in (torch.float32, torch.float16, torch.bfloat16, torch.int64,
                                                          torch.bool)]
        cast = torch.ones(2).type(torch.int32)
    """, rules, rt)
    assert ns["names"] == want == ["torch.cuda.FloatTensor", "torch.cuda.HalfTensor", "torch.cuda.BFloat16Tensor",
                                   "torch.cuda.LongTensor", "torch.cuda.BoolTensor"]
    assert str(ns["cast"].dtype) == "Int32" and np.array_equal(ns["cast"].asnumpy(), [1, 1])


def test_load_state_dict_on_other_objects_passes_only_the_given_arguments(rt):
    """Megatron's DistributedOptimizer.load_state_dict(state_dict) takes no strict=: the converted
    optimizer.load_state_dict(sd) reaches it with exactly what the call passed."""
    from mscore.runtime import nn_ops

    class Opt:
        def load_state_dict(self, state_dict):
            self.loaded = state_dict

    class Strict:
        def load_state_dict(self, state_dict, strict=True):
            self.loaded = (state_dict, strict)

    o, s = Opt(), Strict()
    nn_ops.load_state_dict(o, {"a": 1})
    nn_ops.load_state_dict(s, {"b": 2}, strict=False)
    assert o.loaded == {"a": 1} and s.loaded == ({"b": 2}, False)
