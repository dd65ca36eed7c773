"""Issue 13, the command line under hostile input and interrupted runs: signals, side files, special files,
permissions, the output swap, user files in an output, the cache, odd names. Each test names the defect it pins
(numbers as in the issue); every one failed before its fix.

Unreadable input is tested as the unprivileged user ``nobody`` when the tests run as root (root reads everything).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.robustness.test_bad_input import (  # noqa: F401  (work is a fixture)
    ROOT,
    _big_tree,
    leftovers,
    one_line_error,
    run,
    tree_hash,
    work,
)


def convert(work: Path, src, out, *extra, **kw):
    return run("convert", src, "--out", out, "--rules", work / "rules", *extra, cwd=work, **kw)


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# -- 1. killing a parallel run must not leave workers holding stdout ------------------------------------------------

@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the pool workers")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_parallel_run_leaves_no_workers_holding_stdout(work, sig):
    big = work / "big"
    _big_tree(big, files=160)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "mscore", "convert", str(big), "--out", str(work / "out"),
                             "--rules", str(work / "rules"), "--no-cache", "-j2"],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    workers: list[int] = []
    while time.time() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.01)
    assert len(workers) >= 2, "the run never started its pool"
    time.sleep(0.3)
    os.kill(proc.pid, sig)
    t0 = time.time()
    try:
        proc.communicate(timeout=20)   # EOF on stdout and stderr: nobody holds them any more
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    assert time.time() - t0 < 20
    time.sleep(0.2)
    assert not [w for w in workers if _alive(w)]
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
        assert not leftovers(work, "out")


# -- 2, 21. --report and --cache-dir: never into SRC, never into DST, checked before anything is written ------------

@pytest.mark.parametrize("option, where, needle", [
    ("--report", "src/pkg/model.py", "never writes into its input"),
    ("--report", "src/r.json", "never writes into its input"),
    ("--cache-dir", "src/.c", "never writes into its input"),
    ("--cache-dir", "out/cache", "replaced whole"),
    ("--report", "out/r.json", "replaced whole"),
    ("--report", "rdir", "is a directory"),
    ("--report", "/dev/full", "is a device"),
])
def test_side_files_never_land_in_src_or_dst(work, option, where, needle):
    (work / "rdir").mkdir()
    before = tree_hash(work / "src")
    target = where if where.startswith("/") else work / where
    out = convert(work, work / "src", work / "out", option, target)
    one_line_error(out, needle)
    assert tree_hash(work / "src") == before
    assert not (work / "out").exists() and not leftovers(work, "out")


def test_report_written_only_once_dst_is(work, monkeypatch, capsys):
    """A failure writing DST leaves --report unwritten too (it is prepared beside, then put in place)."""
    from mscore import tree
    from mscore.cli import main

    def broken(*a, **k):
        raise tree.TreeError("writing out failed, nothing changed: boom")

    monkeypatch.setattr(tree, "write_tree", broken)
    assert main(["convert", str(work / "src"), "--out", str(work / "out"), "--rules", str(work / "rules"),
                 "--report", str(work / "r.json"), "--no-cache", "-j1"]) == 2
    assert not (work / "r.json").exists() and not leftovers(work, "r.json")


# -- 3. special files as --out ---------------------------------------------------------------------------------------

def test_out_device_node_is_refused(work):
    dev = work / "null"
    os.mknod(dev, 0o666 | 0o020000, os.makedev(1, 3))
    out = convert(work, work / "src" / "pkg" / "model.py", dev)
    one_line_error(out, "is a device")
    assert dev.is_char_device() and not (work / "null.mscore.json").exists()
    fifo = work / "fifo"
    os.mkfifo(fifo)
    one_line_error(convert(work, work / "src" / "pkg" / "model.py", fifo), "FIFO")
    one_line_error(convert(work, work / "src", fifo), "FIFO")


# -- 5. unreadable input ---------------------------------------------------------------------------------------------

def _as_unprivileged(cwd: Path, *args) -> subprocess.CompletedProcess:
    """Run mscore where file permissions apply: as root, without the capabilities that bypass them."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    prefix = []
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), "running as root needs setpriv (util-linux) to test unreadable input"
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    return subprocess.run([*prefix, sys.executable, "-m", "mscore", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture
def shared_tmp(tmp_path):
    yield tmp_path
    for p in [tmp_path, *tmp_path.rglob("*")]:
        if p.is_dir() and not p.is_symlink():
            os.chmod(p, 0o755)


@pytest.mark.parametrize("what", ["subdir", "src", "file"])
def test_unreadable_input_is_an_error(shared_tmp, what):
    src = shared_tmp / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.py").write_text("import torch\nx = torch.zeros(2)\n")
    (src / "sub" / "b.py").write_text("import torch\ny = torch.zeros(3)\n")
    for p in (shared_tmp, src, src / "sub"):
        os.chmod(p, 0o777)
    locked = {"subdir": src / "sub", "src": src, "file": src / "a.py"}[what]
    os.chmod(locked, 0)
    out = _as_unprivileged(shared_tmp, "convert", src, "--out", shared_tmp / "out", "--no-cache", "-j1")
    os.chmod(locked, 0o777)
    one_line_error(out, "ermission denied")
    assert not (shared_tmp / "out").exists()


# -- 6. the swap never leaves no DST; leftovers of killed runs are cleaned ---------------------------------------------

KILL_SCRIPT = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    try:
        from mscore import outdir
    except ImportError:   # (mscore before issue 13)
        outdir = None
    from mscore.cli import main
    mode, when = sys.argv[1], int(sys.argv[2])
    if mode == "fallback":
        outdir._exchange = lambda a, b: False
    target = {"rename": (os, "rename"), "write": (Path, "write_bytes")}[os.environ["KILL_AT"]]
    real = getattr(*target)
    calls = [0]
    def deadly(*a, **k):
        calls[0] += 1
        if calls[0] == when:
            os._exit(9)          # like SIGKILL: no clean-up of any kind
        return real(*a, **k)
    setattr(*target, deadly)
    sys.exit(main(sys.argv[3:]))
""")


def _killed_run(work: Path, kill_at: str, when: int, mode: str = "native"):
    env = dict(os.environ, PYTHONPATH=str(ROOT), KILL_AT=kill_at)
    return subprocess.run([sys.executable, "-c", KILL_SCRIPT, mode, str(when), "convert", str(work / "src"),
                           "--out", str(work / "out"), "--rules", str(work / "rules"), "--no-cache", "-j1", "-q"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=300)


def test_sigkill_at_the_swap_never_leaves_no_dst(work):
    assert convert(work, work / "src", work / "out", "--no-cache").returncode == 0
    before = tree_hash(work / "out")
    (work / "src" / "pkg" / "new.py").write_text("import torch\ny = torch.zeros(2)\n")
    for when in (1, 2):
        r = _killed_run(work, "rename", when)
        assert (work / "out").is_dir(), (when, r.returncode, r.stderr[-2000:])
        state = tree_hash(work / "out")
        assert state == before or (work / "out" / "pkg" / "new.py").exists()


def test_killed_fallback_swap_is_repaired_by_the_next_run(work):
    """Without an atomic exchange a kill between the two renames can leave DST missing for a moment; the old output
    stays recoverable beside it and the next run puts it back before doing anything else."""
    assert convert(work, work / "src", work / "out", "--no-cache").returncode == 0
    (work / "src" / "pkg" / "new.py").write_text("import torch\ny = torch.zeros(2)\n")
    r = _killed_run(work, "rename", 2, mode="fallback")
    assert r.returncode == 9
    assert not (work / "out").exists() and any(".old-" in n for n in leftovers(work, "out"))
    from mscore.outdir import Staging

    with Staging(work / "out"):   # what every writer does first: repair, clean
        assert (work / "out" / "mscore-report.json").exists()
    assert not leftovers(work, "out")
    assert convert(work, work / "src", work / "out", "--no-cache").returncode == 0
    assert (work / "out" / "pkg" / "new.py").exists() and not leftovers(work, "out")


def test_leftovers_of_a_run_killed_while_writing_are_cleaned(work):
    r = _killed_run(work, "write", 2)
    assert r.returncode == 9 and leftovers(work, "out")
    ok = convert(work, work / "src", work / "out", "--no-cache")
    assert ok.returncode == 0, ok.stderr
    assert not leftovers(work, "out")


def test_a_concurrent_runs_staging_directory_is_left_alone(work):
    hold = textwrap.dedent(f"""
        import sys, time
        from mscore.outdir import Staging
        with Staging(__import__("pathlib").Path({str(work / "out")!r})) as s:
            print(s.path, flush=True)
            time.sleep(60)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    other = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True, env=env)
    try:
        path = Path(other.stdout.readline().strip())
        assert path.is_dir()
        assert convert(work, work / "src", work / "out", "--no-cache").returncode == 0
        assert path.is_dir(), "a live run's staging directory was removed"
    finally:
        other.kill()
        other.wait()


# -- 7. files the user added to an output; what proves an output is mscore's -----------------------------------------

def test_user_added_file_is_refused_without_force(work):
    assert convert(work, work / "src", work / "out").returncode == 0
    (work / "out" / "NOTES.md").write_text("mine\n")
    (work / "out" / "pkg" / "__pycache__").mkdir()
    (work / "out" / "pkg" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"x")
    (work / "src" / "pkg" / "plain.py").write_text("x = 2\n")
    one_line_error(convert(work, work / "src", work / "out"), "NOTES.md")
    assert (work / "out" / "NOTES.md").read_text() == "mine\n"
    (work / "out" / "pkg" / "model.py").write_text("# edited\n")
    (work / "out" / "NOTES.md").unlink()
    one_line_error(convert(work, work / "src", work / "out"), "pkg/model.py")
    assert convert(work, work / "src", work / "out", "--force").returncode == 0
    assert (work / "out" / "pkg" / "plain.py").read_text() == "x = 2\n"
    assert "edited" not in (work / "out" / "pkg" / "model.py").read_text()


def test_python_caches_in_an_output_do_not_block_a_rerun(work):
    assert convert(work, work / "src", work / "out").returncode == 0
    (work / "out" / "pkg" / "__pycache__").mkdir()
    (work / "out" / "pkg" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"x")
    (work / "src" / "pkg" / "plain.py").write_text("x = 2\n")
    assert convert(work, work / "src", work / "out").returncode == 0


def test_a_report_file_does_not_make_a_directory_an_mscore_output(work):
    foreign = work / "foreign"
    foreign.mkdir()
    (foreign / "mscore-report.json").write_text("{}")
    (foreign / "data.bin").write_bytes(b"\0" * 10)
    one_line_error(convert(work, work / "src", foreign), "not an mscore output")
    one_line_error(convert(work, work / "src", foreign, "--force"), "not an mscore output")
    assert sorted(p.name for p in foreign.iterdir()) == ["data.bin", "mscore-report.json"]


# -- 14. non-UTF-8 file names ------------------------------------------------------------------------------------------

def test_non_utf8_file_name(work):
    name = os.fsdecode(b"\xff\xfe.py")
    (work / "src" / name).write_text("import torch\nx = torch.zeros(2)\n")
    out = convert(work, work / "src", work / "out")
    assert out.returncode == 0, out.stderr[-2000:]
    assert (work / "out" / name).read_text() == "from mindspore import mint\nx = mint.zeros(2)\n"
    paths = [f["path"] for f in json.loads((work / "out" / "mscore-report.json").read_text())["files"]]
    assert "\\xff\\xfe.py" in paths


# -- 15. bad entries in --rules DIR ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["directory", "dangling", "unreadable"])
def test_bad_rules_dir_entries_are_one_line_errors(work, kind):
    rules = work / "rules"
    if kind == "directory":
        (rules / "x.toml").mkdir()
        needle = "x.toml: is a directory"
    elif kind == "dangling":
        (rules / "x.toml").symlink_to(work / "nowhere.toml")
        needle = "x.toml: cannot read"
    else:
        (rules / "x.toml").write_text('["torch.zeros"]\ntarget = "mindspore.mint.zeros"\n')
        os.chmod(rules / "x.toml", 0)
        needle = "x.toml: cannot read"
    try:
        if kind == "unreadable":
            check = _as_unprivileged(work, "rules", "check", "--rules", rules)
        else:
            check = run("rules", "check", "--rules", rules, cwd=work)
    finally:
        if kind == "unreadable":
            os.chmod(rules / "x.toml", 0o644)
    one_line_error(check, needle)


# -- 16. the cache cannot execute code; a bad entry is a miss ----------------------------------------------------------

def test_planted_or_corrupt_cache_entries_are_misses(work):
    cache = work / "cache"
    ref = convert(work, work / "src", work / "ref", "--no-cache")
    assert convert(work, work / "src", work / "out", "--cache-dir", cache).returncode == 0
    entries = [p for p in cache.rglob("*") if p.is_file()]
    assert entries
    marker = work / "PWNED"

    class Planted:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import pickle

    for i, p in enumerate(entries):
        p.write_bytes(pickle.dumps(Planted()) if i % 2 == 0 else b'{"format": 1, "status": "converted", "output"')
    again = convert(work, work / "src", work / "out2", "--cache-dir", cache)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not marker.exists()
    assert ref.returncode == 0
    assert tree_hash(work / "out2", exact=False) == tree_hash(work / "ref", exact=False)


# -- 19. SRC that is neither a directory nor a .py file ----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["text", "fifo", "device"])
def test_src_must_be_a_directory_or_a_py_file(work, kind):
    if kind == "text":
        src = work / "notes.txt"
        src.write_text("hello\n")
    elif kind == "fifo":
        src = work / "pipe.py"
        os.mkfifo(src)
    else:
        src = Path("/dev/zero")
    one_line_error(convert(work, src, work / "out"), "give a directory or a .py file")
    assert not (work / "out").exists()


# -- 22. DST is a symbolic link to a directory ---------------------------------------------------------------------------

def test_dst_symlink_to_a_directory_is_followed(work):
    (work / "real").mkdir()
    (work / "link").symlink_to("real")
    assert convert(work, work / "src", work / "link").returncode == 0
    assert (work / "link").is_symlink() and (work / "real" / "pkg" / "model.py").exists()
    assert not leftovers(work, "link") and not leftovers(work, "real")
    assert convert(work, work / "src", work / "link").returncode == 0   # and again, over its own output


# -- Also: symlinks in SRC are listed; argparse errors are one line; single-file report not overwritten ----------------

def test_symlinks_and_special_files_in_src_are_listed(work):
    (work / "src" / "link.py").symlink_to("pkg/plain.py")
    (work / "src" / "dirlink").symlink_to("pkg")
    os.mkfifo(work / "src" / "fifo")
    out = convert(work, work / "src", work / "out")
    assert out.returncode == 0, out.stderr
    rep = json.loads((work / "out" / "mscore-report.json").read_text())
    skipped = {f["path"]: f["message"] for f in rep["files"] if f["status"] == "skipped"}
    assert set(skipped) == {"link.py", "dirlink", "fifo"} and rep["totals"]["skipped_files"] == 3
    assert "symbolic link" in skipped["link.py"] and "FIFO" in skipped["fifo"]
    assert "link.py" in out.stdout


@pytest.mark.parametrize("args", [["convert", "--jobs", "x"], ["convert", "--bogus"], ["nonsense"],
                                  ["convert", "--profile", "other"]])
def test_usage_errors_are_one_line(work, args):
    one_line_error(run(*args, cwd=work), "")


def test_single_file_mode_keeps_a_foreign_side_report(work):
    dst = work / "m.py"
    (work / "m.py.mscore.json").write_text("my notes\n")
    one_line_error(convert(work, work / "src" / "pkg" / "model.py", dst), "m.py.mscore.json")
    assert (work / "m.py.mscore.json").read_text() == "my notes\n" and not dst.exists()
    assert convert(work, work / "src" / "pkg" / "model.py", dst, "--force").returncode == 0
    assert convert(work, work / "src" / "pkg" / "model.py", dst).returncode == 0   # its own report: replaced
