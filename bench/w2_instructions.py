"""Instructions per W2 training step (bench_mlp.py's MLP 784-256-128-10, SGD, batch 128, float32), counted by
Valgrind (callgrind): NumPy by hand, our compiled step and our eager step, side by side.

    .venv/bin/python bench/w2_instructions.py              # 40 counted steps each
    .venv/bin/python bench/w2_instructions.py --steps 20
    .venv/bin/python bench/w2_instructions.py --cache      # also simulated cache misses (cachegrind)

Why: on the AVX-512 host of BENCHMARKS.md "Stop 53" the compiled step takes ~1.07× the hand-written step's CPU time
while executing the same array operations; this counts what each executes per step (NumPy's and BLAS's loops and the
interpreter's work together), which says whether a gap in time is work done or the way memory is met (a count does
not see cache misses). Each engine runs in a process of its own, after 5 warm-up steps, twice: with no counted step
and with --steps of them; the difference divided by --steps is one step's count. OPENBLAS_NUM_THREADS=1. Needs
`valgrind` (Debian's package); each process takes ~1 minute.

--cache runs Valgrind's cachegrind instead, which simulates a first-level data cache and a last-level cache and
counts the data reads and writes that miss each: the misses per step are where a step that executes the same
instructions can still wait on memory. The simulated caches default to this AVX-512 host's per-core L1d (48 KiB,
12-way) and L2 (2 MiB, 16-way) as the last level (its shared L3 is left out: cachegrind simulates two levels).
"""

import argparse
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_instructions import valgrind_script

HERE = Path(__file__).resolve().parent

_RUNNER = """
import sys
sys.path.insert(0, {bench!r})
import bench_mlp as bm
import autograd_core as ag
weights = bm.initial_weights()
x, y = bm.make_batch()
if {engine!r} == "NumPy by hand":
    model = bm.NumpyMLP(weights)
    xe, ye = bm.inputs_for(model, x, y)
    step = lambda: model.step(xe, ye)
else:
    model = bm.Ours(weights)
    run = ag.compile(model.step) if {engine!r} == "compiled" else model.step
    step = lambda: run(x, y)
for _ in range(5 + {steps}):
    step()
"""

ENGINES = ("NumPy by hand", "compiled", "eager")


def _valgrind(tool_args, engine, steps):
    """Valgrind's summary (stderr) for a process that imports the engine and takes 5 + `steps` W2 steps (the address
    space laid out as the system chooses, as these counts have always been taken)."""
    return valgrind_script(tool_args, _RUNNER.format(bench=str(HERE), engine=engine, steps=steps),
                           {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"},
                           fixed_layout=False)


def instructions(engine, steps):
    """Instructions callgrind counts for the process (see `_valgrind`)."""
    summary = _valgrind(["--tool=callgrind", "--callgrind-out-file=/dev/null"], engine, steps)
    return {"instructions": int(re.search(r"Collected : (\d+)", summary).group(1))}


def _count(summary, label):
    """A count from cachegrind's summary line `label` ("D1  misses:       1,234  (  1,000 rd   +  234 wr)")."""
    return int(re.search(rf"{label}\s+([\d,]+)", summary).group(1).replace(",", ""))


def cache_misses(engine, steps, d1, ll):
    """Instructions, data references and simulated data-cache misses cachegrind counts for the process."""
    summary = _valgrind(["--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null",
                         f"--D1={d1}", f"--LL={ll}"], engine, steps)
    return {"instructions": _count(summary, "I\\s+refs:"), "data references": _count(summary, "D\\s+refs:"),
            "D1 misses": _count(summary, "D1\\s+misses:"), "LL misses": _count(summary, "LLd\\s+misses:")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="counted steps per engine (default 40)")
    parser.add_argument("--cache", action="store_true", help="simulate the data caches (cachegrind)")
    parser.add_argument("--d1", default="49152,12,64", help="--cache: first-level data cache, size,ways,line")
    parser.add_argument("--ll", default="2097152,16,64", help="--cache: last-level cache, size,ways,line")
    args = parser.parse_args()
    count = (lambda engine, steps: cache_misses(engine, steps, args.d1, args.ll)) if args.cache else instructions
    jobs = [(engine, steps) for engine in ENGINES for steps in (0, args.steps)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # a process a core
        counts = dict(zip(jobs, pool.map(lambda job: count(*job), jobs)))
    names = list(counts[jobs[0]])
    per_step = {engine: {name: (counts[engine, args.steps][name] - counts[engine, 0][name]) / args.steps
                         for name in names} for engine in ENGINES}
    print("| W2 step | " + " | ".join(f"{name} per step | ÷ by hand" for name in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    for engine in ENGINES:
        cells = [f"{per_step[engine][name]:,.0f} | {per_step[engine][name] / per_step['NumPy by hand'][name]:.4f}×"
                 for name in names]
        print(f"| {engine} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
