"""How users make a tensor of a compressed sparse layout (CompressedTensor, compressed_tensor.py): PyTorch's
torch.sparse_compressed_tensor and its CSR, CSC, BSR and BSC forms, with PyTorch's checks of the index arrays and its
messages, and torch.sparse.check_sparse_tensor_invariants.

    a = autograd_core.sparse_csr_tensor([0, 1, 3], [1, 0, 2], [2.0, 1.0, 3.0], (2, 3))
"""

from __future__ import annotations

import numpy as np

from .compressed_tensor import CompressedTensor
from .ops import sparse_compressed as _ops
from .sparse_compressed import BLOCKED, COMPRESSED_LAYOUTS, ROW_MAJOR, CompressedArray, index_names, \
    invariant_errors, sparse_bsc, sparse_bsr, sparse_csc, sparse_csr
from .sparse_tensor import SparseTensor
from .sparse_layouts import sparse_coo
from .value import Value, _new_node

__all__ = ["sparse_csr_tensor", "sparse_csc_tensor", "sparse_bsr_tensor", "sparse_bsc_tensor",
           "sparse_compressed_tensor", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc",
           "check_sparse_tensor_invariants"]
_result = _ops.compressed_result


def sparse_compressed_tensor(compressed_indices, plain_indices, values, size=None, *, dtype=None, layout=None,
                             device=None, pin_memory=False, requires_grad=False, check_invariants=None):
    """A tensor of compressed sparse `layout` (torch.sparse_csr, sparse_csc, sparse_bsr or sparse_bsc).

    compressed_indices (*batch, n + 1): where each compressed slot's (row's for CSR/BSR, column's for CSC/BSC)
    entries start; plain_indices (*batch, nnz): the other coordinate of each entry (in blocks for BSR/BSC); values
    (*batch, nnz, *block, *dense_shape): a Value (the result is then in its graph) or data (float32 by default for
    floats). size: batch + (nrows, ncols) + dense sizes, inferred when None. PyTorch's invariants are always checked
    here (check_invariants is accepted; the check is O(nnz)), with PyTorch's messages. requires_grad: a leaf that
    requires grad."""
    from .tensor import tensor

    if layout not in COMPRESSED_LAYOUTS:
        got = "none" if layout is None else "Sparse" if layout is sparse_coo else str(layout)
        raise RuntimeError(f"sparse_compressed_tensor expected sparse compressed tensor layout but got {got}")
    first, second = index_names(layout)
    compressed = _index_array(compressed_indices)
    plain = _index_array(plain_indices)
    if compressed.size == 0 or plain.size == 0:  # an empty list is float64 to NumPy: it takes the other's dtype
        kind = plain if compressed.size == 0 else compressed
        dtype = kind.dtype if kind.dtype in (np.int32, np.int64) else np.int64
        compressed, plain = compressed.astype(dtype), plain.astype(dtype)
    if compressed.dtype != plain.dtype:
        raise RuntimeError(f"{first} and {second} must have the same dtype, bot got {_torch_type(compressed.dtype)} "
                           f"and {_torch_type(plain.dtype)}, respectively")
    if compressed.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{first} and {second} must be an int32 or int64 type, but got: "
                           f"{_torch_type(compressed.dtype)}")
    if compressed.ndim != plain.ndim:
        raise RuntimeError(f"{first} and {second} dimensionalities must be equal but got {compressed.ndim} and "
                           f"{plain.ndim}, respectively")
    if compressed.ndim < 1:
        raise RuntimeError(f"{first} must have dimensionality >= 1 but got 0")
    if isinstance(values, (SparseTensor, CompressedTensor)):
        raise TypeError("sparse_compressed_tensor: values must be dense")
    if not isinstance(values, Value):
        values = tensor(values, dtype=dtype)
    elif dtype is not None and values.dtype != np.dtype(dtype):
        values = values.to(dtype)
    batch_dim = compressed.ndim - 1
    block_dims = 2 if layout in BLOCKED else 0
    if values.ndim < batch_dim + 1 + block_dims:
        raise RuntimeError(f"values must have dimensionality > sum of batch and block dimensionalities (={batch_dim} "
                           f"+ {block_dims}) but got {values.ndim}")
    nnz = values.shape[batch_dim]
    batch_shape = tuple(compressed.shape[:-1])
    if tuple(plain.shape[:-1]) != batch_shape or tuple(values.shape[:batch_dim]) != batch_shape:
        raise RuntimeError(f"all batch dimensions of {first}, {second} and values must be equal, got "
                           f"{tuple(compressed.shape)}, {tuple(plain.shape)} and {tuple(values.shape)}")
    block = tuple(values.shape[batch_dim + 1:batch_dim + 1 + block_dims]) if block_dims else (1, 1)
    dense_shape = tuple(values.shape[batch_dim + 1 + block_dims:])
    major_count = compressed.shape[-1] - 1
    if size is None:
        minor_count = int(plain.max()) + 1 if plain.size else 0
        blocks = (major_count, minor_count) if layout in ROW_MAJOR else (minor_count, major_count)
        size = batch_shape + (blocks[0] * block[0], blocks[1] * block[1]) + dense_shape
    size = tuple(int(n) for n in size)
    if len(size) != batch_dim + 2 + len(dense_shape):
        raise RuntimeError(f"tensor dimensionality must be sum of batch, base, and dense dimensionalities (={batch_dim}"
                           f" + 2 + {len(dense_shape)}) but got {len(size)}")
    if size[:batch_dim] != batch_shape or size[batch_dim + 2:] != dense_shape:
        raise RuntimeError(f"size {size} does not fit the batch shape {batch_shape} of the indices and the dense shape "
                           f"{dense_shape} of the values")
    for i in range(2):
        if size[batch_dim + i] % block[i]:
            raise RuntimeError(f"tensor shape[{batch_dim + i}] (={size[batch_dim + i]}) must be divisible with "
                               f"blocksize[{i}] (={block[i]}) as defined by values shape")
    blocks_shape = (size[batch_dim] // block[0], size[batch_dim + 1] // block[1])
    major_name = {sparse_csr: "rows", sparse_csc: "columns", sparse_bsr: "row blocks", sparse_bsc: "column blocks"}[
        layout]
    wanted = blocks_shape[0] if layout in ROW_MAJOR else blocks_shape[1]
    if major_count != wanted:
        raise RuntimeError(f"{first}.shape[-1] must be equal to the number of {major_name} + 1 (={wanted + 1}), but "
                           f"got {major_count + 1}")
    if plain.shape[-1] != nnz:
        raise RuntimeError(f"{second}.shape[-1] must be equal to nnz (={nnz}) as defined by values.shape[{batch_dim}], "
                           f"but got {plain.shape[-1]}")
    error = invariant_errors(compressed, plain, nnz, batch_shape + blocks_shape, layout, batch_dim)
    if error is not None:
        raise RuntimeError(error)
    if requires_grad and not values.requires_grad:
        if values.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        return _new_node(CompressedTensor, CompressedArray(compressed, plain, values.data, size, layout), True, None,
                         (), None, None)
    return _result(_ops.compressed_tensor(values, compressed=compressed, plain=plain, shape=size, layout=layout))


def _index_array(indices):
    array = np.asarray(indices.data if isinstance(indices, Value) else indices)
    return array.astype(np.int64) if array.dtype.kind in "iu" and array.dtype not in (np.int32, np.int64) else array


def _torch_type(dtype):
    """PyTorch's scalar type name of an index array's dtype, as its messages print it (Long, Int, Float, ...)."""
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "float32": "Float",
            "float64": "Double", "bool": "Bool"}.get(np.dtype(dtype).name, str(dtype))


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A CSR tensor: sparse_compressed_tensor with layout=torch.sparse_csr (row i's entries are
    col_indices[crow_indices[i]:crow_indices[i + 1]], with those values)."""
    return sparse_compressed_tensor(crow_indices, col_indices, values, size, dtype=dtype, layout=sparse_csr,
                                    requires_grad=requires_grad, check_invariants=check_invariants)


def sparse_csc_tensor(ccol_indices, row_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A CSC tensor: sparse_compressed_tensor with layout=torch.sparse_csc (column j's entries are
    row_indices[ccol_indices[j]:ccol_indices[j + 1]], with those values)."""
    return sparse_compressed_tensor(ccol_indices, row_indices, values, size, dtype=dtype, layout=sparse_csc,
                                    requires_grad=requires_grad, check_invariants=check_invariants)


