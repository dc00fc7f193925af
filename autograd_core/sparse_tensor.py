"""`SparseTensor`: a Value whose data is a `SparseArray` (PyTorch's sparse COO layout), and its methods.

It is a Value (backward, hooks, requires_grad_, `.grad`, optimizers and pictures see a node like any other) of a
subclass with no slots of its own: only the methods differ. Its operators and methods are the sparse ones (`@`,
`+`, `*` a number, `t()`, `coalesce()`, `to_dense()`, ...: the primitives of ops/sparse.py); the dense ones it
inherits reach the SparseArray, which refuses them naming the operation (sparse_array.py), so nothing densifies
silently. Because Python asks a subclass's reflected operator first, `dense @ sparse` and `dense + sparse` come here
too, and the dense Value's own operators (the engine's hot path) never look at the layout.

What every sparse layout shares (the layout constant, the mixins of conversions and in-place methods) is in
sparse_layouts.py, and the functions of sparse tensors (sparse_coo_tensor, to_sparse, spmm, sparse_sum, ...) in
sparse_functions.py; the public ones are re-exported here (pickles written before the split name them here).
"""

from __future__ import annotations

import numbers

import numpy as np

from .ops import sparse as _sparse
from .modes import is_grad_enabled
from .sparse_array import SparseArray, SparseGradients, SparseLayoutError, not_sparse
from .sparse_format import sparse_text
from .sparse_layouts import ElementwiseInLayout, SparseConversions, SparseInPlace, sparse_coo
from .value import Value, _new_node

_DENSE_GRAD = Value.grad
_result = _sparse.sparse_result


