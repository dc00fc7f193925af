"""Pooling (PyTorch's layouts NCL and NCHW): max, average, global average and adaptive average.

    max_pool:  y[n, c, i, j] = max_{p,q} x[n, c, i·s + p − pad, j·s + q − pad]   (padding is −∞: never wins)
               dx: each g[n, c, i, j] goes to the FIRST maximum of its window in row-major order, or to the LAST
               NaN of a window holding NaN (PyTorch's kernel takes an element larger than the best so far, or NaN);
               where windows overlap, the contributions add up.
    avg_pool:  a convolution of each channel with the constant kernel 1/(kh·kw) (count_include_pad=True,
               PyTorch's default: padded zeros count), so it is differentiated by conv2d's own rules.
    global_avg_pool2d: the mean over H and W.  adaptive_avg_pool2d: Aₕ · x · A_wᵀ with averaging matrices.

Max pooling is three primitives that differentiate into each other: max_pool2d (dx = scatter of g to the
first maxima), max_pool2d_scatter (linear in g; its adjoint gathers at the same positions) and
max_pool2d_gather; the positions depend on x only piecewise-constantly, so x gets no gradient through them.
The 1-D functions run as 2-D ones of height 1.
"""

from __future__ import annotations

import weakref

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value, is_grad_enabled, recycle
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of, matmul, mean, primitive, reshape, without_gradient
from autograd_core.ops.complex import refuse_complex, refuse_complex_kernel
from autograd_core.ops.backward_nodes import backward_node

from .avg_pool_nodes import avg_pool2d_node
from .axis_maps import mapped
from .conv import _batched, _conv2d, _ints, _unbatched
from .im2col import _conv2d_np, _copy_rows, _pad, _scratch, _split
from .module import Module

# ----------------------------------------------------------------------------------------------------
# NumPy kernels. Geometry: kernel (kh, kw), stride (sh, sw), padding ((top, bottom), (left, right)) (the
# bottom/right amounts may exceed top/left: ceil_mode's last, partial windows), dilation (dh, dw).
#
# They loop over the kh·kw positions inside a window, each step vectorised over every pixel: position
# (p, q) of all windows is one strided view of the padded input, so nothing is copied. (A window axis
# of a few elements is slow for NumPy to reduce over, unless the windows are first copied out.)
# Padded copies and masks are scratch buffers of nn.im2col (kept between calls); results are fresh.


def _window_positions(out_size, kernel, stride, dilation=(1, 1)):
    """For each position (p, q) in a window: (p, q) and the index of the view
    xp[:, :, p·dh + i·sh, q·dw + j·sw] over all windows (i, j)."""
    (Ho, Wo), (kh, kw), (sh, sw), (dh, dw) = out_size, kernel, stride, dilation
    for p in range(kh):
        for q in range(kw):
            yield (p, q), (slice(None), slice(None), slice(p * dh, p * dh + sh * (Ho - 1) + 1, sh),
                           slice(q * dw, q * dw + sw * (Wo - 1) + 1, sw))


def _max_np(x, kernel, stride, padding, dilation=(1, 1)):
    (top, bottom), (left, right) = padding
    padded = (x.shape[2] + top + bottom, x.shape[3] + left + right)
    out_size = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(padded, kernel, stride, dilation))
    out = recycle.empty(x.shape[:2] + out_size, x.dtype)
    # 2×2 windows tiling x: each row's pair maxima, the first stage here and in the backward pass's routing, kept for
    # it (as PyTorch keeps the indices of the maxima) rather than made in a scratch buffer and again there
    row_max = (recycle.empty(_row_max_shape(x.shape), x.dtype)
               if is_grad_enabled() and _max_2x2_applies(out, x, kernel, stride, padding, dilation) else None)
    _split(len(x), lambda part: _max_into(out[part], x[part], kernel, stride, padding, dilation,
                                          None if row_max is None else row_max[part]),
           2 * x.size, "max_pool2d")  # work: reads x, writes masks and outputs over it
    if row_max is not None:
        _keep_row_max(out, row_max)
    elif _ROW_MAXIMA:
        _ROW_MAXIMA.pop(id(out), None)  # `out` may be an array recycled from an earlier pooling that kept its maxima
    return out


def _max_2x2_applies(out, x, kernel, stride, padding, dilation):
    """Whether `_max_into` takes `_max_2x2_tiles`: 2×2 windows tiling x, both arrays C-contiguous."""
    return (tuple(kernel) == (2, 2) and _tiles(x.shape[2:], out.shape[2:], kernel, stride, padding, dilation)
            and x.flags.c_contiguous and out.flags.c_contiguous)


