"""Parity cases for rules/torch_npu.toml.

torch_npu cannot be installed here, so no case can run a torch_npu call on the torch side. This module holds:

* ``expect="unsupported"`` cases: the rule (or an unsupported argument of a mapped rule) leaves the call in place,
  marked and reported;
* ``COVERED_ELSEWHERE``: the mapped rules, each proven by tests in tests/npu/ that convert the call with the engine,
  run it on MindSpore (fused kernel on Ascend, CPU composition otherwise) and compare with a plain-math torch
  implementation of torch_npu's documented formula (or, for profiler / runtime rules, with torch's own equivalent
  or the real MindSpore signature).

Every snippet imports torch_npu itself (the harness header imports torch only).
"""
from mscore.parity.case import Case, randn

I = "import torch_npu\n"  # noqa: E741 - prefix of every snippet


def unsupported(api, call, **inputs):
    return Case(api, I + call, expect="unsupported", **inputs)


CASES = [
    # fused ops without a usable MindSpore counterpart
    unsupported("torch_npu.npu_fusion_attention_grad",
                "out = torch_npu.npu_fusion_attention_grad(q, q, q, q, 2, 'BNSD')", q=randn(1, 2, 4, 16)),
    unsupported("torch_npu.npu_all_gather_base_mm", "out = torch_npu.npu_all_gather_base_mm(a, b, 'hcom', 2)",
                a=randn(4, 8), b=randn(8, 4)),
    unsupported("torch_npu.npu_mm_reduce_scatter_base",
                "out = torch_npu.npu_mm_reduce_scatter_base(a, b, 'hcom', 2, reduce_op='sum')",
                a=randn(4, 8), b=randn(8, 4)),
    unsupported("torch_npu.matmul_all_reduce", "torch_npu.matmul_all_reduce(a, b, None, o, 0, 2, 0)",
                a=randn(4, 8), b=randn(8, 4), o=randn(4, 4)),
    unsupported("torch_npu.all_gather_matmul", "torch_npu.all_gather_matmul(a, b, None, o, 0, 2, 0)",
                a=randn(4, 8), b=randn(8, 4), o=randn(8, 4)),
    unsupported("torch_npu.all_gather_matmul_v2", "torch_npu.all_gather_matmul_v2(a, b, None, o, g, 0, 2, 0)",
                a=randn(4, 8), b=randn(8, 4), o=randn(8, 4), g=randn(8, 8)),
    unsupported("torch_npu.matmul_reduce_scatter", "torch_npu.matmul_reduce_scatter(a, b, None, o, 0, 2, 0)",
                a=randn(4, 8), b=randn(8, 4), o=randn(2, 4)),
    unsupported("torch_npu.pure_matmul", "torch_npu.pure_matmul(a, b, None, o, 0, 2, 0)",
                a=randn(4, 8), b=randn(8, 4), o=randn(4, 4)),
    unsupported("torch_npu.npu_confusion_transpose",
                "out = torch_npu.npu_confusion_transpose(x, (0, 2, 1, 3), (2, 3, 8), True)", x=randn(2, 4, 3, 2)),
    unsupported("torch_npu.npu_scaled_masked_softmax", "out = torch_npu.npu_scaled_masked_softmax(x, mask, 0.5, False)",
                x=randn(1, 1, 4, 4), mask=randn(1, 1, 4, 4)),
    unsupported("torch_npu.npu_geglu", "out = torch_npu.npu_geglu(x, dim=-1, approximate=1)[0]", x=randn(2, 8)),
    unsupported("torch_npu.npu_mrope", "q, k = torch_npu.npu_mrope(p, a, b, c, 16)",
                p=randn(3, 4), a=randn(4, 32), b=randn(4, 32), c=randn(4, 64)),
    unsupported("torch_npu.npu_matmul_add_fp32", "torch_npu.npu_matmul_add_fp32(dy, x, g)",
                dy=randn(4, 3), x=randn(4, 5), g=randn(3, 5)),
    unsupported("torch_npu.npu_groupmatmul_add_fp32", "torch_npu.npu_groupmatmul_add_fp32(x, dy, [2, 2], g)",
                x=randn(4, 3), dy=randn(4, 5), g=randn(6, 5)),
    unsupported("torch_npu.npu_hans_encode", "out = torch_npu.npu_hans_encode(x, True, False)", x=randn(64)),
    unsupported("torch_npu.npu_hans_decode", "out = torch_npu.npu_hans_decode(a, b, c, d)",
                a=randn(4), b=randn(4), c=randn(4), d=randn(4)),
    unsupported("torch_npu.empty_with_swapped_memory", "out = torch_npu.empty_with_swapped_memory((2, 3))"),
    # module attributes and utilities
    unsupported("torch_npu.unsupported_dtype", "out = torch_npu.unsupported_dtype"),
    unsupported("torch_npu.utils.register_asd_hook", "torch_npu.utils.register_asd_hook(x, w)",
                x=randn(2, 4), w=randn(4)),
    unsupported("torch_npu.utils.flops_count.FlopsCounter", "out = torch_npu.utils.flops_count.FlopsCounter()"),
    unsupported("torch_npu.utils.profiler.Profile", "out = torch_npu.utils.profiler.Profile(start_step=1)"),
    unsupported("torch_npu.profiler.dynamic_profile", "out = torch_npu.profiler.dynamic_profile.init('prof.json')"),
    unsupported("torch_npu.profiler.profiler.analyse", "torch_npu.profiler.profiler.analyse('./prof')"),
    # device runtime without a counterpart
    unsupported("torch_npu.npu.memory.change_current_allocator", "torch_npu.npu.memory.change_current_allocator(a)",
                a=1),
    unsupported("torch_npu.npu.device", "with torch_npu.npu.device(0):\n    out = 1"),
    unsupported("torch_npu.npu.init", "torch_npu.npu.init()"),
    unsupported("torch_npu.npu._lazy_call", "torch_npu.npu._lazy_call(print)"),
    # mapped rules: arguments MindSpore cannot take keep the call unconverted
    unsupported("torch_npu.npu_rotary_mul", "out = torch_npu.npu_rotary_mul(x, c, s, rotary_mode='interleave')",
                x=randn(1, 2, 4, 16), c=randn(1, 1, 4, 16), s=randn(1, 1, 4, 16)),
    unsupported("torch_npu.npu_fused_infer_attention_score",
                "out = torch_npu.npu_fused_infer_attention_score(q, q, q, query_rope=r, key_rope=r, num_heads=2)",
                q=randn(1, 4, 32), r=randn(1, 4, 8)),
    unsupported("torch_npu.profiler.profile", "out = torch_npu.profiler.profile(with_flops=True)"),
    unsupported("torch_npu.profiler._ExperimentalConfig",
                "out = torch_npu.profiler._ExperimentalConfig(record_op_args=True)"),
    unsupported("torch_npu.npu.Event", "out = torch_npu.npu.Event(interprocess=True)"),
    unsupported("torch_npu.npu.streams.Event", "out = torch_npu.npu.streams.Event(True, False, True)"),
]

