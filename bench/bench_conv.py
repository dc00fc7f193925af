"""Convolution benchmark: a small CNN on MNIST-sized input, ours next to PyTorch and hand-written NumPy.

    .venv/bin/python bench/bench_conv.py                          # wall clock, each library's default threads
    .venv/bin/python bench/bench_conv.py --threads 1 --clock cpu  # one thread, CPU time: steady on a busy machine
    .venv/bin/python bench/bench_conv.py --keep-memory            # glibc keeps freed memory, in every worker
    .venv/bin/python bench/bench_conv.py --quick                  # fewer rounds

Network (float32, batch 64 of 1×28×28):
    Conv2d(1→8, 3×3, pad 1) → ReLU → MaxPool 2 → Conv2d(8→16, 3×3, pad 1) → ReLU → MaxPool 2
    → flatten → Linear(784→10) → cross-entropy (mean)
Workloads, each forward + backward (gradients of every parameter; the input needs none):
  conv/pool   the convolutional part, seeded with a fixed upstream gradient of shape (64, 16, 7, 7)
  train step  the whole network and its loss (ours only when nn's Linear and cross_entropy exist)
Implementations: autograd-core; PyTorch CPU (eager, its default thread count, reported); a hand-written
NumPy im2col implementation in this file (layer by layer, as one writes it by hand: column matrices cached
from forward for backward, col2im by kernel taps, max pooling from strided slices). All three start from
the same weights; the script checks that their gradients agree (and are float32) before timing.

Each implementation runs in a worker process of its own, asked for blocks of steps in a rotating order, so
that load from elsewhere on the machine hits all alike. On a machine with more runnable processes than
cores, multi-threaded BLAS and OpenMP lose whole time slices waiting for a descheduled thread and wall
times swing wildly; `--threads 1 --clock cpu` then still compares the work each implementation does.
"""

from __future__ import annotations

import argparse
import json
import os
import importlib.util
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core import Value, relu  # noqa: E402
from autograd_core.nn.conv import conv2d  # noqa: E402
from autograd_core.nn.pool import max_pool2d  # noqa: E402

try:
    from autograd_core.nn.linear import linear
    from autograd_core.nn.loss import cross_entropy
except ImportError:  # the rest of nn not there yet: conv/pool part only
    linear = cross_entropy = None

HAVE_TORCH = importlib.util.find_spec("torch") is not None
N, CLASSES = 64, 10


