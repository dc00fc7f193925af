"""Max pooling's backward where 2×2 windows tile the input (MaxPool2d(2) on even sizes): the two-stage routing of
nn/pool.py (`_scatter_2x2_tiles`) against a loop that applies PyTorch's rule window by window, on inputs full of
ties, signed zeros and infinities; the cases that leave it for the general kernel (NaN inputs, infinite gradients,
non-contiguous arrays); and PyTorch itself in float64."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.nn import max_pool_kernels as pool
from autograd_core.nn.pool import max_pool2d

TILE, NO_PADDING = (2, 2), ((0, 0), (0, 0))


def scatter_by_loops(x, g):
    """PyTorch's CPU rule, window by window in row-major order: an element replaces the best so far when it is
    larger or NaN; the window's first element stands when none does (all −∞)."""
    dx = np.zeros(x.shape, g.dtype)
    for n, c, i, j in np.ndindex(g.shape):
        best, where = -np.inf, (2 * i, 2 * j)
        for r in (2 * i, 2 * i + 1):
            for q in (2 * j, 2 * j + 1):
                if x[n, c, r, q] > best or np.isnan(x[n, c, r, q]):
                    best, where = x[n, c, r, q], (r, q)
        dx[(n, c) + where] += g[n, c, i, j]
    return dx


def tied_input(rng, shape, dtype):
    """Small integers (ties in most windows), with signed zeros and infinities mixed in."""
    x = rng.integers(-2, 3, shape).astype(dtype)
    special = rng.random(shape)
    x[special < 0.1] = -0.0
    x[(special >= 0.1) & (special < 0.15)] = -np.inf
    x[(special >= 0.15) & (special < 0.18)] = np.inf
    return x


def scatter(g, x):
    return pool._scatter_to_max(g, x, pool._max_np(x, TILE, TILE, NO_PADDING), TILE, TILE, NO_PADDING)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1, 2, 2), (2, 3, 4, 6), (3, 2, 8, 2), (1, 5, 2, 10), (4, 1, 6, 6)])
def test_tiled_scatter_gives_each_window_s_first_maximum_its_gradient(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    for _ in range(5):
        x = tied_input(rng, shape, dtype)
        g = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2)).astype(dtype)
        assert pool._routes_in_two_stages(np.empty_like(x), g, x, pool._max_np(x, TILE, TILE, NO_PADDING))
        dx = scatter(g, x)
        assert dx.dtype == dtype
        np.testing.assert_array_equal(dx, scatter_by_loops(x, g))


def test_every_order_of_a_window_s_ties_and_near_ties():
    """All 3⁴ windows over three values: each position is the first maximum in some of them."""
    values = np.array([-1.0, 0.0, 1.0])
    windows = np.array(np.meshgrid(*[np.arange(3)] * 4, indexing="ij")).reshape(4, -1).T  # (81, 4) value indices
    x = values[windows].reshape(1, -1, 2, 2)
    g = np.arange(1.0, x.shape[1] + 1).reshape(1, -1, 1, 1)
    np.testing.assert_array_equal(scatter(g, x), scatter_by_loops(x, g))


def test_a_window_of_negative_infinities_gives_its_first_element_the_gradient():
    x = np.full((1, 1, 2, 4), -np.inf)
    x[0, 0, 1, 3] = 5.0
    np.testing.assert_array_equal(scatter(np.array([[[[2.0, 3.0]]]]), x), [[[[2, 0, 0, 0], [0, 0, 0, 3]]]])


def test_nan_inputs_take_the_general_kernel_and_a_nan_is_the_maximum():
    rng = np.random.default_rng(1)
    x = tied_input(rng, (2, 2, 4, 4), np.float32)
    x[0, 0, 1, 1] = x[1, 1, 2, 3] = np.nan  # one NaN per window
    g = rng.standard_normal((2, 2, 2, 2)).astype(np.float32)
    assert not pool._routes_in_two_stages(np.empty_like(x), g, x, pool._max_np(x, TILE, TILE, NO_PADDING))
    dx = scatter(g, x)
    np.testing.assert_array_equal(dx, scatter_by_loops(x, g))
    assert dx[0, 0, 1, 1] == g[0, 0, 0, 0] and dx[1, 1, 2, 3] == g[1, 1, 1, 1]


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_an_infinite_or_nan_gradient_reaches_its_maximum_alone(bad):
    """g·0 would be NaN off the maxima: such a g takes the general kernel, which writes 0 there (as PyTorch)."""
    rng = np.random.default_rng(2)
    x = tied_input(rng, (2, 2, 4, 6), np.float64)
    g = rng.standard_normal((2, 2, 2, 3))
    g[1, 0, 1, 2] = bad
    assert not pool._routes_in_two_stages(np.empty_like(x), g, x, pool._max_np(x, TILE, TILE, NO_PADDING))
    dx = scatter(g, x)
    np.testing.assert_array_equal(dx, scatter_by_loops(x, g))
    assert np.isnan(dx).sum() == (1 if np.isnan(bad) else 0)


