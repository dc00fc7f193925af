"""More of PyTorch's Value methods: the functions of ops/bits.py, ops/scatters.py and ops/sets.py with the Value
first (`x.scatter_reduce(0, index, src, "amax")`, `x.gcd(y)`), their in-place forms (`x.scatter_reduce_(...)`,
`x.bitwise_and_(y)`, `x.fill_diagonal_(0)`, `x.index_put_((rows, cols), v)`), the shift operators and the in-place
bitwise ones (`x << 2`, `x >>= 1`, `mask &= other`), `x.sum_to_size(*size)`, the storage facts (`x.stride()`,
`x.storage_offset()`, `x.element_size()`, `x.nbytes`, `x.itemsize`, `x.data_ptr()`) and the conversions byte, char
and short.

The in-place forms are `inplace.update_in_place` around the out-of-place function: in a graph being recorded they are
recorded as PyTorch records them (the Value keeps its identity and becomes the node f(old)), elsewhere the array
changes; a leaf that requires grad refuses, as in PyTorch. The methods are attached to `TensorMethods`, as
tensor_methods.py attaches the functions of ops/ (this module is imported at its end).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import value as _value
from .errors import ShapeError
from .inplace import castable, update_in_place
from .tensor_methods import TensorMethods, _function_method

_FUNCTION_METHODS = {
    "bits": ("sgn", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
             "bitwise_right_shift", "gcd", "lcm", "frexp", "ldexp", "nextafter"),
    "scatters": ("scatter_reduce", "index_reduce", "select_scatter", "slice_scatter", "diagonal_scatter",
                 "masked_scatter", "put", "index_put", "narrow_copy"),
    "sets": ("unique_consecutive", "msort"),
}


def _bits():
    return _value._ops.bits


def _operands(*args):
    return [a for a in args if isinstance(a, _value.Value)]


def _in_place(self, name, result_of, *operands):
    """self's contents replaced by result_of(self) under the in-place rules (`update_in_place`). Integer and bool
    Values (which never require grad) are computed here and copied in: update_in_place's own computation sees their
    data as a float Value."""
    if self.dtype.kind == "f":
        return update_in_place(self, name, result_of, *operands)
    result = result_of(self)
    if not isinstance(result, _value.Value):
        result = _value.Value(np.asarray(result), requires_grad=False, dtype=np.asarray(result).dtype)
    if result.shape != self.shape:
        raise ShapeError(f"{name}: output with shape {self.shape} doesn't match the broadcast shape {result.shape}")
    if not castable(result.dtype, self.dtype):
        raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the desired output type {self.dtype}")
    return self.copy_(result)


# ----------------------------------------------------------------------------------------------------
# In-place forms.


def _unary_in_place(name):
    def method(self):
        return _in_place(self, name + "_", lambda v: getattr(v, name)())

    return _named(method, name)


def _binary_in_place(name):
    def method(self, other):
        return _in_place(self, name + "_", lambda v: getattr(v, name)(other), *_operands(other))

    return _named(method, name)


def _named(method, name):
    method.__name__, method.__qualname__ = name + "_", f"TensorMethods.{name}_"
    method.__doc__ = f"x.{name}(...) in place (the in-place rules of autograd_core.inplace); returns x."
    return method


class _MoreMethods:
    """The methods with arguments of their own (copied onto TensorMethods below)."""

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """scatter_reduce in place (ops/scatters.py); returns self."""
        return _in_place(self, "scatter_reduce_", lambda v: v.scatter_reduce(
            dim, index, src, reduce, include_self=include_self), *_operands(src))

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        """index_reduce in place: source's slice i reduced into position index[i] along dim; returns self."""
        return _in_place(self, "index_reduce_", lambda v: v.index_reduce(
            dim, index, source, reduce, include_self=include_self), *_operands(source))

    def masked_scatter_(self, mask, source):
        """masked_scatter in place: source's elements, in order, where the boolean mask is True; returns self."""
        return _in_place(self, "masked_scatter_", lambda v: v.masked_scatter(mask, source), *_operands(source))

    def put_(self, index, source, accumulate=False):
        """put in place: source's elements written (added, with accumulate) at the flat positions index."""
        return _in_place(self, "put_", lambda v: v.put(index, source, accumulate), *_operands(source))

    def index_put_(self, indices, values, accumulate=False):
        """index_put in place: self[indices] = values (+= with accumulate, repeated positions adding up)."""
        return _in_place(self, "index_put_", lambda v: v.index_put(indices, values, accumulate),
                               *_operands(values))

    def detach_(self):
        """Cut this Value from the graph that made it, in place: it becomes a leaf that needs no gradient (its array,
        identity and version counter stay); returns self. d2l's `train_epoch_ch8` detaches a recurrent state between
        minibatches with `state.detach_()` (`for s in state: s.detach_()`). As in PyTorch, a view of a node of a graph
        refuses (use detach()). Unlike PyTorch, where the graphs already built on this Value keep its old recipe, a
        backward pass through such a graph now stops here: detach_ once their backward passes are done, as d2l does."""
        op = self._op
        if op is not None and op.views and self._p0 is not None and self._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._op = self._p0 = self._p1 = self._params = self._pending = None
        self._requires_grad = False
        return self

    def fill_diagonal_(self, fill_value, wrap=False):
        """fill_value on the main diagonal (all dimensions of equal length when more than 2; wrap: again every
        columns + 1 rows of a tall matrix, as NumPy's fill_diagonal); returns self."""
        from .ops.scatters import fill_diagonal

        return _in_place(self, "fill_diagonal_", lambda v: fill_diagonal(v, fill_value, wrap),
                               *_operands(fill_value))

    # The shift operators, and the in-place bitwise ones (Python would otherwise rebind `x &= y` to a new Value).
    def __lshift__(self, other):
        return _bits().bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _bits().bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return _bits().bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _bits().bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    def __iand__(self, other):
        return self.bitwise_and_(other)

    def __ior__(self, other):
        return self.bitwise_or_(other)

    def __ixor__(self, other):
        return self.bitwise_xor_(other)

    # Storage: what PyTorch reports of a tensor's memory, read from the NumPy array.
    def stride(self, dim=None):
        """The step, in elements, between neighbours along each dimension (a tuple), or along `dim` (an int):
        NumPy's strides divided by the item size (a transpose or a slice x[:, ::2] has other strides than a fresh
        Value, as in PyTorch). A dimension of length 1 that NumPy gives the stride 0 (x[:, None]) has PyTorch's for
        it, as unsqueeze's: the next dimension's length times its stride (1 for the last)."""
        data = self.data
        strides = [s // data.itemsize for s in data.strides]
        for d in range(len(strides) - 1, -1, -1):
            if strides[d] == 0 and data.shape[d] == 1:
                strides[d] = data.shape[d + 1] * strides[d + 1] if d + 1 < len(strides) else 1
        strides = tuple(strides)
        return strides if dim is None else strides[_value._ops.index.check_dim(dim, len(strides))]

    def storage_offset(self):
        """The position, in elements, of the first element in the memory it shares with the Value(s) it is a view
        of (0 for a Value that owns its array)."""
        data = self.data
        base = data
        while isinstance(getattr(base, "base", None), np.ndarray):
            base = base.base
        if base is data or not isinstance(data, np.ndarray):
            return 0
        return (_address(data) - _address(base)) // data.itemsize

    def storage(self):
        """The memory under x as a flat sequence of its elements (a `storage.TypedStorage`): the whole array that x
        is a view of, in memory order, so `x.t().storage()` lists x.storage()'s elements and `x[1].storage()` has
        all of x's; `s[i] = v` writes into every Value viewing it (a 0-d Value's storage writes back into it)."""
        from .storage import TypedStorage

        return TypedStorage(self.data, self.device, owner=self)

    def untyped_storage(self):
        """The memory under x as bytes (a `storage.UntypedStorage`), as storage() but byte by byte."""
        from .storage import UntypedStorage

        return UntypedStorage(self.data, self.device)

    def element_size(self):
        """Bytes per element (4 for float32)."""
        return self.data.dtype.itemsize

    @property
    def itemsize(self):
        """Bytes per element, as element_size()."""
        return self.data.dtype.itemsize

    @property
    def nbytes(self):
        """Bytes of all the elements (numel · itemsize)."""
        return int(np.size(self.data)) * self.data.dtype.itemsize

    def unsqueeze_(self, dim):
        """x.unsqueeze(dim) in place: a new axis of length 1 at dim; x's array becomes a view of its old one (the
        name-generation tutorial's `target_line_tensor.unsqueeze_(-1)`). Returns x."""
        return _reshaped_in_place(self, "unsqueeze_", lambda v: v.unsqueeze(dim))

    def squeeze_(self, dim=None):
        """x.squeeze(dim) in place: the axes of length 1 (all, or those among dim) removed. Returns x."""
        return _reshaped_in_place(self, "squeeze_", lambda v: v.squeeze() if dim is None else v.squeeze(dim))

    def transpose_(self, dim0, dim1):
        """x.transpose(dim0, dim1) in place: the two axes swapped. Returns x."""
        return _reshaped_in_place(self, "transpose_", lambda v: v.transpose(dim0, dim1))

    def swapdims_(self, dim0, dim1):
        """x.swapdims(dim0, dim1) in place: transpose_'s other name. Returns x."""
        return _reshaped_in_place(self, "swapdims_", lambda v: v.transpose(dim0, dim1))

    def swapaxes_(self, axis0, axis1):
        """x.swapaxes(axis0, axis1) in place: transpose_'s other name. Returns x."""
        return _reshaped_in_place(self, "swapaxes_", lambda v: v.transpose(axis0, axis1))

    def t_(self):
        """x.t() in place: a matrix transposed (a 0-d or 1-d Value stays as it is). Returns x."""
        return _reshaped_in_place(self, "t_", lambda v: v.t())

    def data_ptr(self):
        """The address of the first element (an int): equal for Values that start at the same memory. A 0-d Value
        holds an immutable NumPy scalar rather than memory of its own: its number is the scalar object's id, the same
        for Values that share it (x and x.detach())."""
        data = self.data
        return _address(data) if isinstance(data, np.ndarray) else id(data)

    def byte(self, memory_format=None):
        """x converted to uint8 (no gradient flows through an integer Value)."""
        return self._cast_method(np.uint8, memory_format, "byte")

    def char(self, memory_format=None):
        """x converted to int8 (no gradient flows through an integer Value)."""
        return self._cast_method(np.int8, memory_format, "char")

    def short(self, memory_format=None):
        """x converted to int16 (no gradient flows through an integer Value)."""
        return self._cast_method(np.int16, memory_format, "short")

    def sum_to_size(self, *size):
        """x summed to `size` (ints, or one sequence of them), which must broadcast to x's shape: the sum over the
        dimensions that broadcasting from size to x's shape adds or stretches (the gradient of broadcasting), of
        shape size. x itself when size is its shape, as PyTorch's."""
        if not size:
            raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
        if len(size) == 1 and not isinstance(size[0], numbers.Integral):
            size = size[0]
        size = tuple(int(n) for n in size)
        lead = self.ndim - len(size)
        if lead < 0 or any(n != 1 and n != m for n, m in zip(size, self.shape[lead:])):
            raise ShapeError(f"size {{{list(size)}}} is not expandable to size {{{list(self.shape)}}}.")
        if size == tuple(self.shape):
            return self
        return _value._ops.sum_to(self, shape=size)


def _reshaped_in_place(self, name, reshaped):
    """PyTorch's in-place view methods (unsqueeze_, squeeze_, transpose_, t_): self takes the shape of
    reshaped(self), its array a view of the old one (the memory stays shared with whatever shared it), contents and
    version unchanged. On a Value a gradient flows through, grad mode on, PyTorch records the change as a view; that
    is not done here: a RuntimeError says to write `x = x.unsqueeze(dim)`, which gives the same gradient."""
    from .modes import GRAD_ENABLED, TRACERS, no_grad, values_followed

    if GRAD_ENABLED.get() and self.requires_grad or TRACERS.get() and values_followed():
        leaf = "a leaf Value that requires grad" if self.requires_grad and self.is_leaf else None
        raise RuntimeError(
            f"{name}: {leaf or 'a Value that a gradient flows through (or one a jvp or compile follows)'} cannot "
            f"change its shape in place here; write x = x.{name[:-1]}(...) instead"
            + (" (PyTorch refuses it too), or change it inside no_grad()" if leaf else ""))
    with no_grad():
        data = reshaped(self).data
    self.data = data[()] if isinstance(data, np.ndarray) and data.ndim == 0 else data
    return self


def _address(data):
    return data.__array_interface__["data"][0]


for _module, _names in _FUNCTION_METHODS.items():
    for _name in _names:
        assert not hasattr(TensorMethods, _name), _name
        setattr(TensorMethods, _name, _function_method(_module, _name))
for _name in ("sgn", "bitwise_not"):
    setattr(TensorMethods, _name + "_", _unary_in_place(_name))
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm",
              "ldexp", "nextafter"):
    setattr(TensorMethods, _name + "_", _binary_in_place(_name))
for _name, _member in vars(_MoreMethods).items():
    if not _name.startswith("__") or _name in ("__lshift__", "__rlshift__", "__rshift__", "__rrshift__",
                                               "__ilshift__", "__irshift__", "__iand__", "__ior__", "__ixor__"):
        if callable(_member) or isinstance(_member, property):
            assert not hasattr(TensorMethods, _name), _name
            setattr(TensorMethods, _name, _member)

from . import tensor_attributes  # noqa: E402, F401  (is_cpu, layout, conj, H, mH, new, resize_, ...; attached)
