#!/usr/bin/env python
"""Launch the converted ``pretrain_vlm.py`` the way the converted MindSpeed-MM launch script launches it: ``msrun``
with the script's own ``DISTRIBUTED_ARGS``, on CPU, one worker, torch absent; print each iteration's loss.

    mscore convert --repo MindSpeed-MM --out OUT [--source NAME=PATH ...]
    python bench/pretrain_vlm_msrun.py OUT --python /path/to/venv/bin/python [--iters 6] [--work DIR]
        [--save-interval N --resume-from N] [--direct]

The launcher is ``examples/qwen2.5vl/finetune_qwen2_5_vl_7b.sh`` as converted (``torchrun`` -> ``msrun``): its
``DISTRIBUTED_ARGS`` assignment is taken verbatim and run by bash with one process per node (``NPUS_PER_NODE=1``,
``NNODES=1``) and a free port, then ``msrun $DISTRIBUTED_ARGS pretrain_vlm.py ...`` as the script writes it. Only the
training arguments are the tiny model's (``bench/pretrain_vlm_tiny.py``: generated data, tokenizer and model, fp32,
``--log-interval 1``). msrun starts a scheduler and a worker, each running ``python pretrain_vlm.py`` in a fresh
interpreter; a ``sitecustomize.py`` on PYTHONPATH hides torch / torch_npu / torchvision and ``MSCORE_CPU_BACKFILL=1``
switches the CPU backfill on (its ``init_process_group`` joins msrun's cluster; the scheduler serves it and exits
without training). Losses are read from ``msrun_log/worker_0.log``.

``--save-interval N --resume-from N``: save every N iterations, then launch again with ``--load`` from iteration N
and compare iterations N+1.. with the first launch. ``--direct``: also run the same arguments without msrun
(``bench/pretrain_vlm_tiny.py``'s in-process runner) and compare. Exit status 0 when every iteration ran with a
finite loss, the scheduler did not train, and every comparison asked for agrees at the digits Megatron logs.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pretrain_vlm_tiny as tiny  # noqa: E402  (the tiny model, data, arguments and log parsing)

SCRIPT = "examples/qwen2.5vl/finetune_qwen2_5_vl_7b.sh"

SITECUSTOMIZE = tiny.HIDE_TORCH + '''
import mscore.backfill  # MSCORE_CPU_BACKFILL=1 switches it on
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launcher(mm: Path) -> str:
    """The converted script's DISTRIBUTED_ARGS and its msrun line, for one process on one node."""
    text = (mm / SCRIPT).read_text()
    if "torchrun" in text or not re.search(r"^msrun \$DISTRIBUTED_ARGS pretrain_vlm\.py", text, re.M):
        raise SystemExit(f"{mm / SCRIPT} is not a converted (msrun) launch script")
    block = re.search(r'^DISTRIBUTED_ARGS="[^"]*"', text, re.M)
    if block is None:
        raise SystemExit(f"no DISTRIBUTED_ARGS assignment in {mm / SCRIPT}")
    return ("NPUS_PER_NODE=1\nMASTER_ADDR=localhost\nMASTER_PORT=${MASTER_PORT}\nNNODES=1\nNODE_RANK=0\n"
            f"{block.group(0)}\necho msrun $DISTRIBUTED_ARGS\nmsrun $DISTRIBUTED_ARGS pretrain_vlm.py \"$@\"\n")


