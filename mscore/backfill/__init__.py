"""CPU backfill: run converted ``mindspore.mint`` code on the MindSpore CPU build.

The converted code targets ``mindspore.mint.*`` (right on Ascend). The 2.10 CPU wheel lacks many mint kernels
("kernel unregistered", "only supports Ascend", "Create kernelmod ... failed"). ``enable()`` replaces exactly those
callables -- functions in ``mint``, ``mint.nn.functional``, ``mint.special``, ``mint.linalg``, the ``construct`` of
``mint.nn`` layers, a few ``Tensor`` methods (in-place ones included) and the fused ``mindspore.ops`` functions
the torch_npu rules emit -- with composites of ops that run and
differentiate on CPU. The converted code never changes; ``disable()`` restores every original.

Only on CPU: ``enable()`` raises :class:`BackfillRefused` when the device target is not CPU (Ascend, GPU). The
device is resolved there, once: the replacements are the CPU implementations themselves, with no per-call check
(MindSpore fixes the device target of a process once it is set; ``disable()`` restores every original). Works in
PyNative and under ``ms.jit`` for the mint functions and layers; Tensor methods are only replaced in PyNative
(graph mode has its own method table).

Switching it on without editing code:

- ``MSCORE_CPU_BACKFILL=1`` and ``import mscore.backfill`` anywhere (e.g. in ``sitecustomize.py``): enabled on
  import (skipped with a warning if the device target is not CPU);
- ``python -m mscore.backfill script.py args...`` (or ``python -m mscore.backfill -m package.module args...``):
  runs the script with the backfill on.
"""
from __future__ import annotations

import functools
import inspect
import os
import warnings

__all__ = ["enable", "disable", "is_enabled", "covered", "BackfillRefused", "ENV_VAR"]

ENV_VAR = "MSCORE_CPU_BACKFILL"

_state = {"enabled": False, "saved": []}  # saved: list of (owner, attr, had_own, original)


class BackfillRefused(RuntimeError):
    """enable() was called while the MindSpore device target is not CPU."""


def _device_target() -> str:
    import mindspore as ms

    return str(ms.get_context("device_target"))


# --------------------------------------------------------------------------------------------------- the table
# mint top-level functions: name -> implementation in _mint (or _functional for the conv2d alias)
_MINT_FUNCS = [
    "mm", "addmm", "baddbmm", "addbmm", "addmv", "mv", "dot", "vdot", "outer", "einsum", "inverse", "trace", "diag",
    "stack", "roll", "tril", "clone", "take", "index_select", "index_add", "scatter_add", "repeat_interleave",
    "arange", "full", "full_like", "ones_like", "zeros_like", "linspace",
    "rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm", "normal", "bernoulli",
    "multinomial",
    "cumsum", "cummin", "var", "std", "var_mean", "std_mean", "logsumexp", "argmax", "argmin", "topk", "kthvalue",
    "sort",
    "argsort", "median", "count_nonzero", "histc", "bincount", "unique", "norm",
    "addcmul", "addcdiv", "acos", "arccos", "acosh", "arccosh", "asin", "arcsin", "asinh", "arcsinh", "atan",
    "arctan", "atan2", "arctan2", "log2", "log10", "exp2", "logaddexp", "logaddexp2", "frac", "isneginf", "equal",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "nonzero", "where", "round", "log",
]
_MINT_ALIASES = {"arccos": "acos", "arccosh": "acosh", "arcsinh": "asinh", "arctan": "atan", "arctan2": "atan2"}

_F_FUNCS = [
    "log_softmax", "gelu", "leaky_relu", "mish", "elu", "elu_", "inplace_elu", "inplace_silu", "hardtanh",
    "hardtanh_", "relu", "relu6", "relu_", "sigmoid_", "logsigmoid", "selu", "threshold", "threshold_",
    "layer_norm", "normalize", "batch_norm", "embedding", "one_hot", "dropout", "dropout2d",
    "conv1d", "conv2d", "conv3d", "conv_transpose2d",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_avg_pool3d", "adaptive_max_pool1d", "pad", "unfold", "fold", "interpolate",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "kl_div", "soft_margin_loss", "cosine_embedding_loss",
]

