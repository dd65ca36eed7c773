"""Fixtures and the torch-vs-MindSpore comparison helper for the CPU backfill tests.

torch and mindspore are both imported in the pytest process (the backfill tests compare them directly). The
backfill is global state: every test gets it switched on, and the session leaves it as it found it."""
from __future__ import annotations

import os

os.environ.setdefault("GLOG_v", "4")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ms = pytest.importorskip("mindspore")
torch = pytest.importorskip("torch")

ms.set_device("CPU")
ms.runtime.launch_blocking()

import mscore.backfill as backfill  # noqa: E402

ATOL = 1e-6
RTOL = 1e-5


@pytest.fixture(scope="session", autouse=True)
def _restore_backfill_state():
    was_on = backfill.is_enabled()
    yield
    if was_on:
        backfill.enable()
    else:
        backfill.disable()


@pytest.fixture(autouse=True)
def bf():
    backfill.enable()
    yield backfill


def rng(seed=0):
    return np.random.default_rng(seed)


def pos(*shape, seed=5):
    return (rng(seed).random(shape) + 0.5).astype(np.float32)


def randn(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(np.float32)


def to_ms(v):
    if isinstance(v, np.ndarray):
        return ms.Tensor(v)
    if isinstance(v, (list, tuple)) and v and all(isinstance(e, np.ndarray) for e in v):
        return type(v)(ms.Tensor(e) for e in v)
    return v


def to_torch(v, requires_grad=False):
    if isinstance(v, np.ndarray):
        t = torch.from_numpy(v.copy())
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    if isinstance(v, (list, tuple)) and v and all(isinstance(e, np.ndarray) for e in v):
        return type(v)(to_torch(e, requires_grad) for e in v)
    return v


def as_np(v):
    if isinstance(v, ms.Tensor):
        return v.asnumpy()
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return np.asarray(v)


_DT = {"Float32": "float32", "Int64": "int64", "Bool": "bool", "Int32": "int32", "Float64": "float64"}


def dtype_name(v):
    if isinstance(v, ms.Tensor):
        s = str(v.dtype)
        return _DT.get(s, s.lower())
    if isinstance(v, torch.Tensor):
        return str(v.dtype).replace("torch.", "")
    return type(v).__name__


def assert_same(ms_out, t_out, atol=ATOL, rtol=RTOL, check_dtype=True, what="output"):
    if isinstance(t_out, (tuple, list)):
        assert isinstance(ms_out, (tuple, list)), f"{what}: torch gave a sequence, mindspore {type(ms_out)}"
        assert len(ms_out) == len(t_out), f"{what}: {len(ms_out)} vs {len(t_out)} items"
        for i, (a, b) in enumerate(zip(ms_out, t_out)):
            assert_same(a, b, atol, rtol, check_dtype, f"{what}[{i}]")
        return
    a, b = as_np(ms_out), as_np(t_out)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    if check_dtype and isinstance(t_out, torch.Tensor):
        assert dtype_name(ms_out) == dtype_name(t_out), f"{what}: dtype {dtype_name(ms_out)} vs {dtype_name(t_out)}"
    if a.dtype == np.bool_ or b.dtype == np.bool_:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol, rtol=rtol, err_msg=what)


def _need_reason(atol, rtol, grad_atol, reason):
    if (atol > ATOL or rtol > RTOL or (grad_atol or 0) > 2 * ATOL) and not reason:
        raise AssertionError("a loosened tolerance needs reason=")


