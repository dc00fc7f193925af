"""PyTorch's copies and conversions as Value methods: `clone`, `tolist`, `to` (a dtype, a device, another
tensor), `type`, the dtype shorthands (`double`, `float`, `half`, `bfloat16`, `cfloat`, `cdouble`, `chalf`, `long`,
`int`, `bool`) and the device methods (`cpu`, `cuda`, `device`, `is_cuda`).

Apart from tensor_methods.py because they are one family (the same data in another dtype, on another device, or
copied); they are copied onto `TensorMethods` below (tensor_methods.py imports this module at its end).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import value as _value
from .method_families import attach_methods
from .tensor_methods import Device, TensorMethods, _without_gradient, on_cpu


def _dtype(dtype):
    """A NumPy dtype from a dtype, its name, a legacy typed constructor (`x.type(torch.LongTensor)`) or its PyTorch
    name (`x.type('torch.LongTensor')`)."""
    if isinstance(dtype, str) and dtype.startswith("torch.") and dtype.endswith("Tensor"):
        from .tensor import _legacy_types

        dtype = _legacy_types().get(dtype[len("torch."):], dtype)
    if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), np.dtype):
        return dtype.dtype
    return np.dtype(dtype)


def _cast(data, dtype):
    """data converted to an integer or boolean dtype (no gradient)."""
    return np.asarray(data).astype(dtype)


class _Conversions:
    """Copied onto TensorMethods below."""

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


attach_methods(_Conversions, TensorMethods)
