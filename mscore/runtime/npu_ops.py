"""torch_npu's fused kernels that have no MindSpore function, as compositions of MindSpore ops.

``npu_apply_adam_w`` is the step of MindSpeed's default optimizer (``--optimizer-selection fused_adamw``: its
``AdamW.step`` calls it once per parameter, passing the bias-correction powers of the *previous* step,
``beta ** (step - 1)``, and ``out=(param.data, exp_avg, exp_avg_sq)``). The kernel updates the three ``out`` tensors
in place and returns them; the composition here does the same with ``Tensor.copy_`` (in place on Ascend, and on
the CPU build with the backfill), torch.optim.AdamW's arithmetic (decoupled weight decay):

    g = -grad if maximize else grad
    var = var * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
    bc1 = 1 - beta1_power * beta1;     bc2 = 1 - beta2_power * beta2
    denom = sqrt(max(max_grad_norm, v) if amsgrad else v) / sqrt(bc2) + eps
    var = var - lr / bc1 * m / denom
"""
from __future__ import annotations

import math

from mindspore import mint

__all__ = ["npu_apply_adam_w"]


def npu_apply_adam_w(beta1_power, beta2_power, lr, weight_decay, beta1, beta2, eps, grad, max_grad_norm,
                     amsgrad, maximize, *, state):
    """``torch_npu.npu_apply_adam_w(..., out=(var, m, v))``: one AdamW step written into ``var``, ``m``, ``v``."""
    var, m, v = state
    g = -grad if maximize else grad
    if g.dtype != var.dtype:
        g = g.astype(var.dtype)
    m_new = m * beta1 + g * (1 - beta1)
    v_new = v * beta2 + g * g * (1 - beta2)
    bc1 = 1 - float(beta1_power) * beta1
    bc2 = 1 - float(beta2_power) * beta2
    second = mint.maximum(max_grad_norm, v_new) if amsgrad and max_grad_norm is not None else v_new
    denom = mint.sqrt(second) / math.sqrt(bc2) + eps
    var_new = var * (1 - lr * weight_decay) - (lr / bc1) * m_new / denom
    m.copy_(m_new)
    v.copy_(v_new)
    var.copy_(var_new)
    return var, m, v
