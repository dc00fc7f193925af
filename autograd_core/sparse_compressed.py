"""`CompressedArray`: the data of a Value in one of PyTorch's compressed sparse layouts (CSR, CSC, BSR, BSC).

A compressed array of shape `batch_shape + (nrows, ncols) + dense_shape` stores, for each batch, the same number nnz
of entries along one "compressed" axis (rows for CSR/BSR, columns for CSC/BSC):

    compressed  (*batch, n + 1)  int   entries of compressed slot i are compressed[i]:compressed[i + 1]
    plain       (*batch, nnz)    int   the other coordinate of each entry (its column for CSR, its row for CSC)
    values      (*batch, nnz, *block, *dense_shape)  block = (r, c) for BSR/BSC (a dense r×c block per entry), () else

(PyTorch's crow_indices/col_indices, ccol_indices/row_indices). The math of every operation is the COO layout's
(sparse_array.py, ops/sparse.py): `to_coo` lists the same entries as a COO array, in this array's own order (one COO
entry per element of a block), and `from_coo` builds a compressed array from COO data, sorted as PyTorch sorts it.
Like a SparseArray it is not an ndarray and never changes in place; NumPy's functions on it raise, naming the
operation and the layout.
"""

from __future__ import annotations

import numpy as np

from .sparse_array import SparseArray, SparseData
from .tensor_attributes import Layout

sparse_csr = Layout("sparse_csr")  # torch.sparse_csr
sparse_csc = Layout("sparse_csc")
sparse_bsr = Layout("sparse_bsr")
sparse_bsc = Layout("sparse_bsc")
COMPRESSED_LAYOUTS = (sparse_csr, sparse_csc, sparse_bsr, sparse_bsc)
ROW_MAJOR = (sparse_csr, sparse_bsr)   # rows compressed: crow_indices, col_indices
BLOCKED = (sparse_bsr, sparse_bsc)
TRANSPOSED = {sparse_csr: sparse_csc, sparse_csc: sparse_csr, sparse_bsr: sparse_bsc, sparse_bsc: sparse_bsr}
BACKEND = {sparse_csr: "SparseCsr", sparse_csc: "SparseCsc", sparse_bsr: "SparseBsr", sparse_bsc: "SparseBsc"}


def index_names(layout):
    """PyTorch's names of the compressed and plain indices of `layout` ("crow_indices", "col_indices") for CSR/BSR."""
    return ("crow_indices", "col_indices") if layout in ROW_MAJOR else ("ccol_indices", "row_indices")


def not_compressed(what, layout):
    """The error for operation `what` on data of a compressed layout."""
    return NotImplementedError(
        f"{what} is not implemented for sparse compressed tensors (layout {layout}, backend '{BACKEND[layout]}'); "
        "convert with .to_dense() first, or use the operations of this layout (@, torch.mm, torch.addmm, "
        "torch.sparse.mm, * a number, + of the same layout, t(), sum(), to(dtype), to_sparse_coo())")


