"""Forward mode's cost: `jvp` of f: R → R^m against evaluating f, m = 1000 (issue 12: at most 3×).

    .venv/bin/python bench/bench_forward.py                    # CPU time of this thread, one BLAS thread
    .venv/bin/python bench/bench_forward.py --clock wall       # wall clock, default threads

`jvp(f, (s,), (1.0,))` runs f once with a tangent beside every value (forward.py); the time of f is that
of the same call `f(Value(s, requires_grad=False))` through the engine, and "f in NumPy" is the same
arithmetic written with NumPy alone. The two evaluations take turns, round by round, so that load from
elsewhere on the (shared) machine hits both alike; medians over the rounds.

Functions (m = 1000, c fixed in [−1, 1]):
  sin     g(s) = sin(s·c)·s                                   the notebook's example (3 operations)
  mixed   y = tanh(s·c + d); z = sin(y·s) + exp(−y)·c;
          f(s) = z·z + y / (1 + s²)                            14 operations
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    p.add_argument("--rounds", type=int, default=31)
    p.add_argument("--calls", type=int, default=300, help="calls per round and function")
    p.add_argument("-m", type=int, default=1000, help="number of outputs")
    args = p.parse_args(argv)
    if args.clock == "cpu":
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np

    import autograd_core as ag
    from autograd_core import Value

    c, d = np.linspace(-1, 1, args.m), np.linspace(0, 2, args.m)

    def sin_f(s):
        return ag.sin(s * c) * s

    def mixed_f(s):
        y = ag.tanh(s * c + d)
        z = ag.sin(y * s) + ag.exp(-y) * c
        return z * z + y / (1.0 + s * s)

    def sin_np(s):
        return np.sin(s * c) * s

    def mixed_np(s):
        y = np.tanh(s * c + d)
        z = np.sin(y * s) + np.exp(-y) * c
        return z * z + y / (1.0 + s * s)

    clock = CLOCKS[args.clock]
    print(f"m = {args.m}; clock: {args.clock}; median of {args.rounds} rounds × {args.calls} calls")
    print()
    print("| f: R → R^m | f in NumPy (µs) | f (µs) | jvp(f) (µs) | jvp ÷ f | target ≤ 3× |")
    print("|---|---:|---:|---:|---:|:---:|")
    for name, f, f_np in (("sin", sin_f, sin_np), ("mixed", mixed_f, mixed_np)):
        s = 0.3
        _, t = ag.jvp(f, (s,), (1.0,))
        h = 1e-6
        assert np.allclose(t, (f_np(s + h) - f_np(s - h)) / (2 * h), rtol=1e-5, atol=1e-6)
        runs = {
            "numpy": lambda f_np=f_np, s=s: f_np(s),
            "f": lambda f=f, s=s: f(Value(s, requires_grad=False)),
            "jvp": lambda f=f, s=s: ag.jvp(f, (s,), (1.0,)),
        }
        times = {k: [] for k in runs}
        for fn in runs.values():
            fn()
        for _ in range(args.rounds):
            for k, fn in runs.items():
                start = clock()
                for _ in range(args.calls):
                    fn()
                times[k].append((clock() - start) / args.calls)
        med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
        ratio = med["jvp"] / med["f"]
        print(f"| {name} | {med['numpy']:.1f} | {med['f']:.1f} | {med['jvp']:.1f} | {ratio:.2f}× | "
              f"{'yes' if ratio <= 3 else 'no'} |")


if __name__ == "__main__":
    main()
