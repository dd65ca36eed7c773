"""The attention replacement driven the way its real callers drive it (issue 16, "Found already").

The module-level tests (test_dot_product_attention.py) pass explicit causal flags and clean masks. Here the inputs
are what the MindSpeed-MM Qwen2.5-VL stack hands to Megatron's core attention, reproduced by fixtures written for
this file (not copied from the stack):

* LLM, ``--use-flash-attn``: the batch's ``[b, s]`` attention mask (ones, zeros on right padding) is passed through
  untouched; MindSpeed's flash route replaces any mask that is not a square bool tensor by a causal one.
* LLM, no flash: a ``[b, 1, s, s]`` bool mask (True = masked) derived from a bf16 additive causal + padding mask.
* vision tower, flash: no mask; the packed lengths (``cu_seqlens`` for full-attention blocks, ``cu_window_seqlens``
  for window blocks) are published through MindSpeed's global ``set_actual_seq_len`` and reset after the tower.
* vision tower, no flash: a ``[1, s, s]`` bool block-diagonal mask; the tower still publishes the window/full
  lengths before every layer and never resets them, so they must not leak into the LLM.

Each case is checked, forward and dq/dk/dv, against a plain torch reference softmax(Q K^T / sqrt(d) + M) V with M
built directly from the intended semantics (causal / per-image / per-window), on both the non-fused math and the
fused-kernel argument path (the kernel emulated by mscore.backfill's composition on CPU).
"""
import math
import sys
import types
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import mindspore as ms

from tests.npu.npu_common import GRAD_TOL, MS_DTYPE, assert_close, from_ms, load_dpa, rng, to_ms

dpa = load_dpa()
D = 16
HEADS, GROUPS = 4, 2  # GQA on the LLM side, as Qwen2.5


