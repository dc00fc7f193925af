"""PyTorch's functions that rearrange a Value or cut it up without computing anything: movedim, swapdims,
atleast_1d/2d/3d, meshgrid, broadcast_tensors, broadcast_shapes, column_stack, dstack, row_stack, tensor_split,
hsplit/vsplit/dsplit, split_with_sizes, unflatten, rot90, fliplr/flipud, select, take_along_dim, ravel, block_diag,
cartesian_prod, combinations, diag_embed, diagflat, and the index makers tril_indices, triu_indices,
unravel_index.

All are compositions of the shape primitives (getitem, whose gradient scatters back; reshape; transpose;
broadcast_to; concatenate), so gradients, forward mode, higher derivatives and compile come from those. The index
makers return int64 Values and no gradient, as in PyTorch.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import warnings

import numpy as np

from ..errors import ShapeError
from ..grad_fn_chain_tops import declare_top_of
from ..one_node import shown_as
from ..value import Value
from .index import as_value, check_dim, diag, flip, index_array, scatter_add_at
from .pieces import split, split_views, tensor_list, vstack
from .promotion import promote_types
from .shape import broadcast_to, concatenate, getitem, reshape, stack, transpose
from .shape import swapaxes as swapaxes_primitive


def _permuted(x, order):
    """x.permute(order): PermuteBackward0, the identity order too (PyTorch records it)."""
    return transpose(x, axes=tuple(order))


def _int_dims(dims):
    return (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)


def movedim(input, source, destination):
    """input with its dimensions `source` (an int or a sequence) moved to positions `destination` (as many), the
    others kept in their order, as torch.movedim (NumPy's moveaxis)."""
    x = as_value(input)
    if isinstance(source, numbers.Integral) != isinstance(destination, numbers.Integral):  # PyTorch's two overloads
        raise TypeError(f"movedim() received an invalid combination of arguments - got ({type(source).__name__}, "
                        f"{type(destination).__name__}): give two ints or two sequences of ints")
    source, destination = _int_dims(source), _int_dims(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    source = [check_dim(d, x.ndim) for d in source]
    destination = [check_dim(d, x.ndim) for d in destination]
    for name, dims in (("source", source), ("destination", destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if x.ndim == 0:  # PyTorch's movedim of a 0-d tensor: an alias of it
        return reshape.named("AliasBackward0")(x, shape=())
    order = [d for d in range(x.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return _permuted(x, order)


moveaxis = movedim


def swapdims(input, dim0, dim1):
    """input with dimensions dim0 and dim1 interchanged (torch.swapdims, torch.swapaxes, torch.transpose)."""
    x = as_value(input)
    dim0, dim1 = check_dim(dim0, x.ndim), check_dim(dim1, x.ndim)
    if x.ndim == 0:  # (a view of the same 0-d tensor, still PyTorch's TransposeBackward0)
        return reshape.named("TransposeBackward0")(x, shape=())
    return swapaxes_primitive(x, axis1=dim0, axis2=dim1)  # TransposeBackward0, as PyTorch's transpose


def swapaxes(input, axis0, axis1):
    """torch.swapaxes: swapdims under NumPy's argument names."""
    return swapdims(input, axis0, axis1)


def _tensors(tensors, name):
    """The Values of a call f(a, b, c) or f([a, b, c]), and whether one Value was given alone."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return [as_value(t) for t in tensors[0]], False
    return [as_value(t) for t in tensors], len(tensors) == 1


def _atleast(tensors, ndim, shape_of):
    values, alone = _tensors(tensors, f"atleast_{ndim}d")
    out = [x if x.ndim >= ndim else reshape(x, shape=shape_of(x)) if x.ndim == 0 else _unsqueezed(x, ndim)
           for x in values]
    return out[0] if alone else tuple(out)


def _unsqueezed(x, ndim):
    """PyTorch's atleast_2d/3d of a vector or matrix: unsqueezes (UnsqueezeBackward0 each), a 0-d input's a reshape:
    (n,) -> (1, n) [-> (1, n, 1)], (m, n) -> (m, n, 1)."""
    if x.ndim == 1:
        x = x.unsqueeze(0)
    return x.unsqueeze(-1) if ndim == 3 else x


def atleast_1d(*tensors):
    """Each input with at least one dimension (0-d becomes shape (1,)): one Value for one input, else a tuple."""
    return _atleast(tensors, 1, lambda x: (1,))


def atleast_2d(*tensors):
    """Each input with at least two dimensions: 0-d becomes (1, 1), 1-D (n,) becomes the row (1, n)."""
    return _atleast(tensors, 2, lambda x: (1, x.size))


def atleast_3d(*tensors):
    """Each input with at least three dimensions: 0-d becomes (1, 1, 1), 1-D (n,) becomes (1, n, 1), 2-D (m, n)
    becomes (m, n, 1), as NumPy's atleast_3d."""
    return _atleast(tensors, 3, lambda x: (1, 1, 1) if x.ndim == 0 else (1, x.size, 1) if x.ndim == 1 else
                    x.shape + (1,))


_INDEXING_WARNED = []


def _warn_indexing_once():
    """PyTorch's warning for meshgrid without indexing=, as it gives it: once a process (the UvA flows tutorial's
    checkerboard mask calls `torch.meshgrid(x, y)`)."""
    if not _INDEXING_WARNED:
        _INDEXING_WARNED.append(True)
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=3)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D inputs of lengths n1, ..., nk: k Values of shape (n1, ..., nk), the i-th varying
    along dimension i (indexing='ij', the default) or with the first two dimensions swapped (indexing='xy',
    NumPy's default: shape (n2, n1, ...)). Each grid's gradient sums back to its input."""
    values, _ = _tensors(tensors, "meshgrid")
    if indexing is None:
        _warn_indexing_once()
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not values:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for x in values:
        if x.ndim > 1:
            raise ShapeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {x.ndim}D")
    values = [reshape(x, shape=(x.size,)) for x in values]
    swap = indexing == "xy" and len(values) >= 2
    if swap:
        values[0], values[1] = values[1], values[0]
    shape = tuple(x.shape[0] for x in values)
    grids = [broadcast_to(reshape(x, shape=(1,) * i + (-1,) + (1,) * (len(values) - i - 1)), shape=shape)
             for i, x in enumerate(values)]
    if swap:  # the grids of the swapped inputs, back in the order of the inputs
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def broadcast_shapes(*shapes):
    """The shape that inputs of these shapes (tuples or ints) broadcast to, as a tuple (PyTorch's torch.Size)."""
    shapes = [(int(s),) if isinstance(s, numbers.Integral) else tuple(int(n) for n in s) for s in shapes]
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


def broadcast_tensors(*tensors):
    """The inputs broadcast to their common shape (a tuple of Values); gradients sum back over the broadcast axes."""
    values, _ = _tensors(tensors, "broadcast_tensors")
    shape = broadcast_shapes(*[x.shape for x in values])
    return tuple(x if x.shape == shape else broadcast_to(x, shape=shape) for x in values)


def column_stack(tensors):
    """Join along dimension 1, after making 0-d and 1-D inputs columns (shape (n, 1))."""
    xs = [x if x.ndim >= 2 else reshape(x, shape=(x.size, 1)) for x in tensor_list(tensors, "column_stack")]
    return concatenate(xs, axis=1)


def dstack(tensors):
    """Join along dimension 2 (depth), after atleast_3d on each input."""
    return concatenate(list(atleast_3d(tensor_list(tensors, "dstack"))), axis=2)


def row_stack(tensors):
    """torch.row_stack: vstack."""
    return vstack(tensors)


def tensor_split(input, indices_or_sections, dim=0):
    """Pieces of input along `dim`, as torch.tensor_split (a tuple of Values):

    * sections (an int, or a 0-d integer Value): that many pieces, the first n % sections of them one entry longer;
    * indices (a sequence, or a 1-D integer Value): the pieces input[:i0], input[i0:i1], ..., input[ik:] along dim,
      with Python's slicing (negative indices count from the end; out-of-range ones give empty pieces).
    """
    x = as_value(input)
    if x.ndim == 0:
        raise ShapeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = check_dim(dim, x.ndim)
    n = x.shape[dim]
    how = indices_or_sections
    if isinstance(how, (Value, np.ndarray)):
        data = index_array(how, "tensor_split")
        if data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {data.ndim} dims")
        how = int(data) if data.ndim == 0 else [int(i) for i in data]
    if isinstance(how, numbers.Integral):
        sections = int(how)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, extra = divmod(n, sections)
        sizes = [size + 1] * extra + [size] * (sections - extra)
        return split_views(x, sizes, dim)  # PyTorch's tensor_split makes views free to change in place
    bounds = [None, *(int(i) for i in how), None]
    return tuple(getitem(x, (slice(None),) * dim + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:]))


def _split_along(name, x, how, dim, min_ndim):
    x = as_value(x)
    if x.ndim < min_ndim:
        raise ShapeError(f"torch.{name} requires a tensor with at least {min_ndim} dimension"
                         f"{'s' if min_ndim > 1 else ''}, but got a tensor with {x.ndim} dimensions!")
    if isinstance(how, numbers.Integral) and (how == 0 or x.shape[dim] % how):
        raise ShapeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                         f"{x.shape[dim]} is not divisible by the split_size {how}!")
    return tensor_split(x, how, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dimension 1 (0 for a 1-D input); sections must divide that dimension's size."""
    x = as_value(input)
    return _split_along("hsplit", x, indices_or_sections, 1 if x.ndim > 1 else 0, 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dimension 0 of an input of at least 2 dimensions; sections must divide its size."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dimension 2 of an input of at least 3 dimensions; sections must divide its size."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input, split_sizes, dim=0):
    """Consecutive pieces of the given lengths (which must sum to the size of dim) along dim."""
    return split(input, list(split_sizes), dim)


def unflatten(input, dim, sizes):
    """input with dimension `dim` replaced by dimensions of the given `sizes` (one may be -1), whose product must be
    that dimension's size: the inverse of flatten, as torch.unflatten."""
    x = as_value(input)
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    dim = check_dim(dim, x.ndim)  # (out of range: PyTorch's IndexError, 0-d inputs too)
    if x.ndim == 0:  # dim 0 or -1, which PyTorch's view cannot wrap: its IndexError wrapped in a RuntimeError
        raise RuntimeError(f"unflatten got an unexpected error:\nDimension specified as {dim} but tensor has no "
                           f"dimensions")
    n = x.shape[dim]
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if known == 0 or n % known:
            raise ShapeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({n}) "
                             "in the input tensor")
        sizes[sizes.index(-1)] = n // known
    elif known != n:
        raise ShapeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({n}) in "
                         "the input tensor")
    # PyTorch's unflatten is a view (ViewBackward0 whatever the strides)
    return reshape.named("ViewBackward0")(x, shape=x.shape[:dim] + tuple(sizes) + x.shape[dim + 1:])


def rot90(input, k=1, dims=(0, 1)):
    """input rotated by k · 90° in the plane of `dims`, from the first toward the second (np.rot90's direction)."""
    x = as_value(input)
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise ShapeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = check_dim(dims[0], x.ndim), check_dim(dims[1], x.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = int(k) % 4
    if k == 1:
        out = swapdims(flip(x, d1), d0, d1)
    elif k == 2:
        out = flip(x, (d0, d1))
    elif k == 3:
        out = flip(swapdims(x, d0, d1), d1)
    else:
        out = getitem(x, ())  # a copy, as PyTorch's
    return shown_as(out, x, "Rot90Backward0")  # PyTorch's one node


def fliplr(input):
    """input reversed along dimension 1 (left to right); needs at least 2 dimensions."""
    x = as_value(input)
    if x.ndim < 2:
        raise ShapeError("Input must be >= 2-d.")
    return flip(x, 1)


def flipud(input):
    """input reversed along dimension 0 (up to down); needs at least 1 dimension."""
    x = as_value(input)
    if x.ndim < 1:
        raise ShapeError("Input must be >= 1-d.")
    return flip(x, 0)


def select(input, dim, index):
    """The slice of input at position `index` (negative counts from the end) along `dim`: one dimension fewer."""
    x = as_value(input)
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = check_dim(dim, x.ndim)
    n = x.shape[dim]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension "
                         f"{dim}")
    return getitem(x, (slice(None),) * dim + (index % n,))


def take_along_dim(input, indices, dim=None):
    """The entries of input at `indices` along `dim` (NumPy's take_along_axis): input and indices have the same
    number of dimensions and broadcast against each other apart from dim. Without dim, both are flattened first.
    The gradient scatters back (repeated indices add up)."""
    x = as_value(input)
    idx = index_array(indices, "take_along_dim" if dim is not None else "gather")  # PyTorch's flat form is a gather
    if dim is None:
        x, idx, dim = reshape(x, shape=(-1,)), idx.reshape(-1), 0
    if x.ndim != idx.ndim:
        raise ShapeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                         f"but got {x.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    dim = check_dim(dim, x.ndim, wrap_scalar=False)  # (a 0-d input needs dim=None, as PyTorch's)
    n = x.shape[dim]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n} (take_along_dim)")
    out_shape = [idx.shape[d] if d == dim else broadcast_shapes((x.shape[d],), (idx.shape[d],))[0]
                 for d in range(x.ndim)]
    index = []
    for d in range(x.ndim):
        if d == dim:
            index.append(np.broadcast_to(idx % n if n else idx, out_shape))
        else:  # where input has length 1 along d, its one entry serves every position
            positions = np.arange(out_shape[d]) if x.shape[d] != 1 else np.zeros(out_shape[d], dtype=np.intp)
            index.append(positions.reshape((1,) * d + (-1,) + (1,) * (x.ndim - d - 1)))
    return getitem(x, tuple(index))


def ravel(input):
    """input as a 1-D Value (row-major order): PyTorch's contiguous().view(-1) (a copy first where its elements are
    not in that order: CloneBackward0, then ViewBackward0)."""
    return reshape.named("ViewBackward0")(as_value(input).contiguous(), shape=(-1,))


def block_diag(*tensors):
    """The block-diagonal matrix of the inputs (0-d: a 1 × 1 block; 1-D of length n: a 1 × n block; 2-D: itself),
    zeros elsewhere, in the dtype all of them promote to."""
    values = [as_value(t) for t in tensors]
    for i, x in enumerate(values):
        if x.ndim > 2:
            raise ShapeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                             f"{x.ndim} dimensions")
    if not values:
        return Value(np.zeros((1, 0), dtype=np.float32), requires_grad=False)
    dtype = functools.reduce(promote_types, [x.dtype for x in values])
    blocks = square = [x if x.ndim == 2 else reshape(x, shape=(1, x.size)) for x in values]
    blocks = [b if b.dtype == dtype else _cast(b, dtype) for b in blocks]
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b.shape
        parts = [np.zeros((h, left), dtype), b, np.zeros((h, width - left - w), dtype)]
        rows.append(concatenate(parts, axis=1))
        left += w
    # PyTorch's one node over the inputs (None for one that needs no gradient)
    out = shown_as(concatenate(rows, axis=0), tuple(x if x.requires_grad else None for x in values),
                   "BlockDiagBackward0")
    if out.requires_grad and not all(x.requires_grad for x in values):
        # (for node hooks: PyTorch's node computes every input's block, a constant's too (a vector's as a matrix), as
        # its cat does: the top of a chain whose entries are all the inputs)
        entries = tuple(x if x.requires_grad or x.ndim == 0 else b for x, b in zip(values, square))
        declare_top_of(out, lambda out, *inputs: entries, lambda out, *blocks: block_diag(*blocks), every=True)
    return out


def _cast(x, dtype):
    return x.astype(dtype) if dtype.kind == "f" else as_value(np.asarray(x.data).astype(dtype))


def cartesian_prod(*tensors):
    """Every combination of one entry from each 1-D input, as rows of a (N, k) Value (N the product of the lengths),
    the last input varying fastest (itertools.product's order); one input is returned as it is."""
    values = [as_value(t) for t in tensors]
    for x in values:
        if x.ndim != 1:
            raise ShapeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if len(values) == 1:
        return values[0]
    grids = meshgrid(*values, indexing="ij")
    return stack([reshape(g, shape=(-1,)) for g in grids], axis=1)


def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of the entries of the 1-D input, as rows of a (N, r) Value in itertools'
    order (itertools.combinations, or combinations_with_replacement). r=0 gives an empty 1-D Value."""
    x = as_value(input)
    if x.ndim != 1:
        raise ShapeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    r = int(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return getitem(x, (slice(0, 0),))
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(make(range(x.shape[0]), r)), dtype=np.intp).reshape(-1, r)
    return getitem(x, (rows,))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A Value of one more dimension whose matrices in the plane (dim1, dim2) of the result hold input's last
    dimension on their diagonal `offset` (zeros elsewhere), as torch.diag_embed; the matrices are n + |offset|
    square for a last dimension of length n."""
    x = as_value(input)
    ndim = x.ndim + 1
    d1, d2 = check_dim(dim1, ndim), check_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = int(offset)
    n = x.shape[-1]
    m = n + abs(offset)
    i = np.arange(n)
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    out = scatter_add_at(x, (Ellipsis, rows, cols), x.shape[:-1] + (m, m))
    # The matrices are the last two dimensions here: move them to (d1, d2). PyTorch's one node.
    return shown_as(movedim(out, (-2, -1), (d1, d2)), x, "DiagEmbedBackward0")


def diagflat(input, offset=0):
    """The square matrix with the flattened input on its diagonal `offset`, zeros elsewhere."""
    return diag(reshape(as_value(input), shape=(-1,)), int(offset))


def _indices(which, row, col, offset, dtype):
    rows, cols = which(int(row), int(offset), int(col))
    if dtype is None:
        dtype = np.int64
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise RuntimeError(f"\"{which.__name__}\" not implemented for '{dtype}'")
    return as_value(np.stack([rows, cols]).astype(dtype).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) positions of the lower triangle (column - row <= offset) of a row × col matrix, as a
    (2, N) int64 Value in row-major order."""
    return _indices(np.tril_indices, row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) positions of the upper triangle (column - row >= offset) of a row × col matrix, as a
    (2, N) int64 Value in row-major order."""
    return _indices(np.triu_indices, row, col, offset, dtype)


def unravel_index(indices, shape):
    """The coordinates in an array of `shape` of each flat (row-major) index: a tuple of int64 Values of indices'
    shape, one per dimension. Indices wrap modulo the number of elements, as PyTorch's do (-1 is the last)."""
    idx = index_array(indices, "unravel_index")
    shape = (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    total = math.prod(shape)
    if total == 0 and idx.size:
        raise ValueError("'indices' must be in range [0, 0) for an empty shape")
    flat = idx % total if total else idx
    coords = np.unravel_index(flat, shape) if shape else ()
    return tuple(as_value(np.asarray(c, dtype=np.int64)) for c in coords)
