"""Run inside the torch-blocked MindSpore process (run_parity.RUNNER, backfill on): compile pieces of the converted
mini Qwen2.5-VL with mindspore.jit and compare them with PyNative. Writes a JSON report to argv[4].

    <RUNNER> _jit_worker.py CONVERTED_PROJECT CKPT_DIR DATA_JSON OUT_JSON

- ast capture: one converted decoder layer's forward + gradients (value_and_grad over its parameters);
- bytecode capture: the whole model's training-step forward + gradients on one batch (graph breaks allowed).
"""
import json
import sys

import numpy as np
import mindspore as ms

project, ckpt, data, out = sys.argv[1:5]
sys.path.insert(0, project)

from checkpoint import load_pretrained_weights  # noqa: E402
from configuration import MiniQwen2_5_VLConfig  # noqa: E402
from dataset import DataCollator, build_dataset  # noqa: E402
from model import MiniQwen2_5_VLForConditionalGeneration  # noqa: E402
from model.language import Qwen2DecoderLayer  # noqa: E402


def compare(grad_fn, mode, *inputs):
    def step(*args):   # as a training loop would compile it: a function calling the gradient function
        return grad_fn(*args)

    loss0, grads0 = grad_fn(*inputs)
    loss1, grads1 = ms.jit(step, capture_mode=mode)(*inputs)
    return {"loss_pynative": float(loss0), "loss_jit": float(loss1),
            "grad_max_abs_diff": max(float(np.abs(a.asnumpy() - b.asnumpy()).max()) for a, b in zip(grads0, grads1)),
            "n_grads": len(grads1)}


ms.set_seed(0)
config = MiniQwen2_5_VLConfig.from_pretrained(ckpt)
config.update(attention_dropout=0.0, hidden_dropout=0.0)
report = {}

layer = Qwen2DecoderLayer(config, 0)
layer.set_train(True)
rs = np.random.RandomState(0)
head_dim = config.hidden_size // config.num_attention_heads
h = ms.Tensor(rs.randn(2, 8, config.hidden_size).astype(np.float32))
mask = ms.Tensor(np.triu(np.full((8, 8), -1e9, np.float32), 1)[None, None].repeat(2, 0))
cos = ms.Tensor(np.cos(rs.randn(3, 2, 8, head_dim)).astype(np.float32))
sin = ms.Tensor(np.sin(rs.randn(3, 2, 8, head_dim)).astype(np.float32))


def layer_loss(h, mask, cos, sin):
    return (layer(h, attention_mask=mask, position_embeddings=(cos, sin)) ** 2).mean()


report["ast_decoder_layer"] = compare(ms.value_and_grad(layer_loss, None, layer.trainable_params()), "ast",
                                      h, mask, cos, sin)

model = MiniQwen2_5_VLForConditionalGeneration(config)
load_pretrained_weights(model, ckpt)
model.set_train(True)
dataset, tokenizer = build_dataset(data, config)
batch = DataCollator(tokenizer.pad_token_id)([dataset[0], dataset[1]])


def step_loss(input_ids, attention_mask, labels, pixel_values, image_grid_thw):
    return model(input_ids=input_ids, attention_mask=attention_mask, labels=labels, pixel_values=pixel_values,
                 image_grid_thw=image_grid_thw)["loss"]


report["bytecode_training_step"] = compare(
    ms.value_and_grad(step_loss, None, model.trainable_params()), "bytecode",
    batch["input_ids"], batch["attention_mask"], batch["labels"], batch["pixel_values"], batch["image_grid_thw"])
with open(out, "w") as f:
    json.dump(report, f, indent=1)