class SparseTensor(ElementwiseInLayout, SparseInPlace, SparseConversions, Value):
    """A sparse COO Value: `x.data` is a SparseArray of `indices` (sparse_dim, nnz) and `values` (nnz, *dense_shape).
    Made by `sparse_coo_tensor(indices, values, size)` or `x.to_sparse()`; see the module's docstring."""

    __slots__ = ()
    is_sparse = True
    layout = sparse_coo
    _result = staticmethod(_result)

    def _type_name(self):
        from .dtypes import type_name

        return f"torch.sparse.{type_name(self.data.dtype)}"

    # ------------------------------------------------------------------------------------------------
    # Inspection (PyTorch's names).

    def sparse_dim(self):
        """The number of sparse axes (the leading ones)."""
        return self.data.sparse_dim

    def dense_dim(self):
        """The number of dense axes of each entry's values (0 unless hybrid)."""
        return self.data.dense_dim

    def _nnz(self):
        """The number of stored entries (duplicates counted until coalesced)."""
        return self.data.nnz

    def is_coalesced(self):
        """Whether the entries are sorted and each position is stored once."""
        return self.data.coalesced

    def _indices(self):
        """The stored indices, (sparse_dim, nnz) int64, coalesced or not (no gradient)."""
        return _new_node(Value, self.data.indices, False, None, (), None, None)

    def _values(self):
        """The stored values, (nnz, *dense_shape), coalesced or not; detached, as PyTorch's."""
        return _new_node(Value, self.data.values, False, None, (), None, None)

    def indices(self):
        """The indices (sparse_dim, nnz) of a coalesced tensor (RuntimeError otherwise, as PyTorch's)."""
        self._need_coalesced("indices")
        return self._indices()

    def values(self):
        """The values (nnz, *dense_shape) of a coalesced tensor, differentiable (RuntimeError if uncoalesced)."""
        self._need_coalesced("values")
        return _sparse.sparse_values.named("ValuesBackward0")(self)

    def _need_coalesced(self, what):
        if not self.data.coalesced:
            raise RuntimeError(f"Cannot get {what} on an uncoalesced tensor, please call .coalesce() first")

    def __repr__(self):
        """PyTorch's text: indices and values as tensors, each on lines aligned under its opening bracket, then size,
        nnz, dtype (unless the default float dtype, int64 or bool), layout and grad_fn or requires_grad."""
        from .dtypes import DEFAULTS

        data = self.data
        grad_fn = self.grad_fn.name() if self._op is not None and self._p0 is not None else None
        return sparse_text(data.indices, data.values, data.shape, DEFAULTS["dtype"], grad_fn, self.requires_grad)

    @property
    def grad(self):
        """The gradient accumulated by backward passes: None, a sparse tensor (no gradient of its own) on the pattern
        PyTorch gives (torch.sparse.mm, to_dense, coalesce, +, ...), or a dense GradArray where PyTorch's is dense
        (torch.mm, @, torch.spmm). After backward(create_graph=True), a sparse tensor in the gradient's graph."""
        g = self._grad
        if g.__class__ is SparseArray:  # made once, so that in-place changes (zero_grad's zero_) stay
            g = self._grad = _new_node(SparseGradient, g, False, None, (), None, None)
            return g
        if g.__class__ is SparseGradient:
            return g
        if isinstance(g, Value):
            return _result(g)
        return _DENSE_GRAD.__get__(self)

    @grad.setter
    def grad(self, g):
        self._grad = g.data if isinstance(g, SparseTensor) and not g.requires_grad else g
        if self._grad.__class__ is SparseArray:
            SparseGradients.stored = True

    def register_hook(self, hook):
        """Call hook(grad) whenever the backward pass computes this tensor's gradient (Value.register_hook): a sparse
        gradient reaches it as a sparse tensor that needs no gradient (PyTorch's), a dense one as a dense tensor. A
        sparse tensor returned replaces the gradient."""
        def sparse_hook(g):
            replaced = hook(as_sparse_tensor(g))
            return replaced.data if isinstance(replaced, SparseTensor) and not isinstance(g, Value) else replaced

        sparse_hook.__wrapped__ = hook
        return super().register_hook(sparse_hook)

    def item(self):
        raise not_sparse("item")

    def zero_preserving(self, fn, name):
        """fn (a function of a dense Value with fn(0) = 0, PyTorch's `name`: 'frac', 'nan_to_num', ...) of this tensor:
        sparse, on its coalesced pattern, fn of each value, differentiable. PyTorch's NotImplementedError for a
        function it has no COO kernel for (angle; exp, cos, ... which move 0)."""
        if name in _sparse.NOT_ZERO_PRESERVING or name in _sparse.COO_REFUSES:
            raise SparseLayoutError(_sparse.could_not_run(_sparse.COO_REFUSES.get(name, name), "SparseCPU"))
        return self._map_values(fn, backward_name(name))

    def predicate_in_layout(self, fn):
        """fn (np.isnan, np.isinf, np.signbit, np.isposinf, np.isneginf: false at 0) of this tensor: a boolean sparse
        tensor on its coalesced pattern, without a gradient (ops/nondifferentiable.py calls this when the data refuses
        fn); NotImplemented for any other fn."""
        if fn not in _sparse.ZERO_PRESERVING_PREDICATES:
            return NotImplemented
        data = self.data.coalesce()
        return _new_node(SparseTensor, data.with_values(fn(data.values)), False, None, (), None, None)

    def _map_values(self, fn, grad_fn_name):
        """fn (of a dense Value, keeping 0 at 0) of each value of the coalesced tensor, on its pattern: differentiable,
        the gradient on this tensor's pattern; its grad_fn named `grad_fn_name` (PyTorch's for the function)."""
        x = self.coalesce()
        return _result(_sparse.sparse_coo.named(grad_fn_name)(fn(_sparse.sparse_values(x)), indices=x.data.indices,
                                                              shape=x.data.shape, coalesced=True))

    def __pow__(self, exponent):
        """Each value to the number `exponent` (not 0: PyTorch's refusal, the result would be dense)."""
        exponent = _number(exponent, "pow")
        if exponent == 0:
            raise RuntimeError("pow: cannot raise to zeroth power on sparse tensor; it would make the result tensor "
                               "dense")
        return self._map_values(lambda values: values ** exponent, "PowBackward0")

    pow = __pow__

    def square(self):
        """self ** 2."""
        return self ** 2

    # ------------------------------------------------------------------------------------------------
    # Layout changes.

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense Value it stands for (duplicates summed); its gradient comes back on this tensor's pattern."""
        out = _sparse.to_dense(self)
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        """Itself (already sparse COO), or in a compressed layout (torch.sparse_csr, ...: compressed_tensor.py;
        its gradient comes back sparse COO)."""
        if layout is not None and layout is not sparse_coo:
            from .compressed_tensor import to_layout

            return to_layout(self, layout, blocksize, dense_dim)
        if sparse_dim is not None and sparse_dim != self.data.sparse_dim:
            raise NotImplementedError("to_sparse: changing the number of sparse dims of a sparse tensor is not "
                                      "implemented here")
        return self

    def to_sparse_coo(self):
        """Itself."""
        return self

    def coalesce(self):
        """This tensor with its entries sorted and duplicates summed (itself if already coalesced)."""
        return self if self.data.coalesced else _result(_sparse.coalesce(self))

    def detach(self):
        """A sparse leaf sharing these indices and values, cut from the graph."""
        return _new_node(SparseTensor, self.data, False, None, (), None, None)

    def clone(self, *, memory_format=None):
        """A copy (the same indices, coalesced or not; the values copied), in the graph: its gradient is passed
        through in its own layout."""
        return _result(_sparse.sparse_scale.named("CloneBackward0")(self, factor=1))

    # ------------------------------------------------------------------------------------------------
    # In place (SparseInPlace._in_place: recorded inside a graph, as PyTorch's).

    def zero_(self):
        """No entries left (nnz 0, coalesced), in place, as PyTorch's sparse zero_; returns self."""
        return self._in_place("zero_", _emptied)

    def copy_(self, src, non_blocking=False):
        """self becomes a copy of sparse COO `src`, in place, as PyTorch's: src's indices (coalesced or not), its
        values converted to self's dtype, its shape; returns self. A self that stores entries keeps its numbers of
        sparse and dense dims and grows only (PyTorch's resize rules, its errors); a dense, compressed or number src
        raises PyTorch's error. Inside a graph it is recorded: src's gradient is the copy's (in src's dtype), self's old
        contents get a zero one (PyTorch's backward fails there: its zeros need a strided layout)."""
        if not isinstance(src, SparseTensor):
            from .compressed_tensor import CompressedTensor

            if isinstance(src, CompressedTensor):
                raise RuntimeError("copy_sparse_compressed_ expected sparse compressed tensor layout but got Sparse")
            from .dtypes import type_name

            dtype = src.dtype if isinstance(src, Value) else np.asarray(src).dtype
            raise RuntimeError(f"copy_() between dense and sparse Tensors is not implemented! Found self type = "
                               f"{self._type_name()} and src type = torch.{type_name(dtype)}")
        _check_resizable(self.data, src.data)
        if src.shape != self.shape and is_grad_enabled() and (self.requires_grad or src.requires_grad):
            raise RuntimeError(f"copy_: changing the shape of a sparse tensor inside a graph (from {tuple(self.shape)} "
                               f"to {tuple(src.shape)}) is not supported here; copy into a tensor of src's shape")
        return self._in_place("copy_", lambda old: _copied(old, src), src)

    def mul_(self, other):
        """Each stored value times the number `other` (or self * a sparse `other`: the common positions), in place;
        returns self."""
        if not isinstance(other, SparseTensor):
            other = _number(other, "mul_")
        return self._in_place("mul_", lambda x: x * other, other)

    def div_(self, other):
        """Each stored value divided by the number `other`, in place; returns self."""
        factor = _number(other, "div_")
        return self._in_place("div_", lambda x: x / factor)

    def add_(self, other, alpha=1):
        """self + alpha·other for a sparse `other` of self's shape (sparse: the entries of both), in place."""
        if not isinstance(other, SparseTensor):
            raise RuntimeError("add_(sparse, dense) is not supported here: the sum of a sparse tensor and a dense one "
                               "is dense; use other + self")
        alpha = _number(alpha, "add_")
        return self._in_place("add_", lambda x: x + (other if alpha == 1 else other * alpha), other)

    def sub_(self, other, alpha=1):
        """self - alpha·other for a sparse `other` of self's shape, in place (add_ with -alpha)."""
        return self.add_(other, alpha=-_number(alpha, "sub_"))

    # ------------------------------------------------------------------------------------------------
    # Arithmetic.

    def t(self):
        """The transpose of a sparse matrix (not coalesced)."""
        if self.data.sparse_dim != 2:
            raise RuntimeError(f"t() expects a tensor with 2 sparse and 0 dense dimensions, but got "
                               f"{self.data.sparse_dim} sparse and {self.data.dense_dim} dense dimensions")
        return _result(_sparse.sparse_transpose.named("TBackward0")(self, dim0=0, dim1=1))

    def transpose(self, dim0, dim1):
        """Sparse axes dim0 and dim1 swapped."""
        sparse_dim, ndim = self.data.sparse_dim, self.ndim
        dims = [d + ndim if isinstance(d, numbers.Integral) and d < 0 else d for d in (dim0, dim1)]
        if not all(isinstance(d, numbers.Integral) and 0 <= d < ndim for d in dims):
            raise IndexError(f"transpose: dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                             f"but got {dim0} and {dim1})")
        if not all(d < sparse_dim for d in dims):  # PyTorch's too: a hybrid tensor's dense dims stay in place
            raise RuntimeError(f"sparse transpose: transposed dimensions must be sparse Got sparse_dim: {sparse_dim}, "
                               f"d0: {dims[0]}, d1: {dims[1]}")
        return _result(_sparse.sparse_transpose.named("TransposeBackward0")(self, dim0=int(dims[0]), dim1=int(dims[1])))

    def __add__(self, other):
        if isinstance(other, Value) and other.data.__class__ is SparseArray:  # (a gradient of create_graph=True)
            return _result(_sparse.sparse_add.named("AddBackward0")(self, other))
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")

    def __radd__(self, other):  # dense + sparse: dense, as PyTorch's
        if isinstance(other, (numbers.Number, np.number)) or isinstance(other, (Value, np.ndarray)) and tuple(
                other.shape) != tuple(self.shape):
            raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size "
                               f"{list(np.shape(other))} while other has size {list(self.shape)} (FYI: dense-sparse "
                               "addition does not currently support broadcasting)")  # PyTorch's
        if isinstance(other, Value) or isinstance(other, np.ndarray):
            other = other if isinstance(other, Value) else Value(other, requires_grad=False, dtype=other.dtype)
            return _sparse.add_sparse.named("AddBackward0")(other, self)
        raise not_sparse(f"add of {type(other).__name__} and a sparse tensor")

    def __sub__(self, other):
        if isinstance(other, Value) and other.data.__class__ is SparseArray:
            return _result(_sparse.sparse_add.named("SubBackward0")(self, -other))
        return self + (-other)

    def __rsub__(self, other):
        """other - self for a dense other of self's shape: dense (PyTorch's dense - sparse); a number, or another
        shape, raises PyTorch's RuntimeError (its dense + sparse does not broadcast)."""
        return (-self).__radd__(other)

    def rsub_refused(self):
        """PyTorch's NotImplementedError for torch.rsub of a sparse tensor (ops/arith.py's rsub raises it)."""
        raise SparseLayoutError(_sparse.could_not_run("rsub.Tensor", "SparseCPU"))

    def __rtruediv__(self, other):
        """PyTorch's refusals of x / sparse: a number (its reciprocal of a sparse tensor), or a tensor."""
        if isinstance(other, Value) or isinstance(other, np.ndarray):
            raise RuntimeError(f"Sparse division requires a scalar or zero-dim dense tensor divisor (got shape "
                               f"{list(self.shape)} for divisor)")
        raise SparseLayoutError(_sparse.could_not_run("reciprocal", "SparseCPU"))

    def __mul__(self, other):
        """self * other, sparse COO (PyTorch's): a number or a 0-d tensor scales each value; a dense tensor that
        broadcasts to self's shape multiplies each stored element by its element there (self's pattern); a sparse COO
        tensor of self's shape and sparse dims gives the product stored as PyTorch stores it (ops/sparse.py's
        sparse_mul). Gradients sparse, as PyTorch's: self's; a dense other's on self's pattern (summed over the axes
        other was broadcast along; a non-leaf other passes it on to the operations that made it, sparse through those
        whose rule multiplies it), dense for an other of one element (a scale) or of fewer dims (where PyTorch's
        backward fails); a sparse other's."""
        if isinstance(other, Value) and other.data.size == 1 and other.ndim <= self.ndim and other.requires_grad:
            # one element (0-d, (1, 1), ...): a scale, its gradient dense, as PyTorch's
            return self._map_values(lambda values: values * (other if other.ndim == 0 else other.reshape(())),
                                    "MulBackward0")
        if not isinstance(other, (Value, np.ndarray)) or isinstance(other, Value) and other.ndim == 0:
            return _result(_sparse.sparse_scale.named("MulBackward0")(self, factor=_number(other, "mul")))
        if isinstance(other, SparseTensor):
            return _sparse_product(self, other)
        if not isinstance(other, Value):
            other = Value(other, requires_grad=False, dtype=other.dtype)
        if not isinstance(other.data, np.ndarray):  # (a Parameter's is a ParameterArray)
            raise not_sparse(f"mul of a sparse COO tensor and a {other.layout} tensor")
        try:
            shape = np.broadcast_shapes(tuple(other.shape), tuple(self.shape))
        except ValueError:
            shape = None
        if shape != tuple(self.shape):
            _check_broadcast(tuple(other.shape), tuple(self.shape))
            raise not_sparse(f"mul of a sparse tensor of shape {tuple(self.shape)} and a dense one of shape "
                             f"{tuple(other.shape)} (a dense operand with more dims than the sparse one)")
        x = self.coalesce()
        indices = x.data.indices
        # PyTorch's gradient of the dense operand is sparse, on self's pattern (summed over the axes it was broadcast
        # along), a leaf's or an operation's result's alike; one of fewer dims gets a dense one here (PyTorch's
        # backward fails: a view of a sparse tensor)
        broadcast = None if tuple(other.shape) == shape else shape
        return x._map_values(lambda values: values * _sparse.values_at(
            other, indices=indices, sparse_grad=other.ndim == self.ndim, shape=broadcast), "MulBackward0")

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Value) and other.ndim > 0:
            raise RuntimeError(f"Sparse division requires a scalar or zero-dim dense tensor divisor (got shape "
                               f"{list(other.shape)} for divisor)")
        if isinstance(other, Value) and other.requires_grad:
            return self._map_values(lambda values: values / other, "DivBackward0")
        return _result(_sparse.sparse_scale.named("DivBackward0")(self, factor=1 / _number(other, "div")))

    def __neg__(self):
        return _result(_sparse.sparse_scale.named("NegBackward0")(self, factor=-1))

    def __matmul__(self, other):
        """self @ other: a dense matrix (k, m) or vector (k,): dense, with dense gradients (torch.mm's, torch.mv's); a
        sparse matrix: sparse, with sparse gradients (torch.mm's)."""
        return spmm(self, other, vector=True)

    def __rmatmul__(self, other):
        """other @ self for a dense matrix other (m, n): (selfᵀ @ otherᵀ)ᵀ, dense, with dense gradients (PyTorch's)."""
        if not isinstance(other, Value):
            other = Value(np.asarray(other), requires_grad=False, dtype=np.asarray(other).dtype)
        if other.ndim != 2:
            raise not_sparse(f"matmul of a {other.ndim}-d dense operand and a sparse matrix")
        return (self.t() @ other.transpose(0, 1)).transpose(0, 1)

    def smm(self, mat):
        """torch.smm(self, mat): the product as a sparse tensor."""
        return smm(self, mat)

    def mm(self, mat2):
        """self @ mat2 (torch.mm): mat2's gradient dense, self's too (as PyTorch's torch.mm)."""
        return spmm(self, mat2)

    matmul = mm

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        """Tensor.sum of a sparse tensor: torch.sparse.sum(self, dim) (a 0-d dense Value for dim=None). keepdim=True
        keeps each summed axis with size 1: still sparse when a sparse axis was left (a summed sparse axis stays
        sparse, index 0), else dense, as PyTorch's (whose backward then fails; ours differentiates)."""
        total = sparse_sum(self, dim, keepdim=keepdim, grad_fn_name="SumBackward1")
        return total if dtype is None else total.to(dtype)