# mindspore.mint.distributed: a single-process world on CPU (names listed in _distributed.NAMES)
_DISTRIBUTED = "mindspore.mint.distributed"

# Ascend-only fused mindspore.ops functions emitted by the torch_npu rules
_OPS = ["rms_norm", "add_rms_norm", "swiglu", "rotary_position_embedding"]

_LINALG = {"vector_norm": "vector_norm", "matrix_norm": "matrix_norm", "norm": "linalg_norm", "inv": "inv",
           "qr": "qr"}
_SPECIAL = {"exp2": ("_mint", "exp2"), "log_softmax": ("_functional", "log_softmax")}

# mint.nn class -> construct implementation in _cells
_CELLS = {
    "GELU": "gelu", "LayerNorm": "layer_norm", "Embedding": "embedding",
    "Conv1d": "conv1d", "Conv2d": "conv2d", "Conv3d": "conv3d", "ConvTranspose2d": "conv_transpose2d",
    "CrossEntropyLoss": "cross_entropy_loss",
    "AvgPool1d": "avg_pool1d", "AvgPool2d": "avg_pool2d", "AvgPool3d": "avg_pool3d", "MaxPool2d": "max_pool2d",
    "AdaptiveAvgPool1d": "adaptive_avg_pool1d", "AdaptiveAvgPool2d": "adaptive_avg_pool2d",
    "AdaptiveAvgPool3d": "adaptive_avg_pool3d", "AdaptiveMaxPool1d": "adaptive_max_pool1d",
    "BatchNorm1d": "batch_norm", "BatchNorm2d": "batch_norm", "BatchNorm3d": "batch_norm",
    "ConstantPad1d": "constant_pad", "ConstantPad2d": "constant_pad", "ConstantPad3d": "constant_pad",
    "ZeroPad1d": "constant_pad", "ZeroPad2d": "constant_pad", "ZeroPad3d": "constant_pad",
    "ReflectionPad1d": "reflection_pad", "ReflectionPad2d": "reflection_pad", "ReflectionPad3d": "reflection_pad",
    "ReplicationPad1d": "replication_pad", "ReplicationPad2d": "replication_pad",
    "ReplicationPad3d": "replication_pad",
    "ELU": "elu", "Hardtanh": "hardtanh", "ReLU6": "relu6", "LogSigmoid": "logsigmoid", "LogSoftmax": "log_softmax",
    "Mish": "mish", "SELU": "selu", "Threshold": "threshold",
    "KLDivLoss": "kl_div_loss", "NLLLoss": "nll_loss", "L1Loss": "l1_loss", "MSELoss": "mse_loss",
    "SoftMarginLoss": "soft_margin_loss",
    "CosineEmbeddingLoss": "cosine_embedding_loss",
    "Fold": "fold", "Unfold": "unfold", "UpsamplingBilinear2d": "upsampling_bilinear2d", "Upsample": "upsample",
    "Dropout": "dropout", "Dropout2d": "dropout2d",
}

_TENSOR = [
    "add_", "sub_", "mul_", "div_", "exp_", "log_", "floor_", "sigmoid_", "erfinv_", "zero_", "fill_",
    "masked_fill_", "clamp_", "uniform_", "normal_", "bernoulli_", "random_", "exponential_", "index_fill_",
    "scatter_", "scatter", "clone", "repeat", "roll", "new_full", "scatter_add", "index_add", "index_add_",
    "index_copy_", "index_fill", "index_put_", "nonzero", "round", "sum", "scatter_add_", "addmm_", "log",
]


