"""PyTorch's functions that cut a Value into pieces or build one from copies: split, chunk, unbind, hstack, vstack,
tile, repeat (PyTorch's: whole copies, not NumPy's element repeats), repeat_interleave, diff and Tensor.unfold
(sliding windows).

All but unfold are compositions of getitem (slices and index arrays), reshape, broadcast_to and concatenate, so
their gradients (a piece's gradient lands in its window; a copy's gradients add up), forward mode and compile come
from those primitives. unfold is a primitive of its own: its windows are a strided view of the input's memory, as
PyTorch's (NumPy's indexing would copy them), so an in-place change through them reaches the input.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ShapeError, dim_out_of_range
from ..multiple_views import mark_multiple_views
from ..one_node import outputs_of_one_node, shown_as
from ..value import Value
from .arith import logical_xor, sub
from .index import as_value, check_dim, contiguous, index_array, strided_view
from .primitive import primitive
from .shape import broadcast_to, clone, concatenate, getitem, reshape, scatter_add, transpose


def _window(x, dim, start, stop):
    return getitem(x, (slice(None),) * dim + (slice(start, stop),))


def split(tensor, split_size_or_sections, dim=0):
    """A tuple of consecutive pieces along `dim`: of split_size_or_sections entries each (an int; the last piece
    may be shorter), or of the given lengths (a list that sums to the size of dim). Each piece's gradient lands
    in its window of the input. The pieces are views of the input which, as PyTorch's, may not change in place where
    the change would be recorded in a graph (multiple_views.py)."""
    x = as_value(tensor)
    pieces = split_views(x, split_size_or_sections, dim)
    kind = "Split" if isinstance(split_size_or_sections, numbers.Integral) else "SplitWithSizes"
    for piece in pieces:  # each a slice here, PyTorch's one node of them all
        shown_as(piece, x, kind + "Backward0")
    return mark_multiple_views(outputs_of_one_node(pieces), kind)


def split_views(tensor, split_size_or_sections, dim=0):
    """split's pieces, free to change in place (PyTorch's tensor_split and unsafe_split make such views)."""
    x = as_value(tensor)
    if x.ndim == 0:
        raise ShapeError("split(): expected a tensor of at least one dimension")
    dim = check_dim(dim, x.ndim)
    n = x.shape[dim]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n} "
                               f"(split(): split_size must be positive (or 0 for a dimension of size 0), got {size} "
                               f"for a dimension of size {n})" if size == 0 else
                               f"split(): split_size must be positive (or 0 for a dimension of size 0), got {size} "
                               f"for a dimension of size {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                             f"dimension {dim}), but got split_sizes={sizes}")
    starts = np.cumsum([0] + sizes)
    return tuple(_window(x, dim, int(a), int(b)) for a, b in zip(starts[:-1], starts[1:]))


def chunk(input, chunks, dim=0):
    """At most `chunks` pieces along `dim`, each of ceil(n / chunks) entries (the last may be shorter; there may be
    fewer pieces), as torch.chunk."""
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    x = as_value(input)
    n = x.shape[check_dim(dim, x.ndim)] if x.ndim else 0
    if n == 0 and x.ndim:  # PyTorch gives `chunks` empty pieces of an empty dim
        return split(x, [0] * chunks, dim)
    return split(x, max(math.ceil(n / chunks), 1) if n else 0, dim)


def unbind(input, dim=0):
    """The slices of input along `dim`, as a tuple of Values of one dimension fewer: views of the input, which may
    not change in place where the change would be recorded in a graph, as PyTorch's (multiple_views.py)."""
    x = as_value(input)
    dim = check_dim(dim, x.ndim)
    pieces = tuple(shown_as(getitem(x, (slice(None),) * dim + (i,)), x, "UnbindBackward0") for i in range(x.shape[dim]))
    return mark_multiple_views(outputs_of_one_node(pieces), "Unbind")


def tensor_list(tensors, name):
    """The `tensors` argument of the joining functions (hstack, vstack, dstack, column_stack) as a list of Values,
    with PyTorch's errors: TypeError for a single Value or array (not a sequence), RuntimeError when empty."""
    if isinstance(tensors, (Value, np.ndarray)) or not hasattr(tensors, "__len__"):
        raise TypeError(f"{name}(): argument 'tensors' must be a sequence of Values, not {type(tensors).__name__}")
    if not len(tensors):
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return [as_value(t) for t in tensors]


