"""Parity for the torch_npu profiler and torch_npu.npu runtime rules (rules/torch_npu.toml).

Where the MindSpore API runs on the CPU build (profiler schedule/config/enums, trace handler, seeds, empty_cache)
the converted code runs for real and is compared with torch's own implementation of the same concept. Stream and
event APIs are Ascend/GPU-only in MindSpore: on CPU the converted calls are bound against the real MindSpore
signatures (a call the target cannot accept fails the test); with MSCORE_PARITY_DEVICE=Ascend they run for real.
The profiler constructor is always checked by binding, so the tests never start a profiling session.
"""
import inspect
import types

import mindspore as ms
import torch

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules
from tests.npu.npu_common import ON_ASCEND

RULES = load_rules()


def convert(snippet, *expect):
    src = "import torch\nimport torch_npu\n\n\n" + snippet
    out = convert_source(src.encode(), "case.py", RULES).output.decode()
    assert "mscore: unconverted" not in out, out
    for e in expect:
        assert e in out, out
    return out


class Recorded:
    """Result of a recorded call: the real target's bound arguments."""

    def __init__(self, path, bound):
        self.path, self.bound = path, bound

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _Proxy:
    """Stands in for the ``ms`` module: attributes listed in ``record`` bind their call to the real signature."""

    def __init__(self, real, record, path="ms"):
        self._real, self._record, self._path = real, record, path

    def __getattr__(self, name):
        path = f"{self._path}.{name}"
        value = getattr(self._real, name)
        if path in self._record:
            sig = inspect.signature(value)

            def call(*args, **kwargs):
                return Recorded(path, sig.bind(*args, **kwargs))

            return call
        if isinstance(value, types.ModuleType):
            return _Proxy(value, self._record, path)
        return value


def run(code, record=(), *args):
    namespace = {}
    exec(compile(code, "<converted>", "exec"), namespace)
    if record:
        namespace["ms"] = _Proxy(ms, set(record))
    return namespace["f"](*args)


# ---------------------------------------------------------------------------------------------------------------
# profiler
# ---------------------------------------------------------------------------------------------------------------
def _actions(schedule, steps=10):
    return [str(schedule(i)).split(".")[-1].replace("_", "") for i in range(steps)]


def test_profiler_schedule_matches_torch():
    code = convert("def f():\n    return torch_npu.profiler.schedule(wait=0, warmup=1, active=2, repeat=1, skip_first=2)\n",
                   "ms.profiler.schedule(")
    ours = _actions(run(code))
    theirs = _actions(torch.profiler.schedule(wait=0, warmup=1, active=2, repeat=1, skip_first=2))
    assert ours == theirs


def test_profiler_schedule_positional_becomes_keywords():
    code = convert("def f():\n    return torch_npu.profiler.schedule(1, 2)\n", "schedule(wait=1, active=2)")
    assert _actions(run(code)) == _actions(torch.profiler.schedule(wait=1, warmup=0, active=2))  # torch_npu: warmup defaults to 0


def test_profiler_enums():
    code = convert(
        "def f():\n"
        "    return (torch_npu.profiler.ProfilerActivity.CPU, torch_npu.profiler.ProfilerActivity.NPU,\n"
        "            torch_npu.profiler.ProfilerLevel.Level0, torch_npu.profiler.ProfilerLevel.Level1,\n"
        "            torch_npu.profiler.ProfilerLevel.Level2, torch_npu.profiler.AiCMetrics.PipeUtilization,\n"
        "            torch_npu.profiler.AiCMetrics.ArithmeticUtilization)\n",
        "ms.profiler.AicoreMetrics.PipeUtilization",
    )
    values = run(code)
    P = ms.profiler
    assert values == (P.ProfilerActivity.CPU, P.ProfilerActivity.NPU, P.ProfilerLevel.Level0, P.ProfilerLevel.Level1,
                      P.ProfilerLevel.Level2, P.AicoreMetrics.PipeUtilization, P.AicoreMetrics.ArithmeticUtilization)
    assert torch.profiler.ProfilerActivity.CPU.name == values[0].name


def test_profiler_experimental_config():
    code = convert(
        "def f():\n    return torch_npu.profiler._ExperimentalConfig(\n"
        "        aic_metrics=torch_npu.profiler.AiCMetrics.PipeUtilization,\n"
        "        profiler_level=torch_npu.profiler.ProfilerLevel.Level1, l2_cache=False, msprof_tx=True,\n"
        "        data_simplification=False)\n",
        "ms.profiler._ExperimentalConfig(",
    )
    cfg = run(code)
    assert cfg.profiler_level == ms.profiler.ProfilerLevel.Level1
    assert cfg.aic_metrics == ms.profiler.AicoreMetrics.PipeUtilization
    assert (cfg.l2_cache, cfg.mstx, cfg.data_simplification) == (False, True, False)


