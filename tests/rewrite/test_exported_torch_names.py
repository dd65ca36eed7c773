"""A torch name that other modules import from a converted module stays importable from it.

Megatron's optimizer package binds ``Adam`` from ``torch.optim`` and MindSpeed imports ``Adam`` from that package;
layerzero's wrap.py imports FSDP helpers only for its siblings. The converted module keeps those imports (guarded,
marked) even when its own uses convert, so importers get the name instead of "cannot import name"."""
from __future__ import annotations

from mscore.rules import load_rules
from mscore.tree import build_index, convert_tree, index_of_trees


def _write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_index_resolves_absolute_and_relative_imports():
    idx = build_index({
        "pkg/opt/__init__.py": b"from torch.optim import AdamW as Adam\n",
        "pkg/z/zero.py": b"from pkg.opt import (Adam,  # the fused one when installed\n    SGD as S)\n"
                         b"from ..opt import X\nfrom .w import (a,\n    b)\nfrom torch import nn\n",
    })
    assert {"pkg.opt.Adam", "pkg.opt.SGD", "pkg.opt.X", "pkg.z.w.a", "pkg.z.w.b"} <= idx.imported
    assert not any(n.startswith("torch.") for n in idx.imported)


def test_exported_name_kept_across_trees_and_unexported_dropped(tmp_path):
    core, user = tmp_path / "core", tmp_path / "user"
    _write(core, {
        "core/__init__.py": "",
        "core/optim.py": "import torch\nfrom torch.optim import AdamW as Adam, SGD\n\n"
                         "def make(p):\n    return Adam(p, lr=0.1), SGD(p, lr=0.1)\n",
    })
    _write(user, {"user/zero.py": "from core.optim import Adam\n"})
    rules = load_rules()
    alone = convert_tree(core, rules=rules, jobs=1)
    text = next(f for f in alone.files if f.path == "core/optim.py").output.decode()
    assert "from torch.optim" not in text                 # nobody imports them: the import goes
    together = convert_tree(core, rules=rules, jobs=1, index=index_of_trees([core, user]))
    result = next(f for f in together.files if f.path == "core/optim.py")
    text = result.output.decode()
    assert "    from torch.optim import AdamW as Adam\n" in text     # kept for core.optim's importers, guarded
    assert 'Adam = _mscore_missing("torch.optim.AdamW")' in text and "SGD" not in text.split("def make")[0]
    assert "torch.optim.AdamW: other modules import this name from here" in text
    assert "return optim.AdamW(p, lr=0.1)" in text    # the module's own use still converts (mscore_rt.optim)
    assert [u.api for u in result.unconverted] == ["torch.optim.AdamW"]


def test_names_in_dunder_all_are_exports(tmp_path):
    _write(tmp_path, {"m.py": "from torch.nn import Linear\n__all__ = ['Linear']\n"})
    text = convert_tree(tmp_path, rules=load_rules(), jobs=1).files[0].output.decode()
    assert "from torch.nn import Linear" in text and 'Linear = _mscore_missing("torch.nn.Linear")' in text