def launch(out: Path, python: str, work: Path, iters: int, extra: list[str], tag: str) -> tuple[list, str]:
    mm = out / "MindSpeed-MM"
    paths = tiny.write_configs(work, mm)
    args = tiny.TRAIN_ARGS + ["--train-iters", str(iters), "--mm-data", str(paths["data"]),
                              "--mm-model", str(paths["model"]), "--mm-tool",
                              str(mm / "mindspeed_mm/tools/tools.json"), *extra]
    site = work / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    script = work / "launch.sh"
    script.write_text(launcher(mm))
    repos = [out / n for n in ("MindSpeed-MM", "MindSpeed", "Megatron-LM")]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR")}
    env.update(GLOG_v="4", MSCORE_CPU_BACKFILL="1", MASTER_PORT=str(free_port()), CUDA_DEVICE_MAX_CONNECTIONS="1",
               HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(site), *map(str, repos), str(tiny.ROOT), tiny.stack_path()]),
               PATH=os.pathsep.join([str(Path(python).parent), os.environ.get("PATH", "")]))
    logs = mm / "msrun_log"
    shutil.rmtree(logs, ignore_errors=True)
    proc = subprocess.run(["bash", str(script), *args], cwd=mm, env=env, capture_output=True, text=True)
    kept = work / f"msrun_log-{tag}"
    shutil.rmtree(kept, ignore_errors=True)
    if logs.is_dir():
        shutil.move(str(logs), kept)
    worker = (kept / "worker_0.log").read_text(errors="replace") if (kept / "worker_0.log").is_file() else ""
    scheduler = (kept / "scheduler.log").read_text(errors="replace") if (kept / "scheduler.log").is_file() else ""
    print(proc.stdout.splitlines()[0] if proc.stdout else "(no output)", flush=True)
    if proc.returncode:
        print(f"msrun exited {proc.returncode}; logs in {kept}", file=sys.stderr)
        print("\n".join((worker or proc.stdout + proc.stderr).splitlines()[-30:]), file=sys.stderr)
    rows = []
    for line in worker.splitlines():
        m = tiny.ITER.search(line)
        if m:
            loss = tiny.LOSS.search(m.group(4))
            rows.append((int(m.group(1)), float(loss.group(1)) if loss else float("nan"), float(m.group(3))))
            print(f"iteration {rows[-1][0]:3d}  loss {rows[-1][1]:.6f}  step {rows[-1][2]:8.1f} ms", flush=True)
    return rows, scheduler


def finite(rows, n) -> bool:
    return len(rows) == n and all(r[1] == r[1] and abs(r[1]) != float("inf") for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a `mscore convert --repo MindSpeed-MM` output")
    ap.add_argument("--python", default=sys.executable, help="interpreter with the stack's third-party packages")
    ap.add_argument("--iters", type=int, default=6)
    ap.add_argument("--work", type=Path, default=Path("/tmp/pretrain-vlm-msrun"))
    ap.add_argument("--save-interval", type=int, default=0)
    ap.add_argument("--resume-from", type=int, default=0)
    ap.add_argument("--direct", action="store_true", help="also run without msrun and compare the losses")
    a = ap.parse_args()
    out, work = a.out.resolve(), a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    ckpt = work / "ckpt"
    shutil.rmtree(ckpt, ignore_errors=True)
    extra = ["--save", str(ckpt), "--save-interval", str(a.save_interval)] if a.save_interval else []
    rows, scheduler = launch(out, a.python, work, a.iters, extra, "run")
    ok = finite(rows, a.iters)
    trained = tiny.ITER.search(scheduler) is not None
    print(f"{len(rows)} iterations under msrun: first loss {rows[0][1]:.6f}, last {rows[-1][1]:.6f}; "
          f"scheduler {'TRAINED (wrong)' if trained else 'did not train'}" if rows else "no iteration ran")
    ok = ok and not trained
    if a.direct and ok:
        (work / "direct").mkdir(exist_ok=True)
        direct = tiny.run(out, a.python, work / "direct", a.iters, [], work / "direct.log")
        same = [r[1] for r in rows] == [d[1] for d in direct]
        print(f"without msrun: {[d[1] for d in direct]} -> {'the same losses' if same else 'DIFFERENT losses'}")
        ok = ok and same
    if a.resume_from and ok:
        (ckpt / "latest_checkpointed_iteration.txt").write_text(str(a.resume_from))
        resumed, _ = launch(out, a.python, work, a.iters, ["--load", str(ckpt), "--save", str(work / "ckpt2"),
                                                           "--save-interval", str(a.save_interval)], "resumed")
        want = {r[0]: r[1] for r in rows}
        same = bool(resumed) and all(want.get(i) == loss for i, loss, _ in resumed) \
            and [r[0] for r in resumed] == list(range(a.resume_from + 1, a.iters + 1))
        print(f"resumed from {a.resume_from}: {[r[1] for r in resumed]} -> "
              f"{'the uninterrupted losses' if same else 'DIFFERENT from the uninterrupted run'}")
        ok = ok and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
