"""The convolution and pooling kernels one by one, and the digits CNN's training step (the examples' model).

    .venv/bin/python bench/bench_conv_kernels.py                  # wall clock, one BLAS thread, our threads 1 and 2
    .venv/bin/python bench/bench_conv_kernels.py --threads 1      # our kernels on one thread only
    .venv/bin/python bench/bench_conv_kernels.py --adaptive       # kernels choose split or serial, as in use
    .venv/bin/python bench/bench_conv_kernels.py --digits-only    # just the digits step (CPU time, one thread)
    .venv/bin/python bench/bench_conv_kernels.py --w3-only [--glibc-defaults]   # bench_conv.py's train step, ours

Kernels (nn/im2col.py, nn/max_pool_kernels.py, float32, 3×3 kernels with padding 1, 2×2 max pooling), on plain arrays:
  fwd      conv2d forward with a bias            wgrad   the weight gradient
  xgrad    the input gradient (transposed convolution, gather or scatter form as the kernel chooses)
  pool     max pooling of the convolution's output, and its scatter (the backward pass of pooling)
Each is timed alone: the median of --calls calls after a warm-up, in this process, with OPENBLAS_NUM_THREADS=1 (so
that the kernels' own threads are what is measured) and glibc keeping freed memory (so that page faults do not
decide the figure; see BENCHMARKS.md). The digits step is examples/train_digits_cnn.py's model (Conv 1→32, ReLU,
max pool, Conv 32→64, ReLU, Linear) on a batch of 32 8×8 images with Adam: zero_grad, forward, cross-entropy,
backward, step; CPU time of one thread, the median of rounds of 40 steps. The W3 step is bench_conv.py's training
step (batch 64 of 28×28, forward and backward), ours only, in this process, on each --threads count: wall clock,
the median of 15 rounds of 10 steps. --glibc-defaults leaves glibc's trimming of freed memory as it is.

The kernel table times the raw split: on N threads a kernel splits whenever it can (`threads.ADAPTIVE = False`),
which is what says whether a split pays on this machine. In use a kernel times its split calls against serial ones
and takes the faster way (`threads.should_split`); --adaptive times that instead (then the columns of a machine
where splits lose come out level). The W3 step always runs as in use.

To compare two versions of the kernels, run this script at each (for instance alternating copies of nn/im2col.py
in place, a few times each): the host's noise is ±5% from one run to the next.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "--glibc-defaults" not in sys.argv:
    os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(1 << 30))  # read by glibc when the process starts: set here
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(32 << 20))  # for the child this script re-runs itself in

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [  # (batch, in channels, out channels, image size)
    (64, 1, 8, 28), (64, 8, 16, 14),  # W3's two convolutions (bench_conv.py)
    (32, 16, 32, 16), (32, 32, 64, 8), (16, 3, 16, 32), (8, 64, 64, 7), (1, 8, 16, 14), (128, 1, 32, 8),
]


def _median_ms(fn, calls):
    for _ in range(max(5, calls // 10)):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def kernel_rows(threads, calls, adaptive=False):
    import numpy as np

    import autograd_core
    from autograd_core import threads as our_threads
    from autograd_core.nn import im2col
    from autograd_core.nn import max_pool_kernels as pool

    our_threads.ADAPTIVE = adaptive  # False: every kernel splits on N threads, so the columns show what a split gives

    rng = np.random.default_rng(0)
    one, pad = (1, 1), ((1, 1), (1, 1))
    rows = []
    for n, c, o, size in SHAPES:
        x = rng.standard_normal((n, c, size, size), dtype=np.float32)
        w = rng.standard_normal((o, c, 3, 3), dtype=np.float32)
        b = rng.standard_normal(o, dtype=np.float32)
        dy = rng.standard_normal((n, o, size, size), dtype=np.float32)
        y = im2col._conv2d_np(x, w, one, pad, one, 1, b)
        pooled = pool._max_np(y, (2, 2), (2, 2), ((0, 0), (0, 0)))
        g = rng.standard_normal(pooled.shape, dtype=np.float32)
        for name, fn in _kernels(im2col, pool, x, w, b, dy, y, pooled, g).items():
            times = []
            for count in threads:
                autograd_core.set_num_threads(count)
                times.append(_median_ms(fn, calls))
            rows.append((f"{n}×{c}→{o}, {size}×{size}", name, times))
    return rows


def _kernels(im2col, pool, x, w, b, dy, y, pooled, g):
    one, pad, size, window, no_pad = (1, 1), ((1, 1), (1, 1)), x.shape[2:], (2, 2), ((0, 0), (0, 0))
    return {
        "fwd": lambda: im2col._conv2d_np(x, w, one, pad, one, 1, b),
        "wgrad": lambda: im2col._conv2d_weight_np(x, dy, one, pad, one, 1, (3, 3)),
        "xgrad": lambda: im2col._conv_transpose2d_np(dy, w, one, pad, one, 1, size),
        "pool": lambda: pool._max_np(y, window, window, no_pad),
        "pool scatter": lambda: pool._scatter_to_max(g, y, pooled, window, window, no_pad),
    }


def digits_step_ms(rounds=15, steps=40):
    import numpy as np

    sys.path.insert(0, str(ROOT / "examples"))
    import autograd_core
    from autograd_core import optim
    from autograd_core.nn.functional import cross_entropy
    from train_digits_cnn import make_model

    autograd_core.set_num_threads(1)
    rng = np.random.default_rng(0)
    images, labels = rng.random((32, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 32)
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=3e-3)

    def step():
        opt.zero_grad()
        cross_entropy(model(images), labels).backward()
        opt.step()

    return _median_step_ms(step, rounds, steps, warm_up=steps, clock=time.thread_time)


def w3_step_ms(threads, rounds=15, steps=10):
    sys.path.insert(0, str(ROOT / "bench"))
    import autograd_core
    import bench_conv

    x, labels, upstream, weights = bench_conv.make_problem()
    step = bench_conv.ours(x, labels, upstream, weights, True)
    autograd_core.set_num_threads(threads)
    return _median_step_ms(step, rounds, steps, warm_up=3 * steps, clock=time.perf_counter)


def _median_step_ms(step, rounds, steps, warm_up, clock):
    """The median over `rounds` of the time per call of `step`, timed `steps` calls at a time, after `warm_up` calls."""
    for _ in range(warm_up):
        step()
    times = []
    for _ in range(rounds):
        start = clock()
        for _ in range(steps):
            step()
        times.append((clock() - start) / steps)
    return statistics.median(times) * 1e3


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="our kernel threads to time (default 1 2)")
    p.add_argument("--calls", type=int, default=200, help="timed calls per kernel (default 200)")
    p.add_argument("--digits-only", action="store_true", help="only the digits CNN's training step")
    p.add_argument("--w3-only", action="store_true", help="only bench_conv.py's training step (ours)")
    p.add_argument("--glibc-defaults", action="store_true", help="do not make glibc keep freed memory")
    p.add_argument("--adaptive", action="store_true",
                   help="kernels choose split or serial by their timings, as in use (default: always split)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not args.child:  # glibc reads its MALLOC_ variables at start-up: run again in a process that has them
        import subprocess

        return subprocess.call([sys.executable, __file__, "--child"] + (argv if argv is not None else sys.argv[1:]))
    sys.path.insert(0, str(ROOT))
    import numpy as np

    memory = "glibc's defaults" if args.glibc_defaults else "glibc keeps freed memory"
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {memory}, "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.w3_only:
        for count in args.threads:
            print(f"W3 train step (ours, {count} thread{'s' if count > 1 else ''}, wall clock): "
                  f"{w3_step_ms(count):.2f} ms")
        return 0
    if not args.digits_only:
        print()
        header = " | ".join(f"{t} thread{'s' if t > 1 else ''} (ms)" for t in args.threads)
        print(f"| shape (batch × in → out, image) | kernel | {header} |")
        print("|---|---|" + "---:|" * len(args.threads))
        for shape, name, times in kernel_rows(args.threads, args.calls, args.adaptive):
            print(f"| {shape} | {name} | " + " | ".join(f"{t:.3f}" for t in times) + " |")
    print()
    print(f"digits CNN training step (batch 32, Adam, one thread, CPU time): {digits_step_ms():.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
