"""More of PyTorch's reductions and statistics: nansum, nanmean, logcumsumexp, kthvalue, mode, quantile,
nanquantile, nanmedian, aminmax, cov, corrcoef, trapezoid/trapz, cumulative_trapezoid, renorm, and the counting
functions without a gradient searchsorted, bucketize, histc.

Differentiable ones are compositions: of `where` and sums (nansum, nanmean), of `sort` and indexing (quantile:
the gradient goes to the elements picked, shared by interpolation weights), of logsumexp (logcumsumexp),
of matmul and sums (cov, corrcoef, trapezoid). Positions read from the numbers (which element is the k-th, the
mode) are computed on the data, as torch.return_types' indices are; kthvalue and mode are one `pick` node each
(ops/scan.py), as PyTorch's KthvalueBackward0 and ModeBackward0.
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from ..errors import ShapeError
from ..one_node import outputs_of_one_node, shown_as
from ..value import Value
from .arrange import movedim, take_along_dim
from .elementwise import where
from .index import as_value, check_dim
from .nondifferentiable import refuse_complex_in_words, without_gradient
from .primitive import dims_named_once, scalar_dims
from .shape import reshape, stack, swapaxes
from .special import logaddexp
from .scan import _nan_of_empty, _picked, _shared_by_ties, cumsum, sort

KthValue = collections.namedtuple("kthvalue", ["values", "indices"])   # torch.return_types.kthvalue
Mode = collections.namedtuple("mode", ["values", "indices"])           # torch.return_types.mode
NanMedian = collections.namedtuple("nanmedian", ["values", "indices"])  # torch.return_types.nanmedian
AminMax = collections.namedtuple("aminmax", ["min", "max"])            # torch.return_types.aminmax


def _axis(dim, ndim=None):
    """PyTorch's dim as NumPy's axis: a list as a tuple, and () or [] as None (every dimension, as PyTorch); a 0-d
    input's (ndim 0) dims checked and made None (scalar_dims)."""
    if ndim == 0 and dim is not None:
        return scalar_dims(dim)
    if isinstance(dim, (tuple, list)):
        return dims_named_once(tuple(dim), ndim) if dim else None
    return dim


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over dim (all elements by default), NaN counted as zero; NaN elements get no gradient."""
    x = as_value(input)
    if x.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")  # PyTorch's words (nanmean's too)
    if dtype is not None:
        x = x.astype(dtype) if np.dtype(dtype).kind == "f" else as_value(np.asarray(x.data).astype(dtype))
    if x.dtype.kind == "f":
        x = where(without_gradient(np.isnan, x), np.zeros((), x.dtype), x)
    return x.sum(axis=_axis(dim, x.ndim), keepdims=bool(keepdim))


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over dim of the elements that are not NaN (NaN where all are)."""
    x = as_value(input)
    if dtype is not None:
        x = x.astype(dtype)
    if x.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    if x.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {x.dtype}")
    counted = without_gradient(_not_nan_count, x, axis=_axis(dim, x.ndim), keepdims=bool(keepdim))
    return nansum(x, dim, keepdim) / counted


def _not_nan_count(data, axis, keepdims):
    return np.sum(~np.isnan(data), axis=axis, keepdims=keepdims).astype(np.asarray(data).dtype)