def make_problem(seed=0):
    """Input, labels, upstream gradient for the conv/pool part, and PyTorch-style initial weights."""
    rng = np.random.default_rng(seed)
    f32 = np.float32

    def uniform(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(f32)

    weights = {
        "w1": uniform((8, 1, 3, 3), 9), "b1": uniform((8,), 9),
        "w2": uniform((16, 8, 3, 3), 72), "b2": uniform((16,), 72),
        "w3": uniform((CLASSES, 16 * 7 * 7), 784), "b3": uniform((CLASSES,), 784),
    }
    x = rng.standard_normal((N, 1, 28, 28)).astype(f32)
    labels = rng.integers(0, CLASSES, N)
    upstream = rng.standard_normal((N, 16, 7, 7)).astype(f32)
    return x, labels, upstream, weights


# ----------------------------------------------------------------------------------------------------
# autograd-core.


def ours(x, labels, upstream, weights, full):
    params = {k: Value(v) for k, v in weights.items()}
    xv = Value(x, requires_grad=False)

    def features():
        h = max_pool2d(relu(conv2d(xv, params["w1"], params["b1"], padding=1)), 2)
        return max_pool2d(relu(conv2d(h, params["w2"], params["b2"], padding=1)), 2)

    def run():
        for p in params.values():
            p.grad = None
        if full:
            logits = linear(features().reshape(N, -1), params["w3"], params["b3"])
            cross_entropy(logits, labels).backward()
        else:
            features().backward(upstream)
        return {k: p.grad for k, p in params.items() if p.grad is not None}

    return run


# ----------------------------------------------------------------------------------------------------
# PyTorch.


def pytorch(x, labels, upstream, weights, full):
    import torch
    import torch.nn.functional as F

    params = {k: torch.tensor(v, requires_grad=True) for k, v in weights.items()}
    xt, yt, gt = torch.tensor(x), torch.tensor(labels), torch.tensor(upstream)

    def run():
        for p in params.values():
            p.grad = None
        h = F.max_pool2d(F.relu(F.conv2d(xt, params["w1"], params["b1"], padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, params["w2"], params["b2"], padding=1)), 2)
        if full:
            F.cross_entropy(F.linear(h.reshape(N, -1), params["w3"], params["b3"]), yt).backward()
        else:
            h.backward(gt)
        return {k: p.grad.numpy() for k, p in params.items() if p.grad is not None}

    return run


# ----------------------------------------------------------------------------------------------------
# Hand-written NumPy: layer-by-layer forward caching what backward needs, as one would write it by hand.


def _conv_forward(x, w, b):
    """3×3, stride 1, pad 1. Returns the output and the cached column matrices (N, C·9, H·W)."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = sliding_window_view(xp, (3, 3), axis=(2, 3)).transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, h * wd)
    out = w.reshape(w.shape[0], -1) @ cols + b.reshape(-1, 1)
    return out.reshape(n, -1, h, wd), cols


def _conv_backward(dout, cols, w, x_shape, need_dx):
    n, c, h, wd = x_shape
    d3 = dout.reshape(n, w.shape[0], h * wd)
    dw = (d3 @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    if not need_dx:
        return None, dw, db
    dcols = (w.reshape(w.shape[0], -1).T @ d3).reshape(n, c, 3, 3, h, wd)
    dxp = np.zeros((n, c, h + 2, wd + 2), dtype=dout.dtype)
    for p in range(3):          # col2im: one add per kernel tap
        for q in range(3):
            dxp[:, :, p:p + h, q:q + wd] += dcols[:, :, p, q]
    return dxp[:, :, 1:-1, 1:-1], dw, db


def _pool_forward(x):
    """2×2 max pool from four strided slices; the cache is the input and the output."""
    out = x[:, :, 0::2, 0::2].copy()
    for p, q in ((0, 1), (1, 0), (1, 1)):
        np.maximum(out, x[:, :, p::2, q::2], out=out)
    return out, (x, out)


def _pool_backward(dout, cache):
    """The gradient goes to the first maximum of each window (as PyTorch)."""
    x, out = cache
    dx = np.zeros_like(x)
    taken = np.zeros(out.shape, dtype=bool)
    for p, q in ((0, 0), (0, 1), (1, 0), (1, 1)):
        first = (x[:, :, p::2, q::2] == out) & ~taken
        taken |= first
        dx[:, :, p::2, q::2] = dout * first
    return dx


def numpy_im2col(x, labels, upstream, weights, full):
    w = weights

    def run():
        z1, cols1 = _conv_forward(x, w["w1"], w["b1"])
        a1 = np.maximum(z1, 0)
        p1, m1 = _pool_forward(a1)
        z2, cols2 = _conv_forward(p1, w["w2"], w["b2"])
        a2 = np.maximum(z2, 0)
        p2, m2 = _pool_forward(a2)
        grads = {}
        if full:
            flat = p2.reshape(N, -1)
            logits = flat @ w["w3"].T + w["b3"]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            dlogits = e / e.sum(axis=1, keepdims=True)
            dlogits[np.arange(N), labels] -= 1
            dlogits /= N
            grads["w3"], grads["b3"] = dlogits.T @ flat, dlogits.sum(axis=0)
            dp2 = (dlogits @ w["w3"]).reshape(p2.shape)
        else:
            dp2 = upstream
        dz2 = _pool_backward(dp2, m2) * (z2 > 0)
        dp1, grads["w2"], grads["b2"] = _conv_backward(dz2, cols2, w["w2"], p1.shape, True)
        dz1 = _pool_backward(dp1, m1) * (z1 > 0)
        _, grads["w1"], grads["b1"] = _conv_backward(dz1, cols1, w["w1"], x.shape, False)
        return grads

    return run


# ----------------------------------------------------------------------------------------------------


def check_agreement(runs):
    """Every implementation's gradients match the first one's (float32 tolerance)."""
    results = {label: fn() for label, fn in runs.items()}
    reference_label, reference = next(iter(results.items()))
    for label, grads in results.items():
        for key, ref in reference.items():
            got = grads[key]
            if got.dtype != np.float32:
                raise AssertionError(f"{label}: gradient {key} is {got.dtype}, expected float32")
            if not np.allclose(got, ref, rtol=1e-3, atol=1e-4):
                worst = np.abs(got - ref).max()
                raise AssertionError(f"{label} and {reference_label} disagree on d/d{key} (max diff {worst:.3g})")


IMPLEMENTATIONS = {"autograd-core": ours, "PyTorch": pytorch, "NumPy im2col": numpy_im2col}


def keep_freed_memory():
    """Ask glibc to keep freed memory for reuse instead of returning it to the OS. By default large temporaries
    can come back from the OS as fresh pages each step (NumPy's and PyTorch's CPU tensors alike: measured here,
    PyTorch's workers paid ~600–1,300 minor faults per step), and on a VM those page faults can cost as much as the
    arithmetic. Applied to every worker, PyTorch's too."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 1 << 30))


WARM_UP = 0.1  # seconds of steps before each timed block


def _warm_up(step):
    """Run steps for WARM_UP seconds, as a training loop would have before the timed ones.

    Why that long: the workers take turns, so each block starts after a pause of a few hundred ms. On a VM the
    hypervisor then wakes a halted vCPU slowly at first (KVM's halt polling shrinks while a vCPU idles and
    grows again as it works): measured here, a step split across two threads took 10.3 ms for the first five
    steps after a 0.25 s pause and 6.7 ms from the seventh on. PyTorch's OpenMP threads spin between parallel
    regions and never let their vCPU halt; a thread pool of NumPy kernels does. One step was not enough."""
    start = time.perf_counter()
    step()
    while time.perf_counter() - start < WARM_UP:
        step()


def worker(name, full, threads, clock, keep_memory, our_threads=0):
    """Run in a process of its own: read a block size per line, answer with that many step times (s)."""
    if name == "PyTorch" and threads:
        import torch

        torch.set_num_threads(threads)
    if name == "autograd-core" and our_threads:
        import autograd_core

        autograd_core.set_num_threads(our_threads)
    if keep_memory and not keep_freed_memory():
        raise RuntimeError("mallopt failed: --keep-memory needs glibc")
    step = IMPLEMENTATIONS[name](*make_problem(), full)
    timer = time.process_time if clock == "cpu" else time.perf_counter
    for line in sys.stdin:
        _warm_up(step)
        times = []
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(int(line)):  # the cyclic collector runs as users have it: its share is counted
            start = timer()
            step()
            times.append(timer() - start)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        print(json.dumps({"times": times, "faults": faults}), flush=True)


def measure(names, full, rounds, block, threads, clock, keep_memory=False, our_threads=0):
    """Step times (ms) and minor page faults per step, per implementation. Each runs in a worker process
    (PyTorch's OpenMP threads and OpenBLAS's threads would otherwise spin against each other); rounds ask the
    workers for a block of steps each, in a rotating order, so that load from elsewhere hits all of them alike."""
    env = dict(os.environ)
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    workers = {name: subprocess.Popen(
        [sys.executable, __file__, "--worker", name, "--full", str(int(full)), "--threads", str(threads or 0),
         "--clock", clock, "--our-threads", str(our_threads)] + ["--keep-memory"] * keep_memory,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env) for name in names}
    times, faults = {name: [] for name in names}, {name: 0 for name in names}
    try:
        for r in range(rounds):
            for j in range(len(names)):
                name = names[(r + j) % len(names)]
                time.sleep(0.25)  # let the previous worker's BLAS/OpenMP threads stop spinning
                workers[name].stdin.write(f"{block}\n")
                workers[name].stdin.flush()
                reply = json.loads(workers[name].stdout.readline())
                times[name] += [t * 1e3 for t in reply["times"]]
                faults[name] += reply["faults"]
    finally:
        for w in workers.values():
            w.stdin.close()
            w.wait()
    return times, {name: count / (rounds * block) for name, count in faults.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--threads", type=int, default=0, help="threads for every library (0: their defaults)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: process CPU time (meaningful with --threads 1 on a busy machine)")
    parser.add_argument("--keep-memory", action="store_true",
                        help="glibc keeps freed memory (no faults from memory given back) in every worker")
    parser.add_argument("--our-threads", type=int, default=0,
                        help="threads of autograd-core's kernels only (autograd_core.set_num_threads; 0: --threads, "
                             "else its default)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--full", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, bool(args.full), args.threads, args.clock, args.keep_memory, args.our_threads)
    rounds, block = (4, 5) if args.quick else (12, 5)
    names = [name for name in IMPLEMENTATIONS if name != "PyTorch" or HAVE_TORCH]
    torch_threads = None
    if HAVE_TORCH:
        import torch

        torch_threads = args.threads or torch.get_num_threads()  # PyTorch's default for this machine
    workloads = [("conv/pool", False)] + ([("train step", True)] if linear is not None else [])
    print(f"batch {N}×1×28×28 float32, forward + backward; {args.clock} clock, median [10th percentile] of "
          f"{rounds * block} steps (ms); PyTorch threads: {torch_threads}, OpenBLAS threads: "
          f"{args.threads or 'default'}, autograd-core's kernel threads: "
          f"{args.our_threads or args.threads or 'default'}; "
          f"glibc keeps freed memory: {args.keep_memory}; "
          f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| workload | " + " | ".join(names) + " | ours / PyTorch | ours / NumPy |")
    print("|---|" + "---|" * (len(names) + 2))
    page_faults = []
    for workload, full in workloads:
        problem = make_problem()
        check_agreement({name: IMPLEMENTATIONS[name](*problem, full) for name in names})
        times, faults = measure(names, full, rounds, block, args.threads, args.clock, args.keep_memory,
                                args.our_threads)
        median = {name: statistics.median(t) for name, t in times.items()}
        cells = [f"{median[name]:.2f} [{np.percentile(times[name], 10):.2f}]" for name in names]
        vs_torch = median["autograd-core"] / median["PyTorch"] if "PyTorch" in median else float("nan")
        print(f"| {workload} | " + " | ".join(cells) +
              f" | {vs_torch:.2f} | {median['autograd-core'] / median['NumPy im2col']:.2f} |")
        page_faults.append(f"{workload}: " + ", ".join(f"{name} {faults[name]:.0f}" for name in names))
    # Each fault costs microseconds: thousands per step mean the allocator gave memory back and took it again
    # (BENCHMARKS.md, "the page-fault trap"; --keep-memory avoids it).
    print("\nminor page faults per timed step: " + "; ".join(page_faults))


if __name__ == "__main__":
    main()
