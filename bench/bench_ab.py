"""Two checkouts of the library against each other on bench_engine.py's workloads, taking turns.

    .venv/bin/python bench/bench_ab.py /tmp/before /tmp/after --only demo,per-op,chain --rounds 31
    .venv/bin/python bench/bench_ab.py /tmp/before /tmp/after --only W2:eager,W2:compiled,W3:eager

A workload is bench_engine.py's (demo, demo-nn, per-op, chain), bench_compile.py's as NAME:ENGINE (W1-W4, engine
eager or compiled; W2 and W4 timed as 10 calls a round, as bench_compile.py does) or bench_gpt.py's step as
gpt:DROPOUT (gpt:0.0, gpt:0.2).

Each checkout (a folder with autograd_core/, e.g. made by `git worktree add /tmp/before HEAD~1`) runs in a
process of its own, with that folder first on sys.path; the processes take turns, one timed run each per round,
so load from elsewhere on the machine hits both alike. Prints the median CPU time of the worker's thread (one
thread: these workloads are tiny tensors) and the ratio to the first checkout. For a change too small to see
between two runs of bench_engine.py (a slot added to Value, one branch in a hot path).
"""

import argparse
import gc
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def _load(name):
    spec = importlib.util.spec_from_file_location(name, HERE.with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _workload(workload):
    """The function that runs `workload` once (see the module docstring)."""
    name, _, engine = workload.partition(":")
    if name == "gpt":  # bench_gpt.py's step of the lecture's GPT, at dropout `engine`
        bench_gpt = _load("bench_gpt")
        return bench_gpt.build(*bench_gpt.library("autograd-core"), float(engine or 0))[3]
    if not engine:
        bench_engine = _load("bench_engine")
        return bench_engine.WORKLOADS[name][1](bench_engine.OURS)
    sys.path.insert(0, str(HERE.parent))  # bench_compile.py imports bench_mlp, bench_conv
    bench_compile = _load("bench_compile")
    _, make, _, _, calls = bench_compile.WORKLOADS[name]
    once = make(engine)
    if not calls or calls == 1:
        return once

    def run():
        for _ in range(calls):
            once()
    return run


def load_checkout(root):
    """Import autograd_core from the checkout at `root` (which must be first on sys.path), with its nn/, optim/ and
    viz/; raise SystemExit if another checkout's came in. bench_instructions.py's runner calls this too."""
    import autograd_core

    root = Path(root).resolve()
    if not autograd_core.__file__.startswith(str(root)):
        raise SystemExit(f"bench_ab: {root} has no autograd_core/ (imported {autograd_core.__file__})")
    # The installed package maps autograd_core.nn/.optim/.viz to the folders nn/, optim/, viz/ of the checkout it
    # was installed from (pyproject's package-dir): load this checkout's instead.
    for name in ("nn", "optim", "viz"):
        spec = importlib.util.spec_from_file_location(f"autograd_core.{name}", root / name / "__init__.py",
                                                      submodule_search_locations=[str(root / name)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        setattr(autograd_core, name, module)
    return autograd_core


def worker(root, workload):
    """Build `workload` from the checkout at `root` (its autograd_core first on sys.path, one thread for BLAS), then
    time one run per line read from stdin, printing each CPU time."""
    autograd_core = load_checkout(root)
    root = Path(root).resolve()
    run = _workload(workload)
    import autograd_core as again

    if again is not autograd_core or not again.nn.__file__.startswith(str(root)):
        raise SystemExit("bench_ab: a benchmark module imported another checkout's autograd_core")
    run()  # warm-up: imports, caches, compiled steps' recordings
    run()
    gc.collect()
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.thread_time()
        run()
        print(time.thread_time() - start, flush=True)


def _environment(root):
    """The worker's environment: `root` first on the import path; BLAS and OpenMP on one thread (CPU time of one
    thread is what is timed: a BLAS thread pool's spinning would be counted on a loaded machine)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(root).resolve()), env.get("PYTHONPATH")]))
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkouts", nargs=2, help="two folders, each with autograd_core/ (the first is the base)")
    parser.add_argument("--only", default="demo,per-op,chain", help="bench_engine.py's workloads, comma-separated")
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args()
    for workload in args.only.split(","):
        procs = [subprocess.Popen([sys.executable, str(HERE), "--worker", root, workload], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=_environment(root))
                 for root in args.checkouts]
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
