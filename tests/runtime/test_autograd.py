"""mscore/runtime/autograd.py: what the parity cases cannot show (state of MindSpore's grad flag and grad mode,
dispatch on objects that are not MindSpore tensors / optimizers, error messages). Behaviour against torch: the
parity cases in tests/parity/cases/cases_autograd.py. Runs with the CPU backfill on, as a converted program on CPU
has it (in-place zero_ of a gradient)."""
from __future__ import annotations

import os
import types

import pytest

os.environ.setdefault("GLOG_v", "4")
ms = pytest.importorskip("mindspore")

import numpy as np  # noqa: E402
from mindspore import mint  # noqa: E402
from mindspore.graph.api import _pynative_executor as executor  # noqa: E402

import mscore.backfill as backfill  # noqa: E402
from mscore.runtime import autograd as ag  # noqa: E402
from mscore.runtime import grad_flags as gf  # noqa: E402
from mscore.runtime import grad_mode  # noqa: E402


@pytest.fixture(autouse=True)
def _backfill():
    was_on = backfill.is_enabled()
    backfill.enable()
    ag.record()   # a converted program has recording on from the helper's import; other tests may have switched it off
    yield
    if not was_on:
        backfill.disable()


def leaf(values):
    return ag.requires_grad_(ms.Tensor(np.array(values, np.float32)))


def test_recording_is_rearmed_after_value_and_grad():
    """mindspore.value_and_grad switches op recording off when its forward ends; once the tape is in use, it is
    switched on again after the call, and every runtime entry switches it on as well."""
    w = ms.Parameter(ms.Tensor(np.ones(3, np.float32)), name="w_rearm")
    _, (gw,) = ms.value_and_grad(lambda: (w * 2).sum(), None, [w])()
    assert np.allclose(gw.asnumpy(), [2.0, 2.0, 2.0])     # the functional gradient is unchanged
    assert executor.grad_flag()
    x = ms.Tensor(np.array([1.0, 2.0], np.float32))
    x.requires_grad_(True)
    ag.backward((x * x).sum())
    assert np.allclose(ag.grad_of(x).asnumpy(), [2.0, 4.0])
    executor.set_grad_flag(False)
    ag.requires_grad_(x)                       # an entry point re-arms
    assert executor.grad_flag()


def test_backward_on_an_unrecorded_output_says_why():
    x = leaf([1.0, 2.0])
    executor.set_grad_flag(False)
    try:
        y = (x * x).sum()
    finally:
        ag.record()
    with pytest.raises(RuntimeError, match="op recording was off"):
        ag.backward(y)


def test_plain_objects_fall_back_to_their_attributes():
    ns = types.SimpleNamespace(grad=5, requires_grad=False, is_leaf=True)
    assert ag.grad_of(ns) == 5
    ag.set_grad(ns, 7)
    assert ns.grad == 7
    assert gf.requires_grad(ns) is False
    gf.set_requires_grad(ns, True)
    assert ns.requires_grad is True
    assert gf.is_leaf(ns) is True


def test_step_and_zero_grad_call_other_objects_own_methods():
    calls = []

    class Sched:
        def step(self, *a, **k):
            calls.append(("step", a, k))
            return "stepped"

        def zero_grad(self, set_to_none=True):
            calls.append(("zero_grad", set_to_none))

    s = Sched()
    assert ag.step(s, 3) == "stepped"
    ag.zero_grad(s, False)
    assert calls == [("step", (3,), {}), ("zero_grad", False)]


def test_zero_grad_keeps_tensors_when_set_to_none_is_false():
    lin = mint.nn.Linear(3, 2)
    ag.backward(lin(ms.Tensor(np.ones((2, 3), np.float32))).sum())
    g = ag.grad_of(lin.weight)
    ag.zero_grad(lin, set_to_none=False)
    assert ag.grad_of(lin.weight) is not None and float(mint.abs(ag.grad_of(lin.weight)).sum()) == 0.0
    assert float(mint.abs(g).sum()) == 0.0     # zeroed in place: an earlier reference sees it
    ag.zero_grad(lin)
    assert ag.grad_of(lin.weight) is None


def test_step_with_closure_returns_its_loss():
    from mindspore.experimental.optim import SGD

    w = ms.Parameter(ms.Tensor(np.array([1.0, -1.0], np.float32)), name="w_closure")
    opt = SGD([w], lr=0.5)

    def closure():
        ag.zero_grad(opt)
        loss = (w * w).sum()
        ag.backward(loss)
        return loss

    loss = ag.step(opt, closure)
    assert float(loss) == 2.0
    assert np.allclose(w.asnumpy(), [0.0, 0.0])     # w - 0.5 * 2w


