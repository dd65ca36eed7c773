"""torch.distributed rules whose execution needs a live process group.

MindSpore 2.10's ``mint.distributed`` starts a group only over HCCL (Ascend): on the CPU build
``init_process_group(backend="mccl")`` is refused ("Only support hccl now"), so collectives cannot be run
here. What CAN be proven on CPU, and is proven here for every such rule: the converted call binds to the real
MindSpore callable's signature with every torch argument landing on the parameter the rule says (same name after
``rename``, or removed by ``drop``), in both the all-keyword and the all-positional call form. A wrong
``rename``, a reordered positional parameter or a target without the parameter fails. Numerical parity for these
needs a multi-rank Ascend run (docs/parity.md). The parity case modules list these tests in ``COVERED_ELSEWHERE``.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import os

import pytest

from mscore.rewrite.engine import convert_source
from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rules
from mscore.rules.signature import KEYWORD_ONLY, POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD

PROCESS_GROUP_APIS = [
    "torch.distributed.destroy_process_group",   # init_process_group: a runtime helper (tests/runtime)
    "torch.distributed.get_backend", "torch.distributed.get_group_rank",
    "torch.distributed.get_process_group_ranks", "torch.distributed.all_reduce",   # new_group: a runtime helper
    "torch.distributed.all_gather", "torch.distributed.all_gather_into_tensor", "torch.distributed._all_gather_base",
    "torch.distributed.reduce_scatter_tensor", "torch.distributed._reduce_scatter_base",
    "torch.distributed.reduce_scatter", "torch.distributed.reduce", "torch.distributed.broadcast",
    "torch.distributed.barrier", "torch.distributed.all_to_all", "torch.distributed.all_to_all_single",
    "torch.distributed.scatter", "torch.distributed.gather", "torch.distributed.send", "torch.distributed.recv",
    "torch.distributed.P2POp", "torch.distributed.batch_isend_irecv", "torch.distributed.all_gather_object",
    "torch.distributed.gather_object", "torch.distributed.broadcast_object_list", "torch.distributed.TCPStore",
]
ATTRIBUTE_APIS = ["torch.distributed.group.WORLD", "torch.distributed.GroupMember.WORLD"]

RULES = load_rules(known_transforms=KNOWN)


@pytest.fixture(scope="module")
def ms():
    os.environ.setdefault("GLOG_v", "4")
    return importlib.import_module("mindspore")


def _resolve(ms, dotted: str):
    obj = ms
    parts = dotted.split(".")
    assert parts[0] in ("mindspore", "ms"), dotted
    for i, part in enumerate(parts[1:], 1):
        obj = getattr(obj, part) if hasattr(obj, part) else importlib.import_module(".".join(["mindspore", *parts[1:i + 1]]))
    return obj


def _converted_call(source: str):
    result = convert_source(source.encode(), "t.py", RULES)
    assert result.unconverted == [], result.unconverted
    tree = ast.parse(result.output)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    call = calls[0]
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "mindspore":
            for a in node.names:
                aliases[a.asname or a.name] = f"mindspore.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name] = a.name
    func = ast.unparse(call.func)
    root, _, rest = func.partition(".")
    return f"{aliases[root]}.{rest}", call


def _forms(rule):
    """(source, {torch param: marker}) for the all-keyword and the all-positional forms."""
    params = [p for p in rule.sig.params if p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, KEYWORD_ONLY)
              and p.name not in rule.unsupported_args]     # those make the call unconvertible (own tests)
    markers = {p.name: f"v_{p.name}" for p in params}
    kw = ", ".join(f"{n}={m}" for n, m in markers.items())
    yield f"import torch.distributed as dist\nr = dist.{rule.api.split('.', 2)[2]}({kw})\n", markers
    positional = []
    for p in rule.sig.params:
        if p.kind not in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD) or p.name in rule.unsupported_args:
            break
        positional.append(p)
    if positional:
        pos = ", ".join(markers[p.name] for p in positional)
        yield (f"import torch.distributed as dist\nr = dist.{rule.api.split('.', 2)[2]}({pos})\n",
               {p.name: markers[p.name] for p in positional})


@pytest.mark.parametrize("api", PROCESS_GROUP_APIS)
def test_call_maps_onto_mindspore(ms, api):
    rule = RULES.apis[api]
    assert not rule.unsupported and rule.sig is not None
    for source, markers in _forms(rule):
        target, call = _converted_call(source)
        assert target == rule.target, (target, rule.target)
        sig = inspect.signature(_resolve(ms, target))
        args = [ast.unparse(a) for a in call.args]
        kwargs = {k.arg: ast.unparse(k.value) for k in call.keywords}
        bound = sig.bind(*args, **kwargs)     # raises TypeError when the call does not fit MindSpore's signature
        landed = {}
        for name, value in bound.arguments.items():
            param = sig.parameters[name]
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                landed.update({v: k for k, v in value.items()})
            elif param.kind is inspect.Parameter.VAR_POSITIONAL:
                landed.update({v: name for v in value})
            else:
                landed[value] = name
        for torch_name, marker in markers.items():
            if torch_name in rule.drop:
                assert marker not in landed, f"{api}: dropped {torch_name} still passed"
                continue
            expected = rule.rename.get(torch_name, torch_name)
            assert landed.get(marker) == expected, f"{api}: torch {torch_name} landed on {landed.get(marker)}"


@pytest.mark.parametrize("api", ATTRIBUTE_APIS)
def test_group_constant_exists(ms, api):
    rule = RULES.apis[api]
    target, _ = rule.target, None
    obj = _resolve(ms, target)
    assert obj is not None
    src = f"import torch.distributed as dist\ng = {api.replace('torch.distributed', 'dist')}\n"
    out = convert_source(src.encode(), "t.py", RULES).output.decode()
    assert "torch" not in out and target.rsplit(".", 1)[-1] in out
