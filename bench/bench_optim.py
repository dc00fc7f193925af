"""Optimizer step time, ours next to torch.optim on the same parameters (medians of several runs).

    .venv/bin/python bench/bench_optim.py            # markdown table on stdout
    .venv/bin/python bench/bench_optim.py --quick    # fewer repetitions

Workloads: `optimizer.step()` alone (gradients fixed beforehand), on
  small   20 parameters of 1,000 entries (many small arrays: per-parameter overhead dominates)
  large   4 parameters of 250,000 entries (1M entries: arithmetic dominates)
in float32. PyTorch runs its single-tensor path (foreach=False, what our loop does) and its default.
Runs are interleaved, so that load from elsewhere on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core import optim  # noqa: E402
from autograd_core import Value  # noqa: E402

HAVE_TORCH = importlib.util.find_spec("torch") is not None
WORKLOADS = {"small": (20, 1_000), "large": (4, 250_000)}
OPTIMIZERS = [
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("Adagrad", dict(lr=0.01)),
    ("Adam", dict(lr=1e-3)),
    ("AdamW", dict(lr=1e-3, amsgrad=True)),
    ("Adamax", dict(lr=1e-3)),
]


def make_ours(name, kw, arrays, grads):
    params = [Value(a.copy()) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = g
    return getattr(optim, name)(params, **kw)


def make_torch(torch, name, kw, arrays, grads, foreach):
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    return getattr(torch.optim, name)(params, foreach=foreach, **kw)


def time_steps(opt, steps):
    opt.step()  # warm-up: creates the state
    start = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, steps = (3, 5) if args.quick else (7, 20)
    torch = None
    if HAVE_TORCH:
        import torch

        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"NumPy {np.__version__}" + (f", PyTorch {torch.__version__} (1 thread)" if torch else ""))
    print("\n| optimizer | workload | ours ms/step | torch foreach=False | torch default | ours / torch(False) |")
    print("|---|---|---|---|---|---|")
    for workload, (count, size) in WORKLOADS.items():
        arrays = [rng.standard_normal(size).astype(np.float32) for _ in range(count)]
        grads = [rng.standard_normal(size).astype(np.float32) for _ in range(count)]
        for name, kw in OPTIMIZERS:
            times = {"ours": [], "torch-single": [], "torch-default": []}
            for _ in range(runs):
                times["ours"].append(time_steps(make_ours(name, kw, arrays, grads), steps))
                if torch:
                    times["torch-single"].append(
                        time_steps(make_torch(torch, name, kw, arrays, grads, False), steps))
                    times["torch-default"].append(
                        time_steps(make_torch(torch, name, kw, arrays, grads, None), steps))
            med = {k: statistics.median(v) * 1e3 if v else float("nan") for k, v in times.items()}
            ratio = med["ours"] / med["torch-single"] if torch else float("nan")
            print(f"| {name} | {workload} ({count}×{size:,}) | {med['ours']:.3f} | "
                  f"{med['torch-single']:.3f} | {med['torch-default']:.3f} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
