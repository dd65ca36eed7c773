"""Shared set-up for the NPU parity tests: device switch, dtypes, tolerances, module loading.

CPU (default): the MindSpore side runs the non-fused / composite path in float32 and must match a plain-math torch
reference to float32 rounding. ``MSCORE_PARITY_DEVICE=Ascend``: the MindSpore side runs the fused Ascend kernels in
float16 (the fused kernels take fp16/bf16), compared to the same float32 torch reference at fp16 tolerance.
"""
import importlib.util
import os
import sys
from pathlib import Path

os.environ.setdefault("GLOG_v", "4")

import numpy as np  # noqa: E402
import mindspore as ms  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEVICE = os.environ.get("MSCORE_PARITY_DEVICE", "CPU").strip() or "CPU"
if DEVICE.lower() == "ascend":
    DEVICE = "Ascend"
elif DEVICE.upper() == "CPU":
    DEVICE = "CPU"
else:
    raise ValueError(f"MSCORE_PARITY_DEVICE must be CPU or Ascend, got {DEVICE!r}")
ON_ASCEND = DEVICE == "Ascend"

ms.set_device(DEVICE)
try:
    ms.runtime.launch_blocking()
except Exception:  # pragma: no cover
    pass

MS_DTYPE = ms.float16 if ON_ASCEND else ms.float32
# CPU: both sides compute in float32 (different summation order only). Ascend: fp16 inputs and outputs.
ATOL = 5e-3 if ON_ASCEND else 2e-5
RTOL = 5e-3 if ON_ASCEND else 1e-5
# gradients go through more fp16 roundings than the forward on Ascend (these two are unmeasured estimates)
GRAD_TOL = dict(atol=1e-2, rtol=1e-2) if ON_ASCEND else dict(atol=ATOL, rtol=RTOL)

DPA_PATH = ROOT / "patches" / "MindSpeed" / "files" / "mindspeed" / "core" / "transformer" / "dot_product_attention.py"


def load_dpa():
    """The replacement module, imported straight from the patches tree (no megatron / mindspeed needed)."""
    name = "mscore_patch_dot_product_attention"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DPA_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rng(seed):
    return np.random.default_rng(seed)


def to_ms(a, dtype=None):
    return ms.Tensor(np.asarray(a), dtype=dtype or MS_DTYPE)


def from_ms(t):
    return t.astype(ms.float32).asnumpy() if t.dtype in (ms.float16, ms.bfloat16) else t.asnumpy()


def assert_close(actual, expected, what, atol=ATOL, rtol=RTOL):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    diff = np.abs(actual - expected)
    bad = diff > atol + rtol * np.abs(expected)
    assert not bad.any(), (
        f"{what}: {int(bad.sum())}/{bad.size} elements differ, max |diff| {diff.max():.3e} (atol {atol}, rtol {rtol})"
    )


# the Ascend-only fused mindspore.ops functions that rules/torch_npu.toml maps to
FUSED_OPS = ("rms_norm", "add_rms_norm", "swiglu", "rotary_position_embedding", "speed_fusion_attention",
             "fused_infer_attention_score")


def cpu_kernel(name):
    """mscore.backfill's CPU implementation of the fused ``mindspore.ops.<name>`` (not installed: no enable())."""
    from mscore.backfill import implementation

    impl = implementation(f"mindspore.ops.{name}")
    assert impl is not None, f"mscore.backfill has no CPU implementation of mindspore.ops.{name}"
    return impl


def ops_for_device():
    """``mindspore.ops`` on Ascend; on CPU the same namespace with the fused entries taken from mscore.backfill
    (the kernels are Ascend-only; everything else falls through to ``mindspore.ops``)."""
    if ON_ASCEND:
        return ms.ops
    return _Fallthrough({name: cpu_kernel(name) for name in FUSED_OPS})


class _Fallthrough:
    def __init__(self, fused):
        self._fused = fused

    def __getattr__(self, name):
        if name in self._fused:
            return self._fused[name]
        return getattr(ms.ops, name)
