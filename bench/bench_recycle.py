"""What recycled results (autograd_core/recycle.py) save: bench_conv.py's CNN training step with the large kernels'
outputs recycled, as the library runs it, and with every one of them a fresh `np.empty`, under glibc's defaults.

    .venv/bin/python bench/bench_recycle.py              # 15 rounds of 10 steps each way
    .venv/bin/python bench/bench_recycle.py --rounds 25

Why it matters: a step frees its whole graph at its end, glibc hands the top of its heap back to the kernel, and the
next step's arrays are mapped afresh, one minor page fault per 4 KiB at the first write (recycle.py's docstring).
This script leaves glibc's settings alone (no MALLOC_TRIM_THRESHOLD_: what a user runs), runs our kernels on one
thread (`set_num_threads(1)`, one BLAS thread), and times the two ways taking turns round by round in one process:
"without" sets recycle.MIN_BYTES above every array's size (so `recycle.empty` is `np.empty`) and forgets the kept
arrays, "with" restores it. Per step: the CPU time of this thread (page faults are the kernel's time on it, which it
counts), the wall clock, and the minor page faults of this thread (getrusage(RUSAGE_THREAD)); medians over rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import bench_conv  # noqa: E402

import autograd_core  # noqa: E402
from autograd_core import recycle  # noqa: E402


def _faults():
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10, help="steps per round and way")
    args = parser.parse_args(argv)
    autograd_core.set_num_threads(1)
    x, labels, upstream, weights = bench_conv.make_problem()
    step = bench_conv.ours(x, labels, upstream, weights, True)
    floor = recycle.MIN_BYTES
    ways = {"with": floor, "without": 1 << 62}
    results = {(way, what): [] for way in ways for what in ("cpu", "wall", "faults")}
    try:
        for r in range(args.rounds + 1):  # round 0 warms up both ways
            for way in (list(ways) if r % 2 == 0 else list(ways)[::-1]):
                recycle.MIN_BYTES = ways[way]
                recycle.clear()
                for _ in range(3):  # the first steps of a way fill (or empty) what it keeps
                    step()
                faults, cpu, wall = _faults(), time.thread_time(), time.perf_counter()
                for _ in range(args.steps):
                    step()
                if r:
                    results[way, "cpu"].append((time.thread_time() - cpu) / args.steps * 1e3)
                    results[way, "wall"].append((time.perf_counter() - wall) / args.steps * 1e3)
                    results[way, "faults"].append((_faults() - faults) / args.steps)
    finally:
        recycle.MIN_BYTES = floor
    print(f"\nbench_conv.py's training step (batch 64 of 28×28), ours on one thread, glibc's defaults, medians of "
          f"{args.rounds} rounds × {args.steps} steps (`bench/bench_recycle.py --rounds {args.rounds}`)\n")
    print("| results | CPU ms per step | wall ms per step | minor page faults per step |\n|---|---:|---:|---:|")
    for way in ways:
        cpu, wall, faults = (statistics.median(results[way, what]) for what in ("cpu", "wall", "faults"))
        print(f"| {way} recycling | {cpu:.2f} | {wall:.2f} | {faults:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