class SparseGradient(SparseTensor):
    """What `.grad` of a sparse leaf reads: a sparse tensor (no gradient of its own) that the backward pass can also
    add its next gradient to. The engine accumulates a leaf's gradient as `leaf.grad + g` with g its data (a
    SparseArray, or an ndarray where the gradient is dense); that sum is data again, which the `.grad` setter stores."""

    __slots__ = ()

    def __add__(self, other):
        if other.__class__ is SparseArray or (other.__class__ is np.ndarray and other.shape == self.data.shape):
            return self.data + other
        return super().__add__(other)

def _emptied(x):
    """Sparse COO x with no entries (coalesced), in x's graph: its gradient zero on x's pattern (PyTorch's zero_)."""
    data = x.data
    if not x.requires_grad:
        return _new_node(SparseTensor, SparseArray(np.zeros((data.sparse_dim, 0), np.int64), data.values[:0],
                                                   data.shape, coalesced=True), False, None, (), None, None)
    none = _sparse.sparse_values(x.coalesce())[:0]
    return _result(_sparse.sparse_coo.named("ZeroBackward0")(none, indices=np.zeros((data.sparse_dim, 0), np.int64),
                                                             shape=data.shape, coalesced=True))


def _copied(old, src):
    """Sparse src's entries in the dtype of old (the tensor copy_ writes into), a node of its own in src's graph;
    with old's graph too, through a zero gradient (its entries emptied), where old needs one."""
    data, dtype = src.data, old.data.dtype
    if old.requires_grad:
        return _result(_sparse.sparse_add.named("CopyBackwards")(src if data.dtype == dtype else src.to(dtype),
                                                                 _emptied(old)))
    if data.dtype != dtype:
        return _result(_sparse.sparse_astype.named("CopyBackwards")(src, dtype=dtype)) if src.requires_grad else \
            _new_node(SparseTensor, data.astype(dtype), False, None, (), None, None)
    if src.requires_grad:
        return _result(_sparse.sparse_scale.named("CopyBackwards")(src, factor=1))
    return _new_node(SparseTensor, data, False, None, (), None, None)


