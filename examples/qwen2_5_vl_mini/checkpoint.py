"""Hugging-Face-style checkpoints: `config.json` + `model.safetensors`."""
import os

from safetensors.torch import load_file, save_file

WEIGHTS_NAME = "model.safetensors"


def load_pretrained_weights(model, checkpoint_dir, strict=True):
    state_dict = load_file(os.path.join(checkpoint_dir, WEIGHTS_NAME))
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
