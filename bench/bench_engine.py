"""Engine benchmarks, side by side with peers measured in the same run (medians of several runs).

    .venv/bin/python bench/bench_engine.py            # all workloads, markdown table on stdout
    .venv/bin/python bench/bench_engine.py --quick    # fewer repetitions

Workloads (issue #2):
  micrograd-demo  MLP 2-16-16-1 of scalar Values on 100 two-moons points, hinge loss + L2, forward+backward
  per-op          a chain of 1,000 small ops (add, mul, tanh alternating) on a 10-element tensor, fwd+bwd
  chain-100k      x = x + 1, 100,000 times on a scalar, forward and backward
  chain-1M        the same with 1,000,000 nodes (ours only: must complete)
Peers: PyTorch CPU (eager, float64), micrograd 0.1.0, HIPS autograd, bare NumPy.
Interleaves the engines run by run, so that load from elsewhere on the machine hits all of them alike.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core import Value  # noqa: E402
try:
    from nn.data import make_moons
except ImportError:  # nn not there yet
    def make_moons(n, noise, rng):
        r = np.random.default_rng(rng)
        t = r.uniform(0, np.pi, n)
        X = np.stack([np.cos(t), np.sin(t)], 1) + noise * r.standard_normal((n, 2))
        return X, (r.random(n) > 0.5).astype(int)

HAVE = {name: importlib.util.find_spec(name) is not None for name in ("torch", "micrograd", "autograd")}


def measure(fn, repeat):
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# ----------------------------------------------------------------------------------------------------
# micrograd's demo workload: the same MLP built from scalar nodes in each engine.


def _scalar_mlp(make, sizes, seed):
    rnd = random.Random(seed)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append([([make(rnd.uniform(-1, 1)) for _ in range(sizes[i])], make(0.0), i < len(sizes) - 2)
                       for _ in range(sizes[i + 1])])
    return layers


def _run_scalar_mlp(layers, x):
    for layer in layers:
        out = []
        for w, b, nonlin in layer:
            act = sum((wi * xi for wi, xi in zip(w, x)), b)
            out.append(act.relu() if nonlin else act)
        x = out
    return x[0]


def _demo_loss(layers, make_input, X, y):
    scores = [_run_scalar_mlp(layers, [make_input(v) for v in row]) for row in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    params = [p for layer in layers for w, b, _ in layer for p in (*w, b)]
    return data_loss + 1e-4 * sum(p * p for p in params)


def micrograd_demo(repeat):
    X, y = make_moons(100, noise=0.1, rng=1)
    X, y = X.tolist(), (y * 2 - 1).tolist()
    runs = {}
    ours = _scalar_mlp(Value, [2, 16, 16, 1], 0)
    runs["autograd-core"] = lambda: _demo_loss(ours, lambda v: Value(v, requires_grad=False), X, y).backward()
    if HAVE["micrograd"]:
        from micrograd.engine import Value as MValue

        mg = _scalar_mlp(MValue, [2, 16, 16, 1], 0)
        runs["micrograd 0.1.0"] = lambda: _demo_loss(mg, MValue, X, y).backward()
    if HAVE["torch"]:
        import torch

        def tensor(v):
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        tl = _scalar_mlp(tensor, [2, 16, 16, 1], 0)
        runs["PyTorch 0-d tensors"] = lambda: _demo_loss(
            tl, lambda v: torch.tensor(v, dtype=torch.float64), X, y).backward()
    return runs


# ----------------------------------------------------------------------------------------------------
# Per-op overhead.


def per_op(repeat):
    rng = np.random.default_rng(0)
    x0, y0 = rng.standard_normal(10), rng.standard_normal(10)
    runs = {}

    def ours():
        x, y = Value(x0), Value(y0)
        z = x
        for _ in range(333):
            z = (z + y) * y
            z = z.tanh()
        z.sum().backward()

    runs["autograd-core"] = ours

    def bare_numpy():
        # The same arithmetic, forward then backward, with every intermediate kept.
        zs = [x0]
        z = x0
        for _ in range(333):
            a = z + y0
            b = a * y0
            z = np.tanh(b)
            zs.append((a, b, z))
        gz, gy = np.ones(10), np.zeros(10)
        for a, b, z in reversed(zs[1:]):
            gb = gz * (1 - z * z)
            gy = gy + gb * a
            ga = gb * y0
            gy = gy + ga
            gz = ga
        return gz, gy

    runs["bare NumPy"] = bare_numpy
    if HAVE["torch"]:
        import torch

        def torch_run():
            x = torch.tensor(x0, requires_grad=True)
            y = torch.tensor(y0, requires_grad=True)
            z = x
            for _ in range(333):
                z = (z + y) * y
                z = z.tanh()
            z.sum().backward()

        runs["PyTorch"] = torch_run
    if HAVE["autograd"]:
        import autograd
        import autograd.numpy as anp

        def f(x, y):
            z = x
            for _ in range(333):
                z = anp.tanh((z + y) * y)
            return anp.sum(z)

        g = autograd.grad(f, argnum=(0, 1))
        runs["HIPS autograd"] = lambda: g(x0, y0)
    return runs


# ----------------------------------------------------------------------------------------------------
# A long scalar chain.


def chain(n):
    def run_ours():
        x = Value(0.0)
        for _ in range(n):
            x = x + 1
        x.backward()

    runs = {"autograd-core": run_ours}
    if HAVE["torch"] and n <= 100_000:
        import torch

        def run_torch():
            x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
            for _ in range(n):
                x = x + 1
            x.backward()

        runs["PyTorch"] = run_torch
    return runs


def run_workload(name, runs, repeat):
    results = {label: [] for label in runs}
    for _ in range(repeat):  # interleave: one run of each engine per round
        for label, fn in runs.items():
            results[label] += measure(fn, 1)
    medians = {label: statistics.median(ts) for label, ts in results.items()}
    rows = []
    ours = medians["autograd-core"]
    for label, med in medians.items():
        ratio = med / ours
        rows.append(f"| {name} | {label} | {med * 1e3:.2f} ms | {ratio:.2f}× |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated workloads: demo,per-op,chain,chain1m")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    only = set(args.only.split(",")) if args.only else {"demo", "per-op", "chain", "chain1m"}
    if HAVE["torch"]:
        import torch

        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    rows = ["| workload | engine | median | time / ours |", "|---|---|---|---|"]
    if "demo" in only:
        rows += run_workload("micrograd demo (MLP 2-16-16-1, 100 points)", micrograd_demo(repeat), repeat)
    if "per-op" in only:
        rows += run_workload("per-op: 1,000 ops on 10 elements", per_op(repeat), repeat * 5)
    if "chain" in only:
        rows += run_workload("scalar chain, 100,000 nodes", chain(100_000), repeat)
    if "chain1m" in only:
        rows += run_workload("scalar chain, 1,000,000 nodes", chain(1_000_000), 1)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
