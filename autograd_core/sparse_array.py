"""`SparseArray`: the data of a sparse COO Value (PyTorch's `torch.sparse_coo` layout), and its gradients.

A sparse COO array of shape `sparse_shape + dense_shape` lists its nonzero entries: `indices`, an int64 array
(sparse_dim, nnz) of their positions in the first sparse_dim axes, and `values`, an array (nnz, *dense_shape) of
what is there (a hybrid array when dense_shape is not empty). An entry may be listed more than once until the array
is coalesced (duplicates sorted together and summed), as in PyTorch.

It is deliberately not an ndarray: NumPy's functions and ufuncs on it, and `np.asarray(it)`, raise
`SparseLayoutError` naming the operation, so a dense code path that meets sparse data fails loudly instead of
densifying it silently or building an object array. The operations that do work on it are the primitives of
ops/sparse.py, and `+` (the backward pass adds gradients with `prev + g`): sparse + sparse stays sparse, sparse +
dense is dense. It never changes in place, so a gradient may be shared by two nodes.
"""

from __future__ import annotations

import numpy as np

SPARSE_BACKEND = "SparseCPU"  # PyTorch's name for the backend of CPU sparse COO tensors, in our error messages


class SparseGradients:
    """Whether a `.grad` has held sparse data in this process (set when one is stored): optimizers look for sparse
    gradients among their parameters' only after that, so that dense training pays nothing for them."""

    stored = False


class SparseLayoutError(NotImplementedError):
    """An operation that has no sparse COO implementation, met a sparse Value (PyTorch's NotImplementedError
    "Could not run 'aten::exp' with arguments from the 'SparseCPU' backend")."""


def not_sparse(what):
    """The error for operation `what` on sparse COO data."""
    return SparseLayoutError(
        f"{what} is not implemented for sparse COO tensors (layout torch.sparse_coo, backend '{SPARSE_BACKEND}'); "
        "convert with .to_dense() first, or use the sparse operations (torch.sparse.mm, torch.spmm, @, +, * a number, "
        "t(), coalesce(), torch.sparse.sum, torch.sparse.softmax)")


class SparseData:
    """What the sparse data classes (SparseArray, CompressedArray) share: the reads of shape-reading code (Value.shape,
    .ndim, .dtype, .size, x.size()), `* a number`, negation and astype on the stored values, and the refusal, naming the
    operation, of everything else (NumPy's functions and conversions, indexing, comparisons). A subclass has `shape`
    (the dense array's), `values` (the stored elements), `with_values(values)` (its pattern with other values) and
    `_refused(what)` (the error for operation `what` on its layout)."""

    __slots__ = ()

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        """The number of elements of the dense array it stands for (NumPy's `size`)."""
        return int(np.prod(self.shape, dtype=np.int64))

    def __mul__(self, number):
        if isinstance(number, (int, float, complex, np.number)) and np.ndim(number) == 0:
            return self.with_values(self.values * number)
        raise self._refused(f"mul of a sparse array and {type(number).__name__}")

    __rmul__ = __mul__

    def __neg__(self):
        return self.with_values(-self.values)

    def astype(self, dtype):
        """Its values converted to dtype (complex to real: the real part, as PyTorch's)."""
        values = self.values
        if values.dtype.kind == "c" and np.dtype(dtype).kind != "c":
            values = values.real
        return self.with_values(values.astype(dtype))

    # ------------------------------------------------------------------------------------------------
    # Everything else refuses, naming the operation.

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.add and method == "__call__" and len(inputs) == 2 and not kwargs:
            return inputs[0] + inputs[1] if inputs[0] is self else inputs[1] + inputs[0]  # a gradient's `prev + g`
        if ufunc is np.conjugate and method == "__call__" and inputs == (self,) and not kwargs:
            return self.with_values(np.conjugate(self.values))  # the backward pass's conj of a complex gradient
        raise self._refused(ufunc.__name__ + ("" if method == "__call__" else f".{method}"))

    def __array_function__(self, func, types, args, kwargs):
        if func in _READ_SHAPE:  # np.shape, np.ndim: what the engine asks of any gradient (a hook's replacement)
            return _READ_SHAPE[func](self)
        raise self._refused(func.__name__)

    def __array__(self, dtype=None, copy=None):
        raise self._refused("conversion to a dense NumPy array (np.asarray)")

    def __getattr__(self, name):
        if name.startswith("_"):  # NumPy's and Python's probes (__array_interface__, ...) see a plain object
            raise AttributeError(name)
        raise self._refused(name)

    def __bool__(self):
        raise self._refused("bool()")

    def __getitem__(self, index):
        raise self._refused("indexing (getitem)")

    def _compare(self, other, name):
        raise self._refused(name)

    __eq__ = lambda self, other: self._compare(other, "equal (==)")  # noqa: E731
    __ne__ = lambda self, other: self._compare(other, "not_equal (!=)")  # noqa: E731
    __lt__ = lambda self, other: self._compare(other, "less (<)")  # noqa: E731
    __le__ = lambda self, other: self._compare(other, "less_equal (<=)")  # noqa: E731
    __gt__ = lambda self, other: self._compare(other, "greater (>)")  # noqa: E731
    __ge__ = lambda self, other: self._compare(other, "greater_equal (>=)")  # noqa: E731
    __hash__ = object.__hash__

    def __len__(self):
        return self.shape[0]


