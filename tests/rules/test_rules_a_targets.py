"""rules/{torch,tensor,cuda,autograd}.toml name MindSpore 2.10 objects that exist, with the parameters they use.

Every qualified target must resolve in the installed MindSpore (a ``mscore_rt.*`` target: in mscore/runtime); every method target must be a MindSpore Tensor
attribute (a short, explained list of exceptions aside); where MindSpore exposes a Python signature, target_sig,
renamed parameters and added defaults must name real parameters of it. One MindSpore import for the module.
"""
from __future__ import annotations

import importlib
import inspect
import os

import pytest

from mscore.rules import load_rules

FILES = ("torch.toml", "tensor.toml", "cuda.toml", "autograd.toml")

# method targets that are not attributes of mindspore.Tensor, each for a stated reason
NOT_TENSOR_METHODS = {
    # the stack calls resize_ on storages (x.untyped_storage().resize_(0)); MindSpore's UntypedStorage has it
    "Tensor.resize_": ("mindspore", "UntypedStorage", "resize_"),
}


@pytest.fixture(scope="module")
def ms():
    os.environ.setdefault("GLOG_v", "4")
    return importlib.import_module("mindspore")


def _mine():
    rules = load_rules()
    every = list(rules.apis.values()) + list(rules.tensor_methods.values())
    # template rules emit source text (checked by their parity cases); builtins targets are not mindspore's
    return [r for r in every if r.file in FILES and not r.unsupported and r.target is not None
            and not r.target.startswith("builtins.")]


RULES = _mine()


def _resolve(ms, qualified: str):
    parts = qualified.split(".")
    assert parts[0] == "mindspore", qualified
    obj = ms
    for i, part in enumerate(parts[1:], 1):
        if not hasattr(obj, part):
            obj = importlib.import_module(".".join(parts[: i + 1]))
        else:
            obj = getattr(obj, part)
    return obj


def _params(obj):
    try:
        return inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return None   # C++-bound: no Python signature to check against


def test_rules_are_found():
    assert len(RULES) > 200
    assert {r.file for r in RULES} == set(FILES)


@pytest.mark.parametrize("rule", RULES, ids=[r.api for r in RULES])
def test_target_exists_with_its_parameters(ms, rule):
    target = rule.target
    if rule.transform == "receiver_only":
        return   # the call becomes its receiver: the target name is never emitted
    if target.startswith("mindspore."):
        obj = _resolve(ms, target)
    elif target.startswith("mscore_rt."):   # a runtime helper: mscore/runtime/<module>.py, shipped as mscore_rt
        _, module, rest = target.split(".", 2)
        obj = importlib.import_module(f"mscore.runtime.{module}")
        for part in rest.split("."):
            assert hasattr(obj, part), f"{rule.where}: {target} does not exist"
            obj = getattr(obj, part)
    elif rule.api in NOT_TENSOR_METHODS:
        mod, cls, attr = NOT_TENSOR_METHODS[rule.api]
        obj = getattr(getattr(importlib.import_module(mod), cls), attr)
    else:
        assert hasattr(ms.Tensor, target), f"{rule.where}: mindspore.Tensor has no {target!r}"
        obj = getattr(ms.Tensor, target)
    if rule.sig is None or not callable(obj):
        return
    params = _params(obj)
    if params is None or any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return
    names = set(params) - {"self"}
    if rule.target_sig is not None:
        assert set(rule.target_sig.names()) <= names, \
            f"{rule.where}: target_sig {rule.target_sig.text} vs {target}{inspect.signature(obj)}"
    for new in list(rule.rename.values()) + list(rule.defaults):
        assert new in names, f"{rule.where}: {target}{inspect.signature(obj)} has no parameter {new!r}"
    if target.startswith("mscore_rt.") and rule.target_sig is None and rule.pack is None:
        # a runtime helper takes torch's own parameters (a method rule's receiver comes first, unnamed), less those
        # the rule drops or refuses and ``out=`` (transforms/out_arg.py writes the result into it)
        skip = set(rule.drop) | set(rule.unsupported_args) | {"out"}
        missing = {rule.rename.get(n, n) for n in rule.sig.names() if n not in skip} - names
        assert not missing, f"{rule.where}: {target}{inspect.signature(obj)} lacks {sorted(missing)}"