def test_non_contiguous_arrays_take_the_general_kernel():
    rng = np.random.default_rng(3)
    x = tied_input(rng, (2, 3, 6, 4), np.float32).transpose(0, 1, 3, 2)  # (2, 3, 4, 6), not C-contiguous
    g = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)
    assert not pool._routes_in_two_stages(np.empty(x.shape, x.dtype), g, x, pool._max_np(x, TILE, TILE, NO_PADDING))
    np.testing.assert_array_equal(scatter(g, x), scatter_by_loops(x, g))


def test_max_pool2d_backward_through_values_on_tied_float32():
    rng = np.random.default_rng(4)
    x = tied_input(rng, (3, 4, 8, 10), np.float32)
    xv = Value(x)
    y = max_pool2d(xv, 2)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(g)
    assert xv.grad.dtype == np.float32
    np.testing.assert_array_equal(xv.grad, scatter_by_loops(x, g))


def test_tiled_backward_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = tied_input(rng, (3, 4, 6, 8), np.float64)
    g = rng.standard_normal((3, 4, 3, 4))
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    max_pool2d(xv, 2).backward(g)
    torch.nn.functional.max_pool2d(xt, 2).backward(torch.tensor(g))
    np.testing.assert_array_equal(xv.grad, xt.grad.numpy())


def max_by_positions(x):
    """Each window's maximum as np.maximum over its four positions in row-major order (the general kernel's order;
    among equal elements, +0 and −0, np.maximum returns its second argument)."""
    best = x[:, :, 0::2, 0::2]
    for r, q in ((0, 1), (1, 0), (1, 1)):
        best = np.maximum(best, x[:, :, r::2, q::2])
    return best


