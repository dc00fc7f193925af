"""W5 (bench_engine.py `chain`) by parts: the forward loop and the backward pass timed apart, with the cyclic
garbage collector running and paused, to show where a scalar node's cost goes.

    .venv/bin/python bench/bench_chain_parts.py            # 100,000 nodes, 4 runs each way, CPU time

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
    args = p.parse_args(argv)
    print(f"x = x + 1, {args.nodes:,} times, then backward; CPU time (ms) of each run")
    print("| collector | forward | backward |\n|---|---|---|")
    for label, pause in (("running", False), ("paused", True)):
        if pause:
            gc.disable()
        try:
            times = [run(args.nodes) for _ in range(args.runs)]
        finally:
            gc.enable()
        print(f"| {label} | {', '.join(f'{f:.0f}' for f, _ in times)} | {', '.join(f'{b:.0f}' for _, b in times)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
