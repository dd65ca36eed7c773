"""``mscore verify`` on fixture trees written here: grouping by root cause, classes, counts, exit codes, --json.

One real run with MindSpore preloaded and the backfill on (the session fixture ``verdict``); the exit-code and
fallback runs preload nothing (the worker's start-up is then ~0.1 s), so the file stays CI-sized.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mscore import verify as V

ROOT = Path(__file__).resolve().parents[2]

FILES = {
    "pkg/__init__.py": "",
    "pkg/good.py": "import json\nX = 1\n",
    "pkg/uses_torch.py": "import os\nimport torch\n",
    "pkg/via_torch.py": "import pkg.uses_torch\n",
    "pkg/slow.py": "import time\ntime.sleep(60)\n",
    "pkg/raises.py": "X = 1\nraise ValueError('bad value at 0x7f00dead')\n",
    "pkg/vendor.py": "import apex\n",
    "pkg/missing.py": "import not_a_real_pkg_mscore_verify\n",
    "pkg/a.py": "import os\nVALUE = os.environ['MSCORE_VERIFY_NO_SUCH_KEY']\n",
    "pkg/b.py": "from pkg import a\n",
    "pkg/c.py": "from pkg.b import *\n",
    "pkg/needs_lib.py": "import fakelib_mscore_verify\n",
    "pkg/dyn_torch.py": "import importlib\nimportlib.import_module('torch')\n",      # through the stdlib
    "pkg/dummy.py": "from fakelib2_mscore_verify import Model\nModel()\n",   # a package's own message
    "pkg/sub/__init__.py": "from . import inner\n",
    "pkg/sub/inner.py": "from ..good import X\n",
    "pkg/nsdir/mod.py": "Y = 2\n",                      # a namespace subpackage: imported, counted
    "pkg/tests/__init__.py": "",
    "pkg/tests/test_x.py": "import torch\n",              # skipped by default
    "run.py": "import pkg.good\nif __name__ == '__main__':\n    raise SystemExit(3)\n",
    "setup.py": "import torch\n",                         # never imported
    "tools/script.py": "import torch\n",                  # a script directory: not a package
}
# an installed third-party package that needs torch (on the worker's PYTHONPATH, outside the tree)
SITE = {"fakelib_mscore_verify/__init__.py": "from . import core\n",
        "fakelib_mscore_verify/core.py": "import torch\n",
        "fakelib2_mscore_verify/__init__.py": "class Model:\n    def __init__(self):\n        raise ImportError("
                                            "'Model requires the PyTorch library but it was not found')\n"}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def run_cli(*args, site: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), str(site or ""), env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "mscore", "verify", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="session")
def fixture_tree(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("verify")
    return write(base / "proj", FILES), write(base / "site", SITE)


@pytest.fixture(scope="session")
def verdict(fixture_tree):
    proj, site = fixture_tree
    out = proj.parent / "result.json"
    r = run_cli(proj, "--timeout", "2", "--entry", "pkg.c", "--preload", "mindspore", "--json", out, site=site)
    return r, json.loads(out.read_text())


def _cause(doc, location):
    found = [c for c in doc["causes"] if c["location"] == location]
    assert len(found) == 1, [c["location"] for c in doc["causes"]]
    return found[0]


def test_modules_listed_and_counted(verdict):
    r, doc = verdict
    ids = {m["id"] for m in doc["modules"]}
    assert ids == {"pkg", "pkg.good", "pkg.uses_torch", "pkg.via_torch", "pkg.slow", "pkg.raises", "pkg.vendor",
                   "pkg.missing", "pkg.a", "pkg.b", "pkg.c", "pkg.needs_lib", "pkg.sub", "pkg.sub.inner",
                   "pkg.nsdir.mod", "run.py", "pkg.dyn_torch", "pkg.dummy"}
    ok = {m["id"] for m in doc["modules"] if m["ok"]}
    assert ok == {"pkg", "pkg.good", "pkg.sub", "pkg.sub.inner", "pkg.nsdir.mod", "run.py"}
    assert doc["repos"] == [{"name": "proj", "root": str(Path(doc["out"])), "modules": 18, "importable": 6,
                             "rate": round(6 / 18, 4), "vendor_only": 1,
                             "rate_without_vendor_only": round(6 / 17, 4)}]
    assert doc["totals"]["failed"] == 12
    assert doc["worker"]["backfill"] == "on" and doc["worker"]["mindspore"]


def test_chain_is_attributed_to_the_failing_module(verdict):
    _, doc = verdict
    c = _cause(doc, "pkg/a.py:2")
    assert (c["class"], c["type"], c["count"]) == ("error", "KeyError", 3)
    assert c["modules"] == ["pkg.a", "pkg.b", "pkg.c"]
    assert doc["causes"][0] is not None and doc["causes"][0]["location"] == "pkg/a.py:2"   # most modules first


def test_classes(verdict):
    _, doc = verdict
    t = _cause(doc, "pkg/uses_torch.py:2")
    assert (t["class"], t["count"], t["modules"]) == ("imports torch", 2, ["pkg.uses_torch", "pkg.via_torch"])
    assert "blocked by mscore verify" in t["message"]    # torch is installed here: the blocker stops it
    v = _cause(doc, "pkg/vendor.py:1")
    assert (v["class"], v["package"]) == ("vendor-only package", "apex")
    m = _cause(doc, "pkg/missing.py:1")
    assert (m["class"], m["package"]) == ("missing third-party package", "not_a_real_pkg_mscore_verify")
    lib = _cause(doc, "pkg/needs_lib.py:1")
    assert (lib["class"], lib["package"]) == ("third-party needs torch", "fakelib_mscore_verify")
    dyn = _cause(doc, "pkg/dyn_torch.py:2")     # the stdlib's importlib frame is not a "third party"
    assert (dyn["class"], dyn["package"]) == ("imports torch", None)
    dummy = _cause(doc, "pkg/dummy.py:2")
    assert (dummy["class"], dummy["package"], dummy["type"]) == ("third-party needs torch", "fakelib2_mscore_verify",
                                                                "ImportError")
    e = _cause(doc, "pkg/raises.py:2")
    assert (e["class"], e["type"], e["message"]) == ("error", "ValueError", "bad value at 0x…")


def test_timeout_is_placed_by_the_stack_dump(verdict):
    _, doc = verdict
    c = _cause(doc, "pkg/slow.py:2")
    assert (c["class"], c["modules"]) == ("timeout", ["pkg.slow"])
    slow = next(m for m in doc["modules"] if m["id"] == "pkg.slow")
    assert slow["status"] == "timeout"


def test_entry_closure_and_exit_code(verdict):
    r, doc = verdict
    assert r.returncode == 1, r.stderr
    assert doc["entry"]["modules"] == 4 and doc["entry"]["failed"] == ["pkg.a", "pkg.b", "pkg.c"]
    assert doc["entry"]["ok"] is False
    assert _cause(doc, "pkg/a.py:2")["entry_count"] == 3


def test_json_schema(verdict):
    """The keys docs/verify.md documents."""
    _, doc = verdict
    assert doc["schema"] == 1
    assert set(doc) >= {"schema", "mscore_version", "out", "kind", "seconds", "settings", "worker", "sys_path",
                        "repos", "totals", "entry", "causes", "modules"}
    assert set(doc["totals"]) == {"modules", "importable", "failed", "rate", "by_class"}
    assert sum(doc["totals"]["by_class"].values()) == doc["totals"]["failed"]
    for c in doc["causes"]:
        assert set(c) == {"id", "class", "package", "location", "file", "line", "type", "message", "count",
                          "entry_count", "modules"}
        assert c["class"] in {V.C_TORCH, V.C_TP_TORCH, V.C_VENDOR, V.C_MISSING, V.C_ERROR, V.C_TIMEOUT,
                              V.C_UNCONVERTED}
        assert "\n" not in c["message"]
    for m in doc["modules"]:
        assert set(m) == {"id", "name", "repo", "path", "script", "ok", "entry", "status", "seconds", "cause"}
        assert (m["cause"] is None) == m["ok"]
        if m["cause"] is not None:
            assert m["id"] in doc["causes"][m["cause"]]["modules"]


def test_table_output(fixture_tree):
    proj, site = fixture_tree
    r = run_cli(proj, "--timeout", "2", "--entry", "pkg.good", "--preload", "", "--no-backfill", site=site)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert next(ln for ln in lines if "proj" in ln and "│" in ln).replace("│", " ").split() == \
        ["proj", "6", "18", "33.3", "1", "35.3"]   # 1 vendor-only (apex): 6 of the other 17
    row = next(ln for ln in lines if "pkg/a.py:2" in ln)
    assert row.split()[:3] == ["3", "error", "pkg/a.py:2"] and "KeyError" in row
    assert "entry modules: 2 / 2 import" in r.stdout   # pkg.good and its package


def test_exit_codes(fixture_tree, tmp_path):
    proj, site = fixture_tree
    fast = ("--timeout", "2", "--preload", "", "--no-backfill")
    assert run_cli(proj, *fast, "--entry", "pkg.good", "--strict", site=site).returncode == 1
    bad = run_cli(tmp_path / "absent", *fast)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not a directory" in bad.stderr
    bad_entry = run_cli(proj, *fast, "--entry", "pkg.nothere")
    assert bad_entry.returncode == 2 and "pkg.nothere" in bad_entry.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli(empty, *fast).returncode == 2
    no_worker = run_cli(proj, *fast, "--python", "/bin/false")    # runs, says nothing, exits
    assert no_worker.returncode == 2 and "could not start" in no_worker.stderr
    assert no_worker.stderr.count("\n") == 1


def test_no_fork_fallback_gives_the_same_causes(fixture_tree, verdict):
    proj, site = fixture_tree
    small = proj.parent / "small"
    write(small, {k: v for k, v in FILES.items() if not k.endswith("slow.py")})
    r = run_cli(small, "--timeout", "5", "--preload", "", "--no-backfill", "--no-fork", "--json", "-", site=site)
    doc = json.loads(r.stdout)
    assert doc["settings"]["mode"] == "subprocess"
    _, full = verdict
    got = {(c["location"], c["class"], c["count"]) for c in doc["causes"]}
    want = {(c["location"], c["class"], c["count"]) for c in full["causes"] if c["class"] != "timeout"}
    assert got == want


# --------------------------------------------------------------------------------------- repo outputs, entries
LEFTOVER = ("import sys\n\nclass UnconvertedError(RuntimeError):\n    pass\n\ndef fail():\n"
            "    f = sys._getframe(1)\n"
            "    raise UnconvertedError(f'{f.f_code.co_filename}:{f.f_lineno}: torch.x left unconverted')\n")


def _repo_output(base: Path) -> Path:
    out = base / "out"
    write(out, {
        "Top/top_pkg/__init__.py": "",
        "Top/top_pkg/model.py": "from dep_pkg.layers import Layer\n\ndef later():\n    import top_pkg.unused\n",
        "Top/top_pkg/unused.py": "import dep_pkg.other\n",
        "Top/train.py": "from top_pkg import model\n\ndef main():\n    import top_pkg.late\n",
        "Top/top_pkg/late.py": "",
        "Top/conv/__init__.py": "",
        "Top/conv/cli.py": "from .helpers import run\n",
        "Top/conv/helpers.py": "def run():\n    pass\n",
        "Top/pyproject.toml": '[project]\nname = "top"\n[project.scripts]\ntop-convert = "conv.cli:main"\n',
        "Top/common/__init__.py": "WHO = 'top'\n",
        "Dep/dep_pkg/__init__.py": "",
        "Dep/dep_pkg/layers.py": "from common import WHO\nassert WHO == 'top'\nclass Layer: pass\n",
        "Dep/dep_pkg/other.py": "",
        "Dep/common/__init__.py": "WHO = 'dep'\n",        # shadowed by Top/common: reported, not imported
        "Dep/nsroot/inner/__init__.py": "",              # a pure namespace root (Megatron's megatron/)
        "Dep/nsroot/inner/x.py": "",
        "Dep/scripts/tool.py": "",                        # a script directory
        # a run-time helper package written into every repository (mscore_rt): identical copies are one module,
        # and a stand-in raising inside it is attributed to the line that used it
        "Top/mscore_rt/__init__.py": "", "Dep/mscore_rt/__init__.py": "",
        "Top/mscore_rt/leftover.py": LEFTOVER, "Dep/mscore_rt/leftover.py": LEFTOVER,
        "Top/top_pkg/uses_leftover.py": "from mscore_rt.leftover import fail\nfail()\n",
    })
    (out / "env.sh").write_text('export PYTHONPATH="$_mscore_out/Top:$_mscore_out/Dep${PYTHONPATH:+:$PYTHONPATH}"\n')
    (out / "mscore.lock").write_text('[[repo]]\nname = "Dep"\n\n[[repo]]\nname = "Top"\n')
    return out


def test_repo_output_layout_and_entries(tmp_path):
    out = _repo_output(tmp_path)
    tree = V.load_tree(out)
    assert [n for n, _ in tree.roots] == ["Top", "Dep"]
    ids = {m.id for m in tree.modules}
    assert {"top_pkg.model", "train.py" and "Top/train.py", "dep_pkg.layers", "nsroot.inner.x", "conv.cli",
            "Dep/common/__init__.py"} <= ids
    assert not any("scripts" in i for i in ids)
    data = {"entries": {"Top": {"files": ["train.py"], "scripts": ["top-convert", "absent-script"]}}}
    entries, sources, warnings = V.entry_modules(tree, [], data)
    # train.py's function-level import counts (an entry file's functions run); model.py's does not
    assert entries == {"Top/train.py", "top_pkg", "top_pkg.model", "top_pkg.late", "dep_pkg", "dep_pkg.layers",
                       "common", "conv", "conv.cli", "conv.helpers"}
    assert sources == ["Top/train.py", "top-convert (conv.cli)"]
    assert warnings == ["console script absent-script is not declared by Top"]
    (out / "env.sh").unlink()                       # the lock alone gives the same order
    assert [n for n, _ in V.load_tree(out).roots] == ["Top", "Dep"]


def test_repo_output_imports_along_sys_path(tmp_path):
    out = _repo_output(tmp_path)
    r = run_cli(out, "--timeout", "5", "--preload", "", "--no-backfill", "--json", "-")
    doc = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    assert [x["name"] for x in doc["repos"]] == ["Top", "Dep"]
    failed = {m["id"] for m in doc["modules"] if not m["ok"]}
    # dep_pkg.layers saw Top's common (the order held); Dep's identical mscore_rt is not a module of its own
    assert failed == {"Dep/common/__init__.py", "top_pkg.uses_leftover"}
    assert not any(m["path"].startswith("Dep/mscore_rt") for m in doc["modules"])
    shadowed, leftover = doc["causes"]
    assert shadowed["type"] == "Shadowed" and shadowed["location"] == "Dep/common/__init__.py:?"
    assert (leftover["class"], leftover["location"]) == ("unconverted at import", "Top/top_pkg/uses_leftover.py:2")
    assert leftover["message"] == "Top/top_pkg/uses_leftover.py:2: torch.x left unconverted"   # relative to OUT


def test_bad_lock(tmp_path):
    out = tmp_path / "o"
    write(out, {"A/a.py": ""})
    (out / "mscore.lock").write_text('[[repo]]\nname = "A"\n[[repo]]\nname = "B"\n')
    with pytest.raises(V.VerifyError, match="not there: B"):
        V.load_tree(out)


def test_classify_third_party_frames():
    """A failure inside an installed package is placed at the tree's line that imported it, the package named."""
    tree = V.Tree(Path("/o"), [("o", Path("/o"))], [], {}, "dir")
    mod = V.Module("m", "o", Path("/o/m.py"), "m.py", False, Path("/o"))
    raw = {"status": "failed", "type": "RuntimeError",
           "message": "Failed to import transformers.trainer because of:\nNo module named 'torch'",
           "frames": [{"file": "/o/m.py", "line": 3, "pkg": "m"},
                      {"file": "/site/transformers/utils/import_utils.py", "line": 9, "pkg": "transformers"}],
           "chain": [{"type": "RuntimeError", "message": "Failed to import ...", "name": None},
                     {"type": "ModuleNotFoundError", "message": "No module named 'torch'", "name": "torch"}]}
    c = V.classify(mod, raw, tree, V.load_data())
    assert (c.cls, c.package, c.location, c.message) == (V.C_TP_TORCH, "transformers", "m.py:3",
                                                        "Failed to import transformers.trainer because of:")


