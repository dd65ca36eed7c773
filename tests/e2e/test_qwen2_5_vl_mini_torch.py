"""The torch side of the e2e example: data tools, preprocessing, model pieces, training. Runs in-process."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ._example import EXAMPLE_DIR, example_on_path, load_run_parity  # noqa: E402


@pytest.fixture
def ex():
    with example_on_path() as imp:
        yield imp


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Synthetic data + seeded checkpoint, made by the example's own tools (as subprocesses)."""
    rp = load_run_parity()
    d = tmp_path_factory.mktemp("qwen_mini")
    data_json, ckpt_dir = rp.prepare(str(d), num_records=6)
    return {"dir": d, "data": data_json, "ckpt": ckpt_dir}


def _tools(name, *args, cwd=None):
    return subprocess.run([sys.executable, os.path.join(EXAMPLE_DIR, "tools", name), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


# ---------------------------------------------------------------------------------------------- data tools


def test_llava_to_mllm_converts_roles_and_paths(tmp_path):
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.png").write_bytes(b"x")
    llava = [
        {"id": "1", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nQ?"},
                                                        {"from": "gpt", "value": "A."}]},
        {"id": "2", "image": "missing.png", "conversations": [{"from": "human", "value": "<image>\nQ?"},
                                                              {"from": "gpt", "value": "A."}]},
        {"id": "3", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]},
    ]
    src = tmp_path / "llava.json"
    src.write_text(json.dumps(llava))
    out = tmp_path / "out" / "mllm.json"
    out.parent.mkdir()
    proc = _tools("llava_to_mllm.py", src, "--image-dir", tmp_path / "imgs", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "1 skipped" in proc.stdout
    got = json.loads(out.read_text())
    assert got == [
        {"images": [os.path.join("..", "imgs", "a.png")],
         "messages": [{"role": "user", "content": "<image>\nQ?"}, {"role": "assistant", "content": "A."}]},
        {"images": [], "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]},
    ]


def test_llava_to_mllm_bad_input_is_one_line_error(tmp_path):
    src = tmp_path / "llava.json"
    src.write_text(json.dumps([{"id": "9", "conversations": [{"from": "robot", "value": "x"}]}]))
    out = tmp_path / "mllm.json"
    proc = _tools("llava_to_mllm.py", src, "--image-dir", tmp_path, "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "unknown speaker 'robot'" in proc.stderr
    assert not out.exists()
    # an existing output is not overwritten without --force
    out.write_text("keep")
    src.write_text("[]")
    proc = _tools("llava_to_mllm.py", src, "--image-dir", tmp_path, "--out", out)
    assert proc.returncode == 2 and out.read_text() == "keep"


def test_tokenizer_round_trip(ex):
    tok = ex("tokenizer").ByteTokenizer()
    text = "<|im_start|>user\n<|vision_start|><|image_pad|><|image_pad|><|vision_end|>héllo<|im_end|>"
    ids = tok.encode(text)
    assert ids[0] == 1 and ids[1:5] == [tok.offset + b for b in b"user"]
    assert ids.count(tok.image_token_id) == 2
    assert tok.decode(ids) == text
    assert max(ids) < tok.vocab_size


def test_image_processor_patch_layout(ex, tmp_path):
    from PIL import Image

    ip = ex("image_processor").ImageProcessor(patch_size=4, temporal_patch_size=2, merge_size=2)
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(16, 24, 3), dtype=np.uint8)  # H=16, W=24: already a multiple of 8
    path = tmp_path / "x.png"
    Image.fromarray(arr).save(path)
    patches, grid = ip(str(path))
    assert grid == [1, 4, 6]
    assert patches.shape == (24, 3 * 2 * 4 * 4) and patches.dtype == np.float32
    norm = (arr.astype(np.float32) / 255 - np.array(ex("image_processor").IMAGE_MEAN, np.float32)) / np.array(
        ex("image_processor").IMAGE_STD, np.float32)
    # patch k of merge group (gh, gw) covers rows (2*gh + k//2)*4, cols (2*gw + k%2)*4; layout (C, T, P, P)
    for gh, gw, k in [(0, 0, 0), (0, 0, 3), (1, 2, 1), (1, 0, 2)]:
        idx = (gh * 3 + gw) * 4 + k
        r, c = (2 * gh + k // 2) * 4, (2 * gw + k % 2) * 4
        want = norm[r:r + 4, c:c + 4, :].transpose(2, 0, 1)  # C, P, P
        got = patches[idx].reshape(3, 2, 4, 4)
        np.testing.assert_allclose(got[:, 0], want, rtol=0, atol=1e-6)
        np.testing.assert_allclose(got[:, 1], want, rtol=0, atol=1e-6)


def test_dataset_masks_prompt_and_expands_image_tokens(ex, workdir):
    cfg = ex("configuration").MiniQwen2_5_VLConfig.from_pretrained(workdir["ckpt"])
    dataset, tok = ex("dataset").build_dataset(workdir["data"], cfg)
    sample = dataset[0]
    t, h, w = sample["image_grid_thw"][0]
    assert sample["input_ids"].count(tok.image_token_id) == t * h * w // 4
    answer = [i for i, lab in zip(sample["input_ids"], sample["labels"]) if lab != -100]
    assert answer == [lab for lab in sample["labels"] if lab != -100]
    record = dataset.records[0]
    assert tok.decode(answer) == record["messages"][1]["content"] + "<|im_end|>\n"
    collate = ex("dataset").DataCollator(tok.pad_token_id)
    batch = collate([dataset[i] for i in range(4)])  # one of them is the text-only record
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    n_img = sum(len(dataset[i]["image_grid_thw"]) for i in range(4))
    assert batch["image_grid_thw"].shape == (n_img, 3) and n_img == 3
    assert batch["pixel_values"].shape[0] == int(batch["image_grid_thw"].prod(-1).sum())
    assert bool((batch["labels"][batch["attention_mask"] == 0] == -100).all())


# ---------------------------------------------------------------------------------------------- model pieces


def _vision(ex, **overrides):
    cfg = ex("configuration").VisionConfig(**overrides)
    torch.manual_seed(0)
    return ex("model.vision").VisionTransformer(cfg), cfg


def _patches(cfg, grids, seed=0):
    g = torch.Generator().manual_seed(seed)
    dim = cfg.in_channels * cfg.temporal_patch_size * cfg.patch_size**2
    return [torch.randn(t * h * w, dim, generator=g) for t, h, w in grids]


@pytest.mark.parametrize("full", [[1, 3], [0, 1, 2, 3]])
def test_vision_tower_images_do_not_see_each_other(ex, full):
    """Two images in one call give the same features as each image alone: the cu_seqlens block masks hold."""
    vt, cfg = _vision(ex, fullatt_block_indexes=full)
    grids = [(1, 8, 12), (1, 4, 8)]
    xs = _patches(cfg, grids)
    with torch.no_grad():
        both = vt(torch.cat(xs), torch.tensor(grids))
        alone = [vt(x, torch.tensor([g])) for x, g in zip(xs, grids)]
    np.testing.assert_allclose(both.numpy(), torch.cat(alone).numpy(), rtol=0, atol=1e-6)
    assert both.shape == (8 * 12 // 4 + 4 * 8 // 4, cfg.out_hidden_size)


def test_vision_window_attention_is_local(ex):
    """With window blocks, changing pixels in one window leaves the other windows' tokens unchanged before the
    first full-attention block; with all blocks full the change spreads everywhere."""
    grids = [(1, 8, 8)]  # 4x4 merged units, windows of 2x2 merged units -> 4 windows
    for full, spreads in (([3], False), ([0], True)):
        vt, cfg = _vision(ex, fullatt_block_indexes=full, depth=3 if not spreads else 1)
        x = _patches(cfg, grids)[0]
        y = x.clone()
        y[:4] += 1.0  # first merge group: merged unit (0, 0), window 0
        with torch.no_grad():
            a, b = vt(x, torch.tensor(grids)), vt(y, torch.tensor(grids))
        changed = (a - b).abs().amax(-1) > 1e-6
        # merged units in window 0: (0,0),(0,1),(1,0),(1,1) -> flat 0, 1, 4, 5
        window0 = torch.zeros(16, dtype=torch.bool)
        window0[[0, 1, 4, 5]] = True
        if spreads:
            assert bool(changed.all())
        else:
            assert bool(changed[window0].all()) and not bool(changed[~window0].any())


def test_vision_eager_and_sdpa_agree(ex):
    vt, cfg = _vision(ex)
    grids = [(1, 8, 12), (1, 4, 8)]
    x = torch.cat(_patches(cfg, grids))
    with torch.no_grad():
        a = vt(x, torch.tensor(grids))
        for m in vt.modules():
            if hasattr(m, "attn_implementation"):
                m.attn_implementation = "sdpa"
        b = vt(x, torch.tensor(grids))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-5)


def test_rope_index_text_and_image(ex):
    cfg = ex("configuration").MiniQwen2_5_VLConfig()
    rope = ex("model.rope")
    S, E, I = cfg.vision_start_token_id, cfg.vision_end_token_id, cfg.image_token_id  # noqa: E741
    ids = torch.tensor([[10, 11, S] + [I] * 6 + [E, 12, 13], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0, 0]])
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    pos, delta = rope.get_rope_index(ids, torch.tensor([[1, 4, 6]]), mask, cfg)  # merged grid 2 x 3
    # text: 0,1,2; image at offset 3: t=0, h in {0,1}, w in {0,1,2}; then text resumes at 3 + max(2,1) + 1 = 6
    assert pos[0, 0].tolist() == [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8]
    assert pos[1, 0].tolist() == [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8]
    assert pos[2, 0].tolist() == [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8]
    for axis in range(3):
        assert pos[axis, 1, :10].tolist() == list(range(10))
    # delta = max position + 1 - number of tokens (the shift generation would apply after the prompt)
    assert delta.view(-1).tolist() == [8 + 1 - 12, 9 + 1 - 10]


def test_checkpoint_round_trip_and_tied_head(ex, tmp_path):
    cfgmod, modeling, ckpt = ex("configuration"), ex("model.modeling"), ex("checkpoint")
    from safetensors.numpy import load_file

    for tied in (False, True):
        torch.manual_seed(1)
        cfg = cfgmod.MiniQwen2_5_VLConfig(tie_word_embeddings=tied)
        m = modeling.MiniQwen2_5_VLForConditionalGeneration(cfg)
        d = tmp_path / f"tied{tied}"
        ckpt.save_pretrained_weights(m, str(d))
        assert ("lm_head.weight" in load_file(str(d / "model.safetensors"))) is (not tied)
        cfg2 = cfgmod.MiniQwen2_5_VLConfig.from_pretrained(str(d))
        assert cfg2.to_dict() == cfg.to_dict()
        torch.manual_seed(2)
        m2 = modeling.MiniQwen2_5_VLForConditionalGeneration(cfg2)
        ckpt.load_pretrained_weights(m2, str(d))
        for (k, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
            assert torch.equal(a, b), k
        assert (m2.lm_head.weight is m2.model.embed_tokens.weight) is tied


def test_checkpoint_loads_shards_and_nested_hf_names(ex, tmp_path):
    """Shards listed in model.safetensors.index.json, with the names later transformers versions write
    (model.visual.*, model.language_model.*), load into the same tensors."""
    cfgmod, modeling, ckpt = ex("configuration"), ex("model.modeling"), ex("checkpoint")
    from safetensors.torch import save_file

    torch.manual_seed(1)
    cfg = cfgmod.MiniQwen2_5_VLConfig()
    m = modeling.MiniQwen2_5_VLForConditionalGeneration(cfg)
    nested = {}
    for k, v in m.state_dict().items():
        k = "model.language_model." + k[len("model."):] if k.startswith("model.") else k
        k = "model." + k if k.startswith("visual.") else k
        nested[k] = v.contiguous()
    names = sorted(nested)
    shards = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    for shard, keys in shards.items():
        save_file({k: nested[k] for k in keys}, str(tmp_path / shard), metadata={"format": "pt"})
    weight_map = {k: shard for shard, keys in shards.items() for k in keys}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    torch.manual_seed(2)
    m2 = modeling.MiniQwen2_5_VLForConditionalGeneration(cfg)
    ckpt.load_pretrained_weights(m2, str(tmp_path))
    for (k, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), k


def test_config_reads_a_hugging_face_config(ex, tmp_path):
    """transformers writes only the vision keys that differ from its defaults and no pad_token_id for Qwen2.5-VL:
    the missing keys take transformers' values, not the mini's."""
    cfgmod = ex("configuration")
    hf = {"model_type": "qwen2_5_vl", "vocab_size": 300, "hidden_size": 64, "num_attention_heads": 4,
          "num_key_value_heads": 2, "hidden_act": "silu", "image_token_id": 7, "torch_dtype": "float32",
          "rope_scaling": {"mrope_section": [2, 3, 3], "rope_type": "default", "type": "default"},
          "vision_config": {"depth": 2, "hidden_size": 64, "in_chans": 3, "fullatt_block_indexes": [1],
                            "model_type": "qwen2_5_vl", "out_hidden_size": 64, "tokens_per_second": 2}}
    (tmp_path / "config.json").write_text(json.dumps(hf))
    cfg = cfgmod.MiniQwen2_5_VLConfig.from_pretrained(str(tmp_path))
    vc = cfg.vision_config
    assert (vc.depth, vc.hidden_size, vc.fullatt_block_indexes, vc.in_channels) == (2, 64, [1], 3)
    assert (vc.patch_size, vc.window_size, vc.spatial_merge_size, vc.temporal_patch_size) == (14, 112, 2, 2)
    assert vc.num_heads == 16 and vc.intermediate_size == 3420  # transformers' defaults, absent from the file
    assert cfg.pad_token_id is None and cfg.image_token_id == 7
    assert cfg.rope_scaling == {"type": "mrope", "mrope_section": [2, 3, 3]}
    # the mini's own config.json is read as written
    cfgmod.MiniQwen2_5_VLConfig().save_pretrained(str(tmp_path / "mini"))
    assert cfgmod.MiniQwen2_5_VLConfig.from_pretrained(str(tmp_path / "mini")).pad_token_id == 0


# ---------------------------------------------------------------------------------------------- training


def test_training_runs_and_loss_decreases(ex, workdir, tmp_path):
    dump = tmp_path / "run.npz"
    losses = ex("train").main(["--model-dir", workdir["ckpt"], "--data", workdir["data"], "--steps", "12",
                               "--dump", str(dump), "--quiet"])
    out = np.load(dump)
    assert np.allclose(out["losses"], losses)
    assert losses[-1] < 0.85 * losses[0]
    assert all(np.isfinite(losses))
    n_params = len([k for k in out.files if k.startswith("grad.")])
    torch.manual_seed(0)
    cfg = ex("configuration").MiniQwen2_5_VLConfig.from_pretrained(workdir["ckpt"])
    model = ex("model.modeling").MiniQwen2_5_VLForConditionalGeneration(cfg)
    assert n_params == len(list(model.parameters()))
    assert out["logits0"].shape[-1] == cfg.vocab_size
    # every parameter, vision tower included, received a gradient
    assert all(np.abs(out[k]).max() > 0 for k in out.files if k.startswith("grad."))


def test_training_is_deterministic(ex, workdir, tmp_path):
    args = ["--model-dir", workdir["ckpt"], "--data", workdir["data"], "--steps", "3", "--quiet"]
    a = ex("train").main(args)
    b = ex("train").main(args)
    assert a == b
