"""`mscore verify` on a real converted output: wall and CPU time, and the result as a Markdown table.

    python bench/verify_stack.py OUT [--python /path/to/venv/bin/python] [--jobs 2] [--top 15] [any verify option]

Runs `python -m mscore verify OUT --json FILE` (options after OUT are passed through), then prints the timings
(wall; CPU of every process involved: workers and their per-module children; the workers' start-up; the sum of
the per-module import times) and the per-repository table, entry-module figure and top causes in Markdown, ready
for an issue note.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def markdown(doc: dict, top: int) -> str:
    lines = ["| repository | importable / total | % |", "|---|---|---|"]
    for r in doc["repos"]:
        lines.append(f"| {r['name']} | {r['importable']} / {r['modules']} | {100 * (r['rate'] or 0):.1f} |")
    t = doc["totals"]
    lines.append(f"| **total** | **{t['importable']} / {t['modules']}** | **{100 * (t['rate'] or 0):.1f}** |")
    e = doc["entry"]
    lines += ["", f"Entry modules ({', '.join(e['sources']) or 'none'}): {e['importable']} / {e['modules']} import.",
              "", "Failures by class: " + ", ".join(f"{k} {v}" for k, v in t["by_class"].items()) + ".", "",
              "| modules | entry | class | where | error |", "|---|---|---|---|---|"]
    for c in doc["causes"][:top]:
        label = f"{c['class']} ({c['package']})" if c["package"] else c["class"]
        msg = f"{c['type']}: {c['message']}".replace("|", "\\|")
        lines.append(f"| {c['count']} | {c['entry_count'] or ''} | {label} | `{c['location']}` | {msg} |")
    if len(doc["causes"]) > top:
        lines.append(f"| … | | {len(doc['causes']) - top} more causes | | |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    top = 15
    if "--top" in argv:
        i = argv.index("--top")
        top = int(argv[i + 1])
        del argv[i:i + 2]
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "verify.json"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "mscore", "verify", *argv, "--json", str(result)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not result.exists():
            print(proc.stderr, file=sys.stderr)
            return proc.returncode or 2
        doc = json.loads(result.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    imports = sum(m["seconds"] or 0 for m in doc["modules"])
    print(f"{doc['totals']['modules']} modules, {doc['settings']['jobs']} workers ({doc['settings']['mode']}): "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s, worker start-up {doc['worker'].get('startup_seconds', 0):.1f} s, "
          f"sum of module import times {imports:.1f} s; load average {os.getloadavg()[0]:.1f}; exit {proc.returncode}")
    print()
    print(markdown(doc, top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
