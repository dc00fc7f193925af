"""One training step of an MLP 784-256-128-10: ours next to PyTorch CPU and next to hand-written NumPy.

    .venv/bin/python bench/bench_mlp.py                          # wall clock, each library's default threads
    .venv/bin/python bench/bench_mlp.py --threads 1 --clock cpu  # one thread, CPU time: steady on a busy machine
    .venv/bin/python bench/bench_mlp.py --quick --profile        # fewer rounds, then a cProfile of our step

The step: forward (Linear-ReLU-Linear-ReLU-Linear), mean cross-entropy over a batch of 128, backward, and
a plain SGD update (lr 0.01), everything in float32, from the same initial weights in all three (their
first five losses are checked to agree before timing):

  autograd-core   nn.MLP(784, [256, 128, 10]), nn.functional.cross_entropy, optim.SGD
  PyTorch CPU     torch.nn.Sequential of Linear/ReLU, F.cross_entropy, torch.optim.SGD (eager mode)
  NumPy by hand   `NumpyMLP` below: the forward pass, the chain rule and the update written out with
                  NumPy, no graph and no framework: the floor for any engine built on NumPy

Speed: every engine runs in a worker process of its own; each round asks each worker for a block of steps,
in a rotating order, so that load from elsewhere on the (shared) machine hits all of them alike. The table
gives the median step time, the interquartile range, and the 10th percentile (the steps least disturbed by
other load). On a machine with more runnable processes than cores, multi-threaded BLAS and OpenMP lose
whole time slices waiting for a descheduled thread and wall times swing by 10-100×; `--threads 1 --clock
cpu` then still compares the engines' work (CPU time of the one thread that does everything).

Memory (ours and NumPy; PyTorch's allocator is invisible to tracemalloc): the peak of tracemalloc's count
during one step after warm-up, counting everything the engine allocated since it was built (parameters,
kept gradients, optimizer state, activations, temporaries), and that peak above the pre-step level.

Targets (issue #3): faster than PyTorch CPU; within 1.15× of NumPy by hand; peak memory within 1.3×.

Measured 2026-11-24 on the shared 2-core machine while other jobs ran (load average 3.5-4.4), numpy 2.4.6
(OpenBLAS), torch 2.13.0+cpu:

`--threads 1 --clock cpu` (torch.get_num_threads() = 1), 200 rounds × 5 steps:

    | engine        | median (ms) | IQR (ms)    | ours ÷ this | fastest 10% (ms) | ours ÷ this |
    | autograd-core | 1.784       | 1.705–2.027 | 1.00×       | 1.676            | 1.00×       |
    | NumPy by hand | 1.580       | 1.543–1.744 | 1.13×       | 1.523            | 1.10×       |
    | PyTorch CPU   | 1.817       | 1.739–2.165 | 0.98×       | 1.697            | 0.99×       |

default threads, wall clock (torch.get_num_threads() = 2), 200 rounds × 5 steps: the load makes the medians
meaningless (two threads wait for each other's time slices); the fastest decile is ~1.95 ms for all three,
slower than one thread. Re-run on an idle machine for the issue's two-thread figures.

    | autograd-core | 5.964 | 2.058–49.742 | 1.00× | 1.955 | 1.00× |
    | NumPy by hand | 5.880 | 2.007–41.212 | 1.01× | 1.939 | 1.01× |
    | PyTorch CPU   | 6.216 | 2.212–76.598 | 0.96× | 1.946 | 1.00× |

Memory (deterministic): peak 4195 KiB ours vs 3213 KiB NumPy = 1.31× (target 1.3×); above the pre-step
level 2352 vs 2293 KiB. The extra ~1 MiB: SGD's out-of-place update `p - lr·g` holds a new copy of each
weight (W1: 784 KiB) next to the old one, and every intermediate node keeps its `.grad` until the graph
is freed. Updating in place brings the peak to 1.06×, with leaf-only gradients to 0.94× (tried on a copy).
Where the time goes (one thread, CPU time, same process): our rules run without the engine cost +0.06 ms
over NumPy by hand (out-of-place update, relu mask product); the engine, modules and optimizer add
+0.13 ms (about 4 µs per graph node, 2 µs per parameter update); the matrix products are identical.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core import nn  # noqa: E402
from autograd_core import optim  # noqa: E402
from autograd_core.nn.functional import cross_entropy  # noqa: E402

HAVE_TORCH = importlib.util.find_spec("torch") is not None
SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 0.01


def make_batch(seed=0):
    """Inputs (128, 784) float32 in [0, 1) and labels (128,) int64 in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.random((BATCH, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[-1], BATCH)


# ----------------------------------------------------------------------------------------------------
# The three engines. Each `step(x, y)` runs forward, loss, backward and update, and returns the loss.


class Ours:
    name = "autograd-core"

    def __init__(self, weights):
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), rng=0, dtype=np.float32)
        for layer, (w, b) in zip(self.model.layers, weights):
            layer.weight.data, layer.bias.data = w.copy(), b.copy()
        self.opt = optim.SGD(self.model.parameters(), lr=LR)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.data