def _check_resizable(data, src):
    """PyTorch's RuntimeError for copying sparse `src` into sparse `data` that stores entries (resize_as_'s rules):
    the numbers of sparse and dense dims kept, no size shrinking."""
    if not data.nnz:
        return
    advice = ("on a non-empty sparse tensor is not supported.\nYou could try the following options:\n1. If you need an "
              "empty sparse tensor of this size, call `x = torch.sparse_coo_tensor(size)`.\n2. If you need to resize "
              "this tensor, you have the following options:\n    1. For both sparse and dense dimensions, keep the "
              "number of them constant and the size of them non-shrinking, and then try the same call again.\n    2. "
              "Or, create a new sparse tensor with the correct indices and values from this sparse tensor.")
    for kind, before, after in (("sparse", data.sparse_dim, src.sparse_dim), ("dense", data.dense_dim, src.dense_dim)):
        if before != after:
            raise RuntimeError(f"changing the number of {kind} dimensions (from {before} to {after}) {advice}")
    sparse_dim = data.sparse_dim
    for kind, before, after in (("sparse", data.shape[:sparse_dim], src.shape[:sparse_dim]),
                                ("dense", data.shape[sparse_dim:], src.shape[sparse_dim:])):
        if any(n < m for n, m in zip(after, before)):
            raise RuntimeError(f"shrinking the size of {kind} dimensions (from {list(before)} to {list(after)}) "
                               f"{advice}")


