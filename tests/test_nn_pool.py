"""nn.pool: forward and backward against naive loops (incl. the first-max tie rule and overlapping windows),
finite differences, second derivatives, PyTorch in float64, errors and modules."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.gradcheck import gradcheck, gradgradcheck
from autograd_core.nn.pool import (
    AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool2d, MaxPool1d, MaxPool2d, adaptive_avg_pool2d,
    avg_pool1d, avg_pool2d, global_avg_pool2d, max_pool1d, max_pool2d,
)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def windows(shape, kernel, stride, padding):
    """Yield (i, j, rows, cols): each output position and its window's rows/cols in unpadded coordinates."""
    (kh, kw), (ph, pw) = pair(kernel), pair(padding)
    sh, sw = pair(kernel if stride is None else stride)
    H, W = shape[2:]
    for i in range((H + 2 * ph - kh) // sh + 1):
        for j in range((W + 2 * pw - kw) // sw + 1):
            yield i, j, range(i * sh - ph, i * sh - ph + kh), range(j * sw - pw, j * sw - pw + kw)


def naive_max_pool2d(x, g, kernel, stride, padding):
    """Output and input gradient: g goes to the first maximum (row-major) of each window, summed."""
    out_cells = list(windows(x.shape, kernel, stride, padding))
    Ho, Wo = out_cells[-1][0] + 1, out_cells[-1][1] + 1
    out, dx = np.zeros(x.shape[:2] + (Ho, Wo)), np.zeros(x.shape)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, j, rows, cols in out_cells:
                best, where = -np.inf, None
                for r in rows:
                    for q in cols:
                        if 0 <= r < x.shape[2] and 0 <= q < x.shape[3] and x[n, c, r, q] > best:
                            best, where = x[n, c, r, q], (r, q)
                out[n, c, i, j] = best
                dx[n, c][where] += g[n, c, i, j]
    return out, dx


def naive_avg_pool2d(x, kernel, stride, padding, count_include_pad=True):
    out_cells = list(windows(x.shape, kernel, stride, padding))
    out = np.zeros(x.shape[:2] + (out_cells[-1][0] + 1, out_cells[-1][1] + 1))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, j, rows, cols in out_cells:
                real = [x[n, c, r, q] for r in rows for q in cols if 0 <= r < x.shape[2] and 0 <= q < x.shape[3]]
                out[n, c, i, j] = sum(real) / (len(rows) * len(cols) if count_include_pad else len(real))
    return out


POOL_CASES = {
    "k2": (2, None, 0),
    "k3-s2-p1-overlap": (3, 2, 1),
    "k3-s1-p1-overlap": (3, 1, 1),
    "pairs": ((2, 3), (1, 2), (1, 1)),
    "floor-leftover": (3, 3, 0),
    "gaps": (2, 3, 0),
}


@pytest.mark.parametrize("name", POOL_CASES)
def test_max_pool2d_matches_naive_loops(name):
    kernel, stride, padding = POOL_CASES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    xv = Value(x)
    y = max_pool2d(xv, kernel, stride, padding)
    g = rng.standard_normal(y.shape)
    expected, expected_dx = naive_max_pool2d(x, g, kernel, stride, padding)
    y.backward(g)
    np.testing.assert_array_equal(y.data, expected)
    np.testing.assert_allclose(xv.grad, expected_dx, rtol=1e-12, atol=1e-12)


def test_max_pool2d_ties_go_to_the_first_maximum_and_overlaps_accumulate():
    x = Value(np.zeros((1, 1, 4, 4)))
    max_pool2d(x, 3, stride=1, padding=1).sum().backward()
    # Each 3×3 window's first real element wins (padding never does): counts of windows per position.
    expected = np.array([[4, 2, 2, 0], [2, 1, 1, 0], [2, 1, 1, 0], [0, 0, 0, 0]], dtype=float)
    np.testing.assert_array_equal(x.grad[0, 0], expected)
    _, naive_dx = naive_max_pool2d(np.zeros((1, 1, 4, 4)), np.ones((1, 1, 4, 4)), 3, 1, 1)
    np.testing.assert_array_equal(x.grad, naive_dx)


def test_max_pool2d_propagates_nan():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    y = max_pool2d(x, 2)
    assert np.isnan(y[0, 0, 0, 0]) and not np.isnan(y[0, 0, 1, 1])


@pytest.mark.parametrize("name", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_naive_loops(name, count_include_pad):
    kernel, stride, padding = POOL_CASES[name]
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 8))
    np.testing.assert_allclose(avg_pool2d(x, kernel, stride, padding, count_include_pad=count_include_pad),
                               naive_avg_pool2d(x, kernel, stride, padding, count_include_pad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["k2", "k3-s2-p1-overlap", "pairs"])
def test_pool_gradients_match_finite_differences(name):
    kernel, stride, padding = POOL_CASES[name]
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 6))  # distinct values: no ties
    assert gradcheck(lambda x: max_pool2d(x, kernel, stride, padding), [x])
    assert gradcheck(lambda x: avg_pool2d(x, kernel, stride, padding), [x])
    assert gradcheck(lambda x: avg_pool2d(x, kernel, stride, padding, count_include_pad=False), [x])


