"""PyTorch's functions of sparse COO tensors: making one (`sparse_coo_tensor`, `to_sparse`), the products
(`spmm`, `smm`, `hspmm`, `addmm`: torch.sparse.mm's and torch.mm's), `sparse_sum`, `sparse_softmax` and
`sparse_mask`. torch and torch.sparse export them (sparse.py).

Apart from sparse_tensor.py (the tensor class and its methods), which calls some of them: each of the two modules
imports the other at its end, so either may be imported first.
"""

from __future__ import annotations

import numbers

import numpy as np

from .ops import sparse as _sparse
from .errors import scalar_type_name
from .ops.nondifferentiable import without_gradient
from .sparse_array import SparseArray, not_sparse
from .tensor_methods import check_matrices
from .value import Value, _new_node

_result = _sparse.sparse_result


def _only_coo(layout, who):
    if layout is not None and layout is not sparse_coo:
        raise NotImplementedError(f"{who}: layout {layout} is not available; sparse tensors here are sparse COO")


def spmm(input, mat2, sparse_grad=False, *, vector=False):
    """The product of a sparse COO matrix `input` (n, k) and a dense `mat2` (k, m): dense (n, m). Gradients: mat2's
    dense; input's dense (torch.mm's, torch.spmm's), or on input's pattern with sparse_grad=True
    (torch.sparse.mm's). vector=True (for `@`) also takes a vector mat2 (k,), giving (n,). A sparse mat2 gives a
    sparse product (`_sparse_sparse_mm`)."""
    if not isinstance(input, SparseTensor):
        from .compressed_tensor import CompressedTensor, mm

        if isinstance(input, CompressedTensor):  # CSR, CSC, ...: torch.spmm is torch.mm for them (dense gradients)
            return mm(input, mat2, vector=vector)
        raise TypeError(f"spmm: input must be a sparse COO tensor, not {type(input).__name__} (use torch.mm for dense)")
    if isinstance(mat2, SparseTensor):
        return _sparse_sparse_mm(input, mat2, sparse_grad)
    if not isinstance(mat2, Value):
        mat2 = Value(np.asarray(mat2), requires_grad=False, dtype=np.asarray(mat2).dtype)
    if input.data.sparse_dim != 2 or input.data.dense_dim != 0:
        raise RuntimeError(f"spmm: expects a sparse matrix with 2 sparse and 0 dense dims, but got "
                           f"{input.data.sparse_dim} sparse and {input.data.dense_dim} dense dims")
    if vector and mat2.ndim == 1:
        if mat2.shape[0] != input.shape[1]:
            raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x{input.shape[1]}), "
                               f"vec ({mat2.shape[0]})")
    else:
        check_matrices(input, mat2)
    if mat2.dtype != input.dtype:
        raise dtype_mismatch(input.dtype, mat2.dtype)
    name = "SparseAddmmBackward0" if sparse_grad else "MmBackward0"  # torch.sparse.mm's, torch.mm's
    return _sparse.spmm.named(name)(input, mat2, sparse_grad=bool(sparse_grad))


def dtype_mismatch(expected, found):
    """PyTorch's RuntimeError for the operands of a sparse product of two dtypes (its kernel expects `expected`)."""
    return RuntimeError(f"expected scalar type {scalar_type_name(expected)} but found {scalar_type_name(found)}")


def _sparse_sparse_mm(mat1, mat2, sparse_grad):
    """Sparse mat1 (n, k) @ sparse mat2 (k, m): sparse (n, m), coalesced (see ops/sparse.py's sparse_matmul).
    Gradients sparse: g·mat2ᵀ and mat1ᵀ·g (torch.mm's), with 0 off each input's pattern when sparse_grad
    (torch.sparse.mm's)."""
    for name, x in (("mat1", mat1), ("mat2", mat2)):
        if x.data.sparse_dim != 2 or x.data.dense_dim != 0:
            raise RuntimeError(f"sparse @ sparse: {name} must be a sparse matrix with 2 sparse and 0 dense dims, but "
                               f"got {x.data.sparse_dim} sparse and {x.data.dense_dim} dense dims")
    check_matrices(mat1, mat2)
    if mat1.dtype != mat2.dtype:
        raise RuntimeError(f"mat1 dtype {scalar_type_name(mat1.dtype)} does not match mat2 dtype "
                           f"{scalar_type_name(mat2.dtype)}")
    name = "SparseSparseMatmulBackward0" if sparse_grad else "MmBackward0"  # torch.sparse.mm's, torch.mm's
    return _result(_sparse.sparse_matmul.named(name)(mat1, mat2, masked_grad=bool(sparse_grad)))


