"""The primitives of PyTorch's compressed sparse layouts (CSR, CSC, BSR, BSC; data: `CompressedArray`,
sparse_compressed.py), each beside its derivative.

There are few: a compressed tensor is its values at a fixed pattern, and what it computes is the COO layout's math
(ops/sparse.py), reached through two conversions that are each other's derivative. `compressed_to_coo` lists the
entries as COO data, `to_compressed` stores COO data compressed; a gradient crosses them in the other direction, so
that a COO rule's sparse gradient comes back compressed on the input's pattern (PyTorch's layout for it), and a dense
gradient stays dense. Rules are written with primitives, so they also run on Values (create_graph=True).
"""

from __future__ import annotations

import numpy as np

from ..sparse_compressed import TRANSPOSED, CompressedArray, from_coo
from ..value import Value
from .primitive import primitive
from .shape import broadcast_to, swapaxes
from .sparse import is_sparse_data, layout_of, to_sparse, values_at


def compressed_result(v):
    """v, made a CompressedTensor (compressed_tensor.py) if its data is compressed."""
    if isinstance(v, Value) and v.data.__class__ is CompressedArray:
        from ..compressed_tensor import CompressedTensor

        v.__class__ = CompressedTensor
    return v


def is_compressed_data(x):
    """Whether x (data or Value) is in a compressed layout."""
    return layout_of(x).__class__ is CompressedArray


@primitive("compressed_to_coo")
def compressed_to_coo(x, sparse_grad=False):
    """Compressed x's entries as a sparse COO array, in x's storage order (the same values, relabelled).
    sparse_grad: a dense gradient comes back in x's layout too (x.to_sparse_coo()'s), else dense (a product's)."""
    return x.to_coo()


def _to_coo_vjp(g, out, x, sparse_grad=False):
    # PyTorch's to_sparse_backward: g in x's layout (a sparse g on its own pattern, which is x's when a rule masked it
    # with x's pattern; a dense g as its nonzero elements), or a dense g left dense where the rule above is a product's
    stored = layout_of(x)
    if not is_sparse_data(g):
        if not sparse_grad:
            return g
        g = to_sparse(g, sparse_dim=stored.batch_dim + 2)
    return to_compressed(g, layout=stored.layout, blocksize=stored.blocksize)


compressed_to_coo.defvjp(_to_coo_vjp, formulas=("g in x's layout",))
compressed_to_coo.defjvp_linear()


@primitive("to_compressed")
def to_compressed(x, layout, blocksize=None, sparse_grad=False):
    """Sparse COO x in compressed `layout` (duplicates summed, entries sorted as PyTorch stores them; BSR/BSC: whole
    blocks of `blocksize`). sparse_grad: a dense gradient comes back as sparse COO (its nonzero elements)."""
    return from_coo(x, layout, blocksize)


def _to_compressed_vjp(g, out, x, layout, blocksize=None, sparse_grad=False):
    if is_compressed_data(g):
        return compressed_to_coo(g)
    return to_sparse(g, sparse_dim=layout_of(x).sparse_dim) if sparse_grad else g


to_compressed.defvjp(_to_compressed_vjp, formulas=("g as COO",))
to_compressed.defjvp_linear()


@primitive("compressed_clone")
def compressed_clone(x):
    """A copy of compressed x (its index arrays and values)."""
    return CompressedArray(x.compressed.copy(), x.plain.copy(), x.values.copy(), x.shape, x.layout)


compressed_clone.defvjp(lambda g, out, x: g, formulas=("g",))
compressed_clone.defjvp_linear()


@primitive("compressed_tensor")
def compressed_tensor(values, compressed, plain, shape, layout):
    """The compressed array of `layout` and `shape` with index arrays `compressed` (*batch, n + 1) and `plain`
    (*batch, nnz) holding `values` (*batch, nnz, *block, *dense_shape)."""
    return CompressedArray(compressed, plain, values, shape, layout)


def _compressed_tensor_vjp(g, out, values, compressed, plain, shape, layout):
    # d out / d values = 1 at each stored entry: g read there (g has out's indices, another pattern, or is dense)
    stored = layout_of(out)
    if is_compressed_data(g) and layout_of(g).same_pattern(stored):
        return compressed_values(g)
    read = values_at(compressed_to_coo(g) if is_compressed_data(g) else g, indices=stored.coo_indices())
    return read.reshape(values.shape)


compressed_tensor.defvjp(_compressed_tensor_vjp, formulas=("g at each entry",))
compressed_tensor.defjvp_linear()


@primitive("compressed_values")
def compressed_values(x):
    """The values array (*batch, nnz, *block, *dense_shape) of compressed x (Tensor.values())."""
    return x.values


def _compressed_values_vjp(g, out, x):
    stored = layout_of(x)
    return compressed_tensor(g, compressed=stored.compressed, plain=stored.plain, shape=stored.shape,
                             layout=stored.layout)


compressed_values.defvjp(_compressed_values_vjp, formulas=("g at x's entries",))
compressed_values.defjvp_linear()


@primitive("compressed_transpose")
def compressed_transpose(x):
    """The transpose of compressed x's matrix dims: CSR <-> CSC (BSR <-> BSC, each block transposed), the same index
    arrays, as PyTorch's t() and transpose(-2, -1)."""
    values = x.values
    if x.blocksize is not None:
        axis = x.batch_dim + 1
        values = np.swapaxes(values, axis, axis + 1)
    shape = list(x.shape)
    d = x.batch_dim
    shape[d], shape[d + 1] = shape[d + 1], shape[d]
    return CompressedArray(x.compressed, x.plain, values, shape, TRANSPOSED[x.layout])


def _transpose_vjp(g, out, x):
    if is_compressed_data(g):
        return compressed_transpose(g)
    return swapaxes(g, axis1=layout_of(x).batch_dim, axis2=layout_of(x).batch_dim + 1)


compressed_transpose.defvjp(_transpose_vjp, formulas=("g transposed back",))
compressed_transpose.defjvp_linear()


@primitive("compressed_sum")
def compressed_sum(x):
    """The sum of every element of compressed x (0-d)."""
    return x.values.sum()


# PyTorch's gradient of a compressed tensor's sum is dense: g at every element, stored or not
compressed_sum.defvjp(lambda g, out, x: broadcast_to(g, shape=tuple(x.shape)), formulas=("g everywhere (dense)",))
compressed_sum.defjvp(lambda t, out, x: compressed_sum(t) if is_compressed_data(t) else t.sum())


# Linear maps with real coefficients: complex data too (see the end of ops/sparse.py).
for _linear in (compressed_to_coo, to_compressed, compressed_tensor, compressed_values, compressed_clone,
                compressed_transpose, compressed_sum):
    _linear.defcomplex()
