"""Running sums and products along a dimension, sorting, and picking by the numbers: cumsum, cumprod, sort, topk,
argsort; median, cummax, cummin (the `pick` primitive, whose positions are read from each call's numbers).

cumsum and cumprod are primitives (a composition would cost n² per row); the sorted values are one primitive
(`sort`, also behind topk) whose forward sorts the data, so that a compiled step sorts each call's numbers
again instead of replaying the first call's order. Its rules read the order from the input's data: the
gradient is scattered back to where each value came from, the tangent gathered from there.

Order: ascending by default, ties in their original order (a stable sort); descending keeps ties in their
original order too, and NaN counts as larger than every number, as in PyTorch.
"""

from __future__ import annotations

import collections

import numpy as np

from ..one_node import shown_as
from .elementwise import data_of, where
from .index import along, as_value, check_dim
from .nondifferentiable import refuse_complex, refuse_complex_in_words, without_gradient
from .primitive import primitive
from .reduce import prod
from .shape import _getitem, broadcast_to, reshape, scatter_add

Sorted = collections.namedtuple("sort", ["values", "indices"])   # PyTorch's torch.return_types.sort
TopK = collections.namedtuple("topk", ["values", "indices"])     # torch.return_types.topk


def _reversed(x, axis):
    """x with its entries in reverse order along `axis` (on arrays and Values alike)."""
    return _getitem(x, index=(slice(None),) * axis + (slice(None, None, -1),))


# ----------------------------------------------------------------------------------------------------
# Running sums and products.


def _accumulated(running, x, axis):
    """np.cumsum or np.cumprod of x along axis; float16 accumulates in float32 and rounds each output, as PyTorch's
    CPU kernels do (float32 is its accumulate type for half): a long float16 running sum of 0.1s reaches 500 at the
    5000th step, where adding in float16 stalls at 256."""
    if x.dtype == np.float16:
        return running(x, axis=axis, dtype=np.float32).astype(np.float16)
    return running(x, axis=axis)


@primitive("cumsum")
def _cumsum(x, axis):
    """out[..., j, ...] = Σ_{i ≤ j} x[..., i, ...] along axis."""
    return _accumulated(np.cumsum, x, axis)


# d out_j / d x_i = 1 for i ≤ j: the gradient is the running sum of g taken from the end.
_cumsum.defvjp(lambda g, out, x, axis: _reversed(_cumsum(_reversed(g, axis), axis=axis), axis),
               formulas=("reversed cumsum of g",))
_cumsum.defjvp_linear()


@primitive("cumprod")
def _cumprod(x, axis):
    """out[..., j, ...] = Π_{i ≤ j} x[..., i, ...] along axis."""
    return _accumulated(np.cumprod, x, axis)


def _first_zero(x, axis):
    """k: the positions along axis (broadcastable against x); z: each row's first zero's position (n if none)."""
    zero = np.asarray(data_of(x)) == 0
    n = zero.shape[axis]
    k = np.arange(n).reshape([n if d == axis else 1 for d in range(zero.ndim)])
    return k, np.where(zero.any(axis=axis, keepdims=True), zero.argmax(axis=axis, keepdims=True), n)


def _running_from_end(v, axis):
    return _reversed(_cumsum(_reversed(v, axis), axis=axis), axis)


# d out_j / d x_i = Π_{k ≤ j, k ≠ i} x_k for i ≤ j. Without zeros that is out_j / x_i. With zeros, take each row's
# first zero z, P = Π_{k < z} x_k and the row after it, y = (1, ..., 1, x_{z+1}, ...), whose running product is c:
# then out_j = P · x_z · c_j for j ≥ z, and the gradient is
#     i < z:  Σ_{j ≥ i} g_j out_j / x_i       (out_j = 0 for j ≥ z, but its derivative in x_z is not)
#     i = z:  P · Σ_{j ≥ z} g_j c_j
#     i > z:  P · x_z · (the gradient of the row y at i), the same rule again (once per further zero).
# Each written with x_z, out and c as operations, not as the numbers 0, so that second derivatives are right; the
# cost is O(n) per row and per zero, not O(n²).


