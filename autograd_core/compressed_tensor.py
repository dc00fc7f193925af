"""`CompressedTensor`: a Value whose data is a `CompressedArray` (PyTorch's CSR, CSC, BSR and BSC layouts), its
methods and products, and the conversions to it (users' constructors: compressed_construction.py).

    a = autograd_core.sparse_csr_tensor(crow_indices, col_indices, values, (n, n))   # or x.to_sparse_csr()
    h = a @ x                     # dense (n, m); a's gradient dense, as PyTorch's torch.mm
    h = autograd_core.sparse.mm(a, x)                  # a's gradient CSR, on a's pattern

As SparseTensor (sparse_tensor.py) is for COO, it is a Value of a subclass with no slots of its own: backward, hooks
on the graph, optimizers and pictures see a node like any other. Its operations convert to COO and back
(ops/sparse_compressed.py): products, sums and conversions are the COO layout's, with PyTorch's layouts for results
and gradients. Operations it does not have reach the CompressedArray, which refuses them naming the operation.
"""

from __future__ import annotations

import numbers

import numpy as np

from .ops import sparse as _sparse
from .ops import sparse_compressed as _ops
from .sparse_compressed import BACKEND, BLOCKED, COMPRESSED_LAYOUTS, CompressedArray, index_names, \
    sparse_csc, sparse_csr
from .sparse_format import compressed_text
from .sparse_functions import dtype_mismatch, sparse_sum, spmm, to_sparse
from .sparse_layouts import ElementwiseInLayout, SparseConversions, SparseInPlace, sparse_coo
from .sparse_tensor import SparseTensor, backward_name
from .value import Value, _new_node

__all__ = ["CompressedTensor", "mm", "addmm", "to_layout"]

_DENSE_GRAD = Value.grad
_result = _ops.compressed_result


