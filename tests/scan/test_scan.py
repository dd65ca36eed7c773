"""``mscore scan``: golden console and JSON output on a fixture tree (tests/scan/tree, with fixture rules in
tests/scan/rules so the goldens do not move with the shipped rules), the JSON schema, agreement with what
``mscore convert`` reports, and that nothing is written.

Regenerate the goldens after an intended change: ``MSCORE_UPDATE_GOLDEN=1 python -m pytest tests/scan``."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from mscore.cli import main
from mscore.importgraph import build_graph, module_name
from mscore.report import Report
from mscore.rewrite.transforms import KNOWN
from mscore.rules import load_rules
from mscore.scan import NO_RULE, STATUS_ORDER, scan
from mscore.tree import convert_tree

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules"
UPDATE = bool(os.environ.get("MSCORE_UPDATE_GOLDEN"))


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    """A copy of the fixture tree plus a file that does not parse (kept out of the repository: linters)."""
    dst = tmp_path / "tree"
    shutil.copytree(HERE / "tree", dst, ignore=shutil.ignore_patterns("__pycache__"))
    (dst / "broken.py").write_text("import torch\ndef broken(:\n    torch.cat([])\n")
    monkeypatch.chdir(tmp_path)
    return dst


def _golden(name: str, got: str) -> None:
    path = HERE / name
    if UPDATE:
        path.write_text(got)
    assert got == path.read_text(), f"{name} differs (MSCORE_UPDATE_GOLDEN=1 to accept an intended change)"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_console_golden(tree, capsys):
    before = _snapshot(tree.parent)
    assert main(["scan", "tree", "--rules", str(RULES), "--no-cache", "--jobs", "1"]) == 0
    out = re.sub(r" in \d+\.\d+ s$", " in N s", capsys.readouterr().out, flags=re.M)
    _golden("golden_scan.txt", out)
    assert _snapshot(tree.parent) == before          # nothing written anywhere under the scanned tree's parent


def test_json_golden(tree, capsys):
    assert main(["scan", "tree", "--rules", str(RULES), "--no-cache", "--jobs", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data.pop("seconds"), float)
    assert data.pop("mscore_version") and len(data.pop("rules_fingerprint")) == 64
    _golden("golden_scan.json", json.dumps(data, indent=2) + "\n")


def _check(value, schema, where="$"):
    if isinstance(schema, dict):
        assert isinstance(value, dict), where
        assert set(value) == set(schema), f"{where}: keys {sorted(value)} != {sorted(schema)}"
        for k, sub in schema.items():
            _check(value[k], sub, f"{where}.{k}")
    elif isinstance(schema, list):
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            _check(item, schema[0], f"{where}[{i}]")
    else:
        assert isinstance(value, schema) and not (schema is int and isinstance(value, bool)), f"{where}: {value!r}"


COUNTS = {"apis": int, "references": int, "unconverted": int}
SCHEMA = {
    "schema": int, "kind": str, "mscore_version": str, "source": str, "profile": str, "rules_fingerprint": str,
    "seconds": float,
    "totals": {"files": int, "python_files": int, "torch_files": int, "modules": int, "apis": int, "references": int,
               "converted": int, "unconverted": int, "projected_rate": float, "leftover_files": int},
    "by_status": {s: COUNTS for s in STATUS_ORDER},
    "apis": [{"api": str, "count": int, "converted": int, "unconverted": int, "status": str, "target": str,
              "note": str, "reasons": [str], "files": int}],
    "leftover_files": [{"path": str, "module": str, "unconverted": int, "apis": [str], "blocks": int,
                        "blocked_examples": [str]}],
    "unreadable_files": [str],
}


def test_json_schema_and_invariants(tree, capsys):
    assert main(["scan", str(tree), "--rules", str(RULES), "--no-cache", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    _check(data, SCHEMA)
    assert data["schema"] == 1 and data["kind"] == "mscore-scan"
    t = data["totals"]
    assert t["references"] == sum(a["count"] for a in data["apis"]) == t["converted"] + t["unconverted"]
    assert t["projected_rate"] == round(t["converted"] / t["references"], 6)
    assert {a["status"] for a in data["apis"]} <= set(STATUS_ORDER)
    assert t["leftover_files"] == len(data["leftover_files"])
    assert sum(x["unconverted"] for x in data["leftover_files"]) == t["unconverted"]
    assert all(a["converted"] + a["unconverted"] == a["count"] for a in data["apis"])
    assert sum(row["references"] for row in data["by_status"].values()) == t["references"]


def test_agrees_with_convert(tree):
    """The projected figures are the conversion's own: same references, converted, unconverted per API."""
    rules = load_rules(RULES, known_transforms=KNOWN)
    s = scan(tree, rules=rules, jobs=1)
    result = convert_tree(tree, rules=rules, jobs=1)
    report = Report.build(str(tree), result.files, rules_fingerprint=rules.fingerprint)
    assert (s.references, s.converted, s.unconverted) == (report.references, report.converted, report.unconverted)
    assert {g.api: g.count for g in report.gaps} == {a.api: a.unconverted for a in s.apis if a.unconverted}
    assert sorted(x.path for x in s.leftovers) == sorted(f.path for f in result.files if f.unconverted)
    statuses = {a.api: a.status for a in s.apis}
    assert statuses["torch.special_thing"] == NO_RULE and statuses["torch.enable_grad"] == "unsupported"
    assert statuses["torch.nn.LeakyReLU"] == "differing_defaults" and statuses["torch.cat"] == "consistent"
    assert statuses["(whole file)"] == "file_not_parsed"          # broken.py: counted, never claimed converted


def test_shipped_rules_and_single_file(tree, capsys):
    assert main(["scan", "tree/pkg/core.py", "--no-cache", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["python_files"] == 1 and data["totals"]["references"] >= 5
    assert main(["scan", "nowhere", "--no-cache"]) == 2
    assert capsys.readouterr().err == "mscore: error: nowhere does not exist\n"


def test_top_limits_rows(tree, capsys):
    assert main(["scan", "tree", "--rules", str(RULES), "--no-cache", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "... and 6 more APIs" in out and "... and 2 more files" in out
    assert "torch.zeros" in out and "torch.nn.Module" not in out


# -- the import graph ---------------------------------------------------------------------------------------------
def test_import_graph_edges():
    g = build_graph({
        "a/__init__.py": "from . import b\n",
        "a/b.py": "from .c import x\nimport a.d as dd\n",
        "a/c.py": "def f():\n    import e\nx = 1\n",
        "a/d.py": "try:\n    from a import c\nexcept ImportError:\n    c = None\nelse:\n    import e\n",
        "a/sub/__init__.py": "",
        "a/sub/k.py": "from ..b import y\nfrom ... import too_far\n",
        "e.py": "import os\nclass K:\n    import a.c\n",
        "bad.py": "def (:\n",
    })
    assert g.imports == {
        "a": {"a.b"}, "a.b": {"a", "a.c", "a.d"}, "a.c": {"a"}, "a.d": {"a", "e"}, "a.sub": {"a"},
        "a.sub.k": {"a", "a.sub", "a.b"}, "e": {"a", "a.c"}, "bad": set(),
    }
    assert g.blocked_by("a.c") == {"a", "a.b", "a.d", "a.sub", "a.sub.k", "e"}
    assert g.blocked_by("bad") == set()
    assert module_name("a/__init__.py") == "a" and module_name("x/y.py") == "x.y"