def backward_name(name):
    """PyTorch's name of the backward node of its function `name` ('abs', 'nan_to_num'): AbsBackward0,
    NanToNumBackward0."""
    return "".join(word[:1].upper() + word[1:] for word in name.split("_")) + "Backward0"


def as_sparse_tensor(g):
    """Gradient g as users see it: sparse data as a SparseTensor that needs no gradient, a Value with sparse data
    (a gradient of create_graph=True) as a SparseTensor in its graph; anything else unchanged."""
    if g.__class__ is SparseArray:
        return _new_node(SparseTensor, g, False, None, (), None, None)
    return _result(g)


def _sparse_product(a, b):
    """a * b for sparse COO tensors of one shape and sparse dims: sparse, stored as PyTorch stores it (ops/sparse.py's
    sparse_mul: the common positions of two coalesced operands, else the entries of one of them); the gradients
    PyTorch's, g * b and g * a, each such a product too."""
    if tuple(a.shape) != tuple(b.shape) or a.data.sparse_dim != b.data.sparse_dim:
        raise RuntimeError("sparse_binary_op_intersection_cpu(): expects sparse inputs with equal dimensionality, "
                           "number of sparse dimensions, and shape of sparse dimensions")
    return _result(_sparse.sparse_mul(a, b))


def _check_broadcast(shape_a, shape_b):
    """PyTorch's RuntimeError for two shapes that do not broadcast (its sparse mul calls the dense operand a)."""
    for i in range(1, min(len(shape_a), len(shape_b)) + 1):
        n, m = shape_a[-i], shape_b[-i]
        if n != m and 1 not in (n, m):
            raise RuntimeError(f"The size of tensor a ({n}) must match the size of tensor b ({m}) at non-singleton "
                               f"dimension {max(len(shape_a), len(shape_b)) - i}")


def _number(x, what):
    if isinstance(x, Value) and x.data.ndim == 0 and not x.requires_grad:
        x = x.item()
    if isinstance(x, (numbers.Number, np.number)) and not isinstance(x, (bool, np.bool_)):
        return x
    raise not_sparse(f"{what} of a sparse tensor and {type(x).__name__} (only a number is supported)")


# spmm, smm and sparse_sum are called by the methods above; the public functions (torch.sparse_coo_tensor, spmm, smm,
# hspmm, torch.sparse's coo_addmm and sparse_sum) stay here also for pickles written before the split, which name them
# in this module. sparse_functions.py imports this module at its end, so this import comes last too.
from .sparse_functions import addmm, hspmm, smm, sparse_coo_tensor, sparse_sum, spmm  # noqa: E402, F401
