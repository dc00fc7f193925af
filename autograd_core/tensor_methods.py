"""PyTorch's names for Value methods: `dim=`/`keepdim=`, `unsqueeze`, `view`, `permute`, `x.size()`, ...

Each method here is a composition of the primitives in `ops` (through Value's own methods), or reads the data
without recording anything (`argmax`, `tolist`, comparisons). NumPy's spelling keeps working beside them:
`x.sum(axis=0, keepdims=True)` and `x.sum(dim=0, keepdim=True)` are the same call.

Where NumPy and PyTorch disagree, the spelling decides:

* `var`/`std`: with NumPy's keywords (`axis`, `keepdims`, `ddof`) NumPy's default ddof=0; otherwise PyTorch's
  unbiased default (correction=1).
* `max`/`min`: `x.max(dim)` (an integer dim, positional or keyword) returns PyTorch's (values, indices);
  `x.max(axis=...)` returns NumPy's values; `x.max(y)` with a Value is the elementwise maximum.
* `transpose(d0, d1)` with two dims swaps them (PyTorch); other argument counts permute axes (NumPy).
"""

from __future__ import annotations

import collections
import numbers
import operator

import warnings

import numpy as np

from . import value as _value
from .errors import ShapeError, cpp_name, dim_out_of_range, expand_refusal, warn_if_no_degrees_of_freedom
from .grad_fn import GradFn
from .lazy_bits import refuse_dtype_view
from .one_node import shown_as

_VECTOR_NORM = "LinalgVectorNormBackward0"  # PyTorch's node of x.norm(p) for every p

MaxMin = collections.namedtuple("MaxMin", ["values", "indices"])  # PyTorch's torch.return_types.max


class Size(tuple):
    """PyTorch's torch.Size: the sizes of a tensor's axes (`x.shape`, `x.size()`), a tuple of ints that also has
    `numel()`. `Size([2, 3]) == (2, 3)`, and it prints as the tuple it is, `(2, 3)`, as a NumPy shape does (PyTorch
    prints `torch.Size([2, 3])`). As PyTorch's, its slices, sums with tuples and repeats are Sizes
    (`x.shape[1:].numel()`)."""

    __slots__ = ()

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if index.__class__ is slice else item

    def __add__(self, other):
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):  # (1,) + x.shape: Python asks a tuple's subclass first
        return Size(tuple.__add__(tuple(other), self)) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        """The number of elements of a tensor of this shape (1 for ())."""
        n = 1
        for d in self:
            n *= d
        return n

    def __reduce__(self):  # pickles and copies as the plain tuple it stands for
        return tuple, (tuple(self),)


class CallableSize(int):
    """NumPy's `x.size` (an int, the number of elements) that is also PyTorch's `x.size()` (the shape, a Size) and
    `x.size(dim)` (one dimension's length)."""

    def __new__(cls, n, shape):
        obj = super().__new__(cls, n)
        obj.shape = shape
        return obj

    def __call__(self, dim=None):
        if dim is None:
            return Size(self.shape)
        try:
            return self.shape[dim]
        except IndexError:  # PyTorch's words, not the tuple's
            raise IndexError(dim_out_of_range(dim, len(self.shape))) from None

    def __reduce__(self):  # pickles and copies as the plain int it stands for
        return int, (int(self),)


def callable_size(data):
    return CallableSize(data.size, data.shape)


def reduce_args(axis, keepdims, dim, keepdim):
    """NumPy's (axis, keepdims) or PyTorch's (dim, keepdim) as the keyword arguments of a reduction primitive."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give axis (NumPy) or dim (PyTorch), not both")
        # PyTorch's dim=() or dim=[] reduces over every dimension (NumPy's axis=() over none).
        axis = None if isinstance(dim, (tuple, list)) and not dim else dim
    if isinstance(axis, list):
        axis = tuple(axis)
    if keepdim is not None:
        keepdims = keepdim
    return {"axis": axis, "keepdims": bool(keepdims)}


def required_dim(name, axis, dim):
    """The dim of Tensor.softmax-like methods, given as NumPy's axis or PyTorch's dim; PyTorch's TypeError when
    neither is given (only F.softmax and friends choose a dim themselves)."""
    if dim is None:
        if axis is None:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        return axis
    if axis is not None:
        raise TypeError("give axis (NumPy) or dim (PyTorch), not both")
    return dim


def _spread_args(dim, ddof, keepdims, axis, keepdim, correction, unbiased):
    """var's and std's correction and reduce_args from PyTorch's or NumPy's spelling: var(False) is PyTorch's
    (unbiased) overload; NumPy's spelling (axis, ddof, keepdims) defaults to ddof 0, PyTorch's to correction 1."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    numpy_spelling = axis is not None or ddof is not None or keepdims is not None
    if correction is None:
        correction = ddof if ddof is not None else (
            int(unbiased) if unbiased is not None else (0 if numpy_spelling else 1))
    return correction, reduce_args(axis, keepdims or False, dim, keepdim or None)


def _sizes(given, keyword, name, keyword_name):
    """The sizes (or dims) of a method taking them either way, x.view(2, 3) or x.view((2, 3)), or by PyTorch's
    keyword, x.view(size=(2, 3)): the positional tuple."""
    if keyword is None:
        return given
    if given:
        raise TypeError(f"{name}(): give the {keyword_name} by position or as {keyword_name}=, not both")
    return (keyword,)


def _permute_error(order, ndim):
    """PyTorch's error for an order of dims that permute cannot take (found after NumPy refused it)."""
    if len(order) != ndim:
        return ShapeError(f"permute: number of dimensions in the tensor input does not match the length of the desired "
                          f"ordering of dimensions i.e. input.dim() = {ndim} is not equal to len(dims) = {len(order)}")
    axes = [_value._ops.index.check_dim(d, ndim) for d in order]  # PyTorch's IndexError for a dim out of range
    if len(set(axes)) != len(axes):
        return ShapeError(f"permute(): duplicate dims are not allowed. (got {order})")
    return ShapeError(f"permute: cannot order the {ndim} dims as {order}")


