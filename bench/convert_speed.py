"""Conversion speed against the libcst parse floor, cold and warm, with peak memory.

    python bench/convert_speed.py                 # default corpus: megatron-core 0.10.0 sdist from PyPI
    python bench/convert_speed.py DIR [DIR ...]   # any trees, e.g. fetched MindSpeed-MM / MindSpeed / Megatron-LM

For each corpus it prints: files, lines, the bare-parse floor (``libcst.parse_module`` of every .py file, on the
same cores), the cold conversion (empty cache) and the warm re-run (same inputs), lines/s, peak RSS and the ratio
to the floor. Conversions run as ``mscore convert`` subprocesses, exactly as a user runs them.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ("megatron-core", "0.10.0")
CACHE = Path(os.environ.get("MSCORE_BENCH_CACHE", Path.home() / ".cache" / "mscore-bench"))


def fetch_default() -> Path:
    name, version = CORPUS
    dest = CACHE / f"{name}-{version}"
    if dest.exists():
        return dest
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", tmp,
                        f"{name}=={version}"], check=True)
        sdist = next(Path(tmp).glob("*.tar.gz"))
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        top = next(p for p in Path(tmp).iterdir() if p.is_dir())
        shutil.copytree(top, dest)
    return dest


def _parse(path: str) -> int:
    import libcst

    data = Path(path).read_bytes()
    try:
        libcst.parse_module(data)
    except Exception:
        pass
    return data.count(b"\n")


def parse_floor(files: list[str], jobs: int) -> float:
    t = time.perf_counter()
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_parse, files, chunksize=8))
    return time.perf_counter() - t


def convert(src: Path, out: Path, cache: Path, jobs: int) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB, largest process) of one ``mscore convert`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mscore", "convert", str(src), "--out", str(out), "--cache-dir", str(cache),
                    "--jobs", str(jobs), "--quiet"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    wall = time.perf_counter() - t
    return wall, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="*", type=Path)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    corpora = args.corpora or [fetch_default()]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"mscore convert vs libcst parse floor ({args.jobs} jobs, {os.cpu_count()} cores)")
    for col in ("corpus", "files", "lines", "floor s", "cold s", "cold lines/s", "ratio", "warm s", "peak RSS MiB"):
        table.add_column(col, justify="right")
    total = {"files": 0, "lines": 0, "floor": 0.0, "cold": 0.0, "warm": 0.0, "rss": 0}
    for corpus in corpora:
        files = sorted(str(p) for p in corpus.rglob("*.py") if p.is_file())
        lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
        floor = parse_floor(files, args.jobs)
        with tempfile.TemporaryDirectory() as tmp:
            out, cache = Path(tmp) / "out", Path(tmp) / "cache"
            cold, rss = convert(corpus, out, cache, args.jobs)
            warm, rss2 = convert(corpus, out, cache, args.jobs)
        rss = max(rss, rss2)
        table.add_row(corpus.name, str(len(files)), f"{lines:,}", f"{floor:.2f}", f"{cold:.2f}", f"{lines / cold:,.0f}",
                      f"{cold / floor:.2f}", f"{warm:.2f}", f"{rss / 1024:.0f}")
        for k, v in (("files", len(files)), ("lines", lines), ("floor", floor), ("cold", cold), ("warm", warm)):
            total[k] += v
        total["rss"] = max(total["rss"], rss)
    if len(corpora) > 1:
        table.add_row("total", str(total["files"]), f"{total['lines']:,}", f"{total['floor']:.2f}",
                      f"{total['cold']:.2f}", f"{total['lines'] / total['cold']:,.0f}",
                      f"{total['cold'] / total['floor']:.2f}", f"{total['warm']:.2f}", f"{total['rss'] / 1024:.0f}")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
