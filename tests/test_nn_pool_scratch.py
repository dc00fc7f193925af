"""nn.pool's kernels on nn.im2col scratch buffers: results never share memory with a buffer, survive
later calls, and stale buffer contents (NaN-poisoned here) never reach them."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core.nn import im2col
from autograd_core.nn import max_pool_kernels as pool
from test_nn_conv_scratch import without_cache as without_conv_cache

# kernel, stride, padding ((ph, ph), (pw, pw)): disjoint or overlapping windows, padded or not.
GEOMETRIES = {
    "2x2_disjoint": ((2, 2), (2, 2), ((0, 0), (0, 0))),
    "3x3_overlap_pad1": ((3, 3), (2, 2), ((1, 1), (1, 1))),
    "3x2_stride1_pad": ((3, 2), (1, 1), ((1, 1), (1, 1))),
    "3x3_disjoint_pad1": ((3, 3), (3, 3), ((1, 1), (1, 1))),
}


def kernels(x, g, h, kernel, stride, padding):
    """Max pool, its scatter (dx) and its gather (the scatter's adjoint), straight from the kernels."""
    out = pool._max_np(x, kernel, stride, padding)
    dx = pool._scatter_to_max(g, x, out, kernel, stride, padding)
    picked = pool._gather_at_max(h, x, out, kernel, stride, padding)
    return out, dx, picked


def problem(name, seed, dtype=np.float64):
    kernel, stride, padding = GEOMETRIES[name]
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, (3, 2, 9, 8)).astype(dtype)  # few values: many ties
    out = pool._max_np(x, kernel, stride, padding)
    g = rng.standard_normal(out.shape).astype(dtype)
    h = rng.standard_normal(x.shape).astype(dtype)
    return (x, g, h), (kernel, stride, padding)


def without_cache(monkeypatch):
    """Every kernel temporary fresh and poisoned, in the pooling kernels and the im2col ones they use."""
    return without_conv_cache(monkeypatch, modules=(im2col, pool))


def poison_scratch():
    for buffer in getattr(im2col._local, "buffers", {}).values():
        if buffer.dtype.kind == "f":
            buffer.fill(np.nan)
        elif buffer.dtype.kind == "b":
            buffer.fill(True)


@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_results_are_fresh_and_survive_later_calls(name):
    arrays, geometry = problem(name, 0)
    first = kernels(*arrays, *geometry)
    kept = [r.copy() for r in first]
    for result in first:
        assert not any(np.shares_memory(result, b) for b in im2col._local.buffers.values())
    other, _ = problem(name, 1)
    kernels(*other, *geometry)
    for before, after in zip(kept, first):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_fresh_buffers_even_when_reused_ones_hold_stale_data(dtype, monkeypatch):
    problems = {name: problem(name, 2, dtype) for name in GEOMETRIES}
    with without_cache(monkeypatch):
        expected = {name: kernels(*arrays, *geometry) for name, (arrays, geometry) in problems.items()}
    im2col._clear_scratch()
    for name in list(GEOMETRIES) * 2:
        poison_scratch()
        arrays, geometry = problems[name]
        for want, got in zip(expected[name], kernels(*arrays, *geometry)):
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)


def test_nan_input_with_warm_buffers():
    """A NaN wins its window (as in PyTorch) also when the mask buffers come from an earlier call."""
    arrays, geometry = problem("3x3_overlap_pad1", 3)
    kernels(*arrays, *geometry)
    x = arrays[0].copy()
    x[0, 0, 4, 4] = np.nan
    out, dx, _ = kernels(x, *arrays[1:], *geometry)
    assert np.isnan(out[0, 0, 2, 2])
    g = arrays[1]
    # window (i, j) covers rows 2i−1..2i+1 and columns 2j−1..2j+1: only window (2, 2) holds (4, 4)
    assert dx[0, 0, 4, 4] == g[0, 0, 2, 2]
