"""`GradArray`: what `v.grad` gives back, an ndarray that also answers PyTorch's gradient idioms.

    loss.backward()
    w.grad.zero_()                  # PyTorch's way to reset a gradient in place (as w.grad = None does)
    p.grad.data, p.grad.add_(g)     # .data is the array itself; add_/mul_/clamp_ change it in place

A gradient is a NumPy array: arithmetic, indexing and every NumPy function treat it as one, and the results of
arithmetic are plain ndarrays (or NumPy scalars), never GradArrays, so the class stays on the `.grad` object
itself and never spreads into a Value's data. The engine stores plain arrays; `Value.grad` (a property) turns
the stored array into a GradArray view (same memory) the first time it is read. The gradient of a 0-d Value
stays a NumPy scalar, a float like its data (micrograd's code formats and compares it as one).

Differences from NumPy, all on this class only: `.data` is the array itself (NumPy's `.data` is a memoryview
of the buffer, which PyTorch code such as `p.data -= lr * p.grad.data` would silently misuse), and the
PyTorch methods below exist. A leaf's gradient is an array of its own (the engine copies where needed), so
changing it in place changes no other Value's gradient.
"""

from __future__ import annotations

import numpy as np


def _is_out(array, context):
    """Whether `array` was an input of the ufunc call (so it is the out= array, not a result NumPy made)."""
    return any(a is array for a in context[1])


def _plain(x):
    return np.asarray(x.data) if hasattr(x, "requires_grad") else x  # a Value -> its data, else unchanged


_NUMPY_KEYWORDS = frozenset(("axis", "ddof", "keepdims", "dtype", "out"))


def _as_value(gradient):
    from .value import Value  # value.py imports this module

    array = gradient.view(np.ndarray)
    return Value(array, requires_grad=False, dtype=array.dtype)


class GradArray(np.ndarray):
    """A gradient: an ndarray with PyTorch's in-place methods (`zero_`, `add_`, ...) and `.data`."""

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # Results of ufuncs and reductions are plain arrays or scalars: the class marks `.grad` objects only.
        # A GradArray given as out= comes back as itself, as NumPy returns `out` (g += 1 keeps g).
        if array is self or (context is not None and _is_out(array, context)):
            return array
        array = array.view(np.ndarray)
        return array[()] if return_scalar else array

    def __repr__(self):  # NumPy's repr: a gradient prints as the array it is
        return repr(self.view(np.ndarray))

    @property
    def data(self):
        """The array itself (PyTorch's `grad.data`), not NumPy's memoryview."""
        return self

    def numpy(self):
        """The gradient as a plain ndarray (sharing memory)."""
        return self.view(np.ndarray)

    def detach(self):
        return self

    def clone(self):
        """A copy, as a plain ndarray."""
        return np.array(self, copy=True, subok=False)

    def tolist(self):
        return self.view(np.ndarray).tolist()

    def zero_(self):
        """Set every element to 0, in place; returns self."""
        self[...] = 0
        return self

    def fill_(self, value):
        self[...] = _plain(value)
        return self

    def copy_(self, src):
        np.copyto(self, _plain(src), casting="unsafe")
        return self

    def add_(self, other, alpha=1):
        """self += alpha * other, in place; returns self."""
        other = _plain(other)
        np.add(self, other if alpha == 1 else np.multiply(other, alpha), out=self, casting="same_kind")
        return self

    def sub_(self, other, alpha=1):
        other = _plain(other)
        np.subtract(self, other if alpha == 1 else np.multiply(other, alpha), out=self, casting="same_kind")
        return self

    def mul_(self, other):
        np.multiply(self, _plain(other), out=self, casting="same_kind")
        return self

    def div_(self, other):
        np.true_divide(self, _plain(other), out=self, casting="same_kind")
        return self

    def clamp_(self, min=None, max=None):
        np.clip(self, min, max, out=self)
        return self

    def abs(self):
        """|g| elementwise, a plain array (PyTorch's `p.grad.abs()`)."""
        return np.abs(self)

    def var(self, *args, **kwargs):
        """PyTorch's variance (unbiased: correction=1; dim, keepdim, correction, unbiased) as `Value.var`, unless
        called with NumPy's keywords (axis, ddof, keepdims, dtype, out, as np.var passes them): then NumPy's
        (ddof=0). A plain array or NumPy scalar: the lectures' `layer.out.grad.std()` gives PyTorch's number."""
        if _NUMPY_KEYWORDS.intersection(kwargs):
            return np.ndarray.var(self.view(np.ndarray), *args, **kwargs)
        return _as_value(self).var(*args, **kwargs).data

    def std(self, *args, **kwargs):
        """The square root of `var` with the same arguments (PyTorch's unbiased std unless NumPy's keywords)."""
        if _NUMPY_KEYWORDS.intersection(kwargs):
            return np.ndarray.std(self.view(np.ndarray), *args, **kwargs)
        return _as_value(self).std(*args, **kwargs).data

    def norm(self, p=2):
        """The p-norm of all elements (2 by default), as a NumPy scalar."""
        a = self.view(np.ndarray)
        if p in (2, "fro"):
            return np.sqrt(np.sum(a * a))
        if p == float("inf"):
            return np.max(np.abs(a))
        return np.sum(np.abs(a) ** p) ** (1.0 / p)
