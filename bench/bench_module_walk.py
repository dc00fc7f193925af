"""What a walk over a model's modules costs: `model.zero_grad()`, `list(model.parameters())` (what
`clip_grad_norm_(model.parameters(), ...)` walks at every step) and `model.state_dict()`, ours next to PyTorch's.

    .venv/bin/python bench/bench_module_walk.py              # 6 blocks (61 modules, 72 parameters), CPU time
    .venv/bin/python bench/bench_module_walk.py --blocks 24 --rounds 5

The model: `--blocks` transformer blocks as a PyTorch user writes them (two LayerNorms, nn.MultiheadAttention, an
MLP of Linear-GELU-Linear-Dropout in an nn.Sequential), in an nn.Sequential, built by the same code with either
library's `nn`. Each library runs in a process of its own (PyTorch's objects would slow our cyclic collector), the
two take turns round by round; a round times each operation 200 times (CPU time of the thread, median), and the
table gives the median over the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

WORKER = r"""
import json, statistics, sys, time
library, blocks = sys.argv[1], int(sys.argv[2])
torch = __import__("torch" if library == "PyTorch" else "autograd_core")
nn = torch.nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(64), nn.LayerNorm(64)
        self.attn = nn.MultiheadAttention(64, 4)
        self.mlp = nn.Sequential(nn.Linear(64, 256), nn.GELU(), nn.Linear(256, 64), nn.Dropout(0.1))


model = nn.Sequential(*[Block() for _ in range(blocks)])
operations = {"model.zero_grad()": model.zero_grad, "list(model.parameters())": lambda: list(model.parameters()),
              "model.state_dict()": model.state_dict}
result = {"modules": len(list(model.modules())), "parameters": len(list(model.parameters()))}
for name, operation in operations.items():
    operation()
    times = []
    for _ in range(200):
        start = time.thread_time()
        operation()
        times.append(time.thread_time() - start)
    result[name] = statistics.median(times)
print(json.dumps(result))
"""

LIBRARIES = ("autograd-core", "PyTorch")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6, help="transformer blocks in the model (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each library once per round (default 3)")
    args = parser.parse_args(argv)
    runs = {library: [] for library in LIBRARIES}
    for _ in range(args.rounds):
        for library in LIBRARIES:
            out = subprocess.run([sys.executable, "-c", WORKER, library, str(args.blocks)], capture_output=True,
                                 text=True, check=True, env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                                             "MKL_NUM_THREADS": "1", "PATH": ""}).stdout
            runs[library].append(json.loads(out))
    first = runs[LIBRARIES[0]][0]
    print(f"{args.blocks} blocks: {first['modules']} modules, {first['parameters']} parameters; CPU time, medians of "
          f"{args.rounds} rounds of 200 calls")
    print("| operation | autograd-core | PyTorch | ours ÷ PyTorch |")
    print("|---|---:|---:|---:|")
    for name in ("model.zero_grad()", "list(model.parameters())", "model.state_dict()"):
        ours, peer = (statistics.median(run[name] for run in runs[library]) for library in LIBRARIES)
        print(f"| `{name}` | {ours * 1e6:,.0f} µs | {peer * 1e6:,.0f} µs | {ours / peer:.2f}× |")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s)", file=sys.stderr)
