"""Hugging Face weights in, the same numbers out: transformers' Qwen2.5-VL (torch) against the bundled mini
Qwen2.5-VL converted by mscore and run on MindSpore CPU with torch blocked.

The reference is code nobody here wrote: `transformers.Qwen2_5_VLForConditionalGeneration` (pinned in the `test`
extra). A tiny checkpoint is made with transformers' own config class shrunk (`bench/tiny_qwen2_5_vl_hf.py`: 2 vision
layers, block 0 window attention and block 1 full attention, hidden 64, 2 GQA LLM layers, M-RoPE sections, Qwen's
real vocabulary size and special token ids) and saved with `save_pretrained` (sharded safetensors). The mini project
(`examples/qwen2_5_vl_mini`) loads that checkpoint with its own loader; `python -m mscore convert` turns the project
into MindSpore code; its `tools/forward_backward.py` runs one forward and backward pass on one batch (two images of
different sizes, several attention windows each, a right-padded sample, the prompt masked in the labels) in torch
and, converted, in a process where `import torch` fails. Logits, loss and gradients are compared with transformers'
forward and autograd on the same batch (fp32).
"""
import importlib.util
import os
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("mindspore")
try:  # a declared test dependency (pyproject `test` extra): missing means this module fails, never skips
    from transformers import Qwen2_5_VLForConditionalGeneration
except ImportError as e:
    raise ImportError("transformers>=4.49 (Qwen2.5-VL) is a test dependency: pip install -e '.[test]'") from e

from ._example import EXAMPLE_DIR, REPO_ROOT, example_on_path, load_run_parity  # noqa: E402

LOGITS_ATOL = 1e-4
LOSS_RTOL = 1e-5
GRAD_ATOL = 1e-4
# the gradients the issue names: token embedding, a vision qkv, an LLM q/k/v, an MLP weight (vision and LLM), LM head
NAMED_GRADS = (
    "model.embed_tokens.weight",
    "visual.blocks.0.attn.qkv.weight",
    "visual.blocks.1.attn.qkv.weight",
    "model.layers.0.self_attn.q_proj.weight",
    "model.layers.1.self_attn.k_proj.weight",
    "model.layers.0.self_attn.v_proj.weight",
    "visual.blocks.0.mlp.gate_proj.weight",
    "model.layers.1.mlp.down_proj.weight",
    "lm_head.weight",
)
# (t, h, w) patch grids: 2x2 patches merge into one LLM token, windows are 4x4 merged tokens (112 / 14 / 2), so
# the first image (4x6 merged) has 2 windows, the second (6x10) 6, of unequal sizes
IMAGE_GRIDS = ((1, 8, 12), (1, 12, 20))
PAD = 151643  # <|endoftext|>, Qwen's padding token (the config has no pad_token_id)
IM_START, IM_END = 151644, 151645


