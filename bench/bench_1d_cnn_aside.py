"""A 1-D CNN's train step (conv1d layers, as an audio or sequence model's): the backward pass on the wall clock, the
weights reaching the convolution's node through a view as before (no leaf there: nothing set aside) against now (the
weight as it is, nn/conv.py `_weight4`: the pass sets its gradient aside on a pool thread), on one thread and two, in
ONE process.

    chrt -f 10 .venv/bin/python bench/bench_1d_cnn_aside.py --rounds 21
    .venv/bin/python bench/bench_1d_cnn_aside.py --rounds 21          # where real-time scheduling is not permitted

"Before" is this checkout with each weight given to conv1d as a reshape of itself to its own shape: a view node between
the parameter and the convolution, as the base's conv1d recorded (the weight viewed as (O, C, 1, k)), whose gradient
the pass then makes in place and passes back through the view. Each round runs every (variant, threads) cell once in a
shuffled order: 0.1 s of steps to warm up, then `--steps` timed steps; the table gives the medians over rounds of each
cell's median backward pass and step (bench_w3_bias_free.py's style). The cells' gradients are checked to be the same
bits first.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
import bench_ab  # noqa: E402

ag = bench_ab.load_checkout(ROOT)
from autograd_core import backward_edges, threads  # noqa: E402
from autograd_core import Value, relu  # noqa: E402
from autograd_core.nn.conv import conv1d  # noqa: E402
from autograd_core.nn.linear import linear  # noqa: E402
from autograd_core.nn.loss import cross_entropy  # noqa: E402
from autograd_core.nn.pool import max_pool1d  # noqa: E402

# batch, input channels, length; the layers' channels; classes
N, C, L, H, K = 16, 8, 1024, 32, 10
LAYERS, POOL = 4, 2  # g of the layers' convolutions: 524,288, 262,144, 131,072, 65,536 elements (ASIDE_FROM 100,000)


def make_step(bias):
    """The step: LAYERS conv1d (k = 5, 'same') + ReLU + max_pool1d(POOL) layers and a linear head, the convolutions
    with biases or without; returns run(before) -> (backward seconds, step seconds, params)."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    x = Value(rng.standard_normal((N, C, L)).astype(f32), requires_grad=False)
    labels = rng.integers(0, K, N)
    params = {}
    for i, (cin, cout) in enumerate([(C, H)] + [(H, H)] * (LAYERS - 1)):
        params[f"w{i}"] = Value((rng.standard_normal((cout, cin, 5)) / np.sqrt(cin * 5)).astype(f32))
        if bias:
            params[f"b{i}"] = Value(np.zeros(cout, f32))
    features = H * (L // POOL ** LAYERS)
    params["head"] = Value((rng.standard_normal((K, features)) / np.sqrt(features)).astype(f32))

    def run(before):
        t0 = time.perf_counter()
        for p in params.values():
            p.grad = None
        h = x
        for i in range(LAYERS):
            w = params[f"w{i}"]
            if before:
                w = w.reshape(w.shape)  # a view node: the base's weight was one (viewed as (O, C, 1, k))
            h = max_pool1d(relu(conv1d(h, w, params.get(f"b{i}"), padding=2)), POOL)
        loss = cross_entropy(linear(h.reshape(N, -1), params["head"]), labels)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        return t2 - t1, t2 - t0, params

    return run


def _count_handed_over():
    """A list that gets one entry per weight gradient the pass hands to a pool thread (backward_edges.run_aside's
    `Aside` with a key: not computed in the calling thread)."""
    handed = []
    run_aside = backward_edges.run_aside

    def counting(function, key):
        later = run_aside(function, key)
        if later is not None and later._key is not None:
            handed.append(key)
        return later

    backward_edges.run_aside = counting
    return handed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--no-bias", action="store_true", help="convolutions without biases")
    parser.add_argument("--always", action="store_true",
                        help="hand every weight gradient over (threads.ADAPTIVE off: no timing chooses the calling "
                             "thread)")
    args = parser.parse_args()
    if args.always:
        threads.ADAPTIVE = False
    step = make_step(not args.no_bias)
    grads = {}
    cells = [(name, count) for name in ("before", "now") for count in (1, 2)]
    for name, count in cells:
        ag.set_num_threads(count)
        for _ in range(3):
            step(name == "before")
        grads[name, count] = {k: p.grad.copy() for k, p in step(name == "before")[2].items()}
    first = grads["before", 1]
    same = all(np.array_equal(first[k], g[k]) for g in grads.values() for k in first)
    handed = _count_handed_over()
    times, loads, handed_per_step = {cell: [] for cell in cells}, [], {cell: 0 for cell in cells}
    for _ in range(args.rounds):
        random.shuffle(cells)
        for name, count in cells:
            ag.set_num_threads(count)
            end = time.perf_counter() + 0.1
            while time.perf_counter() < end:
                step(name == "before")
            del handed[:]
            runs = [step(name == "before")[:2] for _ in range(args.steps)]
            handed_per_step[name, count] += len(handed) / args.steps / args.rounds
            times[name, count].append((statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))
        loads.append(os.getloadavg()[0])

    def median(cell, which):
        return statistics.median(t[which] for t in times[cell]) * 1e3

    always = ", every gradient handed over" if args.always else ""
    print(f"{args.rounds} rounds × {args.steps} steps{always}, load average {min(loads):.1f}-{max(loads):.1f}, "
          f"same bits in all four cells: {same}")
    print(f"| 1-D CNN ({'no biases' if args.no_bias else 'biases'}) | our threads | backward (ms) | step (ms) | "
          f"gradients set aside on a pool thread per step |")
    print("|---|---:|---:|---:|---:|")
    for name, count in sorted(times):
        print(f"| {name} | {count} | {median((name, count), 0):.2f} | {median((name, count), 1):.2f} | "
              f"{handed_per_step[name, count]:.2f} |")


if __name__ == "__main__":
    main()