class SparseArray(SparseData):
    """A sparse COO array: `indices` (sparse_dim, nnz) int64, `values` (nnz, *dense_shape), `shape`, `coalesced`.

    The constructor trusts its arguments (ops/sparse.py validates users' input); `coalesced` says that the
    indices are sorted (lexicographically, the first sparse axis slowest) and distinct."""

    __slots__ = ("indices", "values", "shape", "coalesced")

    def __init__(self, indices, values, shape, coalesced=False):
        self.indices, self.values, self.shape, self.coalesced = indices, values, tuple(shape), bool(coalesced)

    @property
    def sparse_dim(self):
        return self.indices.shape[0]

    @property
    def dense_dim(self):
        return self.values.ndim - 1

    @property
    def nnz(self):
        return self.indices.shape[1]

    # ------------------------------------------------------------------------------------------------
    # The few array operations of the COO layout; the differentiable ones are primitives in ops/sparse.py.

    def keys(self):
        """Each entry's position in the sparse axes as one int64 (row-major over sparse_shape)."""
        sparse_shape = self.shape[:self.sparse_dim]
        if not sparse_shape:
            return np.zeros(self.nnz, dtype=np.int64)
        return np.ravel_multi_index(tuple(self.indices), sparse_shape)

    def coalesce(self):
        """The same array with its entries sorted and each position listed once (duplicates summed)."""
        if self.coalesced:
            return self
        keys = self.keys()
        unique, first, inverse = _unique(keys)
        values = np.zeros((len(unique),) + self.values.shape[1:], dtype=self.values.dtype)
        np.add.at(values, inverse, self.values)
        return SparseArray(self.indices[:, first], values, self.shape, coalesced=True)

    def to_dense(self):
        """The ndarray it stands for (duplicates summed)."""
        dense = np.zeros(self.shape, dtype=self.values.dtype)
        np.add.at(dense, tuple(self.indices), self.values)
        return dense

    def with_values(self, values):
        """Its pattern with other values (nnz, *dense_shape)."""
        return SparseArray(self.indices, values, self.shape, self.coalesced)

    def values_at(self, indices):
        """What this array holds at each of the sparse positions `indices` (sparse_dim, n): (n, *dense_shape),
        zeros where it has no entry."""
        array = self.coalesce()
        sparse_shape = self.shape[:self.sparse_dim]
        wanted = np.ravel_multi_index(tuple(indices), sparse_shape) if sparse_shape else np.zeros(
            indices.shape[1], dtype=np.int64)
        keys = array.keys()
        where = np.searchsorted(keys, wanted)
        found = where < len(keys)
        found[found] = keys[where[found]] == wanted[found]
        out = np.zeros((len(wanted),) + array.values.shape[1:], dtype=array.values.dtype)
        out[found] = array.values[where[found]]
        return out

    # A gradient's arithmetic in the dense rules it passes through (exp's g·out, sin's g·cos x, div's g / b, ...):
    # PyTorch's sparse * dense, sparse on this array's pattern, so a sparse gradient stays sparse down a chain of
    # them. What no rule here can do (dense / sparse, a dense operand broadcasting the array to a larger shape) refuses.

    def __mul__(self, other):
        if isinstance(other, (np.ndarray, np.generic)):
            return self.with_values(self.values * self._dense_at_entries(other, "mul"))
        return SparseData.__mul__(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, (np.ndarray, np.generic, int, float, complex)):
            return self.with_values(self.values / self._dense_at_entries(other, "divide"))
        raise self._refused(f"divide of a sparse array by {type(other).__name__}")

    def _dense_at_entries(self, dense, what):
        """Dense `dense`'s elements at this array's entries, (nnz, *dense_shape) (dense broadcast to its shape)."""
        dense = np.asarray(dense)  # (a Parameter's ParameterArray, a number: plain)
        if dense.ndim == 0:
            return dense
        try:
            if np.broadcast_shapes(dense.shape, self.shape) != self.shape:
                raise ValueError
        except ValueError:
            raise self._refused(f"{what} of a sparse array of shape {self.shape} and a dense one of shape "
                                f"{dense.shape}") from None
        return np.broadcast_to(dense, self.shape)[tuple(self.indices)]

    def swapaxes(self, axis1, axis2):
        """Sparse axes axis1 and axis2 interchanged (swapaxes' rule on a sparse gradient: PyTorch's transpose of one);
        a dense axis refuses."""
        axes = [a + self.ndim if a < 0 else a for a in (axis1, axis2)]
        if not all(0 <= a < self.sparse_dim for a in axes):
            raise self._refused("swapaxes of a dense axis")
        order = list(range(self.sparse_dim))
        order[axes[0]], order[axes[1]] = axes[1], axes[0]
        shape = list(self.shape)
        shape[axes[0]], shape[axes[1]] = shape[axes[1]], shape[axes[0]]
        return SparseArray(self.indices[order], self.values, shape, coalesced=self.coalesced and self.nnz < 2)

    def sum_to(self, shape):
        """This array summed over the axes of size 1 in `shape` (of as many axes) that it stretches: the engine's
        un-broadcasting of a sparse gradient, sparse and coalesced as PyTorch's (such an axis, if sparse, keeps index
        0). For a `shape` of fewer axes (where PyTorch's backward fails, viewing a sparse tensor), the dense array,
        for the engine to sum."""
        if len(shape) != self.ndim:
            return self.to_dense()
        sparse_dim = self.sparse_dim
        stretched = [d for d in range(self.ndim) if shape[d] == 1 and self.shape[d] != 1]
        values = self.values
        dense_axes = tuple(d - sparse_dim + 1 for d in stretched if d >= sparse_dim)
        if dense_axes:
            values = values.sum(axis=dense_axes, keepdims=True)
        indices = self.indices.copy()
        indices[[d for d in stretched if d < sparse_dim]] = 0
        return SparseArray(indices, values, tuple(shape)).coalesce()

    def __add__(self, other):
        if other.__class__ is SparseArray:
            if other.shape != self.shape:
                raise ValueError(f"add: sparse shapes {self.shape} and {other.shape} differ")
            return sparse_sum(self, other)
        if isinstance(other, (np.ndarray, np.generic)) and np.shape(other) == self.shape:
            return self.to_dense() + other  # a dense gradient met a sparse one: the sum is dense, as in PyTorch
        raise self._refused(f"add of a sparse array and {type(other).__name__} of shape {np.shape(other)}")

    __radd__ = __add__

    def __repr__(self):
        return (f"SparseArray(indices={self.indices.tolist()}, values={self.values.tolist()}, size={self.shape}, "
                f"nnz={self.nnz}, coalesced={self.coalesced})")

    def _refused(self, what):
        return not_sparse(what)


