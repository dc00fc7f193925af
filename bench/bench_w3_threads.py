"""W3's train step on the wall clock: checkouts × our kernel threads (1 and 2) against PyTorch, interleaved.

    .venv/bin/python bench/bench_w3_threads.py /tmp/base /work/wt --rounds 15
    chrt -f 10 .venv/bin/python bench/bench_w3_threads.py /tmp/base /work/wt   # a busy host: see below
    KEEP=1 .venv/bin/python bench/bench_w3_threads.py /tmp/base /work/wt       # glibc keeps freed memory (all workers)

One worker process per checkout (each imports its own autograd_core, nn included, as bench_ab.py does) and one for
PyTorch on its default threads, all running bench_conv.py's `full=True` step. Each round runs every (checkout,
threads) cell once, in a shuffled order: 0.1 s of steps to wake the cores, then 30 timed steps; the table gives the
medians over rounds of each cell's median step, wall clock and the process's CPU time (CPU above wall: a second
thread ran), and PyTorch's time over ours.

On a host where other processes keep both cores busy (load average above 2 on 2 cores), a thread that waits is
rescheduled late and every multi-threaded time (ours and PyTorch's) swings by several times. Under `chrt -f 10`
the workers preempt the rest of the machine, which comes close to a quiet host for their runs (Linux throttles
real-time processes to 95% of the CPU, so nothing starves).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKER = r'''
import json, sys, time
root, engine = sys.argv[1], sys.argv[2]
sys.path.insert(0, root + "/bench"); sys.path.insert(0, root)
import bench_ab
bench_ab.load_checkout(root)
import bench_conv
if engine == "torch":
    import torch  # noqa: F401
    step = bench_conv.pytorch(*bench_conv.make_problem(), full=True)
    def threads(count): pass
else:
    import autograd_core
    step = bench_conv.ours(*bench_conv.make_problem(), full=True)
    threads = autograd_core.set_num_threads
for _ in range(20):
    step()
for line in sys.stdin:
    count, steps = map(int, line.split())
    threads(count)
    end = time.perf_counter() + 0.1
    while time.perf_counter() < end:
        step()
    wall, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    print(json.dumps([sorted(wall)[steps // 2], sorted(cpu)[steps // 2]]), flush=True)
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", help="folders with autograd_core/, nn/ and bench/")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ)
    if os.environ.get("KEEP"):
        env.update(MALLOC_TRIM_THRESHOLD_="1073741824", MALLOC_MMAP_THRESHOLD_="33554432")
    roots = [str(Path(root).resolve()) for root in args.checkouts]

    def start(root, engine):
        return subprocess.Popen([sys.executable, "-c", WORKER, root, engine], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=env)

    workers = {root: start(root, "ours") for root in roots}
    workers["PyTorch"] = start(str(HERE.parent), "torch")
    cells = [(root, count) for root in roots for count in (1, 2)] + [("PyTorch", 0)]
    times, loads = {cell: [] for cell in cells}, []
    for _ in range(args.rounds):
        random.shuffle(cells)
        for root, count in cells:
            worker = workers[root]
            worker.stdin.write(f"{count} 30\n")
            worker.stdin.flush()
            times[(root, count)].append(json.loads(worker.stdout.readline()))
        loads.append(os.getloadavg()[0])
    for worker in workers.values():
        worker.stdin.close()
        worker.wait()

    def median(cell, which):
        return statistics.median(t[which] for t in times[cell]) * 1e3

    theirs = median(("PyTorch", 0), 0)
    print(f"{args.rounds} rounds, load average {min(loads):.1f}-{max(loads):.1f}, KEEP={bool(env.get('KEEP'))}")
    print("| W3 train step | our threads | wall (ms) | CPU (ms) | PyTorch ÷ ours, wall |")
    print("|---|---:|---:|---:|---:|")
    for root, count in sorted(times, key=str):
        label = "PyTorch (its default threads)" if root == "PyTorch" else root
        print(f"| {label} | {count or ''} | {median((root, count), 0):.2f} | {median((root, count), 1):.2f} | "
              f"{theirs / median((root, count), 0):.3f} |")


if __name__ == "__main__":
    main()
