"""The full model: vision tower + Qwen2 decoder + LM head, with the causal LM loss."""
import mindspore as ms
from mindspore import mint, nn

from .language import Qwen2Model
from .rope import get_rope_index
from .vision import VisionTransformer

IGNORE_INDEX = -100


def causal_lm_loss(logits, labels, vocab_size, ignore_index=IGNORE_INDEX):
    """Token i predicts token i + 1; positions labelled ignore_index do not count."""
    logits = logits.float()
    shift_logits = logits[..., :-1, :]
    shift_labels = labels[..., 1:]
    shift_logits = shift_logits.view(-1, vocab_size)
    shift_labels = shift_labels.view(-1)
    return mint.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=ignore_index, reduction="mean")


class MiniQwen2_5_VLForConditionalGeneration(nn.Cell):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.visual = VisionTransformer(config.vision_config, attn_implementation=config.attn_implementation)
        self.model = Qwen2Model(config)
        self.vocab_size = config.vocab_size
        self.lm_head = mint.nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if self.config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def get_input_embeddings(self):
        return self.model.embed_tokens

    def construct(
        self,
        input_ids,
        attention_mask=None,
        labels=None,
        pixel_values=None,
        image_grid_thw=None,
    ):
        inputs_embeds = self.model.embed_tokens(input_ids)
        if pixel_values is not None:
            pixel_values = pixel_values.type(self.visual.dtype)
            image_embeds = self.visual(pixel_values, grid_thw=image_grid_thw)
            n_image_tokens = (input_ids == self.config.image_token_id).sum().item()
            n_image_features = image_embeds.shape[0]
            if n_image_tokens != n_image_features:
                raise ValueError(
                    f"Image features and image tokens do not match: tokens: {n_image_tokens}, features {n_image_features}"
                )
            mask = input_ids == self.config.image_token_id
            mask_unsqueezed = mask.unsqueeze(-1)
            mask_expanded = mask_unsqueezed.expand_as(inputs_embeds)
            image_mask = mask_expanded
            image_embeds = image_embeds.to(inputs_embeds.dtype)
            inputs_embeds = inputs_embeds.masked_scatter(image_mask, image_embeds)

        if attention_mask is None:
            attention_mask = mint.ones(input_ids.shape, dtype=ms.int64)
        position_ids, _ = get_rope_index(input_ids, image_grid_thw, attention_mask, self.config)

        hidden_states = self.model(inputs_embeds, attention_mask=attention_mask, position_ids=position_ids)
        logits = self.lm_head(hidden_states)

        loss = None
        if labels is not None:
            loss = causal_lm_loss(logits, labels, self.config.vocab_size)
        return {"loss": loss, "logits": logits}
