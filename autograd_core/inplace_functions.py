"""PyTorch's in-place forms of functions, each the out-of-place function computed and written back under the in-place
rules: elementwise (`x.relu_()`, `x.exp_()`, `x.pow_(2)`), the indexing functions (`y.scatter_(1, labels, 1.0)`,
`x.masked_fill_(mask, 0)`, `x.tril_()`) and the others of `_REWRITTEN` (`x.floor_()`, `x.lerp_(end, 0.5)`); and
`x[index] = value` written out of place by operations on Values (`placed`), which the recording of an assignment and
the scatters use.

Apart from inplace.py, which holds the rules these go through (`_change`, `_write`) and the methods that are the rules'
own (arithmetic, copy_, fill_, clamp_, x[index] = value), because these are one family: a function of the library
in place. The methods are written in a class body here, word for word as they were in `InplaceMethods`, and copied
onto it (inplace.py imports this module at its end).
"""

from __future__ import annotations

import math

import numpy as np

from . import value as _value
from .errors import scalar_type_name
from .inplace import InplaceMethods, _change, _computed_by, _data, _ufunc_update, write_back
from .method_families import attach_methods


def _sigmoid(d, out):
    result = 0.5 * (np.tanh(0.5 * np.asarray(d)) + 1.0)  # the stable form of 1 / (1 + exp(-x))
    if out is None:
        return result
    write_back(out, result)


def _refuse_complex(self, kind, message):
    """PyTorch's refusal of an in-place function of a complex self (in message, '{torch}' is PyTorch's name of the
    scalar type, 'ComplexFloat', and '{c10}' its C++ name, 'c10::complex<float>')."""
    dtype = self.data.dtype
    if dtype.kind == "c":
        raise kind(message.format(torch=scalar_type_name(dtype),
                                  c10=f"c10::complex<{'float' if dtype == np.complex64 else 'double'}>"))


def _elementwise(self, name, compute, result_of):
    """An elementwise function in place (relu_, exp_, ...): recorded on a Value in a graph being recorded (see
    `update_in_place`), written into the array elsewhere."""
    return _change(self, name, compute, result_of)


