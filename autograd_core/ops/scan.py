"""Running sums and products along a dimension, and sorting: cumsum, cumprod, sort, topk, argsort.

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

from .elementwise import data_of, where
from .index import along, as_value, check_dim
from .nondifferentiable import without_gradient
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


@primitive("cumsum")
def _cumsum(x, axis):
    """out[..., j, ...] = Σ_{i ≤ j} x[..., i, ...] along axis."""
    return np.cumsum(x, axis=axis)


# d out_j / d x_i = 1 for i ≤ j: the gradient is the running sum of g taken from the end.
_cumsum.defvjp(lambda g, out, x, axis: _reversed(_cumsum(_reversed(g, axis), axis=axis), axis),
               formulas=("reversed cumsum of g",))
_cumsum.defjvp_linear()


@primitive("cumprod")
def _cumprod(x, axis):
    """out[..., j, ...] = Π_{i ≤ j} x[..., i, ...] along axis."""
    return np.cumprod(x, axis=axis)


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


def cumsum(input, dim, *, dtype=None):
    """The running sum along `dim`: out[..., j, ...] = Σ_{i ≤ j} input[..., i, ...]; same shape as input.
    dtype: convert input first (as PyTorch's dtype=). Integer and boolean inputs give int64."""
    return _scan(_cumsum, input, dim, dtype)


def cumprod(input, dim, *, dtype=None):
    """The running product along `dim`: out[..., j, ...] = Π_{i ≤ j} input[..., i, ...]; same shape as input.
    The gradient is right where input has zeros (the product of the other factors, as PyTorch's), in O(n) per row."""
    return _scan(_cumprod, input, dim, dtype)


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


# The gradient goes back to where each sorted value came from; the tangent is read from there.
_sort.defvjp(lambda g, out, x, axis, descending=False, k=None:
             scatter_add(g, index=_sorted_positions(x, axis, descending, k), shape=x.shape),
             formulas=("g scattered to the sorted positions",))
_sort.defjvp(lambda t, out, x, axis, descending=False, k=None:
             _getitem(broadcast_to(t, shape=x.shape), index=_sorted_positions(x, axis, descending, k)))


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices (int64) that sort input along `dim`; ties keep their original order (stable=True is
    accepted: the sort is always stable), NaN is largest. No gradient."""
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
    x = as_value(input)
    size = x.shape[check_dim(dim, x.ndim)] if x.ndim else 1
    if not 0 <= int(k) <= size:
        raise RuntimeError(f"topk(): selected index k ({k}) out of range (the dimension has {size} entries)")
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
