"""torch.device objects for converted code: ``torch.device('cuda', 0)`` → ``devices.Device('cuda', 0)``.

MindSpore places a whole process on one device (``mindspore.set_device``) and has no device objects, but code
builds them, compares them, prints them and reads ``.type`` / ``.index``. :class:`Device` is a faithful record of
what the code asked for (the type string is kept as written: ``'cuda'``, ``'npu'``, ``'cpu'``), with torch's
parsing (``'cuda:1'``, an int index, another device), ``str`` / ``repr``, equality and hashing. The rules that take a
device (``Tensor.to``, ``Module.to``, ``device=`` of factories) drop it, so a Device never reaches a MindSpore op.

``device_of(x)`` answers ``x.device`` for a MindSpore tensor (MindSpore's own ``Tensor.device`` is a string such as
``'CPU'`` or ``'Ascend:0'``): ``cpu`` on CPU, ``npu`` with its index on Ascend (what torch_npu reports), ``cuda``
on GPU; any other object's ``.device`` is returned as it is.
"""
from __future__ import annotations

import os

__all__ = ["Device", "device_of", "cann_version", "get_device_capability"]

_MS_TYPES = {"cpu": "cpu", "ascend": "npu", "npu": "npu", "gpu": "cuda", "cuda": "cuda"}


class Device:
    """torch.device(type, index=None) / torch.device('type:index') / torch.device(index) / torch.device(device)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's parameter name
        if isinstance(type, Device):
            if index is not None:
                raise ValueError("torch.device(device, index): index given twice")
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str) and ":" in type:
            if index is not None:
                raise ValueError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            index = int(idx)
        if not isinstance(type, str):
            raise TypeError(f"device type must be a string, got {type!r}")
        if index is not None and int(index) < 0:
            raise ValueError(f"device index must be non-negative, got {index}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", None if index is None else int(index))

    def __setattr__(self, name, value):
        raise AttributeError("torch.device objects are immutable")

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type={self.type!r})" if self.index is None else \
            f"device(type={self.type!r}, index={self.index})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash(("device", self.type, self.index))

    def __reduce__(self):
        return (Device, (self.type, self.index))


def device_of(obj):
    """``obj.device`` as torch code expects it: a :class:`Device` for a MindSpore tensor, else ``obj.device``."""
    import mindspore as ms

    if not isinstance(obj, ms.Tensor):
        return obj.device
    text = str(getattr(obj, "device", "CPU") or "CPU")
    kind, _, idx = text.partition(":")
    type_ = _MS_TYPES.get(kind.strip().lower(), kind.strip().lower())
    if type_ == "cpu":
        return Device("cpu")
    if idx.strip().isdigit():
        return Device(type_, int(idx))
    return Device(type_, int(ms.get_context("device_id") or 0))


_CANN_ROOTS = ("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME")
_CANN_DEFAULT = "/usr/local/Ascend/ascend-toolkit/latest"


def cann_version(ascend_home_path: str | None = None) -> str:
    """The installed CANN toolkit's version (``"8.0.RC2"``), read from its ``version.info`` files as torch_npu's
    ``get_cann_version`` reads it; ``"not known"`` where no CANN is installed (a CPU machine), as torch_npu says."""
    roots = [ascend_home_path] if ascend_home_path else [os.environ.get(v) for v in _CANN_ROOTS] + [_CANN_DEFAULT]
    for root in filter(None, roots):
        for rel in ("compiler/version.info", "version.info", "runtime/version.info"):
            try:
                with open(os.path.join(root, rel), encoding="utf-8") as fh:
                    for line in fh:
                        key, _, value = line.partition("=")
                        if key.strip().lower() == "version" and value.strip():
                            return value.strip()
            except OSError:
                continue
    return "not known"


ASCEND_CAPABILITY = (9, 0)


def get_device_capability(device=None) -> tuple[int, int]:
    """``torch.cuda.get_device_capability``: a CUDA compute capability, which callers read only to gate features
    that need a recent GPU (bf16, grouped GEMM, fused attention: ``dc[0] >= 8``). The Ascend backend has those
    features, so on Ascend this answers :data:`ASCEND_CAPABILITY`, the value MindSpeed's own patch of this API
    declares for NPUs (``mindspore.hal.get_device_capability`` answers None there, which such gates cannot index).
    Without an accelerator it raises, as torch does on a machine without CUDA."""
    import mindspore as ms

    target = str(ms.get_context("device_target")).lower()
    if target == "ascend":
        return ASCEND_CAPABILITY
    if target == "gpu":
        cap = ms.hal.get_device_capability(device or 0)
        if cap is not None:
            return tuple(cap)
    raise RuntimeError(f"no accelerator with a compute capability (MindSpore device target: {target})")