def hspmm(mat1, mat2, *, out=None):
    """The product of a sparse COO matrix mat1 (n, k) and a dense mat2 (k, m) as a hybrid sparse tensor (n, m): one
    sparse dim listing the rows where mat1 stores an entry (even a zero), each with its dense row of the product
    (torch.hspmm). Differentiable here (PyTorch's has no derivative): mat1's gradient on its pattern, mat2's dense."""
    if out is not None:
        raise NotImplementedError("hspmm: out= is not available for sparse results here")
    product, rows = _rows_of_product(mat1, mat2)
    values = _sparse.values_at(product, indices=rows)
    return _result(_sparse.sparse_coo(values, indices=rows, shape=tuple(product.shape)))


def smm(input, mat2):
    """The product of a sparse COO matrix input (n, k) and a dense mat2 (k, m) as a sparse tensor (n, m) of two sparse
    dims: every element of each row where input stores an entry (torch.smm). Differentiable here (PyTorch's is not):
    input's gradient on its pattern, mat2's dense."""
    product, rows = _rows_of_product(input, mat2)
    width = product.shape[1]
    indices = np.stack([np.repeat(rows[0], width), np.tile(np.arange(width, dtype=np.int64), rows.shape[1])])
    values = _sparse.values_at(product, indices=indices)
    return _result(_sparse.sparse_coo(values, indices=indices, shape=tuple(product.shape)))


def _rows_of_product(mat1, mat2):
    """mat1 @ mat2 (dense, recorded; mat1's gradient sparse) and the rows (1, r) where sparse mat1 stores an entry."""
    product = spmm(mat1, mat2, sparse_grad=True)
    return product, np.unique(mat1.data.indices[0])[None]


