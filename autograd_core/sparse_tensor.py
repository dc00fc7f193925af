"""`SparseTensor`: a Value whose data is a `SparseArray` (PyTorch's sparse COO layout), and how users make one.

It is a Value (backward, hooks, requires_grad_, `.grad`, optimizers and pictures see a node like any other) of a
subclass with no slots of its own: only the methods differ. Its operators and methods are the sparse ones (`@`,
`+`, `*` a number, `t()`, `coalesce()`, `to_dense()`, ...: the primitives of ops/sparse.py); the dense ones it
inherits reach the SparseArray, which refuses them naming the operation (sparse_array.py), so nothing densifies
silently. Because Python asks a subclass's reflected operator first, `dense @ sparse` and `dense + sparse` come here
too, and the dense Value's own operators (the engine's hot path) never look at the layout.
"""

from __future__ import annotations

import numbers

import numpy as np

from .ops import sparse as _sparse
from .errors import scalar_type_name
from .inplace import mark_changed, update_in_place
from .modes import is_grad_enabled
from .ops.nondifferentiable import without_gradient
from .sparse_array import SparseArray, SparseGradients, SparseLayoutError, not_sparse
from .sparse_format import sparse_text
from .tensor_attributes import Layout
from .tensor_methods import check_matrices
from .value import Value, _new_node

sparse_coo = Layout("sparse_coo")  # torch.sparse_coo
_DENSE_GRAD = Value.grad
_result = _sparse.sparse_result


class SparseConversions:
    """The dtype conversions of a sparse tensor of any layout (a mixin of SparseTensor and CompressedTensor): its
    values converted, its pattern kept. A float or complex result stays differentiable (its gradient comes back in the
    input's layout); an integer or boolean one carries no gradient, as PyTorch's."""

    __slots__ = ()

    def to(self, *args, **kwargs):
        """This tensor with its values converted to a dtype (x.to(torch.complex64), x.to("cpu", dtype), x.to(dtype=...),
        x.to(other)); devices are the CPU."""
        dtype = dtype_asked(args, kwargs)
        if dtype is None or dtype == self.data.dtype:
            return self
        if dtype.kind in "fc":
            return self._result(_sparse.sparse_astype.named("ToCopyBackward0")(self, dtype=dtype))
        return self._result(_new_node(Value, self.data.astype(dtype), False, None, (), None, None))  # (a leaf)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """.to(dtype) (a dtype, or a legacy name: 'torch.DoubleTensor', 'torch.sparse.DoubleTensor'); without one,
        the type's name (COO: 'torch.sparse.FloatTensor'; PyTorch names none for the compressed layouts)."""
        from .tensor_methods import _dtype

        if dtype is None:
            return self._type_name()
        if isinstance(dtype, str):
            dtype = dtype.replace("torch.sparse.", "torch.")
        return self.to(_dtype(dtype))

    def double(self, memory_format=None):
        """.to(float64)."""
        return self.to(np.float64)

    def float(self, memory_format=None):
        """.to(float32)."""
        return self.to(np.float32)

    def half(self, memory_format=None):
        """.to(float16)."""
        return self.to(np.float16)

    def cfloat(self, memory_format=None):
        """.to(complex64)."""
        return self.to(np.complex64)

    def cdouble(self, memory_format=None):
        """.to(complex128)."""
        return self.to(np.complex128)

    def int(self, memory_format=None):
        """.to(int32): no gradient."""
        return self.to(np.int32)

    def long(self, memory_format=None):
        """.to(int64): no gradient."""
        return self.to(np.int64)

    def bool(self, memory_format=None):
        """.to(bool): no gradient."""
        return self.to(np.bool_)


