"""How long `import autograd_core` (and the other entry points) takes: CPU time of a fresh interpreter.

    .venv/bin/python bench/bench_import.py                  # this checkout, 15 runs per statement
    .venv/bin/python bench/bench_import.py --against 9fd08bd # and a temporary git worktree of that revision, in turns

Each run starts `python -c STATEMENT` with the checkout first on sys.path and reads the child's user + system CPU
time (resource.getrusage), so other work on the machine counts less than on the wall clock. Medians, in ms.
`import numpy` is printed as the floor. With --against, only the core package comes from the worktree when a
statement imports nn/optim/viz (those map to this checkout's top-level folders through the editable install), so
compare `import autograd_core` only.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATEMENTS = ("import numpy", "import autograd_core", "import autograd_core.nn", "import autograd_core.optim",
              "import autograd_core.viz.cli")


def cpu_ms(checkout, statement):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", statement], cwd=checkout, check=True,
                   env={**os.environ, "PYTHONPATH": str(checkout)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per statement and checkout (default 15)")
    parser.add_argument("--against", metavar="REV", help="also time a git worktree of this revision, in turns")
    args = parser.parse_args(argv)
    checkouts = {"this checkout": ROOT}
    with tempfile.TemporaryDirectory() as scratch:
        if args.against:
            other = Path(scratch) / "worktree"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(other), args.against],
                           check=True)
            checkouts[args.against] = other
        try:
            print(f"| statement | {' | '.join(checkouts)} |")
            print(f"|---|{'---:|' * len(checkouts)}")
            for statement in STATEMENTS if not args.against else ("import numpy", "import autograd_core"):
                times = {name: [] for name in checkouts}
                for _ in range(args.runs):
                    for name, path in checkouts.items():
                        times[name].append(cpu_ms(path, statement))
                cells = " | ".join(f"{statistics.median(t):.0f} ms" for t in times.values())
                print(f"| `{statement}` | {cells} |")
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)


if __name__ == "__main__":
    main()