def _around_first_zero(x, axis, k, z):
    """x before its first zero (ones from there on), y (ones up to the zero, then x), y's running product c,
    P = Π_{k < z} x_k and x_z: operations on x, so that their derivatives are kept."""
    safe, y = where(k < z, x, 1), where(k <= z, 1, x)
    x_z = where(k == z, x, 0).sum(axis=axis, keepdims=True)
    return safe, y, _cumprod(y, axis=axis), prod(safe, axis=axis, keepdims=True), x_z


def _cumprod_vjp(g, out, x, axis):
    if np.size(data_of(x)) == 0:  # nothing to differentiate (and no first zero to look for)
        return g * out
    k, z = _first_zero(x, axis)
    before = k < z
    if np.all(before):  # no zeros
        return _running_from_end(g * out, axis) / x
    safe, y, c, p, x_z = _around_first_zero(x, axis, k, z)
    at_zero = p * _running_from_end(g * c, axis)
    after_zero = p * x_z * _cumprod_vjp(g, c, y, axis)
    return where(before, _running_from_end(g * out, axis) / safe, where(k == z, at_zero, after_zero))


def _cumprod_jvp(t, out, x, axis):
    # d out_j = out_j Σ_{i ≤ j, i < z} dx_i / x_i  +  [j ≥ z] (P c_j dx_z + P x_z dc_j), dc the tangent of c.
    if np.size(data_of(x)) == 0:
        return t * out
    k, z = _first_zero(x, axis)
    before = k < z
    if np.all(before):  # no zeros
        return out * _cumsum(t / x, axis=axis)
    t = broadcast_to(t, shape=np.shape(data_of(x)))
    safe, y, c, p, x_z = _around_first_zero(x, axis, k, z)
    t_z = where(k == z, t, 0).sum(axis=axis, keepdims=True)
    from_zero = p * (c * t_z + x_z * _cumprod_jvp(where(k <= z, 0, t), c, y, axis))
    return out * _cumsum(where(before, t, 0) / safe, axis=axis) + where(before, 0, from_zero)


_cumprod.defvjp(_cumprod_vjp, formulas=("Σ_{j≥i} g_j Π_{k≤j,k≠i} x_k",))
_cumprod.defjvp(_cumprod_jvp)


def cumsum(input, dim=None, *, dtype=None, axis=None):
    """The running sum along `dim`: out[..., j, ...] = Σ_{i ≤ j} input[..., i, ...]; same shape as input.
    dtype: convert input first (as PyTorch's dtype=). Integer and boolean inputs give int64.
    axis: another name for dim (PyTorch and NumPy both take it: `A.cumsum(axis=0)`)."""
    return _scan(_cumsum, input, _dim_or_axis(dim, axis, "cumsum"), dtype)


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """The running product along `dim`: out[..., j, ...] = Π_{i ≤ j} input[..., i, ...]; same shape as input.
    The gradient is right where input has zeros (the product of the other factors, as PyTorch's), in O(n) per row.
    axis: another name for dim, as in cumsum."""
    return _scan(_cumprod, input, _dim_or_axis(dim, axis, "cumprod"), dtype)


def _dim_or_axis(dim, axis, name):
    """The one dimension given as `dim` or as its alias `axis` (PyTorch's `cumsum(x, axis=0)`); both or neither is
    a TypeError, as in PyTorch."""
    if dim is None and axis is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'dim'")
    if dim is not None and axis is not None:
        raise TypeError(f"{name}() got the dimension twice: dim={dim!r} and its alias axis={axis!r}")
    return axis if dim is None else dim


def _scan(prim, input, dim, dtype):
    x = as_value(input)
    if dtype is not None:
        x = x.type(dtype)
    elif x.dtype.kind in "biu":
        x = x.type(np.int64)
    if x.ndim == 0:
        check_dim(dim, 0)
        return reshape(prim(reshape(x, shape=(1,)), axis=0), shape=())
    return prim(x, axis=check_dim(dim, x.ndim))


# ----------------------------------------------------------------------------------------------------
# Sorting.


