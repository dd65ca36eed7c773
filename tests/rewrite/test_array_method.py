"""transforms/array_method.py: sort / argsort / argmin take mint's (int64 indices, as torch) where no ndarray or
list can be the receiver, and keep MindSpore's method elsewhere."""
import pytest

from mscore.rewrite.engine import convert_source
from mscore.rules import load_rules


@pytest.fixture(scope="module")
def shipped():
    return load_rules()


def test_torch_only_file_takes_mint(shipped):
    src = ("import torch\n"
           "b = x.sort(dim=0)\n"
           "v, i = x.sort(descending=True)\n"
           "c = x.argsort()\n"
           "d = x.argmin(dim=0)\n"
           "a = x.sort()\n"
           "names.sort()\n"
           "names.sort(key=len, reverse=True)\n")
    out = convert_source(src.encode(), "f.py", shipped).output.decode()
    assert "b = mint.sort(x, dim=0)\n" in out
    assert "v, i = mint.sort(x, descending=True)\n" in out
    assert "c = mint.argsort(x)\n" in out
    assert "d = mint.argmin(x, dim=0)\n" in out
    assert "a = mint.sort(x)\n" in out   # a list's sort() returns None: a used result is a tensor's
    assert "names.sort()\n" in out and "names.sort(key=len, reverse=True)\n" in out   # a list's
    assert convert_source(out.encode(), "f.py", shipped).output.decode() == out


def test_file_naming_numpy_keeps_the_methods(shipped):
    src = "import numpy as np\nimport torch\nb = x.sort(0)\nc = x.argsort()\nd = x.argmin()\n"
    out = convert_source(src.encode(), "f.py", shipped).output.decode()
    assert "b = x.sort(0)\n" in out and "c = x.argsort()\n" in out and "d = x.argmin()\n" in out
