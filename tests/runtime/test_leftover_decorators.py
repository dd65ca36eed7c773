"""A stand-in used as a decorator does not fail at import: the decorated name fails when it is called.

MindSpeed-MM's autoencoder wrapper decorates methods with diffusers' ``apply_forward_hook``; with diffusers absent,
failing at the decorator took every module that imports ``mindspeed_mm`` down with it."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mscore.runtime.leftover import UnconvertedError, is_missing, missing
from mscore.tree import convert_tree, write_tree


def test_plain_decorator_defers_to_the_call():
    hook = missing("diffusers.apply_forward_hook")

    class Model:
        @hook
        def encode(self, x):
            return x

    assert is_missing(Model.__dict__["encode"])
    with pytest.raises(UnconvertedError, match=r"calling diffusers\.apply_forward_hook \(applied at .*:\d+\)"):
        Model().encode(1)


def test_decorator_factory_on_a_decorator_line_defers():
    fuser = missing("te.jit_fuser")

    @fuser(cache=True)
    def f(x):
        return x

    @staticmethod
    @fuser
    def g():
        return 1

    with pytest.raises(UnconvertedError, match=r"calling te\.jit_fuser \(applied at"):
        f(2)
    with pytest.raises(UnconvertedError):
        g()


def test_wrapping_a_function_by_hand_defers_but_other_calls_fail_at_once():
    hook = missing("pkg.wrap")

    def plain(x):
        return x

    wrapped = hook(plain)
    with pytest.raises(UnconvertedError, match="applied at"):
        wrapped(3)
    with pytest.raises(UnconvertedError) as info:     # a value argument is a real use
        hook(3)
    assert "applied at" not in str(info.value)
    with pytest.raises(UnconvertedError):              # so is a factory call off a decorator line
        missing("pkg.factory")(cache=True)


SRC = '''\
from diffusers.utils.accelerate_utils import apply_forward_hook
import torch


class AE(torch.nn.Module):
    @apply_forward_hook
    def encode(self, x):
        return x
'''

RUN = r'''
import importlib.abc, json, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "diffusers", "torch_npu"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)")
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import m
try:
    m.AE().encode(1)
    print(json.dumps(["no error", ""]))
except NotImplementedError as exc:
    print(json.dumps([type(exc).__name__, str(exc)]))
'''


def test_converted_module_with_a_missing_decorator_imports(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "m.py").write_text(SRC)
    write_tree(convert_tree(src, jobs=1), out)
    proc = subprocess.run([sys.executable, "-c", RUN, str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    kind, msg = json.loads(proc.stdout.strip().splitlines()[-1])
    assert kind == "UnconvertedError"
    lines = (out / "m.py").read_text().splitlines()
    deco = next(i for i, ln in enumerate(lines, 1) if ln.strip() == "@apply_forward_hook")
    assert "apply_forward_hook" in msg and f"m.py:{deco})" in msg     # names the line the decorator sits on


def test_dataclass_on_a_class_built_on_a_missing_base_defines_it():
    # transformers' ModelOutput subclasses are dataclasses: the decorator probes class attributes with defaults
    import dataclasses

    @dataclasses.dataclass
    class Output(missing("transformers.modeling_outputs.ModelOutput")):
        loss: object = None
        logits: object = None

    assert not hasattr(Output, "not_there")
    with pytest.raises(AttributeError, match="transformers.modeling_outputs.ModelOutput.from_dict.*not installed"):
        Output.from_dict({})
    with pytest.raises(UnconvertedError):
        Output()


def test_a_class_parameterised_as_a_generic_in_a_signature_defers():
    # Megatron's async filesystem writer annotates `-> Future[List[WriteResult]]` with torch.futures.Future: the
    # annotation is evaluated when the method is defined, i.e. at import
    future = missing("torch.futures.Future")

    space = {"Future": future}
    exec(compile("def write(x) -> Future[list]:\n    return x\n", "m.py", "exec", dont_inherit=True), space)
    write = space["write"]   # compiled without this file's `from __future__ import annotations`
    assert is_missing(write.__annotations__["return"])
    with pytest.raises(UnconvertedError, match=r"calling torch\.futures\.Future\[\.\.\.\]"):
        write.__annotations__["return"]()
    for value in (missing("torch.cuda.memory_stats"), missing("torch.SHAPES"), missing("te")):
        with pytest.raises(UnconvertedError, match="indexing"):   # a function's, a constant's, a module's: a use
            value["x"]
