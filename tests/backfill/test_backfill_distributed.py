"""mint.distributed on CPU with the backfill: a world of one process, compared with torch.distributed running the
same calls in a real world-size-1 gloo group (file store, no network)."""
from __future__ import annotations

import numpy as np
import pytest

from mscore.backfill import _distributed
from tests.backfill.conftest import ms, randn, torch

import mindspore.mint.distributed as mdist
import torch.distributed as tdist


@pytest.fixture
def worlds(tmp_path):
    """Both sides initialised: torch with gloo (world size 1), MindSpore through the backfill with backend hccl."""
    _distributed.reset()
    tdist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", world_size=1, rank=0)
    mdist.init_process_group(backend="hccl")
    yield
    tdist.destroy_process_group()
    _distributed.reset()


def _both(fn_t, fn_m):
    """Run fn(lib, T) on torch and MindSpore, return numpy results."""
    t = fn_t()
    m = fn_m()
    return [x.numpy() if isinstance(x, torch.Tensor) else x for x in t], \
        [x.asnumpy() if isinstance(x, ms.Tensor) else x for x in m]


X = randn(4, 3)


def _tensor_cases():
    def all_reduce(d, T, op):
        x = T(X.copy())
        d.all_reduce(x, op)
        return [x]

    def broadcast(d, T):
        x = T(X.copy())
        d.broadcast(x, 0)
        return [x]

    def all_gather(d, T):
        out = [T(np.zeros_like(X))]
        d.all_gather(out, T(X))
        return out

    def all_gather_into_tensor(d, T):
        out = T(np.zeros_like(X))
        d.all_gather_into_tensor(out, T(X))
        return [out]

    def all_gather_into_buffer_slice(d, T):
        buf = T(np.zeros(20, np.float32))
        d.all_gather_into_tensor(buf[4:16], T(X.reshape(-1)))  # Megatron's param all-gather into a bucket view
        return [buf]

    def barrier_async(d, T):
        work = d.barrier(async_op=True)
        return [work.wait() in (True, None)]

    def async_all_reduce(d, T):
        x = T(X.copy())
        d.all_reduce(x, async_op=True).wait()
        return [x]

    def new_group_queries(d, T):
        g = d.new_group([0])
        return [d.get_rank(g), d.get_world_size(g), d.get_rank(), d.get_world_size(), d.is_initialized(),
                list(d.get_process_group_ranks(g))]

    def objects(d, T):
        out = [None]
        d.all_gather_object(out, {"a": 1})
        lst = [3, "x"]
        d.broadcast_object_list(lst, src=0)
        return [out, lst]

    return {
        "all_reduce_sum": (lambda: all_reduce(tdist, torch.tensor, tdist.ReduceOp.SUM),
                           lambda: all_reduce(mdist, ms.Tensor, "sum")),
        "all_reduce_max": (lambda: all_reduce(tdist, torch.tensor, tdist.ReduceOp.MAX),
                           lambda: all_reduce(mdist, ms.Tensor, "max")),
        "broadcast": (lambda: broadcast(tdist, torch.tensor), lambda: broadcast(mdist, ms.Tensor)),
        "all_gather": (lambda: all_gather(tdist, torch.tensor), lambda: all_gather(mdist, ms.Tensor)),
        "all_gather_into_tensor": (lambda: all_gather_into_tensor(tdist, torch.tensor),
                                   lambda: all_gather_into_tensor(mdist, ms.Tensor)),
        "all_gather_into_buffer_slice": (lambda: all_gather_into_buffer_slice(tdist, torch.tensor),
                                         lambda: all_gather_into_buffer_slice(mdist, ms.Tensor)),
        "barrier_async": (lambda: barrier_async(tdist, torch.tensor), lambda: barrier_async(mdist, ms.Tensor)),
        "async_all_reduce": (lambda: async_all_reduce(tdist, torch.tensor),
                             lambda: async_all_reduce(mdist, ms.Tensor)),
        "new_group_queries": (lambda: new_group_queries(tdist, torch.tensor),
                              lambda: new_group_queries(mdist, ms.Tensor)),
        "objects": (lambda: objects(tdist, torch.tensor), lambda: objects(mdist, ms.Tensor)),
    }


CASES = _tensor_cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_against_torch_gloo_world_of_one(case, worlds):
    t, m = _both(*CASES[case])
    assert len(t) == len(m)
    for a, b in zip(m, t):
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


