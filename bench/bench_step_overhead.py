"""The fixed cost of a training step: W2's step (bench_mlp.py) on a network so small that NumPy's arithmetic
is almost nothing, so what remains is what each engine adds per step in Python.

    .venv/bin/python bench/bench_step_overhead.py                 # MLP 8-8-8-4, batch 4, CPU time
    .venv/bin/python bench/bench_step_overhead.py --rounds 200

The same three steps as bench_mlp.py (forward, mean cross-entropy, backward, SGD update; float32):
  eager          nn.MLP + nn.functional.cross_entropy + optim.SGD (bench_mlp's `Ours`)
  compiled       that step wrapped in autograd_core.compile (timed after its recording)
  NumPy by hand  bench_mlp's `NumpyMLP`: the floor

All in one process, one BLAS thread, CPU time of this thread; the three take turns block by block so that
load from elsewhere hits them alike. The table gives the median and the fastest round of the per-step time,
and "above NumPy": that minus the hand-written step's, the engine's fixed cost per step. On W2's sizes
(784-256-128-10, batch 128) this cost comes on top of about the same arithmetic in all three.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import bench_mlp  # noqa: E402

import autograd_core as ag  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--block", type=int, default=50, help="steps per engine per round")
    args = p.parse_args(argv)
    bench_mlp.SIZES, bench_mlp.BATCH = (8, 8, 8, 4), 4   # read by make_batch, initial_weights and Ours
    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    eager, hand = bench_mlp.Ours(weights), bench_mlp.NumpyMLP(weights)
    compiled_model = bench_mlp.Ours(weights)
    steps = {"eager": eager.step, "compiled": ag.compile(compiled_model.step), "NumPy by hand": hand.step}
    for step in steps.values():
        for _ in range(20):  # warm-up, and the compiled step's recordings
            step(x, y)
    losses = {name: float(step(x, y)) for name, step in steps.items()}
    assert abs(losses["eager"] - losses["NumPy by hand"]) < 1e-4, losses
    assert losses["eager"] == losses["compiled"], losses  # the same numbers, bit for bit
    times = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.thread_time()
            for _ in range(args.block):
                step(x, y)
            times[name].append((time.thread_time() - start) / args.block * 1e6)
    floor = statistics.median(times["NumPy by hand"])
    floor_min = min(times["NumPy by hand"])
    print(f"MLP 8-8-8-4, batch 4, float32, one SGD step; CPU time, {args.rounds} rounds × {args.block} steps; "
          f"load average {os.getloadavg()[0]:.1f}")
    print()
    print("| engine | median (µs) | above NumPy (µs) | fastest round (µs) | above NumPy (µs) |")
    print("|---|---:|---:|---:|---:|")
    for name, values in times.items():
        med, low = statistics.median(values), min(values)
        print(f"| {name} | {med:.1f} | {med - floor:.1f} | {low:.1f} | {low - floor_min:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
