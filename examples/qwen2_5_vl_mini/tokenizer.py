"""A byte-level tokenizer with Qwen2-VL style special tokens (no vocabulary files, nothing to download)."""

SPECIAL_TOKENS = [
    "<|endoftext|>",  # 0, also padding
    "<|im_start|>",  # 1
    "<|im_end|>",  # 2
    "<|vision_start|>",  # 3
    "<|vision_end|>",  # 4
    "<|image_pad|>",  # 5
]


class ByteTokenizer:
    def __init__(self):
        self.special_tokens = {tok: i for i, tok in enumerate(SPECIAL_TOKENS)}
        self.offset = len(SPECIAL_TOKENS)
        self.vocab_size = self.offset + 256
        self.pad_token_id = self.special_tokens["<|endoftext|>"]
        self.image_token_id = self.special_tokens["<|image_pad|>"]
        self.vision_start_token_id = self.special_tokens["<|vision_start|>"]
        self.vision_end_token_id = self.special_tokens["<|vision_end|>"]

    def encode(self, text):
        """Bytes of the UTF-8 text; special tokens written literally in the text become their single id."""
        ids = []
        i = 0
        while i < len(text):
            for tok, tok_id in self.special_tokens.items():
                if text.startswith(tok, i):
                    ids.append(tok_id)
                    i += len(tok)
                    break
            else:
                ids.extend(b + self.offset for b in text[i].encode("utf-8"))
                i += 1
        return ids

    def decode(self, ids):
        out = []
        buf = bytearray()
        for tok_id in ids:
            if tok_id >= self.offset:
                buf.append(tok_id - self.offset)
                continue
            if buf:
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
            out.append(SPECIAL_TOKENS[tok_id])
        if buf:
            out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)