# Mapped rules and the tests that prove them (torch side: plain math / torch's own equivalent, see module doc).
_OPS = "tests/npu/test_torch_npu_ops.py::"
_RT = "tests/npu/test_torch_npu_runtime.py::"
COVERED_ELSEWHERE = {
    "torch_npu.npu_apply_adam_w": ["tests/runtime/test_npu_ops.py::test_npu_apply_adam_w_matches_torch_adamw"],
    "torch_npu.npu.is_available": ["tests/runtime/test_runtime_helpers.py::test_compile_mode_and_properties_convert"],
    "torch_npu.npu.set_compile_mode": ["tests/runtime/test_runtime_helpers.py::test_compile_mode_and_properties_convert"],
    "torch_npu.npu.current_device": ["tests/runtime/test_runtime_helpers.py::test_device_queries_convert_and_run"],
    "torch_npu.npu.get_device_name": ["tests/runtime/test_runtime_helpers.py::test_device_queries_convert_and_run"],
    "torch_npu.__version__": ["tests/runtime/test_runtime_helpers.py::test_torch_npu_version_converts"],
    "torch_npu.utils.collect_env.get_cann_version": [
        "tests/runtime/test_runtime_helpers.py::test_cann_version_read_from_the_toolkit"],
    "torch_npu._C._distributed_c10d.ProcessGroupHCCL.Options": [
        "tests/runtime/test_runtime_helpers.py::test_hccl_group_options_reach_new_group"],
    "torch_npu.__file__": ["tests/runtime/test_runtime_helpers.py::test_package_file_reads_name_the_installed_framework"],
    "torch_npu.npu_fusion_attention": [_OPS + "test_npu_fusion_attention_sbh_causal_compressed_mask",
                                       _OPS + "test_npu_fusion_attention_bnsd_full_mask_positional",
                                       _OPS + "test_npu_fusion_attention_tnd_varlen",
                                       _OPS + "test_npu_fusion_attention_bsh_keywords_reordered",
                                       _OPS + "test_npu_fusion_attention_bsnd_right_down_causal"],
    "torch_npu.npu_rms_norm": [_OPS + "test_npu_rms_norm", _OPS + "test_npu_rms_norm_positional_rstd"],
    "torch_npu.npu_add_rms_norm": [_OPS + "test_npu_add_rms_norm"],
    "torch_npu.npu_swiglu": [_OPS + "test_npu_swiglu"],
    "torch_npu.npu_rotary_position_embedding": [_OPS + "test_npu_rotary_position_embedding"],
    "torch_npu.npu_rotary_mul": [_OPS + "test_npu_rotary_mul"],
    "torch_npu.npu_fused_infer_attention_score": [_OPS + "test_npu_fused_infer_attention_score_bsnd"],
    "torch_npu.profiler.profile": [_RT + "test_profiler_profile_binds_to_mindspore"],
    "torch_npu.profiler.schedule": [_RT + "test_profiler_schedule_matches_torch",
                                    _RT + "test_profiler_schedule_positional_becomes_keywords"],
    "torch_npu.profiler._ExperimentalConfig": [_RT + "test_profiler_experimental_config"],
    "torch_npu.profiler.tensorboard_trace_handler": [_RT + "test_profiler_profile_binds_to_mindspore"],
    "torch_npu.profiler.ProfilerActivity.CPU": [_RT + "test_profiler_enums"],
    "torch_npu.profiler.ProfilerActivity.NPU": [_RT + "test_profiler_enums"],
    "torch_npu.profiler.ProfilerLevel.Level0": [_RT + "test_profiler_enums"],
    "torch_npu.profiler.ProfilerLevel.Level1": [_RT + "test_profiler_enums"],
    "torch_npu.profiler.ProfilerLevel.Level2": [_RT + "test_profiler_enums"],
    "torch_npu.profiler.AiCMetrics.PipeUtilization": [_RT + "test_profiler_enums"],
    "torch_npu.profiler.AiCMetrics.ArithmeticUtilization": [_RT + "test_profiler_enums"],
    "torch_npu.npu.Stream": [_RT + "test_streams_and_events"],
    "torch_npu.npu.stream": [_RT + "test_streams_and_events"],
    "torch_npu.npu.current_stream": [_RT + "test_streams_and_events"],
    "torch_npu.npu.default_stream": [_RT + "test_streams_and_events"],
    "torch_npu.npu.Event": [_RT + "test_streams_and_events"],
    "torch_npu.npu.streams.Event": [_RT + "test_streams_and_events"],
    "torch_npu.npu.empty_cache": [_RT + "test_streams_and_events"],
    "torch_npu.npu.manual_seed": [_RT + "test_manual_seed_matches_torch_initial_seed"],
    "torch_npu.npu.manual_seed_all": [_RT + "test_manual_seed_matches_torch_initial_seed"],
    "torch_npu.npu.get_device_properties": [_RT + "test_device_properties_and_allocator_bind"],
    "torch_npu.npu.memory.NPUPluggableAllocator": [_RT + "test_device_properties_and_allocator_bind"],
}
