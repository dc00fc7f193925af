"""Max pooling's kernels where 2×2 windows tile the input (MaxPool2d(2) on even sizes), for nn/pool.py: the
forward and the backward's routing of g on whole arrays with long inner loops, instead of one strided view per window
position (see `_scatter_2x2_tiles` for why). Same bits as the window positions' loop of nn/pool.py."""

from __future__ import annotations

import numpy as np

from .im2col import _copy_rows, _scratch


def _max_2x2_tiles(out, x):
    """out = the maximum of each 2×2 window, the windows tiling x (x (N, C, 2·Ho, 2·Wo), out (N, C, Ho, Wo), both
    C-contiguous): the maximum of each row's pair of columns, then of each window's two rows, on whole arrays (see
    `_scatter_2x2_tiles` for why). np.maximum returns its second argument among equal ones (+0 and −0), so any
    grouping gives the last of them in row-major order: the same bits as the window positions' loop."""
    pairs, row_max = _column_pairs(x)
    n, rows, _, width, _ = pairs.shape
    # Each row's maximum against the one a row of pixels below (one flat contiguous pass): the window's maximum at
    # the top rows of windows; the other rows compare neighbouring windows and are dropped.
    below = _scratch("pool_rows_below", row_max.shape, x.dtype)
    flat = row_max.reshape(-1)
    np.maximum(flat[:-width], flat[width:], out=below.reshape(-1)[:-width])
    _copy_rows(out.reshape(n, rows, width), below[:, :, 0])


def _column_pairs(x):
    """x (N, C, 2·Ho, 2·Wo) viewed as [sample, window row, row in the window, window, column in the window], and the
    maximum of each row's pair of columns (N, C·Ho, 2, Wo) in a scratch buffer: the first stage of the 2×2 tiles'
    kernels."""
    n, c, h, w = x.shape
    pairs = x.reshape(n, c * h // 2, 2, w // 2, 2)
    return pairs, np.maximum(pairs[..., 0], pairs[..., 1], out=_scratch("pool_row_max", pairs.shape[:-1], x.dtype))


def _routes_in_two_stages(dx, g, x, out):
    """Whether `_scatter_2x2_tiles` may route g (the caller knows the 2×2 windows tile x): C-contiguous arrays, no NaN
    in out (a NaN maximum needs isnan tests: the general path has them) and a finite g (the routing multiplies g by
    0 off the maxima, which is NaN for an infinite g). Each dot product is one BLAS pass over a pooled-size array:
    a sum of squares is NaN exactly when an element is, and finite only when all are."""
    return (dx.flags.c_contiguous and x.flags.c_contiguous and g.flags.c_contiguous and out.size
            and not np.isnan(np.vdot(out, out)) and np.isfinite(np.vdot(g, g)))


# Unsigned integers of an element's width and of twice it, and the factor that repeats the narrow one in both halves.
_TWICE = {2: (np.uint16, np.uint32, 0x10001), 4: (np.uint32, np.uint64, 0x100000001)}


def _each_twice(a, role):
    """a (..., W) as (..., 2·W) with each element twice in a row, bit for bit, in the scratch buffer of `role`: one
    integer product of twice the element's width (a long contiguous loop, where np.repeat's inner loops are short)."""
    narrow, wide, spread = _TWICE[a.dtype.itemsize]
    pairs = np.multiply(a.view(narrow), wide(spread), out=_scratch(role, a.shape, wide), dtype=wide, casting="unsafe")
    return pairs.view(a.dtype).reshape(a.shape[:-1] + (2 * a.shape[-1],))


def _scatter_2x2_unique(dx, g, x, out):
    """`_scatter_2x2_tiles` for float16/float32 when every window holds its maximum once (return True; else False,
    and dx is left for the caller): then g goes where x equals its window's maximum, which takes two passes over x's
    size (the equality test, and g times its result) instead of ten. The test counts the equal elements: as many as
    windows means one per window, since each (without NaN, `_routes_in_two_stages`) holds at least one."""
    if x.dtype.itemsize not in _TWICE or not out.size:
        return False
    n, c, h, w = x.shape
    rows = c * h // 2  # rows of windows: each is two rows of x
    hit = _scratch("pool_unique_hit", (n, rows, 2, w), bool)
    np.equal(x.reshape(n, rows, 2, w), _each_twice(out, "pool_out_twice").reshape(n, rows, 1, w), out=hit)
    if np.count_nonzero(hit) != out.size:
        return False
    # g (or a zero of g's sign: g·0, as the other kernels give) at the maxima; bools multiply as uint8, faster
    np.multiply(_each_twice(g, "pool_g_twice").reshape(n, rows, 1, w), hit.view(np.uint8),
                out=dx.reshape(n, rows, 2, w))
    return True


def _scatter_2x2_tiles(dx, g, x):
    """dx = g routed to the first maximum (row-major) of each 2×2 window, the windows tiling x (MaxPool2d(2) on
    even sizes; x, dx (N, C, 2·Ho, 2·Wo); g (N, C, Ho, Wo); conditions in `_routes_in_two_stages`).

    Two stages pick the element `_first_maxima`'s four equality tests pick: in each row of a window the left element
    wins unless the right one is larger; then the top row's winner wins unless the bottom row's is larger. They run
    on whole arrays with long inner loops, because NumPy's cost here is per inner loop (~9 ns) and per strided element
    (~5× a contiguous one): a view of one window position has inner loops of Wo strided elements, and the four
    positions are read and written once each for every test. Here the columns of x and dx (views with a stride of
    two elements) are read twice and written twice; all else is contiguous."""
    pairs, row_max = _column_pairs(x)
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