@pytest.mark.parametrize("dtype, bits", [(np.float32, np.uint32), (np.float64, np.uint64)])
def test_tiled_forward_gives_the_bits_of_the_window_positions_loop(dtype, bits):
    rng = np.random.default_rng(6)
    for shape in [(1, 1, 2, 2), (2, 3, 4, 6), (3, 2, 8, 2), (2, 4, 10, 12)]:
        x = tied_input(rng, shape, dtype)
        x[rng.random(shape) < 0.3] = 0.0  # +0 and −0 side by side
        x[rng.random(shape) < 0.05] = np.nan
        out = pool._max_np(x, TILE, TILE, NO_PADDING)
        assert out.dtype == dtype and out.shape == shape[:2] + (shape[2] // 2, shape[3] // 2)
        np.testing.assert_array_equal(out.view(bits), max_by_positions(x).view(bits))


# A window holding several NaNs: PyTorch's kernel takes an element that is larger than the best so far or NaN, so
# its last NaN wins (the gradient goes there, return_indices names it).

NAN_GEOMETRIES = {  # kernel, stride, padding, dilation, ceil_mode
    "2x2 tiles": (2, None, 0, 1, False),
    "3x3 overlapping, padded": (3, 1, 1, 1, False),
    "2x3 dilated": ((2, 3), (1, 2), (1, 0), (2, 1), False),
    "3x3 ceil_mode": (3, 2, 0, 1, True),
}


@pytest.mark.parametrize("name", NAN_GEOMETRIES)
def test_the_last_nan_of_a_window_takes_the_gradient_and_the_index_as_in_torch(name):
    torch = pytest.importorskip("torch")
    kernel, stride, padding, dilation, ceil_mode = NAN_GEOMETRIES[name]
    rng = np.random.default_rng(8)
    x = rng.integers(-2, 3, (2, 3, 7, 8)).astype(np.float64)
    x[rng.random(x.shape) < 0.3] = np.nan
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    y, indices = max_pool2d(xv, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    yt, indices_t = torch.nn.functional.max_pool2d(xt, kernel, stride, padding, dilation, ceil_mode,
                                                   return_indices=True)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_array_equal(indices.data, indices_t.numpy())
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-14)  # overlaps add in another order


@pytest.mark.parametrize("nd, size, out", [(1, (9,), (4,)), (2, (7, 8), (3, 2)), (3, (4, 5, 6), (2, 2, 3))])
def test_adaptive_max_pooling_s_last_nan_takes_the_gradient_and_the_index_as_in_torch(nd, size, out):
    """Adaptive bins (overlapping where the output size does not divide the input's) follow the same rule."""
    torch = pytest.importorskip("torch")
    from autograd_core.nn import functional as F

    rng = np.random.default_rng(9)
    x = rng.integers(-2, 3, (2, 3) + size).astype(np.float64)
    x[rng.random(x.shape) < 0.3] = np.nan
    name = f"adaptive_max_pool{nd}d"
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    y, indices = getattr(F, name)(xv, out, return_indices=True)
    yt, indices_t = getattr(torch.nn.functional, name)(xt, out, return_indices=True)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(indices.data, indices_t.numpy())
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_nan_windows_read_and_route_at_the_last_nan_in_both_directions():
    """The gather (forward mode, second derivatives) reads where the scatter writes."""
    x = np.array([[[[np.nan, 1.0, np.nan, np.nan], [np.nan, 2.0, 0.0, 5.0]]]])
    g = np.array([[[[10.0, 20.0]]]])
    out = pool._max_np(x, TILE, TILE, NO_PADDING)
    np.testing.assert_array_equal(pool._scatter_to_max(g, x, out, TILE, TILE, NO_PADDING),
                                  [[[[0, 0, 0, 20], [10, 0, 0, 0]]]])
    h = np.arange(8.0).reshape(x.shape)
    np.testing.assert_array_equal(pool._gather_at_max(h, x, out, TILE, TILE, NO_PADDING), [[[[4.0, 3.0]]]])


@pytest.mark.parametrize("shape", [(0, 3, 4, 4), (2, 0, 4, 4)])
def test_empty_batches_and_channels_pool_to_empty_results(shape):
    xv = Value(np.ones(shape, np.float32))
    y = max_pool2d(xv, 2)
    assert y.shape == shape[:2] + (2, 2)
    y.sum().backward()
    assert xv.grad.shape == shape and xv.grad.dtype == np.float32


def _spy_pair_maxima(monkeypatch):
    """The calls of `_column_pairs` (each row's pair maxima), each noted as whether it made them in a scratch."""
    calls, real = [], pool._column_pairs
    monkeypatch.setattr(pool, "_column_pairs",
                        lambda x, row_max=None: calls.append(row_max is None) or real(x, row_max))
    return calls


@pytest.mark.parametrize("shape", [(3, 2, 8, 6), (64, 8, 28, 28)])  # a small array, and a recycled one (W3's)
def test_the_backward_pass_reads_the_pair_maxima_its_forward_kept(shape, monkeypatch):
    # As PyTorch keeps the indices of the maxima: the routing's first stage is the forward's, not made again
    x = tied_input(np.random.default_rng(5), shape, np.float32)
    g = np.random.default_rng(6).standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2)).astype(np.float32)
    calls = _spy_pair_maxima(monkeypatch)
    v = Value(x, requires_grad=True)
    y = max_pool2d(v * 1, 2)
    assert calls and not any(calls)  # the forward wrote them into an array of its own
    calls.clear()
    y.backward(g)
    assert calls == [] and np.array_equal(v.grad, scatter_by_loops(x, g))
    # the same bits where they were not kept (the forward ran before this change, or under no_grad)
    w = Value(x, requires_grad=True)
    z = max_pool2d(w * 1, 2)
    pool._ROW_MAXIMA.clear()
    calls.clear()
    z.backward(g)
    assert len(calls) == 1 and w.grad.tobytes() == v.grad.tobytes()  # made again, once


def test_the_pair_maxima_are_kept_with_grad_mode_only_and_as_long_as_the_output_lives():
    import gc

    from autograd_core import no_grad

    x = Value(tied_input(np.random.default_rng(7), (2, 3, 6, 8), np.float64), requires_grad=True)
    pool._ROW_MAXIMA.clear()
    with no_grad():
        pooled = max_pool2d(x, 2)
    assert not pool._ROW_MAXIMA and pooled.shape == (2, 3, 3, 4)
    y = max_pool2d(x, 2)  # (a small array: not recycled)
    assert len(pool._ROW_MAXIMA) == 1 and pool._kept_row_max(y.data) is not None
    del y
    gc.collect()
    assert not pool._ROW_MAXIMA  # a forward without a backward keeps nothing longer than its output


def test_a_recycled_output_forgets_the_pair_maxima_of_the_pooling_it_came_from():
    # recycle.empty hands a large output array out again: a later pooling that keeps none (no grad mode) must not
    # leave the earlier pooling's maxima under it
    rng = np.random.default_rng(8)
    first, second = (tied_input(rng, (64, 8, 28, 28), np.float32) for _ in range(2))
    from autograd_core import no_grad

    y = max_pool2d(Value(first, requires_grad=True) * 1, 2)
    recycled = id(y.data)
    assert pool._ROW_MAXIMA.get(recycled) is not None
    del y
    with no_grad():
        z = max_pool2d(Value(second), 2)
    assert id(z.data) == recycled and pool._kept_row_max(z.data) is None and recycled not in pool._ROW_MAXIMA
