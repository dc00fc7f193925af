"""PyTorch's indexing functions along a dimension: gather, scatter, scatter_add, index_select, index_add,
index_copy, index_fill, take, masked_select, narrow, and the reorderings flip, roll, tril, triu, diagonal, diag,
trace.

Each is a composition of the indexing primitives of shape.py (`getitem`, whose gradient is `scatter_add`) and
`where`, so gradients, higher derivatives, forward mode and compile come from those; diagonal is a primitive of its
own, a strided view of its input's memory as PyTorch's (`strided_view`), and `contiguous` copies a Value into C
order (Tensor.contiguous). A dimension-wise index is
turned into one NumPy index tuple (`along`): at each position p of `index`, the coordinate along `dim` is
index[p] and the others are p's own, which is what `torch.gather` reads and `torch.scatter` writes.

Bad dimensions and indices raise PyTorch 2's exception types (IndexError for a dimension out of range and for
take's indices; RuntimeError for gather's, scatter's and index_select's) with a message naming the problem.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..one_node import shown_as
from ..errors import ShapeError, scalar_type_name

from ..grad_array import NUMPY_ARRAYS
from ..value import Value
from .elementwise import where
from .primitive import primitive
from .shape import broadcast_to, clone, getitem, reshape, transpose
from .shape import scatter_add as _scatter_add


def as_value(x):
    """x itself if it is a Value, else a constant Value of its data (arrays, numbers, nested lists)."""
    if isinstance(x, Value):
        return x
    data = np.asarray(x)
    return Value(data[()] if data.ndim == 0 else data, requires_grad=False, dtype=data.dtype)


def check_dim(dim, ndim, *, wrap_scalar=True):
    """`dim` as a non-negative axis of a Value of `ndim` dimensions (0-d Values accept -1 and 0, as PyTorch).
    wrap_scalar=False: a 0-d Value has no dimension to name, PyTorch's IndexError for the functions that index one
    (roll, take_along_dim, unique, unflatten: its maybe_wrap_dim without wrap_scalar)."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an integer, not {type(dim).__name__}")
    if ndim == 0 and not wrap_scalar:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})")
    return int(dim) % size


def check_dims(dims, ndim):
    """Each of `dims` (a sequence) as `check_dim` makes it, in order; PyTorch's RuntimeError for a dim named twice."""
    checked = tuple(check_dim(d, ndim) for d in dims)
    if len(set(checked)) != len(checked):
        twice = next(d for i, d in enumerate(checked) if d in checked[:i])
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims")
    return checked


# PyTorch's refusal of an index of another dtype, by the function refusing ('{torch}': the dtype's name in PyTorch).
_NOT_AN_INDEX = {
    **dict.fromkeys(("gather", "scatter", "scatter_add", "scatter_reduce"),
                    (RuntimeError, "{gather}(): Expected dtype int32/int64 for index")),
    "take_along_dim": (RuntimeError, "torch.take_along_dim(): dtype of indices should be Long but got {torch}"),
    "index_select": (RuntimeError, "index_select(): Expected dtype int32 or int64 for index"),
    "take": (RuntimeError, "take(): Expected a long tensor for index, but got {torch}"),
    "put": (RuntimeError, "put_(): Expected a long tensor for index, but got {torch}"),
    "tensor_split": (RuntimeError, "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                                   "{torch}"),
    "repeat_interleave": (NotImplementedError, '"repeat_interleave_cpu" not implemented for \'{torch}\''),
    "index_add": (RuntimeError, "index_add_(): Expected dtype int32/int64 for index but got: {torch}"),
    "index_reduce": (RuntimeError, "index_reduce_(): Expected dtype int32/int64 for index but got: {torch}"),
    "index_copy": (RuntimeError, "index_copy_(): Expected a long tensor for index, but got {torch}"),
    "index_fill": (IndexError, "index_fill_(): Expected dtype int64 for index."),
}


def index_array(index, name):
    """The data of an index (a Value, array or list) as an integer ndarray; other dtypes raise as in PyTorch."""
    data = np.asarray(index.data if isinstance(index, Value) else index)
    if data.dtype.kind not in "iu":
        ours = (RuntimeError, f"{name}(): Expected dtype int64 for index, got {{dtype}}")
        kind, message = _NOT_AN_INDEX.get(name, ours)
        gather = "gather" if name == "gather" else "scatter"
        raise kind(message.format(torch=scalar_type_name(data.dtype), dtype=data.dtype, gather=gather))
    return data


def along(index, dim):
    """The NumPy index tuple that picks, for each position p of `index`, the element whose coordinate along `dim`
    is index[p] and whose other coordinates are p's: x[along(index, dim)] is torch.gather(x, dim, index)."""
    ndim = index.ndim
    return tuple(index if d == dim else np.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1))
                 for d, n in enumerate(index.shape))


