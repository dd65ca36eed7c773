"""Pipeline timings: a first `mscore convert --repo` run and the no-op re-run with unchanged inputs.

    python bench/pipeline_rerun.py --source MindSpeed-MM=/path/MindSpeed-MM --source MindSpeed=/path/MindSpeed \
        --source Megatron-LM=/path/Megatron-LM [--repo MindSpeed-MM]

Each --source is a local git repository (or URL) holding the pinned ref; everything else is passed to
`mscore convert` as given. Prints the wall time of the first run (empty output, warm or cold caches as they are)
and of three re-runs, which must rewrite nothing (the output's git HEADs are compared before and after).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def heads(out: Path) -> dict[str, str]:
    found = {}
    for repo in sorted(p for p in out.iterdir() if (p / ".git").exists()):
        found[repo.name] = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                                          text=True, check=True).stdout.strip()
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default="MindSpeed-MM")
    ap.add_argument("--source", action="append", default=[])
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "mscore", "convert", "--repo", args.repo, "--out", str(out), "-q",
               "--cache-dir", str(Path(tmp) / "cache")]
        for s in args.source:
            cmd += ["--source", s]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        first = time.perf_counter() - t
        before = heads(out)
        reruns = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            reruns.append(time.perf_counter() - t)
        assert heads(out) == before, "a re-run with unchanged inputs changed the output"
        sizes = {p.name: p.stat().st_size for p in sorted((out / "patches").glob("*.patch"))}
    print(f"first run (empty caches): {first:.2f} s")
    print(f"no-op re-runs: {', '.join(f'{r:.2f}' for r in reruns)} s (best {min(reruns):.2f} s); output unchanged")
    for name, size in sizes.items():
        print(f"patch {name}: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
