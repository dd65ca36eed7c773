"""Parity: mscore's MindSpore DotProductAttention vs a plain-math torch reference, forward and dq/dk/dv.

The reference is written here in torch as softmax(Q K^T * scale + mask) V in float32 (masked scores are -inf),
independent of the module under test. CPU runs the module's non-fused path; MSCORE_PARITY_DEVICE=Ascend runs the
same cases through ops.speed_fusion_attention (fp16).
"""
import ast
import zlib
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import mindspore as ms

from tests.npu.npu_common import DPA_PATH, GRAD_TOL, MS_DTYPE, ON_ASCEND, assert_close, from_ms, load_dpa, rng, to_ms

dpa = load_dpa()
FUSED = ON_ASCEND  # the path under test: fused kernel on Ascend, the math fallback on CPU
D = 16  # head size: the fused kernel needs a multiple of 16


# ---------------------------------------------------------------------------------------------------------------
# torch reference (plain math, float32, BNSD)
# ---------------------------------------------------------------------------------------------------------------
def ref_bnsd(q, k, v, mask=None, causal=False, scale=None):
    """q [b, n, sq, d], k/v [b, g, sk, d]; mask bool (True = masked) broadcastable to [b, n, sq, sk]."""
    n, g = q.shape[1], k.shape[1]
    if g != n:
        k = k.repeat_interleave(n // g, dim=1)
        v = v.repeat_interleave(n // g, dim=1)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-1, -2)) * scale
    sq, sk = scores.shape[-2:]
    full = torch.zeros(scores.shape, dtype=torch.bool)
    if mask is not None:
        full = full | mask
    if causal:
        full = full | torch.triu(torch.ones(sq, sk, dtype=torch.bool), 1)
    scores = scores.masked_fill(full, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def ref_sbhd(q, k, v, mask=None, causal=False, scale=None):
    """[s, b, n, d] in, [s, b, n * d] out (Megatron's core-attention contract)."""
    out = ref_bnsd(q.permute(1, 2, 0, 3), k.permute(1, 2, 0, 3), v.permute(1, 2, 0, 3), mask, causal, scale)
    s, b = q.shape[0], q.shape[1]
    return out.permute(2, 0, 1, 3).reshape(s, b, -1)


def ref_tnd(q, k, v, cu, causal=False, scale=None):
    """Packed [t, n, d]: attention only inside each segment [cu[i], cu[i+1])."""
    outs = []
    for a, b in zip(cu[:-1], cu[1:]):
        o = ref_bnsd(q[a:b].transpose(0, 1)[None], k[a:b].transpose(0, 1)[None], v[a:b].transpose(0, 1)[None],
                     None, causal, scale)
        outs.append(o[0].transpose(0, 1))
    return torch.cat(outs, 0)


# ---------------------------------------------------------------------------------------------------------------
# harness: run both sides with the same inputs and a fixed cotangent, compare out, dq, dk, dv
# ---------------------------------------------------------------------------------------------------------------
def run_both(torch_fn, ms_fn, arrays, seed):
    """arrays: numpy q, k, v. Returns nothing; asserts forward and gradients match."""
    tq, tk, tv = (torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in arrays)
    t_out = torch_fn(tq, tk, tv)
    cot = rng(seed + 1000).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (t_out * torch.tensor(cot)).sum().backward()

    mq, mk, mv = (to_ms(a) for a in arrays)
    m_cot = to_ms(cot)

    def loss(q, k, v):
        return (ms_fn(q, k, v).astype(ms.float32) * m_cot.astype(ms.float32)).sum()

    m_out = ms_fn(mq, mk, mv)
    assert m_out.dtype == MS_DTYPE, f"output dtype {m_out.dtype}, expected {MS_DTYPE}"
    grads = ms.grad(loss, grad_position=(0, 1, 2))(mq, mk, mv)
    assert_close(from_ms(m_out), t_out.detach().numpy(), "forward")
    for name, g_ms, t in zip(("dq", "dk", "dv"), grads, (tq, tk, tv)):
        assert_close(from_ms(g_ms), t.grad.numpy(), name, **GRAD_TOL)


def qkv_sbhd(seed, s=7, b=2, n=4, g=4, sk=None):
    r = rng(seed)
    sk = s if sk is None else sk
    return (r.standard_normal((s, b, n, D)).astype(np.float32),
            r.standard_normal((sk, b, g, D)).astype(np.float32),
            r.standard_normal((sk, b, g, D)).astype(np.float32))


def qkv_tnd(seed, t, n=2, g=2):
    r = rng(seed)
    return (r.standard_normal((t, n, D)).astype(np.float32),
            r.standard_normal((t, g, D)).astype(np.float32),
            r.standard_normal((t, g, D)).astype(np.float32))


def padding_mask(lengths, s):
    """Megatron padding mask [b, 1, s, s]: True where the key is padding (every row keeps >= 1 key)."""
    m = np.zeros((len(lengths), 1, s, s), dtype=bool)
    for i, n_valid in enumerate(lengths):
        m[i, :, :, n_valid:] = True
    return m


def block_mask(cu, s):
    """MindSpeed-MM's non-flash vision mask [1, s, s]: True outside the diagonal blocks."""
    m = np.ones((1, s, s), dtype=bool)
    for a, b in zip(cu[:-1], cu[1:]):
        m[:, a:b, a:b] = False
    return m


# ---------------------------------------------------------------------------------------------------------------
# sbhd (LLM / Megatron) cases
# ---------------------------------------------------------------------------------------------------------------
SBHD_CASES = {
    "causal_mha": dict(n=4, g=4, causal=True),
    "causal_gqa": dict(n=4, g=2, causal=True),
    "causal_mqa": dict(n=4, g=1, causal=True),
    "full_no_mask": dict(n=2, g=2, causal=False),
    "padding_mask": dict(n=4, g=2, causal=False, pad=[7, 4]),
    "padding_causal": dict(n=4, g=4, causal=True, pad=[7, 5]),
    "vision_block_mask_3d": dict(n=2, g=2, causal=False, b=1, block=[0, 3, 7]),
    "custom_scale": dict(n=2, g=1, causal=True, scale=0.3),
}


@pytest.mark.parametrize("case", sorted(SBHD_CASES))
def test_sbhd(case):
    spec = SBHD_CASES[case]
    s, b = 7, spec.get("b", 2)
    arrays = qkv_sbhd(zlib.crc32(case.encode()) % 1000, s=s, b=b, n=spec["n"], g=spec["g"])
    mask_np = None
    if "pad" in spec:
        mask_np = padding_mask(spec["pad"], s)
    if "block" in spec:
        mask_np = block_mask(spec["block"], s)
    causal, scale = spec["causal"], spec.get("scale")
    t_mask = None if mask_np is None else torch.tensor(mask_np if mask_np.ndim == 4 else mask_np[:, None])
    m_mask = None if mask_np is None else ms.Tensor(mask_np)

    run_both(
        lambda q, k, v: ref_sbhd(q, k, v, t_mask, causal, scale),
        lambda q, k, v: dpa.attention_sbhd(q, k, v, m_mask, causal, scale, 0.0, fused=FUSED),
        arrays, seed=len(case),
    )


def test_sbhd_key_padding_mask_broadcast_over_queries():
    """A [b, 1, 1, sk] key-padding mask (broadcast over queries), with GQA and causality."""
    arrays = qkv_sbhd(6, s=6, n=4, g=2)
    m = np.zeros((2, 1, 1, 6), dtype=bool)
    m[1, :, :, 4:] = True
    run_both(
        lambda q, k, v: ref_sbhd(q, k, v, torch.tensor(m), True),
        lambda q, k, v: dpa.attention_sbhd(q, k, v, ms.Tensor(m), True, None, 0.0, fused=FUSED),
        arrays, seed=6,
    )


def test_sbhd_cross_lengths_padding():
    """sq != sk (cross attention shape) with a [b, 1, sq, sk] padding mask."""
    arrays = qkv_sbhd(5, s=5, sk=9, n=2, g=2)
    m = np.zeros((2, 1, 5, 9), dtype=bool)
    m[1, :, :, 6:] = True
    run_both(
        lambda q, k, v: ref_sbhd(q, k, v, torch.tensor(m)),
        lambda q, k, v: dpa.attention_sbhd(q, k, v, ms.Tensor(m), False, None, 0.0, fused=FUSED),
        arrays, seed=5,
    )


# ---------------------------------------------------------------------------------------------------------------
# packed TND (Qwen2-VL vision tower: full layers use cu_seqlens, window layers cu_window_seqlens)
# ---------------------------------------------------------------------------------------------------------------
TND_CASES = {
    "full_layer": dict(cu=[0, 4, 9, 16], causal=False),
    "window_layer": dict(cu=[0, 2, 4, 6, 9, 12, 16], causal=False),
    "window_no_leading_zero": dict(cu=[4, 8, 16], causal=False, drop_zero=True),
    "single_segment": dict(cu=[0, 16], causal=False),
    "causal_segments": dict(cu=[0, 5, 16], causal=True),
    "gqa_segments": dict(cu=[0, 7, 16], causal=False, n=4, g=2),
}


@pytest.mark.parametrize("case", sorted(TND_CASES))
def test_tnd(case):
    spec = TND_CASES[case]
    cu = spec["cu"] if spec["cu"][0] == 0 else [0] + spec["cu"]
    t = cu[-1]
    arrays = qkv_tnd(len(case), t, n=spec.get("n", 2), g=spec.get("g", 2))
    cu_arg = spec["cu"]
    causal = spec["causal"]
    run_both(
        lambda q, k, v: ref_tnd(q, k, v, cu, causal),
        lambda q, k, v: dpa.attention_tnd(q, k, v, cu_arg, None, causal, None, 0.0, fused=FUSED),
        arrays, seed=t,
    )


def test_tnd_causal_cross_lengths_bottom_right():
    """Causal packed attention with query segments shorter than key segments: aligned bottom-right per segment."""
    _check_tnd_causal_cross(FUSED)


def _check_tnd_causal_cross(fused):
    cu_q, cu_k = [0, 2, 5], [0, 4, 9]
    r = rng(44)
    q = r.standard_normal((5, 2, D)).astype(np.float32)
    k = r.standard_normal((9, 2, D)).astype(np.float32)
    v = r.standard_normal((9, 2, D)).astype(np.float32)

    def ref(q, k, v):
        outs = []
        for (a, b), (c, e) in zip(zip(cu_q[:-1], cu_q[1:]), zip(cu_k[:-1], cu_k[1:])):
            lq, lk = b - a, e - c
            mask = torch.triu(torch.ones(lq, lk, dtype=torch.bool), lk - lq + 1)
            o = ref_bnsd(q[a:b].transpose(0, 1)[None], k[c:e].transpose(0, 1)[None], v[c:e].transpose(0, 1)[None],
                         mask)
            outs.append(o[0].transpose(0, 1))
        return torch.cat(outs)

    run_both(ref, lambda q, k, v: dpa.attention_tnd(q, k, v, cu_q, cu_k, True, None, 0.0, fused=fused),
             (q, k, v), seed=44)


def test_cell_no_mask_type_applies_a_given_mask():
    """Megatron's core attention never reads its mask type when a mask is given (the softmax applies it): the
    Qwen2-VL vision tower's layers are ``no_mask`` and get their window / full block masks on the non-flash route.
    Without a mask a ``no_mask`` layer attends everywhere (no causal default)."""
    cell = dpa.DotProductAttention(_config(heads=2, groups=2), 1, _MaskType("no_mask"), "self")
    cu = [0, 3, 7]
    arrays = qkv_sbhd(45, b=1, n=2, g=2)
    run_both(lambda q, k, v: ref_sbhd(q, k, v, torch.tensor(block_mask(cu, 7))[:, None]),
             lambda q, k, v: cell(q, k, v, ms.Tensor(block_mask(cu, 7))), arrays, seed=45)
    run_both(lambda q, k, v: ref_sbhd(q, k, v), lambda q, k, v: cell(q, k, v, None), arrays, seed=46)


def test_tnd_matches_block_masked_sbhd():
    """Window attention two ways (packed lengths vs the [1, s, s] block mask of the non-flash path) agree."""
    cu = [0, 3, 8, 16]
    q, k, v = qkv_tnd(11, 16)
    packed = dpa.attention_tnd(to_ms(q), to_ms(k), to_ms(v), cu, fused=FUSED)
    masked = dpa.attention_sbhd(to_ms(q[:, None]), to_ms(k[:, None]), to_ms(v[:, None]),
                                ms.Tensor(block_mask(cu, 16)), fused=FUSED)
    assert_close(from_ms(packed).reshape(16, -1), from_ms(masked).reshape(16, -1), "packed vs block mask")


def test_tnd_rejects_bad_lengths():
    q, k, v = qkv_tnd(1, 10)
    with pytest.raises(ValueError, match="end at 8"):
        dpa.attention_tnd(to_ms(q), to_ms(k), to_ms(v), [0, 3, 8], fused=FUSED)
    with pytest.raises(ValueError, match="non-decreasing"):
        dpa.normalize_cu_seqlens([0, 5, 3, 10])


def test_normalize_cu_seqlens_forms():
    assert dpa.normalize_cu_seqlens([3, 7]) == [0, 3, 7]
    assert dpa.normalize_cu_seqlens(ms.Tensor(np.array([0, 3, 3, 7], np.int32))) == [0, 3, 7]
    assert dpa.normalize_cu_seqlens((0, 2), total=2) == [0, 2]


# ---------------------------------------------------------------------------------------------------------------
# the Cell with Megatron's interface
# ---------------------------------------------------------------------------------------------------------------
class _MaskType:  # stands in for megatron's AttnMaskType members (compared by .name)
    def __init__(self, name):
        self.name = name


def _config(heads=4, groups=2, dropout=0.0):
    return SimpleNamespace(num_attention_heads=heads, num_query_groups=groups, kv_channels=D, hidden_size=heads * D,
                           attention_dropout=dropout, context_parallel_size=1, apply_query_key_layer_scaling=False)


def test_cell_causal_gqa_sbhd():
    cell = dpa.DotProductAttention(_config(), layer_number=3, attn_mask_type=_MaskType("causal"),
                                   attention_type="self")
    assert isinstance(cell, ms.nn.Cell)
    assert (cell.num_attention_heads_per_partition, cell.num_query_groups_per_partition) == (4, 2)
    assert cell.hidden_size_per_partition == 4 * D
    arrays = qkv_sbhd(21, n=4, g=2)
    # a compressed 2048x2048 causal mask (what MindSpeed's get_attention_mask hands over) must be accepted
    compressed = ms.Tensor(np.triu(np.ones((2048, 2048), dtype=bool), 1))
    run_both(
        lambda q, k, v: ref_sbhd(q, k, v, None, True),
        lambda q, k, v: cell(q, k, v, compressed),
        arrays, seed=21,
    )


def test_cell_padding_mask_and_override():
    cell = dpa.DotProductAttention(_config(heads=2, groups=2), 1, _MaskType("causal"), "self")
    arrays = qkv_sbhd(22, n=2, g=2)
    m = padding_mask([7, 3], 7)
    # the call's attn_mask_type (padding) overrides the constructor's (causal)
    run_both(
        lambda q, k, v: ref_sbhd(q, k, v, torch.tensor(m), False),
        lambda q, k, v: cell(q, k, v, ms.Tensor(m), attn_mask_type=_MaskType("padding")),
        arrays, seed=22,
    )


def test_cell_packed_seq_params_3d_and_4d():
    cell = dpa.DotProductAttention(_config(heads=2, groups=2), 1, _MaskType("padding"), "self")
    cu = [0, 5, 9, 16]
    packed = SimpleNamespace(qkv_format="thd", cu_seqlens_q=ms.Tensor(np.array(cu, np.int32)),
                             cu_seqlens_kv=ms.Tensor(np.array(cu, np.int32)))
    arrays = qkv_tnd(23, 16)
    # [t, n, d] (the vision attention squeezes the batch dim) -> [t, n * d]
    run_both(
        lambda q, k, v: ref_tnd(q, k, v, cu).reshape(16, -1),
        lambda q, k, v: cell(q, k, v, None, packed_seq_params=packed),
        arrays, seed=23,
    )
    # [s, 1, n, d] (MindSpeed's flash route keeps it) -> [s, 1, n * d]
    arrays4 = tuple(a[:, None] for a in arrays)
    run_both(
        lambda q, k, v: ref_tnd(q[:, 0], k[:, 0], v[:, 0], cu).reshape(16, 1, -1),
        lambda q, k, v: cell(q, k, v, None, packed_seq_params=packed),
        arrays4, seed=24,
    )
    # [s, b=2, n, d]: tokens are packed batch-major ("s b h d -> (b s) h d"), lengths index the packed order
    cu2 = [0, 3, 8, 11, 16]
    packed2 = SimpleNamespace(cu_seqlens_q=cu2, cu_seqlens_kv=cu2)
    arrays_b2 = tuple(np.ascontiguousarray(a.reshape(2, 8, 2, D).transpose(1, 0, 2, 3)) for a in arrays)

    def ref_b2(q, k, v):
        flat = [x.transpose(0, 1).reshape(16, 2, D) for x in (q, k, v)]
        return ref_tnd(*flat, cu2).reshape(2, 8, -1).transpose(0, 1)

    run_both(ref_b2, lambda q, k, v: cell(q, k, v, None, packed_seq_params=packed2), arrays_b2, seed=27)


def test_patch_functions_on_a_converted_megatron_like_cell():
    """MindSpeed's adaptor puts dot_product_attention_init / the forward wrapper on Megatron's class; once converted
    that class is a Cell whose construct holds Megatron's own math: the patched init routes construct to ours."""

    class MegatronLike(ms.nn.Cell):  # stands in for converted megatron DotProductAttention
        def __init__(self, *args, **kwargs):
            super().__init__()

        def construct(self, *args, **kwargs):
            raise AssertionError("Megatron's own construct ran instead of the replacement")

    MegatronLike.__init__ = dpa.dot_product_attention_init  # what the patch manager does
    MegatronLike.forward = dpa.dot_product_attention_forward_wrapper(lambda *a, **k: None)
    host = MegatronLike(_config(heads=4, groups=4), 2, _MaskType("causal"), "self")
    assert host.num_attention_heads_per_partition == 4 and host.softmax_scale == pytest.approx(1 / math.sqrt(D))
    arrays = qkv_sbhd(25, n=4, g=4)
    for call in (lambda q, k, v: host(q, k, v, None), lambda q, k, v: host.forward(q, k, v, None)):
        run_both(lambda q, k, v: ref_sbhd(q, k, v, None, True), call, arrays, seed=25)

    # a subclass with its own construct (MindSpeed-MM's MLA attention) keeps it; with the unaligned-heads init
    # wrapper on top of the patched init, construct is still routed
    class OwnConstruct(MegatronLike):
        def construct(self, *args, **kwargs):
            return "own"

    assert OwnConstruct(_config(heads=4, groups=4), 1, _MaskType("causal"), "self")(*arrays) == "own"

    class Wrapped(ms.nn.Cell):
        def construct(self, *args, **kwargs):
            raise AssertionError("Megatron's own construct ran instead of the replacement")

    Wrapped.__init__ = dpa.dot_product_attention_init_wrapper(dpa.dot_product_attention_init)
    wrapped_host = Wrapped(_config(heads=4, groups=2), 1, _MaskType("causal"), "self")
    assert wrapped_host.num_attention_heads_per_partition == 4
    run_both(lambda q, k, v: ref_sbhd(q, k, v, None, True), lambda q, k, v: wrapped_host(q, k, v, None),
             qkv_sbhd(26, n=4, g=2), seed=26)

    def base_init(self, config, *args):
        self.config = config
        self.num_query_groups_per_partition = 2

    wrapped = dpa.dot_product_attention_init_wrapper(base_init)
    obj = SimpleNamespace()
    wrapped(obj, SimpleNamespace(num_attention_heads=8, num_query_groups=4))
    assert obj.num_attention_heads_per_partition == 4


def test_dropout_only_in_training():
    """Dropout applies in training mode only; eval mode is deterministic and equals the no-dropout reference."""
    cell = dpa.DotProductAttention(_config(heads=2, groups=2, dropout=0.5), 1, _MaskType("causal"), "self")
    q, k, v = (to_ms(a) for a in qkv_sbhd(26, n=2, g=2))
    cell.set_train(False)
    a = from_ms(cell(q, k, v, None))
    ref = ref_sbhd(*(torch.tensor(x) for x in qkv_sbhd(26, n=2, g=2)), None, True).numpy()
    assert_close(a, ref, "eval forward")
    cell.set_train(True)
    b = from_ms(cell(q, k, v, None))
    assert np.isfinite(b).all()
    assert not np.allclose(a, b), "training-mode dropout(p=0.5) left the output unchanged"
    # Megatron-style access: setting attention_dropout.p to 0 turns dropout off in training mode too
    cell.attention_dropout.p = 0.0
    assert_close(from_ms(cell(q, k, v, None)), ref, "train forward with p=0")


def test_module_imports_no_torch():
    tree = ast.parse(DPA_PATH.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert not names & {"torch", "torch_npu", "einops"}, names


def test_path_selection(monkeypatch):
    q16 = to_ms(np.zeros((2, 1, 2, 16), np.float32), ms.float16)
    q32 = to_ms(np.zeros((2, 1, 2, 16), np.float32), ms.float32)
    q_odd = to_ms(np.zeros((2, 1, 2, 12), np.float32), ms.float16)
    monkeypatch.setenv("MSCORE_ATTENTION_IMPL", "fallback")
    assert dpa.use_fused_attention(q16) is False
    monkeypatch.setenv("MSCORE_ATTENTION_IMPL", "fused")
    assert dpa.use_fused_attention(q32) is True  # forcing wins over the dtype check
    monkeypatch.setenv("MSCORE_ATTENTION_IMPL", "bogus")
    with pytest.raises(ValueError, match="MSCORE_ATTENTION_IMPL"):
        dpa.use_fused_attention(q16)
    monkeypatch.delenv("MSCORE_ATTENTION_IMPL")
    # automatic: the kernel only on Ascend, and only for fp16/bf16 with a head size multiple of 16
    assert dpa.use_fused_attention(q16) is ON_ASCEND
    assert dpa.use_fused_attention(q32) is False
    assert dpa.use_fused_attention(q_odd) is False


# ---------------------------------------------------------------------------------------------------------------
# the fused path's argument building, on any device: ops.speed_fusion_attention is replaced by mscore.backfill's
# composition (which enforces the kernel's documented argument rules), so the layouts, sparse modes, masks and
# sequence lengths the module hands to the kernel are checked numerically against the torch reference
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def emulated_kernel(monkeypatch):
    from tests.npu.npu_common import cpu_kernel

    composite = cpu_kernel("speed_fusion_attention")

    calls = []

    def kernel(*args, **kwargs):
        calls.append(kwargs)
        return composite(*args, **kwargs)

    monkeypatch.setattr(ms.ops, "speed_fusion_attention", kernel)
    return calls


@pytest.mark.parametrize("case", sorted(SBHD_CASES))
def test_fused_path_arguments_sbhd(case, emulated_kernel):
    spec = SBHD_CASES[case]
    s, b = 7, spec.get("b", 2)
    arrays = qkv_sbhd(zlib.crc32(case.encode()) % 1000, s=s, b=b, n=spec["n"], g=spec["g"])
    mask_np = padding_mask(spec["pad"], s) if "pad" in spec else (block_mask(spec["block"], s) if "block" in spec
                                                                  else None)
    causal, scale = spec["causal"], spec.get("scale")
    t_mask = None if mask_np is None else torch.tensor(mask_np if mask_np.ndim == 4 else mask_np[:, None])
    m_mask = None if mask_np is None else ms.Tensor(mask_np)
    run_both(
        lambda q, k, v: ref_sbhd(q, k, v, t_mask, causal, scale),
        lambda q, k, v: dpa.attention_sbhd(q, k, v, m_mask, causal, scale, 0.0, fused=True),
        arrays, seed=len(case),
    )
    assert emulated_kernel, "the fused path did not call ops.speed_fusion_attention"
    expected_mode = 2 if causal and mask_np is None else 0
    assert emulated_kernel[0]["sparse_mode"] == expected_mode


@pytest.mark.parametrize("case", sorted(TND_CASES))
def test_fused_path_arguments_tnd(case, emulated_kernel):
    spec = TND_CASES[case]
    cu = spec["cu"] if spec["cu"][0] == 0 else [0] + spec["cu"]
    arrays = qkv_tnd(len(case), cu[-1], n=spec.get("n", 2), g=spec.get("g", 2))
    run_both(
        lambda q, k, v: ref_tnd(q, k, v, cu, spec["causal"]),
        lambda q, k, v: dpa.attention_tnd(q, k, v, spec["cu"], None, spec["causal"], None, 0.0, fused=True),
        arrays, seed=cu[-1],
    )
    assert emulated_kernel[0]["actual_seq_qlen"] == cu[1:]
    assert emulated_kernel[0].get("sparse_mode", 0) == (3 if spec["causal"] else 0)


def test_fused_path_key_padding_and_compressed_mask(emulated_kernel):
    arrays = qkv_sbhd(7, s=6, n=4, g=2)
    m = np.zeros((2, 1, 1, 6), dtype=bool)
    m[0, :, :, 5:] = True
    run_both(lambda q, k, v: ref_sbhd(q, k, v, torch.tensor(m), True),
             lambda q, k, v: dpa.attention_sbhd(q, k, v, ms.Tensor(m), True, None, 0.0, fused=True),
             arrays, seed=7)
    assert tuple(emulated_kernel[0]["atten_mask"].shape) == (2, 1, 6, 6)
    compressed = ms.Tensor(np.triu(np.ones((2048, 2048), dtype=bool), 1))
    run_both(lambda q, k, v: ref_sbhd(q, k, v, None, True),
             lambda q, k, v: dpa.attention_sbhd(q, k, v, compressed, True, None, 0.0, fused=True),
             arrays, seed=8)
    assert emulated_kernel[-1]["sparse_mode"] == 2


def test_fused_path_tnd_causal_cross_lengths(emulated_kernel):
    _check_tnd_causal_cross(True)
    assert emulated_kernel[0]["sparse_mode"] == 3 and emulated_kernel[0]["actual_seq_kvlen"] == [4, 9]
