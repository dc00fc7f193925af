"""Python numbers next to Values: the dtype PyTorch gives a number beside a Value's (integers, bools, complex), the
wrap-around of integers cast into a narrower integer dtype, and the switch that the first complex Value turns on."""

from __future__ import annotations

import numbers

import numpy as np


def _number_dtype(x, peer_dtype):
    """The dtype of Python number x next to a Value of integer or bool dtype `peer_dtype`, as in PyTorch: the
    peer's, unless x is of a higher category (a float: the default float dtype; an int next to bools: int64)."""
    if isinstance(x, (bool, np.bool_)):
        return peer_dtype
    if isinstance(x, numbers.Integral):
        return peer_dtype if peer_dtype.kind in "iu" else np.dtype(np.int64)
    from .dtypes import DEFAULTS

    return DEFAULTS["dtype"]


# Complex Values. While none exists, nothing below costs the real graphs anything; the first one switches on the
# refusal of complex inputs by the operations not made ready for them, and the backward pass's conjugation of complex
# gradients (ops/complex.py explains both). Every way into a complex Value calls `complex_values_exist` first.
COMPLEX_VALUES_EXIST = [False]


def complex_values_exist():
    """Called wherever complex data becomes a Value: the first call arms ops/complex.py's gate."""
    if not COMPLEX_VALUES_EXIST[0]:
        from .ops.complex import arm_complex_gate

        arm_complex_gate()
        COMPLEX_VALUES_EXIST[0] = True


def _complex_constant(x, peer_dtype):
    """Python number x next to a Value of `peer_dtype`, where either is complex, as PyTorch types it: the peer's dtype
    if complex; a complex number next to floats the complex dtype of their width (float64 -> complex128), next to
    integers or bools the default complex dtype (complex64 while the default float dtype is float32)."""
    if peer_dtype.kind == "c":
        return peer_dtype.type(x)
    complex_values_exist()
    if peer_dtype.kind != "f":
        from .dtypes import DEFAULTS

        peer_dtype = DEFAULTS["dtype"]
    if peer_dtype == np.float16:
        raise TypeError("complex32 (torch.chalf) is not supported: NumPy has no complex32; convert to float32 first")
    return np.result_type(peer_dtype, np.complex64).type(x)


def _scalar_of(x, dtype):
    """Python number x as a NumPy scalar of `dtype`; an integer out of an integer dtype's range wraps around, as
    PyTorch's C cast does (`uint8_tensor + -1` subtracts 1; NumPy 2 raises OverflowError), up to int64's range."""
    try:
        return dtype.type(x)
    except OverflowError:
        if dtype.kind not in "iu":
            raise
        return np.int64(x).astype(dtype)  # two's complement; beyond int64, OverflowError as PyTorch raises


def wrapped(x, dtype):
    """x, or for a Python int and an integer dtype, the Python int that dtype's cast makes of it, as PyTorch's (-1
    into uint8 is 255, where NumPy 2 raises OverflowError): an operand, fill or copy of a number into integers. It
    stays a Python int, so that it does not widen the array it meets."""
    if x.__class__ is int:
        dtype = np.dtype(dtype)
        if dtype.kind in "iu":
            return int(_scalar_of(x, dtype))
    return x
