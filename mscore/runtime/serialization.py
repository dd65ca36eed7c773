"""``torch.save`` / ``torch.load`` for converted code: any picklable object holding MindSpore tensors.

The file is a zip archive (stored, not compressed), like torch's own format:

- ``mscore_checkpoint/version``: ``1``;
- ``mscore_checkpoint/data.pkl``: the object, pickled, with every MindSpore ``Tensor`` / ``Parameter`` replaced by a
  reference (its key, its kind, and for a Parameter its name and ``requires_grad``);
- ``mscore_checkpoint/tensors.safetensors``: the tensors, written and read by MindSpore's own checkpoint I/O
  (``mindspore.save_checkpoint`` / ``load_checkpoint`` with ``format="safetensors"``), so every dtype MindSpore has
  (bfloat16 included) is stored bit for bit, and the tensors can be read by any safetensors reader.

A tensor referenced twice in the object is stored once and comes back as one object (shared, as torch restores
it). Everything else (dicts, lists, ints, floats, strings, ``argparse.Namespace``, numpy arrays, Python's random
state ...) goes through pickle unchanged. Files written by torch.save are not readable here: convert them first.
"""
from __future__ import annotations

import io
import os
import pickle
import tempfile
import zipfile

import mindspore
from mindspore import Parameter, Tensor

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_VERSION = "1"
_ROOT = "mscore_checkpoint/"
_TAG = "mscore_tensor"

# what weights_only=True unpickles besides the tensors (torch's rule: plain containers and scalars, no code)
_SAFE = {
    ("builtins", n) for n in ("dict", "list", "tuple", "set", "frozenset", "int", "float", "complex", "bool", "str",
                              "bytes", "bytearray", "slice", "range")
} | {
    ("collections", "OrderedDict"), ("collections", "defaultdict"),
    ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("_codecs", "encode"),   # protocol 2 pickles bytes through it
}


class _Saver(pickle.Pickler):
    def __init__(self, file, protocol):
        super().__init__(file, protocol=protocol)
        self.tensors: dict[str, Tensor] = {}
        self._keys: dict[int, str] = {}
        self._keep: list = []          # keeps every saved tensor alive, so no id() is reused while pickling

    def persistent_id(self, obj):
        if not isinstance(obj, Tensor):
            return None
        key = self._keys.get(id(obj))
        if key is None:
            key = self._keys[id(obj)] = f"t{len(self._keys)}"
            self.tensors[key] = obj
            self._keep.append(obj)
        if isinstance(obj, Parameter):
            return (_TAG, key, "parameter", obj.name, bool(obj.requires_grad))
        return (_TAG, key, "tensor", None, None)


class _Loader(pickle.Unpickler):
    def __init__(self, file, tensors, weights_only):
        super().__init__(file)
        self._tensors = tensors
        self._weights_only = weights_only
        self._made: dict[str, Tensor] = {}

    def persistent_load(self, pid):
        tag, key, kind, name, requires_grad = pid
        if tag != _TAG:
            raise pickle.UnpicklingError(f"unknown persistent id {tag!r}")
        made = self._made.get(key)
        if made is None:
            data = self._tensors[key]
            if kind == "parameter":
                made = Parameter(data, name=name, requires_grad=requires_grad)
            else:
                made = Tensor(data)
            self._made[key] = made
        return made

    def find_class(self, module, name):
        if self._weights_only and (module, name) not in _SAFE:
            raise pickle.UnpicklingError(
                f"weights_only load refuses {module}.{name}: pass weights_only=False for a trusted file (it runs "
                "code from the file, as torch.load(weights_only=False) does)")
        return super().find_class(module, name)


def _write_tensors(tensors: dict[str, Tensor]) -> bytes:
    if not tensors:
        return b""
    with tempfile.TemporaryDirectory(prefix="mscore_save_") as tmp:
        path = os.path.join(tmp, "tensors.safetensors")
        # MindSpore's writer takes Parameters (a plain Tensor in the dict is not accepted): wrap, same data
        mindspore.save_checkpoint({k: Parameter(t, name=k, requires_grad=False) for k, t in tensors.items()},
                                  path, format="safetensors")
        with open(path, "rb") as f:
            return f.read()


def _read_tensors(blob: bytes) -> dict[str, Tensor]:
    if not blob:
        return {}
    with tempfile.TemporaryDirectory(prefix="mscore_load_") as tmp:
        path = os.path.join(tmp, "tensors.safetensors")
        with open(path, "wb") as f:
            f.write(blob)
        return dict(mindspore.load_checkpoint(path, format="safetensors"))


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """``torch.save(obj, f)``: ``f`` is a path (str / os.PathLike) or a binary file object opened for writing."""
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("only the standard pickle module is supported")
    buf = io.BytesIO()
    saver = _Saver(buf, max(int(pickle_protocol), 2))
    saver.dump(obj)
    blob = _write_tensors(saver.tensors)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(_ROOT + "version", FORMAT_VERSION)
        z.writestr(_ROOT + "data.pkl", buf.getvalue())
        z.writestr(_ROOT + "tensors.safetensors", blob)
    data = out.getvalue()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    else:
        f.write(data)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """``torch.load(f)``: ``f`` is a path or a binary file object (read from its current position).

    ``map_location`` is accepted and ignored: tensors are created on the device MindSpore's context selects (as
    every MindSpore tensor is). ``weights_only`` (torch's default: True) refuses any pickled class other than
    containers, scalars and numpy arrays; pass ``weights_only=False`` for a trusted file holding other objects
    (``argparse.Namespace`` in Megatron's checkpoints). ``mmap`` is ignored."""
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("only the standard pickle module is supported")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = set(z.namelist())
    except zipfile.BadZipFile:
        names = set()
    if _ROOT + "data.pkl" not in names:
        if any(n.endswith("/data.pkl") for n in names) or data[:2] == b"\x80\x02":
            raise RuntimeError("this file was written by torch.save: convert it to MindSpore first (e.g. its tensors "
                               "to safetensors), it cannot be read without torch")
        raise RuntimeError("not a checkpoint written by mscore_rt.serialization.save")
    version = z.read(_ROOT + "version").decode()
    if version != FORMAT_VERSION:
        raise RuntimeError(f"checkpoint format version {version} (this reader knows {FORMAT_VERSION})")
    tensors = _read_tensors(z.read(_ROOT + "tensors.safetensors"))
    loader = _Loader(io.BytesIO(z.read(_ROOT + "data.pkl")), tensors, True if weights_only is None else
                     bool(weights_only))
    return loader.load()
