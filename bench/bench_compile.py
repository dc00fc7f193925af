"""Compiled steps (`autograd_core.compile`) on the issue-12 workloads, side by side with eager mode and peers.

    .venv/bin/python bench/bench_compile.py                      # CPU time, one thread everywhere
    .venv/bin/python bench/bench_compile.py --clock wall         # wall clock, each library's default threads
    .venv/bin/python bench/bench_compile.py --only W2,W4 --rounds 21
    .venv/bin/python bench/bench_compile.py --only W2 --calls 50     # longer turns: nearer a training loop
    .venv/bin/python bench/bench_compile.py --only W2 --processes 4  # 4 workers per engine, times pooled
    .venv/bin/python bench/bench_compile.py --only W3 --clock wall --keep-memory   # glibc keeps freed memory

Workloads (the same code as the eager benchmarks, compiled by wrapping the step in `autograd_core.compile`):
  W1  micrograd's demo: MLP 2-16-16-1 of scalar Values on 100 points, forward and backward
      (bench_engine.py `demo`); peer micrograd 0.1.0
  W2  MLP 784-256-128-10 SGD step, batch 128, float32 (bench_mlp.py `Ours`); peers NumPy by hand, PyTorch;
      "compiled model" compiles the model only (`model = compile(model)`), the loss, backward and step run eagerly
  W3  small CNN train step, batch 64 of 1×28×28, float32 (bench_conv.py, full step); peers NumPy im2col,
      PyTorch
  W4  1,000 small ops (add, mul, tanh on 10 elements) forward and backward (bench_engine.py `per_op`); peers
      bare NumPy (the same arithmetic written out), PyTorch
"compiled" is timed after its recordings and compilation (warm-up calls): the cost of a step in a training
loop. Every engine runs in a worker process of its own; the engines take turns, round by round, so that
load from elsewhere on the shared machine hits all alike; medians over the rounds. Each round starts with an
untimed call (CPU clock; the wall clock warms up longer): the first call after the other workers' turns refills the
caches they evicted, ~600 µs of W2's ~1.8 ms step for every engine on the 2-vCPU VM of BENCHMARKS.md, which a
training loop, calling one step after another, does not pay. Before timing, the
compiled W2 and W4 are checked against eager mode with np.array_equal. The last table holds issue 12's targets
that these workloads decide, compiled and eager (`TARGETS`), each met or not.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
HAVE = {name: importlib.util.find_spec(name) is not None for name in ("torch", "micrograd")}


def _setup_path():
    sys.path.insert(0, str(BENCH.parent))
    sys.path.insert(0, str(BENCH))


def w1(engine):
    import bench_engine as be

    import autograd_core as ag

    if engine == "micrograd 0.1.0":
        return be.demo(engine)
    run = be.demo(be.OURS)
    return ag.compile(run) if engine == "compiled" else run


def w2(engine):
    import bench_mlp as bm

    import autograd_core as ag

    weights = bm.initial_weights()
    x, y = bm.make_batch()
    if engine in ("compiled", "compiled model", "eager"):
        model = bm.Ours(weights)
        if engine == "compiled model":  # `model = torch.compile(model)`; loss, backward and SGD step eager
            model.model = ag.compile(model.model)
        step = ag.compile(model.step) if engine == "compiled" else model.step
        return lambda: step(x, y)
    model = (bm.NumpyMLP if engine == "NumPy by hand" else bm.Torch)(weights)
    xe, ye = bm.inputs_for(model, x, y)
    return lambda: model.step(xe, ye)


def w3(engine):
    import bench_conv as bc

    import autograd_core as ag

    problem = bc.make_problem()
    if engine in ("compiled", "eager"):
        run = bc.ours(*problem, full=True)
        return ag.compile(run) if engine == "compiled" else run
    return (bc.numpy_im2col if engine == "NumPy im2col" else bc.pytorch)(*problem, full=True)


def w4(engine):
    import bench_engine as be

    import autograd_core as ag

    if engine in ("compiled", "eager"):
        run = be.per_op(be.OURS)
        return ag.compile(run) if engine == "compiled" else run
    return be.per_op(engine)


WORKLOADS = {
    "W1": ("micrograd demo, fwd+bwd", w1, ["compiled", "eager", "micrograd 0.1.0"], 5, 1),
    "W2": ("MLP 784-256-128-10 SGD step", w2, ["compiled", "compiled model", "eager", "NumPy by hand", "PyTorch"], 31,
           10),
    "W3": ("CNN train step (batch 64)", w3, ["compiled", "eager", "NumPy im2col", "PyTorch"], 15, 3),
    "W4": ("1,000 small ops fwd+bwd", w4, ["compiled", "eager", "bare NumPy", "PyTorch"], 31, 10),
}
NEEDS = {"micrograd 0.1.0": "micrograd", "PyTorch": "torch"}
# Issue 12's targets that these workloads decide: (mode, peer, ratio, "faster" than the peer by at least the ratio
# or "within" the ratio of the peer's time).
TARGETS = {
    "W1": (("compiled", "micrograd 0.1.0", 10, "faster"), ("eager", "micrograd 0.1.0", 4, "faster")),
    "W2": (("compiled", "NumPy by hand", 1.02, "within"), ("eager", "NumPy by hand", 1.05, "within")),
    "W3": (("eager", "PyTorch", 1, "faster"),),  # no slower than PyTorch
    "W4": (("compiled", "PyTorch", 4, "faster"), ("compiled", "bare NumPy", 1.5, "within"),
           ("eager", "PyTorch", 2, "faster")),
}


def _check_bit_for_bit():
    """W2 and W4: the compiled step (and W2's compiled model) gives eager mode's numbers (np.array_equal) over several
    steps."""
    import bench_mlp as bm
    import numpy as np

    import autograd_core as ag

    weights = bm.initial_weights()
    x, y = bm.make_batch()
    a, b, c = bm.Ours(weights), bm.Ours(weights), bm.Ours(weights)
    step = ag.compile(b.step)
    c.model = compiled_model = ag.compile(c.model)
    for _ in range(5):
        expected = a.step(x, y)
        assert np.array_equal(expected, step(x, y)) and np.array_equal(expected, c.step(x, y))
    for p, q, r in zip(a.model.parameters(), b.model.parameters(), compiled_model.parameters()):
        assert np.array_equal(p.data, q.data) and np.array_equal(p.grad, q.grad)
        assert np.array_equal(p.data, r.data) and np.array_equal(p.grad, r.grad)
    assert step.stats["replayed"] == 3 and compiled_model.stats["replayed"] == 3


def _worker(conn, key, engine, clock_name, threads, keep_memory=False):
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    _setup_path()
    if keep_memory:
        import bench_conv

        if not bench_conv.keep_freed_memory():
            raise RuntimeError("mallopt failed: --keep-memory needs glibc")
    if threads and engine == "PyTorch":
        import torch

        torch.set_num_threads(threads)
    clock = CLOCKS[clock_name]
    run = WORKLOADS[key][1](engine)
    for _ in range(3):
        run()  # warm-up: imports, caches; compiled: two recordings and the compilation
    calls = conn.recv()
    while calls:
        if clock_name == "wall":
            import bench_conv

            bench_conv._warm_up(run)  # threads whose vCPU idled while the other workers ran wake slowly at first
        else:
            run()  # untimed: the first call after the other workers' turns refills the caches they evicted
        start = clock()
        for _ in range(calls):
            run()
        conn.send((clock() - start) / calls)
        calls = conn.recv()
    conn.close()


def run_workload(key, rounds, clock_name, threads, keep_memory=False, calls=None, processes=1):
    """`processes` workers per engine, their times pooled: the same code runs a few % faster or slower from one
    process to the next (where its arrays land in memory), which one worker per engine cannot average out."""
    title, _, engines, default_rounds, default_calls = WORKLOADS[key]
    calls = calls or default_calls
    engines = [e for e in engines if e not in NEEDS or HAVE[NEEDS[e]]]
    ctx = mp.get_context("spawn")
    workers = {}
    for engine in engines:
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, key, engine, clock_name, threads, keep_memory),
                               daemon=True)
            proc.start()
            workers.setdefault(engine, []).append((proc, parent))
    times = {e: [] for e in engines}
    try:
        for r in range(rounds or default_rounds):
            order = engines[r % len(engines):] + engines[:r % len(engines)]
            for engine in order:
                for _, conn in workers[engine]:
                    conn.send(calls)
                    times[engine].append(conn.recv())
    finally:
        for proc, conn in (w for ws in workers.values() for w in ws):
            conn.send(0)
            proc.join(timeout=60)
    medians = {e: statistics.median(t) for e, t in times.items()}
    ours = medians["compiled"]
    return [f"| {key} {title} | {e} | {m * 1e3:.3f} ms | {m / ours:.2f}× |" for e, m in medians.items()], medians


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", help="comma-separated workloads: " + ",".join(WORKLOADS))
    p.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                   help="cpu: CPU time of the worker's thread, one thread (default); wall: default threads")
    p.add_argument("--rounds", type=int, help="rounds (default per workload)")
    p.add_argument("--calls", type=int, help="timed calls per round (default per workload: W2 and W4 10); more calls "
                   "per turn come closer to a training loop's steady state")
    p.add_argument("--processes", type=int, default=1,
                   help="worker processes per engine, their times pooled (default 1; see run_workload)")
    p.add_argument("--keep-memory", action="store_true",
                   help="glibc keeps freed memory in every worker (see bench_conv.py and BENCHMARKS.md)")
    args = p.parse_args(argv)
    threads = 1 if args.clock == "cpu" else 0
    only = args.only.split(",") if args.only else list(WORKLOADS)
    _setup_path()
    _check_bit_for_bit()
    print(f"clock: {args.clock}; threads: {threads or 'default'}; glibc keeps freed memory: {args.keep_memory}; "
          f"{os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    rows = ["| workload | engine | median per step | ÷ compiled |", "|---|---|---:|---:|"]
    summary = []
    for key in only:
        lines, med = run_workload(key, args.rounds, args.clock, threads, args.keep_memory, args.calls, args.processes)
        rows += lines
        for mode, peer, target, better in TARGETS.get(key, ()):
            if peer in NEEDS and not HAVE[NEEDS[peer]]:  # (a target not decided says so, not left out of the table)
                summary.append(f"| {key} {mode} vs {peer} | not measured: {NEEDS[peer]} is not installed "
                               f"(`pip install -e '.[bench]'`) | {'≥' if better == 'faster' else '≤'} {target}× | ? |")
                continue
            if peer in med and mode in med:
                ratio = med[peer] / med[mode] if better == "faster" else med[mode] / med[peer]
                ok = ratio >= target if better == "faster" else ratio <= target
                how = "faster" if better == "faster" else "of it"
                summary.append(f"| {key} {mode} vs {peer} | {ratio:.3f}× {how} "
                               f"| {'≥' if better == 'faster' else '≤'} {target}× | {'yes' if ok else 'no'} |")
    print("\n".join(rows))
    print()
    print("| target | measured | wanted | met |\n|---|---:|---:|:---:|")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