def _check_gather_index(name, x_shape, dim, index, src_shape=None):
    """PyTorch's checks on a gather/scatter index: same number of dimensions as the input, no larger than it
    apart from `dim` (and no larger than `src` anywhere), entries in [0, size of dim)."""
    if index.ndim != len(x_shape):
        raise ShapeError(f"{name}(): Index tensor must have the same number of dimensions as input tensor "
                         f"(index has {index.ndim}, input {len(x_shape)})")
    for d, (n, m) in enumerate(zip(index.shape, x_shape)):
        if d != dim and n > m:
            raise ShapeError(f"{name}(): Size does not match at dimension {d}: expected index {list(index.shape)} "
                             f"to be no larger than self {list(x_shape)} apart from dimension {dim}")
    if src_shape is not None:
        if len(src_shape) != index.ndim:
            raise ShapeError(f"{name}(): Index tensor must have the same number of dimensions as src tensor")
        for d, (n, m) in enumerate(zip(index.shape, src_shape)):
            if n > m:
                raise ShapeError(f"{name}(): Size does not match at dimension {d}: expected index "
                                 f"{list(index.shape)} to be no larger than src {list(src_shape)}")
    if index.size:
        low, high = int(index.min()), int(index.max())
        bad = low if low < 0 else high if high >= x_shape[dim] else None
        if bad is not None:
            raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {x_shape[dim]} ({name})")


def _scalar_as_vector(fn, x, *args):
    """fn on a 0-d Value seen as a vector of one element, and the result made 0-d again (PyTorch accepts 0-d
    inputs with dim 0 or -1 for the functions along a dimension)."""
    return reshape(fn(reshape(x, shape=(1,)), *args), shape=())


def refuse_source_of_other_rank(x, source):
    """PyTorch's index_add and index_reduce: a source of input's number of dimensions (a 0-d one for a 0-d input)."""
    if source.ndim != x.ndim:
        raise ShapeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                         f"self.shape = {list(x.shape)} source.shape = {list(source.shape)}")


def along_a_scalar(fn, x, dim, index, source):
    """fn(x, 0, index, source) for a 0-d input x, as PyTorch's writes along a dimension (scatter, scatter_add,
    index_add, index_copy, index_fill, index_reduce) take one with dim 0 or -1: x, the index and a Value source seen
    as vectors of one element, the result made 0-d again (the gradients flow through the reshapes)."""
    check_dim(dim, 0)
    index = np.reshape(index.data if isinstance(index, Value) else index, -1)  # (its dtype checked by fn)
    source = reshape(source, shape=(-1,)) if isinstance(source, Value) else source
    return reshape(fn(reshape(x, shape=(1,)), 0, index, source), shape=())


# ----------------------------------------------------------------------------------------------------
# Reading and writing along a dimension.


def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j][k] = input[index[i][j][k]][j][k] for dim 0 (and so on for other dims), as torch.gather.

    index: integers of the same number of dimensions as input, no larger than input apart from `dim`;
    out has index's shape. The gradient is scattered back (repeated indices add up). `sparse_grad` is accepted
    for PyTorch's sake: the gradient is always a dense array here."""
    x = as_value(input)
    index = index_array(index, "gather")
    if x.ndim == 0 and index.ndim == 0:
        check_dim(dim, 0)
        return _scalar_as_vector(lambda v: gather(v, 0, index.reshape(1)), x)
    dim = check_dim(dim, x.ndim)
    _check_gather_index("gather", x.shape, dim, index)
    return shown_as(getitem(x, along(index, dim)), x, "GatherBackward0")  # PyTorch's node of the one indexing


