"""What every sparse layout shares, COO (sparse_tensor.py) and compressed (compressed_tensor.py): the layout
constant `sparse_coo`, and the mixins of both tensor classes: dtype conversions (SparseConversions), in-place methods
(SparseInPlace) and the engine's way into a layout for elementwise primitives (ElementwiseInLayout).

Apart from sparse_tensor.py because they belong to no one layout: CompressedTensor takes them as they are.
"""

from __future__ import annotations

import numpy as np

from .ops import sparse as _sparse
from .inplace import update_in_place
from .version_counter import mark_changed
from .modes import is_grad_enabled
from .sparse_array import SparseLayoutError
from .tensor_attributes import Layout
from .value import Value, _new_node

sparse_coo = Layout("sparse_coo")  # torch.sparse_coo


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
        from .tensor_conversions import _dtype

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
