"""The primitives of PyTorch's sparse COO layout (data: `SparseArray`, sparse_array.py), each beside its derivative.

A gradient that reaches a sparse node is a SparseArray or a dense array of its shape (torch.mm's rule gives the sparse
operand a dense gradient, as PyTorch's does); the rules below take either. A sparse input's own gradient has the
pattern PyTorch gives it: its coalesced pattern (`masked`), or the output gradient handed through (`+`, `* c`, t()).
Rules are written with these primitives, so they also run on Values (create_graph=True).

Results whose data is sparse are made `SparseTensor`s (sparse_tensor.py) by `sparse_result`: the Value subclass whose
methods and operators are the sparse ones. The engine records them as it records any node.
"""

from __future__ import annotations

import numpy as np

from ..sparse_array import SparseArray
from ..value import Value
from .linalg import matmul
from .primitive import primitive
from .shape import astype, swapaxes


def sparse_result(v):
    """v, made a SparseTensor if its data is sparse (a Value of the same slots: only the methods change)."""
    if isinstance(v, Value) and v.data.__class__ is SparseArray:
        from ..sparse_tensor import SparseTensor

        v.__class__ = SparseTensor
    return v


def layout_of(x):
    """The array of x (data, or a Value in a rule run with create_graph): where rules read a sparse input's pattern,
    which is structure, not a number to differentiate."""
    return x.data if isinstance(x, Value) else x


def is_sparse_data(x):
    """Whether x (data or Value) is sparse."""
    return layout_of(x).__class__ is SparseArray


def pattern(x):
    """The coalesced indices of sparse x (data or Value): the pattern of the gradients PyTorch gives it."""
    return layout_of(x).coalesce().indices


def masked(g, x):
    """Gradient g (dense or sparse, of x's shape) on the coalesced pattern of sparse x: PyTorch's `g.sparse_mask(x)`."""
    indices = pattern(x)
    return sparse_coo(values_at(g, indices=indices), indices=indices, shape=tuple(x.shape), coalesced=True)


def dense_of(g):
    """g as a dense array (a sparse gradient summed into one)."""
    return to_dense(g) if is_sparse_data(g) else g


# ----------------------------------------------------------------------------------------------------
# Elementwise functions: those with f(0) = 0 map a sparse tensor to one of the same pattern, f of each stored value.
# PyTorch runs these on every sparse layout (compressed_tensor.py and sparse_tensor.py apply the dense primitive to
# the values, so its rule is the derivative); the others (exp, cos, sigmoid, log, ...) it refuses.

ZERO_PRESERVING = frozenset({"abs", "sin", "tan", "sqrt", "relu", "tanh", "sign", "expm1", "log1p", "trunc", "floor",
                             "ceil", "round", "asin", "atan", "sinh", "asinh", "atanh", "erf", "erfinv", "frac",
                             "angle", "nan_to_num"})
# Of those, PyTorch has some for one family of layouts only, and refuses them on the other naming its kernel (aten::)
COO_REFUSES = {"angle": "angle"}
COMPRESSED_REFUSES = {"nan_to_num": "nan_to_num.out"}


def could_not_run(kernel, backend):
    """PyTorch's NotImplementedError text for a kernel that `backend` ('SparseCPU', 'SparseCsrCPU') does not have."""
    return (f"Could not run 'aten::{kernel}' with arguments from the '{backend}' backend. This could be because the "
            "operator doesn't exist for this backend, or was omitted during the selective/custom build process (if "
            "using custom build).")
# the predicates false at 0 (torch.isnan(x), ...: boolean, no gradient), which PyTorch computes on the stored values
ZERO_PRESERVING_PREDICATES = (np.isnan, np.isinf, np.signbit, np.isposinf, np.isneginf)
# those with f(0) != 0, which PyTorch refuses in its own words
NOT_ZERO_PRESERVING = frozenset({"exp", "cos", "cosh", "acos", "acosh", "sigmoid", "log", "log2", "log10", "exp2",
                                 "erfc", "erfcx", "i0", "i0e", "ndtr", "log_ndtr", "lgamma", "digamma", "reciprocal",
                                 "rsqrt", "logit", "sinc"})


# ----------------------------------------------------------------------------------------------------
# Making sparse arrays and reading them.


