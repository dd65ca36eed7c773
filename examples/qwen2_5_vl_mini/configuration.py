"""Model configuration for the mini Qwen2.5-VL (a toy-sized copy of the architecture, our own code).

`MiniQwen2_5_VLConfig.from_pretrained` also reads the `config.json` of a Hugging Face Qwen2.5-VL checkpoint
(`"model_type": "qwen2_5_vl"`), so that the mini model loads the same weights as transformers'
`Qwen2_5_VLForConditionalGeneration`. transformers writes only the vision settings that differ from its defaults,
and it has no padding token for Qwen2.5-VL; see `HF_QWEN2_5_VL_VISION_DEFAULTS` and `from_pretrained`.
"""
import copy
import json
import os

HF_MODEL_TYPE = "qwen2_5_vl"
# The vision settings of transformers' Qwen2.5-VL config class (those of the 7B release). `save_pretrained` leaves
# out every vision key equal to these, so a missing key means this value, not the mini's own default.
HF_QWEN2_5_VL_VISION_DEFAULTS = {
    "depth": 32,
    "hidden_size": 3584,
    "hidden_act": "silu",
    "intermediate_size": 3420,
    "num_heads": 16,
    "in_channels": 3,
    "patch_size": 14,
    "spatial_merge_size": 2,
    "temporal_patch_size": 2,
    "window_size": 112,
    "fullatt_block_indexes": [7, 15, 23, 31],
    "out_hidden_size": 3584,
}


class VisionConfig:
    def __init__(
        self,
        depth=4,
        hidden_size=32,
        intermediate_size=64,
        num_heads=2,
        in_channels=3,
        patch_size=4,
        temporal_patch_size=2,
        spatial_merge_size=2,
        window_size=16,
        fullatt_block_indexes=(1, 3),
        out_hidden_size=64,
        rms_norm_eps=1e-6,
        hidden_act="silu",
        in_chans=None,
        **kwargs,
    ):
        if in_chans is not None:  # the name the released Qwen2.5-VL config.json files use
            in_channels = in_chans
        self.depth = depth
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_heads = num_heads
        self.in_channels = in_channels
        self.patch_size = patch_size
        self.temporal_patch_size = temporal_patch_size
        self.spatial_merge_size = spatial_merge_size
        self.window_size = window_size
        self.fullatt_block_indexes = list(fullatt_block_indexes)
        self.out_hidden_size = out_hidden_size
        self.rms_norm_eps = rms_norm_eps
        self.hidden_act = hidden_act

    def to_dict(self):
        return copy.deepcopy(self.__dict__)


class MiniQwen2_5_VLConfig:
    model_type = "mini_qwen2_5_vl"

    def __init__(
        self,
        vocab_size=262,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        rms_norm_eps=1e-6,
        rope_theta=10000.0,
        rope_scaling=None,
        hidden_act="silu",
        attention_dropout=0.0,
        hidden_dropout=0.0,
        tie_word_embeddings=False,
        initializer_range=0.02,
        attn_implementation="sdpa",
        image_token_id=5,
        vision_start_token_id=3,
        vision_end_token_id=4,
        pad_token_id=0,
        vision_config=None,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.num_key_value_heads = num_key_value_heads
        self.max_position_embeddings = max_position_embeddings
        self.rms_norm_eps = rms_norm_eps
        self.rope_theta = rope_theta
        self.hidden_act = hidden_act
        # mrope: the rotary half-dims given to (temporal, height, width); must sum to head_dim // 2
        self.rope_scaling = rope_scaling or {"type": "mrope", "mrope_section": [2, 3, 3]}
        self.attention_dropout = attention_dropout
        self.hidden_dropout = hidden_dropout
        self.tie_word_embeddings = tie_word_embeddings
        self.initializer_range = initializer_range
        self.attn_implementation = attn_implementation
        self.image_token_id = image_token_id
        self.vision_start_token_id = vision_start_token_id
        self.vision_end_token_id = vision_end_token_id
        self.pad_token_id = pad_token_id
        if isinstance(vision_config, dict):
            vision_config = VisionConfig(**vision_config)
        self.vision_config = vision_config or VisionConfig(out_hidden_size=hidden_size)

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def to_dict(self):
        out = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "vision_config"}
        out["model_type"] = self.model_type
        out["vision_config"] = self.vision_config.to_dict()
        return out

    def save_pretrained(self, save_directory):
        os.makedirs(save_directory, exist_ok=True)
        with open(os.path.join(save_directory, "config.json"), "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=2, sort_keys=True)
            f.write("\n")

    @classmethod
    def from_pretrained(cls, path):
        if os.path.isdir(path):
            path = os.path.join(path, "config.json")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.pop("model_type", None) == HF_MODEL_TYPE:
            data = cls.from_hf_dict(data)
        return cls(**data)

    @staticmethod
    def from_hf_dict(data):
        """The keyword arguments for a Hugging Face Qwen2.5-VL `config.json`: vision keys transformers left out take
        its defaults; no `pad_token_id` means no padding row in the embedding (as in transformers), not the mini's
        token 0; `rope_scaling` keeps only its `mrope_section` (transformers rewrites the type to "default")."""
        data = dict(data)
        vision = dict(HF_QWEN2_5_VL_VISION_DEFAULTS)
        vision.update({k: v for k, v in (data.get("vision_config") or {}).items() if k != "model_type"})
        data["vision_config"] = vision
        data.setdefault("pad_token_id", None)
        rope_scaling = data.get("rope_scaling") or {}
        if "mrope_section" in rope_scaling:
            data["rope_scaling"] = {"type": "mrope", "mrope_section": list(rope_scaling["mrope_section"])}
        return data

    def update(self, **overrides):
        for key, value in overrides.items():
            if not hasattr(self, key):
                raise KeyError(f"unknown config key: {key}")
            setattr(self, key, value)
        return self
