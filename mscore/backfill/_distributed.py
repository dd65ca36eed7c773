"""A single-process group for ``mindspore.mint.distributed`` on the CPU build.

The CPU wheel's ``init_process_group`` accepts only HCCL (and mccl needs ``msrun``), so converted Megatron code
cannot set up its parallel state on CPU. With the backfill on, these replacements provide a world of one process:
``init_process_group`` with any backend name (hccl, nccl, gloo, ...), world size 1 and rank 0; groups made by
``new_group`` contain rank 0 only; the collectives have torch's world-size-1 results (reductions, broadcast and
barrier leave the tensors as they are; gathers / scatters / all-to-all copy the input into the single output slot).
Anything that needs another process raises: a world size above 1, a rank other than 0, point-to-point send / recv
(torch rejects sending to oneself). On Ascend the backfill's guard calls MindSpore's own functions (HCCL).
"""
from __future__ import annotations

import os

from mindspore.ops.primitive import _primexpr

from ._registry import replaces


WORLD_GROUP = "hccl_world_group"  # MindSpore's name for the default group

_state = {"initialized": False, "backend": None, "groups": {}, "counter": 0}


class SingleProcessOnly(RuntimeError):
    """A distributed call that needs more than the one CPU process."""


class _Work:
    """What an ``async_op=True`` collective returns: already complete."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True


def _done(async_op):
    return _Work() if async_op else None


def _need_init():
    if not _state["initialized"]:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")  # torch's exception type


def _check_group(group):
    _need_init()
    if group is None or group == WORLD_GROUP or group in _state["groups"]:
        return
    if isinstance(group, str):
        raise ValueError(f"unknown process group {group!r} (the CPU single-process world has "
                         f"{[WORLD_GROUP] + sorted(_state['groups'])})")
    raise TypeError(f"process group must be a group name (str) or None, got {type(group).__name__}")


@_primexpr
def _check_rank(rank, what):
    """A ``_primexpr``: under ``ms.jit`` a constant rank is checked at compile time (graph mode cannot raise an
    exception class of its own, such as SingleProcessOnly, inside a graph)."""
    if rank is not None and int(rank) != 0:
        raise SingleProcessOnly(f"{what} {rank}: the CPU backfill provides a single process (rank 0 only)")


def _env_int(name):
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def _join_msrun(role):
    """Under ``msrun`` (a converted launch script), which starts a scheduler process beside the worker, both running
    the same script: the scheduler must serve the cluster, not train (with the single-process world alone it would
    run the whole training a second time, writing the same checkpoints), and the worker must register with it or
    the scheduler waits for it until it times out. MindSpore's own ``communication.init()`` does both on the CPU
    build (msrun's TCP cluster): in the scheduler it returns only when the workers are done (the process then
    exits here), in the worker it joins; the world stays the backfill's single process."""
    import sys

    workers = _env_int("MS_WORKER_NUM")
    if workers is not None and workers != 1:
        raise SingleProcessOnly(f"msrun --worker_num {workers}: the CPU backfill provides a single process "
                                "(launch with --worker_num 1 --local_worker_num 1)")
    from mindspore.communication import init

    init()
    if role == "MS_SCHED":
        sys.exit(0)