def sparse_bsr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A BSR tensor: CSR of blocks (values (*batch, nnz, r, c, *dense_shape); indices count blocks):
    sparse_compressed_tensor with layout=torch.sparse_bsr."""
    return sparse_compressed_tensor(crow_indices, col_indices, values, size, dtype=dtype, layout=sparse_bsr,
                                    requires_grad=requires_grad, check_invariants=check_invariants)


def sparse_bsc_tensor(ccol_indices, row_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A BSC tensor: CSC of blocks (values (*batch, nnz, r, c, *dense_shape); indices count blocks):
    sparse_compressed_tensor with layout=torch.sparse_bsc."""
    return sparse_compressed_tensor(ccol_indices, row_indices, values, size, dtype=dtype, layout=sparse_bsc,
                                    requires_grad=requires_grad, check_invariants=check_invariants)


class check_sparse_tensor_invariants:  # noqa: N801  (PyTorch's name)
    """torch.sparse.check_sparse_tensor_invariants: a context manager (and decorator) that PyTorch uses to switch on
    the full check of sparse tensors' indices at construction. Here the check always runs (it is cheap and a tensor
    with broken indices would give wrong numbers), so this only keeps the switch's state for code that reads it."""

    _enabled = False

    def __init__(self, enable=True):
        self.state = bool(enable)
        self.saved = None

    @staticmethod
    def is_enabled():
        """Whether the switch is on (it changes nothing here: the invariants are always checked)."""
        return check_sparse_tensor_invariants._enabled

    @staticmethod
    def enable():
        check_sparse_tensor_invariants._enabled = True

    @staticmethod
    def disable():
        check_sparse_tensor_invariants._enabled = False

    def __enter__(self):
        self.saved = check_sparse_tensor_invariants._enabled
        check_sparse_tensor_invariants._enabled = self.state

    def __exit__(self, *exc):
        check_sparse_tensor_invariants._enabled = self.saved

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            with check_sparse_tensor_invariants(self.state):
                return fn(*args, **kwargs)

        return checked
