"""Engine benchmarks, side by side with peers measured in the same run (medians of several runs).

    .venv/bin/python bench/bench_engine.py            # all workloads, markdown table on stdout
    .venv/bin/python bench/bench_engine.py --quick    # fewer repetitions
    .venv/bin/python bench/bench_engine.py --only per-op,chain --clock wall
    .venv/bin/python bench/bench_engine.py --only per-op --burst 5   # each engine 5 calls a turn: a loop alone

Workloads (issue #2):
  demo      micrograd's demo: MLP 2-16-16-1 of scalar Values on 100 two-moons points, hinge loss + L2,
            one forward and backward
  per-op    a chain of 1,000 small ops (add, mul, tanh alternating) on a 10-element tensor, forward+backward;
            also ours with an in-place update between forward and backward (every node's versions checked)
  chain     x = x + 1, 100,000 times on a scalar, forward and backward
  chain1m   the same with 1,000,000 nodes (ours only: it must complete)
Peers: PyTorch CPU (eager, float64), micrograd 0.1.0, HIPS autograd, bare NumPy, and on per-op the lean engine of
bench_floor.py (the chain rule and nothing else: what a Python engine cannot go below).

How it measures, and why:
* every engine runs in a worker process of its own that imports only that engine. Python's cyclic garbage
  collector scans every live object of a process, so a graph engine's collection pauses grow with whatever
  else is imported: PyTorch alone adds about 150,000 objects, which would double our forward time if we
  shared its process (a user of autograd-core doesn't have torch loaded);
* the engines take turns, one run each per round, so that load from elsewhere on this shared machine hits
  all of them alike;
* by default the clock is the CPU time of the worker's thread (every workload here is single-threaded: the
  tensors are tiny), which a busy machine disturbs far less than the wall clock (`--clock wall`).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HAVE = {name: importlib.util.find_spec(name) is not None for name in ("torch", "micrograd", "autograd")}
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
OURS = "autograd-core"
OURS_NO_GC = "autograd-core, collector paused"  # the same, to show the cyclic collector's share
# The same workload with an in-place update (of an unrelated Value) between forward and backward: the backward
# pass then checks every node's saved versions (autograd_core/version_check.py). Nodes recorded after the latest
# in-place update (a training loop's next forward pass) skip the check.
OURS_CHECKED = "autograd-core, in-place update before backward"
# The leanest reverse-mode engine on NumPy (bench_floor.py): the chain rule and nothing else, the floor under ours.
LEAN = "lean engine (bench_floor.py)"
# The demo's same nn.MLP called on the (100, 2) array: one linear and one activation node per layer (what the README
# and docs/coming-from-micrograd.md advise for training, "hundreds of times faster" than the scalar graph).
OURS_TENSORS = "autograd-core, the same nn.MLP on a (100, 2) array"
# ... with micrograd's L2 penalty over parameters(), the 337 scalar leaves: ~1,000 scalar nodes beside the tensors'.
OURS_TENSORS_SCALAR_L2 = "autograd-core, on the array, L2 over parameters()' scalars"


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


def _collector_paused(run):
    """`run` with the cyclic collector paused during the call: how much of it the collector takes."""
    def paused():
        gc.disable()
        try:
            run()
        finally:
            gc.enable()

    return paused


def _moons():
    """The demo's 100 two-moons points (lists; labels ±1), made in a child process: importing our library into a
    peer's worker would leave its modules on the heap, which the peer's cyclic collector then rescans (micrograd
    builds reference cycles): before stop 28 this made micrograd's demo ~30% slower than in a process of its own."""
    import json
    import subprocess

    code = ("import json; from autograd_core.nn.data import make_moons; X, y = make_moons(100, noise=0.1, rng=1); "
            "print(json.dumps([X.tolist(), (y * 2 - 1).tolist()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parent.parent)).stdout
    return json.loads(out)


def demo(engine):
    X, y = _moons()
    if engine in (OURS, OURS_NO_GC):
        from autograd_core import Value

        layers = _scalar_mlp(Value, [2, 16, 16, 1], 0)
        run = lambda: _demo_loss(layers, lambda v: Value(v, requires_grad=False), X, y).backward()  # noqa: E731
        return run if engine == OURS else _collector_paused(run)
    if engine == "micrograd 0.1.0":
        from micrograd.engine import Value as MValue

        layers = _scalar_mlp(MValue, [2, 16, 16, 1], 0)
        return lambda: _demo_loss(layers, MValue, X, y).backward()
    if engine == "PyTorch 0-d tensors":
        import torch

        layers = _scalar_mlp(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), [2, 16, 16, 1], 0)
        return lambda: _demo_loss(layers, lambda v: torch.tensor(v, dtype=torch.float64), X, y).backward()
    raise KeyError(engine)


