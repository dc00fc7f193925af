"""More of PyTorch's elementwise functions: fmax, fmin, fmod, remainder, floor_divide, div with rounding_mode,
copysign, float_power, deg2rad, rad2deg, nan_to_num, clamp_min, clamp_max, positive, negative, and the boolean ones
without a gradient (logical_and/or/xor/not, signbit, heaviside, isposinf, isneginf).

All are compositions of existing primitives (`where`, `trunc`, `floor`, arithmetic), so they get gradients, forward
mode, higher derivatives and compile from those. Where NumPy computes the exact value in one step and the
composition would round differently (fmod(0.5, 0.1) is 0.09999..., while 0.5 - 5 · 0.1 is 0), the value comes from
NumPy and the gradient from the composition (`exact_with_gradient_of`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from ..sparse_array import SparseData

from ..errors import ShapeError
from ..modes import is_grad_enabled
from ..python_numbers import wrapped
from ..value import Value
from .elementwise import abs, clip, clip_one_side, maximum, minimum, sub, where  # noqa: F401  (maximum, minimum: methods)
from ..grad_fn_chain_tops import declare_apart
from ..one_node import shown_as
from .index import as_value
from .nondifferentiable import refuse_complex_in_words, without_gradient
from .promotion import float_result_dtype, result_dtype
from .special import floor, ge, gt, le, lt, ne, trunc


def _same(data):
    return data


def exact_with_gradient_of(exact, surrogate):
    """A Value with `exact`'s numbers (a Value without a gradient) and `surrogate`'s derivatives: surrogate minus
    a copy of its own numbers (exactly zero, keeping the gradient) plus exact. The copy and `exact` are recorded
    operations under a tracer, so a compiled step computes them again from each call's data."""
    zero = -(without_gradient(_same, surrogate) - surrogate)  # −0.0: exact + zero keeps the sign of an exact ±0
    return zero + exact


def _operands(input, other):
    """input as a Value; other as it is when it is a number (a Python number keeps input's dtype) or a Value, else
    as a Value of its data."""
    x = as_value(input)
    if not isinstance(other, (Value, int, float, bool)):
        other = as_value(other)
    # Both in PyTorch's result dtype: 7.0 // x and x % y (y a float64 0-d Value) stay float32 for a float32 x, where
    # NumPy's quotient and remainder would widen to float64.
    target = result_dtype(input, other)
    if x.dtype != target:
        x = x.to(target)
    if isinstance(other, Value) and other.dtype != target:
        other = other.to(target)
    else:
        other = wrapped(other, target)  # -1 next to uint8 is 255, as PyTorch's cast
    return x, other


def _float_operands(input, other):
    """input as a Value and other (a Value, or a Python number kept as it is: it does not widen input) in the dtype
    of a PyTorch operation that computes in floats (true division, copysign): PyTorch's result dtype of the two, or
    the default float dtype for integers. A Python int is not wrapped into input's integer dtype (x / -1 divides by
    -1 whatever x's dtype)."""
    dtype = float_result_dtype(input, other)
    x = as_value(input)
    x = x if x.dtype == dtype else x.to(dtype)
    if isinstance(other, (int, float)):  # bools too
        return x, other
    y = as_value(other)
    return x, (y if y.dtype == dtype else y.to(dtype))


def _is_float(x):
    return np.asarray(x.data if isinstance(x, Value) else x).dtype.kind == "f"


def _float_default(x):
    """x in the default float dtype unless it is floating already (PyTorch's integer inputs to float functions)."""
    if x.dtype.kind == "f":
        return x
    from ..dtypes import DEFAULTS

    return as_value(np.asarray(x.data).astype(DEFAULTS["dtype"]))


