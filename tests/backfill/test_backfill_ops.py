"""Backfilled fused ``mindspore.ops`` functions (targets of the torch_npu rules) against plain torch math."""
from __future__ import annotations

from tests.backfill.conftest import parity, randn, torch

from mindspore import ops


def _t_rms(x, g, eps):
    rstd = torch.rsqrt((x * x).mean(-1, keepdim=True) + eps)
    return x * rstd * g, rstd


def test_rms_norm():
    parity(lambda x, g: ops.rms_norm(x, g), lambda x, g: _t_rms(x, g, 1e-6), randn(2, 3, 8), randn(8, seed=1),
           grad=False)
    parity(lambda x, g: ops.rms_norm(x, g, epsilon=1e-5)[0], lambda x, g: _t_rms(x, g, 1e-5)[0], randn(2, 3, 8),
           randn(8, seed=1))


def test_rms_norm_two_dims():
    def t_fn(x, g):
        rstd = torch.rsqrt((x * x).mean((-2, -1), keepdim=True) + 1e-6)
        return x * rstd * g

    parity(lambda x, g: ops.rms_norm(x, g)[0], t_fn, randn(2, 3, 4), randn(3, 4, seed=1))


def test_add_rms_norm():
    def t_fn(a, b, g):
        x = a + b
        y, rstd = _t_rms(x, g, 1e-6)
        return y, rstd, x

    parity(lambda a, b, g: ops.add_rms_norm(a, b, g), t_fn, randn(2, 8), randn(2, 8, seed=1), randn(8, seed=2),
           grad=False)
    parity(lambda a, b, g: ops.add_rms_norm(a, b, g)[0], lambda a, b, g: t_fn(a, b, g)[0], randn(2, 8),
           randn(2, 8, seed=1), randn(8, seed=2))


def test_swiglu():
    def t_fn(x, dim=-1):
        a, b = torch.chunk(x, 2, dim)
        return torch.nn.functional.silu(a) * b

    parity(lambda x: ops.swiglu(x), t_fn, randn(2, 3, 8))
    parity(lambda x: ops.swiglu(x, dim=1), lambda x: t_fn(x, 1), randn(2, 6, 3))


def _t_rope(x, cos, sin, mode):
    if mode == 0:
        h = x.shape[-1] // 2
        rot = torch.cat((-x[..., h:], x[..., :h]), -1)
    else:
        p = x.reshape(*x.shape[:-1], -1, 2)
        rot = torch.stack((-p[..., 1], p[..., 0]), -1).reshape(x.shape)
    return x * cos + rot * sin


def test_rotary_position_embedding_modes():
    x, c, s = randn(1, 2, 3, 8), randn(1, 1, 3, 8, seed=1), randn(1, 1, 3, 8, seed=2)
    parity(lambda x, c, s: ops.rotary_position_embedding(x, c, s), lambda x, c, s: _t_rope(x, c, s, 0), x, c, s)
    parity(lambda x, c, s: ops.rotary_position_embedding(x, c, s, mode=1), lambda x, c, s: _t_rope(x, c, s, 1), x, c, s)
