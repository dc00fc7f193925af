"""Two checkouts of the library against each other on bench_engine.py's workloads, taking turns.

    .venv/bin/python bench/bench_ab.py /tmp/before /tmp/after --only demo,per-op,chain --rounds 31

Each checkout (a folder with autograd_core/, e.g. made by `git worktree add /tmp/before HEAD~1`) runs in a
process of its own, with that folder first on sys.path; the processes take turns, one timed run each per round,
so load from elsewhere on the machine hits both alike. Prints the median CPU time of the worker's thread (one
thread: these workloads are tiny tensors) and the ratio to the first checkout. For a change too small to see
between two runs of bench_engine.py (a slot added to Value, one branch in a hot path).
"""

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def worker(root, workload):
    """Build `workload` (bench_engine.py's, engine autograd-core) from the checkout at `root`, then time one run per
    line read from stdin, printing each CPU time."""
    sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location("bench_engine", HERE.with_name("bench_engine.py"))
    bench_engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_engine)
    sys.path.insert(0, root)  # bench_engine.py put its own checkout first
    for name in [m for m in sys.modules if m == "autograd_core" or m.startswith("autograd_core.")]:
        del sys.modules[name]
    import autograd_core

    if not autograd_core.__file__.startswith(str(Path(root).resolve())):
        raise SystemExit(f"bench_ab: {root} has no autograd_core/ (imported {autograd_core.__file__})")
    run = bench_engine.WORKLOADS[workload][1](bench_engine.OURS)
    run()  # warm-up: imports, caches
    gc.collect()
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.thread_time()
        run()
        print(time.thread_time() - start, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkouts", nargs=2, help="two folders, each with autograd_core/ (the first is the base)")
    parser.add_argument("--only", default="demo,per-op,chain", help="bench_engine.py's workloads, comma-separated")
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args()
    for workload in args.only.split(","):
        procs = [subprocess.Popen([sys.executable, str(HERE), "--worker", root, workload], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True) for root in args.checkouts]
        for proc in procs:
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit(f"bench_ab: the worker for {workload} did not start")
        times = [[] for _ in procs]
        for _ in range(args.rounds):
            for proc, kept in zip(procs, times):
                proc.stdin.write("go\n")
                proc.stdin.flush()
                kept.append(float(proc.stdout.readline()))
        for proc in procs:
            proc.stdin.close()
            proc.wait()
        base = statistics.median(times[0])
        for root, kept in zip(args.checkouts, times):
            median = statistics.median(kept)
            print(f"| {workload} | {root} | {median * 1e3:.2f} ms | {median / base:.4f}× |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], sys.argv[3])
    else:
        main()
