"""What `x.grad = g` takes (Value.grad's setter): PyTorch's refusals in its words (another dtype, another size, not a
tensor); NumPy arrays of the Value's dtype; lists and micrograd's numbers, in the Value's dtype; sparse gradients."""

from __future__ import annotations

import numbers

import numpy as np

from .errors import scalar_type_name
from .sparse_array import SparseArray, SparseGradients
from .value import Value, _new_node


_GRAD_TYPE_NAMES = {"complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
                    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                    "uint8": "unsigned char", "bool": "bool"}  # how PyTorch's message names an assigned grad's dtype


def _as_grad_of(value, g):
    """`g` as the `.grad` of `value`, or PyTorch's error: a gradient of another dtype or shape would be promoted or
    broadcast by the next backward pass's accumulation (or fail inside it, half done), and one that is not numbers
    fails at the optimizer's step. Numbers and lists, which have no dtype of their own, take data's (a complex one
    for a real Value is refused: its imaginary part would be dropped)."""
    data = value.data
    shape = np.shape(data)
    if isinstance(g, Value):
        if g is value:
            raise RuntimeError("can't assign Variable as its own grad")
        if g.dtype != data.dtype:
            raise RuntimeError(_grad_dtype_message(g.dtype, data.dtype))
        if g.shape != shape:
            raise RuntimeError(_grad_size_message(g.shape, shape))
        if g.data.__class__ is SparseArray:
            SparseGradients.stored = True
        return g
    if isinstance(g, (list, tuple)):
        g = np.asarray(g)
        if g.dtype.kind == "c" and data.dtype.kind != "c":
            raise RuntimeError(_grad_dtype_message(g.dtype, data.dtype))
        if g.dtype.kind in "biufc":
            g = g.astype(data.dtype, copy=False)
    elif isinstance(g, numbers.Number) and not isinstance(g, np.generic):  # micrograd's p.grad = 0
        if not isinstance(g, numbers.Real) and data.dtype.kind != "c":  # complex
            raise RuntimeError(_grad_dtype_message(np.asarray(g).dtype, data.dtype))
        return data.dtype.type(g) if not shape else np.full(shape, g, data.dtype)
    if not isinstance(g, (np.ndarray, np.generic)) or g.dtype.kind not in "biufc":
        if g.__class__ is SparseArray:
            return _sparse_grad_of(value, g)
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(g).__name__}")
    if g.dtype != data.dtype:
        # NumPy makes float64 by default where the model is float32: say how to make the array this Value takes
        raise RuntimeError(f"{_grad_dtype_message(g.dtype, data.dtype)} (a NumPy array of {g.dtype.name}: make it "
                           f"with dtype=np.{data.dtype.name}, or assign g.astype(np.{data.dtype.name}))")
    if g.shape != shape:
        raise RuntimeError(_grad_size_message(g.shape, shape))
    return g


def _sparse_grad_of(value, g):
    """Sparse data g (what the backward pass accumulates for a sparse gradient) as the `.grad` of `value`: of its
    dtype (else PyTorch's error) and shape, with values of its own layout (PyTorch's accumulation clones a gradient
    whose values are a strided view, so that they are contiguous)."""
    if g.dtype != value.data.dtype:
        raise RuntimeError(_grad_dtype_message(g.dtype, value.data.dtype))
    if g.shape != tuple(np.shape(value.data)):
        raise RuntimeError(_grad_size_message(g.shape, np.shape(value.data)))
    if not g.values.flags.c_contiguous:
        g = g.with_values(np.ascontiguousarray(g.values))
    SparseGradients.stored = True
    return g


def _sparse_gradient(g):
    """Sparse data g as a gradient users read: a sparse tensor that needs no gradient (sparse_tensor.py)."""
    from .sparse_tensor import SparseGradient

    return _new_node(SparseGradient, g, False, None, (), None, None)


def _grad_dtype_message(got, wanted):
    """PyTorch's words for a gradient of dtype `got` assigned to a tensor of dtype `wanted` (without its advice on
    the tensor's grad_dtype attribute, which Values do not have: their gradient has their dtype)."""
    return (f"attempting to assign a gradient with dtype '{_GRAD_TYPE_NAMES.get(got.name, got.name)}' to a tensor "
            f"with grad_dtype '{scalar_type_name(wanted)}'. The gradient must match the tensor's grad_dtype "
            "(defaults to the tensor's dtype).")


def _grad_size_message(got, wanted):
    return (f"attempting to assign a gradient of size '{list(got)}' to a tensor of size '{list(wanted)}'. Please "
            "ensure that the gradient and the tensor are the same size")