@functools.lru_cache(maxsize=1)
def _plan():
    """[(owner, attr, impl, label)] for everything enable() patches; label is the public dotted name. Built once:
    the wrappers it makes (bf16, views) are then the same objects for every caller (enable, covered, the tests)."""
    import mindspore as ms
    from mindspore import mint
    import mindspore.mint.nn.functional as mF

    from mindspore import ops

    from . import _bf16, _cells, _distributed, _functional, _mint, _ops, _tensor, _views
    import mindspore.mint.distributed as mdist

    mods = {"_mint": _mint, "_functional": _functional}
    plan = []
    for name in _MINT_FUNCS:
        if hasattr(mint, name):
            plan.append((mint, name, getattr(_mint, _MINT_ALIASES.get(name, name)), f"mindspore.mint.{name}"))
    if hasattr(mint, "conv2d"):
        plan.append((mint, "conv2d", _functional.conv2d, "mindspore.mint.conv2d"))
    for name in _F_FUNCS:
        if hasattr(mF, name):
            plan.append((mF, name, getattr(_functional, name), f"mindspore.mint.nn.functional.{name}"))
    if hasattr(mF, "adaptive_avg_pool3d_ext"):
        plan.append((mF, "adaptive_avg_pool3d_ext", _functional.adaptive_avg_pool3d,
                     "mindspore.mint.nn.functional.adaptive_avg_pool3d_ext"))
    for name in _distributed.NAMES:
        if hasattr(mdist, name):
            plan.append((mdist, name, getattr(_distributed, name), f"{_DISTRIBUTED}.{name}"))
    for name in _OPS:
        if hasattr(ops, name):
            plan.append((ops, name, getattr(_ops, name), f"mindspore.ops.{name}"))
    for name, impl in _LINALG.items():
        if hasattr(mint.linalg, name):
            plan.append((mint.linalg, name, getattr(_functional, impl), f"mindspore.mint.linalg.{name}"))
    for name, (mod, impl) in _SPECIAL.items():
        if hasattr(mint.special, name):
            plan.append((mint.special, name, getattr(mods[mod], impl), f"mindspore.mint.special.{name}"))
    for cls_name, impl in _CELLS.items():
        cls = getattr(mint.nn, cls_name, None)
        if cls is not None:
            plan.append((cls, "construct", getattr(_cells, impl), f"mindspore.mint.nn.{cls_name}.construct"))
    for name in _TENSOR:
        plan.append((ms.Tensor, name, getattr(_tensor, name), f"mindspore.Tensor.{name}"))
    return _views.view_aware(_bf16.bf16_aware(plan))


def _signature_for(impl, original):
    """The replacement reports the original's signature when it has one; mint ops that are overloaded in C++
    report (*args, **kwargs) and Tensor methods report none -- then the implementation's own is used."""
    try:
        sig = inspect.signature(original)
    except (TypeError, ValueError):
        return inspect.signature(impl)
    return sig


def enable() -> bool:
    """Install the CPU implementations. Idempotent. Raises BackfillRefused unless the device target is CPU.

    Returns True if this call installed them, False if they were already on."""
    if _state["enabled"]:
        return False
    target = _device_target()
    if target != "CPU":
        raise BackfillRefused(
            f"mscore.backfill is for the MindSpore CPU build only; the device target is {target!r}: "
            "the real mint kernels are used there")
    from . import _guard

    saved = []
    try:
        for owner, attr, impl, _label in _plan():
            had_own = attr in vars(owner)
            original = getattr(owner, attr)
            saved.append((owner, attr, had_own, vars(owner)[attr] if had_own else None))
            setattr(owner, attr, _guard.install(impl, original, attr, _signature_for(impl, original)))
    except Exception:
        _restore(saved)
        raise
    _state["saved"] = saved
    _state["enabled"] = True
    return True


def _restore(saved):
    for owner, attr, had_own, original in reversed(saved):
        if had_own:
            setattr(owner, attr, original)
        else:
            try:
                delattr(owner, attr)
            except AttributeError:  # pragma: no cover
                pass


def disable() -> bool:
    """Restore every original callable. Returns True if the backfill was on."""
    if not _state["enabled"]:
        return False
    _restore(_state["saved"])
    _state["saved"] = []
    _state["enabled"] = False
    return True


def is_enabled() -> bool:
    return _state["enabled"]


def covered() -> list[str]:
    """Dotted names of everything enable() replaces (e.g. 'mindspore.mint.mm', 'mindspore.mint.nn.GELU.construct',
    'mindspore.Tensor.add_')."""
    return [label for *_rest, label in _plan()]


def _autoload():
    if os.environ.get(ENV_VAR, "").strip().lower() not in ("1", "true", "yes", "on"):
        return
    try:
        enable()
    except BackfillRefused as e:
        warnings.warn(f"{ENV_VAR} is set but the backfill stays off: {e}", RuntimeWarning, stacklevel=2)


_autoload()
