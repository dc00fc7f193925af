"""nn.im2col's scratch buffers: no result is (or views) a scratch buffer, stale contents never reach a
result, the cache stays within its bound, and threads do not share buffers."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.nn import im2col
from autograd_core.nn.conv import conv2d, conv_transpose2d

# (x shape, w shape, stride, padding, dilation, groups): the kernels' branches (wide rows or plain
# columns, gather or scatter transposed form, cropped or not), some geometries sharing buffer roles.
GEOMETRIES = {
    "3x3_pad1": ((4, 3, 10, 9), (5, 3, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    "3x3_pad1_wide_out": ((4, 6, 10, 9), (3, 6, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    "3x3_pad1_many_out": ((4, 2, 10, 9), (7, 2, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),  # dx: the scatter form
    "stride2_dilated": ((2, 4, 11, 12), (6, 2, 3, 2), (2, 2), ((2, 1), (0, 1)), (1, 2), 2),
    "crop": ((2, 3, 9, 9), (4, 3, 2, 2), (1, 2), ((1, -1), (0, 1)), (1, 1), 1),
    "1x1": ((3, 4, 7, 5), (8, 4, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    "no_pad_stride2": ((2, 2, 8, 8), (3, 2, 2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), 1),
}


def kernels(x, w, b, g, stride, padding, dilation, groups):
    """Forward, input gradient (with a bias) and weight gradient, straight from the NumPy kernels."""
    y = im2col._conv2d_np(x, w, stride, padding, dilation, groups, b)
    dx = im2col._conv_transpose2d_np(g, w, stride, padding, dilation, groups, x.shape[2:],
                                     np.ones(x.shape[1], x.dtype))
    dw = im2col._conv2d_weight_np(x, g, stride, padding, dilation, groups, w.shape[2:])
    return y, dx, dw


def problem(name, rng, dtype=np.float64):
    x_shape, w_shape, stride, padding, dilation, groups = GEOMETRIES[name]
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    y = im2col._conv2d_np(x, w, stride, padding, dilation, groups)
    g = rng.standard_normal(y.shape).astype(dtype)
    return (x, w, b, g), (stride, padding, dilation, groups)


def fresh_poisoned(role, shape, dtype):
    """Stand-in for `_scratch`: a new array each call (so no two can alias), full of NaN / True."""
    array = np.empty(shape, dtype)
    array.fill(np.nan if array.dtype.kind == "f" else True)
    return array


@contextlib.contextmanager
def without_cache(monkeypatch, modules=(im2col,)):
    """The reference: every kernel temporary fresh and poisoned, no buffer shared between call sites."""
    with monkeypatch.context() as patch:
        for module in modules:
            patch.setattr(module, "_scratch", fresh_poisoned)
        yield


def poison_scratch():
    """Fill every cached buffer of this thread with NaN: a kernel that reads before writing shows it."""
    for buffer in getattr(im2col._local, "buffers", {}).values():
        if buffer.dtype.kind == "f":
            buffer.fill(np.nan)


def scratch_buffers():
    return list(getattr(im2col._local, "buffers", {}).values())


@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_results_do_not_share_memory_with_scratch_and_survive_later_calls(name):
    rng = np.random.default_rng(0)
    arrays, geometry = problem(name, rng)
    first = kernels(*arrays, *geometry)
    kept = [r.copy() for r in first]
    for result in first:
        assert result.flags.owndata or result.base is not None
        assert not any(np.shares_memory(result, buffer) for buffer in scratch_buffers())
    # The same shapes again, with other numbers: the first results must not change.
    other, _ = problem(name, np.random.default_rng(1))
    kernels(*other, *geometry)
    for before, after in zip(kept, first):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_fresh_buffers_even_when_reused_ones_hold_stale_data(dtype, monkeypatch):
    rng = np.random.default_rng(2)
    problems = {name: problem(name, rng, dtype) for name in GEOMETRIES}
    with without_cache(monkeypatch):
        expected = {name: kernels(*arrays, *geometry) for name, (arrays, geometry) in problems.items()}
    im2col._clear_scratch()
    for name in list(GEOMETRIES) * 2:  # buffers warm, reused across geometries, each time full of NaN
        poison_scratch()
        arrays, geometry = problems[name]
        for want, got in zip(expected[name], kernels(*arrays, *geometry)):
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)


def test_cache_stays_within_its_bound(monkeypatch):
    monkeypatch.setattr(im2col, "SCRATCH_BYTES", 4096)
    im2col._clear_scratch()
    a = im2col._scratch("a", (200,), np.float64)          # 1600 bytes: kept
    assert a.shape == (200,) and len(scratch_buffers()) == 1
    im2col._scratch("b", (300,), np.float64)              # 2400 bytes: both fit
    im2col._scratch("c", (100,), np.float64)              # 800 more would exceed: "a" (least recent) goes
    assert sum(b.nbytes for b in scratch_buffers()) <= 4096
    assert [key[0] for key in im2col._local.buffers] == ["b", "c"]
    big = im2col._scratch("d", (1000,), np.float64)       # larger than the bound: fresh, not kept
    assert big.shape == (1000,) and all(key[0] != "d" for key in im2col._local.buffers)
    smaller = im2col._scratch("b", (2, 10), np.float64)   # a smaller request reuses the role's buffer
    assert np.shares_memory(smaller, im2col._local.buffers[("b", np.dtype(np.float64))])
    im2col._clear_scratch()


def test_threads_get_their_own_buffers():
    rng = np.random.default_rng(3)
    name = "3x3_pad1"
    work = [problem(name, rng) for _ in range(8)]
    expected = [kernels(*arrays, *geometry) for arrays, geometry in work]
    results, errors = [None] * len(work), []
    barrier = threading.Barrier(4)

    def run(worker):
        try:
            barrier.wait()
            for _ in range(20):  # many rounds, so that the threads interleave
                for i in range(worker, len(work), 4):
                    arrays, geometry = work[i]
                    results[i] = kernels(*arrays, *geometry)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for want, got in zip(expected, results):
        for a, b in zip(want, got):
            np.testing.assert_array_equal(a, b)


def test_graph_results_and_gradients_survive_a_second_step():
    """Through the primitives: values and gradients of step 1 are unchanged by step 2 on other data."""
    def step(seed):
        r = np.random.default_rng(seed)
        x = Value(r.standard_normal((3, 2, 8, 8)))
        w = Value(r.standard_normal((4, 2, 3, 3)))
        y = conv2d(x, w, padding=1)
        z = conv_transpose2d(y, Value(r.standard_normal((4, 2, 3, 3))), stride=2, padding=1)
        (z * z).sum().backward()
        return y, z, x.grad, w.grad

    first = step(5)
    kept = [a.data.copy() if isinstance(a, Value) else a.copy() for a in first]
    step(6)
    for before, after in zip(kept, first):
        np.testing.assert_array_equal(before, after.data if isinstance(after, Value) else after)
