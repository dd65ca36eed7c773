"""Hugging-Face-style checkpoints: `config.json` + `model.safetensors`, or shards listed in
`model.safetensors.index.json` (how `save_pretrained` writes a model larger than its shard size).

The mini's parameter names are those of transformers' `Qwen2_5_VLForConditionalGeneration` as released with
Qwen2.5-VL (transformers 4.49: `visual.*`, `model.*`, `lm_head.*`), so a Hugging Face Qwen2.5-VL checkpoint loads
as it is. Later transformers versions nest the two towers one level down (`model.visual.*`,
`model.language_model.*`); `HF_KEY_MAPPING` renames those back.
"""
import json
import os
import re

from safetensors.torch import load_file, save_file

WEIGHTS_NAME = "model.safetensors"
WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
# (pattern, replacement) applied in order to every checkpoint key
HF_KEY_MAPPING = (
    (r"^model\.visual\.", "visual."),
    (r"^model\.language_model\.", "model."),
)


def rename_hf_keys(state_dict):
    renamed = {}
    for key, value in state_dict.items():
        for pattern, replacement in HF_KEY_MAPPING:
            key = re.sub(pattern, replacement, key)
        renamed[key] = value
    return renamed


def load_state_dict(checkpoint_dir):
    index_file = os.path.join(checkpoint_dir, WEIGHTS_INDEX_NAME)
    if os.path.isfile(index_file):
        with open(index_file, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
        state_dict = {}
        for shard in sorted(set(weight_map.values())):
            state_dict.update(load_file(os.path.join(checkpoint_dir, shard)))
    else:
        state_dict = load_file(os.path.join(checkpoint_dir, WEIGHTS_NAME))
    return rename_hf_keys(state_dict)


def load_pretrained_weights(model, checkpoint_dir, strict=True):
    state_dict = load_state_dict(checkpoint_dir)
    if getattr(model.config, "tie_word_embeddings", False):
        state_dict.setdefault("lm_head.weight", state_dict["model.embed_tokens.weight"])
    missing, unexpected = model.load_state_dict(state_dict, strict=strict)
    return missing, unexpected


def save_pretrained_weights(model, checkpoint_dir):
    os.makedirs(checkpoint_dir, exist_ok=True)
    state_dict = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        # tied tensors share storage; the LM head is restored from the embedding on load
        state_dict.pop("lm_head.weight", None)
    save_file(state_dict, os.path.join(checkpoint_dir, WEIGHTS_NAME), metadata={"format": "pt"})
    model.config.save_pretrained(checkpoint_dir)