def _scatter_positions(name, x, dim, index, src):
    index = index_array(index, name)
    if x.ndim == 0:
        raise ShapeError(f"{name}(): needs an input of at least one dimension")
    dim = check_dim(dim, x.ndim)
    src_shape = src.shape if isinstance(src, Value) else None
    _check_gather_index(name, x.shape, dim, index, src_shape)
    if isinstance(src, Value):
        if src.dtype != x.dtype:  # converted to input's dtype, as PyTorch does (differentiably for floats)
            src = src.type(x.dtype)
        if src.shape != index.shape:  # only src's leading block of index's shape is used
            src = getitem(src, tuple(slice(0, n) for n in index.shape))
    return index, along(index, dim), src


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input where out[index[i][j][k]][j][k] = src[i][j][k] for dim 0 (and so on), as torch.scatter
    out of place. src: a Value of at least index's shape (its leading index-shaped block is used), or a number
    (also accepted as `value=`). Where an index repeats a position, the last write wins (NumPy's assignment
    order); PyTorch leaves that case unspecified. reduce='add' or 'multiply' (PyTorch's deprecated spelling of
    scatter_reduce's 'sum' and 'prod' with input's own elements included): each src element is added to (multiplied
    into) its position instead; differentiable here, where PyTorch has no derivative for it.

    Gradients: input's is zero at the written positions; src's is the output gradient at the position each
    element landed on (zero for an element overwritten by a later repeat)."""
    from ..inplace_functions import placed

    if (src is None) == (value is None):
        raise TypeError("scatter(): give either src (a Value or a number) or value (a number)")
    x = as_value(input)
    src = value if src is None else src
    if reduce is not None:
        return _scatter_reduced(x, dim, index, src, reduce)
    if not isinstance(src, Value) and np.ndim(src) != 0:
        src = as_value(np.asarray(src, dtype=x.dtype))
    if x.ndim == 0:
        return along_a_scalar(scatter, x, dim, index, src)
    index, positions, src = _scatter_positions("scatter", x, dim, index, src)
    if not isinstance(src, Value):  # a number
        written = np.zeros(x.shape, dtype=bool)
        written[positions] = True
        return where(written, np.asarray(src, dtype=x.dtype), x)
    source = np.full(x.shape, -1, dtype=np.int64)
    source[positions] = np.arange(index.size).reshape(index.shape)  # which element of src lands where
    return placed(src, source, x)


def _scatter_reduced(x, dim, index, src, reduce):
    """torch.scatter's reduce='add'/'multiply': scatter_reduce's 'sum'/'prod' including x's own elements; a number
    src is that number at every position index names."""
    from .scatters import scatter_reduce

    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if not isinstance(src, Value):
        src = as_value(np.full(index_array(index, "scatter").shape, src, dtype=x.dtype))
    return scatter_reduce(x, dim, index, src, "sum" if reduce == "add" else "prod")


def scatter_add(input, dim, index, src):
    """A copy of input with src[i][j][k] added at out[index[i][j][k]][j][k] for dim 0 (and so on), as
    torch.scatter_add; repeated positions add up. src: a Value of at least index's shape (its leading
    index-shaped block is used). The gradient to input is the output gradient; to src, it gathered at index."""
    x = as_value(input)
    if not isinstance(src, Value):
        src = as_value(np.asarray(src, dtype=x.dtype))
    if x.ndim == 0:
        return along_a_scalar(scatter_add, x, dim, index, src)
    _, positions, src = _scatter_positions("scatter_add", x, dim, index, src)
    return x + scatter_add_at(src, positions, x.shape)


def scatter_add_at(values, index, shape):
    """zeros(shape) with `values` added at the NumPy index `index` (the primitive behind indexing's gradient)."""
    return _scatter_add(values, index=index, shape=tuple(shape))


def index_select(input, dim, index):
    """The entries of input at the positions `index` (a 1-D integer Value, entries in [0, size)) along `dim`, as
    torch.index_select: out has input's shape with dim's size replaced by len(index). A 2-D index raises
    IndexError, an index out of range RuntimeError (PyTorch 2's types)."""
    x = as_value(input)
    index = index_array(index, "index_select")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if x.ndim == 0:
        check_dim(dim, 0)
        return _scalar_as_vector(lambda v: index_select(v, 0, index.reshape(1)), x)
    dim = check_dim(dim, x.ndim)
    index = index.reshape(-1)
    if index.size and (index.min() < 0 or index.max() >= x.shape[dim]):
        raise RuntimeError(f"index_select(): index out of range in self (indices must be in [0, {x.shape[dim]}) "
                           f"along dimension {dim})")
    return shown_as(getitem(x, (slice(None),) * dim + (index,)), x, "IndexSelectBackward0")


def _vector_index_along(name, x, dim, index, source_shape):
    """(dim, index as a vector, the gather-style index of source's shape that sends source's entry i along `dim`
    to position index[i]), after PyTorch's checks: a vector of integers in [0, size); source (unless None) of
    input's shape with dim's size len(index)."""
    index = index_array(index, name)
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    if x.ndim == 0:
        raise ShapeError(f"{name}(): needs an input of at least one dimension")
    dim = check_dim(dim, x.ndim)
    index = index.reshape(-1)
    expected = x.shape[:dim] + (index.size,) + x.shape[dim + 1:]
    if source_shape is not None and tuple(source_shape) != expected:
        raise ShapeError(f"{name}(): source of shape {tuple(source_shape)} does not match: expected {expected} "
                         f"(input's shape with dimension {dim} of the index's length {index.size})")
    if index.size and (index.min() < 0 or index.max() >= x.shape[dim]):
        ours = f"indices must be in [0, {x.shape[dim]}) along dimension {dim}"
        if name != "index_add":  # PyTorch's index_copy_ and index_fill_ name the index (each in its own words)
            bad = int(index.min()) if index.min() < 0 else int(index.max())
            raise IndexError(f"{'index_copy_(): ' if name == 'index_copy' else ''}index {bad} is out of bounds for "
                             f"dimension {dim} with size {x.shape[dim]} ({name}: {ours})")
        raise IndexError(f"index out of range in self ({name}(): {ours})")
    shape = [1] * x.ndim
    shape[dim] = index.size
    return dim, index, np.broadcast_to(index.reshape(shape), expected)


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha·source's entry i added at position index[i] along `dim`, as torch.index_add
    (repeated indices add up). index: a vector of integers; source: input's shape with dim's size len(index). The
    gradient to input is the output gradient; to source, alpha times it read at index."""
    x = as_value(input)
    source = source if isinstance(source, Value) else as_value(np.asarray(source, dtype=x.dtype))
    if x.ndim == 0:
        refuse_source_of_other_rank(x, source)
        return along_a_scalar(lambda *a: index_add(*a, alpha=alpha), x, dim, index, source)
    dim, _, full = _vector_index_along("index_add", x, dim, index, source.shape)
    return scatter_add(x, dim, full, source if alpha == 1 else source * alpha)


def index_copy(input, dim, index, source):
    """A copy of input whose entries at positions index[i] along `dim` are source's entry i, as torch.index_copy
    (a repeated index: the last write wins). Gradients as scatter's."""
    x = as_value(input)
    source = source if isinstance(source, Value) else as_value(np.asarray(source, dtype=x.dtype))
    if x.ndim == 0:
        return along_a_scalar(index_copy, x, dim, index, source)
    dim, _, full = _vector_index_along("index_copy", x, dim, index, source.shape)
    return scatter(x, dim, full, source)


def index_fill(input, dim, index, value):
    """A copy of input with `value` (a number or a 0-d Value) at the positions `index` along `dim`, as
    torch.index_fill. The gradient to input is zero there."""
    x = as_value(input)
    if np.ndim(value.data if isinstance(value, Value) else value) != 0:
        raise RuntimeError("index_fill(): value must be a number or a 0-d Value")
    if x.ndim == 0:  # (the value stays 0-d: along_a_scalar reshapes only a source Value, so it is passed apart)
        return along_a_scalar(lambda v, d, i, _: index_fill(v, d, i, value), x, dim, index, None)
    dim, index, _ = _vector_index_along("index_fill", x, dim, index, None)
    filled = np.zeros(x.shape[dim], dtype=bool)
    filled[index] = True
    shape = [1] * x.ndim
    shape[dim] = x.shape[dim]
    return where(filled.reshape(shape), value if isinstance(value, Value) else np.asarray(value, dtype=x.dtype), x)


def take(input, index):
    """input as a flat vector, read at `index` (integers of any shape; negative ones count from the end), as
    torch.take: out has index's shape."""
    x = as_value(input)
    index = index_array(index, "take")
    if index.size and (index.min() < -x.size or index.max() >= x.size):
        bad = int(index.min()) if index.min() < -x.size else int(index.max())
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {x.size} elements")
    return shown_as(getitem(reshape(x, shape=(-1,)), index), x, "TakeBackward0")


def masked_select(input, mask):
    """The elements of input where the boolean `mask` is True, as a 1-D Value (input and mask broadcast
    together first), as torch.masked_select."""
    x = source = as_value(input)
    mask = np.asarray(mask.data if isinstance(mask, Value) else mask)
    if mask.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        shape = np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ShapeError(f"masked_select: the shape of the mask {mask.shape} does not broadcast with the "
                         f"input's {x.shape}") from None
    if x.shape != shape:
        x = broadcast_to(x, shape=shape)
    return shown_as(getitem(x, np.broadcast_to(mask, shape)), source, "MaskedSelectBackward0")  # PyTorch's node


def narrow(input, dim, start, length):
    """input[..., start:start + length, ...] along `dim` (a view in PyTorch; the gradient flows back into that
    window). start may be negative (counts from the end)."""
    x = as_value(input)
    if x.ndim == 0:  # (before the dim's range, as PyTorch's)
        raise ShapeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = check_dim(dim, x.ndim)
    size = x.shape[dim]
    start, length = int(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start ({start}) is out of range for dimension {dim} of size {size}")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise ShapeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size}).")
    window = getitem(x, (slice(None),) * dim + (slice(start, start + length),))
    if start == 0 and length == size:  # the whole dimension: still PyTorch's SliceBackward0 (in a tuple, x[:, 0:n]
        return shown_as(window, x, "SliceBackward0")  # records none)
    return window


# ----------------------------------------------------------------------------------------------------
# Reordering and triangles.


def _dims(dims, ndim, name):
    if isinstance(dims, numbers.Integral):
        dims = (dims,)
    dims = [check_dim(d, ndim) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name}(): dims has duplicates: {dims} (a dim appears multiple times in the list of dims)")
    return dims


def flip(input, dims):
    """input with the order of its entries reversed along each dim in `dims` (an int or a sequence)."""
    x = as_value(input)
    dims = _dims(dims, x.ndim, "flip")
    if x.ndim == 0 or not dims:
        return shown_as(clone(x), x, "FlipBackward0")  # a copy in the graph, as PyTorch's flip copies
    index = [slice(None)] * x.ndim
    for d in dims:
        index[d] = slice(None, None, -1)
    # a copy: NumPy's x[::-1] is a view, and an in-place change must not reach x
    return shown_as(clone(getitem(x, tuple(index))), x, "FlipBackward0")


def roll(input, shifts, dims=()):
    """input with its entries shifted by `shifts` along `dims` (ints or equally long sequences), wrapping around:
    out[(i + shift) % n] = input[i]. Without dims (() or None), the flattened input is rolled and the shape
    restored."""
    x = as_value(input)
    rolled = _roll(x, shifts, dims)
    if rolled is x:  # shifts of whole turns: a copy all the same, as PyTorch's roll
        rolled = clone(x)
    return shown_as(rolled, x, "RollBackward0")  # PyTorch's one node


def _roll(x, shifts, dims):
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if dims is None or (not isinstance(dims, numbers.Integral) and len(dims) == 0):
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims: 0")
        return reshape(_roll(reshape(x, shape=(-1,)), shifts, 0), shape=x.shape)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    for shift, dim in zip(shifts, dims):
        dim = check_dim(dim, x.ndim, wrap_scalar=False)  # (without dims, a 0-d input rolls as a vector of one)
        n = x.shape[dim]
        if n and int(shift) % n:
            x = getitem(x, (slice(None),) * dim + ((np.arange(n) - int(shift)) % n,))
    return x


def _triangle(x, diagonal, name, lower):
    x = as_value(x)
    if x.ndim < 2:
        raise ShapeError(f"{name}: input tensor must have at least 2 dimensions")
    n, m = x.shape[-2:]
    keep = np.tri(n, m, k=diagonal, dtype=bool) if lower else ~np.tri(n, m, k=diagonal - 1, dtype=bool)
    return shown_as(where(keep, x, np.zeros((), x.dtype)), x, "TrilBackward0" if lower else "TriuBackward0")


def tril(input, diagonal=0):
    """The lower triangle of the last two dimensions (entries with column - row <= diagonal); the rest zero."""
    return _triangle(input, diagonal, "tril", lower=True)


def triu(input, diagonal=0):
    """The upper triangle of the last two dimensions (entries with column - row >= diagonal); the rest zero."""
    return _triangle(input, diagonal, "triu", lower=False)


def _diagonal_positions(n1, n2, offset):
    """Row and column indices of the diagonal `offset` (above the main one if positive) of an n1 × n2 matrix."""
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    i = np.arange(length)
    return (i, i + offset) if offset >= 0 else (i - offset, i)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal `offset` of the matrices spanned by dim1 and dim2, as the last dimension of the result (the
    other dimensions kept in order), as torch.diagonal: a view of input, as PyTorch's (`x.diagonal().zero_()`
    changes x; its stride along the diagonal is the sum of x's along dim1 and dim2, so it is not contiguous)."""
    return _diagonal(as_value(input), int(offset), dim1, dim2)


def _diagonal(x, offset, dim1, dim2):
    dim1, dim2 = _diagonal_dims(x, dim1, dim2, "diagonal")
    return _diagonal_view(x, offset=offset, dim1=dim1, dim2=dim2)


def _diagonal_dims(x, dim1, dim2, name):
    """dim1 and dim2 as non-negative axes of x; PyTorch's errors for bad ones, named `name`."""
    # (fewer than two dimensions: a dim out of range, an IndexError, or the same one twice, as PyTorch's)
    dim1, dim2 = check_dim(dim1, x.ndim), check_dim(dim2, x.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return dim1, dim2


def diagonal_index(x, offset, dim1, dim2, name):
    """(moved, order, index): x with dim1 and dim2 moved last (x itself if they are last already), the order of
    axes that moved it, and the index of diagonal `offset` in `moved`; PyTorch's errors for bad dims, named `name`
    (diagonal_scatter)."""
    dim1, dim2 = _diagonal_dims(x, dim1, dim2, name)
    order = _diagonal_order(x.ndim, dim1, dim2)
    moved = transpose(x, axes=order) if order != tuple(range(x.ndim)) else x
    rows, cols = _diagonal_positions(moved.shape[-2], moved.shape[-1], offset)
    return moved, order, (Ellipsis, rows, cols)


def _diagonal_order(ndim, dim1, dim2):
    """The axes in the order that moves dim1 and dim2 last (the diagonal's result keeps the others in order)."""
    return tuple(d for d in range(ndim) if d not in (dim1, dim2)) + (dim1, dim2)


@primitive("diagonal")
def _diagonal_view(x, offset, dim1, dim2):
    """out[..., i] = x[..., r0 + i, ..., c0 + i, ...] (dim1 and dim2 removed, the diagonal last), as a view of x's
    memory: one stride, the sum of x's along dim1 and dim2, steps along the diagonal. NumPy's np.diagonal is a
    read-only view whose .base is not x's, which the in-place rules could not follow (see `strided_view`)."""
    rows, cols = _diagonal_positions(x.shape[dim1], x.shape[dim2], offset)
    first = [slice(None)] * x.ndim  # x cut so that its first element is the diagonal's (a basic-indexing view)
    if len(rows):
        first[dim1], first[dim2] = slice(int(rows[0]), None), slice(int(cols[0]), None)
    kept = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    shape = tuple(x.shape[d] for d in kept) + (len(rows),)
    strides = tuple(x.strides[d] for d in kept) + (x.strides[dim1] + x.strides[dim2],)
    return strided_view(x[tuple(first)], shape, strides)


def _diagonal_vjp(g, out, x, offset, dim1, dim2):
    # d out[..., i] / d x[..., r0 + i, ..., c0 + i, ...] = 1: g is placed on that diagonal of zeros of x's shape
    # (scattered with dim1 and dim2 last, then moved back)
    shape = x.shape
    order = _diagonal_order(len(shape), dim1, dim2)
    moved = tuple(shape[d] for d in order)
    rows, cols = _diagonal_positions(moved[-2], moved[-1], offset)
    placed = _scatter_add(g, index=(Ellipsis, rows, cols), shape=moved)
    return transpose(placed, axes=tuple(int(i) for i in np.argsort(order)))


_diagonal_view.defvjp(_diagonal_vjp, formulas=("g on the diagonal",))
_diagonal_view.defjvp_linear()
_diagonal_view.views = True


@primitive("contiguous")
def contiguous(x):
    """A copy of x with its elements in memory in C order (Tensor.contiguous() of a Value that is not: a transpose, a
    diagonal, ...); clone keeps x's layout, as PyTorch's does."""
    out = np.array(x, copy=True, order="C")
    return out[()] if out.ndim == 0 else out


contiguous.defvjp(lambda g, out, x: g, formulas=("g",))
contiguous.defjvp_linear()


def strided_view(data, shape, strides):
    """A view of the memory of the ndarray `data`, from data's first element: `shape`, `strides` (in bytes), writable if
    data is (the elements must lie in data's memory). Its `.base` is the array that owns that memory, as for NumPy's own
    views (basic indexing, reshape, transpose), which is how the in-place rules find views
    (version_counter.viewed_array); np.lib.stride_tricks' views hide it behind a helper object. A copy, rarely: when
    that owner is not an ndarray laid out densely (a view of bytes, say), so a change of it does not reach data."""
    buffer = dense_memory(data)
    if buffer is None:
        return np.lib.stride_tricks.as_strided(data, shape, strides, writeable=False).copy()
    address = data.__array_interface__["data"][0] - buffer.__array_interface__["data"][0]
    view = np.ndarray(shape, data.dtype, buffer=buffer, offset=address if math.prod(shape) else 0, strides=strides)
    if view.flags.writeable and not data.flags.writeable:  # a view of a broadcast: read-only as it is
        view.flags.writeable = False
    return view  # NumPy gives a view of a view of `owner` the base `owner`


def strided_positions(first, shape, steps):
    """The position of each element of an array of `shape` laid out from position `first` with `steps` (one per
    dimension, in elements) between neighbours: first + Σ iₖ·steps[k], an intp array of `shape`."""
    positions = np.full(shape, first, dtype=np.intp)
    for axis, (n, step) in enumerate(zip(shape, steps)):
        positions = positions + (np.arange(n, dtype=np.intp) * step).reshape(
            (1,) * axis + (n,) + (1,) * (len(shape) - axis - 1))
    return positions


def dense_memory(data):
    """The ndarray owning the memory of the ndarray `data` (data itself, or its base), its axes ordered so that it is
    C-contiguous (the memory read flat, from its lowest address); None when there is no such array."""
    return _dense_layout(data if data.base is None else data.base)


def _dense_layout(owner):
    """`owner` (an ndarray owning its memory) with its axes ordered so that it is C-contiguous (what an ndarray's
    buffer must be), or None if it is not an ndarray or no order is."""
    if owner.__class__ not in NUMPY_ARRAYS:
        return None
    if owner.flags.c_contiguous:
        return owner
    order = tuple(int(i) for i in np.argsort([-abs(s) for s in owner.strides], kind="stable"))
    moved = owner.transpose(order)
    return moved if moved.flags.c_contiguous else None


def diag(input, diagonal=0):
    """1-D input: the square matrix with input on its diagonal `diagonal` (zeros elsewhere). 2-D input: that
    diagonal of the matrix, as a 1-D Value: a copy, as PyTorch's (Tensor.diagonal is the view). As torch.diag."""
    x = as_value(input)
    diagonal = int(diagonal)
    if x.ndim == 1:
        n = x.shape[0] + abs(diagonal)
        return scatter_add_at(x, _diagonal_positions(n, n, diagonal), (n, n))
    if x.ndim == 2:
        return clone(_diagonal(x, diagonal, 0, 1))
    raise ShapeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def trace(input):
    """The sum of the main diagonal of a matrix."""
    x = as_value(input)
    if x.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    return shown_as(_diagonal(x, 0, 0, 1).sum(), x, "TraceBackward0")  # PyTorch's one node
