"""Membership, runs, orderings and counts: PyTorch's isin, unique_consecutive, msort, vander and histogramdd.

isin, unique_consecutive and histogramdd read data and carry no gradient (as in PyTorch). msort is sort's values
along dimension 0, vander the products x·x·…·x, so both are differentiable through their compositions.
"""

from __future__ import annotations

import builtins
import collections
import numbers

import numpy as np

from ..errors import ShapeError
from ..grad_fn_chain_tops import declare_top
from ..grad_fn_names import chain_layout
from ..one_node import shown_as
from ..value import Value
from .index import as_value, check_dim
from .nondifferentiable import refuse_complex_in_words, without_derivative, without_gradient
from .shape import stack


def _isin(elements, test_elements, assume_unique, invert):
    return np.isin(elements, test_elements, assume_unique=assume_unique, invert=invert)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each element of `elements`, whether it occurs in `test_elements` (either may be a number), as a bool Value
    of elements' shape, as torch.isin; invert=True asks whether it does not. No gradient."""
    refuse_complex_in_words("Unsupported input type encountered for isin(): {torch}", elements, test_elements,
                            kind=RuntimeError)
    x = as_value(elements)
    test = test_elements.data if isinstance(test_elements, Value) else np.asarray(test_elements)
    return without_gradient(_isin, x, np.asarray(test).reshape(-1), assume_unique=bool(assume_unique),
                            invert=bool(invert))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The first element of every run of equal consecutive elements of the flattened input (or, with dim, of equal
    consecutive slices along dim), as torch.unique_consecutive; with return_inverse, the run each element (slice)
    belongs to (input's shape, or its size along dim), with return_counts, each run's length (both int64). No
    gradient: the values of an input that requires grad have PyTorch's node UniqueConsecutiveBackward0, through which
    a backward pass raises NotImplementedError."""
    refuse_complex_in_words('"unique"', input)
    data = np.asarray(as_value(input).data)
    if dim is None:
        flat = data.reshape(-1)
        starts = np.ones(flat.size, dtype=bool)
        starts[1:] = flat[1:] != flat[:-1]
        values, shape = flat[starts], data.shape
    else:
        dim = check_dim(dim, data.ndim)
        moved = np.moveaxis(data, dim, 0).reshape(data.shape[dim] if data.ndim else 1, -1)
        starts = np.ones(moved.shape[0], dtype=bool)
        starts[1:] = np.any(moved[1:] != moved[:-1], axis=1)
        values, shape = np.compress(starts, data, axis=dim) if data.ndim else data, (moved.shape[0],)
    results = [without_derivative(as_value(input), values, _consecutive_values, "UniqueConsecutiveBackward0",
                                  "unique_consecutive", dim=dim)]
    if return_inverse:
        results.append(as_value((np.cumsum(starts) - 1).reshape(shape).astype(np.int64)))
    if return_counts:
        results.append(as_value(np.diff(np.append(np.flatnonzero(starts), starts.size)).astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


def _consecutive_values(data, dim=None):
    """The first element (slice along dim) of each run of equal consecutive ones (unique_consecutive's values)."""
    if dim is None:
        flat = data.reshape(-1)
        return flat[np.concatenate([[True], flat[1:] != flat[:-1]])] if flat.size else flat
    if not data.ndim:
        return data
    moved = np.moveaxis(data, dim, 0).reshape(data.shape[dim], -1)
    starts = np.ones(moved.shape[0], dtype=bool)
    starts[1:] = np.any(moved[1:] != moved[:-1], axis=1)
    return np.compress(starts, data, axis=dim)


def msort(input):
    """input sorted along dimension 0 (ascending), as torch.msort: sort(input, dim=0).values, differentiable (the
    gradient goes back to the positions the values came from)."""
    from .scan import sort

    x = as_value(input)
    return sort(x, dim=0).values


def vander(x, N=None, increasing=False):  # noqa: N803  (PyTorch's argument name)
    """The Vandermonde matrix of the 1-D x: column j is x**(N-1-j) (x**j with increasing=True), N = len(x) columns
    unless given, as torch.vander; the powers are products x·x·…·x, so the gradient is defined at x = 0 too. Integer
    and bool x give int64, floats keep their dtype."""
    v = as_value(x)
    if v.ndim != 1:
        raise ShapeError("vander(): x must be a one-dimensional tensor.")
    n = v.shape[0] if N is None else N
    if not isinstance(n, numbers.Integral) or n < 0:
        raise RuntimeError(f"vander(): N must be non-negative, got {N}")
    if v.dtype.kind in "biu" and v.dtype != np.int64:
        v = v.long()
    columns = [as_value(np.ones(v.shape, v.dtype))] if n else []  # x**0, then x, x·x, ...
    for j in range(1, n):
        columns.append(v if j == 1 else columns[-1] * v)
    if not columns:
        return as_value(np.zeros(v.shape + (0,), v.dtype))
    out = stack(columns if increasing else columns[::-1], axis=1)
    return shown_as(out, v, _VANDER_INCREASING if increasing else _VANDER) if n > 1 else out


# PyTorch's nodes of torch.vander: ones with x copied into columns 1:, their cumprod copied back, flipped unless
# increasing (one stack of products here)
_COPIED = "CopySlices", (None, ("UnsqueezeBackward0", (0,)))
_INCREASING = "CopySlices", (_COPIED, ("CumprodBackward0", (("SliceBackward0", (_COPIED,)),)))
_VANDER_INCREASING, _VANDER = chain_layout(_INCREASING), chain_layout(("FlipBackward0", (_INCREASING,)))


def _copied_and_cumprod(out, x):
    """The entries of PyTorch's last CopySlices of vander(x, increasing=True): ones with x copied into columns 1:,
    and the cumprod of those columns (for its node hooks: grad_fn_chain_tops)."""
    from .scan import cumprod
    from .shape import broadcast_to, concatenate

    n = x.shape[0]
    repeated = broadcast_to(x.reshape(n, 1), shape=(n, out.shape[1] - 1))
    copied = concatenate([as_value(np.ones((n, 1), x.dtype)), repeated], axis=1)
    return copied, cumprod(copied[:, 1:], dim=1)


def _copied_back(out, copied, powers):  # the cumprod copied into columns 1:
    from .shape import concatenate

    return concatenate([copied[:, :1], powers], axis=1)


def _increasing(out, x):  # (the entry of torch.vander's FlipBackward0)
    return (_copied_back(out, *_copied_and_cumprod(out, x)),)


declare_top(_VANDER_INCREASING, _copied_and_cumprod, _copied_back)
declare_top(_VANDER, _increasing, lambda out, increasing: increasing.flip(1))


Histogramdd = collections.namedtuple("Histogramdd", ["hist", "bin_edges"])  # torch.return_types.histogramdd


def histogramdd(input, bins=10, range=None, weight=None, density=False):  # noqa: A002  (PyTorch's names)
    """The D-dimensional histogram of the points input (..., D) (at least 2 dimensions), as torch.histogramdd: bins
    an int (each dimension), a sequence of D ints, or a sequence of D Values of increasing edges; range a flat
    sequence (min₀, max₀, min₁, …); weight one number per point; density divides by the total and the bins' volumes.
    Returns (hist, bin_edges), hist in input's dtype, bin_edges a list of D Values; the last bin of each dimension
    includes its right edge. No gradient."""
    data = np.asarray(as_value(input).data)
    if data.dtype.kind != "f":
        refuse_complex_in_words('"histogramdd"', data)
        raise NotImplementedError(f"histogramdd(): not implemented for dtype {data.dtype} (floats only)")
    if data.ndim < 2:
        raise ShapeError("histogramdd(): input tensor should have at least 2 dimensions (points, D)")
    d = data.shape[-1]
    points = data.reshape(-1, d)
    if isinstance(bins, numbers.Integral):
        bins = [int(bins)] * d
    bins = [np.asarray(b.data if isinstance(b, Value) else b) for b in bins]
    if len(bins) != d:
        raise RuntimeError(f"histogramdd(): expected {d} sequences of bin edges or counts for {d} dimensions, got "
                           f"{len(bins)}")
    ranges = None
    if range is not None:
        if len(range) != 2 * d:
            raise RuntimeError(f"histogramdd(): expected {2 * d} numbers in range (min and max of each dimension), "
                               f"got {len(range)}")
        ranges = [(float(range[2 * i]), float(range[2 * i + 1])) for i in builtins.range(d)]
    edges = []
    for i, b in enumerate(bins):
        if b.ndim == 0:
            low, high = ranges[i] if ranges else ((points[:, i].min(), points[:, i].max()) if len(points) else (0, 0))
            if low == high:  # no width: one unit around the value, as PyTorch (and NumPy)
                low, high = low - 0.5, high + 0.5
            edges.append(np.linspace(low, high, int(b) + 1).astype(data.dtype))
        else:
            edges.append(b.astype(data.dtype))
    w = None if weight is None else np.asarray(weight.data if isinstance(weight, Value) else weight).reshape(-1)
    hist, _ = np.histogramdd(points, bins=edges, weights=w, density=bool(density))
    return Histogramdd(as_value(hist.astype(data.dtype)), [as_value(e) for e in edges])

