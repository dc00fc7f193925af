"""Recycled result arrays for large kernels: one training step's outputs reuse the memory of the step before.

    out = recycle.empty((64, 8, 28, 28), np.float32)   # uninitialised, and referenced by no one else

Why: glibc hands the top of its heap back to the kernel when more than its trim threshold of it is free. A training
step frees its whole graph at once at its end (every node's output and gradient: the engine keeps them all, for
micrograd's pictures), so the next step's arrays land on pages the kernel must map again, one page fault per
4 KiB at the first write. The small CNN of bench_conv.py paid 1,831 faults per step, ~4.5 of its 10 ms (BENCHMARKS.md,
2026-12-01; at stop 75 that step took no faults with recycling switched off either, bench/bench_recycle.py: something
else now keeps its memory mapped, which a change elsewhere could undo). Setting
MALLOC_TRIM_THRESHOLD_ in the environment cures it, but a library should not change the process's allocator.
So the large kernels (convolution, pooling, ReLU) take their results from here: an array handed out before that
nothing references any more (its reference count says so) is handed out again, and the step's memory stays mapped.

A result is as good as a fresh one: no other object refers to it, not even a view. What is kept is bounded by
MAX_BYTES (least recently used shapes are forgotten first); arrays under MIN_BYTES come from malloc's own free
lists, which glibc does not trim.
"""

from __future__ import annotations

import math
import sys
import threading
from collections import OrderedDict

import numpy as np

MIN_BYTES = 256 << 10
MAX_BYTES = 64 << 20

_lock = threading.Lock()
_kept = OrderedDict()  # (shape, dtype) -> [arrays handed out], least recently asked for first
_bytes = [0]


def empty(shape, dtype):
    """An uninitialised C-contiguous array of `shape` (a tuple of ints) and `dtype` that nothing else references:
    one handed out earlier and since let go of everywhere, or a new one."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_BYTES or nbytes > MAX_BYTES or not _COUNTS_ARE_EXACT:
        return np.empty(shape, dtype)
    key = (shape, dtype)
    with _lock:
        arrays = _kept.get(key)
        if arrays is None:
            arrays = _kept[key] = []
        else:
            _kept.move_to_end(key)
            for array in arrays:
                # Held by this list, the loop variable and getrefcount's argument alone: no one else's.
                if sys.getrefcount(array) == _UNUSED and _intact(array, shape, dtype):
                    return array
        array = np.empty(shape, dtype)
        arrays.append(array)
        _bytes[0] += nbytes
        while _bytes[0] > MAX_BYTES:
            if len(_kept) == 1:  # this shape alone: keep the new array only
                _bytes[0] = nbytes
                del arrays[:-1]
                break
            _, dropped = _kept.popitem(last=False)
            _bytes[0] -= sum(a.nbytes for a in dropped)
        return array


def _intact(array, shape, dtype):
    # Its user may have changed it in place (a.shape = ..., a.flags.writeable = False) before letting go of it.
    return array.shape == shape and array.dtype == dtype and array.flags.writeable and array.flags.c_contiguous


def _unused_count():
    probe = [np.empty(0)]
    for array in probe:
        return sys.getrefcount(array)


_UNUSED = _unused_count()
# A free-threaded CPython (3.13t, no GIL) splits reference counts between threads: no recycling there.
_COUNTS_ARE_EXACT = getattr(sys, "_is_gil_enabled", lambda: True)() and _UNUSED >= 2


def clear():
    """Forget every kept array (those still in use live on with their users)."""
    with _lock:
        _kept.clear()
        _bytes[0] = 0
