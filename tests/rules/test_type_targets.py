"""A torch name that is a class can stand in a type position (``isinstance(d, torch.device)``, an annotation), where
the converter emits the rule's target as it is: that target must be a class too, never a function (issue 11: ``isinstance(device,
torch.device)`` once became ``isinstance(device, ms.set_device)``, a TypeError at import)."""
import importlib
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")


def _resolve(qualified: str):
    if qualified.startswith("builtins."):
        import builtins

        return getattr(builtins, qualified.split(".", 1)[1])
    parts = qualified.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(qualified)


def _torch_object(api: str):
    obj = torch
    for p in api.split(".")[1:]:
        obj = getattr(obj, p)
    return obj


def test_a_torch_class_maps_to_a_class():
    import mscore.runtime
    from mscore.rules import load_rules

    sys.modules.setdefault("mscore_rt", mscore.runtime)
    wrong = []
    for api, rule in sorted(load_rules().apis.items()):
        if rule.unsupported or not rule.target or not api.startswith("torch."):
            continue
        try:
            obj = _torch_object(api)
        except AttributeError:
            continue   # a name this torch build does not have (torch.npu.*)
        if not isinstance(obj, type):
            continue
        target = _resolve(rule.target)
        if not isinstance(target, type):
            wrong.append(f"{api} ({rule.where}) -> {rule.target}, a {type(target).__name__}")
    assert not wrong, "torch classes mapped to non-classes:\n" + "\n".join(wrong)