class _Functions:
    # Elementwise functions in place (PyTorch's `x.relu_()`, `x.exp_()`, ...), under the same rules.
    def relu_(self):
        """max(x, 0) in place; returns self."""
        _refuse_complex(self, NotImplementedError, "clamp is not supported for complex types")
        return _elementwise(self, "relu_", lambda d, out: np.maximum(d, 0, out=out), lambda v: v.relu())

    def sigmoid_(self):
        """1 / (1 + exp(-x)) in place; returns self."""
        return _elementwise(self, "sigmoid_", _sigmoid, lambda v: v.sigmoid())

    def tanh_(self):
        """tanh(x) in place; returns self."""
        return _elementwise(self, "tanh_", lambda d, out: np.tanh(d, out=out), lambda v: v.tanh())

    def exp_(self):
        """exp(x) in place; returns self."""
        return _elementwise(self, "exp_", lambda d, out: np.exp(d, out=out), lambda v: v.exp())

    def log_(self):
        """log(x) in place; returns self."""
        return _elementwise(self, "log_", lambda d, out: np.log(d, out=out), lambda v: v.log())

    def sqrt_(self):
        """sqrt(x) in place; returns self."""
        return _elementwise(self, "sqrt_", lambda d, out: np.sqrt(d, out=out), lambda v: v.sqrt())

    def abs_(self):
        """|x| in place; returns self (a complex self refuses, as PyTorch's: |z| is real)."""
        _refuse_complex(self, RuntimeError, "In-place abs is not supported for complex tensors.")
        return _elementwise(self, "abs_", lambda d, out: np.abs(d, out=out), lambda v: v.abs())

    def neg_(self):
        """-x in place; returns self."""
        return _elementwise(self, "neg_", lambda d, out: np.negative(d, out=out), lambda v: -v)

    def pow_(self, exponent):
        """x ** exponent in place; returns self. The arithmetic of x ** exponent (torch.pow's: ops/elementwise.py's
        `power_form`) where it is not NumPy's power."""
        from .ops.elementwise import power_form  # (not at the top: ops imports the package that imports this)

        operand = _data(exponent)
        numpy_power = _ufunc_update(np.power)(operand)

        def compute(data, out):
            form = power_form(data, operand)
            if form is None:
                return numpy_power(data, out)
            if out is None:
                return form(data)
            np.copyto(out, form(data))  # (x's shape and dtype: the exponent is one number of x's dtype)
            return out

        return _change(self, "pow_", compute, lambda v: v ** exponent, exponent)

    # PyTorch's in-place forms of the indexing functions (`y.scatter_(1, labels, 1.0)` for one-hot rows, `x.tril_()`,
    # `h.index_add_(0, segment, messages)`, `x.masked_fill_(mask, 0)`): the out-of-place function, written back.
    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """scatter (ops/index.py) in place, reduce='add'/'multiply' included; returns self."""
        return _rewritten(self, "scatter_", lambda v: v.scatter(dim, index, src, value=value, reduce=reduce), src,
                          value)

    def scatter_add_(self, dim, index, src):
        """scatter_add in place (repeated positions add up); returns self."""
        return _rewritten(self, "scatter_add_", lambda v: v.scatter_add(dim, index, src), src)

    def index_add_(self, dim, index, source, *, alpha=1):
        """index_add in place: alpha·source's entry i added at position index[i] along dim; returns self."""
        return _rewritten(self, "index_add_", lambda v: v.index_add(dim, index, source, alpha=alpha), source, alpha)

    def index_copy_(self, dim, index, source):
        """index_copy in place; returns self."""
        return _rewritten(self, "index_copy_", lambda v: v.index_copy(dim, index, source), source)

    def index_fill_(self, dim, index, value):
        """index_fill in place: `value` at the positions index along dim; returns self."""
        return _rewritten(self, "index_fill_", lambda v: v.index_fill(dim, index, value), value)

    def masked_fill_(self, mask, value):
        """masked_fill in place: `value` where the boolean mask is True; returns self."""
        return _rewritten(self, "masked_fill_", lambda v: v.masked_fill(mask, value), value)

    def tril_(self, diagonal=0):
        """tril in place: zeros above the diagonal; returns self."""
        return _rewritten(self, "tril_", lambda v: v.tril(diagonal))

    def triu_(self, diagonal=0):
        """triu in place: zeros below the diagonal; returns self."""
        return _rewritten(self, "triu_", lambda v: v.triu(diagonal))


attach_methods(_Functions, InplaceMethods)


def _rewritten(self, name, result_of, *operands):
    """self's contents replaced, in place, by result_of(self): an out-of-place function on Values (scatter,
    index_add, masked_fill, ...), computed on self's data without recording, then written back under the in-place
    rules (`_change`); a jvp follows the change through result_of."""
    return _change(self, name, _computed_by(result_of), result_of, *operands)


def _without_leading_ones(value, ndim):
    """value without its leading dimensions of size 1 beyond `ndim`, as PyTorch's `x[index] = value` takes it (the
    value is broadcast to x[index] after that): `x[i] = y` with y of shape (1, 1) writes y's one element into a 1-D x,
    where NumPy raises "setting an array element with a sequence"."""
    extra = 0
    while value.ndim - extra > ndim and value.shape[extra] == 1:
        extra += 1
    return value.reshape(value.shape[extra:]) if extra else value


def _assigned(x, index, value):
    """`x[index] = value` out of place, by operations on Values (for forward mode: see `_write`): each element of x
    that the assignment writes takes the element of `value` (broadcast to x[index]'s shape) that NumPy's assignment
    would leave there (the last one, where an index array repeats a position), through a gather; the others stay."""
    from .ops.shape import broadcast_to

    data = np.asarray(x.data)
    source = np.full(data.shape, -1)
    target_shape = data[index].shape
    if not isinstance(value, _value.Value):
        value = _value.Value(np.asarray(value, dtype=data.dtype), requires_grad=False)
    if not math.prod(target_shape):
        return x  # nothing is written
    # which element of value lands where: value's own elements, broadcast as NumPy's assignment broadcasts them (the
    # gather then sums a broadcast element's gradient; no node of its own, as PyTorch's CopySlices lists value's)
    try:
        numbers = np.broadcast_to(np.arange(math.prod(value.shape)).reshape(value.shape), target_shape)
    except ValueError:
        value = broadcast_to(value, shape=target_shape)  # its error names both shapes
        numbers = np.arange(math.prod(target_shape)).reshape(target_shape)
    source[index] = numbers
    return placed(value, source, x, "IndexPutBackward0" if _advanced(index) else "CopySlices")