def _demo_nn_loss(model, make_input, X, y):
    """The demo's loss() as written in micrograd's notebook, on a model with micrograd's nn API."""
    inputs = [list(map(make_input, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
    return data_loss + reg_loss


def demo_nn(engine):
    """micrograd's demo step through each engine's own `MLP(2, [16, 16, 1])` (micrograd.nn, autograd_core.nn)."""
    X, y = _moons()
    layers = _scalar_mlp(float, [2, 16, 16, 1], 0)  # the same weights for both
    weights = [p for layer in layers for w, b, _ in layer for p in (*w, b)]
    if engine in (OURS, OURS_TENSORS, OURS_TENSORS_SCALAR_L2):
        from autograd_core import Value
        from autograd_core.nn import MLP
    elif engine == "micrograd 0.1.0":
        from micrograd.engine import Value
        from micrograd.nn import MLP
    else:
        raise KeyError(engine)
    model = MLP(2, [16, 16, 1])
    for p, w in zip(model.parameters(), weights):
        p.data = w
    if engine in (OURS_TENSORS, OURS_TENSORS_SCALAR_L2):
        return _demo_tensor_step(model, X, y, scalar_l2=engine == OURS_TENSORS_SCALAR_L2)

    def run():
        model.zero_grad()
        _demo_nn_loss(model, Value, X, y).backward()

    return run


def _demo_tensor_step(model, X, y, scalar_l2=False):
    """`_demo_nn_loss`'s loss on tensors: the batch as one (100, 2) array, hinge loss mean(relu(1 − y·score)) and
    1e-4·Σp² over each layer's weight matrix and bias (named_parameters()), or with scalar_l2 over parameters(),
    micrograd's list of the scalar leaves."""
    import numpy as np

    X, y = np.array(X), np.array(y, dtype=np.float64)
    matrices = model.parameters() if scalar_l2 else [p for _, p in model.named_parameters()]

    def run():
        model.zero_grad()
        scores = model(X).reshape(-1)
        data_loss = (1 - y * scores).relu().mean()
        reg_loss = 1e-4 * sum((p * p).sum() for p in matrices)
        (data_loss + reg_loss).backward()

    return run


# ----------------------------------------------------------------------------------------------------
# Per-op overhead.


def w4_chain(x, y):
    """The per-op workload's operations on any engine whose nodes have +, * and .tanh(): 333 × (z = (z + y) * y;
    z = tanh z), 999 operations; the caller adds the sum and the backward pass."""
    z = x
    for _ in range(333):
        z = (z + y) * y
        z = z.tanh()
    return z


def per_op(engine):
    import numpy as np

    rng = np.random.default_rng(0)
    x0, y0 = rng.standard_normal(10), rng.standard_normal(10)
    if engine in (OURS, OURS_CHECKED):
        from autograd_core import Value, no_grad

        other = Value(x0.copy())
        checked = engine == OURS_CHECKED

        def run():
            z = w4_chain(Value(x0), Value(y0))
            if checked:
                with no_grad():
                    other.add_(1.0)  # every node of this graph is now older than an in-place change
            z.sum().backward()

        return run
    if engine == LEAN:
        import bench_floor

        return bench_floor.lean_w4(x0, y0)
    if engine == "bare NumPy":
        def run():
            # The same arithmetic, forward then backward, with every intermediate kept.
            saved = []
            z = x0
            for _ in range(333):
                a = z + y0
                b = a * y0
                z = np.tanh(b)
                saved.append((a, z))
            gz, gy = np.ones(10), np.zeros(10)
            for a, z in reversed(saved):
                gb = gz * (1 - z * z)
                gy = gy + gb * a
                ga = gb * y0
                gy = gy + ga
                gz = ga
            return gz, gy

        return run
    if engine == "PyTorch":
        import torch

        def run():
            w4_chain(torch.tensor(x0, requires_grad=True), torch.tensor(y0, requires_grad=True)).sum().backward()

        return run
    if engine == "HIPS autograd":
        import autograd
        import autograd.numpy as anp

        def f(x, y):
            z = x
            for _ in range(333):
                z = anp.tanh((z + y) * y)
            return anp.sum(z)

        g = autograd.grad(f, argnum=(0, 1))
        return lambda: g(x0, y0)
    raise KeyError(engine)


# ----------------------------------------------------------------------------------------------------
# A long scalar chain.


def chain(engine, n=100_000):
    if engine == OURS:
        from autograd_core import Value

        def run():
            x = Value(0.0)
            for _ in range(n):
                x = x + 1
            x.backward()

        return run
    if engine == "PyTorch":
        import torch

        def run():
            x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
            for _ in range(n):
                x = x + 1
            x.backward()

        return run
    raise KeyError(engine)


def chain1m(engine):
    return chain(engine, 1_000_000)


WORKLOADS = {
    "demo": ("micrograd demo (MLP 2-16-16-1, 100 points)", demo,
             [OURS, OURS_NO_GC, "micrograd 0.1.0", "PyTorch 0-d tensors"]),
    "demo-nn": ("micrograd demo through nn.MLP (the notebook's code)", demo_nn,
                [OURS, "micrograd 0.1.0", OURS_TENSORS, OURS_TENSORS_SCALAR_L2]),
    "per-op": ("per-op: 1,000 ops on 10 elements", per_op,
               [OURS, OURS_CHECKED, LEAN, "bare NumPy", "PyTorch", "HIPS autograd"]),
    "chain": ("scalar chain, 100,000 nodes", chain, [OURS, "PyTorch"]),
    "chain1m": ("scalar chain, 1,000,000 nodes", chain1m, [OURS]),
}
NEEDS = {"micrograd 0.1.0": "micrograd", "PyTorch 0-d tensors": "torch", "PyTorch": "torch",
         "HIPS autograd": "autograd"}


# ----------------------------------------------------------------------------------------------------
# Workers: one process per engine, timing one run per request.


# The cyclic garbage collector runs as users have it: the timed calls include its collections (a graph engine
# allocates many objects, and the collector's share of a step is part of what users wait for). `--collect-first`
# collects garbage before each timed call instead, which hides that share (how issue #2's figures were taken).
COLLECT_FIRST = False


def _worker(conn, workload, engine, clock_name, collect_first=False, burst=1):
    global COLLECT_FIRST
    COLLECT_FIRST = collect_first
    clock = CLOCKS[clock_name]
    run = WORKLOADS[workload][1](engine)
    run()  # warm-up: imports, caches
    if not COLLECT_FIRST:
        gc.collect()  # once: what the imports left behind
    while conn.recv():
        times = []
        for _ in range(burst):
            if COLLECT_FIRST:
                gc.collect()
            start = clock()
            run()
            times.append(clock() - start)
        conn.send(times[1:] if burst > 1 else times)  # a burst's first call pays for the others' turns
    conn.close()


# With --burst K each engine runs K calls in a row per turn and the first of them is dropped: the steady state of a
# loop that runs alone (a user's training loop), where taking turns call by call times each call after the other
# engines' processes have had the CPU and its caches (on W4 this slowed ours by up to 30%, the lean engine by ~8%,
# and PyTorch less: BENCHMARKS.md "Stop 37").
BURST = 1


def run_workload(key, rounds, clock_name, collect_first=False):
    title, _, engines = WORKLOADS[key]
    engines = [e for e in engines if e not in NEEDS or HAVE[NEEDS[e]]]
    ctx = mp.get_context("spawn")
    workers = {}
    for engine in engines:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, key, engine, clock_name, collect_first, BURST), daemon=True)
        proc.start()
        workers[engine] = (proc, parent)
    times = {engine: [] for engine in engines}
    try:
        for _ in range(rounds):
            for engine, (_, conn) in workers.items():
                conn.send(True)
                times[engine].extend(conn.recv())
    finally:
        for proc, conn in workers.values():
            conn.send(False)
            proc.join(timeout=30)
    medians = {engine: statistics.median(ts) for engine, ts in times.items()}
    ours = medians[OURS]
    return [f"| {title} | {engine} | {med * 1e3:.2f} ms | {_ratio(med / ours)} |" for engine, med in medians.items()]


def _ratio(ratio):
    """A time over ours: 'r×' to two decimals, or '1/k×' for an engine more than 100 times faster (the tensor demo)."""
    return f"{ratio:.2f}×" if ratio >= 0.01 else f"1/{1 / ratio:,.0f}×"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", help="comma-separated workloads: " + ",".join(WORKLOADS))
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: CPU time of the worker's thread (default); wall: elapsed time")
    parser.add_argument("--burst", type=int, default=1, metavar="K",
                        help="K calls in a row per turn, the first dropped: a loop's steady state (default 1)")
    parser.add_argument("--collect-first", action="store_true",
                        help="collect garbage before each timed call (hides the collector's share; default: off)")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = set(only) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    rounds = {"demo": 7, "demo-nn": 7, "per-op": 41, "chain": 15, "chain1m": 1}
    if args.quick:
        rounds = {"demo": 3, "demo-nn": 3, "per-op": 11, "chain": 3, "chain1m": 1}
    if HAVE["torch"]:
        import torch

        print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads); clock: {args.clock}", file=sys.stderr)
    global BURST
    BURST = max(1, args.burst)
    rows = ["| workload | engine | median | time / ours |", "|---|---|---|---|"]
    for key in only:
        rows += run_workload(key, rounds[key], args.clock, args.collect_first)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
