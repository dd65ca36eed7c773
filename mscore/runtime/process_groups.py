"""Process-group options for ``mindspore.mint.distributed.new_group(pg_options=...)``.

torch_npu's ``ProcessGroupHCCL.Options()`` carries an ``hccl_config`` dict (MindSpeed adds ``group_name`` to it for
its profiler; Megatron passes the options to ``new_group``). MindSpore's ``new_group`` takes, as ``pg_options``,
any object with an ``hccl_config`` dict (its documented ``GroupOptions`` shape: ``hccl_buffer_size``, ``hccl_comm``,
``hccl_op_expansion_mode``; keys it does not know are left to the backend).
"""
from __future__ import annotations

__all__ = ["GroupOptions"]


class GroupOptions:
    """``ProcessGroupHCCL.Options()``: an ``hccl_config`` dict, empty until set. A property, as on torch_npu's class,
    so that ``hasattr(Options, "hccl_config")`` (MindSpeed's feature probe) is true on the class itself; reading it
    gives a copy, as torch_npu does (callers update it and assign it back)."""

    def __init__(self, hccl_config: dict | None = None):
        self._hccl_config = dict(hccl_config or {})

    @property
    def hccl_config(self) -> dict:
        return dict(self._hccl_config)

    @hccl_config.setter
    def hccl_config(self, value: dict) -> None:
        self._hccl_config = dict(value)

    def __repr__(self) -> str:
        return f"GroupOptions(hccl_config={self.hccl_config!r})"
