"""The part of Hugging Face's ``TrainingArguments`` that converted data pipelines use without a Trainer.

``transformers.training_args`` needs torch (its device set-up), so MindSpeed-MM's Qwen2-VL dataset builder failed
on ``with TrainingArguments(output_dir='./').main_process_first(desc=...)``: the only use it makes, ordering the
dataset preprocessing so the main process fills the cache first. The converter redirects the import here
(``rules/imports/packages.toml`` ``[redirect]``). The arguments are kept as attributes; nothing else of
transformers' class (devices, mixed precision, the Trainer's options and validation) is provided.

``to_mindspore`` stands for ``return_tensors="pt"``: the converted call asks transformers for NumPy (``"np"``) and
the arrays become MindSpore tensors, the values of a ``BatchFeature`` / ``BatchEncoding`` (a dict) in place.
"""
from __future__ import annotations

import contextlib
import os

__all__ = ["TrainingArguments", "to_mindspore"]


class TrainingArguments:
    """``TrainingArguments(output_dir=..., **kwargs)``: the given arguments as attributes, and
    :meth:`main_process_first`."""

    def __init__(self, output_dir=None, **kwargs):
        self.output_dir = output_dir
        for k, v in kwargs.items():
            setattr(self, k, v)

    @contextlib.contextmanager
    def main_process_first(self, local: bool = True, desc: str = "work"):
        """transformers' ordering: in a distributed run the replicas wait at a barrier until the main process
        (rank 0, or local rank 0 with ``local=True``) has run the block; one process runs it directly."""
        from mindspore import mint

        dist = mint.distributed
        world = dist.get_world_size() if dist.is_initialized() else 1
        if world <= 1:
            yield
            return
        rank = int(os.environ.get("LOCAL_RANK", dist.get_rank())) if local else dist.get_rank()
        main = rank == 0
        try:
            if not main:
                dist.barrier()
            yield
        finally:
            if main:
                dist.barrier()


def to_mindspore(obj):
    """A NumPy array -> ``mindspore.Tensor``; a dict-like result (``BatchFeature``, ``BatchEncoding``, a dict) gets
    its array values converted in place and is returned; anything else unchanged."""
    import mindspore as ms
    import numpy as np

    from .tensors import repeat_sequences

    repeat_sequences()
    if isinstance(obj, np.ndarray):
        return ms.Tensor(obj)
    if hasattr(obj, "keys") and hasattr(obj, "__setitem__"):
        for k in list(obj.keys()):
            v = obj[k]
            if isinstance(v, np.ndarray):
                obj[k] = ms.Tensor(v)
    return obj
