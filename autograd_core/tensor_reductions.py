"""PyTorch's reductions as Value methods, with PyTorch's defaults beside NumPy's spelling: `var`, `std` (the
correction the spelling asks for), `max`, `min` (PyTorch's (values, indices) for a dim), `prod`, `argmax`, `argmin`,
`norm`, `any` and `all`.

Apart from tensor_methods.py because they are one family (each takes dim/keepdim or NumPy's axis/keepdims); they are
copied onto `TensorMethods` below (tensor_methods.py imports this module at its end).
"""

from __future__ import annotations

import numpy as np

from . import value as _value
from .errors import ShapeError, warn_if_no_degrees_of_freedom
from .one_node import shown_as
from .method_families import attach_methods
from .tensor_methods import MaxMin, TensorMethods, _is_dim, _without_gradient, one_dim, reduce_args

_VECTOR_NORM = "LinalgVectorNormBackward0"  # PyTorch's node of x.norm(p) for every p


def _spread_args(dim, ddof, keepdims, axis, keepdim, correction, unbiased):
    """var's and std's correction and reduce_args from PyTorch's or NumPy's spelling: var(False) is PyTorch's
    (unbiased) overload; NumPy's spelling (axis, ddof, keepdims) defaults to ddof 0, PyTorch's to correction 1."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    numpy_spelling = axis is not None or ddof is not None or keepdims is not None
    if correction is None:
        correction = ddof if ddof is not None else (
            int(unbiased) if unbiased is not None else (0 if numpy_spelling else 1))
    return correction, reduce_args(axis, keepdims or False, dim, keepdim or None)


def _truth(data, which, axis, keepdims):
    """np.any or np.all of data: bools, or uint8 for uint8 data (PyTorch's legacy rule for byte masks)."""
    out = which(data, axis=axis, keepdims=keepdims)
    return out.astype(np.uint8) if data.dtype == np.uint8 else out


def _arg(x, fn, dim, keepdim, axis, keepdims):
    axis = dim if axis is None else axis
    keep = bool(keepdims) if keepdims is not None else bool(keepdim)
    return _without_gradient(_arg_of_data, x, which=fn, axis=axis, keep=keep)


def _arg_of_data(data, which, axis, keep):
    """np.argmax/np.argmin (`which`) of data as int64, over the flattened data when axis is None."""
    data = np.asarray(data)
    if data.dtype.kind == "c":
        raise RuntimeError(f"{which.__name__}(): does not support complex input")
    if data.size == 0 and (axis is None or data.ndim == 0 or data.shape[axis] == 0):  # PyTorch's IndexError
        if axis is None:
            raise IndexError(f"{which.__name__}(): Expected reduction dim to be specified for input.numel() == 0.")
        raise IndexError(f"{which.__name__}(): Expected reduction dim {axis} to have non-zero size.")
    if axis is None:
        out = which(data)
        if keep:
            out = np.reshape(out, (1,) * data.ndim)
    else:
        out = which(data, axis=axis, keepdims=keep)
    return np.asarray(out, dtype=np.int64)


class _Reductions:
    """Copied onto TensorMethods below."""

    # ------------------------------------------------------------------------------------------------
    # Reductions with PyTorch's defaults.

    def var(self, dim=None, ddof=None, keepdims=None, *, axis=None, keepdim=False, correction=None, unbiased=None):
        """Variance: Σ(x - mean)² / (n - correction). See the module docstring for the default correction.

        PyTorch: var(dim=None, keepdim=False, correction=1) (or unbiased=True/False);
        NumPy:   var(axis=None, ddof=0, keepdims=False). With correction ≥ n the result is inf or nan.
        """
        correction, args = _spread_args(dim, ddof, keepdims, axis, keepdim, correction, unbiased)
        warn_if_no_degrees_of_freedom("var", self.shape, args["axis"], correction)
        return _value._ops.var(self, ddof=correction, **args)

    def std(self, dim=None, ddof=None, keepdims=None, *, axis=None, keepdim=False, correction=None, unbiased=None):
        """Standard deviation: sqrt of `var` with the same arguments (unbiased by default, as PyTorch), one node
        (StdBackward0); its gradient is 0 where the elements are all equal (std 0), as PyTorch's."""
        correction, args = _spread_args(dim, ddof, keepdims, axis, keepdim, correction, unbiased)
        warn_if_no_degrees_of_freedom("std", self.shape, args["axis"], correction)
        return _value._ops.std(self, ddof=correction, **args)

    def _extremum(self, which, dim, keepdim, axis, keepdims):
        if isinstance(dim, (_value.Value, np.ndarray)):  # torch.max(a, b): elementwise
            return getattr(_value._ops, "maximum" if which == "max" else "minimum")(self, dim)
        prim = getattr(_value._ops, which)
        one_dim(which, dim)  # (a tuple of axes: NumPy's axis=)
        if _is_dim(dim) and axis is None:  # PyTorch's (values, indices)
            keep = bool(keepdim) if keepdim is not None else bool(keepdims)
            if self.ndim == 0:  # PyTorch reduces a 0-d Value along dim 0 or -1 to itself
                _value._ops.index.check_dim(dim, 0)
                values = shown_as(self.reshape(()), self, "MaxBackward0" if which == "max" else "MinBackward0")
                return MaxMin(values, getattr(self, "arg" + which)())
            # Values picked at the indices, not prim(axis=dim): PyTorch's gradient goes to the element the index
            # names, while amax/amin (and max() of everything) split it between ties. One node (MaxBackward0)
            # that finds the same positions again from the numbers.
            try:
                indices = getattr(self, "arg" + which)(dim=dim, keepdim=keep)
            except IndexError as err:  # an empty dim: argmax's words, which PyTorch's max() says as its own
                if not str(err).startswith(f"arg{which}()"):
                    raise
                raise IndexError(str(err)[3:]) from None
            axis = _value._ops.index.check_dim(dim, self.ndim)
            return MaxMin(_value._ops.scan.pick(self, which, axis, keep), indices)
        try:
            return prim(self, **reduce_args(axis, keepdims or False, dim, keepdim))
        except ShapeError as err:  # NumPy's "zero-size array to reduction operation maximum which has no identity"
            if self.data.size or dim is not None or axis is not None:
                raise
            raise ShapeError(f"{which}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                             f"reduction dim with the 'dim' argument. ({err})") from None

    # keepdim=False or None: not asked for, so that NumPy's keepdims= (given instead) decides.

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest element; along `dim` PyTorch's (values, indices); along `axis` NumPy's values;
        `x.max(y)` for a Value y is the elementwise maximum. Ties share the gradient equally."""
        return self._extremum("max", dim, keepdim or None, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The smallest element; the arguments as for `max`."""
        return self._extremum("min", dim, keepdim or None, axis, keepdims)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        """The product of the elements (over all, or along dim/axis); its gradient is right where elements are 0.
        dtype: self is converted to it first (PyTorch's)."""
        x = self if dtype is None else self.to(dtype)
        one_dim("prod", dim)  # (a tuple of axes: NumPy's axis=)
        if dtype is None and x.data.dtype.kind in "bu" and x.data.dtype != np.uint64:
            x = x.to(np.int64)  # PyTorch multiplies bools and unsigned integers in int64 (NumPy: uint64)
        args = reduce_args(axis, keepdims or False, dim, keepdim or None)
        # over dims: PyTorch's ProdBackward1 (prod.dim_int), whatever a backward pass frees; of everything ProdBackward0
        return (_value._ops.prod if args["axis"] is None else _prod_over_dims())(x, **args)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest element: over the flattened Value when dim is None, else along dim
        (int64, no gradient; the first one among ties, as NumPy and PyTorch)."""
        return _arg(self, np.argmax, dim, keepdim, axis, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the smallest element; the arguments as for `argmax`."""
        return _arg(self, np.argmin, dim, keepdim, axis, keepdims)

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over all elements (or along dim): 'fro' and 2 give sqrt(Σx²), 1 gives Σ|x|,
        inf gives max |x|, 0 the count of nonzero elements, other p give (Σ|x|^p)^(1/p); 'nuc' gives the matrix's
        nuclear norm (the sum of its singular values; dim: the two dims of the matrices, the last two by default)."""
        if self.data.dtype.kind == "c":
            return self.abs().norm(p, dim, keepdim)  # a complex Value's norm is its moduli's
        args = reduce_args(None, keepdim, dim, None)
        if p in ("fro", 2, 2.0):  # one node, LinalgVectorNormBackward0 (its gradient 0 at a norm of zeros)
            return _value._ops.norms.vector_norm2(self, **args)
        # the other p are compositions here, shown as PyTorch's one node (LinalgVectorNormBackward0) over self
        if p in (1, 1.0):
            return shown_as(self.abs().sum(**args), self, _VECTOR_NORM)
        if p == float("inf"):
            return shown_as(self.abs().max(axis=args["axis"], keepdims=args["keepdims"]), self, _VECTOR_NORM)
        if p == float("-inf"):
            return shown_as(self.abs().min(axis=args["axis"], keepdims=args["keepdims"]), self, _VECTOR_NORM)
        if p == "nuc":  # the sum of the singular values of the matrix (or of the two dims named)
            from .linalg import matrix_norm  # linalg imports this module

            return matrix_norm(self, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)
        # Other p: linalg.vector_norm's, whose gradient is 0 (PyTorch's) where the sum or, for p < 1, an element is 0
        # (p=0: the count of nonzero elements, PyTorch's node that sends no gradient)
        from .linalg import vector_norm  # linalg imports this module

        return vector_norm(self, p, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        """True where any element is nonzero, over all elements or along dim (a bool Value, no gradient; uint8 for a
        uint8 input, as PyTorch keeps it)."""
        return _without_gradient(_truth, self, which=np.any, axis=_tuple(dim, self.ndim), keepdims=keepdim)

    def all(self, dim=None, keepdim=False):
        """True where every element is nonzero, over all elements or along dim (a bool Value, no gradient; uint8 for
        a uint8 input, as PyTorch keeps it)."""
        return _without_gradient(_truth, self, which=np.all, axis=_tuple(dim, self.ndim), keepdims=keepdim)


attach_methods(_Reductions, TensorMethods)


def _tuple(dim, ndim):
    """A list of dims as NumPy's tuple (PyTorch's any() and all() over () or [] reduce no dimension, as NumPy); a 0-d
    input's dims checked, and made None (its one dimension, 0 or -1)."""
    from .ops.primitive import dims_named_once, scalar_dims  # (ops import this module)

    if ndim == 0 and dim is not None:
        return scalar_dims(dim)
    return dims_named_once(tuple(dim) if isinstance(dim, list) else dim, ndim)


def _prod_over_dims():
    """The prod primitive named as PyTorch's node of x.prod(dim) (ProdBackward1)."""
    return _value._ops.prod.named("ProdBackward1")
