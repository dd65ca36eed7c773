"""Hugging-Face-style checkpoints: `config.json` + `model.safetensors`."""
import os

import mindspore as ms
from safetensors.numpy import load_file, save_file

WEIGHTS_NAME = "model.safetensors"


def load_pretrained_weights(model, checkpoint_dir, strict=True):
    state_dict = {k: ms.Tensor(v) for k, v in load_file(os.path.join(checkpoint_dir, WEIGHTS_NAME)).items()}
    if getattr(model.config, "tie_word_embeddings", False):
        state_dict.setdefault("lm_head.weight", state_dict["model.embed_tokens.weight"])
    missing, unexpected = model.load_state_dict(state_dict, strict=strict)
    return missing, unexpected


def save_pretrained_weights(model, checkpoint_dir):
    os.makedirs(checkpoint_dir, exist_ok=True)
    state_dict = {k: v.asnumpy() for k, v in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        state_dict.pop("lm_head.weight", None)
    save_file(state_dict, os.path.join(checkpoint_dir, WEIGHTS_NAME), metadata={"format": "pt"})
    model.config.save_pretrained(checkpoint_dir)