@primitive("sparse_coo_tensor")
def sparse_coo(values, indices, shape, coalesced=False):
    """The sparse array of `shape` holding values[k] (nnz, *dense_shape) at indices[:, k] (sparse_dim, nnz)."""
    return SparseArray(indices, values, shape, coalesced)


sparse_coo.defvjp(lambda g, out, values, indices, shape, coalesced=False: values_at(g, indices=indices),
                  formulas=("g at each entry",))  # d out / d values[k] = 1 at indices[:, k] (duplicates too)
sparse_coo.defjvp_linear()


@primitive("sparse_values_at")
def values_at(x, indices, sparse_grad=False, shape=None):
    """What x (dense, or sparse) holds at each sparse position indices[:, k]: (n, *dense_shape); a sparse x's
    duplicates summed, zeros where it has no entry. sparse_grad: a dense x's gradient is sparse too, on the positions
    read (PyTorch's for the dense operand of sparse * dense), rather than dense. shape: a dense x broadcast to it first
    (its sparse gradient then summed back over the broadcast axes by the engine, as PyTorch's)."""
    if x.__class__ is SparseArray:
        if x.indices is indices and x.coalesced:
            return x.values
        return x.values_at(indices)
    if shape is not None:
        x = np.broadcast_to(x, shape)
    return x[tuple(indices)]


def _values_at_vjp(g, out, x, indices, sparse_grad=False, shape=None):
    # the entries' gradients put back where they were read: into a sparse array for sparse x, a dense one for dense x
    back = sparse_coo(g, indices=indices, shape=tuple(x.shape) if shape is None else shape)
    return back if sparse_grad or is_sparse_data(x) else to_dense(back)


values_at.defvjp(_values_at_vjp, formulas=("g scattered to the positions",))
values_at.defjvp_linear()


@primitive("to_dense")
def to_dense(x):
    """The dense array that sparse x stands for (duplicates summed)."""
    return x.to_dense()


to_dense.defvjp(lambda g, out, x: masked(g, x), formulas=("g on x's pattern",))
to_dense.defjvp_linear()


@primitive("to_sparse")
def to_sparse(x, sparse_dim):
    """Dense x as a coalesced sparse array of its nonzero entries: the first `sparse_dim` axes sparse, the rest a
    dense block per entry (kept if any of its elements is nonzero)."""
    x = np.asarray(x)
    nonzero = x != 0 if sparse_dim == x.ndim else (x != 0).reshape(x.shape[:sparse_dim] + (-1,)).any(-1)
    indices = np.array(np.nonzero(nonzero), dtype=np.int64).reshape(sparse_dim, -1)
    return SparseArray(indices, x[tuple(indices)], x.shape, coalesced=True)


to_sparse.defvjp(lambda g, out, x, sparse_dim: dense_of(g), formulas=("g, dense",))
to_sparse.defjvp(lambda t, out, x, sparse_dim: masked(t, out))  # the tangent on the pattern of out


@primitive("coalesce")
def coalesce(x):
    """Sparse x with its entries sorted and each position listed once (duplicates summed)."""
    return x.coalesce()


# PyTorch's CoalesceBackward0 hands g on as it is: coalescing only relabels the entries, so g (dense, or sparse on any
# pattern) is already the gradient of x's dense value; x's duplicates each read g at their position from it
coalesce.defvjp(lambda g, out, x: g, formulas=("g",))
coalesce.defjvp_linear()


# ----------------------------------------------------------------------------------------------------
# Arithmetic that keeps the layout.


@primitive("sparse_add")
def sparse_add(a, b):
    """a + b for two sparse arrays of one shape (sparse: their entries together; coalesced if both were)."""
    if a.shape != b.shape:
        raise ValueError(f"sparse add: shapes {a.shape} and {b.shape} differ")
    return a + b


sparse_add.defvjp(lambda g, out, a, b: g, lambda g, out, a, b: g, formulas=("g", "g"))  # d(a + b) = da + db
sparse_add.defjvp(lambda t, out, a, b: t, lambda t, out, a, b: t)  # (LINEAR would make zeros of a sparse input)


@primitive("sparse_scale")
def sparse_scale(x, factor):
    """Sparse x times the number `factor` (the same pattern)."""
    return x.with_values(x.values * factor)