# ---------------------------------------------------------------------------------------------------------------
# reference: plain torch, float32
# ---------------------------------------------------------------------------------------------------------------
def torch_attention(q, k, v, visible):
    """q [b, n, sq, d], k/v [b, g, sk, d] (g | n), visible: bool broadcastable to [b, n, sq, sk] (True = attend)."""
    n, g = q.shape[1], k.shape[1]
    k = k.repeat_interleave(n // g, dim=1)
    v = v.repeat_interleave(n // g, dim=1)
    bias = torch.zeros(visible.shape).masked_fill(~visible, float("-inf"))
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias
    return torch.softmax(scores, dim=-1) @ v


def ref_llm(q, k, v, key_valid=None):
    """[s, b, n, d] -> [s, b, n * d]; causal, optionally also hiding padded keys (key_valid [b, s])."""
    s, b = q.shape[0], q.shape[1]
    visible = torch.ones(s, s, dtype=torch.bool).tril()[None, None]
    if key_valid is not None:
        visible = visible & key_valid[:, None, None, :]
    out = torch_attention(q.permute(1, 2, 0, 3), k.permute(1, 2, 0, 3), v.permute(1, 2, 0, 3), visible)
    return out.permute(2, 0, 1, 3).reshape(s, b, -1)


def ref_segments(q, k, v, cu):
    """Vision tower: [s, 1, n, d] -> [s, 1, n * d]; full attention inside each segment [cu[i], cu[i+1])."""
    s = q.shape[0]
    seg = np.zeros(s, dtype=np.int64)
    for i, (a, b) in enumerate(zip(cu[:-1], cu[1:])):
        seg[a:b] = i
    seg = torch.tensor(seg)
    visible = (seg[:, None] == seg[None, :])[None, None]
    out = torch_attention(q.permute(1, 2, 0, 3), k.permute(1, 2, 0, 3), v.permute(1, 2, 0, 3), visible)
    return out.permute(2, 0, 1, 3).reshape(s, 1, -1)


# ---------------------------------------------------------------------------------------------------------------
# the callers' inputs
# ---------------------------------------------------------------------------------------------------------------
def batch_attention_mask(lengths, s):
    """What the data collator yields: int64 [b, s], 1 for real tokens, 0 for right padding."""
    m = np.zeros((len(lengths), s), dtype=np.int64)
    for i, n in enumerate(lengths):
        m[i, :n] = 1
    return m


def llm_plain_mask(batch_mask):
    """The no-flash LLM mask: a bf16 additive mask (most negative bf16 above the diagonal and on padded keys),
    turned into bool by ``< 0`` -> [b, 1, s, s], True = masked."""
    b, s = batch_mask.shape
    neg = torch.finfo(torch.bfloat16).min
    rows = torch.arange(s)[:, None]
    cols = torch.arange(s)[None, :]
    additive = torch.where(cols > rows, torch.tensor(neg, dtype=torch.bfloat16),
                           torch.tensor(0.0, dtype=torch.bfloat16))
    additive = additive.expand(b, 1, s, s).clone()
    additive = additive.masked_fill(torch.tensor(batch_mask)[:, None, None, :] == 0, neg)
    return (additive < 0).numpy()


def vision_lengths(grid_thw, merge=2, window=2):
    """Qwen2.5-VL's packed lengths for a list of (t, h, w) patch grids.

    cu_seqlens: one segment per frame (h * w patches). cu_window_seqlens: each frame's merged grid (h/merge x
    w/merge) cut into window x window tiles (edge tiles smaller), every tile a segment of tiles * merge^2 patches,
    listed with repeated boundaries (the tower removes them with unique_consecutive) where a frame ends.
    """
    cu, cu_win = [0], [0]
    for t, h, w in grid_thw:
        for _ in range(t):
            cu.append(cu[-1] + h * w)
            gh, gw = h // merge, w // merge
            for r0 in range(0, gh, window):
                for c0 in range(0, gw, window):
                    tiles = min(window, gh - r0) * min(window, gw - c0)
                    cu_win.append(cu_win[-1] + tiles * merge * merge)
            cu_win.append(cu_win[-1])  # an empty boundary, as the padded window index produces
    dedup = [cu_win[0]] + [x for prev, x in zip(cu_win, cu_win[1:]) if x != prev]
    return cu, cu_win, dedup


def vision_block_mask(cu, s):
    """The no-flash vision mask: [1, s, s] bool, all True (masked) except the diagonal blocks."""
    m = np.ones((1, s, s), dtype=bool)
    for a, b in zip(cu[:-1], cu[1:]):
        m[:, a:b, a:b] = False
    return m


class _MaskType:  # megatron's AttnMaskType members are compared by name
    def __init__(self, name):
        self.name = name


@pytest.fixture
def stack(monkeypatch):
    """Stand-ins for the two upstream modules the replacement consults at call time: ``megatron.training.get_args``
    (use_flash_attn, sparse_mode, pre/next tokens: MindSpeed's defaults) and ``mindspeed.utils``' global packed
    lengths."""
    state = SimpleNamespace(actual=None)
    args = SimpleNamespace(use_flash_attn=False, sparse_mode=0, pre_tockens=65536, next_tockens=0)
    megatron = types.ModuleType("megatron")
    training = types.ModuleType("megatron.training")
    training.get_args = lambda: args
    megatron.training = training
    mindspeed = types.ModuleType("mindspeed")
    utils = types.ModuleType("mindspeed.utils")
    utils.get_actual_seq_len = lambda: state.actual
    utils.set_actual_seq_len = lambda v: setattr(state, "actual", v)
    mindspeed.utils = utils
    for name, mod in (("megatron", megatron), ("megatron.training", training), ("mindspeed", mindspeed),
                      ("mindspeed.utils", utils)):
        monkeypatch.setitem(sys.modules, name, mod)
    return SimpleNamespace(args=args, utils=utils)


@pytest.fixture(params=["math", "fused_kernel_args"])
def impl(request, monkeypatch):
    """The non-fused math, or the fused path with ops.speed_fusion_attention replaced by the composite that checks
    the kernel's documented argument rules (on Ascend the real kernel runs under "math"'s auto-selection)."""
    if request.param == "fused_kernel_args":
        from tests.npu.npu_common import cpu_kernel

        composite = cpu_kernel("speed_fusion_attention")

        calls = []

        def kernel(*args, **kwargs):
            calls.append(kwargs)
            return composite(*args, **kwargs)

        monkeypatch.setattr(ms.ops, "speed_fusion_attention", kernel)
        monkeypatch.setenv("MSCORE_ATTENTION_IMPL", "fused")
        return calls
    monkeypatch.delenv("MSCORE_ATTENTION_IMPL", raising=False)
    return None


def _config(heads, groups):
    return SimpleNamespace(num_attention_heads=heads, num_query_groups=groups, kv_channels=D, hidden_size=heads * D,
                           attention_dropout=0.0, context_parallel_size=1, apply_query_key_layer_scaling=False)


def llm_attention():
    return dpa.DotProductAttention(_config(HEADS, GROUPS), 1, _MaskType("causal"), "self")


def vision_attention():
    # MindSpeed-MM's vision layer spec builds its attention with AttnMaskType.no_mask
    return dpa.DotProductAttention(_config(2, 2), 1, _MaskType("no_mask"), "self")


def qkv(seed, s, b, n, g):
    r = rng(seed)
    return (r.standard_normal((s, b, n, D)).astype(np.float32),
            r.standard_normal((s, b, g, D)).astype(np.float32),
            r.standard_normal((s, b, g, D)).astype(np.float32))


def check(torch_fn, ms_fn, arrays, seed):
    """Forward and dq/dk/dv of both sides for the same inputs and cotangent."""
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in arrays)
    t_out = torch_fn(tq, tk, tv)
    cot = rng(seed + 500).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (t_out * torch.tensor(cot)).sum().backward()
    m_args = [to_ms(a) for a in arrays]
    m_cot = to_ms(cot).astype(ms.float32)
    m_out = ms_fn(*m_args)
    assert_close(from_ms(m_out), t_out.detach().numpy(), "forward")
    grads = ms.grad(lambda q, k, v: (ms_fn(q, k, v).astype(ms.float32) * m_cot).sum(), grad_position=(0, 1, 2))(
        *m_args)
    for name, g, t in zip(("dq", "dk", "dv"), grads, (tq, tk, tv)):
        assert_close(from_ms(g), t.grad.numpy(), name, **GRAD_TOL)
    return from_ms(m_out)


# ---------------------------------------------------------------------------------------------------------------
# LLM
# ---------------------------------------------------------------------------------------------------------------
LLM_FLASH_MASKS = {
    # the batch mask as MindSpeed-MM passes it on the flash route: int64 ones, bool ones, with padding, 4-D ones
    "ones_BxS_int64": lambda b, s: batch_attention_mask([s] * b, s),
    "ones_BxS_bool": lambda b, s: batch_attention_mask([s] * b, s).astype(bool),
    "right_padding_int64": lambda b, s: batch_attention_mask([s, s - 3][:b], s),
    "ones_Bx1x1xS_bool": lambda b, s: batch_attention_mask([s] * b, s).astype(bool)[:, None, None, :],
}


@pytest.mark.parametrize("form", sorted(LLM_FLASH_MASKS))
@pytest.mark.parametrize("b", [1, 2])
def test_llm_flash_route_batch_mask_means_causal(form, b, stack, impl):
    """Issue 16: with --use-flash-attn every query's output was the mean of V (the ones read as "masked")."""
    stack.args.use_flash_attn = True
    s = 9
    mask = ms.Tensor(LLM_FLASH_MASKS[form](b, s))
    cell = llm_attention()
    out = check(ref_llm, lambda q, k, v: cell(q, k, v, mask), qkv(b * 10 + len(form), s, b, HEADS, GROUPS), seed=b)
    # the failure mode of the issue, stated directly: no query row but the last equals the mean of V over all keys
    _, _, v = qkv(b * 10 + len(form), s, b, HEADS, GROUPS)
    mean_v = np.repeat(v.mean(axis=0), HEADS // GROUPS, axis=1).reshape(b, -1)
    for row in range(s - 1):
        assert not np.allclose(out[row], mean_v, atol=1e-3), f"query {row} attends to every key"
    if impl is not None:
        assert impl, "the fused path did not call the kernel"


@pytest.mark.parametrize("lengths", [[9, 9], [9, 6]])
def test_llm_plain_route_bool_4d_mask(lengths, stack, impl):
    """No flash: the [b, 1, s, s] bool mask from the bf16 additive mask, causal + padded keys."""
    s = 9
    batch = batch_attention_mask(lengths, s)
    mask = ms.Tensor(llm_plain_mask(batch))
    cell = llm_attention()
    check(lambda q, k, v: ref_llm(q, k, v, torch.tensor(batch).bool()), lambda q, k, v: cell(q, k, v, mask),
          qkv(sum(lengths), s, 2, HEADS, GROUPS), seed=sum(lengths))


def test_llm_flash_route_square_bool_mask_is_used_with_causal_band(stack, impl):
    """A square bool mask on the flash route is handed to the kernel as is; the default next_tockens = 0 band keeps
    it causal. The padding part of the mask is honoured."""
    stack.args.use_flash_attn = True
    s = 8
    batch = batch_attention_mask([8, 5], s)
    padding_only = np.broadcast_to(batch[:, None, None, :] == 0, (2, 1, s, s)).copy()
    cell = llm_attention()
    check(lambda q, k, v: ref_llm(q, k, v, torch.tensor(batch).bool()),
          lambda q, k, v: cell(q, k, v, ms.Tensor(padding_only)), qkv(77, s, 2, HEADS, GROUPS), seed=77)


def test_llm_plain_route_rejects_non_boolean_mask(stack):
    cell = llm_attention()
    q, k, v = (to_ms(a) for a in qkv(3, 5, 1, HEADS, GROUPS))
    with pytest.raises(TypeError, match="boolean"):
        cell(q, k, v, ms.Tensor(batch_attention_mask([5], 5)))


# ---------------------------------------------------------------------------------------------------------------
# vision tower, then the LLM: the packed lengths must not leak
# ---------------------------------------------------------------------------------------------------------------
GRIDS = [(1, 4, 6), (1, 4, 4)]  # two images: 24 + 16 = 40 patches


def run_vision_layer(cell, flash, full_block, arrays, stack, grids=GRIDS):
    """One vision block the way Qwen2.5-VL's transformer block calls it: lengths published before the layer, and
    on the flash route no mask, otherwise the block-diagonal mask of the same segments."""
    cu, _, cu_win = vision_lengths(grids)
    seg = cu if full_block else cu_win
    stack.utils.set_actual_seq_len(tuple(seg[1:]))
    s = arrays[0].shape[0]
    mask = None if flash else ms.Tensor(vision_block_mask(seg, s))
    return seg, (lambda q, k, v: cell(q, k, v, mask))


@pytest.mark.parametrize("flash", [True, False], ids=["flash", "plain"])
@pytest.mark.parametrize("full_block", [True, False], ids=["full_block", "window_block"])
def test_vision_layers(flash, full_block, stack, impl):
    stack.args.use_flash_attn = flash
    cu, _, cu_win = vision_lengths(GRIDS)
    assert cu == [0, 24, 40] and len(cu_win) > len(cu)
    s = cu[-1]
    arrays = qkv(5 + int(full_block), s, 1, 2, 2)
    seg, call = run_vision_layer(vision_attention(), flash, full_block, arrays, stack)
    check(lambda q, k, v: ref_segments(q, k, v, seg), call, arrays, seed=s)
    if impl is not None and flash:
        assert impl[-1]["actual_seq_qlen"] == seg[1:]


@pytest.mark.parametrize("flash", [True, False], ids=["flash", "plain"])
def test_vision_then_llm_lengths_do_not_leak(flash, stack, impl):
    """The tower (112 patches) runs its window and full blocks, then the LLM (69 tokens) runs. On the plain route
    the tower never resets the global lengths (upstream only does so with flash); the LLM must not read them."""
    stack.args.use_flash_attn = flash
    grids = [(1, 8, 8), (1, 4, 12)]  # 64 + 48 = 112 patches
    assert vision_lengths(grids)[0][-1] == 112
    vis = vision_attention()
    for full_block in (False, True):
        arrays = qkv(int(full_block), 112, 1, 2, 2)
        seg, call = run_vision_layer(vis, flash, full_block, arrays, stack, grids)
        check(lambda q, k, v: ref_segments(q, k, v, seg), call, arrays, seed=112)
    if flash:
        stack.utils.set_actual_seq_len(None)  # what the tower does at its end on the flash route
    else:
        assert stack.utils.get_actual_seq_len() == (64, 112)  # left set: the full block ran last
    s = 69
    llm_mask = batch_attention_mask([s], s)
    mask = ms.Tensor(llm_mask) if flash else ms.Tensor(llm_plain_mask(llm_mask))
    cell = llm_attention()
    check(ref_llm, lambda q, k, v: cell(q, k, v, mask), qkv(69, s, 1, HEADS, GROUPS), seed=69)


def test_flash_route_reads_global_lengths_for_causal_llm_packing(stack, impl):
    """On the flash route a causal layer with published lengths attends causally inside each segment (MindSpeed's
    packed-sequence route), with the batch mask ignored like the flash route ignores it."""
    stack.args.use_flash_attn = True
    cu = [0, 4, 9]
    stack.utils.set_actual_seq_len(tuple(cu[1:]))
    cell = llm_attention()
    mask = ms.Tensor(batch_attention_mask([9], 9))

    def ref(q, k, v):
        parts = [ref_llm(q[a:b], k[a:b], v[a:b]) for a, b in zip(cu[:-1], cu[1:])]
        return torch.cat(parts, 0)

    check(ref, lambda q, k, v: cell(q, k, v, mask), qkv(9, 9, 1, HEADS, GROUPS), seed=9)


def test_dtype_of_outputs_follows_inputs(stack):
    stack.args.use_flash_attn = True
    q, k, v = (to_ms(a) for a in qkv(1, 4, 1, HEADS, GROUPS))
    assert llm_attention()(q, k, v, ms.Tensor(batch_attention_mask([4], 4))).dtype == MS_DTYPE