def _tiny_hf_module():
    path = os.path.join(REPO_ROOT, "bench", "tiny_qwen2_5_vl_hf.py")
    spec = importlib.util.spec_from_file_location("tiny_qwen2_5_vl_hf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_batch(tiny, seed=0):
    """Two samples, one image each: <im_start> prompt <vision_start> <image_pad>*n <vision_end> prompt <im_end>
    <im_start> answer <im_end>; labels are the answer only; the shorter sample is right-padded. Text ids are drawn
    from the whole ordinary vocabulary and include id 0 (which has no special role in Qwen's vocabulary)."""
    rng = np.random.default_rng(seed)
    merge = tiny.tiny_config().vision_config.spatial_merge_size
    patch_dim = 3 * 2 * 14 * 14  # channels x temporal patch x patch x patch
    rows, labels = [], []
    for i, (t, h, w) in enumerate(IMAGE_GRIDS):
        n_image = t * (h // merge) * (w // merge)
        text = rng.integers(0, PAD, size=12 + 3 * i).tolist()
        text[1] = 0
        prompt = ([IM_START] + text[:4] + [tiny.VISION_START] + [tiny.IMAGE_PAD] * n_image + [tiny.VISION_END]
                  + text[4:8] + [IM_END, IM_START])
        answer = text[8:] + [IM_END]
        rows.append(prompt + answer)
        labels.append([-100] * len(prompt) + answer)
    length = max(len(r) for r in rows)
    input_ids = np.full((len(rows), length), PAD, dtype=np.int64)
    label_ids = np.full((len(rows), length), -100, dtype=np.int64)
    attention_mask = np.zeros((len(rows), length), dtype=np.int64)
    for i, (r, lab) in enumerate(zip(rows, labels)):
        input_ids[i, : len(r)] = r
        label_ids[i, : len(r)] = lab
        attention_mask[i, : len(r)] = 1
    grid = np.array(IMAGE_GRIDS, dtype=np.int64)
    pixel_values = rng.standard_normal((int(np.prod(grid, axis=1).sum()), patch_dim)).astype(np.float32)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": label_ids,
            "pixel_values": pixel_values, "image_grid_thw": grid}


def hf_forward_backward(ckpt_dir, batch, attn_implementation):
    """transformers' own model, loaded with from_pretrained: logits, loss and every parameter's gradient."""
    import torch

    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(ckpt_dir, torch_dtype=torch.float32,
                                                               attn_implementation=attn_implementation)
    model.train()
    out = model(**{k: torch.from_numpy(v) for k, v in batch.items()}, use_cache=False)
    out.loss.backward()
    dump = {"logits": out.logits.detach().numpy(), "loss": np.array(out.loss.item(), dtype=np.float64)}
    for name, p in model.named_parameters():
        if p.grad is not None:
            dump["grad." + name] = p.grad.numpy().copy()
    return dump


def compare(ref, got):
    """Per-tensor max abs differences (logits, each gradient), the loss's relative difference, and the reference's
    max abs values (the scale each difference is measured against)."""
    out = {"logits": float(np.max(np.abs(ref["logits"] - got["logits"]))),
           "loss_rel": abs(float(ref["loss"]) - float(got["loss"])) / abs(float(ref["loss"])), "grads": {},
           "scale": {"logits": float(np.max(np.abs(ref["logits"])))}}
    for k in ref:
        if k.startswith("grad."):
            out["grads"][k[5:]] = float(np.max(np.abs(ref[k] - got[k]))) if k in got else float("inf")
            out["scale"][k[5:]] = float(np.max(np.abs(ref[k])))
    return out


def describe(result):
    sc = result["scale"]
    lines = [f"logits max abs diff {result['logits']:.2e} (max |logit| {sc['logits']:.2f})   "
             f"loss rel diff {result['loss_rel']:.2e}"]
    lines += [f"  grad {name:<40} max abs diff {result['grads'][name]:.2e}  (max |grad| {sc[name]:.2e})"
              for name in NAMED_GRADS]
    worst = max(result["grads"], key=result["grads"].get)
    lines.append(f"  worst of {len(result['grads'])} gradients: {worst} {result['grads'][worst]:.2e}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("hf_qwen2_5_vl")
    tiny = _tiny_hf_module()
    # weights of order one ("unit"): with N(0, 0.02) norms the images would not move the logits above tolerance
    ckpt = tiny.write(d / "hf", seed=0, shards=2, dtype="float32", init="unit")
    batch = make_batch(tiny)
    np.savez(d / "batch.npz", **batch)
    return {"dir": d, "ckpt": str(ckpt), "batch": batch, "batch_file": str(d / "batch.npz")}


@pytest.fixture(scope="module", params=["sdpa", "eager"])
def attn(request):
    """Both attention paths, on both sides: F.scaled_dot_product_attention with boolean / additive masks, and the
    explicit matmul + softmax."""
    return request.param


@pytest.fixture(scope="module")
def hf_ref(work):
    """transformers' results by attention implementation, each computed once."""
    cache = {}

    def get(attn):
        if attn not in cache:
            cache[attn] = hf_forward_backward(work["ckpt"], work["batch"], attn)
        return cache[attn]

    return get


@pytest.fixture(scope="module")
def hf(hf_ref, attn):
    return hf_ref(attn)


@pytest.fixture(scope="module")
def rp():
    return load_run_parity()


def _forward_backward_args(work, attn, dump):
    return ["--model-dir", work["ckpt"], "--batch", work["batch_file"], "--attn-implementation", attn, "--dump", dump]


def mini_torch_step(work, attn, mutate=None):
    """The unconverted mini in torch, in-process, as tools/forward_backward.py runs it (optionally with a config
    change): logits, loss, gradients."""
    import torch

    with example_on_path() as imp:
        cfg = imp("configuration").MiniQwen2_5_VLConfig.from_pretrained(work["ckpt"])
        cfg.update(attn_implementation=attn)
        if mutate is not None:
            mutate(cfg)
        model = imp("model").MiniQwen2_5_VLForConditionalGeneration(cfg)
        imp("checkpoint").load_pretrained_weights(model, work["ckpt"])
    model.train()
    out = model(**{k: torch.from_numpy(v) for k, v in work["batch"].items()})
    out["loss"].backward()
    got = {"logits": out["logits"].detach().numpy(), "loss": np.array(out["loss"].item(), dtype=np.float64)}
    got.update({"grad." + n: p.grad.numpy() for n, p in model.named_parameters() if p.grad is not None})
    return got


@pytest.fixture(scope="module")
def mini_torch(work, attn):
    return mini_torch_step(work, attn)


@pytest.fixture(scope="module")
def converted(rp, work):
    """The mini converted once by `python -m mscore convert`, as run_parity.py does (with a fresh cache)."""
    out = str(work["dir"] / "converted")
    env = dict(os.environ, MSCORE_CACHE_DIR=str(work["dir"] / "mscore-cache"))
    rp.run([sys.executable, "-m", "mscore", "convert", EXAMPLE_DIR, "--out", out], cwd=REPO_ROOT, env=env)
    assert rp.torch_imports(out) == []
    return out


@pytest.fixture(scope="module")
def mini_mindspore(rp, work, converted, attn):
    """The converted tool run by run_parity's torch-blocking runner, with the CPU backfill on."""
    # the converted tree's own runtime copy (mscore_rt) first on the path
    env = dict(os.environ, GLOG_v="4",
               PYTHONPATH=os.pathsep.join([converted, REPO_ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    dump = str(work["dir"] / f"mini_mindspore_{attn}.npz")
    rp.run([sys.executable, "-c", rp.RUNNER, os.path.join(converted, "tools", "forward_backward.py"),
            *_forward_backward_args(work, attn, dump)], env=env, timeout=900)
    return dict(np.load(dump))


def test_batch_exercises_window_and_full_attention(work):
    """Each image spans several attention windows in the window block, and a full-attention block exists."""
    tiny = _tiny_hf_module()
    vc = tiny.tiny_config().vision_config
    assert vc.fullatt_block_indexes == [1] and vc.depth == 2
    window = vc.window_size // vc.spatial_merge_size // vc.patch_size
    for t, h, w in IMAGE_GRIDS:
        assert -(-h // vc.spatial_merge_size // window) * -(-w // vc.spatial_merge_size // window) > 1
    b = work["batch"]
    assert (b["input_ids"] == tiny.IMAGE_PAD).sum() == sum(t * h * w for t, h, w in IMAGE_GRIDS) // 4
    assert (b["attention_mask"] == 0).any() and (b["labels"] == -100).any() and (b["labels"] != -100).any()


def test_mini_torch_matches_transformers(hf, mini_torch, attn):
    """The mini's semantics are transformers': same checkpoint, same batch, the torch mini agrees to rounding."""
    result = compare(hf, mini_torch)
    report = describe(result)
    print(f"\nmini (torch) vs transformers, {attn}\n" + report)
    assert set(k for k in hf if k.startswith("grad.")) == set(k for k in mini_torch if k.startswith("grad.")), report
    assert result["logits"] <= 1e-5 and result["loss_rel"] <= 1e-6, report
    assert max(result["grads"].values()) <= 1e-5, report


def test_converted_mini_on_mindspore_matches_transformers(hf, mini_mindspore, attn):
    result = compare(hf, mini_mindspore)
    report = describe(result)
    print(f"\nconverted mini (MindSpore CPU, torch blocked) vs transformers (torch), {attn}\n" + report)
    assert mini_mindspore["logits"].shape == hf["logits"].shape, report
    assert np.isfinite(mini_mindspore["logits"]).all() and np.isfinite(float(mini_mindspore["loss"])), report
    assert result["logits"] <= LOGITS_ATOL, report
    assert result["loss_rel"] <= LOSS_RTOL, report
    for name in NAMED_GRADS:
        assert result["grads"][name] <= GRAD_ATOL, report
    assert max(result["grads"].values()) <= GRAD_ATOL, report


# Wrong semantics the comparison must catch: each is a plausible mistake of a port (the last is what the mini did
# before it read Hugging Face configs: token 0 was its padding row, so that row of the embedding got no gradient).
MUTATIONS = {
    "window block as full attention": lambda cfg: setattr(cfg.vision_config, "fullatt_block_indexes", [0, 1]),
    "M-RoPE sections reordered": lambda cfg: cfg.rope_scaling.update(mrope_section=[3, 3, 2]),
    "token 0 as padding row": lambda cfg: setattr(cfg, "pad_token_id", 0),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_wrong_semantics_are_caught(hf_ref, work, mutation):
    """The mini in torch, in-process, with one semantic change: the comparison rejects it."""
    result = compare(hf_ref("sdpa"), mini_torch_step(work, "sdpa", MUTATIONS[mutation]))
    assert result["logits"] > LOGITS_ATOL or max(result["grads"].values()) > GRAD_ATOL, describe(result)


def test_comparison_can_fail(hf_ref):
    """A perturbed copy of the reference is rejected: the figures above are real differences."""
    hf = hf_ref("sdpa")
    bad = dict(hf)
    bad["grad.visual.blocks.0.attn.qkv.weight"] = hf["grad.visual.blocks.0.attn.qkv.weight"] + 2 * GRAD_ATOL
    bad["logits"] = hf["logits"] + 2 * LOGITS_ATOL
    result = compare(hf, bad)
    assert result["logits"] > LOGITS_ATOL and result["grads"]["visual.blocks.0.attn.qkv.weight"] > GRAD_ATOL
    assert compare(hf, {k: v for k, v in hf.items() if k != "grad.lm_head.weight"})["grads"]["lm_head.weight"] == float("inf")
