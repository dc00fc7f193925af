"""Plain SGD's update of one parameter, `p -= lr * g`, as one line against a block at a time: where the blocks pay.

    .venv/bin/python bench/bench_sgd_update.py
    .venv/bin/python bench/bench_sgd_update.py --rounds 400 --sizes 0.77,2,8,32

optim/sgd.py updates a parameter of `_BLOCKED_FROM` bytes or more a block of `_BLOCK_BYTES` at a time through a scratch
array (`subtract_scaled`), and a smaller one with the line itself, whose temporary lr·g is as large as the parameter.
This times both ways on float32 parameters of several sizes (MiB), as a training step meets them: caches evicted by
another array first, the gradient freshly written by the step's backward pass. The ways take turns call by call;
medians of the thread's CPU time (page faults included), one BLAS thread. The crossover sets `_BLOCKED_FROM`
(BENCHMARKS.md "Stop 70").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core.optim import sgd  # noqa: E402


def time_both(mib, rounds, evict):
    """Median seconds of each way for a float32 parameter of `mib` MiB: {"one line": s, "blocks": s}."""
    n = int(mib * (1 << 20)) // 4
    rng = np.random.default_rng(0)
    data, gradient = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    rate = np.float32(0.01)
    times = {"one line": [], "blocks": []}
    for i in range(rounds + 5):
        for way in times:
            evict += 1
            g = gradient * np.float32(1)  # a fresh gradient, just written
            start = time.thread_time()
            if way == "one line":
                data -= rate * g
            else:
                sgd.subtract_scaled(data, rate, g)
            elapsed = time.thread_time() - start
            if i >= 5:  # (the first calls map the scratch block and the temporaries' memory)
                times[way].append(elapsed)
    return {way: statistics.median(t) for way, t in times.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="0.77,4,16,32,64",
                   help="parameter sizes in MiB, comma-separated (0.77: W2's 784×256 weight)")
    p.add_argument("--rounds", type=int, default=200, help="timed calls of each way per size (fewer above 8 MiB)")
    args = p.parse_args()
    blocked_from = sgd._BLOCKED_FROM
    sgd._BLOCKED_FROM = 0  # subtract_scaled takes the blocks at every size
    evict = np.ones(8 << 20, np.float32)  # 32 MiB, the size of this AMD EPYC's L3
    print(f"float32, CPU time of one thread, medians; blocks of {sgd._BLOCK_BYTES >> 10} KiB; optim/sgd.py blocks "
          f"from {blocked_from / (1 << 20):g} MiB")
    print("| parameter | one line | blocks | blocks ÷ one line |")
    print("|---:|---:|---:|---:|")
    for mib in (float(s) for s in args.sizes.split(",")):
        t = time_both(mib, args.rounds if mib <= 8 else max(20, args.rounds // 5), evict)
        print(f"| {mib:g} MiB | {t['one line'] * 1e6:,.1f} µs | {t['blocks'] * 1e6:,.1f} µs | "
              f"{t['blocks'] / t['one line']:.2f}× |")


if __name__ == "__main__":
    main()
