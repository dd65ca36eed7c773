"""Converted packaging files stop requiring torch (and packages that pull it in) and require MindSpore."""
from __future__ import annotations

import tomllib

from mscore.depfiles import REASON, TARGET, convert_packaging, drop_set
from mscore.tree import convert_tree

PYPROJECT = '''\
[project]
name = "demo"
dependencies = [
    "numpy",
    "torch==2.6.0",   # pinned
    'torch-npu>=2.1',
    "torchvision",
    "timm==1.0.8",
    "transformers==4.45.0",
    "torchmetrics-extra"
]

[project.optional-dependencies]
test = ["pytest", "torch"]
dev = [
    "torchaudio",
]
'''


def test_pyproject_dependencies():
    drop = drop_set(("timm", "transformers.models"))
    out = convert_packaging("pyproject.toml", PYPROJECT.encode(), drop).decode()
    data = tomllib.loads(out)
    deps = data["project"]["dependencies"]
    assert deps == [TARGET, "numpy", "transformers==4.45.0", "torchmetrics-extra"]
    assert data["project"]["optional-dependencies"]["dev"] == []
    assert f'    # "torch==2.6.0",   # pinned  # {REASON}\n' in out
    # a one-line array is left as written (nothing to comment out line by line)
    assert data["project"]["optional-dependencies"]["test"] == ["pytest", "torch"]
    assert convert_packaging("pyproject.toml", out.encode(), drop) is None   # a second pass changes nothing


def test_requirements_and_tree(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy\ntorch>=2.1 ; python_version>'3'\n-r other.txt\nsix\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    (tmp_path / "notes.txt").write_text("torch\n")
    res = {f.path: f for f in convert_tree(tmp_path, jobs=1).files}
    req = res["requirements.txt"]
    assert req.status == "converted"
    assert req.output.decode() == (f"numpy\n# torch>=2.1 ; python_version>'3'  # {REASON}\n-r other.txt\nsix\n"
                                   f"{TARGET}\n")
    assert res["requirements-dev.txt"].status == "copied" and res["notes.txt"].status == "copied"