class CompressedArray(SparseData):
    """A compressed sparse array: `compressed`, `plain`, `values`, `shape`, `layout` (see the module's docstring).
    The constructor trusts its arguments (compressed_tensor.py validates users' input)."""

    __slots__ = ("compressed", "plain", "values", "shape", "layout")

    def __init__(self, compressed, plain, values, shape, layout):
        self.compressed, self.plain, self.values = compressed, plain, values
        self.shape, self.layout = tuple(shape), layout

    @property
    def batch_dim(self):
        return self.compressed.ndim - 1

    @property
    def blocksize(self):
        """(r, c) for BSR/BSC, else None."""
        if self.layout not in BLOCKED:
            return None
        return tuple(self.values.shape[self.batch_dim + 1:self.batch_dim + 3])

    @property
    def dense_dim(self):
        return self.ndim - self.batch_dim - 2

    @property
    def nnz(self):
        """Entries (blocks for BSR/BSC) per batch."""
        return self.plain.shape[-1]

    def same_pattern(self, other):
        """Whether other stores its entries at the same places, in the same order, in the same layout."""
        return (other.layout is self.layout and other.shape == self.shape and other.blocksize == self.blocksize
                and np.array_equal(other.compressed, self.compressed) and np.array_equal(other.plain, self.plain))

    def with_values(self, values):
        """Its pattern with other values (of the same shape)."""
        return CompressedArray(self.compressed, self.plain, values, self.shape, self.layout)

    # ------------------------------------------------------------------------------------------------
    # Conversions: the COO layout is where the math lives.

    def entry_positions(self):
        """(batch indices (batch_dim, n), rows (n,), cols (n,)) of the n = batch·nnz stored entries (blocks for
        BSR/BSC, at block coordinates), in storage order."""
        batch_shape = self.compressed.shape[:-1]
        count = int(np.prod(batch_shape, dtype=np.int64))
        compressed = self.compressed.reshape(count, -1).astype(np.int64)
        slots = compressed.shape[1] - 1
        major = np.repeat(np.tile(np.arange(slots, dtype=np.int64), count), np.diff(compressed, axis=1).ravel())
        minor = self.plain.reshape(-1).astype(np.int64)
        batch = np.zeros((0, len(minor)), dtype=np.int64)
        if batch_shape:
            batch = np.array(np.unravel_index(np.repeat(np.arange(count, dtype=np.int64), self.nnz), batch_shape),
                             dtype=np.int64).reshape(len(batch_shape), -1)
        rows, cols = (major, minor) if self.layout in ROW_MAJOR else (minor, major)
        return batch, rows, cols

    def coo_indices(self):
        """The COO indices (batch_dim + 2, n) of the stored elements, in storage order (each block's elements row by
        row): what `to_coo` lists, without reading the values."""
        batch, rows, cols = self.entry_positions()
        if self.layout in BLOCKED:
            r, c = self.blocksize
            batch = np.repeat(batch, r * c, axis=1)
            rows = (rows[:, None, None] * r + np.arange(r)[None, :, None] + np.zeros((1, 1, c), np.int64)).reshape(-1)
            cols = (cols[:, None, None] * c + np.zeros((1, r, 1), np.int64) + np.arange(c)[None, None, :]).reshape(-1)
        return np.concatenate([batch, rows[None], cols[None]])

    def to_coo(self):
        """The same entries as a SparseArray (batch dims and the two matrix dims sparse, the rest dense), listed in
        this array's storage order: coalesced when that order is sorted (CSR's; not CSC's or BSR's)."""
        dense_shape = self.shape[self.batch_dim + 2:]
        coo = SparseArray(self.coo_indices(), self.values.reshape((-1,) + dense_shape), self.shape)
        coo.coalesced = bool(np.all(np.diff(coo.keys()) > 0)) if coo.nnz > 1 else True
        return coo

    def to_dense(self):
        """The ndarray it stands for."""
        return self.to_coo().to_dense()

    # ------------------------------------------------------------------------------------------------
    # What the backward pass does with gradients: add them (scaling them and converting their dtype: SparseData).

    def __add__(self, other):
        if other.__class__ is CompressedArray:
            if other.layout is not self.layout or other.shape != self.shape:
                raise ValueError(f"add: sparse {self.layout} {self.shape} and {other.layout} {other.shape} differ")
            if self.same_pattern(other):
                return self.with_values(self.values + other.values)
            return from_coo(SparseArray.__add__(self.to_coo(), other.to_coo()), self.layout, self.blocksize)
        if isinstance(other, (np.ndarray, np.generic)) and np.shape(other) == self.shape:
            return self.to_dense() + other  # a dense gradient met a compressed one: the sum is dense
        raise self._refused(f"add of a sparse array and {type(other).__name__} of shape {np.shape(other)}")

    __radd__ = __add__

    def __repr__(self):
        first, second = index_names(self.layout)
        return (f"CompressedArray({first}={self.compressed.tolist()}, {second}={self.plain.tolist()}, "
                f"values={None if self.values is None else self.values.tolist()}, size={self.shape}, "
                f"layout={self.layout})")

    def _refused(self, what):
        return not_compressed(what, self.layout)


