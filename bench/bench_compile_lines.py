"""Where a compiled W2 step spends the time the hand-written NumPy step does not: in one process, line by line.

    .venv/bin/python bench/bench_compile_lines.py            # the gap: compiled, hand-written and eager steps
    .venv/bin/python bench/bench_compile_lines.py --lines    # and each line of both, timed where it runs
    .venv/bin/python bench/bench_compile_lines.py --alone 3  # each step alone in a process: a training loop

W2: MLP 784-256-128-10, batch 128, float32, SGD (bench_mlp.py's `Ours` compiled, and its `NumpyMLP`), one BLAS
thread. The gap: single steps taken in turn, medians (CPU time of this thread). --lines runs a copy of the
generated program (`Compiled.sources()`) and of `NumpyMLP.step` with a clock read between lines, so each line is
timed amid the others, as it runs in a training loop: Python code timed in a loop of its own costs 2–4× less.
"""

from __future__ import annotations

import argparse
import collections
import inspect
import os
import statistics
import sys
import textwrap
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import bench_mlp  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core import jit  # noqa: E402


def gap(rounds):
    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    compiled = ag.compile(bench_mlp.Ours(weights).step)
    hand, eager = bench_mlp.NumpyMLP(weights), bench_mlp.Ours(weights)
    steps = {"compiled": lambda: compiled(x, y), "NumPy by hand": lambda: hand.step(x, y),
             "eager": lambda: eager.step(x, y)}
    for step in steps.values():
        for _ in range(5):
            step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.thread_time()
            step()
            times[name].append(time.thread_time() - start)
    hand_median = statistics.median(times["NumPy by hand"])
    print(f"W2 step, one process, {rounds} steps each in turn, CPU time, load average {os.getloadavg()[0]:.1f}\n")
    print("| step | median (µs) | − hand (µs) | ÷ hand |\n|---|---:|---:|---:|")
    for name, values in times.items():
        m = statistics.median(values)
        print(f"| {name} | {m * 1e6:.1f} | {(m - hand_median) * 1e6:.1f} | {m / hand_median:.3f}× |")
    return compiled, hand, (x, y)


def _timed(lines, first, names):
    """`lines` of a function body with `_acc[i] += <time since the previous line>` after line i."""
    out = [first, "    _T = _pc(); _acc = _ACC"]
    for i, line in enumerate(lines):
        out.append(line)
        out.append(f"{line[:len(line) - len(line.lstrip())]}_t = _pc(); _acc[{i}] += _t - _T; _T = _t")
        names.append(line.strip())
    return "\n".join(out)


def _straight_lines(source):
    """The body of a straight-line function (its `return` dropped), one statement per line."""
    body = textwrap.dedent("\n".join(source.splitlines()[1:])).splitlines()
    return ["    " + line for line in body if line.strip() and not line.lstrip().startswith(("#", "return"))]


def lines(compiled, hand, args, steps=400):
    (program,) = [slot.program for slot in compiled.cache.values() if slot.program is not None]
    namespace = dict(program.replay.__globals__, _pc=time.perf_counter, _ACC=collections.defaultdict(float))
    names = []
    exec(_timed(_straight_lines(program.source), "def replay(A0, A1):", names), namespace)
    _, leaves = jit._guard_key(args, {})
    hand_lines = _straight_lines(inspect.getsource(bench_mlp.NumpyMLP.step))
    # the update loop's body is indented under its `for`: time the loop as one line
    loop = [i for i, line in enumerate(hand_lines) if line.lstrip().startswith("for ")]
    if loop:
        hand_lines = hand_lines[:loop[0]] + [hand_lines[loop[0]] + " " + hand_lines[loop[0] + 1].strip()]
    hand_namespace = dict(vars(bench_mlp), _pc=time.perf_counter, _ACC=collections.defaultdict(float))
    hand_names = []
    exec(_timed(hand_lines, "def step(self, x, y):", hand_names), hand_namespace)
    for run, namespace_, call in ((namespace["replay"], namespace, lambda f: f(*leaves)),
                                  (hand_namespace["step"], hand_namespace, lambda f: f(hand, *args))):
        for _ in range(20):
            call(run)
        namespace_["_ACC"].clear()
        for _ in range(steps):
            call(run)
    for title, names_, acc in (("compiled program", names, namespace["_ACC"]),
                               ("NumPy by hand", hand_names, hand_namespace["_ACC"])):
        print(f"\n{title}, µs per step (mean of {steps}):\n")
        for i, name in enumerate(names_):
            print(f"{acc[i] / steps * 1e6:9.1f}  {name[:100]}")
        print(f"{sum(acc.values()) / steps * 1e6:9.1f}  total")


STEPS = {"compiled": lambda w: ag.compile(bench_mlp.Ours(w).step),
         "NumPy by hand": lambda w: bench_mlp.NumpyMLP(w).step,
         "eager": lambda w: bench_mlp.Ours(w).step}


def _alone_worker(name, steps, conn):
    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    step = STEPS[name](weights)
    for _ in range(20):
        step(x, y)
    times = []
    for _ in range(steps):
        start = time.thread_time()
        step(x, y)
        times.append(time.thread_time() - start)
    conn.send(statistics.median(times))


def alone(rounds, steps=300):
    """Each step in a process of its own, `steps` consecutive steps (a training loop's steady state), the three
    processes one after another, `rounds` times: the median step of each process."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    results = {name: [] for name in STEPS}
    for _ in range(rounds):
        for name in STEPS:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_alone_worker, args=(name, steps, child))
            proc.start()
            results[name].append(parent.recv())
            proc.join()
    print(f"W2 step, each alone in a process ({steps} consecutive steps after 20), {rounds} rounds, CPU time\n")
    print("| step | median of each round (µs) | ÷ hand, each round |\n|---|---|---|")
    for name, values in results.items():
        ratios = [v / h for v, h in zip(values, results["NumPy by hand"])]
        print(f"| {name} | {' / '.join(f'{v * 1e6:.1f}' for v in values)} | "
              f"{' / '.join(f'{r:.3f}×' for r in ratios)} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=300, help="steps of each kind for the gap")
    p.add_argument("--lines", action="store_true", help="also time each line of both steps")
    p.add_argument("--alone", type=int, metavar="ROUNDS",
                   help="instead: each step alone in a process of its own, ROUNDS times (see `alone`)")
    args = p.parse_args(argv)
    if args.alone:
        alone(args.alone)
        return
    compiled, hand, inputs = gap(args.rounds)
    if args.lines:
        lines(compiled, hand, inputs)


if __name__ == "__main__":
    main()