# The pair maxima of each 2×2-tiled pooling's input, from its forward to its backward pass: keyed by id(output),
# dropped when the output is (a weak reference's callback), so a forward without a backward keeps nothing longer
# than its output, or when recycle.empty hands the output out again to a pooling that keeps none. A rule whose
# output was changed in place meets another array (the copy the engine kept), and one whose forward kept nothing (no
# grad mode) finds nothing: both make the maxima again.
_ROW_MAXIMA = {}


def _keep_row_max(out, row_max):
    key = id(out)
    _ROW_MAXIMA[key] = (weakref.ref(out, lambda _, key=key: _ROW_MAXIMA.pop(key, None)), row_max)


def _kept_row_max(out):
    """The pair maxima the forward pass that made `out` kept (see `_max_np`), or None."""
    entry = _ROW_MAXIMA.get(id(out))
    return entry[1] if entry is not None and entry[0]() is out else None


def _row_max_shape(shape):
    """(N, C·Ho, 2, Wo): the maximum of each row's pair of columns of x (N, C, 2·Ho, 2·Wo) (`_column_pairs`)."""
    n, c, h, w = shape
    return (n, c * h // 2, 2, w // 2)


def _max_into(out, x, kernel, stride, padding, dilation, row_max=None):
    """out = max pool of x. row_max: where 2×2 windows tile x, the array for its pair maxima (else a scratch's)."""
    if _max_2x2_applies(out, x, kernel, stride, padding, dilation):
        _max_2x2_tiles(out, x, row_max)
        return
    xp = _pad(x, padding, -np.inf, scratch="pool_input")
    for k, (_, at) in enumerate(_window_positions(out.shape[2:], kernel, stride, dilation)):
        if k:
            np.maximum(out, xp[at], out=out)  # maximum propagates NaN
        else:
            np.copyto(out, xp[at])


def _max_2x2_tiles(out, x, row_max=None):
    """out = the maximum of each 2×2 window, the windows tiling x (x (N, C, 2·Ho, 2·Wo), out (N, C, Ho, Wo), both
    C-contiguous): the maximum of each row's pair of columns, then of each window's two rows, on whole arrays (see
    `_scatter_2x2_tiles` for why). np.maximum returns its second argument among equal ones (+0 and −0), so this
    grouping (each row's pair, then the two rows) gives the last of them in row-major order, the same bits as the
    window positions' loop; another grouping need not, for a window holding both zeros. row_max: where to write the
    pair maxima (`_column_pairs`)."""
    pairs, row_max = _column_pairs(x, row_max)
    n, rows, _, width, _ = pairs.shape
    # Each row's maximum against the one a row of pixels below (one flat contiguous pass): the window's maximum at
    # the top rows of windows; the other rows compare neighbouring windows and are dropped.
    below = _scratch("pool_rows_below", row_max.shape, x.dtype)
    flat = row_max.reshape(-1)
    np.maximum(flat[:-width], flat[width:], out=below.reshape(-1)[:-width])
    _copy_rows(out.reshape(n, rows, width), below[:, :, 0])


def _column_pairs(x, row_max=None):
    """x (N, C, 2·Ho, 2·Wo) viewed as [sample, window row, row in the window, window, column in the window], and the
    maximum of each row's pair of columns (N, C·Ho, 2, Wo) in `row_max` (else a scratch buffer): the first stage of
    the 2×2 tiles' kernels."""
    n, c, h, w = x.shape
    pairs = x.reshape(n, c * h // 2, 2, w // 2, 2)
    if row_max is None:
        row_max = _scratch("pool_row_max", pairs.shape[:-1], x.dtype)
    return pairs, np.maximum(pairs[..., 0], pairs[..., 1], out=row_max)


def _first_maxima(x, out, kernel, stride, padding, dilation=(1, 1)):
    """Yield ((p, q), index of that window position, mask over outputs): True where position (p, q) holds the
    element of its window that PyTorch's kernel picks (it takes an element that is larger than the best so far, or
    NaN): the first maximum in row-major order, or the last NaN of a window holding NaN. `out` = max pool of x.
    The mask is one scratch buffer, rewritten for each position."""
    xp = _pad(x, padding, -np.inf, scratch="pool_input")
    positions = list(_window_positions(out.shape[2:], kernel, stride, dilation))
    last_nans = _last_nans(xp, out, positions) if np.isnan(out).any() else None
    hit, taken = _scratch("pool_hit", out.shape, bool), None
    for k, (pq, at) in enumerate(positions):
        np.equal(xp[at], out, out=hit)  # never in a window holding NaN: its maximum, NaN, equals nothing
        if taken is None:
            taken = _scratch("pool_taken", out.shape, bool)
            taken[...] = hit
        else:
            np.greater(hit, taken, out=hit)  # a hit, and no earlier position of its window had one
            if k < len(positions) - 1:
                taken |= hit
        if last_nans is not None:
            hit |= last_nans[k]
        yield pq, at, hit


def _last_nans(xp, out, positions):
    """(window positions, *out.shape) bool: True where a position holds the last NaN of its window."""
    picks = np.empty((len(positions),) + out.shape, bool)
    later = np.zeros(out.shape, bool)  # the window has a NaN at a later position
    for k in range(len(positions) - 1, -1, -1):
        np.isnan(xp[positions[k][1]], out=picks[k])
        np.greater(picks[k], later, out=picks[k])
        later |= picks[k]
    return picks


def _scatter_to_max(g, x, out, kernel, stride, padding, dilation=(1, 1)):
    """x-shaped: g[n, c, i, j] added at the first maximum of window (i, j); overlapping windows add up."""
    work = 2 * x.size  # reads x, writes masks and outputs over it
    tiled = _tiles(x.shape[2:], out.shape[2:], kernel, stride, padding, dilation)
    dx = recycle.empty(x.shape, g.dtype)
    row_max = _kept_row_max(out) if tiled else None
    _split(len(x), lambda part: _scatter_into(dx[part], g[part], x[part], out[part], kernel, stride, padding, dilation,
                                              zeroed=tiled, row_max=None if row_max is None else row_max[part]),
           work, "max_pool2d_scatter")
    return dx


def _tiles(size, out_size, kernel, stride, padding, dilation):
    """Whether the windows cover the unpadded input exactly once (MaxPool2d(2) on even sizes): then a scatter
    writes every element of its result, which needs no zeroing first."""
    return (padding == ((0, 0), (0, 0)) and dilation == (1, 1) and tuple(kernel) == tuple(stride)
            and all(n == o * k for n, o, k in zip(size, out_size, kernel)))


def _scatter_into(dx, g, x, out, kernel, stride, padding, dilation, zeroed=False, row_max=None):
    """dx (x's shape) = g scattered to the first maximum of each window. zeroed: dx holds zeros already, or every
    element of it gets written (`_tiles`). row_max: x's pair maxima, kept by the forward pass (2×2 tiles), or None."""
    if zeroed and tuple(kernel) == (2, 2) and _routes_in_two_stages(dx, g, x, out):
        _scatter_2x2_tiles(dx, g, x, row_max)
        return
    (pt, pb), (pl, pr) = padding
    N, C, H, W = x.shape
    if pt or pb or pl or pr:  # summed in a padded scratch buffer, then cropped into the result
        dxp = _scratch("pool_scatter", (N, C, pt + H + pb, pl + W + pr), g.dtype)
        dxp.fill(0)
    else:
        dxp = dx
        if not zeroed:
            dxp.fill(0)
    disjoint = all(s >= d * (k - 1) + 1 for s, k, d in zip(stride, kernel, dilation))
    part = None if disjoint else _scratch("pool_part", g.shape, g.dtype)
    # g·hit is 0 off the maxima unless g holds inf or NaN (g·g shows it: one BLAS dot); then a `where`, so that those
    # elements get 0 as in PyTorch's scatter of g, not ∞·0 = NaN.
    finite = np.isfinite(np.vdot(g, g))
    for _, at, hit in _first_maxima(x, out, kernel, stride, padding, dilation):
        piece = np.multiply(g, hit, out=dxp[at] if disjoint else part) if finite else np.where(hit, g, 0)
        if disjoint:
            if not finite:
                dxp[at] = piece  # each element of x is in one window at most
        else:
            dxp[at] += piece
    if dxp is not dx:
        np.copyto(dx, dxp[:, :, pt:pt + H, pl:pl + W])


def _routes_in_two_stages(dx, g, x, out):
    """Whether `_scatter_2x2_tiles` may route g (the caller knows the 2×2 windows tile x): C-contiguous arrays, no NaN
    in out (a NaN maximum needs isnan tests: the general path has them) and a finite g (the routing multiplies g by
    0 off the maxima, which is NaN for an infinite g). Each dot product is one BLAS pass over a pooled-size array:
    a sum of squares is NaN exactly when an element is, and finite only when all are."""
    return (dx.flags.c_contiguous and x.flags.c_contiguous and g.flags.c_contiguous and out.size
            and not np.isnan(np.vdot(out, out)) and np.isfinite(np.vdot(g, g)))


def _scatter_2x2_tiles(dx, g, x, row_max=None):
    """dx = g routed to the first maximum (row-major) of each 2×2 window, the windows tiling x (MaxPool2d(2) on
    even sizes; x, dx (N, C, 2·Ho, 2·Wo); g (N, C, Ho, Wo); conditions in `_routes_in_two_stages`).

    Two stages pick the element `_first_maxima`'s four equality tests pick: in each row of a window the left element
    wins unless the right one is larger; then the top row's winner wins unless the bottom row's is larger. They run
    on whole arrays with long inner loops, because NumPy's cost here is per inner loop (~9 ns) and per strided element
    (~5× a contiguous one): a view of one window position has inner loops of Wo strided elements, and the four
    positions are read and written once each for every test. Here the columns of x and dx (views with a stride of
    two elements) are read twice and written twice; all else is contiguous. row_max: x's pair maxima where the forward
    pass kept them (`_max_np`), else made here."""
    if row_max is None:
        pairs, row_max = _column_pairs(x)
    else:
        pairs = x.reshape(row_max.shape + (2,))
    n, rows, _, width, _ = pairs.shape
    left, right = pairs[..., 0], pairs[..., 1]
    left_wins = np.greater_equal(left, right, out=_scratch("pool_left_wins", left.shape, bool))
    row_max = row_max.reshape(-1)
    # Each row's maximum against the one a row of pixels below, and above: the array against itself shifted by a
    # row, two flat contiguous comparisons. The first is the top row's test at the top rows of windows, the second
    # the bottom row's at their bottom rows; the rows in between compare neighbouring windows and are dropped.
    row_wins = _scratch("pool_row_wins", left.shape, bool)
    np.greater_equal(row_max[:-width], row_max[width:], out=row_wins.reshape(-1)[:-width])
    bottom_wins = _scratch("pool_bottom_wins", left.shape, bool)
    np.greater(row_max[width:], row_max[:-width], out=bottom_wins.reshape(-1)[width:])
    _copy_rows(row_wins[:, :, 1], bottom_wins[:, :, 1])
    right_takes = np.greater(row_wins, left_wins, out=bottom_wins)  # the row wins, its left element does not
    left_takes = np.logical_and(row_wins, left_wins, out=left_wins)
    g_rows = np.repeat(g.reshape(n, rows, 1, width), 2, axis=2)  # g in both rows of its window
    d = dx.reshape(pairs.shape)
    np.multiply(g_rows, left_takes, out=d[..., 0])  # g or 0 (g is finite)
    np.multiply(g_rows, right_takes, out=d[..., 1])


def _gather_at_max(h, x, out, kernel, stride, padding, dilation=(1, 1)):
    """(N, C, Ho, Wo): h (x's shape) read at the first maximum of each window of x."""
    hp = _pad(h, padding, 0, scratch="pool_gather")
    picked = np.zeros(out.shape, dtype=h.dtype)
    part = _scratch("pool_part", out.shape, h.dtype)
    for _, at, hit in _first_maxima(x, out, kernel, stride, padding, dilation):
        picked += np.multiply(hp[at], hit, out=part)
    return picked


def _argmax_indices(x, out, kernel, stride, padding, dilation):
    """(N, C, Ho, Wo) int64: the flat index (row·W + column) in x's H×W plane of each window's first max."""
    (pt, _), (pl, _) = padding
    W = x.shape[3]
    Ho, Wo = out.shape[2:]
    rows = np.arange(Ho)[:, None] * stride[0] - pt
    cols = np.arange(Wo)[None, :] * stride[1] - pl
    indices = np.zeros(out.shape, np.int64)
    for (p, q), _, hit in _first_maxima(x, out, kernel, stride, padding, dilation):
        indices[hit] = np.broadcast_to((rows + p * dilation[0]) * W + cols + q * dilation[1], out.shape)[hit]
    return indices


# ----------------------------------------------------------------------------------------------------
# Max-pooling primitives. The scatter and the gather take x and the pool's output as plain data.


@primitive("max_pool2d")
def _max_pool2d(x, *, kernel, stride, padding, dilation=(1, 1)):
    return _max_np(x, kernel, stride, padding, dilation)


# The backward rules, linear in the gradient, with the positions of the maxima piecewise constant in x: each the
# other's adjoint, and a node of its own with an edge to x where the gradient is made with create_graph (as PyTorch's
# MaxPool2DWithIndicesBackwardBackward0), so that a second derivative of max pooling is zeros rather than missing.
_max_pool2d_scatter = backward_node(
    "max_pool2d_scatter", lambda g, x, pooled, **geo: _scatter_to_max(g, x, pooled, **geo),
    adjoint=lambda: _max_pool2d_gather).named("MaxPool2DWithIndicesBackwardBackward0")
_max_pool2d_gather = backward_node(
    "max_pool2d_gather", lambda h, x, pooled, **geo: _gather_at_max(h, x, pooled, **geo),
    adjoint=lambda: _max_pool2d_scatter)
# x is data on the first-order path and a Value under create_graph (the engine's rules see the parents then)
_max_pool2d.defvjp(lambda g, out, x, **geo: _max_pool2d_scatter(g, x, data_of(out), **geo),
                   formulas=("g to each window's first max",))
# Forward mode: max pooling reads the tangent at each window's first maximum (a gather)
_max_pool2d.defjvp(lambda t, out, x, **geo: _max_pool2d_gather(t, data_of(x), data_of(out), **geo))


# ----------------------------------------------------------------------------------------------------
# Arguments.


def _too_small(who, x_shape, out_size, ours):
    """PyTorch's words for a pooling window larger than the (padded) input, before ours, for the pools whose kernels
    say it in words that name only sizes."""
    if who == "max_pool1d":
        return f"max_pool1d() Invalid computed output size: {min(out_size)} ({ours})"
    if who not in ("max_pool2d", "avg_pool2d", "max_pool3d", "avg_pool1d"):
        return ours
    lift = (1,) if who == "avg_pool1d" else ()  # its kernel pools a 2-D input of height 1
    given = "x".join(map(str, (x_shape[1],) + lift + tuple(x_shape[2:])))
    calculated = "x".join(map(str, (x_shape[1],) + lift + tuple(out_size)))
    return f"Given input size: ({given}). Calculated output size: ({calculated}). Output size is too small ({ours})"


def _pool_geometry(who, nd, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Checked 2-D geometry (1-D lifted to height 1): kernel, stride, dilation, padding pairs (the extra
    bottom/right padding of ceil_mode included), output size (nd entries)."""
    x_shape = np.shape(x)
    if len(x_shape) != nd + 2:
        layout = {1: "(N, C, L)", 2: "(N, C, H, W)"}.get(nd, "(N, C, D, H, W)")
        raise ShapeError(f"{who}: input must be {nd + 2}-D {layout}, got shape {x_shape}")
    kernel = _ints(kernel_size, nd, "kernel_size", who, 1)
    stride = kernel if stride is None or stride == () else _ints(stride, nd, "stride", who, 1)
    pads = _ints(padding, nd, "padding", who, 0)
    dilation = _ints(dilation, nd, "dilation", who, 1)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{who}: padding {pads} must be at most half of kernel_size {kernel}")
    out_size, extra = [], []
    for n, p, k, s, d in zip(x_shape[2:], pads, kernel, stride, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        m = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (m - 1) * s >= n + p:
            m -= 1  # the last window must start inside the input or its left padding (PyTorch's rule)
        out_size.append(m)
        extra.append(max(0, (m - 1) * s + d * (k - 1) + 1 - (n + 2 * p)))   # ceil_mode's partial window
    if min(out_size) < 1:
        ours = (f"{who}: input of shape {x_shape} with padding {pads} is smaller than kernel_size {kernel}"
                + (f" at dilation {dilation}" if any(d > 1 for d in dilation) else ""))
        raise ShapeError(_too_small(who, x_shape, out_size, ours))
    pairs = tuple((p, p + e) for p, e in zip(pads, extra))
    if nd == 1:
        kernel, stride, dilation, pairs = (1,) + kernel, (1,) + stride, (1,) + dilation, ((0, 0),) + pairs
    return kernel, stride, dilation, pairs, tuple(out_size)


def _float_dtype(x):
    dtype = np.result_type(data_of(x))
    if dtype.kind == "c":  # complex data: real weights of its precision (complex64 stays complex64)
        return np.finfo(dtype).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


# ----------------------------------------------------------------------------------------------------
# Public functions.


def _max_pool(who, nd, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(who, x, nd + 2)
    kernel, stride, dilation, pads, out_size = _pool_geometry(who, nd, x, kernel_size, stride, padding, dilation,
                                                              ceil_mode)
    shape = np.shape(x)
    # no order among complex numbers (the float cast below would drop imaginary parts); PyTorch's 1-d pooling with
    # indices runs its 2-d kernel, and names it
    refuse_complex("max_pool2d" if nd == 1 and return_indices else who, x)
    if isinstance(x, Value) and x.dtype.kind != "f":
        x = x.astype(_float_dtype(x))  # an integer Value: a float Value (padded with −∞), not a bare array
    elif not isinstance(data_of(x), np.ndarray) or data_of(x).dtype.kind != "f":
        x = np.asarray(data_of(x), dtype=_float_dtype(x))  # integer input: padded with −∞ as floats
    x2 = x if nd == 2 else reshape(x, shape=shape[:2] + (1, shape[2]))
    y4 = _max_pool2d(x2, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    out_shape = shape[1:2] + out_size if unbatched else shape[:2] + out_size
    y = reshape(y4, shape=out_shape) if nd == 1 or unbatched else y4
    if not return_indices:
        return y
    if isinstance(x2, Value):  # an int64 Value, as PyTorch's indices (recorded without gradient: live at replay)
        indices = without_gradient(_argmax_indices, x2, y4, kernel=kernel, stride=stride, padding=pads,
                                   dilation=dilation)
    else:  # pooling an array: no Values, nothing to record
        indices = _argmax_indices(x2, data_of(y4), kernel, stride, pads, dilation)
    return y, indices.reshape(out_shape)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows. x (N, C, H, W) -> (N, C, Ho, Wo), Ho = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 (⌈⌉ with
    ceil_mode, whose last window may be partial); stride defaults to kernel_size; padding (at most half the
    kernel) never wins. Gradient: to the first max of each window (its last NaN if it holds NaN, as PyTorch).
    return_indices: also the flat index (row·W + column) of each maximum in its H×W plane, int64 (a Value for a
    Value input, as PyTorch's tensor), for `max_unpool2d`. An unbatched (C, H, W) input gives (C, Ho, Wo)."""
    return _max_pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows along L. x (N, C, L) -> (N, C, Lo), or (C, L) -> (C, Lo); see max_pool2d (indices index L)."""
    out = _max_pool("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if isinstance(x, Value):  # views around a 2-D pooling here, PyTorch's chain
        shown_as(out[0] if return_indices else out, x,
                 "SqueezeBackward1<MaxPool2DWithIndicesBackward0<UnsqueezeBackward0")
    return out


def _avg_pool(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override=None):
    if isinstance(x, Value) and x.data.dtype == _float_dtype(x) and x.data.ndim in (nd + 1, nd + 2):
        refuse_complex(who, x)  # PyTorch's kernels take real numbers only
        return _avg_pool_node(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                              divisor_override)
    x, unbatched = _batched(who, x, nd + 2)
    refuse_complex(who, x)
    y = _avg_pool_batched(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return _unbatched(y) if unbatched else y


def _avg_pool_weights(who, nd, shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      dtype):
    """(box, stride, pads, scale) of avg_pool2d_node for x of `shape` ((N,) C, *spatial): the window's weights and
    the factor of each output position (None where the box holds the mean's 1/area or 1/divisor_override). Each
    window's sum is divided by the number of elements it covers: real ones, plus the symmetric padding with
    count_include_pad (never ceil_mode's overhang), as PyTorch."""
    batched = (1,) * (nd + 2 - len(shape)) + tuple(shape)
    kernel, stride, _, pads, _ = _pool_geometry(who, nd, np.broadcast_to(np.zeros((), dtype), batched), kernel_size,
                                                stride, padding, 1, ceil_mode)   # (the geometry reads the shape)
    H, W = ((1,) * (2 - nd) + batched[2:])
    partial = any(after > before for before, after in pads)                  # ceil_mode's partial windows
    if divisor_override is not None:  # each window's sum (padding adds zeros) over one fixed divisor
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) or divisor_override == 0:
            raise ValueError(f"{who}: divisor_override must be a non-zero int, got {divisor_override!r}")
        return np.full((1, 1) + kernel, 1.0 / divisor_override, dtype=dtype), stride, pads, None
    if not partial and (count_include_pad or not any(before for before, _ in pads)):
        return np.full((1, 1) + kernel, 1.0 / (kernel[0] * kernel[1]), dtype=dtype), stride, pads, None
    ones = np.ones((1, 1) + kernel, dtype)
    if count_include_pad:
        (pt, pb), (pl, pr) = pads
        region = np.ones((1, 1, H + 2 * pt, W + 2 * pl), dtype)
        counts = _conv2d_np(region, ones, stride, ((0, pb - pt), (0, pr - pl)), (1, 1), 1)
    else:
        counts = _conv2d_np(np.ones((1, 1, H, W), dtype), ones, stride, pads, (1, 1), 1)
    return ones, stride, pads, 1.0 / counts[0, 0]


def _avg_pool_node(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """x ((N,) C, *spatial) pooled as one node, PyTorch's AvgPool2DBackward0; 1-D as PyTorch's: the 2-D pooling of x
    viewed as ((N,) C, 1, L), viewed back (SqueezeBackward1 over it over UnsqueezeBackward0)."""
    shape = x.data.shape
    box, stride, pads, scale = _avg_pool_weights(who, nd, shape, kernel_size, stride, padding, ceil_mode,
                                                 count_include_pad, divisor_override, x.data.dtype)
    if nd == 2:
        return avg_pool2d_node(x, box=box, stride=stride, pads=pads, scale=scale)
    rows = reshape.named("UnsqueezeBackward0")(x, shape=shape[:-1] + (1, shape[-1]))
    y = avg_pool2d_node(rows, box=box, stride=stride, pads=pads, scale=scale)
    return reshape.named("SqueezeBackward1")(y, shape=shape[:-1] + y.data.shape[-1:])


def _avg_pool_batched(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """The pooling of arrays and integer Values (N, C, *spatial): views, a convolution with the window's weights, a
    scaling."""
    shape, dtype = np.shape(x), _float_dtype(x)
    out_size = _pool_geometry(who, nd, x, kernel_size, stride, padding, 1, ceil_mode)[-1]
    box, stride, pads, scale = _avg_pool_weights(who, nd, shape, kernel_size, stride, padding, ceil_mode,
                                                 count_include_pad, divisor_override, dtype)
    N, C, H, W = shape[:2] + (1,) * (2 - nd) + shape[2:]
    y = _conv2d(reshape(x, shape=(N * C, 1, H, W)), box, stride=stride, padding=pads, dilation=(1, 1), groups=1)
    return reshape(y if scale is None else y * scale, shape=(N, C) + out_size)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows. x (N, C, H, W) -> (N, C, Ho, Wo), or unbatched (C, H, W) -> (C, Ho, Wo) (sizes as
    max_pool2d). With count_include_pad
    (the default, as PyTorch) padded zeros count in the mean; otherwise only real elements do. ceil_mode's
    partial windows average what they cover. divisor_override (a non-zero int): every window's sum is divided by
    it instead."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows along L. x (N, C, L) -> (N, C, Lo); see avg_pool2d."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def global_avg_pool2d(x, keepdims=False):
    """Mean over H and W: x (N, C, H, W) -> (N, C), or (N, C, 1, 1) with keepdims."""
    if len(np.shape(x)) != 4:
        raise ShapeError(f"global_avg_pool2d: input must be 4-D (N, C, H, W), got shape {np.shape(x)}")
    return mean(x, axis=(2, 3), keepdims=keepdims)


def _averaging_matrix(n, m, dtype):
    """(m, n): row i averages positions ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉ − 1 (PyTorch's adaptive bins)."""
    i, j = np.arange(m)[:, None], np.arange(n)
    start, end = i * n // m, -(-(i + 1) * n // m)
    return (((j >= start) & (j < end)) / (end - start)).astype(dtype)


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive bins: x (N, C, H, W) -> (N, C, oh, ow), or (C, H, W) -> (C, oh, ow);
    output_size int or pair (None keeps that size). Computed as Aₕ · x · A_wᵀ with constant averaging matrices."""
    shape = np.shape(input)
    if len(shape) not in (3, 4):  # (C, H, W) is one unbatched sample: the matrices act on the last two axes
        raise ShapeError(f"adaptive_avg_pool2d: expected a 3-D (unbatched) or 4-D (N, C, H, W) input, got shape "
                         f"{shape}")
    sizes = (output_size, output_size) if output_size is None or np.ndim(output_size) == 0 else output_size
    sizes = tuple(n if m is None else m for n, m in zip(shape[-2:], sizes))
    oh, ow = _ints(sizes, 2, "output_size", "adaptive_avg_pool2d", 1)
    if (oh, ow) != (1, 1):  # PyTorch averages complex numbers only into a single bin (its mean)
        refuse_complex_kernel("adaptive_avg_pool2d", input)
    elif np.result_type(data_of(input)).kind in "fc":  # one bin: the mean, as PyTorch's (MeanBackward1)
        return mean(input, axis=(-2, -1), keepdims=True)
    dtype = _float_dtype(input)
    rows, cols = _averaging_matrix(shape[-2], oh, dtype), _averaging_matrix(shape[-1], ow, dtype)
    if isinstance(input, Value) and input.data.dtype == dtype:  # one node, as PyTorch's kernel
        return mapped(input, ((-2, rows), (-1, cols)), "AdaptiveAvgPool2DBackward0")
    return matmul(matmul(rows, input), cols.T)


# ----------------------------------------------------------------------------------------------------
# Modules (no parameters).


class _Pool(Module):
    """The attributes kernel_size, stride (None: kernel_size) and padding are the sizes as given, an int or a tuple,
    as PyTorch's (its repr shows them so: `MaxPool2d(kernel_size=2, stride=2, ...)`); checked here, and kept as
    tuples in `_sizes` for the pooling function."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        who, nd = type(self).__name__, self._nd
        self._sizes = (_ints(kernel_size, nd, "kernel_size", who, 1),
                       _ints(kernel_size if stride is None else stride, nd, "stride", who, 1),
                       _ints(padding, nd, "padding", who, 0))
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.ceil_mode = bool(ceil_mode)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _MaxPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        _Pool.__init__(self, kernel_size, stride, padding, ceil_mode)
        self._dilation = _ints(dilation, self._nd, "dilation", type(self).__name__, 1)
        self.dilation = dilation
        self.return_indices = bool(return_indices)

    def forward(self, input):
        kernel_size, stride, padding = self._sizes
        return self._fn(input, kernel_size, stride, padding, self._dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return f"{_Pool.extra_repr(self)}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class MaxPool2d(_MaxPool):
    """Max pooling layer over (N, C, H, W); see `max_pool2d`. MaxPool2d(kernel_size, stride=None, padding=0,
    dilation=1, return_indices=False, ceil_mode=False)."""

    _nd = 2
    _fn = staticmethod(max_pool2d)


class MaxPool1d(_MaxPool):
    """Max pooling layer over (N, C, L); see `max_pool1d`."""

    _nd = 1
    _fn = staticmethod(max_pool1d)


class _AvgPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        _Pool.__init__(self, kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, input):
        kernel_size, stride, padding = self._sizes
        return self._fn(input, kernel_size, stride, padding, self.ceil_mode, self.count_include_pad)


class AvgPool2d(_AvgPool):
    """Average pooling layer over (N, C, H, W); see `avg_pool2d`. AvgPool2d(kernel_size, stride=None,
    padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)."""

    _nd = 2
    _fn = staticmethod(avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        _AvgPool.__init__(self, kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        kernel_size, stride, padding = self._sizes
        return avg_pool2d(input, kernel_size, stride, padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)


class AvgPool1d(_AvgPool):
    """Average pooling layer over (N, C, L); see `avg_pool1d`. Its sizes are 1-tuples, as PyTorch's."""

    _nd = 1
    _fn = staticmethod(avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        _AvgPool.__init__(self, kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.kernel_size, self.stride, self.padding = self._sizes


class GlobalAvgPool2d(Module):
    """Mean over H and W: (N, C, H, W) -> (N, C), or (N, C, 1, 1) with keepdims=True."""

    def __init__(self, keepdims=False):
        self.keepdims = bool(keepdims)

    def forward(self, x):
        return global_avg_pool2d(x, self.keepdims)

    def extra_repr(self):
        return "keepdims=True" if self.keepdims else ""


class AdaptiveAvgPool2d(Module):
    """Average over adaptive bins to a fixed (oh, ow); see `adaptive_avg_pool2d`."""

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size!r}"


__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_avg_pool2d", "adaptive_avg_pool2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "AdaptiveAvgPool2d",
]
