"""What a parameter's `.data` being a `ParameterArray` (an ndarray subclass with PyTorch's tensor methods, so that
`m.weight.data.normal_(0, 0.01)` works) costs a training step, against the same models with plain ndarrays.

    .venv/bin/python bench/bench_parameter_data.py                 # W2 eager and compiled, the GPT step
    .venv/bin/python bench/bench_parameter_data.py --rounds 60 --only W2

Each workload is built twice from the same weights: once as the library builds it (every n-d parameter's data a
ParameterArray) and once with each parameter's array put back as a plain ndarray (the same memory, through
`object.__setattr__`, as the library stored it before ParameterArray). The two take turns block by block in one
process (one BLAS thread, CPU time of this thread), so that load from elsewhere hits them alike; the table gives
the medians and their ratio. Both give the same losses, bit for bit (checked before timing).

  W2   bench_mlp.py's step: nn.MLP 784-256-128-10, batch 128, float32, cross-entropy, optim.SGD (eager and
       wrapped in autograd_core.compile)
  GPT  bench_gpt.py's step: the "Let's build GPT" lecture's model (4 layers, n_embd 64), AdamW, dropout 0
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core.grad_array import ParameterArray  # noqa: E402


def _with_plain_data(parameters):
    """Store each parameter's array as a plain ndarray (bypassing Parameter's setter, which makes it a
    ParameterArray); returns how many were changed."""
    changed = 0
    for p in parameters:
        if type(p.data) is ParameterArray:
            ag.Value.__dict__["data"].__set__(p, p.data.view(np.ndarray))  # the slot itself
            changed += 1
    return changed


def w2(plain, compiled):
    import bench_mlp

    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    model = bench_mlp.Ours(weights)
    if plain:
        # nn.MLP's parameters() yields its per-element views; the layers hold the matrices
        assert _with_plain_data(p for layer in model.model.layers for p in (layer.weight, layer.bias)) == 6
    step = ag.compile(model.step) if compiled else model.step
    return lambda: step(x, y)


def gpt(plain):
    import bench_gpt

    torch, nn, F = bench_gpt.library("autograd-core")
    model, _, _, step = bench_gpt.build(torch, nn, F, 0.0)
    if plain:
        assert _with_plain_data(model.parameters()) > 0
    return lambda: step().item()


WORKLOADS = {
    "W2 eager": (lambda plain: w2(plain, False), 20),
    "W2 compiled": (lambda plain: w2(plain, True), 20),
    "GPT": (gpt, 3),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--only", default=None, help="comma-separated prefixes of the workloads (W2, GPT)")
    args = p.parse_args(argv)
    wanted = [name for name in WORKLOADS
              if args.only is None or any(name.startswith(w.strip()) for w in args.only.split(","))]
    print("| workload | plain ndarray | ParameterArray | ratio |")
    print("|---|---:|---:|---:|")
    for name in wanted:
        make, block = WORKLOADS[name]
        steps = {"plain": make(True), "ParameterArray": make(False)}
        for step in steps.values():
            for _ in range(5):  # warm-up, and the compiled step's recordings
                step()
        results = {kind: float(np.asarray(step())) for kind, step in steps.items()}
        assert results["plain"] == results["ParameterArray"], (name, results)
        times = {kind: [] for kind in steps}
        for _ in range(args.rounds):
            for kind, step in steps.items():
                start = time.thread_time()
                for _ in range(block):
                    step()
                times[kind].append((time.thread_time() - start) / block)
        plain, subclass = statistics.median(times["plain"]), statistics.median(times["ParameterArray"])
        print(f"| {name} | {plain * 1e3:.3f} ms | {subclass * 1e3:.3f} ms | {subclass / plain:.4f}× |")
    print(f"\nCPU time of one thread, medians of {args.rounds} rounds, the two builds taking turns in one process.")


if __name__ == "__main__":
    main()
