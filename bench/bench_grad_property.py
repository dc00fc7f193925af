"""What `Value.grad` being a property (it hands out a `GradArray` view, with PyTorch's methods) costs, against the
plain slot it reads (`Value._grad`), on bench_engine.py's workloads.

    .venv/bin/python bench/bench_grad_property.py              # 15 rounds
    .venv/bin/python bench/bench_grad_property.py --rounds 31

In one process (OpenBLAS/OMP: one thread; CPU time of this thread), each round times every workload once with the
property and once with `Value.grad` replaced by the `_grad` slot's own descriptor (what `.grad` was before the
property; the engine itself writes `_grad` of recorded nodes directly either way), the two orders alternating from
round to round; the table gives the medians and their ratio. The workloads are bench_engine.py's, ours only:
  demo      micrograd's demo loss (MLP 2-16-16-1 on 100 moons, scalar Values by hand) and its backward pass
  demo-nn   the same through `nn.MLP`, with `model.zero_grad()` first
  per-op    W4: 1,000 small ops on 10 elements, forward and backward
  chain     a chain of 100,000 scalar nodes, forward and backward
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import bench_engine  # noqa: E402

from autograd_core import Value  # noqa: E402

WORKLOADS = {"demo": bench_engine.demo, "demo-nn": bench_engine.demo_nn, "per-op": bench_engine.per_op,
             "chain": bench_engine.chain}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    modes = {"property": Value.__dict__["grad"], "slot": Value.__dict__["_grad"]}
    runs = {name: make(bench_engine.OURS) for name, make in WORKLOADS.items()}
    times = {(name, mode): [] for name in runs for mode in modes}
    try:
        for r in range(args.rounds + 1):  # round 0 warms up
            for name, run in runs.items():
                for mode in (list(modes) if r % 2 == 0 else list(modes)[::-1]):
                    Value.grad = modes[mode]
                    start = time.thread_time()
                    run()
                    if r:
                        times[name, mode].append(time.thread_time() - start)
    finally:
        Value.grad = modes["property"]
    print(f"\n`Value.grad` as a property against the plain slot, CPU time of one thread, medians of {args.rounds} "
          f"rounds (`bench/bench_grad_property.py --rounds {args.rounds}`)\n")
    print("| workload | slot (ms) | property (ms) | property ÷ slot |\n|---|---:|---:|---:|")
    for name in runs:
        slot, prop = (statistics.median(times[name, mode]) * 1e3 for mode in ("slot", "property"))
        print(f"| {name} | {slot:.2f} | {prop:.2f} | {prop / slot:.3f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
