"""Numbers by their bits and parts: PyTorch's bitwise_not/and/or/xor, bitwise_left_shift/right_shift, gcd, lcm
(integers and bools, no gradient), and frexp, ldexp, nextafter, sgn on floats.

The integer functions read data and make a new Value without a gradient (`without_gradient`), in PyTorch's result
dtype (bool & int64 -> int64, int32 & a Python int -> int32); a float operand raises NotImplementedError, PyTorch's
'"bitwise_and_cpu" not implemented for 'Float''. Shifts by a negative count or by at least the number of bits,
which C leaves undefined, give 0 to the left and the sign (0 or -1) to the right in NumPy's kernels and PyTorch's
alike. frexp's mantissa is differentiable (x / 2**exponent, with the exponent a constant), ldexp is the composition
input · 2**other, sgn is sign for real numbers and z/|z| for complex ones; nextafter carries no gradient (PyTorch's
has none either).
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from ..errors import scalar_type_name
from ..python_numbers import wrapped
from ..value import Value
from .index import as_value
from .nondifferentiable import without_gradient
from .promotion import float_result_dtype, result_dtype


def _integer_operands(name, input, other=None, *, two=True):
    """input (a Value) and other (a Value, or a Python int or bool kept as it is) after PyTorch's dtype check
    (integers or bools only), two Values in PyTorch's result dtype (a 0-d one takes the other's: int8 & a 0-d int64
    is int8), as NumPy would widen them."""
    if isinstance(input, Value) and input.data.dtype.kind in "biu" and (
            not two or isinstance(other, Value) and other.data.dtype.kind in "biu"):
        if not two or input.data.dtype == other.data.dtype:
            return input, other  # masks and integer Values: `(x > 0) & (x < 1)` needs no more
        dtype = result_dtype(input, other)
        return (input if input.dtype == dtype else input.type(dtype)), (other if other.dtype == dtype else
                                                                        other.type(dtype))
    if not isinstance(input, Value) and isinstance(input, numbers.Number) and isinstance(other, Value):
        dtype = result_dtype(input, other)  # torch.bitwise_and(3, x), -1 << x
        input = as_value(np.asarray(wrapped(input, dtype), dtype=dtype))
    x = as_value(input)
    operands = [x]
    if two:
        if not isinstance(other, (Value, bool, int, np.integer, np.bool_)):
            other = as_value(other)
        else:
            other = wrapped(other, x.dtype)  # -1 next to uint8 is 255, as PyTorch's cast
        operands.append(other)
    for v in operands:
        kind = np.asarray(v.data if isinstance(v, Value) else v).dtype.kind
        if kind not in "biu":
            if isinstance(v, Value):  # PyTorch's kernel refuses the dtype: '"gcd_cpu" not implemented for 'Float''
                kernel = _KERNELS.get(name, f"{name}_cpu")
                raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(v.dtype)}\'')
            raise NotImplementedError(f"{name}(): not implemented for {type(v).__name__} (integers and bools only)")
    return x, other


_KERNELS = {"bitwise_left_shift": "lshift_cpu", "bitwise_right_shift": "rshift_cpu"}  # PyTorch's names for them


def _not(data):
    return np.invert(data)


def bitwise_not(input):
    """~input bit by bit for integers, logical not for bools (same shape and dtype); no gradient."""
    x, _ = _integer_operands("bitwise_not", input, two=False)
    return without_gradient(_not, x)


def _and(a, b):
    return np.bitwise_and(a, b)


def _or(a, b):
    return np.bitwise_or(a, b)


def _xor(a, b):
    return np.bitwise_xor(a, b)


def bitwise_and(input, other):
    """input & other bit by bit (logical and for bools), broadcasting, in PyTorch's result dtype; no gradient."""
    return without_gradient(_and, *_integer_operands("bitwise_and", input, other))


def bitwise_or(input, other):
    """input | other bit by bit (logical or for bools), broadcasting, in PyTorch's result dtype; no gradient."""
    return without_gradient(_or, *_integer_operands("bitwise_or", input, other))


def bitwise_xor(input, other):
    """input ^ other bit by bit (logical xor for bools), broadcasting, in PyTorch's result dtype; no gradient."""
    return without_gradient(_xor, *_integer_operands("bitwise_xor", input, other))


def _left(a, b):
    return np.left_shift(a, b)  # NumPy's kernel gives 0 for a count < 0 or >= the bits, as PyTorch's


def _right(a, b):
    return np.right_shift(a, b)  # and the sign (0 or -1) there, as PyTorch's