def _order(data, axis, descending):
    """The indices that sort `data` along axis (stable; NaN largest; ties in their original order)."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    # Sorting the reversed data ascending and reversing the result puts the largest first (NaN first, as
    # PyTorch), and keeps ties in their original order.
    n = data.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(data, axis), axis=axis, kind="stable"), axis)


def _first(order, axis, k):
    return order if k is None else order[(slice(None),) * axis + (slice(0, k),)]


def _sorted_positions(x, axis, descending, k):
    order = _first(_order(np.asarray(data_of(x)), axis, descending), axis, k)
    return along(order, axis)


@primitive("sort")
def _sort(x, axis, descending=False, k=None):
    """The first k (all when None) values of x sorted along axis."""
    return x[_sorted_positions(x, axis, descending, k)]


_sort.keeps_for_name = lambda params: {"k": params.get("k")}  # SortBackward0, or TopkBackward0 (grad_fn_names.py)


# The gradient goes back to where each sorted value came from; the tangent is read from there.
_sort.defvjp(lambda g, out, x, axis, descending=False, k=None:
             scatter_add(g, index=_sorted_positions(x, axis, descending, k), shape=x.shape),
             formulas=("g scattered to the sorted positions",))
_sort.defjvp(lambda t, out, x, axis, descending=False, k=None:
             _getitem(broadcast_to(t, shape=x.shape), index=_sorted_positions(x, axis, descending, k)))


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices (int64) that sort input along `dim`; ties keep their original order (stable=True is
    accepted: the sort is always stable), NaN is largest. No gradient."""
    refuse_complex_in_words(" Sort does not support complex dtypes on CPU", input, kind=RuntimeError)
    x = as_value(input)
    dim = check_dim(dim, x.ndim)
    if x.ndim == 0:
        return reshape(argsort(reshape(x, shape=(1,)), 0, descending), shape=())
    return without_gradient(_argsort_data, x, axis=dim, descending=bool(descending))


def _argsort_data(data, axis, descending, k=None):
    return _first(_order(np.asarray(data), axis, descending), axis, k).astype(np.int64)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices): input sorted along `dim` (ascending unless descending=True), and where each value was
    (int64), as PyTorch's torch.return_types.sort. values is differentiable: its gradient goes back to the
    positions the values came from. The sort is stable (ties keep their original order); NaN is largest."""
    return _sort_and_indices(Sorted, input, dim, bool(descending), None)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest, largest=False) entries along `dim`, in sorted order
    (also with sorted=False, which leaves the order to the implementation in PyTorch), as torch.topk.
    Ties: the earlier entry first. values is differentiable, like sort's."""
    refuse_complex_in_words(" topk does not support complex dtypes on CPU", input, kind=RuntimeError)
    x = as_value(input)
    size = x.shape[check_dim(dim, x.ndim)] if x.ndim else 1
    if not 0 <= int(k) <= size:
        raise RuntimeError(f"selected index k out of range (topk(): k = {k}, and the dimension has {size} entries)")
    return _sort_and_indices(TopK, x, dim, bool(largest), int(k))


def _sort_and_indices(kind, input, dim, descending, k):
    x = as_value(input)
    dim = check_dim(dim, x.ndim)
    if x.ndim == 0:  # a vector of one element, and the results 0-d again (empty for topk with k = 0)
        values, indices = _sort_and_indices(kind, reshape(x, shape=(1,)), 0, descending, k)
        return kind(*(r if r.shape == (0,) else reshape(r, shape=()) for r in (values, indices)))
    values = _sort(x, axis=dim, descending=descending, k=k)
    indices = without_gradient(_argsort_data, x, axis=dim, descending=descending, k=k)
    return kind(values, indices)


# ----------------------------------------------------------------------------------------------------
# Picking one entry by the numbers: the median, the running maximum and minimum.

Median = collections.namedtuple("median", ["values", "indices"])   # torch.return_types.median
CumMax = collections.namedtuple("cummax", ["values", "indices"])   # torch.return_types.cummax
CumMin = collections.namedtuple("cummin", ["values", "indices"])   # torch.return_types.cummin


