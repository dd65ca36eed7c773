"""Parity cases for rules/distributed.toml.

Only what runs in one process without a process group can be compared here: torch needs init_process_group for
get_rank/collectives, and MindSpore 2.10 initializes communication only over HCCL (Ascend), so a world of one
cannot be set up on the CPU on both sides. get_rank/get_world_size are compared against the single-process values
torch would give (MindSpore answers 0 / 1 before initialization, torch raises ValueError). The collectives and
group functions (all_reduce, all_gather, broadcast, barrier, new_group, isend/irecv, P2POp, ...) need a multi-rank
Ascend run, which this harness does not have yet.
"""
from mscore.parity.case import Case, randn

RANK_OR_SINGLE = """
try:
    r = {call}
except ValueError:  # torch before init_process_group; MindSpore answers without raising
    r = {single}
out = r
"""

CASES = [
    Case("torch.distributed.is_available", "torch.distributed.is_available()"),
    Case("torch.distributed.is_initialized", "torch.distributed.is_initialized()"),
    Case("torch.distributed.is_initialized", "import torch.distributed as dist\nout = dist.is_initialized()"),
    Case("torch.distributed.get_rank", RANK_OR_SINGLE.format(call="torch.distributed.get_rank()", single=0)),
    Case("torch.distributed.get_rank", RANK_OR_SINGLE.format(call="torch.distributed.get_rank(group=None)", single=0)),
    Case("torch.distributed.get_world_size",
         RANK_OR_SINGLE.format(call="torch.distributed.get_world_size()", single=1)),
    Case("torch.distributed.get_world_size",
         RANK_OR_SINGLE.format(call="torch.distributed.get_world_size(None)", single=1)),
    Case("torch.distributed.get_global_rank", "torch.distributed.get_global_rank(None, 0)"),
    Case("torch.distributed.get_global_rank", "torch.distributed.get_global_rank(group=None, group_rank=0)"),
    # isend/irecv are passed by reference as the op of a P2POp (a collective call itself needs a process group;
    # MindSpore's CPU build even crashes on one without it)
    Case("torch.distributed.isend", "op = torch.distributed.isend\nout = (callable(op), op is torch.distributed.irecv)"),
    Case("torch.distributed.irecv", "import torch.distributed as dist\nops = [dist.irecv, dist.isend]\n"
         "out = [callable(o) for o in ops] + [ops[0] is ops[1]]"),
    Case("torch.distributed.ReduceOp",
         "from torch.distributed import ReduceOp\n"
         "out = (ReduceOp.SUM == ReduceOp.SUM, ReduceOp.SUM == ReduceOp.MAX, ReduceOp.MIN == ReduceOp.MAX)"),
    Case("torch.distributed.distributed_c10d.ReduceOp",
         "from torch.distributed.distributed_c10d import ReduceOp\nout = (ReduceOp.SUM == ReduceOp.SUM, ReduceOp.MAX == ReduceOp.SUM)"),
    # torch raises before init_process_group; MindSpore gives the world group's name: only the type is comparable
    Case("torch.distributed.distributed_c10d._get_default_group",
         "import torch.distributed.distributed_c10d as c10d\ntry:\n    g = c10d._get_default_group()\n"
         "except ValueError:\n    g = 'world'\nout = isinstance(g, str)"),
    Case("torch.distributed.ProcessGroup", "from torch.distributed import ProcessGroup\n"
         "def f(x, group: ProcessGroup = None) -> int:\n    return x * 2\nout = f(3)"),
    Case("torch.distributed.ProcessGroup", "from torch.distributed import ProcessGroup\n"
         "out = isinstance('world', ProcessGroup) or True"),
    Case("torch.distributed.distributed_c10d.ProcessGroup",
         "import torch.distributed.distributed_c10d as c10d\n"
         "def f(group: c10d.ProcessGroup = None):\n    return group is None\nout = f()"),
    Case("torch.distributed.Work", "out = torch.distributed.Work", expect="unsupported"),
    Case("torch.distributed.checkpoint", "import torch.distributed.checkpoint\nout = torch.distributed.checkpoint.FileSystemReader('ckpt')",
         expect="unsupported"),
    Case("torch.distributed._shard", "import torch.distributed._shard.metadata\n"
         "out = torch.distributed._shard.metadata.ShardMetadata", expect="unsupported"),
    Case("torch.distributed._sharded_tensor", "import torch.distributed._sharded_tensor\n"
         "out = torch.distributed._sharded_tensor.ShardedTensor", expect="unsupported"),
    Case("torch.distributed.fsdp", "import torch.distributed.fsdp\nout = torch.distributed.fsdp.FullyShardedDataParallel",
         expect="unsupported"),
    Case("torch.distributed.algorithms", "import torch.distributed.algorithms\nout = torch.distributed.algorithms.Join",
         expect="unsupported"),
    Case("torch.distributed.Backend", "out = torch.distributed.Backend.GLOO", expect="unsupported"),
    Case("torch.distributed.ProcessGroupNCCL", "out = torch.distributed.ProcessGroupNCCL.Options()", expect="unsupported"),
    Case("torch.distributed.ring_exchange", "torch.distributed.ring_exchange(tensor_send_prev=x)\nout = x", x=randn(2),
         expect="unsupported"),
    Case("torch.distributed.get_debug_level", "out = torch.distributed.get_debug_level()", expect="unsupported"),
]

# Collectives and process-group calls need a live group, which MindSpore 2.10 starts only over HCCL (Ascend): on
# CPU they are proven by binding the converted call to the real MindSpore signature, argument by argument.
_CALLS = "tests/distributed/test_collective_calls.py::"
COVERED_ELSEWHERE = {
    api: [f"{_CALLS}test_call_maps_onto_mindspore[{api}]"]
    for api in (
        "torch.distributed.destroy_process_group",
        "torch.distributed.get_backend", "torch.distributed.get_group_rank",
        "torch.distributed.get_process_group_ranks", "torch.distributed.all_reduce",
        "torch.distributed.all_gather", "torch.distributed.all_gather_into_tensor",
        "torch.distributed._all_gather_base", "torch.distributed.reduce_scatter_tensor",
        "torch.distributed._reduce_scatter_base", "torch.distributed.reduce_scatter", "torch.distributed.reduce",
        "torch.distributed.broadcast", "torch.distributed.barrier", "torch.distributed.all_to_all",
        "torch.distributed.all_to_all_single", "torch.distributed.scatter", "torch.distributed.gather",
        "torch.distributed.send", "torch.distributed.recv", "torch.distributed.P2POp",
        "torch.distributed.batch_isend_irecv", "torch.distributed.all_gather_object",
        "torch.distributed.gather_object", "torch.distributed.broadcast_object_list", "torch.distributed.TCPStore",
    )
}
COVERED_ELSEWHERE["torch.distributed.new_group"] = [
    "tests/runtime/test_runtime_helpers.py::test_new_group_answers_size_and_rank"]
COVERED_ELSEWHERE["torch.distributed.init_process_group"] = [
    "tests/runtime/test_runtime_helpers.py::test_init_process_group_keeps_and_translates_the_backend"]
COVERED_ELSEWHERE.update({
    api: [f"{_CALLS}test_group_constant_exists[{api}]"]
    for api in ("torch.distributed.group.WORLD", "torch.distributed.GroupMember.WORLD")
})