def logcumsumexp(input, dim):
    """log Σ_{j ≤ i} exp(input_j) along dim, computed stably (no overflow at ±1000): each output is the
    logsumexp of its prefix, here of the row with the later entries masked to −inf. Memory grows as n² per row
    of length n (which gives the gradient, forward mode and higher derivatives of logsumexp)."""
    x = as_value(input)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp(): expected a floating point input, got {x.dtype}")
    if x.ndim == 0:
        check_dim(dim, 0)
        return shown_as(x * 1, x, "LogcumsumexpBackward0")
    dim = check_dim(dim, x.ndim)
    last = movedim(x, dim, -1)
    n = last.shape[-1]
    if x.dtype.kind == "c" and n:
        # PyTorch's scan, sum_i = logaddexp(x_i, sum_{i−1}): its imaginary parts are not reduced to (−π, π], which
        # one logsumexp per prefix would do
        sums = [last[..., 0]]
        for i in range(1, n):
            sums.append(logaddexp(last[..., i], sums[-1]))
        return movedim(stack(sums, axis=-1), -1, dim)
    later = np.triu(np.ones((n, n), dtype=bool), k=1)  # row i: True after i
    # (..., i, j): x_j for j <= i, −inf after (chosen, not added: an infinite x_j + (−inf) would be NaN)
    prefixes = where(later, -np.inf, last.unsqueeze(-2))
    return shown_as(movedim(prefixes.logsumexp(axis=-1), -1, dim), x, "LogcumsumexpBackward0")  # PyTorch's one node


def _keep(v, dim, keepdim):
    return v if keepdim else v.squeeze(dim)


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices): the k-th smallest entry along dim (k from 1) and its position, as torch.kthvalue.
    Among equal entries, the one a stable sort puts at rank k. The gradient goes to that entry."""
    refuse_complex_in_words('"kthvalue_cpu"', input)
    x = as_value(input)
    if x.ndim == 0:
        check_dim(dim, 0)
        if int(k) != 1:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
        return KthValue(shown_as(x * 1, x, "KthvalueBackward0"), as_value(np.asarray(0, dtype=np.int64)))
    dim = check_dim(dim, x.ndim)
    n = x.shape[dim]
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size.")
    if not 1 <= int(k) <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    return KthValue(*_picked(x, "kthvalue", dim, keepdim, k=int(k)))  # one node, KthvalueBackward0


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent entry along dim (the smallest among equally frequent ones) and the
    position where it last occurs, as torch.mode. The gradient goes to that entry."""
    refuse_complex_in_words('"mode_cpu"', input)
    x = as_value(input)
    if x.ndim and x.shape[check_dim(dim, x.ndim)] == 0:
        raise IndexError(f"mode(): Expected reduction dim {check_dim(dim, x.ndim)} to have non-zero size.")
    return Mode(*_picked(x, "mode", dim, keepdim))  # one node, ModeBackward0


def _pick_along(result, positions, x, dim, keepdim):
    """result(values, indices) for the entry of each row along dim that positions(data, axis) names (int64, size 1
    along axis, read from the numbers without a gradient); the gradient goes to that entry. A 0-d x is its own pick
    (index 0). PyTorch's IndexError for an empty dim, named after the function (result's name)."""
    if x.ndim == 0:
        check_dim(dim, 0)
        return result(x * 1, as_value(np.asarray(0, dtype=np.int64)))
    dim = check_dim(dim, x.ndim)
    if x.shape[dim] == 0:
        raise IndexError(f"{result.__name__}(): Expected reduction dim {dim} to have non-zero size.")
    indices = without_gradient(positions, x, axis=dim)
    values = take_along_dim(x, indices, dim)
    return result(_keep(values, dim, keepdim), _keep(indices, dim, keepdim))


def _nanmedian_positions(data, axis):
    """Where the lower median of the non-NaN entries is (size 1 along axis); rows of NaN only: a NaN."""
    data = np.asarray(data)
    order = np.argsort(data, axis=axis, kind="stable")  # NaN last
    count = np.sum(~np.isnan(data), axis=axis, keepdims=True) if data.dtype.kind == "f" else \
        np.full(data.shape[:axis] + (1,) + data.shape[axis + 1:], data.shape[axis])
    rank = np.maximum(count - 1, 0) // 2
    return np.take_along_axis(order, rank, axis=axis).astype(np.int64)


