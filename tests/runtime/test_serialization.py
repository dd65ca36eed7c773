"""mscore/runtime/serialization.py (torch.save / torch.load of converted code): round trips of what Megatron's
checkpoints hold, dtypes bit for bit (bfloat16 included), paths and file objects, weights_only, torch's own files."""
from __future__ import annotations

import argparse
import collections
import io
import random
import zipfile

import mindspore as ms
import numpy as np
import pytest

from mscore.runtime import serialization as ser


def t(values, dtype=ms.float32):
    return ms.Tensor(np.array(values, np.float32)).astype(dtype)


def bits(x):
    """The raw bytes of a tensor (bfloat16 through a float32 view is exact: bf16 is the top half of f32)."""
    if x.dtype == ms.bfloat16:
        return x.astype(ms.float32).asnumpy().view(np.uint32) >> 16
    return x.asnumpy().tobytes()


def megatron_like():
    w = ms.Parameter(t(np.random.default_rng(0).standard_normal((4, 3))), name="decoder.layers.0.weight")
    frozen = ms.Parameter(t([1.0, 2.0]), name="embedding.bias", requires_grad=False)
    shared = t([0.5, -0.25])
    return {
        "args": argparse.Namespace(lr=1e-4, seq_length=128, bf16=True, save="/ckpt", tensor_model_parallel_size=1),
        "iteration": 1200,
        "checkpoint_version": 3.0,
        "model": collections.OrderedDict(
            [("decoder.layers.0.weight", w), ("embedding.bias", frozen),
             ("bf16", t([1.5, -2.75, 3.0e-3, 65504.0], ms.bfloat16)),
             ("f16", t([1.5, -2.0], ms.float16)), ("i64", ms.Tensor(np.arange(5, dtype=np.int64))),
             ("mask", ms.Tensor(np.array([True, False]))), ("scalar", ms.Tensor(3.25)),
             ("empty", ms.Tensor(np.zeros((0, 3), np.float32)))]),
        "optimizer": {"state": {0: {"exp_avg": shared, "step": 10}}, "param_groups": [{"lr": 1e-4, "params": [0]}],
                      "again": shared},
        "rng_state": [{"random_rng_state": random.Random(3).getstate(),
                       "np_rng_state": np.random.RandomState(5).get_state(), "tag": "rank0"}],
        "np_array": np.arange(6, dtype=np.float64).reshape(2, 3),
        "nested": [(1, "two", None), {"deep": [t([7.0])]}],
    }


def check_equal(a, b):
    if isinstance(a, ms.Tensor):
        assert isinstance(b, ms.Tensor) and type(b) is type(a)
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
        assert np.array_equal(bits(a), bits(b)) if a.size else True
        if isinstance(a, ms.Parameter):
            assert (b.name, b.requires_grad) == (a.name, a.requires_grad)
    elif isinstance(a, argparse.Namespace):
        assert vars(a) == vars(b)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            check_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            check_equal(x, y)
    else:
        assert a == b if not isinstance(a, float) else a == b


def test_round_trip_through_a_path(tmp_path):
    obj = megatron_like()
    path = tmp_path / "model_optim_rng.pt"
    ser.save(obj, path)
    back = ser.load(str(path), map_location="cpu", weights_only=False)
    check_equal(obj, back)
    # one tensor referenced twice comes back as one object
    assert back["optimizer"]["again"] is back["optimizer"]["state"][0]["exp_avg"]


def test_round_trip_through_file_objects():
    obj = {"w": t([[1.0, 2.0]], ms.bfloat16), "n": 3}
    buf = io.BytesIO()
    buf.write(b"prefix")
    ser.save(obj, buf)
    buf.seek(len(b"prefix"))
    back = ser.load(buf, map_location=lambda storage, loc: storage)
    check_equal(obj, back)


def test_bfloat16_bits_are_kept():
    raw = np.array([0x3F80, 0x0001, 0x7F7F, 0xFF80, 0x8000, 0x4049], np.uint32) << 16  # 1, subnormal, max, -inf, -0
    x = ms.Tensor(raw.view(np.float32)).astype(ms.bfloat16)
    buf = io.BytesIO()
    ser.save([x], buf)
    buf.seek(0)
    (y,) = ser.load(buf)
    assert y.dtype == ms.bfloat16
    assert np.array_equal(bits(y), raw >> 16)


def test_the_tensors_are_a_safetensors_file_mindspore_reads(tmp_path):
    path = tmp_path / "c.pt"
    ser.save({"a": t([1.0, 2.0], ms.bfloat16)}, path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["mscore_checkpoint/data.pkl", "mscore_checkpoint/tensors.safetensors",
                                        "mscore_checkpoint/version"]
        (tmp_path / "t.safetensors").write_bytes(z.read("mscore_checkpoint/tensors.safetensors"))
    params = ms.load_checkpoint(str(tmp_path / "t.safetensors"), format="safetensors")
    assert params["t0"].dtype == ms.bfloat16


def test_weights_only_refuses_other_classes_by_default(tmp_path):
    path = tmp_path / "args.pt"
    ser.save({"args": argparse.Namespace(lr=1.0), "w": t([1.0])}, path)
    with pytest.raises(Exception, match="weights_only"):
        ser.load(path)
    ser.save({"w": t([1.0]), "n": np.ones(2), "d": collections.OrderedDict(a=1)}, path)
    assert float(ser.load(path)["w"][0]) == 1.0


def test_a_torch_file_is_refused_with_its_reason(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="written by torch.save"):
        ser.load(path)