# --------------------------------------------------------------------------------------------- set-up / queries
@replaces("mindspore.mint.distributed.init_process_group")
def init_process_group(backend="hccl", init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    if _state["initialized"]:
        raise RuntimeError("trying to initialize the default process group twice")
    if os.environ.get("MS_ROLE") in ("MS_SCHED", "MS_WORKER"):
        _join_msrun(os.environ["MS_ROLE"])
    env_world, env_rank = _env_int("WORLD_SIZE"), _env_int("RANK")
    if world_size in (None, -1):
        world_size = env_world if env_world is not None else 1
    if rank in (None, -1):
        rank = env_rank if env_rank is not None else 0
    if int(world_size) != 1:
        raise SingleProcessOnly(
            f"init_process_group(world_size={world_size}): MindSpore's CPU build has no multi-process backend "
            "here; the CPU backfill provides world size 1 only (run multi-process jobs on Ascend with HCCL)")
    _check_rank(rank, "init_process_group(rank=...)")
    _state.update(initialized=True, backend=str(backend) if backend else "hccl", groups={}, counter=0)


@replaces("mindspore.mint.distributed.destroy_process_group")
def destroy_process_group(group=None):
    if group is None or group == WORLD_GROUP:
        _state.update(initialized=False, backend=None, groups={}, counter=0)
        return
    _check_group(group)
    _state["groups"].pop(group, None)


@replaces("mindspore.mint.distributed.is_initialized")
def is_initialized():
    return _state["initialized"]


@replaces("mindspore.mint.distributed.is_available")
def is_available():
    return True


@replaces("mindspore.mint.distributed.get_rank")
def get_rank(group=None):
    _check_group(group)
    return 0


@replaces("mindspore.mint.distributed.get_world_size")
def get_world_size(group=None):
    _check_group(group)
    return 1


@replaces("mindspore.mint.distributed.get_backend")
def get_backend(group=None):
    _check_group(group)
    return _state["backend"]


@replaces("mindspore.mint.distributed.new_group")
def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None):
    _need_init()
    ranks = [0] if ranks is None else [int(r) for r in ranks]
    if any(r != 0 for r in ranks):
        raise SingleProcessOnly(f"new_group(ranks={ranks}): the CPU backfill world has rank 0 only")
    _state["counter"] += 1
    name = f"mscore_cpu_group_{_state['counter']}"
    _state["groups"][name] = tuple(ranks)
    return name


@replaces("mindspore.mint.distributed.get_process_group_ranks")
def get_process_group_ranks(group=None):
    _check_group(group)
    return [0]


@replaces("mindspore.mint.distributed.get_global_rank")
def get_global_rank(group, group_rank):
    if group is not None:  # torch maps rank 0 of the default group without asking for a process group
        _check_group(group)
    _check_rank(group_rank, "get_global_rank(group_rank=...)")
    return 0


@replaces("mindspore.mint.distributed.get_group_rank")
def get_group_rank(group, global_rank):
    if group is not None:
        _check_group(group)
    _check_rank(global_rank, "get_group_rank(global_rank=...)")
    return 0


@replaces("mindspore.mint.distributed.barrier")
def barrier(group=None, async_op=False, device_ids=None):
    _check_group(group)
    return _done(async_op)


# --------------------------------------------------------------------------------------------------- collectives
_OPS = {"sum", "prod", "product", "max", "min", "avg", "mean", "band", "bor", "bxor"}


def _check_op(op):
    name = str(getattr(op, "name", op)).rsplit(".", 1)[-1].lower()
    if name not in _OPS:
        raise ValueError(f"unsupported reduce op {op!r}")


def _copy(dst, src, what):
    """The single rank's contribution into the output (an in-place copy: view-aware with the backfill on)."""
    if tuple(dst.shape) != tuple(src.shape):
        if dst.numel() != src.numel():
            raise ValueError(f"{what}: output has {dst.numel()} elements, input {src.numel()} (world size 1)")
        src = src.reshape(dst.shape)
    dst.copy_(src)


@replaces("mindspore.mint.distributed.all_reduce")
def all_reduce(tensor, op="sum", group=None, async_op=False):
    _check_group(group)
    _check_op(op)
    return _done(async_op)


@replaces("mindspore.mint.distributed.reduce")
def reduce(tensor, dst, op="sum", group=None, async_op=False):
    _check_group(group)
    _check_op(op)
    _check_rank(dst, "reduce(dst=...)")
    return _done(async_op)


@replaces("mindspore.mint.distributed.broadcast")
def broadcast(tensor, src, group=None, async_op=False):
    _check_group(group)
    _check_rank(src, "broadcast(src=...)")
    return _done(async_op)


@replaces("mindspore.mint.distributed.all_gather")
def all_gather(tensor_list, tensor, group=None, async_op=False):
    _check_group(group)
    if len(tensor_list) != 1:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} entries, the world size is 1")
    _copy(tensor_list[0], tensor, "all_gather")
    return _done(async_op)


@replaces("mindspore.mint.distributed.all_gather_into_tensor")
def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    _check_group(group)
    _copy(output_tensor, input_tensor, "all_gather_into_tensor")
    return _done(async_op)


@replaces("mindspore.mint.distributed.reduce_scatter_tensor")
def reduce_scatter_tensor(output, input, op="sum", group=None, async_op=False):
    _check_group(group)
    _check_op(op)
    _copy(output, input, "reduce_scatter_tensor")
    return _done(async_op)