def parity(ms_fn, torch_fn, *arrays, atol=ATOL, rtol=RTOL, grad=True, grad_atol=None, check_dtype=True, seed=1,
           grad_inputs=None, reason=None):
    """Run ms_fn(*ms inputs) and torch_fn(*torch inputs), compare outputs; with grad=True also compare the
    gradients of sum(out * fixed cotangent) w.r.t. every float array input (or the positions in grad_inputs).
    A tolerance looser than atol=1e-6 / rtol=1e-5 needs a reason."""
    _need_reason(atol, rtol, grad_atol, reason)
    float_pos = [i for i, a in enumerate(arrays) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    if grad_inputs is not None:
        float_pos = list(grad_inputs)
    ms_in = [to_ms(a) for a in arrays]
    t_in = [to_torch(a, requires_grad=grad and i in float_pos) for i, a in enumerate(arrays)]
    t_out = torch_fn(*t_in)
    ms_out = ms_fn(*ms_in)
    assert_same(ms_out, t_out, atol, rtol, check_dtype)
    if not grad:
        return ms_out
    assert float_pos, "grad=True needs a float input"
    cot = rng(seed).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (t_out * torch.from_numpy(cot)).sum().backward()
    t_grads = [t_in[i].grad for i in float_pos]
    cot_ms = ms.Tensor(cot)

    def loss(*xs):
        return (ms_fn(*xs) * cot_ms).sum()

    ms_grads = ms.grad(loss, grad_position=tuple(float_pos))(*ms_in)
    if len(float_pos) == 1:
        ms_grads = (ms_grads,)
    for i, (g_ms, g_t) in zip(float_pos, zip(ms_grads, t_grads)):
        expect = np.zeros(arrays[i].shape, np.float32) if g_t is None else g_t.numpy()
        np.testing.assert_allclose(g_ms.asnumpy(), expect, atol=grad_atol or atol * 2, rtol=rtol,
                                   err_msg=f"grad of input {i}")
    return ms_out


def cell_parity(ms_cell, t_mod, *arrays, atol=ATOL, rtol=RTOL, grad=True, grad_atol=None, seed=1, reason=None):
    """Load the torch module's state_dict into the mint cell (same keys), compare forward and gradients w.r.t.
    float inputs and parameters."""
    _need_reason(atol, rtol, grad_atol, reason)
    t_sd = t_mod.state_dict()
    ms_sd = ms_cell.state_dict() if hasattr(ms_cell, "state_dict") else {}
    assert set(k for k in t_sd if not k.endswith("num_batches_tracked")) == \
        set(k for k in ms_sd if not k.endswith("num_batches_tracked")), f"state_dict keys differ: {set(t_sd)} vs {set(ms_sd)}"
    for name, p in ms_cell.parameters_and_names():
        src = t_sd[name].detach().numpy()
        p.set_data(ms.Tensor(src.astype(p.asnumpy().dtype)))
    params = [p for _, p in ms_cell.parameters_and_names() if p.requires_grad]
    t_params = dict(t_mod.named_parameters())
    ms_in = [to_ms(a) for a in arrays]
    t_in = [to_torch(a, requires_grad=grad) for a in arrays]
    t_out = t_mod(*t_in)
    ms_out = ms_cell(*ms_in)
    assert_same(ms_out, t_out, atol, rtol)
    if not grad:
        return
    cot = rng(seed).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (t_out * torch.from_numpy(cot)).sum().backward()
    cot_ms = ms.Tensor(cot)
    float_pos = [i for i, a in enumerate(arrays) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]

    def loss(*xs):
        return (ms_cell(*xs) * cot_ms).sum()

    gfn = ms.grad(loss, grad_position=tuple(float_pos) if float_pos else None, weights=params)
    if float_pos:
        g_inputs, g_params = gfn(*ms_in)
    else:
        g_inputs, g_params = (), gfn(*ms_in)
    if len(float_pos) == 1:
        g_inputs = (g_inputs,)
    tol = grad_atol or atol * 2
    for i, g in zip(float_pos, g_inputs or ()):
        np.testing.assert_allclose(g.asnumpy(), t_in[i].grad.numpy(), atol=tol, rtol=rtol, err_msg=f"grad input {i}")
    names = [n for n, p in ms_cell.parameters_and_names() if p.requires_grad]
    for n, g in zip(names, g_params):
        tg = t_params[n].grad
        expect = np.zeros(g.shape, np.float32) if tg is None else tg.numpy()
        np.testing.assert_allclose(g.asnumpy(), expect, atol=tol, rtol=rtol, err_msg=f"grad {n}")


@pytest.fixture(autouse=True)
def _no_op_recording():
    """The backfill's in-place methods are tested as plain (untaped) PyNative code. A test module elsewhere that
    imports mscore.runtime.autograd at collection switches op recording on for the process; with it on, MindSpore
    refuses in-place writes to a Parameter, as torch does for leaves that require grad. Off here, restored after."""
    from mindspore.common.api import _pynative_executor as executor

    before = executor.grad_flag()
    executor.set_grad_flag(False)
    yield
    executor.set_grad_flag(before)