def sparse_sum(t, s):
    """t + s for sparse arrays of one shape, with the entries PyTorch's add of two sparse COO tensors gives
    (add_out_sparse_cpu), which is what the backward pass's accumulation calls: an empty operand gives the other;
    when both values arrays are C-contiguous, a merge of the two entry lists by position (head against head, the
    smaller first, equal positions summed into one entry), coalesced if both were; otherwise (a values array that
    is a broadcast or strided view) the entries of t then those of s, uncoalesced."""
    if s.nnz == 0:
        return t
    if t.nnz == 0:
        return s
    if not (t.values.flags.c_contiguous and s.values.flags.c_contiguous):
        return SparseArray(np.concatenate([t.indices, s.indices], axis=1), np.concatenate([t.values, s.values]),
                           t.shape)
    from_t, from_s = _merge_walk(t, s)
    values = np.zeros((len(from_t),) + t.values.shape[1:], dtype=np.result_type(t.values, s.values))
    has_t, has_s = from_t >= 0, from_s >= 0
    values[has_t] = t.values[from_t[has_t]]
    values[has_s] += s.values[from_s[has_s]]
    indices = np.empty((t.sparse_dim, len(from_t)), dtype=np.int64)
    indices[:, has_t] = t.indices[:, from_t[has_t]]
    indices[:, ~has_t] = s.indices[:, from_s[~has_t]]
    return SparseArray(indices, values, t.shape, coalesced=t.coalesced and s.coalesced)