def nanmedian(input, dim=None, keepdim=False):
    """The lower median of the entries that are not NaN, as torch.nanmedian: of all elements (a 0-d Value) when
    dim is None, else (values, indices) along dim. NaN only where every entry is NaN (or there is none, as in
    PyTorch). Along dim the gradient goes to the entry picked; of all elements it is split equally among the
    entries equal to the median, as PyTorch's."""
    refuse_complex_in_words('"median_cpu"' if dim is None else '"median_out"', input)
    x = as_value(input)
    if dim is None:
        flat = x.reshape(-1)
        if flat.shape[0] == 0:
            return _nan_of_empty(flat)
        median = _shared_by_ties(
            flat, take_along_dim(flat, without_gradient(_nanmedian_positions, flat, axis=0), 0).reshape(()))
        return shown_as(median, x, "NanmedianBackward0")  # PyTorch's one node over x
    values, indices = _pick_along(NanMedian, _nanmedian_positions, x, dim, keepdim)
    return NanMedian(shown_as(values, x, "NanmedianBackward1"), indices)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    x = as_value(input)
    if x.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")  # nanquantile's too
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    q_data = np.asarray(q.data if isinstance(q, Value) else q, dtype=np.float64)
    if q_data.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if np.any((q_data < 0) | (q_data > 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    # PyTorch's steps, node for node and shape for shape (its node hooks then get PyTorch's gradients): the rows
    # sorted (x flattened, or x itself along its last dimension, else x.unsqueeze(-1).transpose(dim, -1)), viewed as
    # the output's shape (q's first, 1 for a number) without q's and with the rows' length last, the picks gathered
    # per q (the last dimension), interpolated by lerp, and q's dimension moved first (squeezed for a number)
    if dim is None:
        rows = x.reshape(-1)
        out_shape = [1] * x.ndim if keepdim else []
    else:
        out_dim = check_dim(dim, x.ndim)
        # (the primitive, which records a node also where the axes are one: a 0-d x's, as PyTorch's)
        rows = x if out_dim == x.ndim - 1 else swapaxes(x.unsqueeze(-1), axis1=out_dim, axis2=-1)
        out_shape = list(x.shape)
        if x.ndim:
            out_shape[out_dim:out_dim + 1] = [1] if keepdim else []
    if rows.shape[-1] == 0:
        raise ShapeError(f"{name}() input tensor must be non-empty")
    ordered = sort(rows, -1).values  # NaN last
    n = ordered.shape[-1]
    # PyTorch's view (ViewBackward0), whatever the layout sort gives (its input's: column-major for a transpose)
    spread = reshape.named("ViewBackward0")(ordered, shape=tuple(out_shape) + (n,))
    data = np.asarray(spread.data)
    nan = np.isnan(data)
    count = (n - nan.sum(axis=-1, keepdims=True)) if ignore_nan else np.full(data.shape[:-1] + (1,), n)
    position = q_data.reshape(-1) * np.maximum(count - 1, 0)  # (rows..., Q)
    if not ignore_nan:  # a row with a NaN: its last sorted entry, a NaN (which takes the gradient, as PyTorch's)
        position = np.where(nan.any(axis=-1, keepdims=True), n - 1, position)
    low, high = np.floor(position).astype(np.intp), np.ceil(position).astype(np.intp)
    if interpolation == "nearest":
        low = high = np.round(position).astype(np.intp)  # halves to even, as torch.round
    elif interpolation == "lower":
        high = low
    elif interpolation == "higher":
        low = high
    # shown as PyTorch's nodes: the picks its gathers, their interpolation its lerp
    low_v = shown_as(take_along_dim(spread, low, -1), spread, "GatherBackward0")
    if interpolation == "midpoint":
        high_v = shown_as(take_along_dim(spread, high, -1), spread, "GatherBackward0")
        interpolated = shown_as((low_v + high_v) * 0.5, (low_v, high_v, None), "LerpBackward1")
    elif interpolation == "linear":
        high_v = shown_as(take_along_dim(spread, high, -1), spread, "GatherBackward0")
        interpolated = shown_as(low_v + (high_v - low_v) * (position - low).astype(x.dtype), (low_v, high_v, None),
                                "LerpBackward1")
    else:
        interpolated = low_v
    if q_data.ndim:  # PyTorch's in-place unsqueeze_(0), transpose_(0, -1): q's dimension first
        ahead = shown_as(interpolated.unsqueeze(0), interpolated, "UnsqueezeBackward1")
        interpolated = shown_as(swapaxes(ahead, axis1=0, axis2=-1), ahead, "TransposeBackward1")
    return shown_as(interpolated.reshape(interpolated.shape[:-1]), interpolated, "SqueezeBackward4")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles (q in [0, 1]: a number, or a 1-D Value whose entries make a new first dimension) over
    all elements (dim None) or along dim, as torch.quantile: between the sorted entries at ranks floor and ceil
    of q·(n − 1), interpolated as `interpolation` says (linear, lower, higher, midpoint, nearest). A row with a
    NaN gives NaN. Gradients go to the entries used, by their interpolation weights."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile over the entries that are not NaN (NaN only for rows of NaN only)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over all elements or along dim, as torch.aminmax; ties share the gradient, as amin/amax."""
    x = as_value(input)
    refuse_complex_in_words('"aminmax_cpu"', x)
    if x.size == 0:
        raise ShapeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                         "identity.")
    args = {"axis": None if dim is None else check_dim(dim, x.ndim), "keepdims": bool(keepdim)}
    if dim is None and keepdim:
        args["axis"] = tuple(range(x.ndim))
    # PyTorch's one node of two outputs, AminmaxBackward0: two here, each named so (one GradFn)
    return AminMax(*outputs_of_one_node((shown_as(x.min(**args), x, "AminmaxBackward0"),
                                         shown_as(x.max(**args), x, "AminmaxBackward0"))))


def _searchsorted_data(sequence, values, side):
    sequence, values = np.asarray(sequence), np.asarray(values)
    if sequence.ndim == 1:
        return np.searchsorted(sequence, values, side=side)
    rows = sequence.reshape(-1, sequence.shape[-1])
    found = [np.searchsorted(r, v, side=side) for r, v in zip(rows, values.reshape(rows.shape[0], -1))]
    return np.stack(found).reshape(values.shape)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """For each value of input, the index where it would be inserted into sorted_sequence (sorted along its last
    dimension) to keep it sorted: before equal entries (right=False, side='left') or after them. A 1-D sequence
    serves every value; otherwise its leading dimensions match input's. int64 (int32 with out_int32); no
    gradient."""
    refuse_complex_in_words('"searchsorted_out_cpu"', sorted_sequence, input)
    seq = as_value(sorted_sequence)
    values = as_value(input)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if seq.ndim == 0:
        raise ShapeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                         "is 1, but we got boundaries tensor dim(0)")
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise ShapeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                         f"dimensions of boundaries tensor and input value tensor must match, but we got "
                         f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    seq_data = np.asarray(seq.data)
    if sorter is not None:
        seq_data = np.take_along_axis(seq_data, np.asarray(sorter.data if isinstance(sorter, Value) else sorter),
                                      axis=-1)
    found = _searchsorted_data(seq_data, values.data, "right" if right else "left")
    return as_value(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """For each value, the index of its bucket among the 1-D sorted `boundaries`: i with boundaries[i-1] < x <=
    boundaries[i] (right=False) or boundaries[i-1] <= x < boundaries[i] (right=True). No gradient."""
    refuse_complex_in_words('"searchsorted_out_cpu"', input, boundaries)
    b = as_value(boundaries)
    if b.ndim != 1:
        raise ShapeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):  # noqa: A002  (PyTorch's argument names)
    """The counts of input's elements in `bins` equal bins between min and max (the data's own minimum and
    maximum when both are 0), in input's dtype; elements outside are ignored. No gradient."""
    refuse_complex_in_words('"aminmax_cpu"', input)
    x = as_value(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.histc: input tensor must be a floating point tensor, got {x.dtype}")
    if int(bins) <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError(f"torch.histc(): max must be larger than min (got min={min}, max={max})")
    return without_gradient(_histogram, x, bins=int(bins), low=float(min), high=float(max))


def _histogram(data, bins, low, high):
    data = np.asarray(data)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    counts, _ = np.histogram(data[np.isfinite(data)], bins=bins, range=(low, high))
    return counts.astype(data.dtype)


Histogram = collections.namedtuple("histogram", ["hist", "bin_edges"])  # torch.return_types.histogram


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002  (PyTorch's names)
    """torch.histogram: `(hist, bin_edges)` of input's elements (any shape, floating point), both 1-D Values in
    input's dtype, without gradient. `bins` an int: that many equal bins over `range=(min, max)` (the data's own
    minimum and maximum when None; ±0.5 around a single value), hist of shape (bins,), bin_edges (bins + 1,);
    `bins` a 1-D Value or sequence: the increasing bin edges themselves. Each bin holds [left, right), the last
    also its right edge; elements outside are not counted. `weight` (input's shape): each element counts its
    weight instead of 1. `density=True`: hist / (total count × bin width), a density that integrates to 1."""
    x = as_value(input)
    if x.dtype.kind != "f":
        refuse_complex_in_words('"histogramdd"', x)
        raise RuntimeError(f"torch.histogram: input must be a floating point tensor, got {x.dtype}")
    data = np.asarray(x.data).reshape(-1)
    if weight is not None:
        weight = np.asarray(as_value(weight).data)
        if weight.shape != x.shape:
            raise ShapeError(f"torch.histogram: if weight tensor is provided it should have the same shape as the "
                             f"input tensor excluding its innermost dimension, but got input with shape {x.shape} "
                             f"and weight with shape {weight.shape}")
        weight = weight.reshape(-1)
    if isinstance(bins, numbers.Integral):
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            low, high = float(range[0]), float(range[1])
        elif data.size:
            low, high = float(data.min()), float(data.max())
        else:
            low, high = 0.0, 1.0
        if low > high:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {low} max {high}")
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, int(bins) + 1).astype(x.dtype)  # PyTorch's edges to an ulp or two
    else:
        edges = np.asarray(as_value(bins).data)
        if edges.dtype != x.dtype:
            raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                               f"input with dtype {x.dtype} and bins with dtype {edges.dtype}")
        if edges.ndim != 1 or edges.size < 2:
            raise RuntimeError(f"torch.histogram(): bins tensor should have one dimension and at least 2 elements, "
                               f"but got shape {edges.shape}")
        if np.any(np.diff(edges) < 0):
            raise ValueError("torch.histogram(): bin edges must be non-decreasing")
    counts, _ = np.histogram(data, bins=edges, weights=weight)
    counts = counts.astype(np.float64)
    if density:
        counts = counts / (counts.sum() * np.diff(edges.astype(np.float64)))
    return Histogram(Value(counts.astype(x.dtype), requires_grad=False), Value(edges, requires_grad=False))


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of input (variables, observations) (a 1-D input is one
    variable: a 0-d result), as torch.cov: Σ w (x − mean)(x − mean)ᵀ / (Σw − correction · ...), with integer
    frequency weights fweights and observation weights aweights (both 1-D, one per observation)."""
    x = as_value(input)
    if x.dtype.kind in "iu":  # integers: computed in the default float dtype, as PyTorch's
        from ..dtypes import DEFAULTS

        x = x.to(DEFAULTS["dtype"])
    if x.ndim > 2:
        raise ShapeError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                         "dimensions")
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    n = rows.shape[1]
    weights = None
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is None:
            continue
        w = as_value(w)
        if w.ndim > 1 or w.size != n:
            raise ShapeError(f"cov(): expected {name} to have one dimension and {n} elements, got shape "
                             f"{list(w.shape)}")
        if np.any(np.asarray(w.data) < 0):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        if name == "fweights" and w.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got {w.dtype}")
        weights = w if weights is None else weights * w
    if weights is None:
        mean = rows.mean(axis=1, keepdims=True)
        total = n
        norm = n - correction
    else:
        total = weights.sum()
        mean = (rows * weights).sum(axis=1, keepdims=True) / total
        if aweights is None or correction == 0:
            norm = total - correction
        else:
            norm = total - correction * (weights * as_value(aweights)).sum() / total
    centred = rows - mean
    product = (centred if weights is None else centred * weights) @ centred.T.conj()  # (x − m)(x − m)ᴴ
    if not isinstance(norm, Value) and norm <= 0:
        norm = 0
    out = product / norm
    return out.reshape(()) if x.ndim < 2 else out


def corrcoef(input):
    """The Pearson correlation coefficients of the variables in input's rows: cov / (σ_i σ_j), clipped to
    [−1, 1], as torch.corrcoef."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    r = c / std.reshape(-1, 1) / std.reshape(1, -1)
    if r.dtype.kind == "c":  # the real and imaginary parts clipped apart, as PyTorch's (complex numbers have no order)
        from .complex import complex as complex_of_parts

        return complex_of_parts(r.real.clip(-1, 1), r.imag.clip(-1, 1))
    return r.clip(-1, 1)