def _nan_aware(name, prefer_first):
    def fn(input, other):
        refuse_complex_in_words(f"{name} not implemented for complex tensors.", input, other, kind=RuntimeError)
        x, y = _operands(input, other)
        if not (_is_float(x) or _is_float(y)):
            return without_gradient(np.fmax if name == "fmax" else np.fmin, x, y)
        # x wins where it is the larger (fmax; smaller for fmin) or tied, or where y is NaN; y wins elsewhere,
        # which includes where x is NaN (both NaN: NaN either way). The gradient goes all to the winner, as PyTorch's.
        y_value = as_value(y)
        wins = prefer_first(x, y_value) | without_gradient(np.isnan, y_value)
        return where(wins, x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The elementwise {'maximum' if name == 'fmax' else 'minimum'} of input and other (broadcasting), "
                  f"ignoring NaN: where one is NaN, the other is taken. At ties the gradient goes to input, as "
                  f"PyTorch's.")
    return fn


fmax = _nan_aware("fmax", lambda x, y: x >= y)
fmin = _nan_aware("fmin", lambda x, y: x <= y)


def fmod(input, other):
    """The remainder of input / other with the sign of input (C's fmod: input − trunc(input / other) · other).
    Gradients: 1 for input, −trunc(input / other) for other (PyTorch's)."""
    refuse_complex_in_words('"fmod_cpu"', input, other)
    return _as_one_node(_remainder_of(*_operands(input, other), np.fmod, _trunc_quotient), input, other, "Fmod", fmod)


def remainder(input, other):
    """The remainder of input / other with the sign of other (Python's %: input − floor(input / other) · other).
    Gradients: 1 for input, −floor(input / other) for other (PyTorch's)."""
    refuse_complex_in_words('"remainder_cpu"', input, other)
    return _as_one_node(_remainder_of(*_operands(input, other), np.remainder, _floor_quotient), input, other,
                        "Remainder", remainder)


def _as_one_node(out, input, other, name, function):
    """out shown as PyTorch's one node of fmod/remainder (`function`): {name}Backward1 over input and a tensor other
    (None for either where it needs no gradient), {name}Backward0 over input for a number other."""
    listed = [v if isinstance(v, Value) and v.requires_grad else None for v in (input, other)]
    if not isinstance(other, Value):
        return shown_as(out, listed[0], name + "Backward0") if listed[0] is not None else out
    out = shown_as(out, tuple(listed), name + "Backward1")
    return out if input is not other else declare_apart(out, function)  # (input's uses, for node hooks)


def _remainder_of(x, y, exact_remainder, rounded_quotient):
    """x − rounded_quotient(x, y) · y, its numbers from exact_remainder(x, y) (NumPy's, in one rounding) and its
    gradient from that composition with the quotient held constant: 1 for x, −quotient for y. Integer operands
    give the exact remainder without a gradient."""
    if not (_is_float(x) or _is_float(y)):
        _refuse_integer_zero(y)
        return without_gradient(exact_remainder, x, y)
    exact = without_gradient(exact_remainder, x, y)
    q = without_gradient(rounded_quotient, x, y)
    if isinstance(y, Value):
        # y = ±inf (x % inf is x): q·y = 0·∞ would make the result NaN; there q·y is taken as 0, with no gradient
        # for y (PyTorch's −q·g: 0, or g where its floor(1 / −inf) is −1).
        infinite = without_gradient(np.isinf, y)
        return exact_with_gradient_of(exact, x - where(infinite, 0.0, q) * where(infinite, 0.0, y))
    return exact_with_gradient_of(exact, x - q * y)


