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

The methods of three families are each in a module of their own, copied onto TensorMethods when this module is
imported: the shapes and views (`view`, `permute`, `expand`, ...: tensor_shape_methods.py), the reductions (`var`,
`max`, `norm`, ...: tensor_reductions.py) and the copies and conversions (`clone`, `to`, `type`, `double`, ...:
tensor_conversions.py).
"""

from __future__ import annotations

import collections
import numbers
import operator

import numpy as np

from . import value as _value
from .errors import ShapeError, cpp_name, dim_out_of_range, expand_refusal
from .grad_fn import GradFn
from .one_node import shown_as
from .python_numbers import wrapped

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
    neither is given (only F.softmax and friends choose a dim themselves), or when it is no int."""
    if dim is None:
        if axis is None:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        dim = axis
    elif axis is not None:
        raise TypeError("give axis (NumPy) or dim (PyTorch), not both")
    return one_dim(name, dim)


def one_dim(name, dim):
    """dim, where PyTorch's function takes one int only (softmax, prod, max): its TypeError for a tuple or list."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}() received an invalid combination of arguments: argument 'dim' must be int, not "
                        f"{type(dim).__name__} (a tuple of dims: NumPy's axis=)")
    return dim


def _sizes(given, keyword, name, keyword_name):
    """The sizes (or dims) of a method taking them either way, x.view(2, 3) or x.view((2, 3)), or by PyTorch's
    keyword, x.view(size=(2, 3)): the positional tuple."""
    if keyword is None:
        return given
    if given:
        raise TypeError(f"{name}(): give the {keyword_name} by position or as {keyword_name}=, not both")
    return (keyword,)


def _is_dim(d):
    return isinstance(d, numbers.Integral) and not isinstance(d, bool)


class TensorMethods:
    """PyTorch-named methods of `Value` (a mixin: Value is defined in value.py)."""

    __slots__ = ()

    @property
    def grad_fn(self):
        """PyTorch's `grad_fn`: a `GradFn` for the operation that recorded this Value (its `name()`,
        `next_functions`, `primitive`), or None for a leaf or a Value made without recording."""
        return GradFn(self) if self._parents and self.requires_grad else None

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
            value = np.asarray(wrapped(value, self.dtype), dtype=self.dtype)
        if mask.shape != self.shape:
            try:  # (out of place, PyTorch broadcasts x and the mask together: x (1, 3), mask (2, 1) give (2, 3))
                np.broadcast_shapes(mask.shape, self.shape)
            except ValueError:  # a ShapeError, the kind PyTorch code (RuntimeError) and NumPy code catch alike
                raise ShapeError(f"masked_fill: mask of shape {mask.shape} does not broadcast with the shape "
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
        return self._new(lambda shape, dt: np.full(shape, wrapped(fill_value, dt), dt), (size,), dtype,
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
        if dim == () or dim == []:  # (every dim: PyTorch's default, and its meaning of an empty list)
            out = _value._ops.max(self, axis=None, keepdims=bool(keepdim))
            return shown_as(out, self, "AmaxBackward0")  # x.max()'s node here: MaxBackward1
        # (named: a reduction to 0-d, x.amax(0) of a vector, stays AmaxBackward0 after a backward pass frees its axis)
        return _value._ops.max.named("AmaxBackward0")(self, axis=_axis(dim), keepdims=bool(keepdim))

    def amin(self, dim=(), keepdim=False):
        """The smallest elements over `dim` (all dims by default: dim=()); ties share the gradient equally."""
        _value._ops.complex.refuse_complex_kernel("min_values_cpu", self)
        if dim == () or dim == []:  # (every dim: PyTorch's default, and its meaning of an empty list)
            out = _value._ops.min(self, axis=None, keepdims=bool(keepdim))
            return shown_as(out, self, "AminBackward0")
        return _value._ops.min.named("AminBackward0")(self, axis=_axis(dim), keepdims=bool(keepdim))

    def broadcast_to(self, size):
        """x broadcast to `size` (a view in PyTorch); the gradient is summed back over the broadcast axes."""
        try:
            return _value._ops.broadcast_to(self, shape=tuple(size))
        except ValueError as err:  # NumPy's "could not be broadcast together with remapped shapes": expand's words
            words = expand_refusal(tuple(size), self.shape, self.dtype)
            if words is None:
                raise
            raise ShapeError(f"{words} ({err})") from None


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


from . import tensor_shape_methods, tensor_reductions, tensor_conversions  # noqa: E402, F401  (attached)
from . import tensor_methods_more  # noqa: E402, F401  (more methods: bitwise, scatter_reduce, stride, ...; attached)
