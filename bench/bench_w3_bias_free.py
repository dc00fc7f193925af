"""W3 without biases in its convolutions (a ResNet's convolutions, before a BatchNorm): the train step's backward pass
on the wall clock, the bias-free node recorded as before (its two parents in two slots: the pass's short way, nothing
set aside) against now (nn/conv.py `_bias_free`: the general way, the weight's gradient set aside), in ONE process.

    chrt -f 10 .venv/bin/python bench/bench_w3_bias_free.py --rounds 21
    .venv/bin/python bench/bench_w3_bias_free.py --rounds 21          # where real-time scheduling is not permitted

"Before" is this checkout with `_bias_free` made to return its node as it is, which is the base's recording exactly
(the only difference); both variants then share the process, its memory and its pool threads, so that the host's
load hits them alike. Each round runs every (variant, threads) cell once in a shuffled order: 0.1 s of steps to warm
up, then 30 timed steps; the table gives the medians over rounds of each cell's median backward pass and step
(bench_w3_threads.py's style). The two variants' gradients are checked to be the same bits first.
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
from autograd_core import Value, relu  # noqa: E402
from autograd_core.nn import conv  # noqa: E402
from autograd_core.nn.linear import linear  # noqa: E402
from autograd_core.nn.loss import cross_entropy  # noqa: E402
from autograd_core.nn.pool import max_pool2d  # noqa: E402
import bench_conv  # noqa: E402

NOW, BEFORE = conv._bias_free, (lambda y: y)


def bias_free_step():
    """W3's full train step (bench_conv.py) with its convolutions' biases left out; returns (backward, step) seconds."""
    x, labels, _, weights = bench_conv.make_problem()
    params = {k: Value(v) for k, v in weights.items() if k not in ("b1", "b2")}
    xv = Value(x, requires_grad=False)

    def run():
        t0 = time.perf_counter()
        for p in params.values():
            p.grad = None
        h = max_pool2d(relu(conv.conv2d(xv, params["w1"], padding=1)), 2)
        h = max_pool2d(relu(conv.conv2d(h, params["w2"], padding=1)), 2)
        loss = cross_entropy(linear(h.reshape(bench_conv.N, -1), params["w3"], params["b3"]), labels)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        return t2 - t1, t2 - t0, params

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    step = bias_free_step()
    grads = {}
    for name, bias_free in (("before", BEFORE), ("now", NOW)):
        conv._bias_free = bias_free
        for count in (1, 2):
            ag.set_num_threads(count)
            for _ in range(10):
                step()
            grads[name, count] = {k: p.grad.copy() for k, p in step()[2].items()}
    first = grads["before", 1]
    same = all(np.array_equal(first[k], g[k]) for g in grads.values() for k in first)
    cells = [(name, count) for name in ("before", "now") for count in (1, 2)]
    times, loads = {cell: [] for cell in cells}, []
    for _ in range(args.rounds):
        random.shuffle(cells)
        for name, count in cells:
            conv._bias_free = NOW if name == "now" else BEFORE
            ag.set_num_threads(count)
            end = time.perf_counter() + 0.1
            while time.perf_counter() < end:
                step()
            runs = [step()[:2] for _ in range(args.steps)]
            times[name, count].append((statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))
        loads.append(os.getloadavg()[0])
    conv._bias_free = NOW

    def median(cell, which):
        return statistics.median(t[which] for t in times[cell]) * 1e3

    print(f"{args.rounds} rounds × {args.steps} steps, load average {min(loads):.1f}-{max(loads):.1f}, "
          f"same bits in all four cells: {same}")
    print("| bias-free W3 | our threads | backward (ms) | step (ms) |")
    print("|---|---:|---:|---:|")
    for name, count in sorted(times):
        print(f"| {name} | {count} | {median((name, count), 0):.2f} | {median((name, count), 1):.2f} |")


if __name__ == "__main__":
    main()
