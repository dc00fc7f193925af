"""PyTorch's shape methods of Value: `dim`, `numel`, `view` (and view(dtype)), `view_as`, `reshape_as`,
`unsqueeze`, `squeeze`, `permute`, `expand`, `expand_as`, `t`, `mT`, `contiguous`, `is_contiguous` and `__index__`.

Apart from tensor_methods.py because they are one family (what a shape is, and the views that change it); they are
copied onto `TensorMethods` below (tensor_methods.py imports this module at its end), so a Value has them as before
and the engine's hot path does not see where they are written.
"""

from __future__ import annotations

import numpy as np

from . import value as _value
from .errors import ShapeError, expand_refusal
from .lazy_bits import refuse_dtype_view
from .method_families import attach_methods
from .tensor_methods import TensorMethods, _is_dim, _sizes, _without_gradient


def _permute_error(order, ndim):
    """PyTorch's error for an order of dims that permute cannot take (found after NumPy refused it)."""
    if len(order) != ndim:
        return ShapeError(f"permute: number of dimensions in the tensor input does not match the length of the desired "
                          f"ordering of dimensions i.e. input.dim() = {ndim} is not equal to len(dims) = {len(order)}")
    axes = [_value._ops.index.check_dim(d, ndim) for d in order]  # PyTorch's IndexError for a dim out of range
    if len(set(axes)) != len(axes):
        return ShapeError(f"permute(): duplicate dims are not allowed. (got {order})")
    return ShapeError(f"permute: cannot order the {ndim} dims as {order}")


def _expand_error(sizes, shape, lead):
    """PyTorch's error for sizes that expand cannot broadcast `shape` to (found after NumPy refused them), of the
    last dim that does not fit, as PyTorch checks from the last dim."""
    for i, n in reversed(list(enumerate(sizes))):
        existing = shape[i - lead] if i >= lead else None
        if existing is not None and n not in (-1, existing) and existing != 1:
            return ShapeError(f"The expanded size of the tensor ({n}) must match the existing size ({existing}) at "
                              f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                              f"{list(shape)}")
        if n == -1 and existing is None:
            return ShapeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                              f"dimension {i}")
    return ShapeError(f"expand: cannot expand a Value of shape {tuple(shape)} to {sizes}")


def _is_dtype(x):
    """Whether x names a dtype (np.float32, np.dtype("int8"), autograd_core.float16), not a size."""
    return isinstance(x, np.dtype) or isinstance(x, type) and issubclass(x, np.generic)


def _reinterpreted(data, dtype):
    """data's bytes as `dtype`, sharing its memory (x.view(dtype))."""
    data = np.asarray(data)
    return (np.ascontiguousarray(data) if data.ndim and not data.flags.c_contiguous else data).view(dtype)


def _is_a_view(value):
    """Whether `value` is a view of another Value made by a view operation (shares its memory and version counter)."""
    from .version_counter import _is_view

    versions = value._version
    return versions is not None and _is_view(value, versions)


def _contiguous_format(memory_format, name):
    """Check `memory_format` (None or torch.contiguous_format: C order); PyTorch's others (channels_last,
    preserve_format) are not modelled here."""
    if memory_format is not None and not str(memory_format).endswith("contiguous_format"):
        raise NotImplementedError(f"{name}: memory_format {memory_format} (only torch.contiguous_format, C order, is "
                                  "modelled here)")


