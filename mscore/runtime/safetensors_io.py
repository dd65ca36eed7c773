"""``safetensors.torch.save_file`` / ``load_file`` for converted code: the same files, MindSpore tensors in and out.

``safetensors.torch`` imports torch; its numpy flavour does not, and MindSpore itself depends on ``safetensors``
(its own safetensors checkpoint I/O is built on ``safetensors.numpy``). A MindSpore tensor's ``asnumpy()`` keeps
its dtype -- bfloat16 included: MindSpore registers a numpy bfloat16 type that ``safetensors.numpy`` writes as
``BF16`` -- so the file holds the tensors bit for bit, under the caller's names, with the caller's ``metadata``
header. That header matters: Hugging Face's ``from_pretrained`` refuses a safetensors file whose
``__metadata__["format"]`` is not ``pt`` / ``tf`` / ``flax`` / ``mlx``, and ``mindspore.save_checkpoint`` always
writes ``"ms"`` and takes no metadata of its own.

``load_file`` returns plain ``Tensor`` values keyed by the file's names, like torch's (``mindspore.load_checkpoint``
returns ``Parameter`` objects named ``Parameter#N``, which a state dict would then carry into ``torch.save``).
"""
from __future__ import annotations

import os

import numpy as np
from mindspore import Tensor

__all__ = ["save_file", "load_file"]


def _array(name, value):
    if isinstance(value, Tensor):
        return np.ascontiguousarray(value.asnumpy())
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value)
    raise TypeError(f"save_file: {name!r} is a {type(value).__name__}, not a Tensor")


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` (a dict of name -> Tensor) to the safetensors file ``filename`` (a path), with the free-form
    string ``metadata`` header when given, as ``safetensors.torch.save_file`` does."""
    from safetensors.numpy import save_file as _save

    if not isinstance(tensors, dict):
        raise TypeError(f"save_file expects a dict of name -> Tensor, got {type(tensors).__name__}")
    if metadata is not None:
        bad = [k for k, v in metadata.items() if not (isinstance(k, str) and isinstance(v, str))]
        if bad:
            raise TypeError(f"save_file: metadata keys and values must be str (not: {bad})")
    arrays = {name: _array(name, value) for name, value in tensors.items()}
    _save(arrays, os.fspath(filename), metadata=metadata)


def load_file(filename, device="cpu"):
    """The tensors of the safetensors file ``filename`` as a dict of name -> Tensor (dtypes as stored, bfloat16
    included). ``device`` is accepted and ignored: MindSpore places tensors by its context."""
    del device
    from safetensors.numpy import load_file as _load

    return {name: Tensor.from_numpy(array) for name, array in _load(os.fspath(filename)).items()}
