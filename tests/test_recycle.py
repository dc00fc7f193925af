"""autograd_core.recycle: large kernel results reuse the memory of earlier results nothing references any more, and
never of one that something still references (an array, a view of it, a graph's node)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, recycle
from autograd_core.nn import functional as F

SHAPE = (8, 16, 32, 32)  # 512 KiB of float32: large enough to be recycled


@pytest.fixture(autouse=True)
def fresh_cache():
    recycle.clear()
    yield
    recycle.clear()


def address(a):
    return a.__array_interface__["data"][0]


def test_a_released_array_is_handed_out_again():
    a = recycle.empty(SHAPE, np.float32)
    assert a.shape == SHAPE and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.writeable
    where = address(a)
    del a
    b = recycle.empty(SHAPE, np.float32)
    assert address(b) == where


@pytest.mark.parametrize("holder", ["array", "view", "slice", "memoryview"])
def test_an_array_still_referenced_is_never_handed_out(holder):
    a = recycle.empty(SHAPE, np.float32)
    a[...] = 7
    if holder == "array":
        kept = a
    elif holder == "view":
        kept = a.reshape(-1)
    elif holder == "slice":
        kept = a[1:, ::2]
    else:
        kept = memoryview(a)
    del a
    b = recycle.empty(SHAPE, np.float32)
    b[...] = 0
    assert np.asarray(kept).min() == 7  # untouched by the writes to b
    assert not np.shares_memory(np.asarray(kept), b)


def test_other_shapes_and_dtypes_get_other_arrays():
    a = recycle.empty(SHAPE, np.float32)
    where = address(a)
    del a
    assert address(recycle.empty(SHAPE, np.float64)) != where
    assert address(recycle.empty((16, 8, 32, 32), np.float32)) != where


# NumPy 2.5 deprecates setting .shape (Python 3.12+ get 2.5 here, 3.10 gets 2.2): users of older NumPy still may.
@pytest.mark.filterwarnings("ignore:Setting the shape on a NumPy array:DeprecationWarning")
def test_an_array_changed_in_place_by_its_user_is_not_handed_out_again():
    a = recycle.empty(SHAPE, np.float32)
    where = address(a)
    a.shape = (16, 8, 32, 32)
    del a
    b = recycle.empty(SHAPE, np.float32)
    assert b.shape == SHAPE and address(b) != where
    b.flags.writeable = False
    del b
    assert recycle.empty(SHAPE, np.float32).flags.writeable


def test_small_arrays_come_from_numpy_and_are_not_kept():
    a = recycle.empty((4, 4), np.float32)
    assert a.shape == (4, 4) and a.base is None
    assert not recycle._kept


def test_what_is_kept_is_bounded(monkeypatch):
    monkeypatch.setattr(recycle, "MAX_BYTES", 3 * (1 << 19))  # three 512 KiB arrays
    held = [recycle.empty(SHAPE, np.float32) for _ in range(5)]  # all in use: the list would grow past the bound
    assert recycle._bytes[0] <= recycle.MAX_BYTES
    others = [recycle.empty((16, 8, 32, 32), np.float32) for _ in range(2)]
    assert recycle._bytes[0] <= recycle.MAX_BYTES
    assert sum(len(arrays) for arrays in recycle._kept.values()) <= 3
    del held, others


def test_threads_never_get_the_same_array_at_once():
    seen, errors = [], []

    def work():
        try:
            for _ in range(200):
                a = recycle.empty(SHAPE, np.float32)
                a.fill(threading.get_ident() % 1000)
                seen.append(address(a))
                if a.min() != a.max():
                    errors.append("written by two threads")
        except Exception as err:  # pragma: no cover - reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(seen)) < len(seen)  # and they did reuse memory


def test_a_training_steps_large_results_reuse_the_previous_steps_memory():
    """The point of it all: a conv → ReLU → max-pool step, run twice, writes its second step's outputs and
    gradients into the first step's memory (once the first graph is gone), so no page is mapped afresh."""
    rng = np.random.default_rng(0)
    x = Value(rng.standard_normal((32, 3, 32, 32)).astype(np.float32), requires_grad=False)
    w = Value(rng.standard_normal((16, 3, 3, 3)).astype(np.float32))

    def step():
        h = F.max_pool2d(ag.relu(F.conv2d(x, w, padding=1)), 2)
        h.sum().backward()
        return {address(v.data) for v in (h, h.parents[0], h.parents[0].parents[0])}

    first = step()
    w.grad = None
    second = step()
    assert first == second
