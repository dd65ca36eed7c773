"""Parity for the mapped torch_npu fused ops (rules/torch_npu.toml).

torch_npu cannot be installed here, so each case
  1. converts a torch_npu call (as the stack writes it) with mscore's engine and the shipped rules, and checks the
     emitted MindSpore call;
  2. runs the converted function on MindSpore: on Ascend (MSCORE_PARITY_DEVICE=Ascend) through the real fused
     kernel, on CPU through mscore.backfill's compositions of it (the kernels are Ascend-only);
  3. compares forward values and input gradients with a plain-math torch implementation of torch_npu's documented
     formula, on the same inputs.
"""
import math

import numpy as np
import pytest
import torch

import mindspore as ms

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules
from tests.npu.npu_common import GRAD_TOL, assert_close, from_ms, ops_for_device, rng, to_ms

RULES = load_rules()


def convert(snippet, expect):
    src = "import torch\nimport torch_npu\n\n\n" + snippet
    result = convert_source(src.encode(), "case.py", RULES)
    out = result.output.decode()
    assert "mscore: unconverted" not in out, out
    assert " ".join(expect.split()) in " ".join(out.split()), out  # the engine keeps the call's line breaks
    assert "torch" not in out.replace("mscore", ""), f"torch left in converted code:\n{out}"
    return out


def run_converted(code, args):
    namespace = {}
    exec(compile(code, "<converted>", "exec"), namespace)
    namespace["ops"] = ops_for_device()  # CPU: composed fused ops; Ascend: mindspore.ops itself
    return namespace["f"](*args)