class Torch:
    name = "PyTorch CPU"

    def __init__(self, weights):
        import torch

        self.torch = torch
        layers = []
        for i, (w, b) in enumerate(weights):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if i < len(weights) - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.F = torch.nn.functional

    def step(self, x, y):
        self.opt.zero_grad()
        loss = self.F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()


class NumpyMLP:
    """The same network with its gradients written by hand: what an engine on NumPy cannot beat.

    Written the way one would for speed but without tricks: one matmul per product, masks for ReLU,
    the softmax-minus-onehot gradient of the cross-entropy, and the update in place.
    """

    name = "NumPy by hand"

    def __init__(self, weights):
        self.params = [(w.copy(), b.copy()) for w, b in weights]

    def step(self, x, y):
        (W1, b1), (W2, b2), (W3, b3) = self.params
        n = len(y)
        rows = np.arange(n)
        # forward
        h1 = x @ W1.T
        h1 += b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2.T
        h2 += b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3.T
        z += b3
        # loss = mean(logsumexp(z) − z[y]), shifted by the row maximum
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) - z[rows, y])
        # backward: dz = (softmax(z) − onehot(y)) / n
        dz = e
        dz /= s
        dz[rows, y] -= 1
        dz /= n
        dW3, db3 = dz.T @ a2, dz.sum(axis=0)
        da2 = dz @ W3
        da2 *= h2 > 0
        dW2, db2 = da2.T @ a1, da2.sum(axis=0)
        da1 = da2 @ W2
        da1 *= h1 > 0
        dW1, db1 = da1.T @ x, da1.sum(axis=0)
        # update
        for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            p -= LR * g
        return loss


def initial_weights():
    """PyTorch's default initialisation, drawn once (by nn.Linear's init) and shared by all engines."""
    model = nn.MLP(SIZES[0], list(SIZES[1:]), rng=0, dtype=np.float32)
    return [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in model.layers]


ENGINES = {cls.name: cls for cls in (Ours, NumpyMLP, Torch)}


def engine_names():
    return [name for name in ENGINES if name != Torch.name or HAVE_TORCH]


def inputs_for(engine, x, y):
    if isinstance(engine, Torch):
        return engine.torch.from_numpy(x), engine.torch.from_numpy(y)
    return x, y


# ----------------------------------------------------------------------------------------------------
# Measurements, inside one worker process per engine.
#
# Each engine runs in a process of its own: PyTorch's OpenMP threads and NumPy's OpenBLAS threads both
# spin for a while after each parallel region, and in one process on two cores they would steal each
# other's time. The coordinator asks the workers for steps in turn, so machine load still hits all alike.


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def timed_steps(engine, x, y, count, clock=time.perf_counter):
    """Seconds for each of `count` consecutive steps, by `clock`."""
    times = []
    for _ in range(count):
        start = clock()
        engine.step(x, y)
        times.append(clock() - start)
    return times


