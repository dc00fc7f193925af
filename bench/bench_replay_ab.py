"""Variants of the compiled W2 step's replay, timed in one process on the same buffers, their calls alternating.

    .venv/bin/python bench/bench_replay_ab.py                      # the program as compiled against the variants
    .venv/bin/python bench/bench_replay_ab.py --steps 1000 --runs 5

Between two processes the same code runs a few % apart (where its arrays land in memory), which hides a change of
1-2% of a 1.5 ms step from bench_ab.py and bench_compile.py. Here every variant is the compiled program's own source
with some lines replaced, run in the program's namespace: the same parameters, gradients and buffers, one call of each
variant in turn (in alternating order), CPU time of the thread, medians. Variants:
  compiled          the program as `autograd_core.compile` made it (the optimizer's routines, optim/replay.py)
  step method       opt.step() called as a method (what compile replayed before stop 64), zero_grad's routine kept
  both methods      opt.zero_grad() and opt.step() as methods (stop 63's replay)
Each run prints the medians and their differences from "compiled"; one thread (OPENBLAS_NUM_THREADS=1, set here).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_mlp as bm  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core.optim.optimizer import Optimizer  # noqa: E402


def compiled_program(model, x, y):
    """The compiled W2 step's (source, namespace) after its recordings."""
    step = ag.compile(model.step)
    for _ in range(4):
        step(x, y)
    (slot,) = step.cache.values()
    return slot.program.source, slot.program.replay.__globals__


def variant(source, namespace, optimizer, methods):
    """The replay with the routines named in `methods` ("replay_step", "replay_zero_grad") called as the optimizer's
    methods instead (the functions a recording records: Optimizer.step/zero_grad without their @effect wrapper)."""
    method_of = {"replay_step": Optimizer.step.__wrapped__, "replay_zero_grad": Optimizer.zero_grad.__wrapped__}
    names = dict(namespace, OPTIMIZER=optimizer)
    lines = []
    for line in source.splitlines():
        call = re.fullmatch(r"    (P\d+)\(\)", line)
        routine = getattr(namespace.get(call.group(1)), "__name__", None) if call else None
        if routine in methods:
            names[f"METHOD_{routine}"] = method_of[routine]
            line = f"    METHOD_{routine}(OPTIMIZER)"
        lines.append(line)
    exec("\n".join(lines), names)  # our own program's text, edited above
    return names["replay"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=600, help="timed calls of each variant per run (default 600)")
    p.add_argument("--runs", type=int, default=3, help="runs, each in a new model (default 3)")
    args = p.parse_args(argv)
    x, y = bm.make_batch()
    clock = time.thread_time_ns
    for run in range(args.runs):
        model = bm.Ours(bm.initial_weights())
        source, namespace = compiled_program(model, x, y)
        variants = {"compiled": namespace["replay"],
                    "step method": variant(source, namespace, model.opt, {"replay_step"}),
                    "both methods": variant(source, namespace, model.opt, {"replay_step", "replay_zero_grad"})}
        if not re.search(r"^    P\d+\(\)$", source, re.M):
            raise SystemExit("bench_replay_ab: the compiled step calls no optimizer routines: nothing to compare")
        times = {name: [] for name in variants}
        order = list(variants.items())
        for _ in range(20):
            for _, replay in order:
                replay(x, y)
        for i in range(args.steps):
            for name, replay in order if i % 2 == 0 else order[::-1]:
                start = clock()
                replay(x, y)
                times[name].append(clock() - start)
        base = statistics.median(times["compiled"])
        print(f"run {run + 1}: " + ", ".join(
            f"{name} {statistics.median(t) / 1e3:.1f} µs ({(statistics.median(t) - base) / 1e3:+.1f})"
            for name, t in times.items()))


if __name__ == "__main__":
    main()