def sparse_sum(input, dim=None, keepdim=False, grad_fn_name="SparseSumBackward0"):
    """The sum of sparse `input` over `dim` (an int or a tuple; all axes by default): a dense Value when every sparse
    axis is summed (0-d for all), else sparse over the sparse axes left, as torch.sparse.sum. keepdim: the summed
    axes kept with size 1 (Tensor.sum's; a summed sparse axis stays a sparse one when the result is sparse)."""
    ndim = input.ndim
    dims = range(ndim) if dim is None else (dim,) if isinstance(dim, numbers.Integral) else dim
    dims = tuple(sorted({int(d) + ndim if d < 0 else int(d) for d in dims}))
    if any(not 0 <= d < ndim for d in dims):
        raise IndexError(f"sparse.sum: dim {dim} out of range for a tensor of {ndim} dims")
    # (the sum of all: SumBackward0, as PyTorch's; over dims, torch.sparse.sum's name or Tensor.sum's, grad_fn_name)
    total = _result(_sparse.sparse_sum.named("SumBackward0" if dim is None else grad_fn_name)(input, dims=dims))
    if not keepdim:
        return total
    shape = tuple(1 if d in dims else n for d, n in enumerate(input.shape))
    if not isinstance(total, SparseTensor):
        return total.reshape(shape)
    # PyTorch's unsqueeze of each summed axis in turn (the sum is coalesced, and rows of zeros keep it so): an axis
    # that lands among the sparse ones, or just after them, comes back sparse (a row of zero indices), a later one
    # dense (a size-1 axis of the values)
    data = total.data
    indices, value_shape = list(data.indices), list(data.values.shape)
    for d in dims:
        if d <= len(indices):
            indices.insert(d, np.zeros(data.nnz, np.int64))
        else:
            value_shape.insert(d - len(indices) + 1, 1)
    values = _sparse.sparse_values(total).reshape(tuple(value_shape))
    return _result(_sparse.sparse_coo(values, indices=np.stack(indices), shape=shape, coalesced=True))


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """A sparse COO tensor of shape `size` holding values[k] at position indices[:, k].

    indices: (sparse_dim, nnz) integers (a nested list, an array or a Value); values: (nnz, *dense_shape), a Value
    (the result is then in its graph) or data (float32 by default for floats, as torch.tensor). size: the shape,
    sparse_shape + dense_shape; inferred as each sparse axis's largest index + 1 when None. Positions may repeat
    (the tensor is then uncoalesced: coalesce() sums them); is_coalesced=True promises they are sorted and distinct.
    Indices that are negative or outside `size` raise. requires_grad: a sparse leaf that requires grad (its
    gradients come back sparse where PyTorch's do).
    """
    from .tensor import tensor

    index_array = np.asarray(indices.data if isinstance(indices, Value) else indices)
    if index_array.dtype.kind not in "iu" and index_array.size:
        raise TypeError(f"sparse_coo_tensor: indices must be integers, not {index_array.dtype}")
    index_array = index_array.astype(np.int64)
    if isinstance(values, SparseTensor):
        raise TypeError("sparse_coo_tensor: values must be dense")
    if not isinstance(values, Value):
        values = tensor(values, dtype=dtype)
    elif dtype is not None and values.dtype != np.dtype(dtype):
        values = values.to(dtype)
    if index_array.ndim != 2:
        raise ValueError(f"sparse_coo_tensor: indices must be 2-D (sparse_dim, nnz), got shape {index_array.shape}")
    nnz = index_array.shape[1]
    if values.ndim == 0 or values.shape[0] != nnz:
        raise ValueError(f"sparse_coo_tensor: values must have nnz = {nnz} entries along their first dim, got shape "
                         f"{tuple(values.shape)}")
    if nnz and index_array.min() < 0:
        raise RuntimeError("sparse_coo_tensor: found negative index in indices")
    sparse_dim = index_array.shape[0]
    if size is None:
        sparse_shape = tuple(int(n) + 1 for n in index_array.max(axis=1)) if nnz else (0,) * sparse_dim
        size = sparse_shape + tuple(values.shape[1:])
    size = tuple(int(n) for n in size)
    if len(size) != sparse_dim + values.ndim - 1 or size[sparse_dim:] != tuple(values.shape[1:]):
        raise ValueError(f"sparse_coo_tensor: size {size} does not fit {sparse_dim} sparse dims and values of shape "
                         f"{tuple(values.shape)} (size = sparse sizes + values.shape[1:])")
    if nnz and np.any(index_array.max(axis=1) >= np.array(size[:sparse_dim])):
        raise RuntimeError(f"sparse_coo_tensor: size {size} is inconsistent with indices: the largest index of each "
                           f"sparse dim is {index_array.max(axis=1).tolist()}")
    coalesced = bool(is_coalesced) or nnz < 2 and sparse_dim > 0 or nnz == 0
    if is_coalesced and nnz > 1:
        keys = np.ravel_multi_index(tuple(index_array), size[:sparse_dim])
        if np.any(keys[1:] <= keys[:-1]):
            raise RuntimeError("sparse_coo_tensor: cannot set is_coalesced to true if indices correspond to an "
                               "uncoalesced COO tensor (positions must be sorted and distinct)")
    if requires_grad and not values.requires_grad:  # a sparse leaf (values that require grad: recorded below)
        if values.dtype.kind != "f":
            raise RuntimeError(f"sparse_coo_tensor: only floating point tensors can require gradients, not "
                               f"{values.dtype}")
        return _new_node(SparseTensor, SparseArray(index_array, values.data, size, coalesced), True, None, (), None,
                         None)
    return _result(_sparse.sparse_coo.named("SparseCooTensorWithDimsAndTensorsBackward0")(
        values, indices=index_array, shape=size, coalesced=coalesced))


