"""Where the shipped data is found: a source checkout's top-level dirs, or the wheel's copy inside the package.

The wheel itself is built, installed into a fresh venv and used by ``.ci/wheel_smoke.sh`` (run by ``.ci/run``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from mscore import resources
from mscore.pipeline import manifest
from mscore.rules.loader import default_rules_dir

ROOT = Path(__file__).resolve().parents[2]


def test_checkout_layout():
    assert resources.data_dir("rules") == ROOT / "rules"
    assert resources.data_dir("patches") == ROOT / "patches"
    assert resources.data_dir("parity_cases") == ROOT / "tests" / "parity" / "cases"
    assert resources.data_root() == ROOT
    assert default_rules_dir() == ROOT / "rules"


def test_shipped_copy_wins(tmp_path, monkeypatch):
    shipped = tmp_path / "_data"
    (shipped / "rules").mkdir(parents=True)
    (shipped / "patches" / "MindSpeed").mkdir(parents=True)
    monkeypatch.setattr(resources, "SHIPPED", shipped)
    assert resources.data_dir("rules") == shipped / "rules"
    assert default_rules_dir() == shipped / "rules"
    assert resources.data_root() == shipped
    # parity cases not shipped in this fake wheel: the checkout's are still found (we are in a checkout)
    assert resources.data_dir("parity_cases") == ROOT / "tests" / "parity" / "cases"
    m = manifest.load_manifest(manifest.DEFAULT_MANIFEST)
    assert m.repos["MindSpeed"].patches == shipped / "patches" / "MindSpeed"


def test_nothing_found(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "SHIPPED", tmp_path / "_data")
    monkeypatch.setattr(resources, "CHECKOUT", tmp_path)
    assert resources.data_dir("rules") is None
    with pytest.raises(FileNotFoundError):
        resources.data_root()
    with pytest.raises(FileNotFoundError, match="rule directory not found"):
        default_rules_dir()


def test_other_manifest_paths_are_relative_to_itself(tmp_path):
    (tmp_path / "extra.toml").write_text("")
    (tmp_path / "m.toml").write_text('[[repo]]\nname = "A"\nurl = "u"\nref = "r"\nrules = ["extra.toml"]\n'
                                      'patches = "p/A"\n')
    m = manifest.load_manifest(tmp_path / "m.toml")
    assert m.repos["A"].patches == tmp_path / "p" / "A"
    assert m.repos["A"].rules == (tmp_path / "extra.toml",)


def test_default_manifest_patches_in_checkout():
    m = manifest.load_manifest(manifest.DEFAULT_MANIFEST)
    assert m.repos["MindSpeed"].patches == ROOT / "patches" / "MindSpeed"
    assert (m.repos["MindSpeed"].patches / "replace.toml").is_file()


def test_runtime_package_imports_without_mindspore():
    """mscore's base install has no MindSpore: ``mscore.runtime`` (data written into outputs) must still import, and
    install nothing; with MindSpore present it installs torch's defaults (a Cell starts in training mode)."""
    import subprocess
    import sys

    hide = "import sys; sys.modules['mindspore'] = None; import mscore.runtime as r; print(sorted(vars(r)))"
    out = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "install_train_default" not in out.stdout
    seen = "import mscore.runtime, mindspore as ms; print(ms.nn.Cell().training)"
    out = subprocess.run([sys.executable, "-c", seen], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.split()[-1] == "True", out.stderr
