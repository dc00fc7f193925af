"""A Value as Python numbers and NumPy arrays: item(), float(), int(), bool(), len() and iteration, NumPy's array,
ufunc and function protocols, DLPack and numpy(). The methods are written here and copied onto Value
(method_families.py)."""

from __future__ import annotations

import numpy as np

from . import numpy_functions as _numpy_functions
from . import ops as _ops
from .errors import ShapeError
from .lazy_bits import BITS_SET as _LAZY_BITS_SET, refuse_for_numpy as _refuse_lazy_bits
from .method_families import attach_methods
from .value import Value


def _data(x):
    return x.data if isinstance(x, Value) else x


_COMPARISONS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isfinite",
                "isnan", "isinf", "sign"}

_UFUNCS = {
    "add": _ops.add, "subtract": _ops.sub, "multiply": _ops.mul, "divide": _ops.div,
    "true_divide": _ops.div, "power": _ops.pow, "negative": _ops.neg, "positive": lambda x: x,
    "exp": _ops.exp, "log": _ops.log, "sqrt": _ops.sqrt, "tanh": _ops.tanh, "sin": _ops.sin,
    "cos": _ops.cos, "absolute": _ops.abs, "maximum": _ops.maximum, "minimum": _ops.minimum,
    "matmul": _ops.matmul, "square": lambda x: _ops.mul(x, x),
}


def _not_one_element(function, shape):
    """PyTorch's ValueError words for float() or int() of a Value of more than one element, then ours."""
    return (f"only one element tensors can be converted to Python scalars ({function}() of a Value of shape {shape}: "
            f"take one element, x[i], or reduce it first, x.sum())")


class _Conversions:
    """Value's conversions, written apart (copied onto Value below)."""

    def item(self):
        """The single element of a size-1 Value as a Python number (ValueError for any other size)."""
        if self.data.size != 1:
            raise ShapeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar (item: only a "
                             f"Value of size 1 converts to a Python number, not shape {self.shape})")
        return self.data.item()

    def __float__(self):
        if self.data.size != 1:
            raise ShapeError(_not_one_element("float", self.shape))
        return float(self.data.item())

    def __int__(self):
        if self.data.size != 1:
            raise ShapeError(_not_one_element("int", self.shape))
        return int(self.data.item())

    def __bool__(self):
        if self.data.size != 1:  # PyTorch's words first
            count = "no values" if self.data.size == 0 else "more than one value"
            raise ShapeError(f"Boolean value of Tensor with {count} is ambiguous (the truth value of a Value of shape "
                             f"{self.shape} is ambiguous: reduce it first, e.g. (x > 0).any() or .all())")
        return bool(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a 0-d Value has no length; x.item() is its number)")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d Value")
        return (self[i] for i in range(len(self.data)))

    def __array__(self, dtype=None, copy=None):
        if _LAZY_BITS_SET[0]:
            _refuse_lazy_bits(self)
        arr = np.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """The DLPack protocol (`torch.from_dlpack(x)`, `np.from_dlpack(x)`): a capsule sharing this Value's memory,
        as NumPy exports it. A Value that requires grad raises BufferError, as PyTorch's (export `x.detach()`)."""
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return np.asarray(self.data).__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self):
        """(1, 0): DLPack's CPU, where every Value's memory is."""
        return (1, 0)

    def numpy(self, *, force=False):
        """The data as an ndarray sharing its memory (a 0-d array for scalars). As PyTorch's, a Value that requires
        grad raises RuntimeError (read `x.detach().numpy()`, or `x.data`); force=True reads the data of any Value
        (PyTorch's: detached and on the CPU, as the data here always is). A Value with the conjugate or negative bit
        (`is_conj()`, `is_neg()`) raises PyTorch's RuntimeError too (read `x.resolve_conj().numpy()`)."""
        if not force:
            if self.requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                   "instead.")
            if _LAZY_BITS_SET[0]:
                _refuse_lazy_bits(self)
        return np.asarray(self.data)

    def __array_function__(self, func, types, args, kwargs):
        """Let NumPy's functions (np.where, np.concatenate, np.sum, np.clip, ...) build graph nodes; others run on
        the data, and refuse to drop a gradient silently (numpy_functions.py)."""
        return _numpy_functions.array_function(func, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Let NumPy ufuncs (np.exp(v), ndarray + v, np.maximum(v, w)) build graph nodes."""
        out = kwargs.get("out")
        if method == "__call__" and out is not None and not any(isinstance(o, Value) for o in out):
            # `p.data += -lr * p.grad` with a Value lr (makemore's `lr = lrs[i]`): numbers written into a plain array,
            # as PyTorch's `p.data` is a tensor outside the graph
            return ufunc(*[_data(x) for x in inputs], **kwargs)
        fn = _UFUNCS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
        if fn is None:
            if ufunc.__name__ in _COMPARISONS and method == "__call__":
                return ufunc(*[_data(x) for x in inputs], **kwargs)
            return NotImplemented
        return fn(*inputs)


attach_methods(_Conversions, Value)
