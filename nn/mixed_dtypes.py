"""PyTorch's refusals of real and complex operands mixed in one layer: F.linear (nn.Linear), the convolutions and
their transposes (nn.Conv*), and the recurrent layers and cells.

PyTorch computes a layer in one dtype and names the first pair of operands whose dtypes differ, in the words of the
kernel that checks them (they differ from layer to layer: see tests/test_complex_gaps2.py, which compares every
case). Mixed float widths (float32 with float64) are refused by nn/dtype_checks.py; the checks here are for a real
layer given complex numbers, or a complex layer given real ones, and for the recurrent layers' input, whose check
(a ValueError) covers any two dtypes.
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.errors import scalar_type_name
from autograd_core.ops import data_of
from autograd_core.value import COMPLEX_VALUES_EXIST

from .dtype_checks import cpp_name, legacy_name

def _dtype(x):
    return None if x is None else np.asarray(data_of(x)).dtype


def _all_real(input):  # noqa: A002
    """True at once while no complex Value exists and the input is a Value: the layers' hot path pays one test."""
    return not COMPLEX_VALUES_EXIST[0] and isinstance(input, Value)


def _mixed(*dtypes):
    """Whether the dtypes (None: an absent operand) hold real and complex ones together."""
    complex_ = [d.kind == "c" for d in dtypes if d is not None]
    return any(complex_) and not all(complex_)


def check_linear(input, weight, bias=None):  # noqa: A002  (PyTorch's argument names)
    """F.linear's operands (and a recurrent cell's): PyTorch's RuntimeError where real and complex ones mix. With a
    bias, its addmm checks the bias against the weight first, then the input; without, its matmul the input."""
    if _all_real(input):
        return
    x, w, b = _dtype(input), _dtype(weight), _dtype(bias)
    if not _mixed(x, w, b):
        return
    if b is None:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(x)} != {cpp_name(w)}")
    if b != w:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_type_name(b)} and "
                           f"{scalar_type_name(w)}")
    raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(x)} and "
                       f"{scalar_type_name(w)}")


def _check_weight(x, w, batch):
    if x.kind == "c":
        raise RuntimeError(f"Input type ({legacy_name(x)}) and weight type ({legacy_name(w)}) should be the same")
    if x == np.float32 and batch > 1:  # PyTorch then picks its MKLDNN kernel, whose check says more
        raise RuntimeError(f"Input type ({legacy_name(x)}) and weight type ({legacy_name(w)}) should be the same "
                           "or input should be a MKLDNN tensor and weight is a dense tensor")
    raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(w)}")


def check_convolution(input, weight, bias, transposed, nd):  # noqa: A002
    """A convolution's operands: PyTorch's RuntimeError where real and complex ones mix. Its convolutions check the
    bias against the input first, its transposed ones the weight first (and then the bias in other words)."""
    if _all_real(input):
        return
    x, w, b = _dtype(input), _dtype(weight), _dtype(bias)
    if not _mixed(x, w, b):
        return
    shape = np.shape(data_of(input))
    batch = shape[0] if len(shape) == nd + 2 else 1
    if not transposed:
        if b is not None and b != x:
            raise RuntimeError(f"Input type ({cpp_name(x)}) and bias type ({cpp_name(b)}) should be the same")
        _check_weight(x, w, batch)
    if w != x:
        _check_weight(x, w, batch)
    if x.kind == "c":
        raise RuntimeError(f"Input type ({legacy_name(x)}) and bias type ({legacy_name(b)}) should be the same")
    if x == np.float32 and batch > 1:
        raise RuntimeError(f"Input type ({legacy_name(x)}) and bias type ({legacy_name(b)}) should be the same or "
                           "input should be a MKLDNN tensor and bias is a dense tensor")
    if nd < 3:
        raise RuntimeError(f"result type {scalar_type_name(b)} can't be cast to the desired output type "
                           f"{scalar_type_name(x)}")
    raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(b)}")


def check_bilinear(input1, input2, weight, bias):
    """F.bilinear's operands: PyTorch's RuntimeError where real and complex ones mix."""
    if _all_real(input1) and _all_real(input2):
        return
    dtypes = [_dtype(v) for v in (input1, input2, weight, bias)]
    if _mixed(*dtypes):
        names = ", ".join(f"{name}: {cpp_name(d)}" for name, d in zip(("input1", "input2", "weight", "bias"), dtypes)
                          if d is not None)
        raise RuntimeError(f"All tensors must have the same dtype, got {names}")


def check_recurrent_input(input, weight):  # noqa: A002
    """nn.RNN/LSTM/GRU's check of the input against the parameters: PyTorch's ValueError where their dtypes differ
    (float widths, or real and complex numbers)."""
    x, w = _dtype(input), _dtype(weight)
    if x != w:
        raise ValueError(f"RNN input dtype (torch.{x.name}) does not match weight dtype (torch.{w.name}). Convert "
                         f"input: input.to(torch.{w.name}), or convert model: model.to(torch.{x.name})")