def _trapezoid_parts(name, y, x, dx, dim):
    y = as_value(y)
    if y.ndim == 0:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    dim = check_dim(dim, y.ndim)
    n = y.shape[dim]
    lead = (slice(None),) * dim
    mids = (y[lead + (slice(1, None),)] + y[lead + (slice(0, max(n - 1, 0)),)]) * 0.5
    if x is None:
        return mids * (1 if dx is None else dx), dim
    x = as_value(x)
    if x.ndim == 1:
        if x.shape[0] != n:
            raise ShapeError(f"{name}: There must be one `x` value for each sample point")
        steps = x[1:] - x[:-1]
        steps = steps.reshape((-1,) + (1,) * (y.ndim - dim - 1))
    else:
        steps = x[(slice(None),) * check_dim(dim, x.ndim) + (slice(1, None),)] - \
            x[(slice(None),) * check_dim(dim, x.ndim) + (slice(0, -1),)]
    return steps * mids, dim


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """∫ y along dim by the trapezoidal rule: Σ (x[i+1] − x[i]) (y[i+1] + y[i]) / 2, with sample points x (1-D,
    or of y's shape) or a constant spacing dx (1 by default)."""
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: received both x and dx; give at most one")
    parts, dim = _trapezoid_parts("trapezoid", y, x, dx, dim)
    return parts.sum(axis=dim)


def trapz(y, x=None, *, dx=None, dim=-1):
    """torch.trapz: trapezoid (trapz(y, x, dim=...) or trapz(y, dx=..., dim=...))."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral of y along dim: one entry fewer than y there (trapezoid of each prefix)."""
    if x is not None and dx is not None:
        raise RuntimeError("cumulative_trapezoid: received both x and dx; give at most one")
    parts, dim = _trapezoid_parts("cumulative_trapezoid", y, x, dx, dim)
    return cumsum(parts, dim)


def renorm(input, p, dim, maxnorm):
    """input with each slice along dim (input.select(dim, i)) whose p-norm exceeds maxnorm scaled down to norm
    maxnorm (by maxnorm / (norm + 1e-7), as PyTorch); the others unchanged. Differentiable through the norms."""
    x = as_value(input)
    if not isinstance(p, numbers.Real) or p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if x.ndim <= 1:
        raise ShapeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    dim = check_dim(dim, x.ndim)
    others = tuple(d for d in range(x.ndim) if d != dim)
    norms = x.norm(p, dim=others, keepdim=True)
    over = norms > maxnorm
    scale = where(over, maxnorm / (norms + 1e-7), np.ones((), x.dtype))
    return x * scale

