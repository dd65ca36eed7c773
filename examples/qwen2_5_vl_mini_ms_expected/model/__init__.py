from .modeling import MiniQwen2_5_VLForConditionalGeneration

__all__ = ["MiniQwen2_5_VLForConditionalGeneration"]
