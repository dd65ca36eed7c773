"""Parity harness: run a torch snippet and its mscore conversion on the same inputs and compare the numbers.

The torch side runs in the calling process; the converted side runs in one long-lived MindSpore worker process in
which ``import torch`` / ``import torch_npu`` is impossible. See ``docs/parity.md``.
"""
from mscore.parity.case import Case, ModuleCase, arange, const, rand, rand_bool, randint, randn, uniform

__all__ = ["Case", "ModuleCase", "arange", "const", "rand", "rand_bool", "randint", "randn", "uniform"]