def test_stand_in_for_a_vendor_only_package_is_classed_as_that_package():
    # Megatron's transformer_engine.py reads te.__version__ at import: with transformer_engine absent the stand-in
    # raises; the cause is the vendor package's absence, not a leftover (a torch stand-in stays "unconverted")
    tree = V.Tree(Path("/o"), [("o", Path("/o"))], [], {}, "dir")
    mod = V.Module("m", "o", Path("/o/m.py"), "m.py", False, Path("/o"))

    def raw(needs):
        msg = f"/o/m.py:3: reading {needs}.__version__, which mscore left unconverted; it needs {needs}, which is not installed"
        return {"status": "failed", "type": "UnconvertedError", "message": msg,
                "frames": [{"file": "/o/m.py", "line": 3, "pkg": "m"}],
                "chain": [{"type": "UnconvertedError", "message": msg, "name": None}]}

    c = V.classify(mod, raw("transformer_engine"), tree, V.load_data())
    assert (c.cls, c.package) == (V.C_VENDOR, "transformer_engine")
    c = V.classify(mod, raw("torch"), tree, V.load_data())
    assert (c.cls, c.package) == (V.C_UNCONVERTED, None)


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.add(c)
            todo.append(c)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_killed_client_leaves_no_process(tmp_path):
    import signal
    import time

    write(tmp_path / "t", {"pkg/__init__.py": "", "pkg/slow.py": "import time\ntime.sleep(60)\n"})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "mscore", "verify", str(tmp_path / "t"), "--timeout", "50",
                             "--preload", "", "--no-backfill", "--jobs", "1"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_descendants(proc.pid)) < 2 and time.monotonic() < deadline:   # the worker and its child
        time.sleep(0.05)
    left = _descendants(proc.pid)
    assert len(left) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(_running, left)):
        time.sleep(0.05)
    assert not [p for p in left if _running(p)]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")   # a zombie is dead; its new parent reaps it when it gets to it