def _scale_vjp(g, out, x, factor):
    grad = g * factor
    if np.iscomplexobj(factor) and layout_of(x).dtype.kind != "c":  # a real x's gradient: the real part (PyTorch's)
        grad = _astype_back(grad, out, x, layout_of(x).dtype)
    return grad


sparse_scale.defvjp(_scale_vjp, formulas=("g·c",))
sparse_scale.defjvp_linear()


@primitive("sparse_astype")
def sparse_astype(x, dtype):
    """Sparse x with its values converted to `dtype` (the same pattern)."""
    return x.astype(dtype)


def _astype_back(g, out, x, dtype):
    # g dense, or sparse in any layout (COO; CSR, ...: ops/sparse_compressed.py converts with this too)
    if isinstance(layout_of(g), (np.ndarray, np.generic)):
        return astype(g, dtype=x.dtype)
    return sparse_astype(g, dtype=x.dtype)


sparse_astype.defvjp(_astype_back, formulas=("g converted back",))
sparse_astype.defjvp_linear()


@primitive("sparse_transpose")
def sparse_transpose(x, dim0, dim1):
    """Sparse x with sparse axes dim0 and dim1 swapped (its index rows swapped: no longer coalesced)."""
    order = list(range(x.ndim))
    order[dim0], order[dim1] = dim1, dim0
    indices = x.indices[order[:x.sparse_dim]]
    shape = tuple(x.shape[i] for i in order)
    return SparseArray(indices, x.values, shape, coalesced=x.coalesced and x.nnz < 2)


def _transpose_back(g, out, x, dim0, dim1):
    if is_sparse_data(g):
        return sparse_transpose(g, dim0=dim0, dim1=dim1)
    return swapaxes(g, axis1=dim0, axis2=dim1)


sparse_transpose.defvjp(_transpose_back, formulas=("g transposed back",))
sparse_transpose.defjvp_linear()


@primitive("sparse_sum")
def sparse_sum(x, dims):
    """The sum of sparse x over the axes `dims` (a sorted tuple; all of them: a 0-d array). Dense when every sparse
    axis is summed, else sparse over the sparse axes left (coalesced), as torch.sparse.sum."""
    sparse_dim = x.sparse_dim
    dense_axes = tuple(d - sparse_dim + 1 for d in dims if d >= sparse_dim)
    values = x.values.sum(axis=dense_axes) if dense_axes else x.values
    kept = [d for d in range(sparse_dim) if d not in dims]
    if not kept:
        return values.sum(axis=0)
    shape = tuple(n for d, n in enumerate(x.shape) if d not in dims)
    return SparseArray(x.indices[kept], values, shape).coalesce()


def _sparse_sum_vjp(g, out, x, dims):
    indices = pattern(x)
    sparse_dim = len(indices)
    kept = [d for d in range(sparse_dim) if d not in dims]
    g_values = values_at(g, indices=indices[kept]) if kept else g[None]  # each entry's share of g
    for d in dims:  # the summed dense axes back, as size-1 axes broadcast over their length
        if d >= sparse_dim:
            axis = d - sparse_dim + 1
            g_values = g_values.reshape(g_values.shape[:axis] + (1,) + g_values.shape[axis:])
    dense_shape = tuple(x.shape[sparse_dim:])
    values = g_values * np.ones((indices.shape[1],) + dense_shape, dtype=x.dtype)
    return sparse_coo(values, indices=indices, shape=tuple(x.shape), coalesced=True)


sparse_sum.defvjp(_sparse_sum_vjp, formulas=("g on x's pattern",))
sparse_sum.defjvp_linear()


# ----------------------------------------------------------------------------------------------------
# Sparse @ dense.


@primitive("spmm")
def spmm(s, d, sparse_grad=False):
    """s @ d for a sparse matrix s (n, k) (two sparse axes, scalar values) and a dense d (k, m) or (k,): each entry
    s[r, c] adds s[r, c]·d[c] to row r of the result. sparse_grad: s's gradient is sparse on s's pattern
    (torch.sparse.mm's), else dense (torch.mm's, @'s)."""
    rows, cols = s.indices
    n, m = s.shape[0], d.shape[1:]
    columns = np.take(d.reshape(len(d), -1).T, cols, axis=1)  # (width, nnz): row c of d for each entry, transposed
    columns *= s.values
    # Each column summed into rows by one bincount: the fastest simple way measured (timeit, 2708 rows, 13k entries,
    # 16 columns, with the gather: np.add.at ~7 ms, reduceat over sorted rows ~3.5, one bincount over (row, column)
    # keys ~4, a bincount per column ~1.4; a dense matrix product ~31).
    sums = [_sum_into(rows, column, n) for column in columns]
    out = np.stack(sums, axis=-1) if sums else np.zeros((n, 0))
    return out.reshape((n,) + m).astype(np.result_type(s.values, d), copy=False)