class SparseInPlace:
    """The in-place methods of a sparse tensor of any layout (a mixin of SparseTensor and CompressedTensor): `x.abs_()`
    is `x.abs()` stored into x, in x's layout, as PyTorch's for the functions it has for x's layout (the out-of-place
    function refuses the others in PyTorch's words). Inside a graph they are recorded as PyTorch records them."""

    __slots__ = ()

    def _in_place(self, name, result_of, *operands):
        """self's contents become result_of(self) (a sparse tensor of self's layout and shape); returns self. Grad mode
        on and self or an operand requiring grad: a leaf that requires grad refuses (PyTorch's RuntimeError), any other
        tensor becomes the node result_of(its old self), its gradient result_of's (inplace.update_in_place: nodes
        recorded before that read its old contents refuse backward). Otherwise its data is replaced (a sparse array
        never changes in place, so a gradient shared elsewhere is safe) and its version goes up."""
        if is_grad_enabled() and (self.requires_grad or any(isinstance(o, Value) and o.requires_grad
                                                            for o in operands)):
            if self.requires_grad and self.is_leaf:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            return update_in_place(self, name, lambda old: result_of(self._result(old)), *operands)
        data = result_of(self).data
        self.data = data if data.dtype == self.data.dtype else data.astype(self.data.dtype)
        mark_changed(self)
        return self

    def square_(self, *args):
        """PyTorch's refusal: it has no in-place square (pow_) of a sparse tensor."""
        if self.layout is sparse_coo:
            raise SparseLayoutError(_sparse.could_not_run("pow_.Scalar", "SparseCPU"))
        return self._unsupported_layout()

    pow_ = square_


def _in_place_method(name):
    def result_of(x, *args, **kwargs):
        if x.layout is sparse_coo and not x.data.coalesced and name not in ("neg", "negative"):
            raise RuntimeError(f"{name}_ requires coalesced input")  # PyTorch's: f(a + b) is not f(a) + f(b)
        return getattr(x, name)(*args, **kwargs)

    def method(self, *args, **kwargs):
        return self._in_place(name + "_", lambda x: result_of(x, *args, **kwargs))

    method.__name__, method.__qualname__ = name + "_", f"SparseInPlace.{name}_"
    method.__doc__ = f"x.{name}(...) stored into x, in its layout; returns x."
    return method


for _name in ("abs", "absolute", "neg", "negative", "sin", "tan", "sqrt", "relu", "tanh", "sgn", "sign", "expm1",
              "log1p", "trunc", "fix", "floor", "ceil", "round", "asin", "atan", "sinh", "asinh", "atanh", "erf",
              "erfinv", "deg2rad", "rad2deg", "frac", "nan_to_num"):
    setattr(SparseInPlace, _name + "_", _in_place_method(_name))


def _refused_in_place(name):
    def method(self, *args, **kwargs):
        """PyTorch's refusal: a function that moves 0 has no sparse kernel."""
        if self.layout is sparse_coo:
            raise SparseLayoutError(_sparse.could_not_run(name, "SparseCPU"))
        return self._unsupported_layout()

    method.__name__ = name
    return method


for _name in _sparse.NOT_ZERO_PRESERVING:
    if hasattr(Value, _name + "_"):
        setattr(SparseInPlace, _name + "_", _refused_in_place(_name + "_"))


class ElementwiseInLayout:
    """The engine's way into a sparse layout for elementwise primitives (a mixin of SparseTensor and CompressedTensor):
    apply_unary calls `x.elementwise_in_layout(op)` when x's data refuses op, and the tensor's own `zero_preserving`
    applies it in its layout."""

    __slots__ = ()

    def elementwise_in_layout(self, op):
        """op (a primitive of one input with f(0) = 0: sin, abs, relu, sqrt, ...) of this tensor: in its layout, on its
        pattern, op of each stored value. One with f(0) != 0 (exp, cos, ...) raises PyTorch's error for the layout
        (`zero_preserving`'s); NotImplemented for any other op (the engine then raises the data's own refusal)."""
        if op.name not in _sparse.ZERO_PRESERVING and op.name not in _sparse.NOT_ZERO_PRESERVING:
            return NotImplemented
        return self.zero_preserving(op, op.name)


class SparseTensor(ElementwiseInLayout, SparseInPlace, SparseConversions, Value):
    """A sparse COO Value: `x.data` is a SparseArray of `indices` (sparse_dim, nnz) and `values` (nnz, *dense_shape).
    Made by `sparse_coo_tensor(indices, values, size)` or `x.to_sparse()`; see the module's docstring."""

    __slots__ = ()
    is_sparse = True
    layout = sparse_coo
    _result = staticmethod(_result)

    def _type_name(self):
        from .tensor import type_name

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
        from .tensor import DEFAULTS

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
            from .tensor import type_name

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


def dtype_asked(args, kwargs):
    """The dtype a sparse tensor's `to(*args, **kwargs)` asks for (a positional dtype, another tensor's dtype, or
    dtype=), as a NumPy dtype; None if none (a string or torch.device positional is a device: the CPU)."""
    dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Value):
            dtype = arg.dtype
        elif isinstance(arg, (np.dtype, type)):
            dtype = arg
    return None if dtype is None else np.dtype(dtype)


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

