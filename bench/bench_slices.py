"""Loops that read one tensor slice by slice: what a slice's gradient costs in the backward pass.

    .venv/bin/python bench/bench_slices.py                 # ours with and without lazy slice gradients, PyTorch
    .venv/bin/python bench/bench_slices.py --rounds 15 --no-torch

A hand-written RNN reads its input one time step at a time (`x[:, t]`), as students write one; `nn.LSTM` does
the same inside; makemore's `torch.cat(torch.unbind(emb, 1), 1)` unbinds. The gradient of a slice is zeros of
the whole input with the slice's gradient in it. Ours keeps it as (g, index) until the input's gradients are all
in and adds them into one array (autograd_core/scattered_gradient.py); "plain" is the same engine with that turned
off (each slice's gradient a full-size array, added one at a time), PyTorch CPU runs in a worker process of its
own. Forward + backward, same data; CPU time of the timing thread, one BLAS thread, medians over rounds taken in
turns (ours lazy, ours plain, PyTorch).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

WORKLOADS = {  # name: (description, sizes)
    "rnn-loop-50": ("hand-written tanh RNN over x[:, t], B 32, T 50, D=H 64", (32, 50, 64)),
    "rnn-loop-200": ("hand-written tanh RNN over x[:, t], B 32, T 200, D=H 64", (32, 200, 64)),
    "lstm-8x200": ("nn.LSTM(32, 32) on 8 × 200 steps", (8, 200, 32)),
    "unbind-cat": ("makemore: cat(unbind(emb, 1), 1) @ W, emb 256 × 8 × 16", (256, 8, 16)),
}


def _program(lib, name):
    """A function running one forward + backward of workload `name` with library `lib` (autograd_core or torch)."""
    nn = lib.nn
    rng = np.random.default_rng(0)
    b, t, d = WORKLOADS[name][1]
    x_np = rng.standard_normal((b, t, d)).astype(np.float32)
    if name.startswith("rnn-loop"):
        w_np = (rng.standard_normal((d, d)) / np.sqrt(d)).astype(np.float32)
        u_np = (rng.standard_normal((d, d)) / np.sqrt(d)).astype(np.float32)
        x = lib.tensor(x_np, requires_grad=True)
        w = lib.tensor(w_np, requires_grad=True)
        u = lib.tensor(u_np, requires_grad=True)

        def step():
            h = lib.zeros(b, d)
            for s in range(t):
                h = lib.tanh(x[:, s] @ w + h @ u)
            h.sum().backward()
            x.grad = w.grad = u.grad = None
        return step
    if name == "lstm-8x200":
        lib.manual_seed(0)
        lstm = nn.LSTM(d, d, batch_first=True)
        with lib.no_grad():
            for p in lstm.parameters():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.1))
        x = lib.tensor(x_np)

        def step():
            out, _ = lstm(x)
            out.sum().backward()
            lstm.zero_grad()
        return step
    w_np = (rng.standard_normal((t * d, 64)) / 8).astype(np.float32)
    emb = lib.tensor(x_np, requires_grad=True)
    w = lib.tensor(w_np, requires_grad=True)

    def step():
        lib.tanh(lib.cat(lib.unbind(emb, 1), 1) @ w).sum().backward()
        emb.grad = w.grad = None
    return step


def _time(fn, calls):
    start = time.thread_time()
    for _ in range(calls):
        fn()
    return (time.thread_time() - start) / calls


def _worker(lib_name, names, rounds, calls):
    """Runs in its own process for PyTorch: prints {name: [seconds per call, ...]} as JSON."""
    if lib_name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    steps = {name: _program(lib, name) for name in names}
    for step in steps.values():
        step()
    out = {name: [_time(step, calls) for _ in range(rounds)] for name, step in steps.items()}
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=3, help="calls per timed round")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workloads")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.only.split(",")
    if args.worker:
        _worker(args.worker, names, args.rounds, args.calls)
        return

    import autograd_core as ag
    from autograd_core.ops.shape import _getitem

    lazy_rule = _getitem.lazy_vjp
    steps = {name: _program(ag, name) for name in names}
    times = {name: {"lazy": [], "plain": []} for name in names}
    for _ in range(args.rounds):
        for name, step in steps.items():
            for mode in ("lazy", "plain"):
                _getitem.lazy_vjp = lazy_rule if mode == "lazy" else None
                step()  # warm
                times[name][mode].append(_time(step, args.calls))
    _getitem.lazy_vjp = lazy_rule
    torch_times = {}
    if not args.no_torch:
        done = subprocess.run([sys.executable, __file__, "--worker", "torch", "--only", args.only, "--rounds",
                               str(args.rounds), "--calls", str(args.calls)], capture_output=True, text=True)
        if done.returncode == 0:
            torch_times = json.loads(done.stdout)
        else:
            print(f"(PyTorch worker failed: {done.stderr.strip().splitlines()[-1:]})")
    print(f"CPU time of one thread, one BLAS thread, medians of {args.rounds} rounds × {args.calls} calls (ms)\n")
    print("| workload | ours | ours, plain slice gradients | plain ÷ ours | PyTorch | ours ÷ PyTorch |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        lazy = statistics.median(times[name]["lazy"]) * 1e3
        plain = statistics.median(times[name]["plain"]) * 1e3
        peer = statistics.median(torch_times[name]) * 1e3 if name in torch_times else float("nan")
        print(f"| {WORKLOADS[name][0]} | {lazy:.2f} | {plain:.2f} | {plain / lazy:.2f}× | {peer:.2f} | "
              f"{lazy / peer:.2f}× |")


if __name__ == "__main__":
    main()
