"""Max pooling's NumPy kernels (nn/pool.py's primitives call them): the forward pass over the window positions (and
its 2×2-tile kernel), the scatter of a gradient to each window's first maximum (its backward pass) and the gather at
the same positions (its adjoint and forward mode), the indices of the maxima, and the pair maxima a 2×2-tiled forward
keeps for its backward. Apart from pool.py because they are the machinery under its primitives and layers, as
nn/im2col.py is under nn/conv.py."""

from __future__ import annotations

import weakref

import numpy as np

from autograd_core import is_grad_enabled, recycle
from autograd_core.scattered_gradient import Routing, ScatteredGradient

from .im2col import _copy_rows, _pad, _scratch, _split

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
    return dx.flags.c_contiguous and _routable(g, x, out)


def _routable(g, x, out):
    """`_routes_in_two_stages`'s conditions on g, x and the pooled output (the result array aside)."""
    return (x.flags.c_contiguous and g.flags.c_contiguous and out.size
            and not np.isnan(np.vdot(out, out)) and np.isfinite(np.vdot(g, g)))


def _scatter_2x2_tiles(dx, g, x, row_max=None):
    """dx = g routed to the first maximum (row-major) of each 2×2 window, the windows tiling x (MaxPool2d(2) on
    even sizes; x, dx (N, C, 2·Ho, 2·Wo); g (N, C, Ho, Wo); conditions in `_routes_in_two_stages`).

    Two stages pick the element `_first_maxima`'s four equality tests pick: in each row of a window the left element
    wins unless the right one is larger (`_left_wins`); then the top row's winner wins unless the bottom row's is
    larger (`_route_2x2`). They run on whole arrays with long inner loops, because NumPy's cost here is per inner loop
    (~9 ns) and per strided element (~5× a contiguous one): a view of one window position has inner loops of Wo
    strided elements, and the four positions are read and written once each for every test. Here the columns of x
    and dx (views with a stride of two elements) are read twice and written twice; all else is contiguous. row_max:
    x's pair maxima where the forward pass kept them (`_max_np`), else made here."""
    if row_max is None:
        _, row_max = _column_pairs(x)
    _route_2x2(dx, g, _left_wins(x, row_max.shape, _scratch("pool_left_wins", row_max.shape, bool)), row_max)


def _left_wins(x, row_max_shape, out):
    """[each row's left element of a 2×2 window >= its right one] (N, C·Ho, 2, Wo) into `out`: the first stage of the
    routing."""
    pairs = x.reshape(row_max_shape + (2,))
    return np.greater_equal(pairs[..., 0], pairs[..., 1], out=out)


def _route_2x2(dx, g, left_wins, row_max):
    """The second stage of `_scatter_2x2_tiles`: dx = g routed by `left_wins` and the pair maxima `row_max` (both
    (N, C·Ho, 2, Wo)), which it only reads."""
    n, rows, _, width = row_max.shape
    row_max = row_max.reshape(-1)
    # Each row's maximum against the one a row of pixels below, and above: the array against itself shifted by a
    # row, two flat contiguous comparisons. The first is the top row's test at the top rows of windows, the second
    # the bottom row's at their bottom rows; the rows in between compare neighbouring windows and are dropped.
    row_wins = _scratch("pool_row_wins", left_wins.shape, bool)
    np.greater_equal(row_max[:-width], row_max[width:], out=row_wins.reshape(-1)[:-width])
    bottom_wins = _scratch("pool_bottom_wins", left_wins.shape, bool)
    np.greater(row_max[width:], row_max[:-width], out=bottom_wins.reshape(-1)[width:])
    _copy_rows(row_wins[:, :, 1], bottom_wins[:, :, 1])
    right_takes = np.greater(row_wins, left_wins, out=bottom_wins)  # the row wins, its left element does not
    left_takes = np.logical_and(row_wins, left_wins, out=row_wins)
    g_rows = np.repeat(g.reshape(n, rows, 1, width), 2, axis=2)  # g in both rows of its window
    d = dx.reshape(left_wins.shape + (2,))
    np.multiply(g_rows, left_takes, out=d[..., 0])  # g or 0 (g is finite)
    np.multiply(g_rows, right_takes, out=d[..., 1])


class _WindowMaxima(Routing):
    """The routing of a 2×2-tiled max pooling's gradient (scattered_gradient.Routing): the first stage of
    `_scatter_2x2_tiles` made at once into an array of its own, with the pair maxima the forward pass kept, so that
    the scatter can run whenever the gradient is needed (a node's retained .grad read after the pass included)."""

    __slots__ = ("left_wins", "row_max", "shape")

    def __init__(self, x, out, row_max):
        self.source, self.picked, self.row_max, self.shape = x, out, row_max, x.shape
        self.left_wins = _left_wins(x, row_max.shape, np.empty(row_max.shape, bool))

    def scatter(self, values):
        dx = recycle.empty(self.shape, values.dtype)
        left_wins, row_max = self.left_wins, self.row_max
        _split(len(dx), lambda part: _route_2x2(dx[part], values[part], left_wins[part], row_max[part]),
               2 * dx.size, "max_pool2d_route")
        return dx


def _routed_to_max(g, x, out):
    """max pooling's gradient for 2×2 windows tiling x as a ScatteredGradient with a `_WindowMaxima` routing (the
    engine's pass makes it dense where it is needed, or passes it through ReLU: ops/elementwise.py), or None where
    `_scatter_2x2_tiles`'s conditions do not hold."""
    if not (g.__class__ is np.ndarray and x.__class__ is np.ndarray and g.dtype == x.dtype and x.dtype.kind == "f"
            and _routable(g, x, out)):
        return None
    row_max = _kept_row_max(out)
    if row_max is None:
        _, row_max = _column_pairs(x, np.empty(_row_max_shape(x.shape), x.dtype))
    return ScatteredGradient(g, _WindowMaxima(x, out, row_max), x.shape)


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
    # A window whose max is -inf (padding only, or -inf values) has no element larger than PyTorch's start, -inf:
    # its index is the window's first position past the left and top padding (beyond the right edge, for a window
    # of padding only), not that of a padding -inf
    dead = out == -np.inf
    if dead.any():
        first = [np.where(start < 0, start - (start // d) * d, start) for start, d in zip((rows, cols), dilation)]
        indices[dead] = np.broadcast_to(first[0] * W + first[1], out.shape)[dead]
    return indices