def _shift_operands(name, input, other):
    x, other = _integer_operands(name, input, other)
    if np.result_type(x.data, other.data if isinstance(other, Value) else other) == np.bool_:
        raise NotImplementedError(f"{name}(): not implemented for bools (a Python int or an integer operand shifts "
                                  "them as int64)")
    return x, other


def bitwise_left_shift(input, other):
    """input << other (input · 2**other, wrapping around in input's integer dtype), broadcasting; a negative count or
    one of at least the dtype's bits gives 0, as PyTorch's kernel. No gradient."""
    return without_gradient(_left, *_shift_operands("bitwise_left_shift", input, other))


def bitwise_right_shift(input, other):
    """input >> other (floor division by 2**other), broadcasting; a negative count or one of at least the dtype's
    bits leaves the sign: -1 for negative input, else 0, as PyTorch's kernel. No gradient."""
    return without_gradient(_right, *_shift_operands("bitwise_right_shift", input, other))


def _gcd(a, b):
    return np.gcd(a, b)


def _lcm(a, b):
    return np.lcm(a, b)


def _two_values(name, input, other):
    """gcd and lcm take two Values (arrays), not numbers, as PyTorch's."""
    for argument, v in (("input", input), ("other", other)):
        if not isinstance(v, (Value, np.ndarray)):
            raise TypeError(f"{name}(): argument {argument!r} must be a Value, not {type(v).__name__}")
    return _integer_operands(name, input, other)


def gcd(input, other):
    """The greatest common divisor of input and other, elementwise (non-negative; gcd(0, 0) = 0); integers only."""
    return without_gradient(_gcd, *_two_values("gcd", input, other))


def lcm(input, other):
    """The least common multiple of input and other, elementwise (non-negative; 0 if either is 0); integers only."""
    return without_gradient(_lcm, *_two_values("lcm", input, other))


# ----------------------------------------------------------------------------------------------------
# Floats by their parts.


Frexp = collections.namedtuple("Frexp", ["mantissa", "exponent"])  # PyTorch's torch.return_types.frexp


def _exponent(data):
    return np.frexp(data)[1].astype(np.int32)


def _power_of_two(data):
    """2**e in data's dtype for each exponent e of frexp (a subnormal power for the smallest x: exact)."""
    return np.ldexp(np.ones((), data.dtype), np.frexp(data)[1])


def frexp(input):
    """(mantissa, exponent) with input = mantissa · 2**exponent, |mantissa| in [0.5, 1) (0, inf and nan keep their
    value and get exponent 0), as torch.frexp: mantissa in input's float dtype, exponent int32. The mantissa's
    gradient is g / 2**exponent (the exponent is piecewise constant); the exponent has none."""
    x = as_value(input)
    if x.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return Frexp(x / without_gradient(_power_of_two, x), without_gradient(_exponent, x))  # exact: a power of two


def ldexp(input, other):
    """input · 2**other, elementwise (broadcasting), as torch.ldexp: in PyTorch's promoted dtype of the two (two integer
    operands: the default float dtype); differentiable in both: d/dinput = 2**other, d/dother = input · 2**other ·
    ln 2."""
    from .special_more import exp2

    x, other = as_value(input), as_value(other)
    dtype = float_result_dtype(x, other)
    x, other = (x if x.dtype == dtype else x.to(dtype)), (other if other.dtype == dtype else other.to(dtype))
    return x * exp2(other)


def _nextafter(a, b):
    return np.nextafter(a, b)


def nextafter(input, other):
    """The next float after input in the direction of other, elementwise (broadcasting), in the two's promoted
    dtype, which must be a float one (an integer operand next to a float one is converted, as PyTorch's). No
    gradient (PyTorch defines none)."""
    x, y = as_value(input), as_value(other)
    dtype = result_dtype(x, y)
    if dtype.kind != "f":
        raise NotImplementedError(f'"nextafter_cpu" not implemented for \'{scalar_type_name(dtype)}\'')
    return without_gradient(_nextafter, x.to(dtype), y.to(dtype))


def sgn(input):
    """The sign of input: for real numbers -1, 0 or 1 (for bools input itself), as torch.sign, with a zero gradient;
    for complex numbers z/|z| (0 at 0), whose gradient is that of the composition (0 at 0, as PyTorch's)."""
    x = as_value(input)
    if x.dtype.kind == "c":
        zero = x == 0
        return (x / (abs(x) + zero)).masked_fill(zero, 0)  # |z| + 1 at z = 0: no 0/0 in the branch not taken
    return x.clone() if x.dtype == np.bool_ else x.sign()
