"""A converted module with leftovers imports where torch is absent; only the leftover path fails, with its marker.

Runs the real converter on a directory (so the ``mscore_rt`` package is written into the output as users get it),
then imports the output in a fresh interpreter in which ``import torch`` raises."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from mscore.tree import convert_tree, write_tree

SRC = '''\
import torch
import torchvision.transforms as T
from torch.fx import Interpreter

DEFAULT_DTYPE = torch.float16          # converted
LEFT = torch.not_a_real_api            # attribute chain at import: no failure


class Data(Interpreter):                 # a base from a package that is not installed
    pass


def save(obj, path):
    torch.utils.checkpoint.detach_variable(obj)


def check(x):
    return isinstance(x, torch.Tensor)
'''

RUN = r'''
import importlib.abc, json, sys, traceback
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "torch_npu"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)")
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
out = {}
import m
out["imported"] = True
out["isinstance"] = m.check(3)
for name, fn in (("save", lambda: m.save({}, "x")), ("data", lambda: m.Data()), ("T", lambda: m.T.Resize(3))):
    try:
        fn()
        out[name] = "no error"
    except NotImplementedError as exc:
        out[name] = [type(exc).__name__, str(exc)]
print(json.dumps(out))
'''


def test_module_imports_without_torch_and_leftovers_fail_when_reached(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_text(SRC)
    result = convert_tree(src, jobs=1)
    out = tmp_path / "out"
    write_tree(result, out)
    assert (out / "mscore_rt" / "leftover.py").is_file()
    text = (out / "m.py").read_text()
    assert "torch.float16" not in text and "torch.utils.checkpoint.detach_variable(obj)" in text
    proc = subprocess.run([sys.executable, "-c", RUN, str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["imported"] is True
    assert got["isinstance"] is False
    kind, msg = got["save"]
    assert kind == "UnconvertedError"
    left = "torch.utils.checkpoint.detach_variable(obj)"
    line = text.splitlines().index(next(ln for ln in text.splitlines() if left in ln)) + 1
    assert f"m.py:{line}: calling torch.utils.checkpoint.detach_variable" in msg
    # the marker's reason travels with the error
    assert "mscore: unconverted torch.utils.checkpoint.detach_variable" in msg
    assert got["data"][0] == "UnconvertedError" and "torch.fx.Interpreter" in got["data"][1]
    assert got["T"][0] == "UnconvertedError" and "torchvision.transforms.Resize" in got["T"][1]


def test_runtime_package_only_written_when_used(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_text(textwrap.dedent("""\
        import torch
        y = torch.cat([a, b])
        """))
    result = convert_tree(src, jobs=1)
    assert [f.path for f in result.files] == ["m.py"]
