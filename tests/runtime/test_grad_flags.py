"""mscore_rt.grad_flags: requires_grad / is_leaf accessors that leave MindSpore's op recording alone unless a plain
tensor is marked (tape use). A fresh process each: importing mscore_rt.autograd switches recording on process-wide."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("mindspore")

_CODE = """
import sys
import numpy as np
import mindspore as ms
from mindspore import nn
from mindspore.graph.api import _pynative_executor as ex
ms.set_device("CPU")
from mscore.runtime import grad_flags as gf

net = nn.Dense(3, 2)
w = net.weight
assert gf.requires_grad(w) is True and gf.is_leaf(w)
gf.set_requires_grad(w, False)
assert w.requires_grad is False and gf.requires_grad(w) is False
assert gf.requires_grad_(net, True) is net and w.requires_grad
assert gf.requires_grad_(w, False) is w and not w.requires_grad
kept = [p.name for p in net.get_parameters() if gf.requires_grad(p)]
assert kept == [net.bias.name], kept
print("NO_TAPE", "mscore.runtime.autograd" not in sys.modules, ex.grad_flag())

x = ms.Tensor(np.ones(3, np.float32))
assert gf.requires_grad_(x) is x and gf.requires_grad(x)
from mscore.runtime import autograd
y = (x * x).sum()
autograd.backward(y)
print("TAPE", "mscore.runtime.autograd" in sys.modules, ex.grad_flag(), autograd.grad_of(x).asnumpy().tolist())
"""


def test_flags_without_tape_then_tape_for_a_plain_tensor():
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, GLOG_v="4"))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "NO_TAPE True False" in out.stdout, out.stdout
    assert "TAPE True True [2.0, 2.0, 2.0]" in out.stdout, out.stdout
