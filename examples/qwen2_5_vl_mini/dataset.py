"""MLLM-format conversations (MindSpeed-MM's `mllm_format_*.json`) -> padded training batches.

Each record: {"images": ["path.png"], "messages": [{"role": "user", "content": "<image>\\n..."},
{"role": "assistant", "content": "..."}]}. Relative image paths are resolved against the JSON file's folder.
"""
import json
import os

import torch
from torch.utils.data import Dataset

from image_processor import ImageProcessor
from tokenizer import ByteTokenizer

IGNORE_INDEX = -100
IMAGE_PLACEHOLDER = "<image>"
SYSTEM_PROMPT = "You are a helpful assistant."


class MLLMDataset(Dataset):
    def __init__(self, data_path, tokenizer, image_processor, max_length=256, dataset_dir=None):
        with open(data_path, encoding="utf-8") as f:
            self.records = json.load(f)
        if not isinstance(self.records, list):
            raise ValueError(f"{data_path}: expected a JSON list of records")
        self.dataset_dir = dataset_dir or os.path.dirname(os.path.abspath(data_path))
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.max_length = max_length

    def __len__(self):
        return len(self.records)

    def _image_tokens(self, grid_thw):
        t, h, w = grid_thw
        n = t * h * w // (self.image_processor.merge_size**2)
        return "<|vision_start|>" + "<|image_pad|>" * n + "<|vision_end|>"

    def __getitem__(self, index):
        record = self.records[index]
        pixel_values, grids = [], []
        for path in record.get("images", []):
            if not os.path.isabs(path):
                path = os.path.join(self.dataset_dir, path)
            patches, grid_thw = self.image_processor(path)
            pixel_values.append(patches)
            grids.append(grid_thw)

        tok = self.tokenizer
        input_ids = tok.encode(f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n")
        labels = [IGNORE_INDEX] * len(input_ids)
        image_iter = iter(grids)
        for message in record["messages"]:
            content = message["content"]
            while IMAGE_PLACEHOLDER in content:
                content = content.replace(IMAGE_PLACEHOLDER, self._image_tokens(next(image_iter)), 1)
            if message["role"] == "user":
                ids = tok.encode(f"<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n")
                input_ids += ids
                labels += [IGNORE_INDEX] * len(ids)
            elif message["role"] == "assistant":
                ids = tok.encode(f"{content}<|im_end|>\n")
                input_ids += ids
                labels += ids
            else:
                raise ValueError(f"record {index}: unknown role {message['role']!r}")
        if len(input_ids) > self.max_length:
            raise ValueError(f"record {index}: {len(input_ids)} tokens > max_length {self.max_length}")
        return {
            "input_ids": input_ids,
            "labels": labels,
            "pixel_values": pixel_values,
            "image_grid_thw": grids,
        }


class DataCollator:
    """Right-pad a list of samples into one batch; concatenate every image's patches."""

    def __init__(self, pad_token_id):
        self.pad_token_id = pad_token_id

    def __call__(self, features):
        max_len = max(len(f["input_ids"]) for f in features)
        input_ids = torch.full((len(features), max_len), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(features), max_len), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(features), max_len), dtype=torch.long)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            input_ids[i, :n] = torch.tensor(f["input_ids"], dtype=torch.long)
            labels[i, :n] = torch.tensor(f["labels"], dtype=torch.long)
            attention_mask[i, :n] = 1
        batch = {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask}
        patches = [torch.from_numpy(p) for f in features for p in f["pixel_values"]]
        if patches:
            batch["pixel_values"] = torch.cat(patches, dim=0)
            batch["image_grid_thw"] = torch.tensor([g for f in features for g in f["image_grid_thw"]], dtype=torch.long)
        return batch


def build_dataset(data_path, config, max_length=256):
    vc = config.vision_config
    tokenizer = ByteTokenizer()
    image_processor = ImageProcessor(
        patch_size=vc.patch_size, temporal_patch_size=vc.temporal_patch_size, merge_size=vc.spatial_merge_size
    )
    return MLLMDataset(data_path, tokenizer, image_processor, max_length=max_length), tokenizer
