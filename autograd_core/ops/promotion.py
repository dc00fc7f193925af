"""PyTorch's type promotion, for the functions that must name a result dtype before computing: result_type,
promote_types, can_cast, and finfo/iinfo (NumPy's, whose attribute names are PyTorch's: bits, eps, max, min, tiny,
smallest_normal, resolution, dtype).

PyTorch's rules differ from NumPy's in two ways that matter here: a float always wins over an integer without
widening (int64 with float32 is float32, where NumPy says float64), and within one category, a tensor with
dimensions decides over a 0-d one, which decides over a Python number (a float32 vector times a float64 0-d
Value stays float32).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..value import Value

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def category(dtype):
    """0 for bool, 1 for integers, 2 for floats, 3 for complex."""
    dtype = np.dtype(dtype)
    if dtype.kind not in _CATEGORY:
        raise TypeError(f"unsupported dtype {dtype}")
    return _CATEGORY[dtype.kind]


def _default_float():
    from ..dtypes import DEFAULTS

    return DEFAULTS["dtype"]


def promote_types(type1, type2):
    """The smallest dtype both convert to without losing their category: the floating one wins over an integer
    or bool (int64 and float32 give float32), else NumPy's promotion (uint8 and int8 give int16)."""
    a, b = np.dtype(type1), np.dtype(type2)
    ca, cb = category(a), category(b)
    if ca != cb and min(ca, cb) < 2:  # (a float and a complex meet in NumPy's way: float64, complex64 -> complex128)
        return a if ca > cb else b
    return np.promote_types(a, b)


def _python_number_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(x, numbers.Real):
        return _default_float()
    if isinstance(x, numbers.Complex):
        return _complex_of(_default_float())
    raise TypeError(f"result_type: expected a Value or a number, got {type(x).__name__}")


def result_dtype(*operands):
    """The dtype PyTorch gives an operation on these operands (Values, arrays or Python numbers)."""
    groups = ([], [], [])  # Values with dimensions, 0-d Values, Python numbers
    for x in operands:
        if isinstance(x, (Value, np.ndarray, np.generic)):
            data = x.data if isinstance(x, Value) else x
            groups[0 if np.ndim(data) else 1].append(np.asarray(data).dtype)
        else:
            groups[2].append(_python_number_dtype(x))
    top = max(category(d) for group in groups for d in group)
    if top == 3:
        return _complex_result_dtype(groups)
    for i, group in enumerate(groups):
        members = [d for d in group if category(d) == top]
        if members:
            if i == 2 and top == 2:
                return _default_float()  # a Python float among integers: the default float dtype
            out = members[0]
            for d in members[1:]:
                out = np.promote_types(out, d)
            return out
    raise AssertionError("unreachable")


def _complex_of(dtype):
    """The complex dtype whose parts are float `dtype` (float16's complex32, which NumPy lacks, refused)."""
    if dtype == np.float16:
        raise TypeError("complex32 (torch.chalf) is not supported: NumPy has no complex32; use float32 or complex64")
    return np.result_type(dtype, np.complex64)


def _complex_result_dtype(groups):
    """PyTorch's result dtype where a complex operand takes part (its combine_categories): each group (Values with
    dimensions, 0-d Values, Python numbers) promotes within itself, then a higher group decides over a lower one,
    except that a complex lower group makes a float higher one complex of its width (a float64 vector times a
    complex64 0-d Value is complex128, a float32 vector times 1j complex64)."""
    result = None
    for group in reversed(groups):
        if not group:
            continue
        mine = group[0]
        for d in group[1:]:
            mine = promote_types(mine, d)
        if result is None or category(mine) == 3 or category(result) < category(mine):
            result = mine
        elif category(result) == 3:
            result = _complex_of(mine) if category(mine) == 2 else result
        else:
            result = mine
    return result


def float_result_dtype(*operands):
    """The dtype of a PyTorch operation that computes in floats (true division, ldexp, copysign, xlogy):
    `result_dtype`'s (a float or complex one), or the default float dtype where that is an integer or bool one."""
    dtype = result_dtype(*operands)
    return dtype if dtype.kind in "fc" else _default_float()


def result_type(tensor, other):
    """The dtype of an arithmetic operation on the two operands (Values or numbers), as torch.result_type."""
    return result_dtype(tensor, other)


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow from_ to become `to` in an operation with an output: not to a lower
    category (float to integer, integer or float to bool)."""
    return category(from_) <= category(to)


def finfo(type=None):  # noqa: A002  (PyTorch's argument name)
    """Machine limits of a float dtype (the default float dtype when None): NumPy's finfo, whose attributes are
    PyTorch's (bits, eps, max, min, tiny, smallest_normal, resolution, dtype)."""
    dtype = _default_float() if type is None else np.dtype(type)
    if dtype.kind != "f":
        raise TypeError(f"torch.finfo() requires a floating point input type, got {dtype}")
    return np.finfo(dtype)


def iinfo(type):  # noqa: A002
    """Machine limits of an integer dtype: NumPy's iinfo (bits, max, min, dtype)."""
    dtype = np.dtype(type)
    if dtype.kind not in "iu":
        raise TypeError(f"torch.iinfo() requires an integer input type, got {dtype}")
    return np.iinfo(dtype)