def from_coo(coo, layout, blocksize=None):
    """The SparseArray `coo` (its sparse dims: batch dims, then rows and columns) in compressed `layout`, its entries
    summed where repeated and sorted by batch, compressed index, then plain index, as PyTorch's conversions store
    them. BSR/BSC: the blocks of `blocksize` (r, c) holding an entry, each stored whole (zeros where the entry is
    not). Every batch must hold the same number of entries (PyTorch's RuntimeError otherwise)."""
    coo = coo.coalesce()
    sparse_dim = coo.sparse_dim
    if sparse_dim < 2:
        raise RuntimeError(f"to {layout}: expected a tensor of at least 2 sparse dims, got {sparse_dim}")
    batch_shape, (nrows, ncols) = coo.shape[:sparse_dim - 2], coo.shape[sparse_dim - 2:sparse_dim]
    dense_shape = coo.shape[sparse_dim:]
    rows, cols = coo.indices[-2], coo.indices[-1]
    r, c = blocksize if layout in BLOCKED else (1, 1)
    if nrows % r or ncols % c:
        raise RuntimeError(f"Tensor size({nrows}, {ncols}) is not divisible by the blocksize ({r}, {c})")
    block_rows, block_cols = rows // r, cols // c
    major, minor = (block_rows, block_cols) if layout in ROW_MAJOR else (block_cols, block_rows)
    n_major, n_minor = (nrows // r, ncols // c) if layout in ROW_MAJOR else (ncols // c, nrows // r)
    batch = np.ravel_multi_index(tuple(coo.indices[:-2]), batch_shape) if batch_shape else np.zeros(
        coo.nnz, np.int64)
    keys = (batch * n_major + major) * n_minor + minor
    blocks, where = np.unique(keys, return_inverse=True)  # sorted: batch, then compressed, then plain index
    count = int(np.prod(batch_shape, dtype=np.int64))
    per_batch = np.bincount(blocks // (n_major * n_minor), minlength=count)
    if count and np.any(per_batch != per_batch[0]):
        raise RuntimeError("Expect the same number of specified elements per batch.")
    nnz = int(per_batch[0]) if count else 0
    slot = (blocks // n_minor).astype(np.int64)  # batch * n_major + compressed index
    starts = np.zeros((count, n_major + 1), dtype=np.int64)
    starts[:, 1:] = np.cumsum(np.bincount(slot, minlength=count * n_major).reshape(count, n_major), axis=1)
    block = (r, c) if layout in BLOCKED else ()
    values = np.zeros((len(blocks),) + block + dense_shape, dtype=coo.values.dtype)
    if block:
        values[where, rows % r, cols % c] = coo.values
    else:
        values[where] = coo.values
    return CompressedArray(starts.reshape(batch_shape + (n_major + 1,)),
                           (blocks % n_minor).astype(np.int64).reshape(batch_shape + (nnz,)),
                           values.reshape(batch_shape + (nnz,) + block + dense_shape), coo.shape, layout)


def invariant_errors(compressed, plain, nnz, shape, layout, batch_dim):
    """The first of PyTorch's sparse compressed invariants (check_sparse_tensor_invariants) that the index arrays
    break, as PyTorch's message, or None. compressed (*batch, n + 1) and plain (*batch, nnz) are int arrays whose
    shapes are already checked; shape is the tensor's (batch, matrix, dense sizes in blocks for BSR/BSC)."""
    first, second = index_names(layout)
    n_major, n_minor = (shape[batch_dim], shape[batch_dim + 1]) if layout in ROW_MAJOR else (
        shape[batch_dim + 1], shape[batch_dim])
    minor_name = "ncols" if layout in ROW_MAJOR else "nrows"
    major_name = "nrows" if layout in ROW_MAJOR else "ncols"
    if compressed.size and np.any(compressed[..., 0] != 0):
        return f"`{first}[..., 0] == 0` is not satisfied."
    if compressed.size and np.any(compressed[..., -1] != nnz):
        return f"`{first}[..., -1] == nnz` is not satisfied."
    steps = np.diff(compressed, axis=-1)
    if np.any(steps < 0) or np.any(steps > n_minor):
        return f"`0 <= {first}[..., 1:] - {first}[..., :-1] <= {minor_name}` is not satisfied."
    if plain.size and (plain.min() < 0 or plain.max() >= n_minor):
        return f"`0 <= {second} < {minor_name}` is not satisfied."
    # within each compressed slot, plain indices strictly increase: a step down or a repeat is allowed only where a
    # new slot starts
    flat = plain.reshape(-1, nnz)
    if nnz > 1:
        new_slot = np.zeros(flat.shape, dtype=bool)
        for b, starts in enumerate(compressed.reshape(-1, compressed.shape[-1])):
            new_slot[b, starts[(starts > 0) & (starts < nnz)]] = True
        if np.any((np.diff(flat, axis=1) <= 0) & ~new_slot[:, 1:]):
            return (f"`{second}[..., {first}[..., i - 1]:{first}[..., i]] for all i = 1, ..., {major_name} are "
                    "sorted and distinct along the last dimension values` is not satisfied.")
    return None
