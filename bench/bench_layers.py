"""Forward + backward of every common layer at course-project sizes: ours next to PyTorch CPU, same data and weights.

    .venv/bin/python bench/bench_layers.py                      # all layers, one thread, CPU time (the default)
    .venv/bin/python bench/bench_layers.py --quick              # fewer rounds
    .venv/bin/python bench/bench_layers.py --only lstm,gru      # some layers (names as in the table)
    .venv/bin/python bench/bench_layers.py --clock wall         # wall clock, each library's default threads
    .venv/bin/python bench/bench_layers.py --list               # the layer names and sizes

Each case builds the layer from the same code in both libraries (autograd-core's surface is PyTorch's: the case
functions below take the library's `torch`, `nn` and `F` as arguments), overwrites every parameter with the
same seeded uniform numbers, feeds the same float32 input, and times one step: zeroing the gradients, the
forward pass, a scalar loss (the output's sum or mean, or the layer's own loss) and backward. Before timing,
the losses of both libraries are checked to agree (cases that draw random numbers, Dropout, are compared by
shape only).

How it measures: each library runs in a worker process of its own (so PyTorch's ~150,000 objects don't slow
our cyclic garbage collector), the two take turns block by block, and the table gives the median time per
step over all blocks. The default clock is the CPU time of the calling thread (`time.thread_time`) with
OMP/OpenBLAS/MKL and torch limited to one thread: on a shared, loaded machine this compares the work done,
where wall times swing with other jobs. `--clock wall` keeps each library's default threads.

PyTorch is only the peer: when it is not installed, the table shows ours alone.

Measured 2026-12-02 on the shared 2-core machine (other jobs running), numpy 2.4 (OpenBLAS), torch 2.13.0+cpu,
default run (one thread, CPU time, 15 rounds × 3 steps): every layer within 2.6× of PyTorch except GroupNorm
(3.4×: ~20 NumPy passes over the data where PyTorch runs fused kernels) and the LSTMs: 3.2× at 30 steps of
hidden size 64 and 13× at 200 steps of hidden size 32, where the tensors are small and each time step records
~14 graph nodes (about 15 µs each, forward and backward) against one fused kernel per step in PyTorch. Reading
the time steps through blocks (nn/rnn.py `_pieces`) took the LSTM at 200 steps from 59.6 to 45.3 ms (same
numbers, bitwise); a fused LSTM-cell primitive is the next step.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HAVE_TORCH = importlib.util.find_spec("torch") is not None
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
OURS, TORCH = "autograd-core", "PyTorch CPU"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ----------------------------------------------------------------------------------------------------
# The cases. Each takes (torch, nn, F, rng) of one library and returns (module or None, inputs, step), where
# step() runs forward, loss and backward and returns the loss. `data(rng, shape)` gives the same float32
# array in both workers because each case starts from its own seed.


def data(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _module_case(make, inputs, loss=lambda out: out.sum()):
    """A case for a module `make(nn)` applied to `inputs(rng)` (arrays; float ones get requires_grad)."""
    def case(torch, nn, F, rng):
        module = make(nn)
        arrays = inputs(rng)
        tensors = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
                   for a in arrays]

        def step():
            module.zero_grad()
            for t in tensors:
                if getattr(t, "requires_grad", False):
                    t.grad = None
            out = module(*tensors)
            value = loss(out)
            value.backward()
            return value

        return module, tensors, step
    return case


def _function_case(function, inputs, loss=lambda out: out.sum()):
    """A case for `function(F, *tensors)` with no parameters."""
    def case(torch, nn, F, rng):
        arrays = inputs(rng)
        tensors = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
                   for a in arrays]

        def step():
            for t in tensors:
                if getattr(t, "requires_grad", False):
                    t.grad = None
            value = loss(function(F, *tensors))
            value.backward()
            return value

        return None, tensors, step
    return case


def _rnn_loss(out):
    return out[0].sum()  # (output, h_n) or (output, (h_n, c_n)): the output sequence


def _indices(rng, high, *shape):
    return rng.integers(0, high, shape)


B, T, H = 32, 30, 64  # batch, sequence length, hidden size of the sequence models

CASES = {
    "linear": ("Linear(256, 128), x (32, 256)",
               _module_case(lambda nn: nn.Linear(256, 128), lambda r: [data(r, 32, 256)])),
    "conv1d": ("Conv1d(16, 32, 5, padding=2), x (32, 16, 50)",
               _module_case(lambda nn: nn.Conv1d(16, 32, 5, padding=2), lambda r: [data(r, 32, 16, 50)])),
    "conv2d": ("Conv2d(8, 16, 3, padding=1), x (32, 8, 28, 28)",
               _module_case(lambda nn: nn.Conv2d(8, 16, 3, padding=1), lambda r: [data(r, 32, 8, 28, 28)])),
    "conv_transpose2d": ("ConvTranspose2d(16, 8, 4, stride=2, padding=1), x (32, 16, 14, 14)",
                         _module_case(lambda nn: nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1),
                                      lambda r: [data(r, 32, 16, 14, 14)])),
    "max_pool2d": ("MaxPool2d(2), x (32, 16, 28, 28)",
                   _module_case(lambda nn: nn.MaxPool2d(2), lambda r: [data(r, 32, 16, 28, 28)])),
    "avg_pool2d": ("AvgPool2d(2), x (32, 16, 28, 28)",
                   _module_case(lambda nn: nn.AvgPool2d(2), lambda r: [data(r, 32, 16, 28, 28)])),
    "adaptive_avg_pool2d": ("AdaptiveAvgPool2d((5, 5)), x (32, 16, 28, 28)",
                            _module_case(lambda nn: nn.AdaptiveAvgPool2d((5, 5)), lambda r: [data(r, 32, 16, 28, 28)])),
    "batch_norm1d": ("BatchNorm1d(128), x (32, 128), training",
                     _module_case(lambda nn: nn.BatchNorm1d(128), lambda r: [data(r, 32, 128)])),
    "batch_norm2d": ("BatchNorm2d(16), x (32, 16, 28, 28), training",
                     _module_case(lambda nn: nn.BatchNorm2d(16), lambda r: [data(r, 32, 16, 28, 28)])),
    "layer_norm": ("LayerNorm(128), x (32, 30, 128)",
                   _module_case(lambda nn: nn.LayerNorm(128), lambda r: [data(r, 32, 30, 128)])),
    "group_norm": ("GroupNorm(4, 16), x (32, 16, 28, 28)",
                   _module_case(lambda nn: nn.GroupNorm(4, 16), lambda r: [data(r, 32, 16, 28, 28)])),
    "embedding": ("Embedding(1000, 64), indices (32, 30)",
                  _module_case(lambda nn: nn.Embedding(1000, 64), lambda r: [_indices(r, 1000, 32, 30)])),
    "embedding_bag": ("EmbeddingBag(1000, 64, mode='mean'), indices (32, 30)",
                      _module_case(lambda nn: nn.EmbeddingBag(1000, 64, mode="mean"),
                                   lambda r: [_indices(r, 1000, 32, 30)])),
    "rnn": (f"RNN({H}, {H}, batch_first=True), x ({B}, {T}, {H})",
            _module_case(lambda nn: nn.RNN(H, H, batch_first=True), lambda r: [data(r, B, T, H)], _rnn_loss)),
    "lstm": (f"LSTM({H}, {H}, batch_first=True), x ({B}, {T}, {H})",
             _module_case(lambda nn: nn.LSTM(H, H, batch_first=True), lambda r: [data(r, B, T, H)], _rnn_loss)),
    "lstm_2layer": (f"LSTM({H}, 128, num_layers=2, batch_first=True), x ({B}, 50, {H})",
                    _module_case(lambda nn: nn.LSTM(H, 128, num_layers=2, batch_first=True),
                                 lambda r: [data(r, B, 50, H)], _rnn_loss)),
    "lstm_long": ("LSTM(32, 32, batch_first=True), x (8, 200, 32): a long sequence",
                  _module_case(lambda nn: nn.LSTM(32, 32, batch_first=True), lambda r: [data(r, 8, 200, 32)],
                               _rnn_loss)),
    "gru": (f"GRU({H}, {H}, batch_first=True), x ({B}, {T}, {H})",
            _module_case(lambda nn: nn.GRU(H, H, batch_first=True), lambda r: [data(r, B, T, H)], _rnn_loss)),
    "multihead_attention": ("MultiheadAttention(64, 4, batch_first=True), self-attention, x (32, 30, 64)",
                            _module_case(lambda nn: nn.MultiheadAttention(64, 4, batch_first=True),
                                         lambda r: [data(r, 32, 30, 64)] * 3, _rnn_loss)),
    "transformer_encoder_layer": (
        "TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0, batch_first=True), x (32, 30, 64)",
        _module_case(lambda nn: nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0, batch_first=True),
                     lambda r: [data(r, 32, 30, 64)])),
    "dropout": ("Dropout(0.5), x (32, 16, 28, 28), training",
                _module_case(lambda nn: nn.Dropout(0.5), lambda r: [data(r, 32, 16, 28, 28)])),
    "upsample_bilinear": ("Upsample(scale_factor=2, mode='bilinear'), x (32, 8, 14, 14)",
                          _module_case(lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"),
                                       lambda r: [data(r, 32, 8, 14, 14)])),
    "pixel_shuffle": ("PixelShuffle(2), x (32, 16, 14, 14)",
                      _module_case(lambda nn: nn.PixelShuffle(2), lambda r: [data(r, 32, 16, 14, 14)])),
    "cross_entropy": ("F.cross_entropy, logits (128, 10), mean",
                      _function_case(lambda F, x, y: F.cross_entropy(x, y),
                                     lambda r: [data(r, 128, 10), _indices(r, 10, 128)], lambda out: out)),
    "softmax": ("F.softmax(dim=-1), x (32, 30, 128), loss (out * w).sum()",
                _function_case(lambda F, x, w: F.softmax(x, dim=-1) * w,
                               lambda r: [data(r, 32, 30, 128), data(r, 32, 30, 128)])),
    "unfold": ("F.unfold(kernel_size=3, padding=1), x (32, 8, 28, 28)",
               _function_case(lambda F, x: F.unfold(x, kernel_size=3, padding=1), lambda r: [data(r, 32, 8, 28, 28)])),
}
RANDOM = {"dropout"}  # cases whose result depends on each library's random numbers


def _fill_parameters(module, name, torch):
    """Overwrite every parameter with seeded uniform numbers in ±1/√fan-in: the same in both libraries."""
    if module is None:
        return
    state = {}
    for key, p in module.named_parameters():
        shape = tuple(p.shape)
        rng = np.random.default_rng(zlib.crc32(f"{name}.{key}".encode()))
        bound = 1 / np.sqrt(shape[1] if len(shape) > 1 else shape[0])
        state[key] = torch.tensor(rng.uniform(-bound, bound, shape).astype(np.float32))
    module.load_state_dict(state, strict=False)


# ----------------------------------------------------------------------------------------------------
# Workers: one process per library, asked for blocks of steps.


def worker(library, names, threads, clock, pipe):
    if library == TORCH:
        import torch
        if threads:
            torch.set_num_threads(threads)
        nn, F = torch.nn, torch.nn.functional
    else:
        import autograd_core as torch
        import autograd_core.nn.functional as F
        from autograd_core import nn
    tick = CLOCKS[clock]
    steps = {}
    for name in names:
        module, _, step = CASES[name][1](torch, nn, F, np.random.default_rng(zlib.crc32(name.encode())))
        _fill_parameters(module, name, torch)
        value = step()
        step()  # warm-up (lazy imports, caches)
        steps[name] = step
        pipe.send((name, float(value.item()), tuple(value.shape)))
    pipe.send("ready")
    while True:
        message = pipe.recv()
        if message is None:
            return
        name, count = message
        step = steps[name]
        start = tick()
        for _ in range(count):
            step()
        pipe.send((tick() - start) / count)


def measure(names, rounds, block, threads, clock):
    libraries = [OURS] + ([TORCH] if HAVE_TORCH else [])
    if threads:  # before the workers start: the BLAS libraries read these when NumPy is imported
        for variable in THREAD_VARIABLES:
            os.environ[variable] = str(threads)
    context = mp.get_context("spawn")
    pipes, processes, losses = {}, [], {}
    for library in libraries:
        here, there = context.Pipe()
        process = context.Process(target=worker, args=(library, names, threads, clock, there), daemon=True)
        process.start()
        pipes[library], losses[library] = here, {}
        processes.append(process)
    for library in libraries:
        while (message := pipes[library].recv()) != "ready":
            losses[library][message[0]] = message[1]
    times = {(library, name): [] for library in libraries for name in names}
    for r in range(rounds):
        for name in names:
            order = libraries if r % 2 == 0 else libraries[::-1]
            for library in order:
                pipes[library].send((name, block))
                times[library, name].append(pipes[library].recv())
    for library in libraries:
        pipes[library].send(None)
    for process in processes:
        process.join()
    return libraries, times, losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 15")
    parser.add_argument("--rounds", type=int, help="rounds (each: one block of steps per library per layer)")
    parser.add_argument("--block", type=int, default=3, help="steps per block (default 3)")
    parser.add_argument("--only", help="comma-separated layer names (see --list)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu (default): thread CPU time, one thread; wall: wall clock, default threads")
    parser.add_argument("--threads", type=int, help="BLAS/OpenMP/torch threads (default: 1 with --clock cpu)")
    parser.add_argument("--list", action="store_true", help="print the layer names and sizes, then stop")
    args = parser.parse_args(argv)
    if args.list:
        for name, (description, _) in CASES.items():
            print(f"{name:28} {description}")
        return 0
    names = list(CASES) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown layer(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    rounds = args.rounds or (5 if args.quick else 15)
    threads = args.threads if args.threads is not None else (1 if args.clock == "cpu" else 0)
    libraries, times, losses = measure(names, rounds, args.block, threads, args.clock)
    if not HAVE_TORCH:
        print("(PyTorch is not installed: ours alone)")
    print(f"clock {args.clock}, threads {threads or 'default'}, {rounds} rounds × {args.block} steps, medians\n")
    print("| layer | size | ours (ms) | PyTorch (ms) | ours ÷ PyTorch |")
    print("|---|---|---:|---:|---:|")
    for name in names:
        ours = statistics.median(times[OURS, name]) * 1e3
        row = f"| {name} | {CASES[name][0]} | {ours:.3f} |"
        if HAVE_TORCH:
            theirs = statistics.median(times[TORCH, name]) * 1e3
            a, b = losses[OURS][name], losses[TORCH][name]
            agree = name in RANDOM or abs(a - b) <= 1e-3 * max(1.0, abs(b))
            row += f" {theirs:.3f} | {ours / theirs:.1f}×{'' if agree else f' (LOSSES DIFFER: {a:.6g} vs {b:.6g})'} |"
        else:
            row += " – | – |"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
