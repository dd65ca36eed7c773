"""Where the converted mini Qwen2.5-VL training step spends its time (PyNative, CPU, backfill on).

    python bench/profile_qwen2_5_vl_mini.py --project CONVERTED --model-dir CKPT --data DATA.json [--steps 6]
                                            [--ms-profiler DIR]

Runs the converted project's own ``train.py`` (torch blocked, as in run_parity) under Python's cProfile and prints
the buckets of docs/performance.md: the CPU backfill's composites (time under mscore/backfill functions), the
device check, the value_and_grad construction, converter-made copies and casts (``copy_``, ``Tensor.to`` /
``astype``, ``stop_gradient``, the backfill's differentiable snapshots), and the rest -- MindSpore's PyNative
dispatch and kernels, which cProfile sees as time in the op calls and in the synchronising reads (``.shape``,
``.dtype``, ``.item()``, indexing) that wait for them. ``--ms-profiler DIR`` also runs MindSpore's profiler
(CPU activity) and prints kernel counts and time per op type. Get CKPT and DATA from ``run_parity.prepare`` (or a
kept ``bench/e2e_qwen2_5_vl_mini.py --workdir``). cProfile slows Python-heavy code: read the buckets as shares.
"""
import argparse
import cProfile
import csv
import glob
import os
import pstats
import runpy
import sys
import time

BACKFILL_DIR = ""   # the imported mscore.backfill's folder (set in main)


class _TorchBlocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torch_npu"):
            raise ImportError(f"import of {name!r} is blocked")
        return None


def _buckets(stats: pstats.Stats, steps: int) -> list[tuple[str, float, int]]:
    """(bucket, seconds per step, calls per step) from cProfile's table."""
    raw = stats.stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    per = max(steps, 1)

    def total(pred, cumulative=True):
        sec, calls = 0.0, 0
        for (file, _line, name), (_cc, nc, tt, ct, callers) in raw.items():
            if pred(file, name):
                # count only entries called from outside the bucket, so nested calls are not summed twice
                outer = [c for c in callers if not pred(c[0], c[2])]
                if cumulative and callers and not outer:
                    continue
                sec += ct if cumulative else tt
                calls += nc
        return sec / per, calls // per

    in_backfill = lambda f, n: f.startswith(BACKFILL_DIR)  # noqa: E731
    rows = [
        ("backfill composites (cumulative, incl. their kernels)", *total(in_backfill)),
        ("backfill device check (_on_cpu / wrapper frames)",
         *total(lambda f, n: f.startswith(BACKFILL_DIR) and n in ("_on_cpu", "backfilled"), cumulative=False)),
        ("value_and_grad construction", *total(lambda f, n: n in ("value_and_grad", "_get_grad_op")
                                                   and "grad" in f)),
        ("copy_ (in-place writes)", *total(lambda f, n: n in ("copy_", "inplace_update"), cumulative=False)),
        ("backfill snapshots (deepcopy)", *total(lambda f, n: n == "snapshot" and f.startswith(BACKFILL_DIR))),
        ("Tensor.to / astype casts", *total(lambda f, n: n in ("to", "astype", "float"), cumulative=False)),
        ("stop_gradient", *total(lambda f, n: n == "stop_gradient")),
        ("gradient (backward) call", *total(lambda f, n: n == "grad" and f.endswith("api.py"), cumulative=False)),
        ("op dispatch (run_op_async, pyboost)", *total(lambda f, n: n == "run_op_async" or "pyboost_" in n,
                                                       cumulative=False)),
        ("sync reads waiting for kernels (.shape/.dtype/.item/index)",
         *total(lambda f, n: n in ("shape", "dtype", "_item", "getitem_index_info", "setitem_index_info", "size",
                                   "_tolist", "wait_pipeline", "asnumpy"), cumulative=False)),
        ("graph compile (optimizer's jitted update)", *total(lambda f, n: n == "compile" and "api.py" in f)),
    ]
    return rows


def _ms_profile_table(out_dir: str, steps: int, top: int = 15):
    files = glob.glob(os.path.join(out_dir, "*", "FRAMEWORK", "cpu_op_type_info_0.csv"))
    if not files:
        print("  (no MindSpore profiler output found)")
        return
    with open(files[0], newline="") as f:
        rows = list(csv.DictReader(f))
    key_t = next(k for k in rows[0] if k.startswith("total_compute_time"))
    rows.sort(key=lambda r: -float(r[key_t]))
    n = sum(int(r["type_occurrences"]) for r in rows)
    t = sum(float(r[key_t]) for r in rows)
    print(f"  MindSpore profiler: {n / steps:.0f} kernels per step, {t / steps:.0f} ms kernel time per step")
    for r in rows[:top]:
        print(f"    {r['op_type']:<22} {int(r['type_occurrences']) / steps:8.0f} per step  "
              f"{float(r[key_t]) / steps:8.1f} ms  avg {float(r[key_t]) / max(int(r['type_occurrences']), 1):.3f} ms")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--project", required=True)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--ms-profiler", help="also run MindSpore's profiler, writing here")
    p.add_argument("--top", type=int, default=0, help="also list the N backfill functions that cost most")
    args = p.parse_args(argv)

    sys.meta_path.insert(0, _TorchBlocker())
    os.environ.setdefault("GLOG_v", "4")
    import mindspore

    mindspore.set_device("CPU")
    import mscore.backfill

    mscore.backfill.enable()
    global BACKFILL_DIR
    BACKFILL_DIR = os.path.dirname(os.path.abspath(mscore.backfill.__file__))
    project = os.path.abspath(args.project)
    sys.path.insert(0, project)
    script = os.path.join(project, "train.py")
    sys.argv = [script, "--model-dir", args.model_dir, "--data", args.data, "--steps", str(args.steps), "--quiet"]
    prof = None
    if args.ms_profiler:
        from mindspore.profiler import ProfilerActivity

        prof = mindspore.profiler.profile(activities=[ProfilerActivity.CPU],
                                          on_trace_ready=mindspore.profiler.tensorboard_trace_handler(args.ms_profiler))
        prof.start()
    cp = cProfile.Profile()
    start = time.perf_counter()
    cp.enable()
    runpy.run_path(script, run_name="__main__")
    cp.disable()
    wall = time.perf_counter() - start
    if prof is not None:
        prof.stop()
    stats = pstats.Stats(cp)
    print(f"{args.steps} training steps + 1 evaluation forward, {wall:.1f} s under cProfile "
          f"({wall / args.steps * 1000:.0f} ms per step)")
    for name, sec, calls in _buckets(stats, args.steps):
        print(f"  {name:<60} {sec * 1000:9.1f} ms/step  {calls:6d} calls/step")
    if args.top:
        print(f"backfill functions by cumulative time (top {args.top}; nested composites count in each caller):")
        rows = [(ct, nc, f"{os.path.basename(f)}:{line} {name}") for (f, line, name), (_, nc, _, ct, _)
                in stats.stats.items() if f.startswith(BACKFILL_DIR)]
        for ct, nc, label in sorted(rows, reverse=True)[:args.top]:
            print(f"  {label:<60} {ct / args.steps * 1000:9.1f} ms/step  {nc // args.steps:6d} calls/step")
    if args.ms_profiler:
        _ms_profile_table(args.ms_profiler, args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
