"""Process-group options for ``mindspore.mint.distributed.new_group(pg_options=...)``.

torch_npu's ``ProcessGroupHCCL.Options()`` carries an ``hccl_config`` dict (MindSpeed adds ``group_name`` to it for
its profiler; Megatron passes the options to ``new_group``). MindSpore's ``new_group`` takes, as ``pg_options``,
any object with an ``hccl_config`` dict (its documented ``GroupOptions`` shape: ``hccl_buffer_size``, ``hccl_comm``,
``hccl_op_expansion_mode``; keys it does not know are left to the backend).
"""
from __future__ import annotations

__all__ = ["GroupOptions", "init_process_group", "backend_name", "ProcessGroup", "new_group"]


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


# torch backend names -> MindSpore's: NCCL's role on Ascend is HCCL's; gloo / mpi (CPU collectives) are MCCL's
_BACKENDS = {"nccl": "hccl", "hccl": "hccl", "gloo": "mccl", "mpi": "mccl", "mccl": "mccl", "ucc": "hccl"}


def backend_name(backend) -> str:
    """MindSpore's backend for a torch backend name (``"cpu:gloo,cuda:nccl"`` takes the accelerator's); HCCL when
    none is given, as both frameworks default to the accelerator's library."""
    if backend is None:
        return "hccl"
    text = str(backend).lower()
    if "," in text or ":" in text:   # per-device form: the accelerator's entry decides
        parts = dict(p.split(":", 1) for p in text.split(",") if ":" in p)
        text = parts.get("cuda") or parts.get("npu") or next(iter(parts.values()), "hccl")
    if text not in _BACKENDS:
        raise ValueError(f"unknown process-group backend {backend!r} (known: {', '.join(sorted(_BACKENDS))})")
    return _BACKENDS[text]


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """``torch.distributed.init_process_group`` keeping the caller's backend (Megatron passes
    ``args.distributed_backend``): translated by :func:`backend_name`, then ``mint.distributed.init_process_group``
    (on the CPU build, the backfill's single-process world)."""
    from mindspore import mint

    return mint.distributed.init_process_group(backend_name(backend), init_method=init_method, timeout=timeout,
                                               world_size=world_size, rank=rank, store=store, group_name=group_name,
                                               pg_options=pg_options, device_id=device_id)


class ProcessGroup(str):
    """A MindSpore group name (what ``mint.distributed.new_group`` returns, and what its collectives take as
    ``group=``) that also answers torch's ``ProcessGroup`` methods: ``size()`` and ``rank()`` (Megatron's
    ``data_parallel_group.size()``, MindSpeed-MM's ``process_group.rank()``). A ``str``, so every MindSpore API and
    ``isinstance(g, str)`` (the converted ``torch.distributed.ProcessGroup`` checks) accept it unchanged."""

    __slots__ = ()

    def size(self) -> int:
        from mindspore import mint

        return mint.distributed.get_world_size(group=str(self))

    def rank(self) -> int:
        from mindspore import mint

        return mint.distributed.get_rank(group=str(self))

    def group_name(self) -> str:
        return str(self)


def new_group(ranks=None, timeout=None, pg_options=None, use_local_synchronization=False, group_desc=None):
    """``torch.distributed.new_group``: ``mint.distributed.new_group``'s group name, as a :class:`ProcessGroup`."""
    from mindspore import mint

    name = mint.distributed.new_group(ranks=ranks, timeout=timeout, pg_options=pg_options,
                                      use_local_synchronization=use_local_synchronization, group_desc=group_desc)
    return name if name is None else ProcessGroup(name)
