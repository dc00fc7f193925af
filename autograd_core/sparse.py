"""PyTorch's `torch.sparse` namespace: products, sums and softmaxes of sparse COO tensors (sparse_functions.py).

    adj = autograd_core.sparse_coo_tensor(edges, weights, (n, n))
    h = autograd_core.sparse.mm(adj, x)      # dense (n, m); adj's gradient (if it requires one) on its pattern
"""

from __future__ import annotations

from .compressed_construction import check_sparse_tensor_invariants
from .compressed_tensor import CompressedTensor
from .sparse_compressed import BACKEND
from .compressed_tensor import addmm as compressed_addmm
from .compressed_tensor import mm as compressed_mm
from .sparse_functions import addmm as coo_addmm
from .sparse_functions import sparse_coo_tensor, sparse_sum, spmm
from .sparse_functions import sparse_softmax as _sparse_softmax

__all__ = ["mm", "addmm", "sum", "softmax", "log_softmax", "FloatTensor", "DoubleTensor",
           "check_sparse_tensor_invariants"]


def mm(mat1, mat2, reduce="sum"):
    """mat1 @ mat2 for a sparse COO matrix mat1 (n, k) and a dense mat2 (k, m): dense (n, m). mat1's gradient (if it
    requires one) is sparse on mat1's pattern, mat2's dense. A sparse mat2 gives a sparse (n, m), and both gradients
    sparse, 0 off each input's pattern (PyTorch's). A CSR/CSC mat1: its gradient in its layout, on its pattern."""
    if reduce != "sum":
        raise NotImplementedError(f"sparse.mm: reduce={reduce!r} is not implemented here (only 'sum')")
    if isinstance(mat1, CompressedTensor):
        return compressed_mm(mat1, mat2, sparse_grad=True)
    return spmm(mat1, mat2, sparse_grad=True)


def addmm(mat, mat1, mat2, *, beta=1, alpha=1):
    """beta·mat + alpha·(mat1 @ mat2) for a sparse (COO, CSR or CSC) mat1 and a dense mat2: mat1's gradient on its
    pattern, in its layout (torch.sparse.addmm)."""
    if isinstance(mat1, CompressedTensor):
        return compressed_addmm(mat, mat1, mat2, beta=beta, alpha=alpha)
    return coo_addmm(mat, mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):  # noqa: A001  (torch.sparse.sum)
    """The sum of sparse `input` over `dim` (int or tuple; all by default): dense when every sparse dim is summed
    (a 0-d Value for all), else sparse over the sparse dims left."""
    if isinstance(input, CompressedTensor):  # PyTorch's torch.sparse.sum coalesces its input first
        raise RuntimeError(f"coalesce expected sparse coordinate tensor layout but got {BACKEND[input.layout]}")
    total = sparse_sum(input, dim)
    return total if dtype is None else total.to(dtype)


def softmax(input, dim, *, dtype=None):
    """Softmax of sparse `input` along sparse `dim` over its stored entries only (unstored ones count as -inf, so
    they stay unstored): sparse, on input's coalesced pattern."""
    return _sparse_softmax(input, dim, dtype, log=False)


def log_softmax(input, dim, *, dtype=None):
    """log(softmax(input, dim)) over the stored entries, computed stably: sparse, on input's coalesced pattern."""
    return _sparse_softmax(input, dim, dtype, log=True)


def _legacy(name, dtype):
    def constructor(indices, values, size=None):
        return sparse_coo_tensor(indices, values, size, dtype=dtype)

    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = (f"PyTorch's legacy torch.sparse.{name}(indices, values, size): sparse_coo_tensor with "
                           f"{dtype} values.")
    return constructor


FloatTensor = _legacy("FloatTensor", "float32")
DoubleTensor = _legacy("DoubleTensor", "float64")