def test_pool_second_derivatives():
    x = np.random.default_rng(3).standard_normal((1, 2, 5, 5))
    assert gradgradcheck(lambda x: max_pool2d(x * x * x, 3, 2, 1), [x])
    assert gradgradcheck(lambda x: avg_pool2d(x * x * x, 3, 2, 1), [x])
    assert gradgradcheck(lambda x: adaptive_avg_pool2d(x * x * x, (2, 3)), [x])
    assert gradgradcheck(lambda x: max_pool1d(x.reshape(1, 2, 25) ** 3, 4, 3, 2), [x])


def test_1d_pooling_is_2d_pooling_of_height_1():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 11))
    np.testing.assert_array_equal(max_pool1d(x, 3, 2, 1), max_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1))[:, :, 0])
    np.testing.assert_allclose(avg_pool1d(x, 4, 3, 2), avg_pool2d(x[:, :, None], (1, 4), (1, 3), (0, 2))[:, :, 0])
    assert gradcheck(lambda x: max_pool1d(x, 3, 2, 1), [x])


def test_global_and_adaptive_average_pooling():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 7, 5))
    np.testing.assert_allclose(global_avg_pool2d(x), x.mean(axis=(2, 3)))
    assert global_avg_pool2d(x, keepdims=True).shape == (2, 3, 1, 1)
    y = adaptive_avg_pool2d(x, (3, 2))
    # PyTorch's bins: [⌊i·n/m⌋, ⌈(i+1)·n/m⌉)
    rows = [(0, 3), (2, 5), (4, 7)]
    cols = [(0, 3), (2, 5)]
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            np.testing.assert_allclose(y[:, :, i, j], x[:, :, r0:r1, c0:c1].mean(axis=(2, 3)))
    assert adaptive_avg_pool2d(x, (None, 1)).shape == (2, 3, 7, 1)
    assert gradcheck(lambda x: adaptive_avg_pool2d(x, 2), [x[:1, :1]])
    assert gradcheck(lambda x: global_avg_pool2d(x), [x[:1]])


def test_float32_stays_float32():
    x = Value(np.random.default_rng(6).standard_normal((2, 3, 8, 8)).astype(np.float32))
    out = max_pool2d(x, 2).sum() + avg_pool2d(x, 3, 2, 1).sum() + adaptive_avg_pool2d(x, 3).sum()
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# ----------------------------------------------------------------------------------------------------
# Against PyTorch in float64.


@pytest.mark.parametrize("name", POOL_CASES)
def test_pooling_matches_torch(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    kernel, stride, padding = POOL_CASES[name]
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 8))
    x[0, 0, :3, :3] = 0.5  # a block of ties
    for ours, theirs, extra in [(max_pool2d, F.max_pool2d, {}), (avg_pool2d, F.avg_pool2d, {}),
                                (avg_pool2d, F.avg_pool2d, {"count_include_pad": False})]:
        xv, xt = Value(x), torch.tensor(x, requires_grad=True)
        y, yt = ours(xv, kernel, stride, padding, **extra), theirs(xt, kernel, stride, padding, **extra)
        g = rng.standard_normal(y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=0, atol=1e-10)


def test_1d_and_adaptive_pooling_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 13))
    np.testing.assert_allclose(max_pool1d(x, 4, 3, 2), F.max_pool1d(torch.tensor(x), 4, 3, 2).numpy(), atol=1e-10)
    np.testing.assert_allclose(avg_pool1d(x, 3, 2, 1), F.avg_pool1d(torch.tensor(x), 3, 2, 1).numpy(), atol=1e-10)
    x = rng.standard_normal((2, 3, 10, 7))
    for size in [(4, 3), 5, (10, 1)]:
        np.testing.assert_allclose(adaptive_avg_pool2d(x, size),
                                   F.adaptive_avg_pool2d(torch.tensor(x), size).numpy(), rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------------------------------
# Errors and modules.


@pytest.mark.parametrize("call, words", [
    (lambda: max_pool2d(np.zeros((1, 1, 4, 4)), 2, padding=2), ["padding (2, 2)", "half", "kernel_size (2, 2)"]),
    (lambda: avg_pool2d(np.zeros((1, 1, 2, 2)), 3), ["(1, 1, 2, 2)", "kernel_size (3, 3)"]),
    (lambda: max_pool2d(np.zeros((4, 4)), 2), ["4-D", "(4, 4)"]),  # (C, H, W) is an unbatched sample
    (lambda: max_pool1d(np.zeros((1, 1, 4, 4)), 2), ["3-D", "(N, C, L)"]),
    (lambda: max_pool2d(np.zeros((1, 1, 4, 4)), 0), ["kernel_size", ">= 1"]),
    (lambda: global_avg_pool2d(np.zeros((2, 3))), ["4-D", "(2, 3)"]),
    (lambda: MaxPool2d((2, 2, 2)), ["kernel_size", "tuple of 2"]),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_modules():
    x = np.random.default_rng(9).standard_normal((2, 3, 8, 8)).astype(np.float32)
    assert MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert AvgPool2d(3, stride=2, padding=1)(Value(x)).shape == (2, 3, 4, 4)
    assert MaxPool1d(2)(x[:, :, 0]).shape == (2, 3, 4)
    assert AvgPool1d(3, 1, 1, count_include_pad=False)(x[:, :, 0]).shape == (2, 3, 8)
    assert GlobalAvgPool2d()(x).shape == (2, 3) and GlobalAvgPool2d(keepdims=True)(x).shape == (2, 3, 1, 1)
    assert AdaptiveAvgPool2d((2, 4))(x).shape == (2, 3, 2, 4)
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert list(MaxPool2d(2).parameters()) == []