def hstack(tensors):
    """Join along the second dimension (the first for 1-D inputs); 0-d inputs count as 1-D."""
    xs = [x if x.ndim else reshape(x, shape=(1,)) for x in tensor_list(tensors, "hstack")]
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(tensors):
    """Join along the first dimension, after making 0-d and 1-D inputs rows (shape (1, n))."""
    xs = [x if x.ndim >= 2 else reshape(x, shape=(1, x.size)) for x in tensor_list(tensors, "vstack")]
    return concatenate(xs, axis=0)


def _repeat(x, sizes):
    """x copied sizes[d] times along each dimension d (len(sizes) >= x.ndim; leading sizes add dimensions)."""
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat(): repeats must be non-negative, got {list(sizes)}")
    # (1, n0, 1, n1, ...) broadcast to (r0, n0, r1, n1, ...), then merged pairwise: whole copies, and the gradient
    # of each element is the sum over its copies (broadcast_to's).
    interleaved = tuple(v for n in shape for v in (1, n))
    copies = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    out = reshape(broadcast_to(reshape(x, shape=interleaved), shape=copies), shape=tuple(r * n for r, n in
                                                                                     zip(sizes, shape)))
    # PyTorch's repeat is always a copy; NumPy's reshape keeps a view of the broadcast where strides allow one
    # (x.unsqueeze(0).repeat(2, 1)), which an in-place change would write through to x
    out = clone(out) if isinstance(out.data, np.ndarray) and not out.data.flags.writeable else out
    return shown_as(out, x, "RepeatBackward0")  # PyTorch's one node over x


def repeat(input, *sizes, repeats=None):
    """PyTorch's Tensor.repeat: input copied sizes[d] times along each dimension d (whole copies, like np.tile):
    x.repeat(2, 1), x.repeat((2, 1)) or x.repeat(repeats=(2, 1)). There must be at least as many sizes as
    dimensions; extra leading sizes add dimensions."""
    x = as_value(input)
    if repeats is not None:
        if sizes:
            raise TypeError("repeat(): give the sizes by position or as repeats=, not both")
        sizes = (repeats,)
    if len(sizes) == 1 and not isinstance(sizes[0], numbers.Integral):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < x.ndim:
        raise ShapeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                         f"tensor (got {len(sizes)} for a tensor of {x.ndim})")
    return _repeat(x, sizes)