def check(snippet, expect, arrays, torch_ref, grad_of=(), consts=(), seed=0):
    """arrays: float inputs (numpy); consts: extra non-differentiable arguments given as (ms value, torch value)."""
    code = convert(snippet, expect)
    t_in = [torch.tensor(a, dtype=torch.float32, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    t_out = torch_ref(*t_in, *[c[1] for c in consts])
    m_in = [to_ms(a) for a in arrays]
    m_consts = [c[0] for c in consts]
    m_out = run_converted(code, m_in + m_consts)
    assert_close(from_ms(m_out), t_out.detach().numpy(), "forward")
    if not grad_of:
        return
    cot = rng(seed + 99).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (t_out * torch.tensor(cot)).sum().backward()
    m_cot = to_ms(cot).astype(ms.float32)

    def loss(*xs):
        return (run_converted(code, list(xs) + m_consts).astype(ms.float32) * m_cot).sum()

    grads = ms.grad(loss, grad_position=tuple(grad_of))(*m_in)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, g in zip(grad_of, grads):
        assert_close(from_ms(g), t_in[i].grad.numpy(), f"grad of input {i}", **GRAD_TOL)


def randn(seed, *shape, scale=1.0):
    return (rng(seed).standard_normal(shape) * scale).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# plain-math torch references (the documented torch_npu formulas)
# ---------------------------------------------------------------------------------------------------------------
def t_rms_norm(x, g, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g


def t_rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def t_rotate_interleaved(x):
    return torch.stack((-x[..., 1::2], x[..., 0::2]), dim=-1).reshape(x.shape)


def t_attention_bnsd(q, k, v, mask=None, scale=1.0):
    n, g = q.shape[1], k.shape[1]
    k = k.repeat_interleave(n // g, dim=1)
    v = v.repeat_interleave(n // g, dim=1)
    s = (q @ k.transpose(-1, -2)) * scale
    if mask is not None:
        s = s.masked_fill(mask, float("-inf"))
    return torch.softmax(s, -1) @ v


def t_causal(sq, sk):
    return torch.triu(torch.ones(sq, sk, dtype=torch.bool), 1)


# ---------------------------------------------------------------------------------------------------------------
# norms and activations
# ---------------------------------------------------------------------------------------------------------------
def test_npu_rms_norm():
    x, w = randn(1, 2, 3, 16), randn(2, 16)
    check("def f(x, w):\n    return torch_npu.npu_rms_norm(x, w, epsilon=1e-5)[0]\n", "ops.rms_norm(x, w, epsilon=1e-5)",
          [x, w], lambda x, w: t_rms_norm(x, w, 1e-5), grad_of=(0, 1), seed=1)


def test_npu_rms_norm_positional_rstd():
    x, w = randn(3, 4, 16), randn(4, 16)
    check("def f(x, w):\n    rstd = torch_npu.npu_rms_norm(x, w, 1e-6)[1]\n    return rstd.reshape(-1)\n",
          "ops.rms_norm(x, w, 1e-6)",
          [x, w], lambda x, w: torch.rsqrt(x.pow(2).mean(-1) + 1e-6).reshape(-1), seed=3)


def test_npu_add_rms_norm():
    x1, x2, w = randn(5, 2, 16), randn(6, 2, 16), randn(7, 16)
    snippet = ("def f(a, b, w):\n    y, rstd, s = torch_npu.npu_add_rms_norm(a, b, w, epsilon=1e-6)\n"
               "    return y + s\n")
    check(snippet, "ops.add_rms_norm(a, b, w, epsilon=1e-6)", [x1, x2, w],
          lambda a, b, w: t_rms_norm(a + b, w, 1e-6) + (a + b), grad_of=(0, 1, 2), seed=5)


@pytest.mark.parametrize("call,dim", [("torch_npu.npu_swiglu(x, dim=-1)", -1), ("torch_npu.npu_swiglu(x, 1)", 1),
                                      ("torch_npu.npu_swiglu(x)", -1)])
def test_npu_swiglu(call, dim):
    x = randn(8, 3, 8, 6)
    expect = call.replace("torch_npu.npu_", "ops.")

    def ref(x):
        a, b = x.chunk(2, dim=dim)
        return torch.nn.functional.silu(a) * b

    check(f"def f(x):\n    return {call}\n", expect, [x], ref, grad_of=(0,), seed=8)


# ---------------------------------------------------------------------------------------------------------------
# rotary embeddings
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [0, 1])
def test_npu_rotary_position_embedding(mode):
    x = randn(10, 2, 8, 3, 16)                       # BSND
    ang = randn(11, 1, 8, 1, 16)
    cos, sin = np.cos(ang), np.sin(ang)
    rot = t_rotate_half if mode == 0 else t_rotate_interleaved
    check(f"def f(x, c, s):\n    return torch_npu.npu_rotary_position_embedding(x, c, s, {mode})\n",
          f"ops.rotary_position_embedding(x, c, s, {mode})", [x, cos, sin],
          lambda x, c, s: x * c + rot(x) * s, grad_of=(0,), seed=10 + mode)


@pytest.mark.parametrize("layout", ["SBND", "BNSD"])
def test_npu_rotary_mul(layout):
    # SBND with [S, 1, 1, D] tables: the Qwen2-VL vision tower's call; BNSD with [1, 1, S, D]: the LLM form
    if layout == "SBND":
        x, ang = randn(12, 8, 2, 3, 16), randn(13, 8, 1, 1, 16)
    else:
        x, ang = randn(14, 2, 3, 8, 16), randn(15, 1, 1, 8, 16)
    cos, sin = np.cos(ang), np.sin(ang)
    check("def f(q, cos, sin):\n    return torch_npu.npu_rotary_mul(q, cos, sin)\n",
          "ops.rotary_position_embedding(q, cos, sin)", [x, cos, sin],
          lambda q, c, s: q * c + t_rotate_half(q) * s, grad_of=(0,), seed=12)


# ---------------------------------------------------------------------------------------------------------------
# attention
# ---------------------------------------------------------------------------------------------------------------
D = 16


def test_npu_fusion_attention_sbh_causal_compressed_mask():
    """MindSpeed's flash path: SBH layout, sparse_mode=2 with the 2048x2048 compressed causal mask, GQA."""
    s, b, n, g = 7, 2, 4, 2
    q, k, v = randn(20, s, b, n * D), randn(21, s, b, g * D), randn(22, s, b, g * D)
    m = np.triu(np.ones((2048, 2048), dtype=bool), 1)
    snippet = ("def f(q, k, v, m):\n"
               "    return torch_npu.npu_fusion_attention(q, k, v, 4, 'SBH', pse=None, padding_mask=None,\n"
               "        atten_mask=m, scale=0.25, pre_tockens=65536, next_tockens=0, keep_prob=1.0,\n"
               "        inner_precise=0, sparse_mode=2)[0]\n")

    def ref(q, k, v, _m):
        qb = q.reshape(s, b, n, D).permute(1, 2, 0, 3)
        kb = k.reshape(s, b, g, D).permute(1, 2, 0, 3)
        vb = v.reshape(s, b, g, D).permute(1, 2, 0, 3)
        o = t_attention_bnsd(qb, kb, vb, t_causal(s, s), 0.25)
        return o.permute(2, 0, 1, 3).reshape(s, b, n * D)

    check(snippet, "pre_tokens=65536, next_tokens=0", [q, k, v], ref, grad_of=(0, 1, 2),
          consts=[(ms.Tensor(m), torch.tensor(m))], seed=20)


def test_npu_fusion_attention_bnsd_full_mask_positional():
    """All-positional call up to scale, BNSD with a [B, 1, S, S] padding mask (sparse_mode 0)."""
    b, n, s = 2, 2, 6
    q, k, v = randn(30, b, n, s, D), randn(31, b, n, s, D), randn(32, b, n, s, D)
    m = np.zeros((b, 1, s, s), dtype=bool)
    m[1, :, :, 4:] = True
    snippet = ("def f(q, k, v, m):\n"
               "    return torch_npu.npu_fusion_attention(q, k, v, 2, 'BNSD', None, None, m, 0.25)[0]\n")
    check(snippet, "ops.speed_fusion_attention(q, k, v, 2, 'BNSD', pse=None, padding_mask=None, atten_mask=m, "
                   "scale=0.25)", [q, k, v], lambda q, k, v, m: t_attention_bnsd(q, k, v, m, 0.25),
          grad_of=(0, 1, 2), consts=[(ms.Tensor(m), torch.tensor(m))], seed=30)


def test_npu_fusion_attention_tnd_varlen():
    """The vision tower's packed form: TND with cumulative actual_seq_qlen/kvlen (no leading 0), no mask."""
    cu = [5, 9, 16]
    q, k, v = randn(40, 16, 2, D), randn(41, 16, 2, D), randn(42, 16, 2, D)
    snippet = ("def f(q, k, v, cu):\n"
               "    return torch_npu.npu_fusion_attention(q, k, v, 2, input_layout='TND', scale=0.25,\n"
               "        actual_seq_qlen=cu, actual_seq_kvlen=cu, sparse_mode=0)[0]\n")

    def ref(q, k, v, cu):
        outs, start = [], 0
        for end in cu:
            sl = slice(start, end)
            o = t_attention_bnsd(q[sl].transpose(0, 1)[None], k[sl].transpose(0, 1)[None],
                                 v[sl].transpose(0, 1)[None], None, 0.25)
            outs.append(o[0].transpose(0, 1))
            start = end
        return torch.cat(outs)

    check(snippet, "actual_seq_qlen=cu", [q, k, v], ref, grad_of=(0, 1, 2), consts=[(cu, cu)], seed=40)


def test_npu_fused_infer_attention_score_bsnd():
    """MindSpeed's inference strategy call: BSND, GQA, causal mask, scale 1/sqrt(d)."""
    b, s, n, g = 1, 6, 4, 2
    q, k, v = randn(50, b, s, n, D), randn(51, b, s, g, D), randn(52, b, s, g, D)
    m = np.triu(np.ones((s, s), dtype=bool), 1)
    snippet = ("def f(q, k, v, m):\n"
               "    return torch_npu.npu_fused_infer_attention_score(q, k, v, pse_shift=None, atten_mask=m,\n"
               "        actual_seq_lengths=[q.shape[1]], actual_seq_lengths_kv=[k.shape[1]], num_heads=q.shape[2],\n"
               "        num_key_value_heads=k.shape[2], scale=1.0 / 4.0, input_layout='BSND')[0]\n")

    def ref(q, k, v, m):
        o = t_attention_bnsd(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), m, 1.0 / math.sqrt(D))
        return o.transpose(1, 2)

    check(snippet, "inner_precise=0", [q, k, v], ref, consts=[(ms.Tensor(m), torch.tensor(m))], seed=50)


def test_npu_fusion_attention_bsh_keywords_reordered():
    """head_num / input_layout by keyword, the rest reordered; BSH layout with a [B, 1, S, S] mask."""
    b, s, n = 2, 5, 2
    q, k, v = randn(60, b, s, n * D), randn(61, b, s, n * D), randn(62, b, s, n * D)
    m = np.zeros((b, 1, s, s), dtype=bool)
    m[0, :, :, 3:] = True
    snippet = ("def f(q, k, v, m):\n"
               "    return torch_npu.npu_fusion_attention(q, k, v, sparse_mode=0, scale=0.5, atten_mask=m,\n"
               "        input_layout='BSH', head_num=2)[0]\n")

    def ref(q, k, v, m):
        split = [x.reshape(b, s, n, D).transpose(1, 2) for x in (q, k, v)]
        return t_attention_bnsd(*split, m, 0.5).transpose(1, 2).reshape(b, s, n * D)

    check(snippet, "ops.speed_fusion_attention(q, k, v, 2, 'BSH', atten_mask=m, scale=0.5, sparse_mode=0)",
          [q, k, v], ref, grad_of=(0, 1, 2), consts=[(ms.Tensor(m), torch.tensor(m))], seed=60)


def test_npu_fusion_attention_bsnd_right_down_causal():
    """sparse_mode=3 (rightDownCausal, compressed mask) with fewer queries than keys: the causal diagonal ends in
    the bottom-right corner (query i sees keys j <= i + sk - sq)."""
    b, sq, sk, n = 1, 4, 7, 2
    q, k, v = randn(70, b, sq, n, D), randn(71, b, sk, n, D), randn(72, b, sk, n, D)
    m = np.triu(np.ones((2048, 2048), dtype=bool), 1)
    snippet = ("def f(q, k, v, m):\n"
               "    return torch_npu.npu_fusion_attention(q, k, v, 2, 'BSND', atten_mask=m, scale=0.25,\n"
               "        sparse_mode=3)[0]\n")

    def ref(q, k, v, _m):
        mask = torch.triu(torch.ones(sq, sk, dtype=torch.bool), sk - sq + 1)
        o = t_attention_bnsd(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), mask, 0.25)
        return o.transpose(1, 2)

    check(snippet, "sparse_mode=3", [q, k, v], ref, grad_of=(0, 1, 2), consts=[(ms.Tensor(m), torch.tensor(m))],
          seed=70)
