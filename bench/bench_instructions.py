"""Instructions per run of bench_engine.py's workloads, counted by Valgrind (callgrind), for checkouts side by side.

    .venv/bin/python bench/bench_instructions.py /tmp/before /work/main --only per-op,demo --runs 20

For a change of a percent or two on a machine whose load moves CPU times by more than that (BENCHMARKS.md "Stop 39"):
the count of instructions a workload executes is the same from run to run, whatever else the machine is doing. It is
not a time: it does not see cache misses or how long each instruction takes (a hash lookup's instructions are cheap,
a cache miss's few are not), so quote it beside CPU times (bench_ab.py), not instead of them.

Each checkout (a folder with autograd_core/) runs the workload once and `--runs` + 1 times under callgrind, in a
process of its own (the two at once, one a core); the difference divided by `--runs` leaves out the import and the
first, warming call. Needs `valgrind` (Debian's package); a run of per-op takes ~1 minute.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The checkout's autograd_core is imported first: bench_engine.py puts its own repository first on sys.path when
# imported, and before stop 45 this runner let that happen, so every checkout counted the one beside this script.
_RUNNER = """
import sys
sys.path.insert(0, {checkout!r})
sys.path.insert(0, {bench!r})
import bench_ab
bench_ab.load_checkout({checkout!r})
import bench_engine
run = getattr(bench_engine, {function!r})(bench_engine.OURS)
for _ in range({calls}):
    run()
"""

_FUNCTIONS = {"per-op": "per_op", "demo": "demo", "demo-nn": "demo_nn", "chain": "chain"}


def valgrind_script(tool_args, source, env, *, fixed_layout=True):
    """Valgrind's summary (its stderr) for this interpreter running a script whose text is `source`, with the
    variables `env` added to the environment. fixed_layout: address space layout randomisation off (setarch -R) where
    it can be: Values hash by address, so sets and dicts of them take different numbers of probes in different
    processes (per-op's count moved by ~3% between runs of one checkout with it on, by ~0.2% with it off)."""
    # The script sits in an empty folder of its own, not in /tmp: Python puts the script's folder first on sys.path,
    # and every import at start-up may list it again; in the shared /tmp, whose entries come and go, two runs of one
    # W2 engine differed by ~0.5M instructions per counted step in listing and hashing its names (readdir,
    # siphash13; BENCHMARKS.md "Stop 55").
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "counted.py"
        script.write_text(source)
        no_aslr = ["setarch", os.uname().machine, "-R"] if fixed_layout and shutil.which("setarch") else []
        done = subprocess.run([*no_aslr, "valgrind", *tool_args, sys.executable, str(script)], capture_output=True,
                              text=True, check=True, env={**os.environ, **env})
    return done.stderr


def instructions(checkout, workload, calls):
    """Instructions callgrind counts for the whole process that imports the engine and calls `workload` `calls`
    times."""
    summary = valgrind_script(["--tool=callgrind", "--callgrind-out-file=/dev/null"],
                              _RUNNER.format(checkout=str(checkout), bench=str(HERE), function=_FUNCTIONS[workload],
                                             calls=calls),
                              {"OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"})
    match = re.search(r"Collected : (\d+)", summary)
    if match is None:
        raise RuntimeError(f"callgrind printed no count:\n{summary[-2000:]}")
    return int(match.group(1))


def per_run(checkout, workload, runs):
    return (instructions(checkout, workload, runs + 1) - instructions(checkout, workload, 1)) / runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--only", default="per-op", help=f"comma-separated, of {', '.join(_FUNCTIONS)}")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    workloads = args.only.split(",")
    for workload in workloads:
        if workload not in _FUNCTIONS:
            sys.exit(f"unknown workload {workload!r}: {', '.join(_FUNCTIONS)}")
    print("| workload | checkout | instructions per run | ratio |\n|---|---|---:|---:|")
    for workload in workloads:
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(pool.map(per_run, [c.resolve() for c in args.checkouts], [workload] * len(args.checkouts),
                                   [args.runs] * len(args.checkouts)))
        for checkout, count in zip(args.checkouts, counts):
            print(f"| {workload} | {checkout} | {count:,.0f} | {count / counts[0]:.4f}× |")


if __name__ == "__main__":
    main()