def _expand_error(sizes, shape, lead):
    """PyTorch's error for sizes that expand cannot broadcast `shape` to (found after NumPy refused them), of the
    last dim that does not fit, as PyTorch checks from the last dim."""
    for i, n in reversed(list(enumerate(sizes))):
        existing = shape[i - lead] if i >= lead else None
        if existing is not None and n not in (-1, existing) and existing != 1:
            return ShapeError(f"The expanded size of the tensor ({n}) must match the existing size ({existing}) at "
                              f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                              f"{list(shape)}")
        if n == -1 and existing is None:
            return ShapeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                              f"dimension {i}")
    return ShapeError(f"expand: cannot expand a Value of shape {tuple(shape)} to {sizes}")


def _is_dtype(x):
    """Whether x names a dtype (np.float32, np.dtype("int8"), autograd_core.float16), not a size."""
    return isinstance(x, np.dtype) or isinstance(x, type) and issubclass(x, np.generic)


def _reinterpreted(data, dtype):
    """data's bytes as `dtype`, sharing its memory (x.view(dtype))."""
    data = np.asarray(data)
    return (np.ascontiguousarray(data) if data.ndim and not data.flags.c_contiguous else data).view(dtype)


def _is_dim(d):
    return isinstance(d, numbers.Integral) and not isinstance(d, bool)


def _is_a_view(value):
    """Whether `value` is a view of another Value made by a view operation (shares its memory and version counter)."""
    from .inplace import _is_view

    versions = value._version
    return versions is not None and _is_view(value, versions)


def _contiguous_format(memory_format, name):
    """Check `memory_format` (None or torch.contiguous_format: C order); PyTorch's others (channels_last,
    preserve_format) are not modelled here."""
    if memory_format is not None and not str(memory_format).endswith("contiguous_format"):
        raise NotImplementedError(f"{name}: memory_format {memory_format} (only torch.contiguous_format, C order, is "
                                  "modelled here)")


def _dtype(dtype):
    """A NumPy dtype from a dtype, its name, a legacy typed constructor (`x.type(torch.LongTensor)`) or its PyTorch
    name (`x.type('torch.LongTensor')`)."""
    if isinstance(dtype, str) and dtype.startswith("torch.") and dtype.endswith("Tensor"):
        from .tensor import _legacy_types

        dtype = _legacy_types().get(dtype[len("torch."):], dtype)
    if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), np.dtype):
        return dtype.dtype
    return np.dtype(dtype)