def test_prelude_is_imported_first_as_the_entry_points_do(tmp_path):
    # MindSpeed-MM's modules import megatron pieces that need MindSpeed's adaptor installed first (it puts dummy
    # transformer_engine modules in sys.modules): a repository's prelude runs before each of its modules, and
    # before each entry module, whichever repository holds it (the entry points import them after the prelude)
    out = _repo_output(tmp_path)
    write(out, {"Top/top_pkg/adaptor.py": "import sys, types\nsys.modules['vendor_te'] = types.ModuleType('vendor_te')\n",
                "Top/top_pkg/needs_vendor.py": "import vendor_te\n",
                "Top/train.py": "from top_pkg import model\nimport dep_pkg.entry_vendor\n",
                "Dep/dep_pkg/entry_vendor.py": "import vendor_te\n",     # in the entry closure
                "Dep/dep_pkg/alone_vendor.py": "import vendor_te\n"})    # not: imported on its own
    base = {"preload": [], "entries": {"Top": {"files": ["train.py"]}}}
    plain = V.verify(out, jobs=1, timeout=20, backfill=False, data=base)
    assert {"top_pkg.needs_vendor", "dep_pkg.entry_vendor", "dep_pkg.alone_vendor"} <= set(plain.cause_of)
    with_prelude = {"preload": [], "entries": {"Top": {"files": ["train.py"], "prelude": ["top_pkg.adaptor"]}}}
    v = V.verify(out, jobs=1, timeout=20, backfill=False, data=with_prelude)
    assert not {"top_pkg.needs_vendor", "top_pkg.adaptor", "dep_pkg.entry_vendor"} & set(v.cause_of)
    assert "dep_pkg.alone_vendor" in v.cause_of     # another repository's module outside the entry closure