def tile(input, *sizes, dims=None):
    """input copied dims[d] times along each dimension d; fewer dims than dimensions are padded with leading 1s
    (where repeat would raise), as torch.tile: tile(x, (2, 1)), tile(x, dims=(2, 1)), and as Tensor.tile also
    x.tile(2, 1)."""
    x = as_value(input)
    if dims is None:
        dims = sizes[0] if len(sizes) == 1 else sizes
    elif sizes:
        raise TypeError("tile(): give the dims by position or as dims=, not both")
    dims = (int(dims),) if isinstance(dims, numbers.Integral) else tuple(int(d) for d in dims)
    return _repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each entry along `dim` repeated `repeats` times in place ([a, b] -> [a, a, b, b]; NumPy's np.repeat).
    repeats: an int, or one count per entry (a 1-D integer Value). Without dim the flattened input is used.
    output_size: the length of the result along dim, if known (checked). repeat_interleave(counts) alone, as
    PyTorch's, repeats each index i counts[i] times: [2, 1] -> [0, 0, 1] (int64, no gradient)."""
    if repeats is None:
        counts = index_array(input, "repeat_interleave")
        if counts.ndim != 1:
            raise RuntimeError(f"repeat_interleave: repeats must be a 1-D tensor, got {counts.ndim} dimensions")
        input, repeats, dim = np.arange(counts.size, dtype=np.int64), counts, 0
    out = _repeat_interleave(as_value(input), repeats, dim)
    if output_size is not None and out.shape[check_dim(0 if dim is None else dim, out.ndim)] != output_size:
        raise RuntimeError(f"repeat_interleave: output_size={output_size} does not match the result's length "
                           f"{out.shape[check_dim(0 if dim is None else dim, out.ndim)]}")
    return out


def _repeat_interleave(x, repeats, dim):
    if dim is None:
        x, dim = reshape(x, shape=(-1,)), 0
    elif x.ndim == 0:  # PyTorch's refusal names dim 1 of a 0-d input, whatever dim was given (0 or -1 included)
        raise IndexError(f"{dim_out_of_range(1, 0)} (repeat_interleave: a 0-d input has no dimension {dim}; give "
                         f"dim=None)")
    dim = check_dim(dim, x.ndim)
    n = x.shape[dim]
    counts = index_array(repeats, "repeat_interleave") if not isinstance(repeats, numbers.Integral) else \
        np.asarray(int(repeats))
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
        raise ShapeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                         f"{counts.size} and input.size({dim}) = {n}")
    if np.any(counts < 0):
        raise RuntimeError("Repeats must be non-negative")
    if isinstance(repeats, numbers.Integral):
        # PyTorch's for a number of repeats: x.unsqueeze(dim + 1).expand(..., repeats, ...), a contiguous copy of it
        # (CloneBackward0), viewed with the two dimensions as one (ViewBackward0): [a, b] -> [[a, a], [b, b]] -> ...
        shape = x.shape
        spread = broadcast_to(x.unsqueeze(dim + 1), shape=shape[:dim + 1] + (int(repeats),) + shape[dim + 1:])
        return reshape(contiguous(spread), shape=shape[:dim] + (n * int(repeats),) + shape[dim + 1:])
    positions = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1) if counts.ndim else counts, (n,)))
    # a tensor of repeats: PyTorch's index_select of those positions (its one node)
    return shown_as(getitem(x, (slice(None),) * dim + (positions,)), x, "IndexSelectBackward0")


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim, as torch.diff: out[i] = x[i + 1] - x[i] (applied n times), after
    joining `prepend` and `append` (Values or arrays of input's shape but along dim) to input's ends."""
    x = as_value(input)
    if x.ndim == 0:
        raise ShapeError("diff(): expected a tensor of at least one dimension")
    if not isinstance(n, numbers.Integral) or n < 0:
        raise RuntimeError(f"diff(): order n must be a non-negative integer, got {n!r}")
    dim = check_dim(dim, x.ndim)
    parts = [as_value(p) for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = concatenate(parts, axis=dim)
    difference = logical_xor if x.dtype == np.bool_ else sub  # bools: True where neighbours differ, as PyTorch's
    for _ in range(n):
        size = x.shape[dim]
        x = difference(_window(x, dim, 1, size), _window(x, dim, 0, max(size - 1, 0)))
    return x


def unfold(input, dimension, size, step):
    """Every window of `size` entries along `dimension`, `step` apart, as Tensor.unfold: the windows replace that
    dimension (floor((n - size) / step) + 1 of them) and each window's entries form a new last dimension. A view of
    input, as PyTorch's: `x.unfold(0, 2, 2).mul_(2)` changes x (windows that overlap, step < size, share elements:
    an in-place change through them raises, see autograd_core.inplace). Windows that overlap share their input's
    gradient (it adds up)."""
    x = as_value(input)
    dim = check_dim(dimension, x.ndim)
    length = x.shape[dim] if x.ndim else 1
    if not isinstance(size, numbers.Integral) or not 0 <= size <= length:
        raise ShapeError(f"unfold(): size {size} must be in [0, {length}] (the size of dimension {dim})")
    if not isinstance(step, numbers.Integral) or step <= 0:
        raise RuntimeError(f"unfold(): step must be a positive integer, got {step!r}")
    if x.ndim == 0:
        return reshape(x, shape=(1,))
    return _unfold(x, dim=dim, size=int(size), step=int(step))


def _window_starts(length, size, step):
    """(windows, entries): the position along the dimension of each entry of each window."""
    count = (length - size) // step + 1
    return np.arange(count)[:, None] * step + np.arange(size)[None, :]


@primitive("unfold")
def _unfold(x, dim, size, step):
    """out[..., w, ..., k] = x[..., w·step + k, ...] (w at `dim`, k last), as a view of x's memory: the windows step
    step·s apart and their entries s apart, s being x's stride along dim (PyTorch's strides for it)."""
    count = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
    strides = x.strides[:dim] + (step * x.strides[dim],) + x.strides[dim + 1:] + (x.strides[dim],)
    return strided_view(x, shape, strides)


def _unfold_vjp(g, out, x, dim, size, step):
    # d out[..., w, ..., k] / d x[..., w·step + k, ...] = 1: each window's gradient is added back where it was read
    # (entries of overlapping windows add up); g's entries axis is moved next to the windows' first
    shape = x.shape
    axes = tuple(range(dim + 1)) + (len(shape),) + tuple(range(dim + 1, len(shape)))
    index = (slice(None),) * dim + (_window_starts(shape[dim], size, step),)
    return scatter_add(transpose(g, axes=axes), index=index, shape=shape)


_unfold.defvjp(_unfold_vjp, formulas=("windows of g added back",))
_unfold.defjvp_linear()
_unfold.views = True