class _ShapeMethods:
    """Copied onto TensorMethods below."""

    # ------------------------------------------------------------------------------------------------
    # Shape and size.

    def dim(self):
        """The number of dimensions (PyTorch's `x.dim()`; NumPy's `x.ndim`)."""
        return self.data.ndim

    ndimension = dim

    def __index__(self):
        """An integer Value of one element used as an index (`classes[pred.argmax()]`), as PyTorch allows."""
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer Values of one element can be used as an index, not {self.data.dtype} "
                            f"of shape {self.data.shape}")
        return int(self.data.item())

    def numel(self):
        """The number of elements."""
        return int(self.data.size)

    nelement = numel

    def view(self, *shape, size=None):
        """x with a new shape of the same size, sharing x's memory (one entry may be -1): x.view(2, 3),
        x.view((2, 3)) or x.view(size=(2, 3)). As PyTorch's, it raises where x is a view of another Value (transpose,
        permute, expand, a strided slice, diagonal, unfold: laid out as PyTorch lays them out) and the new shape
        cannot be laid over x's elements where they are (`x.t().view(-1)`); `reshape` copies them then, and so does
        `contiguous()` first. Where x was computed by an operation whose NumPy layout may not be PyTorch's (x[:, idx],
        index_select along a later dimension, elementwise functions of a transpose), view copies as reshape does
        rather than refuse code PyTorch may run. x.view(dtype) reads x's bytes as another dtype (NumPy's view: the
        last dimension scaled by the ratio of the element sizes), without a gradient, as PyTorch's."""
        if size is None and len(shape) == 1 and _is_dtype(shape[0]):
            dtype = np.dtype(shape[0])
            refuse_dtype_view(self)
            return self if dtype == self.dtype else _without_gradient(_reinterpreted, self, dtype=dtype)
        shape = _sizes(shape, size, "view", "size")
        data = self.data
        if data.__class__ is np.ndarray and not data.flags.c_contiguous and _is_a_view(self):
            new = shape[0] if len(shape) == 1 and not _is_dim(shape[0]) else shape
            try:
                laid = np.reshape(data, new)  # NumPy copies exactly where PyTorch's view refuses
            except (ValueError, TypeError):
                laid = None  # sizes that do not fit: reshape says so below
            if laid is not None and laid.size and not np.may_share_memory(laid, data):
                raise ShapeError(
                    "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                    f"across two contiguous subspaces): the shape {tuple(laid.shape)} cannot be laid over the elements "
                    f"of this Value of shape {data.shape} and strides {self.stride()} where they are. Use "
                    ".reshape(...) instead.")
        # one reshape, whose grad_fn PyTorch's view calls ViewBackward0 whatever the strides (its reshape's: see
        # grad_fn_names._reshape)
        new = shape[0] if len(shape) == 1 and not _is_dim(shape[0]) else shape
        return _value._ops.reshape.named("ViewBackward0")(self, shape=tuple(new))

    def view_as(self, other):
        """x.view(other's shape): raises as view does where x's elements are not in that order in memory."""
        return self.view(other.shape)

    def reshape_as(self, other):
        """x reshaped to other's shape (same number of elements)."""
        return self.reshape(other.shape)

    def unsqueeze(self, dim):
        """x with a new axis of length 1 at position `dim` (negative counts from the end of the result)."""
        ndim = self.data.ndim
        if not _is_dim(dim):  # (the comparison below would raise Python's words about '<=')
            raise TypeError(f"unsqueeze(): argument 'dim' must be int, not {type(dim).__name__}")
        if not -ndim - 1 <= dim <= ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim - 1}, {ndim}], but got "
                             f"{dim}) (unsqueeze of a Value of {ndim} dimensions)")
        dim = dim % (ndim + 1)
        shape = self.shape
        # one reshape, whose grad_fn PyTorch calls UnsqueezeBackward0 (ViewBackward0 for x.view's)
        return _value._ops.reshape.named("UnsqueezeBackward0")(self, shape=shape[:dim] + (1,) + shape[dim:])

    def squeeze(self, dim=None):
        """x without axes of length 1 (only axis `dim` if given, and only if its length is 1, as PyTorch)."""
        shape = self.shape
        if dim is None:
            new = tuple(n for n in shape if n != 1)
        else:
            rank = max(len(shape), 1)  # a 0-d Value takes dim 0 or -1, as in PyTorch
            dims = {d % rank for d in ((dim,) if _is_dim(dim) else dim)}
            bad = [d for d in ((dim,) if _is_dim(dim) else dim) if not -rank <= d < rank]
            if bad:  # d % rank would squeeze another axis instead
                raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got "
                                 f"{bad[0]}) (squeeze of a Value of {len(shape)} dimensions)")
            if not _is_dim(dim) and len(dims) != len(dim):  # PyTorch's: each dim named once (0 and -1 of a 0-d one)
                twice = next(d for i, d in enumerate(dim) if d % rank in {e % rank for e in dim[:i]})
                raise RuntimeError(f"dim {twice % rank} appears multiple times in the list of dims")
            new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
        # PyTorch's squeeze(), squeeze(dim), squeeze(dims) record SqueezeBackward0, 1, 2 (even where no dimension has
        # size 1: a view of the same shape)
        name = "SqueezeBackward0" if dim is None else "SqueezeBackward1" if _is_dim(dim) else "SqueezeBackward2"
        return _value._ops.reshape.named(name)(self, shape=new)

    def permute(self, *order, dims=None):
        """The axes in the order given: x.permute(2, 0, 1), x.permute((2, 0, 1)) or x.permute(dims=(2, 0, 1))
        (PyTorch's permute, NumPy's transpose(axes))."""
        order = _sizes(order, dims, "permute", "dims")
        if len(order) == 1 and not _is_dim(order[0]):
            order = order[0]
        try:
            return _value._ops.transpose(self, axes=tuple(order))
        except (ValueError, IndexError) as error:  # NumPy's words ("axes don't match array"): PyTorch's instead
            raise _permute_error(tuple(order), self.ndim) from error

    def expand(self, *sizes, size=None, implicit=False):
        """x broadcast to `sizes` (-1 keeps a dimension), without copying: PyTorch's expand; x.expand(2, 3),
        x.expand((2, 3)) or x.expand(size=(2, 3)). `implicit` is accepted and changes nothing, as in PyTorch."""
        sizes = _sizes(sizes, size, "expand", "size")
        if len(sizes) == 1 and not _is_dim(sizes[0]):
            sizes = sizes[0]
        lead = len(sizes) - self.data.ndim
        if lead < 0:
            raise ShapeError(f"{expand_refusal(sizes, self.shape, self.dtype)} (expand: {len(sizes)} sizes given for a "
                             f"Value of {self.data.ndim} dimensions)")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        try:
            return _value._ops.broadcast_to(self, shape=shape)
        except ValueError as error:  # NumPy's words ("operands could not be broadcast ..."): PyTorch's instead
            raise _expand_error(tuple(sizes), self.shape, lead) from error

    def expand_as(self, other):
        """x broadcast to other's shape (size-1 axes repeated, as expand)."""
        return self.expand(other.shape)

    def t(self):
        """The transpose of a matrix (a 0-d or 1-D Value's elements unchanged: a view, TBackward0), as PyTorch's t()."""
        if self.data.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.data.ndim}D (t: expects a "
                             f"Value of at most 2 dimensions, got {self.data.ndim}; use transpose(d0, d1))")
        if self.data.ndim < 2:  # x itself, but a node of its own in PyTorch's graph
            return _value._ops.reshape.named("TBackward0")(self, shape=self.shape)
        return _value._ops.swapaxes.named("TBackward0")(self, axis1=0, axis2=1)  # transpose(0, 1)'s: TransposeBackward0

    def contiguous(self, memory_format=None):
        """x itself if `is_contiguous()`, else a copy of x whose elements are in memory in C order (PyTorch's; the
        gradient passes through unchanged): what `view` needs after a transpose (`x.t().contiguous().view(-1)`)."""
        _contiguous_format(memory_format, "contiguous")
        if self.is_contiguous():
            return self
        return _value._ops.index.contiguous(self)

    def is_contiguous(self, memory_format=None):
        """Whether x's elements are in memory in C order, one after the other, as PyTorch's is_contiguous
        (dimensions of length 1 do not count; an empty Value is contiguous): True for a new Value, a reshape of one,
        x[1:] or x[0]; False for a transpose, permute, expand, a strided slice x[:, ::2], a column x[:, 0], a
        diagonal, or windows of unfold that overlap or leave gaps (see `stride()`). NumPy runs every operation on
        either layout; `view` is what needs one (see there)."""
        _contiguous_format(memory_format, "is_contiguous")
        data = self.data
        return not isinstance(data, np.ndarray) or data.flags.c_contiguous  # (a NumPy scalar: contiguous)

    @property
    def mT(self):
        """The last two axes swapped (matrix transpose of a batch); a RuntimeError below 2-D, as PyTorch's."""
        if self.data.ndim < 2:
            raise ShapeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.data.ndim}-D "
                             "tensor.")
        return self.swapaxes(-1, -2)


attach_methods(_ShapeMethods, TensorMethods)