def test_a_dependency_repository_prelude_runs_before_its_own_modules_only(tmp_path):
    # Megatron-LM's scripts import megatron.training first (its legacy models' package cycle needs that order); that
    # prelude belongs to Megatron's own modules, not to the MindSpeed-MM entry modules that Megatron holds
    out = _repo_output(tmp_path)
    write(out, {"Top/train.py": "import dep_pkg.used\n",
                "Dep/dep_pkg/setup.py": "import sys, types\nsys.modules['dep_marker'] = types.ModuleType('dep_marker')\n",
                "Dep/dep_pkg/used.py": "import sys\nassert 'dep_marker' not in sys.modules, 'Dep prelude leaked'\n",
                "Dep/dep_pkg/alone.py": "import dep_marker\n"})
    data = {"preload": [], "entries": {"Top": {"files": ["train.py"]}, "Dep": {"prelude": ["dep_pkg.setup"]}}}
    v = V.verify(out, jobs=1, timeout=20, backfill=False, data=data)
    assert "dep_pkg.used" in v.entries and "dep_pkg.used" not in v.cause_of
    assert "dep_pkg.alone" not in v.cause_of
    no_prelude = {"preload": [], "entries": {"Top": {"files": ["train.py"]}}}
    assert "dep_pkg.alone" in V.verify(out, jobs=1, timeout=20, backfill=False, data=no_prelude).cause_of