def step_peak_memory(name, weights, repeats=5):
    """(peak, transient) bytes of one step as tracemalloc sees them (NumPy reports its arrays to it).

    peak:      the most memory allocated at any moment of the step, counting everything the engine has
               allocated since it was built: parameters, gradients it keeps, optimizer state, activations,
               temporaries (the input batch is shared and not counted).
    transient: that peak minus what was allocated just before the step.
    The smallest over a few steps after warm-up (tracing is deterministic; this skips one-offs).
    """
    x, y = make_batch()
    gc.collect()
    tracemalloc.start()
    try:
        engine = ENGINES[name](weights)
        for _ in range(3):
            engine.step(x, y)
        peaks, transients = [], []
        for _ in range(repeats):
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            engine.step(x, y)
            peak = tracemalloc.get_traced_memory()[1]
            peaks.append(peak)
            transients.append(peak - before)
    finally:
        tracemalloc.stop()
    return min(peaks), min(transients)


def worker(name, threads, clock):
    """Serve requests on stdin, one JSON reply per line on stdout:
    ["losses", n] -> the first n losses from the initial weights on batch 1; ["time", n] -> n step times;
    ["memory"] -> (peak, transient) bytes of a step (None for PyTorch); ["info"] -> threads and versions."""
    if threads and name == Torch.name:
        import torch

        torch.set_num_threads(threads)
    weights = initial_weights()
    x, y = make_batch()
    engine = ENGINES[name](weights)
    xe, ye = inputs_for(engine, x, y)
    for _ in range(20):
        engine.step(xe, ye)  # warm-up: caches, allocator pools, lazy imports
    for line in sys.stdin:
        request = json.loads(line)
        if request[0] == "losses":
            fresh = ENGINES[name](weights)
            x1, y1 = inputs_for(fresh, *make_batch(1))
            reply = [float(fresh.step(x1, y1)) for _ in range(request[1])]
        elif request[0] == "time":
            reply = timed_steps(engine, xe, ye, request[1], CLOCKS[clock])
        elif request[0] == "memory":
            reply = None if name == Torch.name else step_peak_memory(name, weights)
        else:
            reply = {"numpy": np.__version__, "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}
            if name == Torch.name:
                reply.update(torch=engine.torch.__version__, torch_threads=engine.torch.get_num_threads())
        print(json.dumps(reply), flush=True)


class Worker:
    """The coordinator's handle on one worker process."""

    def __init__(self, name, threads, clock):
        env = dict(os.environ)
        if threads:
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env[var] = str(threads)
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", name, "--threads", str(threads or 0), "--clock", clock],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def ask(self, *request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def measure(rounds, block, threads, clock="wall"):
    """(times {name: [s]}, memory {name: bytes}, info, losses) with the engines interleaved block by block."""
    workers = [Worker(name, threads, clock) for name in engine_names()]
    try:
        losses = {w.name: w.ask("losses", 5) for w in workers}
        reference = losses[NumpyMLP.name]
        for name, values in losses.items():
            if not np.allclose(values, reference, rtol=1e-4, atol=1e-5):
                raise AssertionError(f"{name} disagrees with NumPy by hand: {values} vs {reference}")
        info = {w.name: w.ask("info") for w in workers}
        times = {w.name: [] for w in workers}
        for r in range(rounds):
            for j in range(len(workers)):
                w = workers[(r + j) % len(workers)]
                times[w.name] += w.ask("time", block)
        memory = {w.name: w.ask("memory") for w in workers}
    finally:
        for w in workers:
            w.close()
    return times, {k: v for k, v in memory.items() if v is not None}, info, losses


def quantiles(values):
    """(10th percentile, first quartile, median, third quartile) of `values`."""
    q = statistics.quantiles(values, n=20)
    return q[1], q[4], statistics.median(values), q[14]


def report(times, memory, rounds, block, clock="wall"):
    ms = {name: quantiles(t) for name, t in times.items()}
    ours = ms["autograd-core"][2]
    lines = [
        f"MLP 784-256-128-10, batch {BATCH}, float32, one SGD step; {clock} time, median of "
        f"{rounds} rounds × {block} steps, engines interleaved",
        "",
        "| engine | median (ms) | IQR (ms) | ours ÷ this | fastest 10% (ms) | ours ÷ this |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    ours_p10 = ms["autograd-core"][0]
    for name, (p10, q1, med, q3) in ms.items():
        lines.append(f"| {name} | {med * 1e3:.3f} | {q1 * 1e3:.3f}–{q3 * 1e3:.3f} | {ours / med:.2f}× | "
                     f"{p10 * 1e3:.3f} | {ours_p10 / p10:.2f}× |")
    lines += ["", "| memory of one step (tracemalloc) | peak KiB | ours ÷ this | above pre-step KiB | ours ÷ this |",
              "|---|---:|---:|---:|---:|"]
    our_peak, our_transient = memory["autograd-core"]
    for name, (peak, transient) in memory.items():
        lines.append(f"| {name} | {peak / 1024:.0f} | {our_peak / peak:.2f}× | {transient / 1024:.0f} | "
                     f"{our_transient / transient:.2f}× |")
    numpy_ms = ms["NumPy by hand"][2]
    lines += ["", "| target | measured | met |", "|---|---:|:---:|"]
    if "PyTorch CPU" in ms:
        torch_ms = ms["PyTorch CPU"][2]
        lines.append(f"| faster than PyTorch CPU | ours ÷ torch = {ours / torch_ms:.2f} | "
                     f"{'yes' if ours < torch_ms else 'no'} |")
    met = "yes" if ours <= 1.15 * numpy_ms else "no"
    lines.append(f"| within 1.15× of NumPy by hand | {ours / numpy_ms:.2f}× | {met} |")
    ratio = our_peak / memory["NumPy by hand"][0]
    lines.append(f"| peak memory within 1.3× of NumPy | {ratio:.2f}× | {'yes' if ratio <= 1.3 else 'no'} |")
    return "\n".join(lines)


def profile_ours(steps=300, top=25):
    """cProfile of our step, sorted by own time: where the Python time goes."""
    import cProfile
    import pstats

    engine = Ours(initial_weights())
    x, y = make_batch()
    for _ in range(10):
        engine.step(x, y)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        engine.step(x, y)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="60 rounds instead of 200")
    p.add_argument("--rounds", type=int, default=None, help="rounds of interleaved blocks (default 200)")
    p.add_argument("--block", type=int, default=5, help="steps per engine per round (default 5)")
    p.add_argument("--threads", type=int, default=0,
                   help="BLAS/OpenMP/torch threads in every engine (default: each library's own default)")
    p.add_argument("--clock", choices=list(CLOCKS), default="wall",
                   help="wall: perf_counter; cpu: CPU time of the stepping thread, which other processes on a "
                        "busy machine do not inflate (needs --threads 1, where all the work runs on that thread)")
    p.add_argument("--profile", action="store_true", help="print a cProfile of our step")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.clock == "cpu" and args.threads != 1:
        p.error("--clock cpu measures one thread: use it with --threads 1")
    if args.worker:
        worker(args.worker, args.threads, args.clock)
        return 0
    rounds = args.rounds or (60 if args.quick else 200)
    times, memory, info, _ = measure(rounds, args.block, args.threads, args.clock)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    torch_info = info.get(Torch.name, {})
    print(f"numpy {info[Ours.name]['numpy']}, torch {torch_info.get('torch', '-')} with "
          f"torch.get_num_threads() = {torch_info.get('torch_threads', '-')}, OPENBLAS_NUM_THREADS = "
          f"{info[Ours.name]['blas_threads_env'] or 'default'}, {os.cpu_count()} CPUs, load average {load:.1f}")
    print(report(times, memory, rounds, args.block, args.clock))
    if args.profile:
        profile_ours()
    return 0


if __name__ == "__main__":
    sys.exit(main())