def test_collectives_gloo_lacks(worlds):
    """reduce_scatter_tensor / all_to_all(_single) / gather / scatter at world size 1: the output is the input (torch's
    semantics for one rank), including into a view of a larger buffer."""
    x = ms.Tensor(X)
    for call in (lambda o: mdist.reduce_scatter_tensor(o, x), lambda o: mdist.all_to_all_single(o, x),
                 lambda o: mdist.all_to_all([o], [x]), lambda o: mdist.gather(x, [o]),
                 lambda o: mdist.scatter(o, [x]), lambda o: mdist.reduce_scatter(o, [x])):
        out = ms.Tensor(np.zeros_like(X))
        assert call(out) is None
        np.testing.assert_array_equal(out.asnumpy(), X)
    buf = ms.Tensor(np.zeros(16, np.float32))
    mdist.reduce_scatter_tensor(buf[2:14], ms.Tensor(X.reshape(-1)))
    expect = np.zeros(16, np.float32)
    expect[2:14] = X.reshape(-1)
    np.testing.assert_array_equal(buf.asnumpy(), expect)


def test_init_accepts_any_backend_and_lifecycle():
    _distributed.reset()
    assert not mdist.is_initialized()
    with pytest.raises(ValueError, match="not been initialized"):  # torch raises ValueError too
        mdist.get_rank()
    with pytest.raises(ValueError, match="not been initialized"):
        tdist.get_rank()
    for backend in ("hccl", "nccl", "gloo", "mccl"):
        mdist.init_process_group(backend=backend, world_size=1, rank=0)
        assert mdist.is_initialized() and mdist.get_backend() == backend
        assert (mdist.get_rank(), mdist.get_world_size()) == (0, 1)
        with pytest.raises(RuntimeError, match="twice"):
            mdist.init_process_group(backend=backend)
        mdist.destroy_process_group()
        assert not mdist.is_initialized()


def test_more_than_one_process_is_refused(monkeypatch):
    _distributed.reset()
    with pytest.raises(_distributed.SingleProcessOnly, match="world size 1"):
        mdist.init_process_group(backend="hccl", world_size=2, rank=0)
    with pytest.raises(_distributed.SingleProcessOnly, match="rank 0"):
        mdist.init_process_group(backend="hccl", world_size=1, rank=1)
    monkeypatch.setenv("WORLD_SIZE", "8")
    with pytest.raises(_distributed.SingleProcessOnly):
        mdist.init_process_group(backend="hccl")
    monkeypatch.setenv("WORLD_SIZE", "1")
    mdist.init_process_group(backend="hccl")
    try:
        with pytest.raises(_distributed.SingleProcessOnly):
            mdist.new_group([0, 1])
        with pytest.raises(_distributed.SingleProcessOnly):
            mdist.broadcast(ms.Tensor(X), src=1)
        t = ms.Tensor(X)
        for p2p in (lambda: mdist.send(t, 0), lambda: mdist.recv(t, 0), lambda: mdist.isend(t, 0),
                    lambda: mdist.irecv(t, 0), lambda: mdist.batch_isend_irecv([])):
            with pytest.raises(_distributed.SingleProcessOnly, match="point-to-point"):
                p2p()
        with pytest.raises(ValueError, match="unknown process group"):
            mdist.get_rank("no_such_group")
        with pytest.raises(ValueError, match="world size is 1"):
            mdist.all_gather([ms.Tensor(X), ms.Tensor(X)], ms.Tensor(X))
    finally:
        _distributed.reset()


def test_msrun_roles(monkeypatch):
    """Under msrun the scheduler process runs the same script: it serves the cluster (MindSpore's own init) and
    exits instead of training; the worker joins the cluster and gets the single-process world."""
    import mindspore.communication as comm

    calls = []
    monkeypatch.setattr(comm, "init", lambda *a, **k: calls.append(a))
    _distributed.reset()
    monkeypatch.setenv("MS_ROLE", "MS_SCHED")
    monkeypatch.setenv("MS_WORKER_NUM", "1")
    with pytest.raises(SystemExit) as exc:
        mdist.init_process_group(backend="hccl")
    assert exc.value.code == 0 and len(calls) == 1 and not mdist.is_initialized()
    monkeypatch.setenv("MS_ROLE", "MS_WORKER")
    mdist.init_process_group(backend="hccl")
    try:
        assert len(calls) == 2 and (mdist.get_rank(), mdist.get_world_size()) == (0, 1)
    finally:
        _distributed.reset()
    monkeypatch.setenv("MS_WORKER_NUM", "2")
    with pytest.raises(_distributed.SingleProcessOnly, match="worker_num 2"):
        mdist.init_process_group(backend="hccl")
    assert len(calls) == 2