def test_an_absent_package_re_raised_in_the_trees_words_is_classed_by_that_package():
    # Megatron: `try: from mamba_ssm... except ImportError: raise ImportError("mamba-ssm is required ...")`
    tree = V.Tree(Path("/o"), [("o", Path("/o"))], [], {}, "dir")
    mod = V.Module("m", "o", Path("/o/m.py"), "m.py", False, Path("/o"))

    def raw(pkg):
        return {"status": "failed", "type": "ImportError", "message": f"{pkg} is required but cannot be imported",
                "frames": [{"file": "/o/m.py", "line": 5, "pkg": "m"}],
                "chain": [{"type": "ImportError", "message": f"{pkg} is required", "name": None},
                          {"type": "ModuleNotFoundError", "message": f"No module named '{pkg}'", "name": f"{pkg}.ops"}]}

    c = V.classify(mod, raw("mamba_ssm"), tree, V.load_data())
    assert (c.cls, c.package, c.location) == (V.C_VENDOR, "mamba_ssm", "m.py:5")
    c = V.classify(mod, raw("zarr_like_pkg"), tree, V.load_data())
    assert (c.cls, c.package) == (V.C_MISSING, "zarr_like_pkg")
    plain = dict(raw("x"), chain=[{"type": "ImportError", "message": "x", "name": None}])
    assert V.classify(mod, plain, tree, V.load_data()).cls == V.C_ERROR   # no absent package in the chain
