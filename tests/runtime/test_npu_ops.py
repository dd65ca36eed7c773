"""torch_npu.npu_apply_adam_w as MindSpeed's fused AdamW calls it, converted and run on MindSpore, against
torch.optim.AdamW on the same parameters and gradients (the optimizer MindSpeed's kernel replaces)."""
from __future__ import annotations

import os
import sys
import textwrap

import numpy as np
import pytest

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules

os.environ.setdefault("GLOG_v", "4")

STEP = """
    import torch_npu
    def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr, weight_decay, maximize):
        beta1, beta2 = 0.9, 0.99
        param.data, exp_avg, exp_avg_sq = torch_npu.npu_apply_adam_w(
            beta1 ** (step - 1), beta2 ** (step - 1), lr, weight_decay, beta1, beta2, 1e-8, grad, None, False,
            maximize, out=(param.data, exp_avg, exp_avg_sq))
"""


@pytest.mark.parametrize("weight_decay,maximize", [(0.0, False), (0.1, False), (0.05, True)])
def test_npu_apply_adam_w_matches_torch_adamw(weight_decay, maximize):
    import mindspore as ms
    import torch

    import mscore.runtime

    sys.modules.setdefault("mscore_rt", mscore.runtime)
    result = convert_source(textwrap.dedent(STEP).encode(), "t.py", load_rules())
    assert not result.unconverted and "torch" not in result.output.decode().replace("mscore_rt", "")
    ns: dict = {}
    exec(compile(result.output.decode(), "<converted>", "exec"), ns)

    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((4, 3)).astype(np.float32)
    grads = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(4)]
    tp = torch.nn.Parameter(torch.tensor(w0))
    opt = torch.optim.AdamW([tp], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=weight_decay,
                            maximize=maximize)
    mp = ms.Parameter(ms.Tensor(w0), name="w")
    m = ms.ops.zeros((4, 3), ms.float32)
    v = ms.ops.zeros((4, 3), ms.float32)
    m_id, v_id = id(m), id(v)
    for step, g in enumerate(grads, 1):
        tp.grad = torch.tensor(g)
        opt.step()
        ns["adamw_step"](mp, ms.Tensor(g), m, v, step, 0.01, weight_decay, maximize)
    state = opt.state[tp]
    np.testing.assert_allclose(mp.asnumpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.asnumpy(), state["exp_avg"].numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(v.asnumpy(), state["exp_avg_sq"].numpy(), rtol=1e-5, atol=1e-8)
    assert (id(m), id(v)) == (m_id, v_id)        # the optimizer state is updated in place, as the kernel does
    assert not np.allclose(mp.asnumpy(), w0)