def test_set_grad_enabled_as_a_decorator_applies_inside_only():
    x = leaf([1.0])

    @grad_mode.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert grad_mode.is_grad_enabled()
    assert not gf.requires_grad(f(x))
    assert grad_mode.is_grad_enabled()
    assert gf.requires_grad(x * 2)


def test_enable_grad_rearms_recording_once_the_tape_is_in_use():
    """Recording off (as a functional gradient's end leaves it): grad_mode's switches turn it on again, since the
    tape (ag) registered its record with them."""
    executor.set_grad_flag(False)
    x = ms.Tensor(np.array([1.0, 3.0], np.float32))
    x.requires_grad_(True)                      # MindSpore's own: does not re-arm
    with grad_mode.enable_grad():
        y = (x * x).sum()
    assert executor.grad_flag()
    ag.backward(y)
    assert np.allclose(ag.grad_of(x).asnumpy(), [2.0, 6.0])


def test_requires_grad_on_a_cell_sets_every_parameter():
    lin = mint.nn.Linear(3, 2)
    assert ag.requires_grad_(lin, False) is lin
    assert not any(p.requires_grad for p in lin.get_parameters())


def test_requires_grad_false_on_a_non_leaf_raises_like_torch():
    h = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        ag.requires_grad_(h, False)


def test_is_grads_batched_is_refused():
    x = leaf([1.0])
    with pytest.raises(NotImplementedError):
        ag.grad((x * x).sum(), x, is_grads_batched=True)


TAPE_PROGRAM = '''\
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

rng = np.random.default_rng(0)
x = torch.tensor(rng.uniform(-1, 1, (16, 4)).astype(np.float32))
y = torch.tensor(rng.uniform(-0.5, 0.5, (16, 1)).astype(np.float32))
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def forward_backward(xb, yb):
    loss = F.mse_loss(model(xb), yb)
    loss.backward()
    return loss


losses = []
for step in range(4):
    opt.zero_grad()
    loss = forward_backward(x, y)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    model[0].bias.grad = model[0].bias.grad * 0.5
    opt.step()
    losses.append(float(loss.item()))
torch.save({"w": model[2].weight, "losses": losses}, sys.argv[1])
back = torch.load(sys.argv[1])
print(json.dumps({"losses": losses, "w": back["w"].tolist() if hasattr(back["w"], "tolist") else back["w"].asnumpy().tolist(),
                  "same": back["losses"] == losses}))
'''


def test_a_converted_tree_trains_on_the_tape_without_mscore(tmp_path):
    """The tape as users get it: a converted tree (mscore_rt written into it, imported as a real package, grad_mode
    through its relative import) runs in a fresh interpreter without torch, and trains and checkpoints as torch
    does (momentum SGD, clipping and a .grad store between backward and step)."""
    import json
    import subprocess
    import sys

    from mscore.tree import convert_tree, write_tree

    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(TAPE_PROGRAM)
    out = tmp_path / "out"
    write_tree(convert_tree(src, jobs=1), out)
    text = (out / "train.py").read_text()
    assert "from mscore_rt import autograd, nn_ops, serialization" in text and "import torch" not in text, text
    # torch blocked; the CPU backfill on (mint kernels the CPU wheel lacks), as converted programs run on CPU
    block = ("import importlib.abc, runpy, sys\n"
             "class Block(importlib.abc.MetaPathFinder):\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] == 'torch':\n"
             "            raise ModuleNotFoundError(name)\n"
             "sys.meta_path.insert(0, Block())\n"
             "import mindspore\nmindspore.set_device('CPU')\nimport mscore.backfill\nmscore.backfill.enable()\n"
             "sys.path.insert(0, sys.argv[1])\nsys.argv = [sys.argv[2], sys.argv[3]]\n"
             "runpy.run_path(sys.argv[0], run_name='__main__')\n"
             "import mscore_rt.autograd\nassert mscore_rt.autograd.__file__.startswith(sys.path[0])\n")
    env = dict(os.environ, GLOG_v="4")
    ms_run = subprocess.run([sys.executable, "-c", block, str(out), str(out / "train.py"), str(tmp_path / "m.ckpt")],
                            capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert ms_run.returncode == 0, ms_run.stderr[-3000:]
    torch_run = subprocess.run([sys.executable, str(src / "train.py"), str(tmp_path / "t.ckpt")],
                               capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert torch_run.returncode == 0, torch_run.stderr[-3000:]
    got = json.loads(ms_run.stdout.strip().splitlines()[-1])
    want = json.loads(torch_run.stdout.strip().splitlines()[-1])
    assert got["same"] and want["same"]
    assert len(set(want["losses"])) == 4      # it trains: every step a different loss
    assert np.allclose(got["losses"], want["losses"], rtol=1e-5, atol=1e-6), (got["losses"], want["losses"])
    assert np.allclose(got["w"], want["w"], rtol=1e-5, atol=1e-6)