def _advanced(index):
    """Whether an index (plain: ops.shape._plain_index's) holds an index array or a mask (PyTorch's index_put_)."""
    return any(isinstance(i, np.ndarray) and i.ndim for i in (index if index.__class__ is tuple else (index,)))


def placed(value, source, base, grad_fn_name=None):
    """base with each element whose `source` (an int array of base's shape) is k >= 0 replaced by value's flat element
    k, by operations on Values (a gather and a where): differentiable in both. grad_fn_name: PyTorch's name of the
    node of the write this is ('CopySlices' for x[1:] = v, 'IndexPutBackward0' for x[idx] = v), which the where's node
    shows, listing (base, value) as PyTorch's (grad_fn_names.py)."""
    from .ops.elementwise import _where, where
    from .ops.shape import getitem, reshape

    written = source >= 0
    part = getitem(reshape(value, shape=(-1,)), np.where(written, source, 0))
    if grad_fn_name is None:
        return where(written, part, base)
    return _where.named(grad_fn_name)(part, base, condition=written)


# PyTorch's other in-place methods (`x.floor_()`, `x.lerp_(end, 0.5)`, `x.fmod_(2)`, `x.addmm_(a, b)`): the
# out-of-place method of the same name, computed on x's data and written back (`_rewritten`), under the same rules.
# The result must keep x's shape and convert to x's dtype (`x.lt_(y)` writes 0 and 1; an integer x.sqrt_() raises).
_REWRITTEN = (
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh", "acosh",
    "atanh", "arcsinh", "arccosh", "arctanh", "floor", "ceil",
    "trunc", "fix", "frac", "round", "sign", "reciprocal", "rsqrt", "square", "log1p", "expm1", "log2", "log10",
    "deg2rad", "rad2deg", "absolute", "negative", "nan_to_num", "erf", "erfinv", "lgamma", "digamma", "polygamma",
    "logical_not", "atan2", "arctan2", "lerp", "addcmul", "addcdiv", "fmod", "remainder", "clamp_min", "clamp_max",
    "hypot", "copysign", "heaviside", "floor_divide", "true_divide", "divide", "multiply", "subtract",
    "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "cumsum", "cumprod", "renorm", "addmm", "addmv", "addr", "addbmm", "baddbmm",
    "float_power", "erfc", "exp2", "i0", "logit", "sinc", "xlogy", "igamma", "igammac", "mvlgamma",
)


def _rewritten_method(name):
    def method(self, *args, **kwargs):
        if name == "float_power":
            complex_ = any(np.dtype(getattr(a, "dtype", type(a))).kind == "c" for a in (self, *args))
            required = np.dtype(np.complex128 if complex_ else np.float64)
            if self.dtype != required:
                raise RuntimeError(f"the base given to float_power_ has dtype {scalar_type_name(self.dtype)} but the "
                                   f"operation's result requires dtype {scalar_type_name(required)}")
        elif name == "absolute":
            _refuse_complex(self, RuntimeError, "In-place abs is not supported for complex tensors.")
        operands = [a for a in (*args, *kwargs.values()) if isinstance(a, _value.Value)]
        return _rewritten(self, name + "_", lambda v: getattr(v, name)(*args, **kwargs), *operands)

    method.__name__, method.__qualname__ = name + "_", f"InplaceMethods.{name}_"
    method.__doc__ = f"x.{name}(...) in place (the in-place rules of autograd_core.inplace); returns x."
    return method


for _name in _REWRITTEN:
    assert not hasattr(InplaceMethods, _name + "_"), _name
    setattr(InplaceMethods, _name + "_", _rewritten_method(_name))