def _trunc_quotient(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(np.true_divide(x, y))


def _floor_quotient(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor(np.true_divide(x, y))


def floor_divide(input, other):
    """input // other rounded toward −inf (Python's //, NumPy's floor_divide), without a gradient (PyTorch's
    floor_divide has none either: its backward raises)."""
    refuse_complex_in_words('"div_floor_cpu"', input, other)
    x, y = _operands(input, other)
    if not (_is_float(x) or _is_float(y)):
        _refuse_integer_zero(y)
    return without_gradient(_floor_divide, x, y)


def _floor_divide(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.floor_divide(x, y)
        if out.dtype.kind == "f" and not np.all(y):  # x // 0 is ±inf (nan for 0 // 0) in PyTorch; NumPy says nan
            out = np.where(np.asarray(y) == 0, np.true_divide(x, y), out)[()]
    return out


def _refuse_integer_zero(y):
    """PyTorch's error for an integer division or remainder by zero (NumPy silently gives 0)."""
    if not np.all(y.data if isinstance(y, Value) else y):
        raise RuntimeError("ZeroDivisionError: integer division or remainder by zero")


def _is_sparse(x):
    return isinstance(x, Value) and isinstance(x.data, SparseData)


def div(input, other, *, rounding_mode=None):
    """input / other: true division (rounding_mode None), rounded toward zero ('trunc') or toward −inf ('floor',
    Python's //). The rounded quotients have a zero gradient (as PyTorch's); integer inputs divide exactly
    ('trunc', 'floor') or give the default float dtype (None)."""
    if rounding_mode in ("trunc", "floor") and (_is_sparse(input) or _is_sparse(other)):
        quotient = input / other  # the sparse layouts' own operators: PyTorch's results and refusals
        return quotient.floor() if rounding_mode == "floor" else quotient.trunc()
    if rounding_mode is None and (_is_sparse(input) or _is_sparse(other)):
        return input / other
    if rounding_mode is None:
        x, y = _float_operands(input, other)
        return x / y
    x, y = _operands(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    refuse_complex_in_words(f'"div_{rounding_mode}_cpu"', input, other)
    if not (_is_float(x) or _is_float(y)):
        _refuse_integer_zero(y)
        return without_gradient(_int_trunc_divide if rounding_mode == "trunc" else _floor_divide, x, y)
    divisor = y.data if isinstance(y, Value) else y
    if not np.all(divisor):
        # x // 0 is ±inf (nan for 0 // 0) with a zero gradient, as PyTorch's: the numbers from NumPy's quotient, the
        # gradient from the composition with 1 in place of each zero (x / 0 would make inf − inf and 0 / 0 NaNs).
        nonzero = where(np.asarray(divisor) == 0, 1, y) if isinstance(y, Value) else \
            np.where(np.asarray(divisor) == 0, 1, divisor)[()]
        rounded = trunc if rounding_mode == "trunc" else floor
        quotient = _trunc_quotient if rounding_mode == "trunc" else _floor_quotient
        return exact_with_gradient_of(without_gradient(quotient, x, y), rounded(x / nonzero))
    if rounding_mode == "trunc":
        return trunc(x / y)
    # floor(x / y) rounds the rounded quotient: 1 // 0.1 is 9 (0.1 is a little more than a tenth), floor(1 / 0.1) 10.
    return exact_with_gradient_of(without_gradient(_floor_divide, x, y), floor(x / y))


def _int_trunc_divide(x, y):
    q = np.floor_divide(x, y)
    return q + ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0)))


def copysign(input, other):
    """|input| with the sign of other (its sign bit: −0.0 counts as negative), elementwise. Gradient: ±1 for
    input (0 where input is 0, as PyTorch's), none for other. Integer inputs give the default float dtype."""
    refuse_complex_in_words('"copysign_cpu"', input, other)
    x, y = _float_operands(input, other)
    flip = without_gradient(np.signbit, x) ^ without_gradient(np.signbit, as_value(y))
    # Where input is ±0 the result is ±0 (y's sign) with a zero gradient, as PyTorch's.
    return where(x == 0, without_gradient(np.copysign, x, y), where(flip, -x, x))


def float_power(input, exponent):
    """input ** exponent in float64 (both converted), or in complex128 where either is complex, as
    torch.float_power."""
    x = as_value(input)
    wide = np.complex128 if x.dtype.kind == "c" or np.iscomplexobj(getattr(exponent, "data", exponent)) else \
        np.float64
    x = x.astype(wide) if x.dtype.kind in "fc" else as_value(np.asarray(x.data, dtype=wide))
    if isinstance(exponent, Value):
        exponent = exponent.astype(wide) if exponent.dtype.kind in "fc" else \
            as_value(np.asarray(exponent.data, dtype=wide))
    elif not isinstance(exponent, (int, float, complex)):
        exponent = as_value(np.asarray(exponent, dtype=wide))
    return x ** exponent


def deg2rad(input):
    """Degrees to radians: input · π / 180 (integer inputs give the default float dtype)."""
    refuse_complex_in_words("deg2rad is not supported for complex tensors.", input, kind=RuntimeError)
    return _float_default(as_value(input)) * (math.pi / 180)


def rad2deg(input):
    """Radians to degrees: input · 180 / π."""
    refuse_complex_in_words("rad2deg is not supported for complex tensors.", input, kind=RuntimeError)
    return _float_default(as_value(input)) * (180 / math.pi)


def nan_to_num(input, nan=None, posinf=None, neginf=None):
    """input with NaN replaced by `nan` (0 by default), +inf by `posinf` and −inf by `neginf` (by default the
    largest and the smallest finite numbers of input's dtype). The gradient flows where input was finite, as
    PyTorch's."""
    x = as_value(input)
    if isinstance(x.data, SparseData):  # 0 stays 0: each stored value's, in the tensor's layout
        return x.zero_preserving(lambda values: nan_to_num(values, nan, posinf, neginf), "nan_to_num")
    nan = 0.0 if nan is None else nan
    if x.dtype.kind == "c":  # the real and imaginary parts replaced apart, as PyTorch's, which has no gradient here
        if x.requires_grad and is_grad_enabled():
            raise RuntimeError("nan_to_num does not support automatic differentiation for outputs with complex dtype.")
        return without_gradient(np.nan_to_num, x, nan=nan, posinf=posinf, neginf=neginf)
    if x.dtype.kind != "f":
        return x.clone() if x.requires_grad else as_value(np.array(x.data, copy=True))
    replaced = without_gradient(np.nan_to_num, x, nan=nan, posinf=posinf, neginf=neginf)
    return where(without_gradient(np.isfinite, x), x, replaced)


def clamp_min(input, min):  # noqa: A002  (PyTorch's argument name)
    """max(input, min) elementwise: clamp with a lower bound only (clip's dtype rule)."""
    if isinstance(min, Value):
        refuse_complex_in_words('"maximum_cpu"', input, min)  # PyTorch's kernel for a tensor bound
    return clip_one_side(as_value(input), min=min)


def clamp_max(input, max):  # noqa: A002
    """min(input, max) elementwise: clamp with an upper bound only (clip's dtype rule)."""
    if isinstance(max, Value):
        refuse_complex_in_words('"minimum_cpu"', input, max)
    return clip_one_side(as_value(input), max=max)


def positive(input):
    """input itself (torch.positive returns its argument)."""
    return as_value(input)


def negative(input):
    """−input."""
    return -as_value(input)


def _boolean(name, ufunc, doc):
    def fn(input, other):
        x, y = _operands(input, other)
        return without_gradient(ufunc, x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


logical_and = _boolean("logical_and", np.logical_and, "Elementwise `input and other` (nonzero is True), a "
                       "boolean Value (broadcasting).")
logical_or = _boolean("logical_or", np.logical_or, "Elementwise `input or other` (nonzero is True), a boolean Value.")
logical_xor = _boolean("logical_xor", np.logical_xor, "Elementwise exclusive or (nonzero is True), a boolean Value.")


def logical_not(input):
    """Elementwise `not input` (zero is False), a boolean Value."""
    return without_gradient(np.logical_not, as_value(input))


def signbit(input):
    """Where input's sign bit is set (negative numbers and −0.0), a boolean Value."""
    refuse_complex_in_words("signbit is not implemented for complex tensors.", input)
    return without_gradient(np.signbit, as_value(input))


def isposinf(input):
    """Where input is +inf, a boolean Value."""
    refuse_complex_in_words("isposinf does not support complex inputs.", input, kind=RuntimeError)
    return without_gradient(np.isposinf, as_value(input))


def isneginf(input):
    """Where input is −inf, a boolean Value."""
    refuse_complex_in_words("isneginf does not support complex inputs.", input, kind=RuntimeError)
    return without_gradient(np.isneginf, as_value(input))


def heaviside(input, values):
    """The Heaviside step: 0 where input < 0, 1 where input > 0, `values` where input is 0 (broadcasting); no
    gradient (PyTorch's backward raises). input and values must have the same dtype, as in PyTorch."""
    refuse_complex_in_words("heaviside is not yet implemented for complex tensors.", input, values, kind=RuntimeError)
    x, v = _operands(input, values)
    if isinstance(v, Value) and v.dtype != x.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes ({x.dtype} and "
                           f"{v.dtype})")
    return without_gradient(_heaviside, x, v)


def _heaviside(x, values):
    """np.heaviside in x's dtype (NumPy computes integers and bools in floats; PyTorch keeps the dtype)."""
    return np.heaviside(x, values).astype(x.dtype, copy=False)


def is_floating_point(input):
    """Whether input's dtype is a floating-point one (a Python bool)."""
    return as_value(input).dtype.kind == "f"


def is_complex(input):
    """Whether input's dtype is complex (complex64, complex128): a Python bool."""
    return as_value(input).dtype.kind == "c"


def is_nonzero(input):
    """Whether the single element of input is nonzero (a Python bool); other sizes raise as in PyTorch."""
    x = as_value(input)
    if x.size == 0:
        raise ShapeError("Boolean value of Tensor with no values is ambiguous")
    if x.size > 1:
        raise ShapeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(np.asarray(x.data).reshape(()) != 0)


def is_same_size(input, other):
    """Whether the two have the same shape (a Python bool)."""
    return as_value(input).shape == as_value(other).shape


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether |input − other| <= atol + rtol · |other| everywhere (broadcasting), a Python bool."""
    return bool(np.allclose(as_value(input).data, as_value(other).data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """Whether the two have the same shape and the same elements, a Python bool."""
    a, b = as_value(input).data, as_value(other).data
    return np.shape(a) == np.shape(b) and bool(np.all(a == b))


def multiply(input, other):
    """input · other, elementwise (broadcasting)."""
    return as_value(input) * other


def add_scaled(input, other, alpha=1):
    """input + alpha · other, elementwise (broadcasting): torch.add. alpha is checked against the result's dtype as
    PyTorch checks it (`times_alpha`): a float alpha with an integer or bool result, or a bool alpha with a non-bool
    result, is a RuntimeError."""
    if _is_sparse(input) or _is_sparse(other):  # the sparse layouts' own operators: PyTorch's results and refusals
        return input + (other if alpha == 1 else alpha * other)
    x = as_value(input)
    if alpha.__class__ is not int or alpha != 1:
        scaled = times_alpha("add", result_dtype(x, other), other, alpha, compute=True)
        return shown_over_operands(x + scaled, x, other, "AddBackward0")
    return x + other


def subtract(input, other, *, alpha=1):
    """input − alpha · other, elementwise (broadcasting): torch.sub. A bool operand (a bool Value or a Python bool) is
    a RuntimeError, as in PyTorch (use `^` or logical_xor, `~` or logical_not); alpha is checked as in `add_scaled`."""
    if _is_sparse(input) or _is_sparse(other):  # the sparse layouts' own operators: PyTorch's results and refusals
        return input - (other if alpha == 1 else alpha * other)
    x = as_value(input)
    refuse_bool_subtraction("sub", x, other)
    if alpha.__class__ is not int or alpha != 1:
        scaled = times_alpha("sub", result_dtype(x, other), other, alpha, compute=True)
        return shown_over_operands(x - scaled, x, other, "SubBackward0")
    return x - other


def shown_over_operands(out, x, other, name):
    """out = x ± alpha · other shown as PyTorch's one node over x and other (alpha is a parameter of add and sub
    there, not a MulBackward0 below), where other is a Value that requires grad (add_ and sub_ too)."""
    if not isinstance(other, Value) or not other.requires_grad:
        return out
    return shown_as(out, (x if x.requires_grad else None, other), name)


def rsub(input, other, alpha=1):
    """other − alpha · input, elementwise (broadcasting): torch.rsub, subtract with its operands swapped. other may
    be a Value or a number. A bool operand, or an alpha that does not suit the result's dtype (a float alpha with
    an integer result, a bool alpha with a non-bool one), is a RuntimeError, as in PyTorch."""
    for operand in (input, other):
        if _is_sparse(operand):
            operand.rsub_refused()  # PyTorch has no sparse rsub
    x = as_value(input)
    refuse_bool_subtraction("rsub", other, x)
    if alpha.__class__ is not int or alpha != 1:
        x = times_alpha("rsub", result_dtype(x, other), x, alpha, compute=True)
    return sub(other, x)


def _number_kind(alpha):
    """'b', 'i' or 'f': whether alpha is a bool, an integer or a float (a NumPy scalar or 0-d Value by its dtype)."""
    if isinstance(alpha, (bool, np.bool_)):
        return "b"
    if isinstance(alpha, numbers.Integral):
        return "i"
    if isinstance(alpha, numbers.Real):
        return "f"
    dtype = getattr(alpha, "dtype", None)
    if dtype is None:
        raise TypeError(f"alpha must be a number, got {type(alpha).__name__}")
    return "i" if dtype.kind == "u" else dtype.kind


def times_alpha(who, dtype, other, alpha, compute=False):
    """alpha · other, the operand that add, sub and rsub (and add_, sub_) add to or subtract from the other one, for
    a result of `dtype`. PyTorch's checks first: a float alpha needs a floating-point result ("for integral input
    tensors, argument alpha must not be a floating point number"), a bool alpha a bool result; both RuntimeErrors.
    For a bool result the product is `alpha and other` (PyTorch computes in the result's dtype, where alpha=2 is
    True). compute=True: a Value `other` of another dtype is converted to `dtype` first, as PyTorch computes alpha ·
    other in the result's dtype (float64 for a float32 other added to a float64 input), not in other's."""
    kind = _number_kind(alpha)
    if kind == "b" and dtype.kind != "b":
        raise RuntimeError(f"{who}: Boolean alpha only supported for Boolean results (alpha={alpha!r}, the result "
                           f"is {dtype})")
    if kind == "f" and dtype.kind != "f":
        raise RuntimeError(f"{who}: For integral input tensors, argument alpha must not be a floating point number "
                           f"(alpha={alpha!r}, the result is {dtype})")
    if dtype.kind == "b":
        if alpha:
            return other
        # zeros of other's dtype (not a plain False), so that add_ on a bool self still refuses a number operand
        return False if isinstance(other, (bool, np.bool_)) else other * False
    if alpha == 1:
        return other
    if compute and isinstance(other, Value) and other.dtype != dtype:
        other = other.astype(dtype)
    return other * alpha


def refuse_bool_subtraction(who, minuend, subtrahend):
    """PyTorch's RuntimeError for a subtraction with a bool operand (a bool Value or array, or a Python bool).
    who: the function's name, put first in the message; None for the `-` operator (PyTorch's own words alone)."""
    first, second = _is_bool(minuend), _is_bool(subtrahend)
    prefix = "" if who is None else f"{who}: "
    if first and second:
        raise RuntimeError(f"{prefix}Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                           "`^` or `logical_xor()` operator instead.")
    if first or second:
        raise RuntimeError(f"{prefix}Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def refuse_bool_negation(who=None):
    """PyTorch's RuntimeError for negating a bool tensor (NumPy's is a TypeError)."""
    prefix = "" if who is None else f"{who}: "
    raise RuntimeError(f"{prefix}Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                       "invert a mask, use the `~` or `logical_not()` operator instead.")


def _is_bool(x):
    if isinstance(x, (bool, np.bool_)):
        return True
    dtype = getattr(x, "dtype", None)
    return dtype is not None and dtype.kind == "b"


# PyTorch's other names for existing functions.
divide = true_divide = div
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
absolute, fix = abs, trunc