class CompressedTensor(ElementwiseInLayout, SparseInPlace, SparseConversions, Value):
    """A Value in a compressed sparse layout: `x.data` is a CompressedArray. Made by sparse_csr_tensor (and its
    CSC/BSR/BSC twins), sparse_compressed_tensor, or x.to_sparse_csr() and its twins; see the module's docstring."""

    __slots__ = ()
    is_sparse = False  # PyTorch's is_sparse means the COO layout only
    _result = staticmethod(_result)

    def _type_name(self):
        raise RuntimeError("Unimplemented backend SparseCsrCPU")  # (PyTorch's, for each compressed layout)

    @property
    def layout(self):
        """torch.sparse_csr, sparse_csc, sparse_bsr or sparse_bsc."""
        return self.data.layout

    @property
    def is_sparse_csr(self):
        """True for the CSR layout only (PyTorch's)."""
        return self.data.layout is sparse_csr

    # ------------------------------------------------------------------------------------------------
    # Inspection (PyTorch's names).

    def _named_indices(self, name):
        compressed, plain = index_names(self.data.layout)
        if name not in (compressed, plain):
            kind = "row" if name in ("crow_indices", "col_indices") else "column"
            raise RuntimeError(f"{name} expected sparse {kind} compressed tensor layout but got "
                               f"{BACKEND[self.data.layout]}")
        return _new_node(Value, self.data.compressed if name == compressed else self.data.plain, False, None, (),
                         None, None)

    def crow_indices(self):
        """CSR/BSR: where each row's entries start in col_indices and values, (*batch, nrows + 1) (no gradient)."""
        return self._named_indices("crow_indices")

    def col_indices(self):
        """CSR/BSR: the column of each entry, (*batch, nnz) (no gradient)."""
        return self._named_indices("col_indices")

    def ccol_indices(self):
        """CSC/BSC: where each column's entries start in row_indices and values, (*batch, ncols + 1)."""
        return self._named_indices("ccol_indices")

    def row_indices(self):
        """CSC/BSC: the row of each entry, (*batch, nnz)."""
        return self._named_indices("row_indices")

    def values(self):
        """The stored values (*batch, nnz, *block, *dense_shape), differentiable (a gradient comes back on this
        tensor's pattern)."""
        return _ops.compressed_values.named("ValuesBackward0")(self)

    def _nnz(self):
        """The number of stored entries per batch (blocks for BSR/BSC)."""
        return self.data.nnz

    def sparse_dim(self):
        """2: the two matrix dims."""
        return 2

    def dense_dim(self):
        """The number of dense dims of each entry's values (0 unless hybrid)."""
        return self.data.dense_dim

    def zero_preserving(self, fn, name):
        """fn (a function of a dense Value with fn(0) = 0, PyTorch's `name`: 'frac', 'angle', ...) of this tensor: in
        its layout, on its pattern, fn of each stored value, differentiable (the gradient in this layout). PyTorch's
        errors for a function it has no compressed kernel for (nan_to_num; exp, cos, ... which move 0)."""
        if name in _sparse.NOT_ZERO_PRESERVING:
            self._unsupported_layout()
        if name in _sparse.COMPRESSED_REFUSES:
            raise NotImplementedError(_sparse.could_not_run(_sparse.COMPRESSED_REFUSES[name], "SparseCsrCPU"))
        return self._map_values(fn, backward_name(name))

    def predicate_in_layout(self, fn):
        """fn (np.isnan, np.isinf, np.signbit, np.isposinf, np.isneginf: false at 0) of this tensor: a boolean tensor
        of its layout and pattern, without a gradient (ops/nondifferentiable.py calls this when the data refuses fn);
        NotImplemented for any other fn."""
        if fn not in _sparse.ZERO_PRESERVING_PREDICATES:
            return NotImplemented
        return _new_node(CompressedTensor, self.data.with_values(fn(self.data.values)), False, None, (), None, None)

    def _map_values(self, fn, grad_fn_name):
        """fn (of a dense Value, keeping 0 at 0) of each stored value, on this tensor's pattern and layout:
        differentiable, the gradient in this layout; its grad_fn named `grad_fn_name` (PyTorch's for the function)."""
        data = self.data
        named = _ops.compressed_tensor.named(grad_fn_name)
        return _result(named(fn(_ops.compressed_values(self)), compressed=data.compressed, plain=data.plain,
                             shape=data.shape, layout=data.layout))

    def _unsupported_layout(self, *args, **kwargs):
        raise RuntimeError(f"unsupported tensor layout: {BACKEND[self.data.layout]}")  # PyTorch's

    __pow__ = pow = square = _unsupported_layout

    def _coo_only(self, name):
        raise RuntimeError(f"{name} expected sparse coordinate tensor layout but got {BACKEND[self.data.layout]}")

    def indices(self):
        """PyTorch's RuntimeError: a compressed tensor has no COO indices (crow_indices()/col_indices() instead)."""
        self._coo_only("indices")

    def coalesce(self):
        """PyTorch's RuntimeError: only a COO tensor is coalesced."""
        self._coo_only("coalesce")

    def is_coalesced(self):
        """PyTorch's RuntimeError: only a COO tensor is coalesced or not."""
        self._coo_only("is_coalesced")

    def _values(self):
        """PyTorch's NotImplementedError: values() is the compressed layouts' accessor."""
        raise NotImplementedError("Could not run 'aten::_values' with arguments from the "
                                  "'SparseCsrCPU' backend.")  # (one backend for all four)

    def _indices(self):
        """PyTorch's NotImplementedError, as `_values`."""
        raise NotImplementedError("Could not run 'aten::_indices' with arguments from the "
                                  "'SparseCsrCPU' backend.")  # (one backend for all four)

    def __repr__(self):
        """PyTorch's text: the two index arrays and the values, each on lines aligned under its opening bracket,
        then size, nnz (per batch), dtype (unless the default float dtype, int64 or bool), layout and grad_fn or
        requires_grad."""
        from .dtypes import DEFAULTS

        data = self.data
        grad_fn = self.grad_fn.name() if self._op is not None and self._p0 is not None else None
        return compressed_text(index_names(data.layout), data.compressed, data.plain, data.values, data.shape,
                               data.layout.name, DEFAULTS["dtype"], grad_fn, self.requires_grad)

    @property
    def grad(self):
        """The gradient accumulated by backward passes: None, a compressed tensor of this layout (no gradient of its
        own) where PyTorch's is one (to_dense, values(), torch.sparse.mm, * a number, +), or a dense GradArray where
        PyTorch's is dense (@, torch.mm, torch.addmm, sum())."""
        g = self._grad
        if g.__class__ is CompressedArray:  # made once, so that in-place changes stay
            g = self._grad = _new_node(CompressedGradient, g, False, None, (), None, None)
            return g
        if g.__class__ is CompressedGradient:
            return g
        if isinstance(g, Value):
            return _result(g)
        return _DENSE_GRAD.__get__(self)

    @grad.setter
    def grad(self, g):
        if isinstance(g, CompressedTensor) and not g.requires_grad:
            g = g.data
        if g is None or g.__class__ is CompressedArray or isinstance(g, Value):
            self._grad = g
        else:
            _DENSE_GRAD.__set__(self, g)

    def register_hook(self, hook):
        """Call hook(grad) whenever the backward pass computes this tensor's gradient (Value.register_hook): a
        compressed gradient reaches it as a compressed tensor that needs no gradient (PyTorch's), a dense one as a
        dense tensor. A tensor returned replaces the gradient."""
        def compressed_hook(g):
            replaced = hook(_new_node(CompressedTensor, g, False, None, (), None, None)
                            if g.__class__ is CompressedArray else _result(g))
            return replaced.data if isinstance(replaced, CompressedTensor) and not isinstance(g, Value) else replaced

        compressed_hook.__wrapped__ = hook
        return super().register_hook(compressed_hook)

    # ------------------------------------------------------------------------------------------------
    # Layout changes.

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense Value it stands for; its gradient comes back on this tensor's pattern, in its layout."""
        out = _sparse.to_dense(_as_coo(self))
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        """This tensor in `layout` (sparse COO by default)."""
        if layout is None or layout is sparse_coo:
            if sparse_dim is not None and sparse_dim != self.ndim - self.data.dense_dim:
                raise NotImplementedError("to_sparse: changing the number of sparse dims is not implemented here")
            return self.to_sparse_coo()
        return to_layout(self, layout, blocksize, dense_dim)

    def to_sparse_coo(self):
        """The same entries as a sparse COO tensor (batch dims and the matrix dims sparse), listed in this tensor's
        storage order: coalesced for CSR, not for CSC, as PyTorch's. Its gradient comes back in this layout (a dense
        one as its nonzero elements, as PyTorch's)."""
        return _sparse.sparse_result(_ops.compressed_to_coo.named("ToSparseBackward1")(self, sparse_grad=True))

    def detach(self):
        """A leaf sharing these indices and values, cut from the graph."""
        return _new_node(CompressedTensor, self.data, False, None, (), None, None)

    def clone(self, *, memory_format=None):
        """A copy (indices and values), in the graph: its gradient comes back in this layout."""
        return _result(_ops.compressed_clone.named("CloneBackward0")(self))

    # ------------------------------------------------------------------------------------------------
    # Arithmetic.

    def t(self):
        """The transpose of a compressed matrix: CSR <-> CSC, BSR <-> BSC (the same index arrays, as PyTorch's)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1)

    def transpose(self, dim0, dim1):
        """The matrix dims swapped (CSR <-> CSC, BSR <-> BSC); batch and dense dims stay."""
        ndim, batch_dim = self.ndim, self.data.batch_dim
        dims = []
        for d in (dim0, dim1):
            if not isinstance(d, numbers.Integral) or not -ndim <= d < ndim:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got "
                                 f"{d})")
            dims.append(int(d) % ndim)
        if dims[0] == dims[1]:
            return self
        kinds = ["Batch" if d < batch_dim else "Sparse" if d < batch_dim + 2 else "Dense" for d in dims]
        if sorted(dims) != [batch_dim, batch_dim + 1]:
            if kinds[0] != kinds[1]:
                raise RuntimeError(f"transpose(): can only transpose dimensions of the same type (Batch, Sparse, "
                                   f"Dense), got {dims[0]}({kinds[0]}) and {dims[1]}({kinds[1]})")
            raise NotImplementedError(f"transpose of two {kinds[0].lower()} dims of a {self.layout} tensor is not "
                                      "implemented here")
        return _result(_ops.compressed_transpose(self))

    @property
    def mT(self):  # noqa: N802  (PyTorch's name)
        """The transpose of the matrix dims (CSR <-> CSC, BSR <-> BSC)."""
        return self.transpose(-2 - self.data.dense_dim, -1 - self.data.dense_dim)

    def __mul__(self, other, dense_first=False):
        """self * other in this layout, on self's pattern: a number or a 0-d tensor scales each stored value (every
        layout); for CSR only (PyTorch's), a dense tensor of self's shape multiplies each stored element by its element
        there, and a CSR or COO tensor of self's shape keeps the positions both store. Gradients: self's in this
        layout; a dense other's dense, a sparse other's in its layout (PyTorch's fail for the dense ones)."""
        if isinstance(other, Value) and other.ndim == 0 and other.requires_grad:
            return self._map_values(lambda values: values * other, "MulBackward0")
        if not isinstance(other, (Value, np.ndarray)) or isinstance(other, Value) and other.ndim == 0:
            return _result(_sparse.sparse_scale.named("MulBackward0")(self, factor=_number(other, "mul", self.layout)))
        layout = self.data.layout
        if layout is not sparse_csr:  # PyTorch's words for each
            if layout in BLOCKED and not dense_first:
                raise RuntimeError(f"empty_sparse_compressed expected sparse compressed (non-block) tensor layout but "
                                   f"got {BACKEND[layout]}")
            raise RuntimeError("Expected result Tensor to be of format CSR")
        if not isinstance(other, Value):
            other = Value(other, requires_grad=False, dtype=other.dtype)
        if tuple(other.shape) != tuple(self.shape):
            raise RuntimeError(f"sparse_mask(): operands have incompatible sizes; self has size {list(other.shape)} "
                               f"but mask has size {list(self.shape)}")
        if isinstance(other, (SparseTensor, CompressedTensor)):
            coo = other if isinstance(other, SparseTensor) else _as_coo(other)
            return _result(_ops.to_compressed(_as_coo(self) * coo, layout=sparse_csr))
        indices = self.data.coo_indices()
        return self._map_values(
            lambda values: values * _sparse.values_at(other, indices=indices).reshape(values.shape), "MulBackward0")

    def __rmul__(self, other):
        return self.__mul__(other, dense_first=True)

    def __neg__(self):
        return _result(_sparse.sparse_scale.named("NegBackward0")(self, factor=-1))

    def __add__(self, other):
        """self + other: a compressed tensor of this layout and shape gives one (the union of both patterns; on the
        same pattern, the sum of the values), a dense one a dense sum (PyTorch's)."""
        if isinstance(other, CompressedTensor):
            if other.layout is not self.layout:
                raise RuntimeError(f"add: a {self.layout} tensor and a {other.layout} tensor; convert one first "
                                   f"(to_sparse(layout=...))")
            if tuple(other.shape) != tuple(self.shape):
                raise RuntimeError(f"torch.add: Expected input tensors to have the same shape, but got tensor `self` "
                                   f"with shape {list(self.shape)} and tensor `other` with shape {list(other.shape)}")
            return _result(_sparse.sparse_add(self, other))  # (CompressedArray's +: the union of the patterns)
        if isinstance(other, Value) and not isinstance(other, SparseTensor):
            return other + self
        raise NotImplementedError(f"add of a {self.layout} tensor and {type(other).__name__} is not implemented here")

    def zero_(self):
        """No entries left (nnz 0), in place, as PyTorch's; returns self. Inside a graph it stays in it, its gradient
        zero (PyTorch's ZeroBackward0)."""
        return self._in_place("zero_", _emptied)

    def mul_(self, other):
        """Each stored value times the number `other`, in place; returns self."""
        return self._in_place("mul_", lambda x: x * other, other)

    # PyTorch has neither - nor / for the compressed layouts (by a number, a tensor, in place: its RuntimeError)
    __sub__ = __rsub__ = __truediv__ = __rtruediv__ = sub = div = sub_ = div_ = _unsupported_layout

    def rsub_refused(self):
        """PyTorch's NotImplementedError for torch.rsub of a compressed tensor (ops/arith.py's rsub raises it)."""
        raise NotImplementedError(_sparse.could_not_run("rsub.Tensor", "SparseCsrCPU"))

    def __radd__(self, other):  # dense + compressed: dense, as PyTorch's
        if isinstance(other, np.ndarray):
            other = Value(other, requires_grad=False, dtype=other.dtype)
        if isinstance(other, Value) and other.data.__class__ is np.ndarray:
            return _sparse.add_sparse(other, _as_coo(self))
        raise NotImplementedError(f"add of {type(other).__name__} and a {self.layout} tensor is not implemented here")

    def __matmul__(self, other):
        """self @ other for a dense matrix (k, m) or vector (k,): dense, with dense gradients (torch.mm's); a CSR or
        CSC matrix (self CSR or CSC too): a CSR product (see `mm`)."""
        return mm(self, other, vector=True)

    def __rmatmul__(self, other):
        """other @ self for a dense matrix other (m, n): (selfᵀ @ otherᵀ)ᵀ, dense, with dense gradients."""
        if not isinstance(other, Value):
            other = Value(np.asarray(other), requires_grad=False, dtype=np.asarray(other).dtype)
        if other.ndim != 2:
            raise NotImplementedError(f"matmul of a {other.ndim}-d dense operand and a {self.layout} matrix is not "
                                      "implemented here")
        if other.dtype != self.dtype:  # PyTorch's kernel expects the dense operand's dtype here
            raise dtype_mismatch(other.dtype, self.dtype)
        return (self.t() @ other.transpose(0, 1)).transpose(0, 1)

    def mm(self, mat2):
        """self @ mat2 (torch.mm): both gradients dense, as PyTorch's."""
        return mm(self, mat2)

    matmul = mm

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        """The sum of every element (a 0-d dense Value; its gradient dense, as PyTorch's); or, for a CSR matrix, over
        `dim` (an int or a tuple) with keepdim=True (PyTorch's only form): a CSR matrix with one entry per row (column)
        that stores one, computed as the COO layout's sum. (PyTorch's has no gradient; here it is CSR, on the
        pattern.)"""
        if dim is None:
            total = _ops.compressed_sum(self)
        else:
            if not keepdim:
                raise RuntimeError("reduction operations on CSR tensors with keepdim=False is unsupported")
            if self.layout is not sparse_csr:
                raise RuntimeError(f"Currently the only compressed sparse format supported for sum.dim_IntList is "
                                   f"CSR, but got layout {BACKEND[self.layout]}")
            if self.ndim != 2:
                raise NotImplementedError("sum over a dim of a batched or hybrid CSR tensor is not implemented here "
                                          "(PyTorch's fails an internal assert)")
            total = sparse_sum(_as_coo(self), dim, keepdim=True)
            if not isinstance(total, SparseTensor):  # both dims summed: the (1, 1) matrix of one entry
                one = np.array([0, 1]), np.array([0])
                total = _ops.compressed_tensor(total.reshape(1), compressed=one[0], plain=one[1], shape=(1, 1),
                                               layout=sparse_csr)
            else:
                total = _ops.to_compressed(total, layout=sparse_csr)
            total = _result(total)
        return total if dtype is None else total.to(dtype)


class CompressedGradient(CompressedTensor):
    """What `.grad` of a compressed leaf reads (see SparseGradient in sparse_tensor.py): a compressed tensor with no
    gradient of its own, to which the backward pass adds its next gradient as data."""

    __slots__ = ()

    def __add__(self, other):
        if other.__class__ is CompressedArray or (other.__class__ is np.ndarray and other.shape == self.data.shape):
            return self.data + other
        return super().__add__(other)


def _emptied(x):
    """Compressed x with no entries (the index arrays of nnz 0 per batch), in x's graph: the values of none of x's
    entries, so that x's gradient is zero on its pattern (PyTorch's zero_)."""
    data = x.data
    batch = data.compressed.shape[:-1]
    no_entries = (slice(None),) * data.batch_dim + (slice(0, 0),)
    compressed, plain = np.zeros_like(data.compressed), np.zeros(batch + (0,), data.plain.dtype)
    if not x.requires_grad:
        empty = CompressedArray(compressed, plain, data.values[no_entries], data.shape, data.layout)
        return _new_node(CompressedTensor, empty, False, None, (), None, None)
    none = _ops.compressed_values(x)[no_entries]
    return _result(_ops.compressed_tensor.named("ZeroBackward0")(none, compressed=compressed, plain=plain,
                                                                 shape=data.shape, layout=data.layout))


def _as_coo(x, sparse_grad=False):
    """Compressed tensor x's entries as a sparse COO tensor in x's graph. Its gradient comes back in x's layout when
    sparse; a dense one stays dense, or with sparse_grad comes back in x's layout too (PyTorch's to_sparse_coo)."""
    return _sparse.sparse_result(_ops.compressed_to_coo(x, sparse_grad=sparse_grad))


def _number(x, what, layout):
    if isinstance(x, Value) and x.data.ndim == 0 and not x.requires_grad:
        x = x.item()
    if isinstance(x, (numbers.Number, np.number)) and not isinstance(x, (bool, np.bool_)):
        return x
    raise NotImplementedError(f"{what} of a {layout} tensor and {type(x).__name__} is not implemented here (only a "
                              "number)")


def mm(input, mat2, sparse_grad=False, *, vector=False):
    """The product of a compressed matrix `input` (n, k) and a dense `mat2` (k, m) (or a vector (k,) with
    vector=True): dense, computed as the COO layout's (torch.mm). Gradients: mat2's dense; input's dense, or on
    input's pattern in its layout with sparse_grad=True (torch.sparse.mm). A compressed mat2 (CSR or CSC, as input)
    gives a CSR product, whatever the two layouts, as PyTorch's; each input's gradient in its own layout (PyTorch's
    backward has them for CSR @ CSR only, and refuses the others)."""
    if isinstance(mat2, CompressedTensor):
        if mat2.layout in BLOCKED or input.layout in BLOCKED:
            raise NotImplementedError(f"matmul of a {input.layout} and a {mat2.layout} tensor is not implemented here")
        if mat2.dtype != input.dtype:  # PyTorch's kernel expects mat2's dtype here
            raise dtype_mismatch(mat2.dtype, input.dtype)
        if sparse_grad and (input.layout, mat2.layout) == (sparse_csr, sparse_csc):
            raise RuntimeError("addmm: computation on CPU is not implemented for SparseCsc + SparseCsr @ SparseCsc")
        product = spmm(_as_coo(input), _as_coo(mat2), sparse_grad)
        return _result(_ops.to_compressed(product, layout=sparse_csr))
    return spmm(_as_coo(input), mat2, sparse_grad, vector=vector)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta·input + alpha·(mat1 @ mat2) for compressed mat1 (torch.sparse.addmm: mat1's gradient on its pattern)."""
    product = mm(mat1, mat2, sparse_grad=True)
    return (product if alpha == 1 else alpha * product) + (input if beta == 1 else beta * input)


# ----------------------------------------------------------------------------------------------------
# Conversions and construction.


def to_layout(x, layout, blocksize=None, dense_dim=None, grad_fn_name="ToSparseBackward1"):
    """x (dense, sparse COO or compressed) in compressed `layout`: dense x's nonzero elements (BSR/BSC: the blocks
    of `blocksize` holding one), the last `dense_dim` dims dense; differentiable (a dense x's gradient dense, a
    sparse x's in its own layout)."""
    if layout not in COMPRESSED_LAYOUTS:
        raise RuntimeError(f"to_sparse: expected a sparse compressed layout, got {layout}")
    if layout in BLOCKED:
        if blocksize is None:
            raise RuntimeError(f"to_sparse: conversion to {layout} requires a blocksize (r, c)")
        blocksize = tuple(int(n) for n in blocksize)
        if len(blocksize) != 2 or min(blocksize) < 1:
            raise RuntimeError(f"blocksize needs to be a tuple of two positive ints, got {blocksize}")
    elif blocksize is not None:
        kind = "Strided" if x.layout.name == "strided" else BACKEND.get(x.layout, "Sparse")
        raise RuntimeError(f"dense_to_sparse: conversion from {kind} to {BACKEND[layout]} with blocksize argument "
                           "given is not supported")
    if isinstance(x, CompressedTensor):
        if layout is x.layout and blocksize == x.data.blocksize:
            return x
        coo = _as_coo(x, sparse_grad=True)
    elif isinstance(x, SparseTensor):
        coo = x
    else:
        dense_dim = 0 if dense_dim is None else int(dense_dim)
        if x.ndim - dense_dim < 2:
            raise RuntimeError(f"to_sparse: a {layout} tensor needs two sparse dims; got a {x.ndim}-d tensor with "
                               f"dense_dim={dense_dim}")
        coo = to_sparse(x, x.ndim - dense_dim)
    # a sparse input's gradient comes back in its layout, a dense one's dense (PyTorch's to_sparse_backward)
    return _result(_ops.to_compressed.named(grad_fn_name)(coo, layout=layout, blocksize=blocksize,
                                                          sparse_grad=isinstance(x, SparseTensor)))