class TensorMethods:
    """PyTorch-named methods of `Value` (a mixin: Value is defined in value.py)."""

    __slots__ = ()

    # ------------------------------------------------------------------------------------------------
    # Shape and size.

    def dim(self):
        """The number of dimensions (PyTorch's `x.dim()`; NumPy's `x.ndim`)."""
        return self.data.ndim

    ndimension = dim

    def __index__(self):
        """An integer Value of one element used as an index (`classes[pred.argmax()]`), as PyTorch allows."""
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer Values of one element can be used as an index, not {self.data.dtype} "
                            f"of shape {self.data.shape}")
        return int(self.data.item())

    def numel(self):
        """The number of elements."""
        return int(self.data.size)

    nelement = numel

    def view(self, *shape, size=None):
        """x with a new shape of the same size, sharing x's memory (one entry may be -1): x.view(2, 3),
        x.view((2, 3)) or x.view(size=(2, 3)). As PyTorch's, it raises where x is a view of another Value (transpose,
        permute, expand, a strided slice, diagonal, unfold: laid out as PyTorch lays them out) and the new shape
        cannot be laid over x's elements where they are (`x.t().view(-1)`); `reshape` copies them then, and so does
        `contiguous()` first. Where x was computed by an operation whose NumPy layout may not be PyTorch's (x[:, idx],
        index_select along a later dimension, elementwise functions of a transpose), view copies as reshape does
        rather than refuse code PyTorch may run. x.view(dtype) reads x's bytes as another dtype (NumPy's view: the
        last dimension scaled by the ratio of the element sizes), without a gradient, as PyTorch's."""
        if size is None and len(shape) == 1 and _is_dtype(shape[0]):
            dtype = np.dtype(shape[0])
            refuse_dtype_view(self)
            return self if dtype == self.dtype else _without_gradient(_reinterpreted, self, dtype=dtype)
        shape = _sizes(shape, size, "view", "size")
        data = self.data
        if data.__class__ is np.ndarray and not data.flags.c_contiguous and _is_a_view(self):
            new = shape[0] if len(shape) == 1 and not _is_dim(shape[0]) else shape
            try:
                laid = np.reshape(data, new)  # NumPy copies exactly where PyTorch's view refuses
            except (ValueError, TypeError):
                laid = None  # sizes that do not fit: reshape says so below
            if laid is not None and laid.size and not np.may_share_memory(laid, data):
                raise ShapeError(
                    "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                    f"across two contiguous subspaces): the shape {tuple(laid.shape)} cannot be laid over the elements "
                    f"of this Value of shape {data.shape} and strides {self.stride()} where they are. Use "
                    ".reshape(...) instead.")
        return self.reshape(*shape)

    def view_as(self, other):
        """x.view(other's shape): raises as view does where x's elements are not in that order in memory."""
        return self.view(other.shape)

    def reshape_as(self, other):
        """x reshaped to other's shape (same number of elements)."""
        return self.reshape(other.shape)

    def unsqueeze(self, dim):
        """x with a new axis of length 1 at position `dim` (negative counts from the end of the result)."""
        ndim = self.data.ndim
        if not -ndim - 1 <= dim <= ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim - 1}, {ndim}], but got "
                             f"{dim}) (unsqueeze of a Value of {ndim} dimensions)")
        dim = dim % (ndim + 1)
        shape = self.shape
        # one reshape, whose grad_fn PyTorch calls UnsqueezeBackward0 (ViewBackward0 for x.view's)
        return _value._ops.reshape.named("UnsqueezeBackward0")(self, shape=shape[:dim] + (1,) + shape[dim:])

    def squeeze(self, dim=None):
        """x without axes of length 1 (only axis `dim` if given, and only if its length is 1, as PyTorch)."""
        shape = self.shape
        if dim is None:
            new = tuple(n for n in shape if n != 1)
        else:
            rank = max(len(shape), 1)  # a 0-d Value takes dim 0 or -1, as in PyTorch
            dims = {d % rank for d in ((dim,) if _is_dim(dim) else dim)}
            bad = [d for d in ((dim,) if _is_dim(dim) else dim) if not -rank <= d < rank]
            if bad:  # d % rank would squeeze another axis instead
                raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got "
                                 f"{bad[0]}) (squeeze of a Value of {len(shape)} dimensions)")
            new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
        if new == shape:
            return self
        # PyTorch's squeeze(), squeeze(dim), squeeze(dims) record SqueezeBackward0, 1, 2
        name = "SqueezeBackward0" if dim is None else "SqueezeBackward1" if _is_dim(dim) else "SqueezeBackward2"
        return _value._ops.reshape.named(name)(self, shape=new)

    def permute(self, *order, dims=None):
        """The axes in the order given: x.permute(2, 0, 1), x.permute((2, 0, 1)) or x.permute(dims=(2, 0, 1))
        (PyTorch's permute, NumPy's transpose(axes))."""
        order = _sizes(order, dims, "permute", "dims")
        if len(order) == 1 and not _is_dim(order[0]):
            order = order[0]
        try:
            return _value._ops.transpose(self, axes=tuple(order))
        except (ValueError, IndexError) as error:  # NumPy's words ("axes don't match array"): PyTorch's instead
            raise _permute_error(tuple(order), self.ndim) from error

    def expand(self, *sizes, size=None, implicit=False):
        """x broadcast to `sizes` (-1 keeps a dimension), without copying: PyTorch's expand; x.expand(2, 3),
        x.expand((2, 3)) or x.expand(size=(2, 3)). `implicit` is accepted and changes nothing, as in PyTorch."""
        sizes = _sizes(sizes, size, "expand", "size")
        if len(sizes) == 1 and not _is_dim(sizes[0]):
            sizes = sizes[0]
        lead = len(sizes) - self.data.ndim
        if lead < 0:
            raise ShapeError(f"{expand_refusal(sizes, self.shape, self.dtype)} (expand: {len(sizes)} sizes given for a "
                             f"Value of {self.data.ndim} dimensions)")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        try:
            return _value._ops.broadcast_to(self, shape=shape)
        except ValueError as error:  # NumPy's words ("operands could not be broadcast ..."): PyTorch's instead
            raise _expand_error(tuple(sizes), self.shape, lead) from error

    def expand_as(self, other):
        """x broadcast to other's shape (size-1 axes repeated, as expand)."""
        return self.expand(other.shape)

    def t(self):
        """The transpose of a matrix (a 0-d or 1-D Value unchanged), as PyTorch's t()."""
        if self.data.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.data.ndim}D (t: expects a "
                             f"Value of at most 2 dimensions, got {self.data.ndim}; use transpose(d0, d1))")
        if self.data.ndim < 2:
            return self
        return _value._ops.swapaxes.named("TBackward0")(self, axis1=0, axis2=1)  # transpose(0, 1)'s: TransposeBackward0

    @property
    def grad_fn(self):
        """PyTorch's `grad_fn`: a `GradFn` for the operation that recorded this Value (its `name()`,
        `next_functions`, `primitive`), or None for a leaf or a Value made without recording."""
        return GradFn(self) if self._parents and self.requires_grad else None

    def contiguous(self, memory_format=None):
        """x itself if `is_contiguous()`, else a copy of x whose elements are in memory in C order (PyTorch's; the
        gradient passes through unchanged): what `view` needs after a transpose (`x.t().contiguous().view(-1)`)."""
        _contiguous_format(memory_format, "contiguous")
        if self.is_contiguous():
            return self
        return _value._ops.index.contiguous(self)

    def is_contiguous(self, memory_format=None):
        """Whether x's elements are in memory in C order, one after the other, as PyTorch's is_contiguous
        (dimensions of length 1 do not count; an empty Value is contiguous): True for a new Value, a reshape of one,
        x[1:] or x[0]; False for a transpose, permute, expand, a strided slice x[:, ::2], a column x[:, 0], a
        diagonal, or windows of unfold that overlap or leave gaps (see `stride()`). NumPy runs every operation on
        either layout; `view` is what needs one (see there)."""
        _contiguous_format(memory_format, "is_contiguous")
        data = self.data
        return not isinstance(data, np.ndarray) or data.flags.c_contiguous  # (a NumPy scalar: contiguous)

    def is_floating_point(self):
        """True if x's dtype is a float dtype (float16, float32, float64)."""
        return self.data.dtype.kind == "f"

    def retain_grad(self):
        """Nothing to do: every Value that requires a gradient keeps its `.grad` after backward here
        (micrograd's way), leaves and recorded Values alike."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a Value that has requires_grad=False")

    def masked_fill(self, mask, value):
        """x with `value` (a number or a 0-d Value) where the boolean `mask` (broadcast to x's shape) is True; the
        gradient flows to x where mask is False (and to `value` where True, if it is a Value)."""
        mask = np.asarray(_data(mask))
        if mask.dtype != np.bool_:
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{cpp_name(mask.dtype)} (masked_fill: make the mask by a comparison, e.g. x > 0)")
        if np.ndim(_data(value)) != 0:  # PyTorch's rule: a vector would silently act as an elementwise `where`
            raise ShapeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                             f"{np.ndim(_data(value))} dimension(s). (masked_fill: value must be a number or a 0-d "
                             "Value; use torch.where(mask, value, x) to fill from another Value)")
        if not isinstance(value, _value.Value):
            value = np.asarray(_value.wrapped(value, self.dtype), dtype=self.dtype)
        if mask.shape != self.shape:
            try:
                np.broadcast_to(mask, self.shape)
            except ValueError:  # a ShapeError, the kind PyTorch code (RuntimeError) and NumPy code catch alike
                raise ShapeError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the shape "
                                 f"{self.shape} of the Value it fills") from None
        # The mask itself, broadcast by `where`: a mask the call computed (x > 0) stays live in a compiled step.
        filled = _value._ops.where(mask, value, self)  # PyTorch's one node, listing x (and a tensor value)
        if isinstance(value, _value.Value):
            return shown_as(filled, (self, value), "MaskedFillBackward1")
        return shown_as(filled, self, "MaskedFillBackward0")

    def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
        """zeros of shape `size` (sizes, a tuple, or size=) with x's dtype (or `dtype`)."""
        return self._new(np.zeros, _sizes(sizes, size, "new_zeros", "size"), dtype, requires_grad, device)

    def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
        """ones of shape `size` (sizes, a tuple, or size=) with x's dtype (or `dtype`)."""
        return self._new(np.ones, _sizes(sizes, size, "new_ones", "size"), dtype, requires_grad, device)

    def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
        """An array of shape `size` (sizes, a tuple, or size=) with x's dtype (or `dtype`); here zeros, NumPy's
        empty being no faster to use."""
        return self._new(np.zeros, _sizes(sizes, size, "new_empty", "size"), dtype, requires_grad, device)

    def type_as(self, other):
        """x converted to other's dtype (differentiable for floats), as PyTorch's type_as."""
        return self.type(other.dtype)

    def polygamma(self, n):
        """torch.polygamma(n, x): the n-th derivative of digamma at x."""
        return _value._ops.special_functions.polygamma(self, n=int(n))

    def where(self, condition, other):
        """torch.where(condition, x, other): x where condition is True, else other."""
        _value._ops.elementwise.check_condition(condition)
        return _value._ops.where(condition, self, other)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """`fill_value` in an array of shape `size`, with x's dtype unless `dtype` is given. As in PyTorch,
        only size and fill_value may be given by position."""
        return self._new(lambda shape, dt: np.full(shape, _value.wrapped(fill_value, dt), dt), (size,), dtype,
                         requires_grad, device)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A new Value holding a copy of `data`, with x's dtype unless `dtype` is given. As in PyTorch, only
        data may be given by position."""
        return self._new(lambda shape, dt: np.array(_data(data), dtype=dt), ((),), dtype, requires_grad, device)

    def _new(self, make, size, dtype, requires_grad, device=None):  # size: a tuple of sizes or of one tuple
        if device is not None:
            on_cpu(device)
        if len(size) == 1 and not _is_dim(size[0]):
            size = size[0]
        data = make(tuple(size), self.data.dtype if dtype is None else np.dtype(dtype))
        return _value.Value(data[()] if data.ndim == 0 else data, requires_grad=bool(requires_grad),
                            dtype=data.dtype)

    @property
    def mT(self):
        """The last two axes swapped (matrix transpose of a batch); a RuntimeError below 2-D, as PyTorch's."""
        if self.data.ndim < 2:
            raise ShapeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.data.ndim}-D "
                             "tensor.")
        return self.swapaxes(-1, -2)

    # ------------------------------------------------------------------------------------------------
    # Reductions with PyTorch's defaults.

    def var(self, dim=None, ddof=None, keepdims=None, *, axis=None, keepdim=False, correction=None, unbiased=None):
        """Variance: Σ(x - mean)² / (n - correction). See the module docstring for the default correction.

        PyTorch: var(dim=None, keepdim=False, correction=1) (or unbiased=True/False);
        NumPy:   var(axis=None, ddof=0, keepdims=False). With correction ≥ n the result is inf or nan.
        """
        correction, args = _spread_args(dim, ddof, keepdims, axis, keepdim, correction, unbiased)
        warn_if_no_degrees_of_freedom("var", self.shape, args["axis"], correction)
        return _value._ops.var(self, ddof=correction, **args)

    def std(self, dim=None, ddof=None, keepdims=None, *, axis=None, keepdim=False, correction=None, unbiased=None):
        """Standard deviation: sqrt of `var` with the same arguments (unbiased by default, as PyTorch), one node
        (StdBackward0); its gradient is 0 where the elements are all equal (std 0), as PyTorch's."""
        correction, args = _spread_args(dim, ddof, keepdims, axis, keepdim, correction, unbiased)
        warn_if_no_degrees_of_freedom("std", self.shape, args["axis"], correction)
        return _value._ops.std(self, ddof=correction, **args)

    def _extremum(self, which, dim, keepdim, axis, keepdims):
        if isinstance(dim, (_value.Value, np.ndarray)):  # torch.max(a, b): elementwise
            return getattr(_value._ops, "maximum" if which == "max" else "minimum")(self, dim)
        prim = getattr(_value._ops, which)
        if _is_dim(dim) and axis is None:  # PyTorch's (values, indices)
            keep = bool(keepdim) if keepdim is not None else bool(keepdims)
            if self.ndim == 0:  # PyTorch reduces a 0-d Value along dim 0 or -1 to itself
                _value._ops.index.check_dim(dim, 0)
                values = shown_as(self.reshape(()), self, "MaxBackward0" if which == "max" else "MinBackward0")
                return MaxMin(values, getattr(self, "arg" + which)())
            # Values picked at the indices, not prim(axis=dim): PyTorch's gradient goes to the element the index
            # names, while amax/amin (and max() of everything) split it between ties. One node (MaxBackward0)
            # that finds the same positions again from the numbers.
            try:
                indices = getattr(self, "arg" + which)(dim=dim, keepdim=keep)
            except IndexError as err:  # an empty dim: argmax's words, which PyTorch's max() says as its own
                if not str(err).startswith(f"arg{which}()"):
                    raise
                raise IndexError(str(err)[3:]) from None
            axis = _value._ops.index.check_dim(dim, self.ndim)
            return MaxMin(_value._ops.scan.pick(self, which, axis, keep), indices)
        try:
            return prim(self, **reduce_args(axis, keepdims or False, dim, keepdim))
        except ShapeError as err:  # NumPy's "zero-size array to reduction operation maximum which has no identity"
            if self.data.size or dim is not None or axis is not None:
                raise
            raise ShapeError(f"{which}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                             f"reduction dim with the 'dim' argument. ({err})") from None

    # keepdim=False or None: not asked for, so that NumPy's keepdims= (given instead) decides.

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest element; along `dim` PyTorch's (values, indices); along `axis` NumPy's values;
        `x.max(y)` for a Value y is the elementwise maximum. Ties share the gradient equally."""
        return self._extremum("max", dim, keepdim or None, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The smallest element; the arguments as for `max`."""
        return self._extremum("min", dim, keepdim or None, axis, keepdims)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        """The product of the elements (over all, or along dim/axis); its gradient is right where elements are 0.
        dtype: self is converted to it first (PyTorch's)."""
        x = self if dtype is None else self.to(dtype)
        if dtype is None and x.data.dtype.kind in "bu" and x.data.dtype != np.uint64:
            x = x.to(np.int64)  # PyTorch multiplies bools and unsigned integers in int64 (NumPy: uint64)
        return _value._ops.prod(x, **reduce_args(axis, keepdims or False, dim, keepdim or None))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest element: over the flattened Value when dim is None, else along dim
        (int64, no gradient; the first one among ties, as NumPy and PyTorch)."""
        return _arg(self, np.argmax, dim, keepdim, axis, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the smallest element; the arguments as for `argmax`."""
        return _arg(self, np.argmin, dim, keepdim, axis, keepdims)

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over all elements (or along dim): 'fro' and 2 give sqrt(Σx²), 1 gives Σ|x|,
        inf gives max |x|, 0 the count of nonzero elements, other p give (Σ|x|^p)^(1/p); 'nuc' gives the matrix's
        nuclear norm (the sum of its singular values; dim: the two dims of the matrices, the last two by default)."""
        if self.data.dtype.kind == "c":
            return self.abs().norm(p, dim, keepdim)  # a complex Value's norm is its moduli's
        args = reduce_args(None, keepdim, dim, None)
        if p in ("fro", 2, 2.0):  # one node, LinalgVectorNormBackward0 (its gradient 0 at a norm of zeros)
            return _value._ops.norms.vector_norm2(self, **args)
        # the other p are compositions here, shown as PyTorch's one node (LinalgVectorNormBackward0) over self
        if p in (1, 1.0):
            return shown_as(self.abs().sum(**args), self, _VECTOR_NORM)
        if p == float("inf"):
            return shown_as(self.abs().max(axis=args["axis"], keepdims=args["keepdims"]), self, _VECTOR_NORM)
        if p == float("-inf"):
            return shown_as(self.abs().min(axis=args["axis"], keepdims=args["keepdims"]), self, _VECTOR_NORM)
        if p == "nuc":  # the sum of the singular values of the matrix (or of the two dims named)
            from .linalg import matrix_norm  # linalg imports this module

            return matrix_norm(self, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)
        # Other p: linalg.vector_norm's, whose gradient is 0 (PyTorch's) where the sum or, for p < 1, an element is 0
        # (p=0: the count of nonzero elements, PyTorch's node that sends no gradient)
        from .linalg import vector_norm  # linalg imports this module

        return vector_norm(self, p, dim, keepdim)

    # Logical operators on boolean Values (masks), as PyTorch's: `(x > 0) & (x < 1)`, `~mask`; bit by bit on integers
    # (ops/bits.py: PyTorch's result dtype, bool & int64 -> int64). Shifts and `&=`: tensor_methods_more.py.
    def __and__(self, other):
        return _value._ops.bits.bitwise_and(self, other)

    def __or__(self, other):
        return _value._ops.bits.bitwise_or(self, other)

    def __xor__(self, other):
        return _value._ops.bits.bitwise_xor(self, other)

    def __invert__(self):
        if self.data.dtype.kind not in "biu":  # NumPy's ufunc error otherwise; PyTorch's words
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return _without_gradient(operator.invert, self)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    # Python's // and % as PyTorch defines them: the quotient rounded toward −inf, the remainder with the sign of
    # the divisor (integers stay integers; floats have a zero gradient for // and d(x % y)/dx = 1).
    def __floordiv__(self, other):
        return _value._ops.arith.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other):
        return _value._ops.arith.div(other, self, rounding_mode="floor")

    def __mod__(self, other):
        return _value._ops.arith.remainder(self, other)

    def __rmod__(self, other):
        return _value._ops.arith.remainder(other, self)

    def any(self, dim=None, keepdim=False):
        """True where any element is nonzero, over all elements or along dim (a bool Value, no gradient; uint8 for a
        uint8 input, as PyTorch keeps it)."""
        return _without_gradient(_truth, self, which=np.any, axis=dim, keepdims=keepdim)

    def all(self, dim=None, keepdim=False):
        """True where every element is nonzero, over all elements or along dim (a bool Value, no gradient; uint8 for
        a uint8 input, as PyTorch keeps it)."""
        return _without_gradient(_truth, self, which=np.all, axis=dim, keepdims=keepdim)

    # ------------------------------------------------------------------------------------------------
    # Elementwise, under PyTorch's names.

    def clamp(self, min=None, max=None):
        """Limit x to [min, max] (either may be None): NumPy's clip."""
        return self.clip(min, max)

    def pow(self, exponent):
        """self ** exponent; an integer Value exponent takes self's float dtype (PyTorch's promotion, where
        NumPy's would make float32 ** int64 float64)."""
        if isinstance(exponent, _value.Value) and exponent.dtype.kind in "biu" and self.dtype.kind == "f":
            exponent = exponent.astype(self.dtype)  # an operation: a compiled step converts each call's exponent
        return self ** exponent

    def add(self, other, alpha=1):
        """self + alpha * other, broadcast (torch.add, with its checks of alpha)."""
        return _value._ops.arith.add_scaled(self, other, alpha)

    def sub(self, other, alpha=1):
        """self - alpha * other, broadcast (torch.sub: a bool operand raises; alpha checked as in add)."""
        return _value._ops.arith.subtract(self, other, alpha=alpha)

    def mul(self, other):
        """self * other elementwise, broadcast (torch.mul)."""
        return self * other

    def div(self, other, *, rounding_mode=None):
        """self / other: true division, or rounded toward zero ('trunc') or −inf ('floor'), as torch.div."""
        return self / other if rounding_mode is None else _value._ops.arith.div(self, other,
                                                                                  rounding_mode=rounding_mode)

    def neg(self):
        """-self elementwise (same shape)."""
        return -self

    def square(self):
        """self * self elementwise (same shape; bools give int64, as PyTorch's)."""
        x = self.long() if self.data.dtype == np.bool_ else self
        return shown_as(x * x, x, "PowBackward0")  # PyTorch's x.pow(2)

    def matmul(self, other):
        """self @ other: matrix product with PyTorch's rules for 1-D and batched (..., n, m) operands."""
        return self @ other

    def split(self, split_size, dim=0):
        """Consecutive pieces along `dim` of split_size entries each (an int), or of the given lengths (a list):
        torch.split with this Value first (Tensor.split's argument name, split_size)."""
        return _value._ops.pieces.split(self, split_size, dim)

    def mm(self, mat2):
        """The matrix product self (n, m) @ mat2 (m, p) (torch.mm's argument name); PyTorch's errors for anything but
        two matrices."""
        check_matrices(self, mat2 if isinstance(mat2, _value.Value) else _value.Value(mat2))
        return self @ mat2

    # ------------------------------------------------------------------------------------------------
    # PyTorch's methods that are functions of ops/ (gather, cumsum, sort, log1p, eq, split, ...): see
    # _FUNCTION_METHODS below. These take other arguments than their functions.

    def flip(self, *axes, dims=None):
        """x with the order of its entries reversed along `dims` (x.flip(0, 1), x.flip((0, 1)) or
        x.flip(dims=(0, 1)))."""
        axes = _sizes(axes, dims, "flip", "dims")
        return _value._ops.index.flip(self, axes[0] if len(axes) == 1 else axes)

    def amax(self, dim=(), keepdim=False):
        """The largest elements over `dim` (all dims by default: dim=()); ties share the gradient equally."""
        _value._ops.complex.refuse_complex_kernel("max_values_cpu", self)
        out = _value._ops.max(self, axis=None if dim == () else _axis(dim), keepdims=bool(keepdim))
        return shown_as(out, self, "AmaxBackward0") if dim == () else out  # x.max()'s node here: MaxBackward1

    def amin(self, dim=(), keepdim=False):
        """The smallest elements over `dim` (all dims by default: dim=()); ties share the gradient equally."""
        _value._ops.complex.refuse_complex_kernel("min_values_cpu", self)
        out = _value._ops.min(self, axis=None if dim == () else _axis(dim), keepdims=bool(keepdim))
        return shown_as(out, self, "AminBackward0") if dim == () else out

    def broadcast_to(self, size):
        """x broadcast to `size` (a view in PyTorch); the gradient is summed back over the broadcast axes."""
        try:
            return _value._ops.broadcast_to(self, shape=tuple(size))
        except ValueError as err:  # NumPy's "could not be broadcast together with remapped shapes": expand's words
            words = expand_refusal(tuple(size), self.shape, self.dtype)
            if words is None:
                raise
            raise ShapeError(f"{words} ({err})") from None

    # ------------------------------------------------------------------------------------------------
    # Copies, dtypes, devices.

    def clone(self, *, memory_format=None):
        """A copy of the data that stays in the graph (the gradient passes through unchanged). memory_format:
        PyTorch's. `torch.preserve_format` (the default) keeps the layout of a transposed or permuted Value, as
        PyTorch's does (other strided views come out in C order); any other format gives C order."""
        if memory_format is not None:
            from .tensor_attributes import check_memory_format, preserve_format

            check_memory_format(memory_format, "clone")
            if memory_format is not preserve_format and not self.is_contiguous():
                return _value._ops.index.contiguous(self)  # itself a copy in C order
        return _value._ops.clone(self)

    def tolist(self):
        """The data as (nested) Python lists of numbers, or a number for a 0-d Value."""
        return np.asarray(self.data).tolist()

    def to(self, *args, **kwargs):
        """x converted to a dtype (`x.to(float64)`, `x.to(other)`, `x.to(dtype=...)`); devices other than 'cpu'
        are not supported ('cpu' returns x itself)."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        for a in args:
            if isinstance(a, _value.Value):
                dtype = a.dtype
            elif isinstance(a, (str, Device)):
                device = a
            elif a is not None:
                dtype = a
        if device is not None:
            on_cpu(device)
        return self if dtype is None else self._as_dtype(_dtype(dtype))

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """Without dtype, the name of x's type as PyTorch's: 'torch.FloatTensor', 'torch.DoubleTensor',
        'torch.LongTensor', 'torch.ComplexFloatTensor', ... With one, x converted to it: a dtype, a legacy type
        (torch.DoubleTensor) or its name ('torch.DoubleTensor'; any other string is PyTorch's ValueError "invalid
        type"). Float targets stay differentiable; integer and boolean results carry no gradient (as in PyTorch).
        non_blocking: accepted (there is only the CPU)."""
        from .dtypes import dtype_of_type_name, type_name

        if dtype is None:
            return f"torch.{type_name(self.data.dtype)}"
        return self._as_dtype(dtype_of_type_name(dtype) if isinstance(dtype, str) else _dtype(dtype))

    def _as_dtype(self, dtype):
        """x converted to the NumPy dtype `dtype` (x itself when it has it)."""
        if dtype == self.data.dtype:
            return self
        if dtype.kind in "fc":
            if self.data.dtype.kind == "c" and dtype.kind == "f":
                warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=2)
            return self.astype(dtype)
        return _without_gradient(_cast, self, dtype=dtype)

    def _cast_method(self, dtype, memory_format, name):
        """x.<name>(memory_format=None): x converted to `dtype` (memory_format checked, PyTorch's TypeError for
        another type; it changes no numbers here)."""
        if memory_format is not None:
            from .tensor_attributes import check_memory_format

            check_memory_format(memory_format, name)
        return self.type(dtype)

    def double(self, memory_format=None):
        """x converted to float64 (self.to(torch.float64)); differentiable."""
        return self._cast_method(np.float64, memory_format, "double")

    def float(self, memory_format=None):
        """x converted to float32 (self.to(torch.float32)); differentiable."""
        return self._cast_method(np.float32, memory_format, "float")

    def half(self, memory_format=None):
        """x converted to float16 (self.to(torch.float16)); differentiable."""
        return self._cast_method(np.float16, memory_format, "half")

    def bfloat16(self, memory_format=None):
        """PyTorch's x.to(torch.bfloat16): a TypeError saying why (NumPy has no bfloat16) and what to use instead."""
        from .dtypes import bfloat16

        return self._cast_method(bfloat16, memory_format, "bfloat16")

    def cfloat(self, memory_format=None):
        """x converted to complex64 (self.to(torch.complex64)); differentiable: a real x's gradient is the real part
        of the complex result's, as PyTorch's."""
        return self._cast_method(np.complex64, memory_format, "cfloat")

    def cdouble(self, memory_format=None):
        """x converted to complex128 (self.to(torch.complex128)); differentiable: a real x's gradient is the real
        part of the complex result's, as PyTorch's."""
        return self._cast_method(np.complex128, memory_format, "cdouble")

    def chalf(self, memory_format=None):
        """PyTorch's x.to(torch.complex32): a TypeError saying why (NumPy has no complex32) and what to use instead
        (complex64: x.cfloat())."""
        from .dtypes import complex32

        return self._cast_method(complex32, memory_format, "chalf")

    def long(self, memory_format=None):
        """x converted to int64 (no gradient flows through an integer Value)."""
        return self._cast_method(np.int64, memory_format, "long")

    def int(self, memory_format=None):
        """x converted to int32 (no gradient flows through an integer Value)."""
        return self._cast_method(np.int32, memory_format, "int")

    def bool(self, memory_format=None):
        """x converted to bool, nonzero -> True (no gradient flows through it)."""
        return self._cast_method(np.bool_, memory_format, "bool")

    def cpu(self):
        """x itself: every Value lives on the CPU."""
        return self

    def cuda(self, device=None, non_blocking=False):
        """PyTorch's move to a GPU: there is none here, so this raises what `device('cuda')` raises (test
        `torch.cuda.is_available()` first, as PyTorch code does)."""
        on_cpu("cuda" if device is None else device if isinstance(device, (str, Device)) else f"cuda:{device}")

    @property
    def device(self):
        """device('cpu'): every Value's data is a NumPy array in main memory."""
        return Device("cpu")

    is_cuda = False


# PyTorch's methods that are the function of the same name with the Value first (ops/special.py, ops/linalg.py).
_FUNCTION_METHODS = {
    "index": ("gather", "scatter", "scatter_add", "index_select", "index_add", "index_copy", "index_fill", "take",
              "masked_select", "narrow", "roll", "tril", "triu", "diagonal", "diag", "trace"),
    "scan": ("cumsum", "cumprod", "sort", "argsort", "topk", "median", "cummax", "cummin"),
    "special": ("eq", "ne", "gt", "ge", "lt", "le", "isnan", "isinf", "isfinite", "isclose", "log1p", "expm1",
                "log2", "log10", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "atan2",
                "reciprocal", "rsqrt", "lerp", "addcmul", "addcdiv", "logaddexp", "hypot", "sign", "round", "floor",
                "ceil", "trunc", "frac", "nonzero", "argwhere", "unique", "bincount", "count_nonzero"),
    "linalg": ("outer", "dot", "bmm", "addmm", "inverse", "det", "logdet"),
    "special_functions": ("erf", "erfinv", "lgamma", "digamma", "igamma", "igammac", "erfc", "mvlgamma"),
    "special_more": ("xlogy", "logit", "sinc", "exp2", "logaddexp2", "i0"),  # stop 26
    "pieces": ("chunk", "unbind", "tile", "repeat", "repeat_interleave", "diff", "unfold"),
    "arrange": ("movedim", "moveaxis", "swapdims", "tensor_split", "hsplit", "vsplit", "dsplit", "split_with_sizes",
                "unflatten", "rot90", "fliplr", "flipud", "select", "take_along_dim", "ravel", "diag_embed",
                "diagflat"),
    "products": ("kron", "cross", "inner", "mv", "addmv", "addr", "baddbmm", "addbmm", "vdot", "dist"),
    "arith": ("fmax", "fmin", "fmod", "remainder", "floor_divide", "copysign", "heaviside", "logical_and", "logical_or",
              "logical_xor", "logical_not", "deg2rad", "rad2deg", "float_power", "nan_to_num", "signbit", "positive",
              "negative", "clamp_min", "clamp_max", "isposinf", "isneginf", "is_complex", "is_nonzero", "is_same_size",
              "divide", "true_divide", "greater", "greater_equal", "less", "less_equal", "not_equal", "maximum",
              "minimum", "multiply", "subtract", "absolute", "fix", "allclose", "equal"),
    "stats": ("nansum", "nanmean", "logcumsumexp", "kthvalue", "mode", "quantile", "nanquantile", "nanmedian",
              "aminmax", "histc", "histogram", "cov", "corrcoef", "renorm"),
    "sampling": ("bernoulli", "multinomial"),
    "strided": ("as_strided", "as_strided_scatter"),
}


def check_matrices(x, y):
    """PyTorch's errors of torch.mm and Tensor.mm for Values x and y that are not matrices or do not chain."""
    if x.ndim != 2:
        raise ShapeError("self must be a matrix")
    if y.ndim != 2:
        raise ShapeError("mat2 must be a matrix")
    if x.shape[1] != y.shape[0]:
        raise ShapeError(_value._ops.linalg.not_multipliable(x.shape, y.shape))


def _function_method(module, name):
    def method(self, *args, **kwargs):
        return getattr(getattr(_value._ops, module), name)(self, *args, **kwargs)

    method.__name__, method.__qualname__ = name, f"TensorMethods.{name}"
    method.__doc__ = f"autograd_core.{name} (torch.{name}) with this Value as its first argument."
    return method


for _module, _names in _FUNCTION_METHODS.items():
    for _name in _names:
        assert not hasattr(TensorMethods, _name), _name
        setattr(TensorMethods, _name, _function_method(_module, _name))
TensorMethods.arcsin, TensorMethods.arccos, TensorMethods.arctan, TensorMethods.arctan2 = (
    TensorMethods.asin, TensorMethods.acos, TensorMethods.atan, TensorMethods.atan2)
TensorMethods.arcsinh, TensorMethods.arccosh, TensorMethods.arctanh = (
    TensorMethods.asinh, TensorMethods.acosh, TensorMethods.atanh)


# --- linalg decompositions, stop 26 --- x.svd() (torch.svd's V), x.pinverse(), x.qr(), x.matrix_exp(), ...
def _decomposition_method(name, module, function):
    def method(self, *args, **kwargs):
        import importlib  # loaded on use: these modules build on linalg.py, which builds on Value

        return getattr(importlib.import_module(f"autograd_core.{module}"), function)(self, *args, **kwargs)

    method.__name__, method.__qualname__ = name, f"TensorMethods.{name}"
    method.__doc__ = f"torch.{name} with this Value as its first argument ({module}.{function})."
    return method


for _name, (_module, _function) in {
    "svd": ("linalg_decompositions", "svd_old"), "pinverse": ("linalg_decompositions", "pinverse"),
    "qr": ("linalg_decompositions", "qr_old"), "matrix_exp": ("linalg_decompositions", "matrix_exp"),
    "cholesky_solve": ("linalg_solvers", "cholesky_solve"), "cholesky_inverse": ("linalg_solvers", "cholesky_inverse"),
    "geqrf": ("linalg_householder", "geqrf"), "orgqr": ("linalg_householder", "orgqr"),
    "ormqr": ("linalg_householder", "ormqr"),
    "lu": ("linalg_legacy", "lu"), "lu_solve": ("linalg_legacy", "lu_solve"),
    "triangular_solve": ("linalg_legacy", "triangular_solve"), "solve": ("linalg_legacy", "_solve_method"),
    "symeig": ("linalg_legacy", "symeig"), "lstsq": ("linalg_legacy", "_lstsq_method"), "eig": ("linalg_legacy", "eig"),
}.items():
    setattr(TensorMethods, _name, _decomposition_method(_name, _module, _function))
# --- end of linalg decompositions, stop 26 ---
# x.matrix_power(n), x.slogdet() (torch.linalg's, under torch's names), x.hardshrink(), x.prelu(weight): found on use
# in the module that defines them; nn.functional's so, since the core does not import nn.
for _name, (_module, _function) in {
    "matrix_power": ("linalg", "matrix_power"), "slogdet": ("linalg", "slogdet_old"),
    "hardshrink": ("nn.functional", "hardshrink"), "prelu": ("nn.functional", "prelu"),
}.items():
    setattr(TensorMethods, _name, _decomposition_method(_name, _module, _function))


def _axis(dim):
    return tuple(dim) if isinstance(dim, list) else dim


def _data(x):
    return x.data if isinstance(x, _value.Value) else x


def _without_gradient(fn, x, *other, **options):
    return _value._ops.without_gradient(fn, x, *other, **options)


def _truth(data, which, axis, keepdims):
    """np.any or np.all of data: bools, or uint8 for uint8 data (PyTorch's legacy rule for byte masks)."""
    out = which(data, axis=axis, keepdims=keepdims)
    return out.astype(np.uint8) if data.dtype == np.uint8 else out


def _cast(data, dtype):
    """data converted to an integer or boolean dtype (no gradient)."""
    return np.asarray(data).astype(dtype)


def _arg(x, fn, dim, keepdim, axis, keepdims):
    axis = dim if axis is None else axis
    keep = bool(keepdims) if keepdims is not None else bool(keepdim)
    return _without_gradient(_arg_of_data, x, which=fn, axis=axis, keep=keep)


def _arg_of_data(data, which, axis, keep):
    """np.argmax/np.argmin (`which`) of data as int64, over the flattened data when axis is None."""
    data = np.asarray(data)
    if data.dtype.kind == "c":
        raise RuntimeError(f"{which.__name__}(): does not support complex input")
    if data.size == 0 and (axis is None or data.ndim == 0 or data.shape[axis] == 0):  # PyTorch's IndexError
        if axis is None:
            raise IndexError(f"{which.__name__}(): Expected reduction dim to be specified for input.numel() == 0.")
        raise IndexError(f"{which.__name__}(): Expected reduction dim {axis} to have non-zero size.")
    if axis is None:
        out = which(data)
        if keep:
            out = np.reshape(out, (1,) * data.ndim)
    else:
        out = which(data, axis=axis, keepdims=keep)
    return np.asarray(out, dtype=np.int64)


# PyTorch's device types (torch.device accepts these names; only the CPU exists here).
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
                 "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class Device:
    """PyTorch's `torch.device(type, index=None)`: `device("cuda")`, `device("cuda:1")`, `device("cuda", 0)`.

    Any of PyTorch's device types can be named, as in PyTorch, so that code which chooses its device first
    (`device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`, d2l's `try_gpu()`) runs; only the CPU
    exists, and putting data or a module on another device (`x.to(device)`, `zeros(2, device=...)`, `model.to(...)`)
    raises RuntimeError there. Equality is PyTorch's, on (type, index) (`device("cuda") != device("cuda:0")`), and a
    string compares as the device it names. `with device("cpu"):` runs its block (the CPU is always the default
    device here); entering any other device raises RuntimeError."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, Device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, numbers.Integral) and not isinstance(type, bool):
            raise RuntimeError(f"device({type}): an index alone names an accelerator (cuda:{type}); none is "
                               "available here, where autograd_core runs on the CPU with NumPy")
        else:
            text = str(type)
            kind, colon, number = text.partition(":")
            if kind not in _DEVICE_TYPES:
                raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device "
                                   f"string: {text}")
            if colon:
                if not number.isdigit():
                    raise RuntimeError(f"Invalid device string: {text!r}")
                if index is not None:
                    raise RuntimeError(f"type (string) must not include an index because index was passed "
                                       f"explicitly: {text}")
                index = int(number)
            type = kind
        if index is not None:
            if not isinstance(index, numbers.Integral) or isinstance(index, bool):
                raise TypeError(f"device(): index must be an integer, not {index!r}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            index = int(index)
        self.type, self.index = type, index

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except RuntimeError:
                return False
        if not isinstance(other, Device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    # `with torch.device(d):` makes d the default device of the tensors made inside, as PyTorch's (2.0 and later):
    # the CPU is the default here already, so entering it changes nothing; any other device (the meta device of
    # Raschka's memory-efficient weight loading, `with torch.device("meta"): model = GPTModel(cfg)`) raises
    # RuntimeError as set_default_device does, where PyTorch would make tensors there.
    def __enter__(self):
        return on_cpu(self)

    def __exit__(self, *exc_info):
        return None


def on_cpu(device):
    """`device` (a string or a Device) as a Device, if it is the CPU; any other device raises RuntimeError (the one
    check every `device=` argument and `.to(device)` goes through)."""
    device = device if isinstance(device, Device) else Device(device)
    if device.type != "cpu":
        raise RuntimeError(f"device {str(device)!r} is not available; autograd_core runs on the CPU with NumPy")
    return device


from . import tensor_methods_more  # noqa: E402, F401  (more methods: bitwise, scatter_reduce, stride, ...; attached)
