"""PyTorch's refusals of parameters whose dtype differs from the input's (CPU), word for word.

PyTorch computes a layer in one dtype and raises when the input and the layer's parameters disagree (a float64
batch through a float32 model) instead of promoting; NumPy would quietly promote and hand back float64. Each layer
family words it differently, because each message comes from a different ATen kernel:

* normalisation (layer_norm, group_norm, batch_norm, instance_norm): the parameters may be float32 around a float16
  or bfloat16 input ("mixed dtype"), else they must all have the input's dtype;
* linear: the checks of addmm (with a bias) or of mm/matmul (without);
* convolutions: the checks of the convolution kernels, which differ between the direct and transposed ones.

Each check costs a few dtype comparisons when everything agrees, the case of every training step.
"""

from __future__ import annotations

import numpy as np

from autograd_core.errors import scalar_type_name
from autograd_core.value import Value

_HALF_PRECISION = frozenset(("float16", "bfloat16"))

# dtype name -> (C++'s type name, the legacy tensor type's name), as PyTorch's kernels name the type in their messages
# (its ScalarType names, "Float" and so on, are autograd_core.errors.scalar_type_name's). The complex legacy names are
# those its convolutions print (tests/test_complex_gaps2.py).
_NAMES = {
    "float32": ("float", "torch.FloatTensor"),
    "float64": ("double", "torch.DoubleTensor"),
    "float16": ("c10::Half", "torch.HalfTensor"),
    "bfloat16": ("c10::BFloat16", "torch.BFloat16Tensor"),
    "complex64": ("c10::complex<float>", "CPUComplexFloatType"),
    "complex128": ("c10::complex<double>", "CPUComplexDoubleType"),
    "int64": ("long int", "torch.LongTensor"),
    "int32": ("int", "torch.IntTensor"),
    "int16": ("short int", "torch.ShortTensor"),
    "int8": ("signed char", "torch.CharTensor"),
    "uint8": ("unsigned char", "torch.ByteTensor"),
    "bool": ("bool", "torch.BoolTensor"),
}


def _dtype(a):
    return a.data.dtype if isinstance(a, Value) else np.asarray(a).dtype


def _name(dtype, form):
    names = _NAMES.get(dtype.name)
    return names[form] if names else dtype.name


def cpp_name(dtype):
    """The C++ name PyTorch's kernels give a NumPy dtype in their messages ("float", "c10::complex<float>")."""
    return _name(dtype, 0)


def legacy_name(dtype):
    """The legacy tensor type's name PyTorch's convolutions give a NumPy dtype ("torch.FloatTensor")."""
    return _name(dtype, 1)


def check_norm_parameters(input, *parameters):
    """Raise PyTorch's RuntimeError unless the normalisation's parameters (weight, bias, then any running statistics;
    None for those not given) suit the input's dtype: all of the input's dtype, or all float32 around a float16 or
    bfloat16 input. Whether the parameters are "mixed" is decided by the first one given, as ATen does."""
    dtype = _dtype(input)
    for p in parameters:  # the common case first: each parameter's dtype the input's (one comparison each)
        if p is not None and _dtype(p) != dtype:
            break
    else:
        return
    given = [_dtype(p) for p in parameters if p is not None]
    if given[0] != dtype:  # mixed: ATen's check_mixed_data_type
        if any(d != np.float32 for d in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if dtype.name not in _HALF_PRECISION:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    other = next(d for d in given if d != dtype)
    raise RuntimeError(f"expected scalar type {scalar_type_name(dtype)} but found {scalar_type_name(other)}")


def check_linear(input, weight, bias=None):
    """Raise PyTorch's RuntimeError when linear's input, weight and bias do not share one dtype: addmm's words
    with a bias (the bias against the weight first), mm's without."""
    x, w = _dtype(input), _dtype(weight)
    if x.kind == "c" or w.kind == "c" or bias is not None and _dtype(bias).kind == "c":
        return  # real × complex promotes, as for @ (tests/test_complex_gaps.py)
    if bias is None:
        if x != w:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(x)} != {cpp_name(w)}")
        return
    b = _dtype(bias)
    if b != w:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_type_name(b)} and "
                           f"{scalar_type_name(w)}")
    if x != w:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(x)} and "
                           f"{scalar_type_name(w)}")


def check_convolution(input, weight, bias=None, transposed=False, nd=2):
    """Raise PyTorch's RuntimeError when a convolution's input, weight and bias do not share one dtype (nd: the
    number of spatial axes). The direct convolutions check the bias first; a float64 input meets the kernel's own
    check ("expected scalar type"), a float32 one the oneDNN dispatch's. A float32 bias of a float64 transposed
    convolution in 1-D or 2-D is added in float64, as PyTorch's does."""
    x, w = _dtype(input), _dtype(weight)
    b = x if bias is None else _dtype(bias)
    if x == w and b == x or "c" in (x.kind, w.kind, b.kind):
        return  # (real × complex promotes, as for @: tests/test_complex_gaps.py)
    double = x == np.float64
    if not transposed and b != x:
        raise RuntimeError(f"Input type ({cpp_name(x)}) and bias type ({cpp_name(b)}) should be the same")
    if w != x:
        if x != np.float32:
            raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(w)}")
        raise RuntimeError(f"Input type ({legacy_name(x)}) and weight type ({legacy_name(w)}) should be the same or "
                           "input should be a MKLDNN tensor and weight is a dense tensor")
    if b != x:  # transposed
        if x == np.float32:
            raise RuntimeError(f"Input type ({legacy_name(x)}) and bias type ({legacy_name(b)}) should be the same or "
                               "input should be a MKLDNN tensor and bias is a dense tensor")
        if not double or nd == 3:
            raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(b)}")
