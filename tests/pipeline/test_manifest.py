"""The shipped manifest and manifest validation."""
from __future__ import annotations

import pytest

from mscore.pipeline.errors import PipelineError
from mscore.pipeline.manifest import DEFAULT_MANIFEST, load_manifest


def test_shipped_manifest_is_the_mindspeed_mm_stack(monkeypatch):
    monkeypatch.delenv("MSCORE_MANIFEST", raising=False)
    m = load_manifest()
    assert m.path == DEFAULT_MANIFEST
    chain = m.closure(["MindSpeed-MM"])
    assert [(s.name, s.url, s.ref) for s in chain] == [
        ("Megatron-LM", "https://github.com/NVIDIA/Megatron-LM.git", "core_r0.8.0"),
        ("MindSpeed", "https://gitee.com/ascend/MindSpeed.git", "2.1.0_core_r0.8.0"),
        ("MindSpeed-MM", "https://gitee.com/ascend/MindSpeed-MM.git", "2.1.0"),
    ]
    assert all(s.commit and len(s.commit) == 40 for s in chain)
    assert m.repos["MindSpeed"].patches.name == "MindSpeed" and m.repos["MindSpeed"].patches.parent.name == "patches"
    assert [s.name for s in m.closure(["MindSpeed"])] == ["Megatron-LM", "MindSpeed"]


@pytest.mark.parametrize("body, message", [
    ('[[repo]]\nname="A"\nurl="u"\nref="r"\nbogus=1\n', "unknown key(s) bogus"),
    ('[[repo]]\nname="A"\nurl="u"\n', "'ref' must be a non-empty string"),
    ('[[repo]]\nname="A"\nurl="u"\nref="r"\n[[repo]]\nname="A"\nurl="u"\nref="r"\n', "repository 'A' listed twice"),
    ('[[repo]]\nname="A"\nurl="u"\nref="r"\ndepends=["B"]\n', "A depends on unknown repository 'B'"),
    ('[[repo]]\nname="A"\nurl="u"\nref="r"\nrules=["nope.toml"]\n', "rule file"),
    ('[[repo]\n', "not valid TOML"),
])
def test_manifest_errors(tmp_path, body, message):
    p = tmp_path / "m.toml"
    p.write_text(body)
    with pytest.raises(PipelineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_manifest(p)


def test_dependency_cycle(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text('[[repo]]\nname="A"\nurl="u"\nref="r"\ndepends=["B"]\n[[repo]]\nname="B"\nurl="u"\nref="r"\n'
                 'depends=["A"]\n')
    with pytest.raises(PipelineError, match="dependency cycle A -> B -> A"):
        load_manifest(p).closure(["A"])