def test_profiler_profile_binds_to_mindspore(tmp_path):
    code = convert(
        "def f(path):\n"
        "    cfg = torch_npu.profiler._ExperimentalConfig(profiler_level=torch_npu.profiler.ProfilerLevel.Level2)\n"
        "    return torch_npu.profiler.profile(\n"
        "        activities=[torch_npu.profiler.ProfilerActivity.CPU, torch_npu.profiler.ProfilerActivity.NPU],\n"
        "        record_shapes=True, profile_memory=False, with_stack=True, experimental_config=cfg,\n"
        "        schedule=torch_npu.profiler.schedule(wait=0, warmup=0, active=1, repeat=1, skip_first=2),\n"
        "        on_trace_ready=torch_npu.profiler.tensorboard_trace_handler(path))\n",
        "ms.profiler.profile(",
    )
    rec = run(code, {"ms.profiler.profile"}, str(tmp_path))
    args = rec.bound.arguments
    assert args["activities"] == [ms.profiler.ProfilerActivity.CPU, ms.profiler.ProfilerActivity.NPU]
    assert (args["record_shapes"], args["profile_memory"], args["with_stack"]) == (True, False, True)
    assert args["experimental_config"].profiler_level == ms.profiler.ProfilerLevel.Level2
    assert _actions(args["schedule"]) == _actions(torch.profiler.schedule(wait=0, warmup=0, active=1, repeat=1,
                                                                          skip_first=2))
    assert callable(args["on_trace_ready"])


# ---------------------------------------------------------------------------------------------------------------
# torch_npu.npu runtime
# ---------------------------------------------------------------------------------------------------------------
STREAM_SNIPPET = (
    "def f():\n"
    "    s = torch_npu.npu.Stream(device=0)\n"
    "    e = torch_npu.npu.Event(enable_timing=True)\n"
    "    e2 = torch_npu.npu.streams.Event()\n"
    "    with torch_npu.npu.stream(s):\n"
    "        cur = torch_npu.npu.current_stream()\n"
    "    d = torch_npu.npu.default_stream()\n"
    "    torch_npu.npu.empty_cache()\n"
    "    return s, e, e2, cur, d\n"
)


def test_streams_and_events():
    code = convert(STREAM_SNIPPET, "ms.runtime.Stream()", "ms.runtime.StreamCtx(s)", "ms.runtime.empty_cache()")
    if ON_ASCEND:
        s, e, e2, cur, d = run(code)
        assert isinstance(s, ms.runtime.Stream) and isinstance(e, ms.runtime.Event)
        assert cur == s, "the stream context did not make the new stream current"
        assert d == ms.runtime.default_stream()
        return
    # CPU: MindSpore's stream API is Ascend/GPU-only; check every converted call binds to the real signature
    record = {"ms.runtime.Stream", "ms.runtime.Event", "ms.runtime.StreamCtx", "ms.runtime.current_stream",
              "ms.runtime.default_stream"}
    s, e, e2, cur, d = run(code, record)
    assert (s.path, dict(s.bound.arguments)) == ("ms.runtime.Stream", {})
    assert dict(e.bound.arguments) == {"enable_timing": True}
    assert (e2.path, dict(e2.bound.arguments)) == ("ms.runtime.Event", {})
    assert cur.path == "ms.runtime.current_stream" and d.path == "ms.runtime.default_stream"


def test_manual_seed_matches_torch_initial_seed():
    code = convert("def f(seed):\n    torch_npu.npu.manual_seed(seed)\n", "ms.manual_seed(seed)")
    torch_before, ms_before = torch.initial_seed(), ms.initial_seed()
    try:
        run(code, (), 1234)
        torch.manual_seed(1234)
        assert ms.initial_seed() == torch.initial_seed() == 1234
        code = convert("def f(seed):\n    torch_npu.npu.manual_seed_all(seed)\n", "ms.manual_seed(seed)")
        run(code, (), 99)
        assert ms.initial_seed() == 99
    finally:
        torch.manual_seed(torch_before)
        ms.manual_seed(ms_before)


def test_device_properties_and_allocator_bind():
    code = convert(
        "def f():\n"
        "    p = torch_npu.npu.get_device_properties(0)\n"
        "    a = torch_npu.npu.memory.NPUPluggableAllocator('lib.so', 'my_malloc', 'my_free')\n"
        "    return p, a\n",
        "ms.hal.get_device_properties(0)", "ms.runtime.PluggableAllocator('lib.so', 'my_malloc', 'my_free')",
    )
    record = {"ms.runtime.PluggableAllocator"} | (set() if ON_ASCEND else {"ms.hal.get_device_properties"})
    p, a = run(code, record)
    assert dict(a.bound.arguments) == {"path_to_so_file": "lib.so", "alloc_fn_name": "my_malloc",
                                       "free_fn_name": "my_free"}
    if ON_ASCEND:
        assert p.total_memory > 0
    else:
        assert dict(p.bound.arguments) == {"device_id": 0}
