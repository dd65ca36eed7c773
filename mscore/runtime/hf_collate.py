"""transformers' ``DataCollatorForSeq2Seq`` giving MindSpore tensors where it gave torch's.

Its ``return_tensors`` defaults to ``"pt"``, so a collator built without naming it (MindSpeed-MM's
``MultiModalDataCollatorForSeq2Seq(template=..., pad_to_multiple_of=8, ...)``) asks transformers for torch tensors
and fails once torch is gone. The converter redirects the import here (``rules/imports/packages.toml``): the same
padding by transformers' own code, with NumPy (``"pt"`` and the default become ``"np"``), then the arrays as
MindSpore tensors (:func:`mscore_rt.hf_training.to_mindspore`). ``"np"`` / ``"tf"`` asked explicitly are kept.
"""
from __future__ import annotations

from dataclasses import dataclass

from transformers import DataCollatorForSeq2Seq as _HFDataCollatorForSeq2Seq

from .hf_training import to_mindspore

__all__ = ["DataCollatorForSeq2Seq"]


@dataclass
class DataCollatorForSeq2Seq(_HFDataCollatorForSeq2Seq):
    return_tensors: str = "pt"

    def __call__(self, features, return_tensors=None):
        kind = self.return_tensors if return_tensors is None else return_tensors
        if kind != "pt":
            return super().__call__(features, return_tensors=kind)
        return to_mindspore(super().__call__(features, return_tensors="np"))
