"""A class is a Cell when any base, in any tree converted together, is one; dotted-path strings naming a Cell's
forward follow the rename (MindSpeed patches Megatron by such strings)."""
from __future__ import annotations

from mscore.rewrite.engine import convert_source
from mscore.tree import build_index, convert_tree, index_of_trees


def _write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_cell_base_from_another_tree_without_torch_import(tmp_path, fixture_rules):
    core, mm = tmp_path / "core", tmp_path / "mm"
    _write(core, {"core/module.py": "import torch\n\nclass MegatronModule(torch.nn.Module):\n"
                                    "    def forward(self, x):\n        return x\n"})
    # no torch import at all in this file, and its base is defined in the other tree
    _write(mm, {"mm/multimodal.py": "from core.module import MegatronModule\n\nclass MultiModalModule(MegatronModule):\n"
                                   "    pass\n",
                "mm/vlm.py": "from mm.multimodal import MultiModalModule\n\nclass VLMModel(MultiModalModule):\n"
                             "    def forward(self, x):\n        return super().forward(x)\n\n"
                             "    def hook(self):\n        return super().forward, self.forward\n\n"
                             "class Plain:\n    def forward(self, x):\n        return x\n"})
    alone = convert_tree(mm, rules=fixture_rules, jobs=1)
    assert all(f.status == "unchanged" for f in alone.files), "without the other tree nothing is known"
    together = convert_tree(mm, rules=fixture_rules, jobs=1, index=index_of_trees([core, mm]))
    vlm = next(f for f in together.files if f.path == "mm/vlm.py").output.decode()
    assert "class VLMModel(MultiModalModule):\n    def construct(self, x):" in vlm
    assert "return super().construct, self.construct\n" in vlm
    assert "class Plain:\n    def forward(self, x):" in vlm          # not a Cell: untouched


def test_patch_target_strings_follow_the_rename(fixture_rules):
    index = build_index({"a.py": b"import torch\nclass DotProductAttention(torch.nn.Module):\n    pass\n"})
    src = (
        "import torch\n"
        "PATCHES = ['megatron.core.transformer.dot_product_attention.DotProductAttention.forward',\n"
        "           \"megatron.core.transformer.dot_product_attention.DotProductAttention.__init__\",\n"
        "           'megatron.core.other.NotACell.forward', 'forward', 'a.DotProductAttention.forward_step']\n"
        "register('megatron.DotProductAttention.forward', w)\n"
    )
    out = convert_source(src.encode(), "adaptor.py", fixture_rules, index=index).output.decode()
    assert "'megatron.core.transformer.dot_product_attention.DotProductAttention.construct'" in out
    assert "register('megatron.DotProductAttention.construct', w)" in out
    for kept in ("DotProductAttention.__init__", "NotACell.forward'", "'forward'", "DotProductAttention.forward_step"):
        assert kept in out
    again = convert_source(out.encode(), "adaptor.py", fixture_rules, index=index).output.decode()
    assert again == out