def add_to_dense(dense, sparse, alpha=1):
    """dense += alpha·sparse, in place (a dense ndarray of sparse's shape): each entry added in turn, duplicates too,
    as PyTorch's add_ of a sparse tensor to a dense one. (PyTorch's fuses the multiply and the add of each element
    into one rounding; here they round apart, which can change the last bit.)"""
    values = sparse.values if alpha == 1 else sparse.values * alpha
    np.add.at(dense, tuple(sparse.indices), values)
    return dense


def _merge_walk(t, s):
    """For each entry of the merge of t's and s's entry lists (PyTorch's walk, on lists sorted or not), the entry of t
    and the entry of s it holds (-1 for none)."""
    tk, sk = t.keys(), s.keys()
    if t.coalesced and s.coalesced or np.array_equal(tk, sk):  # sorted or alike: the walk is a sorted union
        if np.array_equal(tk, sk):
            every = np.arange(len(tk))
            return every, every
        keys = np.union1d(tk, sk)
        return _position_in(keys, tk), _position_in(keys, sk)
    tk, sk = tk.tolist(), sk.tolist()
    from_t, from_s = [], []
    i = j = 0
    while i < len(tk) or j < len(sk):
        if j == len(sk) or (i < len(tk) and tk[i] < sk[j]):
            from_t.append(i), from_s.append(-1)
            i += 1
        elif i == len(tk) or tk[i] > sk[j]:
            from_t.append(-1), from_s.append(j)
            j += 1
        else:
            from_t.append(i), from_s.append(j)
            i, j = i + 1, j + 1
    return np.array(from_t, dtype=np.int64), np.array(from_s, dtype=np.int64)


def _position_in(keys, sub):
    """For each of the sorted distinct `keys`, its position in the sorted distinct `sub`, or -1."""
    where = np.searchsorted(sub, keys)
    found = where < len(sub)
    found[found] = sub[where[found]] == keys[found]
    return np.where(found, where, -1)


_READ_SHAPE = {np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim}


def _unique(keys):
    """np.unique(keys, return_index=True, return_inverse=True), stable: first is the first entry of each key."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], order[starts], inverse
