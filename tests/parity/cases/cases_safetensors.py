"""Parity cases for rules/safetensors.toml (safetensors.torch -> MindSpore's own safetensors reader/writer)."""
from mscore.parity.case import Case, randint, randn

ROUND_TRIP = """
import os
import tempfile

from safetensors.torch import load_file, save_file

path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
save_file({"layer.weight": w, "step": n}, path, metadata={"format": "pt"})
sd = load_file(path)
out = (sorted(sd), sd["layer.weight"] * 1, sd["step"] + 0)
"""

KEYWORDS = """
import os
import tempfile

import safetensors.torch as st

path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
st.save_file(filename=path, tensors={"a": w})
out = st.load_file(device="cpu", filename=path)["a"] * 1
"""

# what MindSpeed-MM's mm_to_hf does: a pathlib.Path and the metadata header Hugging Face's from_pretrained checks
HEADER = """
import json
import struct
import tempfile
from pathlib import Path

from safetensors.torch import save_file

path = Path(tempfile.mkdtemp()) / "model-00001-of-00001.safetensors"
save_file({"w": w}, path, metadata={"format": "pt"})
raw = path.read_bytes()
head = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
out = (head["__metadata__"]["format"], head["w"]["dtype"], head["w"]["shape"])
"""

CASES = [
    Case("safetensors.torch.save_file", HEADER, w=randn(2, 3)),
    Case("safetensors.torch.save_file", ROUND_TRIP, w=randn(3, 4), n=randint(0, 9, (2,), dtype="int64")),
    Case("safetensors.torch.load_file", ROUND_TRIP, w=randn(2, 2), n=randint(0, 9, (3,), dtype="int64")),
    Case("safetensors.torch.load_file", KEYWORDS, w=randn(5)),
    Case("safetensors.torch.save_file", KEYWORDS, w=randn(2, 3)),
]