def _sum_into(rows, weights, n):
    """The sum of `weights` (real or complex) falling on each of rows 0..n-1 (bincount takes real weights only)."""
    if weights.dtype.kind == "c":
        return np.bincount(rows, weights=weights.real, minlength=n) + 1j * np.bincount(rows, weights=weights.imag,
                                                                                      minlength=n)
    return np.bincount(rows, weights=weights, minlength=n)


def _spmm_vjp_s(g, out, s, d, sparse_grad=False):
    if sparse_grad:  # d(s @ d)/ds[r, c] = g[r] · d[c], at s's entries only: (g·dᵀ)[r, c] without making g·dᵀ
        indices = pattern(s)
        rows, cols = indices
        sampled = g[rows] * d[cols]
        if d.ndim == 2:
            sampled = sampled.sum(axis=-1)
        return sparse_coo(sampled, indices=indices, shape=tuple(s.shape), coalesced=True)
    return matmul(g, swapaxes(d, axis1=0, axis2=-1)) if d.ndim == 2 else matmul(g[:, None], d[None])  # g·dᵀ


def _spmm_vjp_d(g, out, s, d, sparse_grad=False):
    return spmm(sparse_transpose(s, dim0=0, dim1=1), g)  # sᵀ·g


spmm.defvjp(_spmm_vjp_s, _spmm_vjp_d, formulas=("g·dᵀ", "sᵀ·g"))
spmm.defjvp(lambda t, out, s, d, sparse_grad=False: spmm(t, d) if is_sparse_data(t) else matmul(t, d),
            lambda t, out, s, d, sparse_grad=False: spmm(s, t))  # d(s·d) = ds·d + s·dd


# ----------------------------------------------------------------------------------------------------
# Sparse @ sparse.