@replaces("mindspore.mint.distributed.reduce_scatter")
def reduce_scatter(output, input_list, op="sum", group=None, async_op=False):
    _check_group(group)
    _check_op(op)
    if len(input_list) != 1:
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} entries, the world size is 1")
    _copy(output, input_list[0], "reduce_scatter")
    return _done(async_op)


@replaces("mindspore.mint.distributed.all_to_all")
def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    _check_group(group)
    if len(output_tensor_list) != 1 or len(input_tensor_list) != 1:
        raise ValueError("all_to_all: one output and one input tensor per list at world size 1")
    _copy(output_tensor_list[0], input_tensor_list[0], "all_to_all")
    return _done(async_op)


@replaces("mindspore.mint.distributed.all_to_all_single")
def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    _check_group(group)
    for sizes in (output_split_sizes, input_split_sizes):
        if sizes is not None and len(sizes) not in (0, 1):
            raise ValueError(f"all_to_all_single: split sizes {sizes} for a world of size 1")
    _copy(output, input, "all_to_all_single")
    return _done(async_op)


@replaces("mindspore.mint.distributed.gather")
def gather(tensor, gather_list, dst=0, group=None, async_op=False):
    _check_group(group)
    _check_rank(dst, "gather(dst=...)")
    if gather_list is not None:
        if len(gather_list) != 1:
            raise ValueError(f"gather: gather_list has {len(gather_list)} entries, the world size is 1")
        _copy(gather_list[0], tensor, "gather")
    return _done(async_op)


@replaces("mindspore.mint.distributed.scatter")
def scatter(tensor, scatter_list, src=0, group=None, async_op=False):
    _check_group(group)
    _check_rank(src, "scatter(src=...)")
    if not scatter_list or len(scatter_list) != 1:
        raise ValueError("scatter: rank 0 needs a scatter_list of one tensor at world size 1")
    _copy(tensor, scatter_list[0], "scatter")
    return _done(async_op)


@replaces("mindspore.mint.distributed.all_gather_object")
def all_gather_object(object_list, obj, group=None):
    _check_group(group)
    if len(object_list) != 1:
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries, the world size is 1")
    object_list[0] = obj


@replaces("mindspore.mint.distributed.broadcast_object_list")
def broadcast_object_list(object_list, src=0, group=None, device=None):
    _check_group(group)
    _check_rank(src, "broadcast_object_list(src=...)")


@replaces("mindspore.mint.distributed.gather_object")
def gather_object(obj, object_gather_list=None, dst=0, group=None):
    _check_group(group)
    _check_rank(dst, "gather_object(dst=...)")
    if object_gather_list is not None:
        object_gather_list[0] = obj


@replaces("mindspore.mint.distributed.scatter_object_list")
def scatter_object_list(scatter_object_output_list, scatter_object_input_list, src=0, group=None):
    _check_group(group)
    _check_rank(src, "scatter_object_list(src=...)")
    scatter_object_output_list[0] = scatter_object_input_list[0]


def _refuse_p2p(name):
    _need_init()
    raise SingleProcessOnly(
        f"{name}: point-to-point communication needs a peer process; the CPU backfill world has one process "
        "(pipeline parallelism needs Ascend / HCCL)")


@replaces("mindspore.mint.distributed.send")
def send(tensor, dst=0, group=None, tag=0):
    _refuse_p2p("send")


@replaces("mindspore.mint.distributed.recv")
def recv(tensor, src=0, group=None, tag=0):
    _refuse_p2p("recv")


@replaces("mindspore.mint.distributed.isend")
def isend(tensor, dst=0, group=None, tag=0):
    _refuse_p2p("isend")


@replaces("mindspore.mint.distributed.irecv")
def irecv(tensor, src=0, group=None, tag=0):
    _refuse_p2p("irecv")


@replaces("mindspore.mint.distributed.batch_isend_irecv")
def batch_isend_irecv(p2p_op_list):
    _refuse_p2p("batch_isend_irecv")


@replaces("mindspore.mint.distributed.send_object_list")
def send_object_list(object_list, dst, group=None, device=None):
    _refuse_p2p("send_object_list")


@replaces("mindspore.mint.distributed.recv_object_list")
def recv_object_list(object_list, src=0, group=None, device=None):
    _refuse_p2p("recv_object_list")


def reset():
    """Forget the process group (tests)."""
    _state.update(initialized=False, backend=None, groups={}, counter=0)

