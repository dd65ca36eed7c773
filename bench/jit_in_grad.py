"""Jitting a model's layers inside a PyNative training step on MindSpore (``ms.jit`` on a Cell's ``construct``,
called under ``ms.value_and_grad``): what it costs and where MindSpore 2.10 (CPU) gets it wrong. These are the facts
behind docs/performance.md's "partial jit" section; the script prints them, it asserts nothing.

    python bench/jit_in_grad.py [--steps 12]

Three measurements on a small two-block model (each block: a linear-GELU-linear MLP and a rotary-style product
with a (cos, sin) pair computed outside the block):
1. step time, PyNative vs the blocks jitted (ast), after every shape has been compiled once;
2. the same with the (cos, sin) table computed under ``ms._no_grad()`` (what ``torch.no_grad()`` converts to):
   whether the jitted blocks are compiled again on every step;
3. the gradients of the block parameters when the pair is passed to the jitted block as one tuple argument,
   against PyNative's: shape mismatches and the largest difference.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def build(ms, nn, mint, jit_blocks: bool, no_grad_table: bool, tuple_arg: bool):
    class Block(nn.Cell):
        def __init__(self, width):
            super().__init__()
            self.up = mint.nn.Linear(width, 4 * width)
            self.down = mint.nn.Linear(4 * width, width)
            self.q = mint.nn.Linear(width, width)

        def construct(self, x, cos, sin=None):
            if sin is None:      # the pair came as one tuple argument
                cos, sin = cos
            h = self.q(x) * cos + x * sin
            return x + self.down(mint.nn.functional.gelu(self.up(h)))

    class Table(nn.Cell):
        def __init__(self, width):
            super().__init__()
            self.register_buffer("inv_freq", ms.Tensor(np.linspace(0.01, 1.0, width).astype(np.float32)),
                                 persistent=False)

        def construct(self, positions):
            angles = positions[..., None] * self.inv_freq
            return angles.cos(), angles.sin()

    class Net(nn.Cell):
        def __init__(self, width=64):
            super().__init__()
            self.table = Table(width)
            self.blocks = nn.CellList([Block(width) for _ in range(2)])

        def construct(self, x, positions):
            if no_grad_table:
                with ms._no_grad():
                    cos, sin = self.table(positions)
            else:
                cos, sin = self.table(positions)
            for blk in self.blocks:
                x = blk(x, (cos, sin)) if tuple_arg else blk(x, cos, sin)
            return (x * x).mean()

    ms.set_seed(0)
    net = Net()
    if jit_blocks:
        for blk in net.blocks:
            blk.construct = ms.jit(blk.construct, capture_mode="ast")
    params = net.trainable_params()
    return params, ms.value_and_grad(net, None, params)


def run(ms, nn, mint, steps, **variant):
    params, grad_fn = build(ms, nn, mint, **variant)
    rng = np.random.default_rng(0)
    seqs = [24, 32, 24, 40]
    times, first = [], None
    for i in range(steps):
        s = seqs[i % len(seqs)]
        x = ms.Tensor(rng.standard_normal((2, s, 64)).astype(np.float32))
        pos = ms.Tensor(np.tile(np.arange(s, dtype=np.float32), (2, 1)))
        start = time.perf_counter()
        _, grads = grad_fn(x, pos)
        grads = [g.asnumpy() for g in grads]
        times.append(time.perf_counter() - start)
        if first is None:
            first = grads
    steady = times[len(seqs):] or times
    return statistics.median(steady) * 1e3, [p.shape for p in params], first


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=12)
    args = p.parse_args(argv)
    import mindspore as ms
    from mindspore import mint, nn

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import mscore.backfill as backfill

    ms.set_device("CPU")
    backfill.enable()

    rows = [("PyNative", dict(jit_blocks=False, no_grad_table=False, tuple_arg=False)),
            ("blocks jitted", dict(jit_blocks=True, no_grad_table=False, tuple_arg=False)),
            ("PyNative, table under _no_grad", dict(jit_blocks=False, no_grad_table=True, tuple_arg=False)),
            ("blocks jitted, table under _no_grad", dict(jit_blocks=True, no_grad_table=True, tuple_arg=False)),
            ("blocks jitted, (cos, sin) as one tuple argument", dict(jit_blocks=True, no_grad_table=False,
                                                                     tuple_arg=True)),
            ("blocks jitted, table under _no_grad, one tuple argument", dict(jit_blocks=True, no_grad_table=True,
                                                                             tuple_arg=True))]
    reference = None
    print(f"median step (forward + gradients) over steps 4..{args.steps - 1}, 4 sequence lengths:")
    for label, variant in rows:
        ms_step, shapes, grads = run(ms, nn, mint, args.steps, **variant)
        if reference is None:
            reference = grads
        mismatched = sum(g.shape != s for g, s in zip(grads, shapes))
        diff = max((float(np.abs(g - r).max()) for g, r in zip(grads, reference) if g.shape == r.shape),
                   default=float("nan"))
        print(f"  {label:50} {ms_step:8.1f} ms   gradients: {mismatched} of {len(shapes)} with the wrong shape,"
              f" max |diff| vs PyNative {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