@primitive("sparse_sparse_matmul")
def sparse_matmul(a, b, masked_grad=False):
    """a @ b for sparse matrices a (n, k) and b (k, m) (two sparse axes, scalar values): a coalesced sparse (n, m)
    holding an entry wherever some stored a[i, j] meets a stored b[j, l] (even where the sum comes out 0), as
    PyTorch's. Each entry sums its products in increasing j, as PyTorch's row-by-row (Gustavson) product.
    masked_grad: the gradients keep only the inputs' own patterns' values (torch.sparse.mm's), else they are the
    whole products g·bᵀ and aᵀ·g (torch.mm's)."""
    a, b = a.coalesce(), b.coalesce()
    (rows_a, inner_a), (inner_b, cols_b) = a.indices, b.indices
    m = b.shape[1]
    row_start = np.searchsorted(inner_b, np.arange(b.shape[0] + 1))  # b's entries of row j: row_start[j]:[j + 1]
    counts = row_start[inner_a + 1] - row_start[inner_a]             # for each entry of a, the entries of b it meets
    of_a = np.repeat(np.arange(a.nnz), counts)
    of_b = row_start[inner_a][of_a] + np.arange(len(of_a)) - np.repeat(np.cumsum(counts) - counts, counts)
    keys = rows_a[of_a] * m + cols_b[of_b]
    order = np.argsort(keys, kind="stable")  # (stable: each sum in a's entry order, which is increasing j)
    ordered = keys[order]
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    slot = np.empty(len(keys), dtype=np.int64)
    slot[order] = np.cumsum(starts) - 1
    unique = ordered[starts]
    values = np.zeros(len(unique), dtype=np.result_type(a.values, b.values))
    np.add.at(values, slot, a.values[of_a] * b.values[of_b])  # in order: one product after another
    return SparseArray(np.stack([unique // m, unique % m]).astype(np.int64), values, (a.shape[0], m), coalesced=True)


def _sparse_matmul_vjp_a(g, out, a, b, masked_grad=False):
    if is_sparse_data(g):
        grad = sparse_matmul(g, sparse_transpose(b, dim0=0, dim1=1))                    # g·bᵀ
    else:  # a dense g (dense + sparse reached it): g·bᵀ = (b·gᵀ)ᵀ, dense
        grad = swapaxes(spmm(b, swapaxes(g, axis1=0, axis2=1)), axis1=0, axis2=1)
    return _on_pattern(grad, a) if masked_grad else grad


def _sparse_matmul_vjp_b(g, out, a, b, masked_grad=False):
    if is_sparse_data(g):
        grad = sparse_matmul(sparse_transpose(a, dim0=0, dim1=1), g)                    # aᵀ·g
    else:
        grad = spmm(sparse_transpose(a, dim0=0, dim1=1), g)
    return _on_pattern(grad, b) if masked_grad else grad


def _on_pattern(grad, x):
    """torch.sparse.mm's gradient of sparse input x: a sparse grad keeps its entries, 0 off x's pattern; a dense one
    (where PyTorch's fails) is taken on x's pattern."""
    return zero_outside(grad, indices=pattern(x)) if is_sparse_data(grad) else masked(grad, x)


sparse_matmul.defvjp(_sparse_matmul_vjp_a, _sparse_matmul_vjp_b, formulas=("g·bᵀ", "aᵀ·g"))
sparse_matmul.defjvp(lambda t, out, a, b, masked_grad=False: sparse_matmul(t, b),
                     lambda t, out, a, b, masked_grad=False: sparse_matmul(a, t))  # d(a·b) = da·b + a·db


@primitive("sparse_zero_outside")
def zero_outside(x, indices):
    """Sparse x with the values of its entries that are at none of the positions `indices` (sparse_dim, n) set to 0
    (its entries kept). x is coalesced (the sparse products that reach it are): the rule reads the gradient at each
    entry, which for an entry repeated in an uncoalesced x would count it once per repeat."""
    inside = np.isin(x.keys(), SparseArray(indices, None, x.shape).keys())
    return x.with_values(x.values * inside.reshape((-1,) + (1,) * (x.values.ndim - 1)))


def _zero_outside_vjp(g, out, x, indices):
    stored = layout_of(x)  # d out / d x's values: 1 inside, 0 outside; g read at x's entries
    back = sparse_coo(values_at(g, indices=stored.indices), indices=stored.indices, shape=stored.shape,
                      coalesced=stored.coalesced)
    return zero_outside(back, indices=indices)


zero_outside.defvjp(_zero_outside_vjp, formulas=("g at x's entries, 0 outside",))
zero_outside.defjvp_linear()


@primitive("sparse_mul", title="mul")
def sparse_mul(a, b):
    """a * b for sparse arrays of one shape and sparse dims, stored as PyTorch's intersection kernel stores it. Both
    coalesced (or either empty): an entry at each position both store (even where the product is 0), coalesced.
    Otherwise the entries of one operand, `source`, as they are stored (order and duplicates kept), each its value
    times the sum of the other's values at its position (0 where the other stores none), uncoalesced. source is the
    uncoalesced operand; of two uncoalesced ones, the one with fewer entries (b when they have as many)."""
    if a.coalesced and b.coalesced or not a.nnz or not b.nnz:
        common = np.intersect1d(a.keys(), b.keys())
        sparse_shape = a.shape[:a.sparse_dim]
        indices = np.stack(np.unravel_index(common, sparse_shape)).astype(np.int64).reshape(len(sparse_shape), -1)
        return SparseArray(indices, a.values_at(indices) * b.values_at(indices), a.shape, coalesced=True)
    if a.coalesced == b.coalesced:
        source, other = (a, b) if a.nnz < b.nnz else (b, a)
    else:
        source, other = (b, a) if a.coalesced else (a, b)
    return SparseArray(source.indices, source.values * other.values_at(source.indices), a.shape)


def _times(g, x, like):
    """PyTorch's g * x in a rule, for sparse x, in the dtype of the input `like` whose gradient it is: a sparse g by
    sparse_mul; a dense g read on x's coalesced pattern (PyTorch's dense * sparse: sparse, there)."""
    product = sparse_mul(g, x) if is_sparse_data(g) else sparse_mul(masked(g, x), coalesce(x))
    dtype = layout_of(like).dtype
    return product if layout_of(product).dtype == dtype else sparse_astype(product, dtype=dtype)


sparse_mul.defvjp(lambda g, out, a, b: _times(g, b, a), lambda g, out, a, b: _times(g, a, b),
                  formulas=("g·b", "g·a"))  # d(a·b) = da·b + a·db, each product PyTorch's sparse * sparse
sparse_mul.defjvp(lambda t, out, a, b: _times(t, b, out), lambda t, out, a, b: _times(t, a, out))


@primitive("sparse_values")
def sparse_values(x):
    """The values array (nnz, *dense_shape) of coalesced sparse x (Tensor.values()). Not for an uncoalesced x: the
    gradient of a duplicate's own value is no gradient of the tensor (PyTorch's _values() has none)."""
    if not x.coalesced:
        raise ValueError("sparse_values: the tensor must be coalesced")
    return x.values


def _sparse_values_vjp(g, out, x):
    stored = layout_of(x)
    return sparse_coo(g, indices=stored.indices, shape=stored.shape, coalesced=stored.coalesced)


sparse_values.defvjp(_sparse_values_vjp, formulas=("g at x's entries",))
sparse_values.defjvp_linear()


@primitive("add_sparse")
def add_sparse(d, s):
    """Dense d + sparse s of the same shape: dense (torch.add(dense, sparse))."""
    if d.shape != s.shape:
        raise ValueError(f"add(dense, sparse): shapes {d.shape} and {s.shape} differ (PyTorch does not broadcast here)")
    return d + s.to_dense()


add_sparse.defvjp(lambda g, out, d, s: g, lambda g, out, d, s: g, formulas=("g", "g"))  # dense gradients, as PyTorch's
add_sparse.defjvp(lambda t, out, d, s: t, lambda t, out, d, s: dense_of(t))


# ----------------------------------------------------------------------------------------------------
# Sums over slices of the stored entries: torch.sparse.softmax (graph attention's normalisation of edge scores) is a
# composition of this, exp, log and / on the values (sparse_tensor.py).


def slices(indices, dim):
    """For each entry of a sparse pattern (sparse_dim, nnz), the number of its slice along `dim` (the entries that
    agree on every other sparse index), and the number of slices."""
    others = np.delete(indices, dim, axis=0)
    if not len(others) or not indices.shape[1]:
        return np.zeros(indices.shape[1], dtype=np.int64), 1
    _, group = np.unique(others, axis=1, return_inverse=True)
    group = group.reshape(-1)
    return group, int(group.max()) + 1


def slice_peak(values, group, count):
    """For each entry k of `values` (nnz, ...), the largest value of its slice (no gradient: softmax's shift)."""
    peak = np.full((count,) + values.shape[1:], -np.inf, dtype=values.dtype)
    np.maximum.at(peak, group, values)
    return peak[group]


@primitive("slice_sum")
def slice_sum(values, group, count):
    """For each entry k of `values` (nnz, ...), the sum of the values of its slice: Σ_{j: group[j] = group[k]} v[j]."""
    totals = np.zeros((count,) + values.shape[1:], dtype=values.dtype)
    np.add.at(totals, group, values)
    return totals[group]


# The matrix of this linear map is symmetric (1 where two entries share a slice): its transpose is itself.
slice_sum.defvjp(lambda g, out, values, group, count: slice_sum(g, group=group, count=count),
                 formulas=("Σ_slice g",))
slice_sum.defjvp_linear()


# Complex data: in ops/complex.py's convention (the backward pass carries conj of PyTorch's gradient) the rules of a
# linear map with real coefficients (making, reading, converting, summing, transposing, scaling) and of the bilinear
# products (G·dᵀ, sᵀ·G: holomorphic, no conjugates) hold as they stand, and give PyTorch's gradients (checked in
# tests/test_sparse_gaps.py). softmax (slice_sum, slice_peak: an order of complex numbers) stays real only.
for _linear in (sparse_coo, values_at, to_dense, coalesce, sparse_astype, sparse_values, to_sparse, sparse_add,
                sparse_scale, sparse_transpose, sparse_sum, spmm, sparse_matmul, zero_outside, add_sparse, sparse_mul):
    _linear.defcomplex()
