"""Intra-op parallelism: large kernels split their batch across a few threads (PyTorch's `set_num_threads`).

    autograd_core.set_num_threads(1)     # everything in the calling thread, as before
    autograd_core.get_num_threads()      # default: OMP_NUM_THREADS if set, else the CPUs this process may use

Why threads work here: NumPy releases the GIL inside its loops (copies, ufuncs, reductions, matrix products),
so two halves of a batch convolved in two threads run on two cores at once; only the Python between those
loops takes turns. A kernel opts in through `split_batch`, giving the size of the largest array it fills:
parts are made only when each would get at least `MIN_WORK` elements of it, so small calls (and every scalar
graph) stay in the calling thread and pay nothing. Results do not depend on the number of threads, bit for
bit: each part writes its own samples' rows of arrays the caller allocated, and sums over the batch are taken
afterwards in the calling thread.
"""

from __future__ import annotations

import operator
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Elements of the largest array a kernel fills per part (its column matrix, or its input). Handing a part to
# another thread costs ~25 µs, and more while the two threads take turns at the GIL between NumPy calls: measured
# on 2 cores, a convolution gained from two parts at 480,000 column elements (1.3×) and lost below ~250,000.
MIN_WORK = 200_000

_lock = threading.Lock()
_state = {"threads": None, "pool": None, "pool_threads": 0, "pid": None}
_local = threading.local()  # .worker: this thread is one of the pool's (its kernels run serially)


def _default_threads():
    env = os.environ.get("OMP_NUM_THREADS", "").strip()  # PyTorch reads it too
    if env.isdigit() and int(env) >= 1:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def get_num_threads():
    """The number of threads a large kernel (convolution, pooling) may use; 1 means the calling thread only."""
    threads = _state["threads"]
    if threads is None:
        threads = _state["threads"] = _default_threads()
    return threads


def set_num_threads(n):
    """Use up to `n` threads (an int >= 1) in large kernels, from now on, in every thread of this process.

    Unlike torch.set_num_threads, this leaves NumPy's BLAS (matrix products) alone: OpenBLAS reads
    OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) once, at start-up; the threadpoolctl package can change it later."""
    try:
        count = operator.index(n)  # an int, or a NumPy integer
    except TypeError:
        count = None
    if isinstance(n, (bool, np.bool_)) or count is None or count < 1:
        raise ValueError(f"set_num_threads: the number of threads must be an int >= 1, got {n!r}")
    with _lock:
        _state["threads"] = count


def _mark_worker():
    _local.worker = True


def _pool(workers):
    """The shared pool with at least `workers` threads (made anew in a forked child: threads do not survive fork).

    A smaller pool is replaced, not shut down: another thread may be about to submit to it. Its threads end
    once nothing refers to it any more."""
    with _lock:
        pool = _state["pool"]
        if pool is None or _state["pool_threads"] < workers or _state["pid"] != os.getpid():
            pool = ThreadPoolExecutor(workers, thread_name_prefix="autograd_core", initializer=_mark_worker)
            _state.update(pool=pool, pool_threads=workers, pid=os.getpid())
        return pool


class _Part:
    """One part of a split call, run by a pool thread. It lets go of `body` (and so of the arrays its closure holds)
    before the caller learns that the part is done, so the caller's thread drops the last references itself: the
    arrays are freed by the thread that made them, at a fixed point, not by the pool thread whenever it gets to it."""

    __slots__ = ("body", "part")

    def __init__(self, body, part):
        self.body, self.part = body, part

    def __call__(self):
        body, self.body = self.body, None
        body(self.part)


def parts_for(n, work):
    """How many parts `split_batch(n, body, work)` makes: 1 (the calling thread alone) for small work, one thread
    allowed, or a call from inside a pool thread."""
    if work < 2 * MIN_WORK or getattr(_local, "worker", False):
        return 1  # the first test alone decides for small kernels, which are most calls
    return max(1, min(get_num_threads(), n, work // MIN_WORK))


def split_batch(n, body, work):
    """Call body(part) for slices `part` of range(n) that together cover it, in parallel when worth it.

    n:    the batch size; work: the elements of the largest array the call fills (its column matrix, say).
    body: writes the results of samples `part` into rows of arrays allocated beforehand (each part its own
          rows, so the parts never write the same memory) and returns nothing.
    Up to get_num_threads() parts, each with at least MIN_WORK of the work; otherwise (or inside a pool thread,
    so that nested kernels never wait on the pool they run in) body(slice(0, n)) in the calling thread.
    The calling thread runs the first part itself. If a part raises, the others still finish before the
    exception propagates (they write into the caller's arrays).
    """
    parts = parts_for(n, work)
    if parts <= 1:
        body(slice(0, n))
        return
    bounds = [n * k // parts for k in range(parts + 1)]
    pool = _pool(parts - 1)
    futures = [pool.submit(_Part(body, slice(bounds[k], bounds[k + 1]))) for k in range(1, parts)]
    try:
        body(slice(bounds[0], bounds[1]))
    finally:
        errors = [f.exception() for f in futures]  # waits for each
    for error in errors:
        if error is not None:
            raise error