def _picked_positions(data, how, axis, k=None):
    """Where along `axis` each output entry of `_pick` comes from (int64, x's shape; size 1 along axis for the
    median, max, min, kthvalue and mode), read from the numbers as PyTorch picks them:

    median: the lower median ((n - 1) // 2 in a stable ascending sort), or the first NaN where the row has one;
    kthvalue: rank k (from 1) in a stable ascending sort, NaN largest (torch.kthvalue's);
    mode: where the most frequent value (the smallest among equally frequent ones) last occurs (torch.mode's on the
    CPU);
    max, min: the first maximum (minimum), or the first NaN (x.max(dim)'s, as argmax and argmin find them);
    cummax, cummin: the latest position of the running maximum (minimum) so far, ties included; after a NaN,
    the latest NaN so far.
    """
    data = np.asarray(data)
    if how == "max":
        return np.argmax(data, axis=axis, keepdims=True).astype(np.int64, copy=False)
    if how == "min":
        return np.argmin(data, axis=axis, keepdims=True).astype(np.int64, copy=False)
    if how == "kthvalue":
        return np.take(_order(data, axis, False), [k - 1], axis=axis).astype(np.int64)
    if how == "mode":
        return _mode_positions(data, axis)
    if how == "median":
        nan = np.isnan(data) if data.dtype.kind in "fc" else np.zeros(data.shape, dtype=bool)
        order = np.argsort(data, axis=axis, kind="stable")
        lower = np.take(order, [(data.shape[axis] - 1) // 2], axis=axis)
        return np.where(nan.any(axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True),
                        lower).astype(np.int64)
    running = (np.maximum if how == "cummax" else np.minimum).accumulate(data, axis=axis)
    marked = data == running  # a new extreme or a tie with it; NaN: np.maximum/minimum carry it on
    if data.dtype.kind in "fc":
        marked |= np.isnan(data)
    shape = [1] * data.ndim
    shape[axis] = data.shape[axis]
    positions = np.where(marked, np.arange(data.shape[axis]).reshape(shape), 0)
    return np.maximum.accumulate(positions, axis=axis).astype(np.int64)


def _mode_positions(data, axis):
    """For each row along axis: where its most frequent value (the smallest among equally frequent ones) was
    last seen, as PyTorch's mode on the CPU reports it (int64, size 1 along axis)."""
    data = np.moveaxis(np.asarray(data), axis, -1)
    rows = data.reshape(-1, data.shape[-1])
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]  # np.unique sorts: the first of the most frequent is the smallest
        out[r] = np.flatnonzero(row == best)[-1] if best == best else np.flatnonzero(np.isnan(row))[-1]
    return np.moveaxis(out.reshape(data.shape[:-1] + (1,)), -1, axis)


@primitive("pick")
def _pick(x, how, axis, keepdims=True, k=None):
    """The entries of x at the positions `_picked_positions` reads from x's numbers ('median', 'max', 'min',
    'cummax', 'cummin', 'mode', 'kthvalue' of rank k); keepdims=False drops `axis` (of size 1 then: one pick per
    row). A primitive, so that a compiled step picks from each call's numbers again; recorded through `pick`, under
    PyTorch's node of each."""
    picked = x[along(_picked_positions(x, how, axis, k), axis)]
    return picked if keepdims else np.squeeze(picked, axis)


# PyTorch's node of each kind of pick (x.max(dim) records MaxBackward0, x.kthvalue(k, dim) KthvalueBackward0, ...)
_PICK_NAMES = {"max": "MaxBackward0", "min": "MinBackward0", "median": "MedianBackward1", "cummax": "CummaxBackward0",
               "cummin": "CumminBackward0", "kthvalue": "KthvalueBackward0", "mode": "ModeBackward0"}


def pick(x, how, axis, keepdims=True, k=None):
    """`_pick` recorded under PyTorch's name for `how` (a named twin: the name does not depend on the parameters,
    which a backward pass without retain_graph frees)."""
    named = _pick.named(_PICK_NAMES[how])
    return named(x, how=how, axis=axis, keepdims=keepdims) if k is None else named(x, how=how, axis=axis,
                                                                                   keepdims=keepdims, k=k)


def _kept(v, x, axis, keepdims):
    """v (an output-shaped gradient) with the picked axis back as size 1, where keepdims=False dropped it."""
    return v if keepdims else reshape(v, shape=x.shape[:axis] + (1,) + x.shape[axis + 1:])


def _dropped(v, axis, keepdims):
    return v if keepdims else reshape(v, shape=v.shape[:axis] + v.shape[axis + 1:])


# The gradient goes to the entry each output took (summed where several outputs took one); the tangent is read there.
_pick.defvjp(lambda g, out, x, how, axis, keepdims=True, k=None:
             scatter_add(_kept(g, x, axis, keepdims), index=along(_picked_positions(data_of(x), how, axis, k), axis),
                         shape=x.shape),
             formulas=("g at the picked positions",))
_pick.defjvp(lambda t, out, x, how, axis, keepdims=True, k=None:
             _dropped(_getitem(broadcast_to(t, shape=x.shape),
                               index=along(_picked_positions(data_of(x), how, axis, k), axis)), axis, keepdims))


def _picked(input, how, dim, keepdim=True, k=None):
    """(values, indices) of _pick along dim (a 0-d input is a vector of one); keepdim=False drops dim (one pick per
    row: median, kthvalue, mode)."""
    x = as_value(input)
    refuse_complex(how, x)  # no order among complex numbers (PyTorch's words, for cummax and cummin)
    if x.ndim == 0:
        check_dim(dim, 0)
        values, indices = _picked(reshape(x, shape=(1,)), how, 0, k=k)
        # views around the pick here, PyTorch's one node (ModeBackward0, ...) over x
        return shown_as(reshape(values, shape=()), x, _PICK_NAMES[how]), reshape(indices, shape=())
    axis = check_dim(dim, x.ndim)
    indices = without_gradient(_picked_positions, x, how=how, axis=axis, k=k)
    if not keepdim:
        indices = reshape(indices, shape=indices.shape[:axis] + indices.shape[axis + 1:])
    return pick(x, how, axis, keepdim, k), indices


def _nan_of_empty(flat):
    """The median of no elements: NaN, as PyTorch's, still joined to the input (whose gradient is empty)."""
    return flat.sum() * np.asarray(np.nan, dtype=flat.dtype if flat.dtype.kind == "f" else np.float64)


def _shared_by_ties(flat, value):
    """`value` (0-d, picked from the 1-d `flat`) with its gradient split equally among the elements of flat equal
    to it (NaN equal to NaN), as PyTorch's median() and nanmedian() of all elements split it."""
    data, picked = data_of(flat), data_of(value)
    if not flat.requires_grad or np.isinf(picked):  # an infinite median keeps the pick's gradient (inf - inf: NaN)
        return value
    ties = np.flatnonzero((data == picked) | (np.isnan(data) & np.isnan(picked)) if data.dtype.kind == "f"
                          else data == picked)
    tied = _getitem(flat, index=ties)
    # Both differences are exactly 0 (NaN for a NaN median, which is the result then), so the forward is `value`;
    # the gradient cancels the pick's own and spreads 1/k to each of the k tied elements.
    return value + ((tied - tied.detach()).mean() - (value - value.detach()))


def median(input, dim=None, keepdim=False):
    """The lower median, as torch.median: of all the elements (a 0-d Value) when dim is None, else (values,
    indices) along dim (keepdim keeps it as size 1). The lower median is the ((n - 1) // 2)-th smallest (not
    the mean of the two middle ones); a NaN makes the median NaN (the first NaN's index), and so does an empty
    input, as in PyTorch. Along dim the gradient goes to the element picked (among equal elements, the one a
    stable sort puts at that rank); of all the elements it is split equally among the elements equal to the
    median, as PyTorch's."""
    refuse_complex_in_words('"median_cpu"' if dim is None else '"median_out"', input)
    x = as_value(input)
    if dim is None:
        flat = reshape(x, shape=(-1,))
        if flat.shape[0] == 0:
            return _nan_of_empty(flat)
        median = _shared_by_ties(flat, reshape(pick(flat, "median", 0), shape=()))
        return shown_as(median, x, "MedianBackward0")  # PyTorch's one node over x
    if x.ndim and x.shape[axis := check_dim(dim, x.ndim)] == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    return Median(*_picked(x, "median", dim, keepdim))


def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was (the latest position among ties), as
    torch.cummax. A NaN carries on (the latest NaN's index). values' gradient goes to those positions."""
    return CumMax(*_picked(input, "cummax", dim))


def cummin(input, dim):
    """(values, indices): the running minimum along dim and where it was, as torch.cummin (see cummax)."""
    return CumMin(*_picked(input, "cummin", dim))
