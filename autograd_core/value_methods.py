"""Value's elementwise functions, reductions and shape methods (NumPy's names and PyTorch's), written apart from
value.py and copied onto Value (method_families.py)."""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from . import ops as _ops
from .errors import scalar_type_name
from .method_families import attach_methods
from .ops.reduce import mean_over_dims as _mean_over_dims, sum_over_dims as _sum_over_dims
from .recording import unary as _unary
from .tensor_methods import reduce_args, required_dim
from .value import Value


def _method(op, doc):
    """Value's method `x.name()` for primitive op of one input (its name): recording.unary(op), named as the method,
    with what it computes as its docstring."""
    method = _unary(op)
    method.__name__, method.__doc__, method.__module__ = op.name, doc, __name__  # (Value's method, written here)
    method.__signature__ = _SELF_ONLY  # (help() and the API pages show x.name(), as for a method written out)
    return method


_SELF_ONLY = inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)])


class _Methods:
    """Value's elementwise functions, reductions and shapes (copied onto Value below)."""

    # ------------------------------------------------------------------------------------------------
    # Elementwise functions. The common ones are recording.unary's functions of their primitives themselves (one Python
    # frame less per operation than a method calling apply_unary).

    exp = _method(_ops.exp, "e**x elementwise (same shape).")
    log = _method(_ops.log, "Natural logarithm elementwise (same shape); -inf at 0, nan below.")
    sqrt = _method(_ops.sqrt, "Square root elementwise (same shape); nan below 0.")
    tanh = _method(_ops.tanh, "Hyperbolic tangent elementwise (same shape); derivative 1 - tanh(x)**2.")
    sigmoid = _method(_ops.sigmoid, "Logistic sigmoid 1 / (1 + exp(-x)) elementwise (same shape).")
    relu = _method(_ops.relu, "max(x, 0) elementwise (same shape); the gradient at 0 is 0.")

    def leaky_relu(self, negative_slope=0.01):
        """x where x > 0, else negative_slope * x, elementwise (same shape)."""
        return _ops.leaky_relu(self, negative_slope=negative_slope)

    def abs(self):
        """|x| elementwise (same shape); the gradient at 0 is 0 (sign(0))."""
        return _ops.abs(self)

    sin = _method(_ops.sin, "Sine elementwise (same shape), in radians.")
    cos = _method(_ops.cos, "Cosine elementwise (same shape), in radians.")

    def clip(self, min=None, max=None):
        """Limit to [min, max] elementwise (either may be None); gradient 1 inside, 0 outside. Value bounds get the
        gradient where they are chosen (PyTorch's tensor bounds: see autograd_core.ops.clip)."""
        return _ops.clip(self, min, max)

    # Reductions (NumPy semantics).

    # Reductions: PyTorch's `dim`/`keepdim` (by position or keyword) or NumPy's `axis`/`keepdims` (by keyword).
    # An empty dim, () or [], is PyTorch's every dimension; NumPy's axis=() is none (what code written for arrays and
    # for Values alike, the rules among it, means). `var`, `max` and `min` are in tensor_reductions.py.

    # dtype= (PyTorch's): the input is converted to it first, as torch.sum(x, dtype=torch.float64) does.

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=False, dtype=None):
        """Sum over all elements, or over dim/axis (int or tuple), keeping reduced axes as size 1 with keepdim=True."""
        x = self if dtype is None else self.to(dtype)
        args = reduce_args(axis, keepdims, dim, keepdim or None)  # over dims: SumBackward1, whatever backward frees
        total = (_ops.sum if args["axis"] is None else _sum_over_dims)(x, **args)
        if dtype is None and total.data.dtype == np.uint64 and x.data.dtype != np.uint64:
            return total.to(np.int64)  # NumPy sums uint8 into uint64, PyTorch into int64
        return total if dtype is None or total.dtype == dtype else total.to(dtype)  # NumPy sums int8 into int64

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=False, dtype=None):
        """Mean over all elements, or over dim/axis (int or tuple), keeping reduced axes as size 1 with keepdim=True."""
        if dtype is None and self.data.dtype.kind not in "fc":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
                f"Got: {scalar_type_name(self.data.dtype)} (convert first: x.float().mean(), or pass dtype=)")
        x = self if dtype is None else self.to(dtype)
        args = reduce_args(axis, keepdims, dim, keepdim or None)  # over dims: MeanBackward1, as Value.sum's
        return (_ops.mean if args["axis"] is None else _mean_over_dims)(x, **args)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """log(sum(exp(x))) over dim/axis (all elements by default), computed stably (max subtracted first);
        integers and bools in the default float dtype, as PyTorch's."""
        if self.data.dtype.kind not in "fc":
            from .dtypes import DEFAULTS

            return self.to(DEFAULTS["dtype"]).logsumexp(dim, keepdim, axis=axis, keepdims=keepdims)
        # (an empty dim is every dimension, as for sum; PyTorch 2.13 refuses it without keepdim=True, "output with
        # shape [] doesn't match the broadcast shape [1, 1]": a bug of its out= path, not copied)
        return _ops.logsumexp(self, **reduce_args(axis, keepdims, dim, keepdim or None))

    def softmax(self, axis=None, *, dim=None, dtype=None):
        """exp(x) / sum(exp(x)) along dim (or axis; required, as PyTorch's Tensor.softmax); same shape, each slice
        sums to 1. (F.softmax alone picks a dim when none is given, with PyTorch's deprecation warning.)"""
        x = self if dtype is None else self.to(dtype)
        return _ops.softmax(x, axis=required_dim("softmax", axis, dim))

    def log_softmax(self, axis=None, *, dim=None, dtype=None):
        """x - logsumexp(x) along dim (or axis; required, as PyTorch's Tensor.log_softmax), computed stably; same
        shape."""
        x = self if dtype is None else self.to(dtype)
        return _ops.log_softmax(x, axis=required_dim("log_softmax", axis, dim))

    # Shapes.

    def reshape(self, *shape, **keyword):
        """x with a new shape of the same size (one entry may be -1): x.reshape(2, 3), x.reshape((2, 3)) or
        x.reshape(shape=(2, 3))."""
        if keyword:
            if shape or set(keyword) != {"shape"}:
                raise TypeError(f"reshape() takes the shape by position or as shape=, got {sorted(keyword)}")
            shape = (keyword["shape"],)
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = shape[0]
        return _ops.reshape(self, shape=tuple(shape))

    def transpose(self, *axes, dim0=None, dim1=None):
        """Two dims: PyTorch's transpose(dim0, dim1), which swaps them (also by keyword). Otherwise NumPy's: the
        axes in the order given (reversed when none are given)."""
        if dim0 is not None or dim1 is not None:
            axes = axes + tuple(d for d in (dim0, dim1) if d is not None)
            if len(axes) != 2:
                raise TypeError("transpose() takes two dims, dim0 and dim1")
        if len(axes) == 2 and all(isinstance(a, numbers.Integral) for a in axes):
            if self.data.ndim == 0:  # PyTorch's transpose(0, -1) of a 0-d tensor (dims 0 and -1): a view of it
                return _ops.arrange.swapdims(self, int(axes[0]), int(axes[1]))
            return _ops.swapaxes(self, axis1=int(axes[0]), axis2=int(axes[1]))
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = axes[0]
        elif len(axes) == 1 and self.data.ndim != 1:  # x.transpose(0): a PyTorch user forgot dim1 (NumPy refuses too)
            raise TypeError('transpose() missing 1 required positional arguments: "dim1" (transpose: give two dims to '
                            'swap, or every dim in its new order)')
        return _ops.transpose(self, axes=tuple(axes) if axes else None)

    @property
    def T(self):
        """All axes reversed (the matrix transpose for 2-D). On other than 2 dimensions PyTorch's UserWarning, once a
        process as PyTorch gives it (it deprecates .T there: x.mT transposes batches of matrices)."""
        if self.data.ndim != 2:
            from .tensor_attributes import warn_transpose_once

            warn_transpose_once(self.data.ndim)
        return _ops.transpose(self, axes=None)

    def flatten(self, start_dim=0, end_dim=-1):
        """The axes start_dim..end_dim (all by default) merged into one, as PyTorch's flatten (a dim out of range
        raises IndexError, start_dim after end_dim RuntimeError)."""
        shape = self.data.shape
        start, end = _ops.index.check_dim(start_dim, len(shape)), _ops.index.check_dim(end_dim, len(shape))
        if start > end:
            raise RuntimeError(f"flatten() has invalid args: start_dim cannot come after end_dim (flatten: start_dim "
                               f"{start_dim}, end_dim {end_dim})")
        if not shape:
            return _ops.reshape(self, shape=(1,))
        if start == end:  # nothing merged: x itself, no node (PyTorch's flatten returns its input)
            return self
        merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
        return _ops.reshape(self, shape=shape[:start] + (merged,) + shape[end + 1:])

    def swapaxes(self, axis1, axis2):
        """Exchange axes axis1 and axis2 (torch.swapaxes; the same as transpose(axis1, axis2): a 0-d Value takes 0
        and -1, as PyTorch's)."""
        return _ops.arrange.swapdims(self, axis1, axis2)

    def astype(self, dtype):
        """A copy converted to dtype (NumPy's name; PyTorch's is .to(dtype)); differentiable between floats."""
        return _ops.astype(self, dtype=np.dtype(dtype))


attach_methods(_Methods, Value)
