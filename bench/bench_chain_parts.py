"""W5 (bench_engine.py `chain`) by parts: the forward loop and the backward pass timed apart, with the cyclic
garbage collector running and paused, to show where a scalar node's cost goes.

    .venv/bin/python bench/bench_chain_parts.py            # 100,000 nodes, 4 warm-up runs, then 4 each way, CPU time

The collector is paused only inside this benchmark (to measure its share); the library never changes the
process's GC settings, except that a backward pass pauses the collector while it runs.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core import Value  # noqa: E402


def run(n):
    """(forward ms, backward ms) of x = x + 1 repeated n times from a scalar leaf, then x.backward()."""
    start = time.thread_time()
    x = Value(0.0)
    for _ in range(n):
        x = x + 1
    built = time.thread_time()
    x.backward()
    done = time.thread_time()
    return (built - start) * 1e3, (done - built) * 1e3


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=4)
    p.add_argument("--warmup", type=int, default=4, help="untimed runs first (default 4)")
    args = p.parse_args(argv)
    print(f"x = x + 1, {args.nodes:,} times, then backward; CPU time (ms) of each run")
    # The first graphs a process builds are slower to walk backward (~130 against ~90 ms here: fresh memory,
    # not the collector): warm up first, then alternate the two ways so that neither gets the early runs.
    for _ in range(args.warmup):
        run(args.nodes)
    times = {False: [], True: []}
    for _ in range(args.runs):
        for pause in (False, True):
            if pause:
                gc.disable()
            try:
                times[pause].append(run(args.nodes))
            finally:
                gc.enable()
    print("| collector | forward | backward |\n|---|---|---|")
    for label, pause in (("running", False), ("paused", True)):
        got = times[pause]
        print(f"| {label} | {', '.join(f'{f:.0f}' for f, _ in got)} | {', '.join(f'{b:.0f}' for _, b in got)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
