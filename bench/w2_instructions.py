"""Instructions per W2 training step (bench_mlp.py's MLP 784-256-128-10, SGD, batch 128, float32), counted by
Valgrind (callgrind): NumPy by hand, our compiled step and our eager step, side by side.

    .venv/bin/python bench/w2_instructions.py              # 40 counted steps each
    .venv/bin/python bench/w2_instructions.py --steps 20

Why: on the AVX-512 host of BENCHMARKS.md "Stop 53" the compiled step takes ~1.07× the hand-written step's CPU time
while executing the same array operations; this counts what each executes per step (NumPy's and BLAS's loops and the
interpreter's work together), which says whether a gap in time is work done or the way memory is met (a count does
not see cache misses). Each engine runs in a process of its own, after 5 warm-up steps, twice: with no counted step
and with --steps of them; the difference divided by --steps is one step's count. OPENBLAS_NUM_THREADS=1. Needs
`valgrind` (Debian's package); each process takes ~1 minute.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def instructions(engine, steps):
    """Instructions callgrind counts for a process that imports the engine and takes 5 + `steps` W2 steps."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(_RUNNER.format(bench=str(HERE), engine=engine, steps=steps))
    try:
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                               script.name], capture_output=True, text=True, check=True,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                                   "PYTHONHASHSEED": "0"})
    finally:
        os.unlink(script.name)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="counted steps per engine (default 40)")
    args = parser.parse_args()
    jobs = [(engine, steps) for engine in ENGINES for steps in (0, args.steps)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # a process a core
        counts = dict(zip(jobs, pool.map(lambda job: instructions(*job), jobs)))
    per_step = {engine: (counts[engine, args.steps] - counts[engine, 0]) / args.steps for engine in ENGINES}
    print("| W2 step | instructions per step | ÷ NumPy by hand |\n|---|---:|---:|")
    for engine in ENGINES:
        print(f"| {engine} | {per_step[engine]:,.0f} | {per_step[engine] / per_step['NumPy by hand']:.4f}× |")


if __name__ == "__main__":
    main()
