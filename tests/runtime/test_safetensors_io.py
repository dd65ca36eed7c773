"""mscore/runtime/safetensors_io.py (safetensors.torch.save_file / load_file of converted code): the files torch's
safetensors writes and reads, bit for bit (bfloat16 included), with the metadata header Hugging Face checks."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import mindspore as ms
import numpy as np
import pytest

from mscore.runtime import safetensors_io as sio

# bf16 bit patterns that a widening or rounding would change: subnormal, -0, -inf, max, a NaN payload
BF16_BITS = np.array([0x0001, 0x8000, 0xFF80, 0x7F7F, 0x7FC1, 0x3F80, 0xC0A0], np.uint16)


def bf16_tensor():
    """The bit patterns as a bfloat16 tensor with no conversion on the way (MindSpore's numpy bfloat16 type)."""
    np_bf16 = ms.Tensor(np.zeros(1, np.float32)).astype(ms.bfloat16).asnumpy().dtype
    return ms.Tensor.from_numpy(BF16_BITS.copy().view(np_bf16))


def bf16_bits(x):
    return x.asnumpy().view(np.uint16)


def header(path):
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n])


def sample():
    rng = np.random.default_rng(0)
    return {
        "model.layers.0.self_attn.q_proj.weight": ms.Tensor(rng.standard_normal((4, 3)).astype(np.float32)),
        "visual.blocks.1.norm1.weight": bf16_tensor(),
        "half": ms.Tensor(np.array([1.5, -2.0, 6.1e-5], np.float16)),
        "ids": ms.Tensor(np.arange(5, dtype=np.int64)),
        "param": ms.Parameter(ms.Tensor(np.ones((2, 2), np.float32)), name="anything"),
    }


def test_round_trip_keeps_names_dtypes_and_bits(tmp_path):
    sd = sample()
    path = tmp_path / "m.safetensors"          # a Path, as MindSpeed-MM passes it
    sio.save_file(sd, path, metadata={"format": "pt"})
    back = sio.load_file(path)
    assert sorted(back) == sorted(sd)
    for k, v in sd.items():
        assert type(back[k]) is ms.Tensor, k          # plain tensors, like torch's, not Parameters
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
    np.testing.assert_array_equal(bf16_bits(back["visual.blocks.1.norm1.weight"]), BF16_BITS)
    for k in ("model.layers.0.self_attn.q_proj.weight", "half", "ids", "param"):
        assert back[k].asnumpy().tobytes() == sd[k].asnumpy().tobytes(), k


def test_metadata_header_is_the_callers(tmp_path):
    path = tmp_path / "m.safetensors"
    sio.save_file({"w": ms.Tensor(np.zeros(3, np.float32))}, str(path), metadata={"format": "pt", "note": "x"})
    h = header(path)
    assert h["__metadata__"] == {"format": "pt", "note": "x"}
    assert h["w"]["dtype"] == "F32" and h["w"]["shape"] == [3]
    sio.save_file({"w": ms.Tensor(np.zeros(3, np.float32))}, path)
    assert "__metadata__" not in header(path)


def test_bad_arguments_raise(tmp_path):
    with pytest.raises(TypeError, match="metadata"):
        sio.save_file({"w": ms.Tensor(np.zeros(1, np.float32))}, tmp_path / "a", metadata={"format": 1})
    with pytest.raises(TypeError, match="not a Tensor"):
        sio.save_file({"w": [1.0]}, tmp_path / "a")


def test_torch_reads_what_we_write_and_we_read_what_torch_writes(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    ours = tmp_path / "ours.safetensors"
    sio.save_file(sample(), ours, metadata={"format": "pt"})
    theirs = st.load_file(str(ours))
    assert theirs["visual.blocks.1.norm1.weight"].dtype == torch.bfloat16
    got = theirs["visual.blocks.1.norm1.weight"].view(torch.int16).numpy().view(np.uint16)
    np.testing.assert_array_equal(got, BF16_BITS)
    np.testing.assert_array_equal(theirs["ids"].numpy(), np.arange(5))

    written = tmp_path / "torch.safetensors"
    src = {"a": torch.tensor(BF16_BITS.view(np.int16)).view(torch.bfloat16), "b": torch.arange(6.0).reshape(2, 3)}
    st.save_file(src, str(written), metadata={"format": "pt"})
    back = sio.load_file(written, device="cpu")
    assert back["a"].dtype == ms.bfloat16
    np.testing.assert_array_equal(bf16_bits(back["a"]), BF16_BITS)
    np.testing.assert_array_equal(back["b"].asnumpy(), np.arange(6.0, dtype=np.float32).reshape(2, 3))