def to_sparse(x, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """Dense x as a sparse COO tensor of its nonzero entries (the first `sparse_dim` axes sparse, all by default);
    differentiable: its gradient comes back dense."""
    _only_coo(layout, "to_sparse")
    if blocksize is not None:
        raise NotImplementedError("to_sparse: blocksize is for the block sparse layouts, not available here")
    ndim = x.ndim
    name = "ToSparseBackward1" if sparse_dim is None and dense_dim is None else "ToSparseBackward0"  # PyTorch's
    sparse_dim = ndim if sparse_dim is None else int(sparse_dim)
    if dense_dim is not None:
        sparse_dim = ndim - int(dense_dim)
    if not 0 < sparse_dim <= ndim:
        raise RuntimeError(f"to_sparse: sparse_dim must be in 1..{ndim}, got {sparse_dim}")
    return _result(_sparse.to_sparse.named(name)(x, sparse_dim=sparse_dim))


def addmm(mat, mat1, mat2, *, beta=1, alpha=1):
    """beta·mat + alpha·(mat1 @ mat2) for sparse mat1 (torch.sparse.addmm: mat1's gradient on its pattern)."""
    product = spmm(mat1, mat2, sparse_grad=True)
    return (product if alpha == 1 else alpha * product) + (mat if beta == 1 else beta * mat)


def sparse_softmax(input, dim, dtype=None, log=False):
    """torch.sparse.softmax / log_softmax of sparse `input` along sparse `dim` (see autograd_core.sparse): on the
    values of the coalesced input, exp(v - m) / Σ_slice exp(v - m), with m each slice's largest value (a constant:
    softmax does not change with it), so that exp never overflows."""
    if not isinstance(input, SparseTensor):
        raise TypeError(f"sparse.softmax: input must be a sparse COO tensor, not {type(input).__name__}")
    if dtype is not None:
        input = input.to(dtype)
    sparse_dim = input.data.sparse_dim
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < sparse_dim:
        raise not_sparse(f"sparse softmax along dim {dim} (not a sparse dim of {sparse_dim})")
    x = input.coalesce()
    data = x.data
    group, count = _sparse.slices(data.indices, d)
    values = _sparse.sparse_values(x)
    # the shift read from the data as a recorded operation (without_gradient), so that a compiled step reads it anew
    shifted = values - without_gradient(_sparse.slice_peak, values, group=group, count=count)
    exps = shifted.exp()
    total = _sparse.slice_sum(exps, group=group, count=count)
    values = shifted - total.log() if log else exps / total
    name = "SparseLogSoftmaxBackward0" if log else "SparseSoftmaxBackward0"
    return _result(_sparse.sparse_coo.named(name)(values, indices=data.indices, shape=data.shape, coalesced=True))


def sparse_mask(input, mask):
    """Dense `input`'s elements at the positions of sparse `mask` (its coalesced pattern), as a coalesced sparse
    tensor of input's shape (Tensor.sparse_mask). The gradient comes back dense, zero off the pattern."""
    if not isinstance(mask, SparseTensor):
        raise TypeError(f"sparse_mask: mask must be a sparse COO tensor, not {type(mask).__name__}")
    if isinstance(input, SparseTensor):
        raise not_sparse("sparse_mask of a sparse tensor")
    if tuple(input.shape) != tuple(mask.shape):
        raise RuntimeError(f"sparse_mask(): operands have incompatible sizes; self has size {tuple(input.shape)} "
                           f"but mask has size {tuple(mask.shape)}")
    indices = _sparse.pattern(mask)
    return _result(_sparse.sparse_coo.named("SparseMaskBackward0")(_sparse.values_at(input, indices=indices),
                                                                   indices=indices, shape=tuple(mask.shape),
                                                                   coalesced=True))


from .sparse_layouts import sparse_coo  # noqa: E402
from .sparse_tensor import SparseTensor  # noqa: E402  (at the end: see the docstring)
