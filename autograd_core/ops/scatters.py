"""Writing into a copy of a Value: PyTorch's scatter_reduce and index_reduce (sum, prod, mean, amax, amin, with or
without the input's own elements), select_scatter, slice_scatter, diagonal_scatter, masked_scatter, put, index_put,
narrow_copy, and fill_diagonal (the out-of-place form of x.fill_diagonal_).

scatter_reduce is a primitive: for each position p of `index`, src[p] joins the reduction at the element of input
whose coordinate along `dim` is index[p] and whose other coordinates are p's (`along` of index.py). Its derivatives
are PyTorch's, written as one factor per input, so that the same factors give the VJP (g · factor for input,
g gathered at index · factor for src) and the JVP (t · factor, and t · factor scattered back):

    sum    ∂out/∂input = 1                 ∂out/∂src = 1
    mean   ∂out/∂input = 1 / N             ∂out/∂src = 1 / N at its target, N = the count of what was averaged
    prod   ∂out/∂input = out / input       ∂out/∂src = out / src at its target (products of the others where one is 0)
    amax   ∂out/∂input = [input = out] / N ∂out/∂src = [src = out at its target] / N, N = how many equal the extremum
    amin   (as amax)

and, without the input's elements (include_self=False), ∂out/∂input is 0 wherever something was scattered. N for amax
and amin counts the input's element when it equals the result even with include_self=False: PyTorch's rule, kept so
that gradients agree. The others are compositions of `getitem`, `scatter_add` and `where`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ShapeError, scalar_type_name
from ..value import Value
from .elementwise import data_of, where
from .index import (_check_gather_index, _vector_index_along, along, along_a_scalar, as_value, check_dim, index_array,
                    narrow, refuse_source_of_other_rank)
from .primitive import primitive
from .shape import broadcast_to, byte_mask, getitem, reshape, transpose
from .shape import scatter_add as _scatter_add

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _refuse_complex(kernel, x, src=None, order=False):
    """PyTorch's refusals for complex data: of amax and amin (`order`: no order among complex numbers), and of a
    gradient (it computes scatter_reduce and index_reduce of complex data without one)."""
    from .complex import refuse_complex_differentiation, refuse_complex_kernel  # (loads after this module)

    if order:
        refuse_complex_kernel(kernel, x)
    refuse_complex_differentiation(kernel, x, src)


def _initial(reduce, dtype):
    """The identity of a reduction in dtype: what an element holds before the scattered ones join it when
    include_self=False."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _counts(shape, index, dim, include_self):
    """N of mean: how many elements each output element averages (the input's own when include_self), at least 1."""
    counts = np.full(shape, 1 if include_self else 0, dtype=np.int64)
    np.add.at(counts, along(index, dim), 1)
    return np.maximum(counts, 1)


def _written(shape, index, dim):
    """True where at least one element of src is scattered."""
    mask = np.zeros(shape, dtype=bool)
    mask[along(index, dim)] = True
    return mask


@primitive("scatter_reduce")
def _scatter_reduce(x, src, *, dim, index, reduce, include_self):
    """x with src[p] reduced into the element at along(index, dim)[p] (index and src of one shape)."""
    x = np.asarray(x)
    out = np.array(x, copy=True)
    positions = along(index, dim)
    if not include_self:
        out[positions] = _initial(reduce, out.dtype)
    _UFUNCS[reduce].at(out, positions, src)
    if reduce == "mean":
        counts = _counts(x.shape, index, dim, include_self)
        out = out // counts if out.dtype.kind in "iu" else (out / counts).astype(out.dtype)  # PyTorch: floor for ints
    return out[()] if out.ndim == 0 else out


def _ties(out, x, src, positions, dtype):
    """amax/amin: where input and src equal the extremum at their target, and how many do there (input's element
    counted even with include_self=False: PyTorch's count)."""
    o = data_of(out)
    self_is, src_is = data_of(x) == o, data_of(src) == o[positions]
    ties = self_is.astype(dtype)
    np.add.at(ties, positions, src_is)
    return self_is, src_is, ties


def _self_factor(out, x, src, dim, index, reduce, include_self):
    """∂out/∂input elementwise (see the module's docstring), an array or a Value."""
    shape, dtype = np.shape(data_of(out)), np.result_type(data_of(out))
    if reduce == "sum":
        factor = np.ones((), dtype)
    elif reduce == "mean":
        factor = 1 / _counts(shape, index, dim, include_self).astype(dtype)
    elif reduce in ("amax", "amin"):
        self_is, _, ties = _ties(out, x, src, along(index, dim), dtype)
        factor = self_is / ties
    else:  # prod: the product of the others (src and input's zeros replaced by 1 only where input is 0)
        masked_x = where(data_of(x) == 0, np.ones((), dtype), x)
        factor = _scatter_reduce(masked_x, src, dim=dim, index=index, reduce=reduce,
                                 include_self=include_self) / masked_x
    if include_self:
        return factor
    return where(_written(shape, index, dim), np.zeros((), dtype), factor)  # input's element was replaced


def _src_factor(out, x, src, dim, index, reduce, include_self):
    """∂out[target of p]/∂src[p] for each position p of index (index's shape), an array or a Value."""
    positions, dtype = along(index, dim), np.result_type(data_of(out))
    one = np.ones((), dtype)
    if reduce == "sum":
        return one
    if reduce == "mean":
        return 1 / _counts(np.shape(data_of(out)), index, dim, include_self).astype(dtype)[positions]
    if reduce in ("amax", "amin"):
        _, src_is, ties = _ties(out, x, src, positions, dtype)
        return src_is / ties[positions]
    # prod: out / src, except for the only zero of its group, where out / src would be 0: the product of the others
    src_zero = data_of(src) == 0
    zeros_at_target = np.zeros(np.shape(data_of(out)), np.int64)
    np.add.at(zeros_at_target, positions, src_zero)
    single_zero = src_zero & (zeros_at_target[positions] == 1)
    others = _scatter_reduce(x, where(single_zero, one, src), dim=dim, index=index, reduce=reduce,
                             include_self=include_self)
    return where(single_zero, getitem(others, positions), getitem(out, positions) / where(src_zero, one, src))


def _vjp_x(g, out, x, src, **params):
    return g * _self_factor(out, x, src, **params)


def _vjp_src(g, out, x, src, **params):
    return getitem(g, along(params["index"], params["dim"])) * _src_factor(out, x, src, **params)


def _jvp_x(t, out, x, src, **params):
    return t * _self_factor(out, x, src, **params)


def _jvp_src(t, out, x, src, **params):
    positions = along(params["index"], params["dim"])
    return _scatter_add(t * _src_factor(out, x, src, **params), index=positions, shape=np.shape(data_of(out)))


_scatter_reduce.defvjp(_vjp_x, _vjp_src, formulas=("g·∂out/∂input", "g[index]·∂out/∂src"))
_scatter_reduce.defjvp(_jvp_x, _jvp_src)
_scatter_reduce.defcomplex()  # complex data computed as PyTorch's (which has no complex gradient: refused above)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input where each src[i][j][k] joins the reduction at out[index[i][j][k]][j][k] for dim 0 (and so on),
    as torch.scatter_reduce. reduce: 'sum', 'prod', 'mean', 'amax' or 'amin'; include_self: whether input's own
    element takes part (else an element that receives something is the reduction of what it receives). Elements that
    receive nothing keep input's. 'mean' of integers rounds toward -inf, as PyTorch. index: integers of input's
    number of dimensions, no larger than src anywhere nor than input apart from dim; src: input's dtype.

    Gradients are PyTorch's (see the module's docstring): ties of amax/amin share the gradient equally."""
    x = as_value(input)
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of {', '.join(REDUCTIONS)}, got {reduce!r}")
    if reduce in ("amax", "amin"):
        _refuse_complex(f"scatter_gather_tensor_cpu_reduce_{reduce}", x, order=True)
    src = as_value(src)
    _refuse_complex("scatter_reduce", x, src)
    index = index_array(index, "scatter_reduce")
    if x.dtype != src.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype ({x.dtype} and "
                           f"{src.dtype})")
    if x.ndim == 0:
        return reshape(scatter_reduce(reshape(x, shape=(1,)), dim, index.reshape(-1), reshape(src, shape=(-1,)),
                                      reduce, include_self=include_self), shape=())
    dim = check_dim(dim, x.ndim)
    _check_gather_index("scatter_reduce", x.shape, dim, index, src.shape)
    if src.shape != index.shape:  # only src's leading block of index's shape is used
        src = getitem(src, tuple(slice(0, n) for n in index.shape))
    return _scatter_reduce(x, src, dim=dim, index=index, reduce=reduce, include_self=bool(include_self))


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of input where source's slice i along `dim` joins the reduction at position index[i], as
    torch.index_reduce. reduce: 'prod', 'mean', 'amax' or 'amin' (PyTorch's choices; index_add is the sum);
    index: a vector of integers in [0, size); source: input's shape with dim's size len(index). Gradients as
    scatter_reduce's."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    x = as_value(input)
    if reduce in ("amax", "amin"):  # (PyTorch's words: its elementwise kernels')
        _refuse_complex(f"{'maximum' if reduce == 'amax' else 'minimum'}_cpu", x, order=True)
    if not include_self:
        _refuse_complex("index_reduce_func_exclude_input_init", x, order=True)
    source = as_value(source)
    _refuse_complex("index_reduce", x, source)
    if x.ndim == 0:
        refuse_source_of_other_rank(x, source)
        return along_a_scalar(lambda *a: index_reduce(*a, reduce, include_self=include_self), x, dim, index, source)
    dim, _, full = _vector_index_along("index_reduce", x, dim, index, source.shape)
    return scatter_reduce(x, dim, np.ascontiguousarray(full), source, reduce, include_self=include_self)


# ----------------------------------------------------------------------------------------------------
# A Value written into a region of a copy: x[region] = src, differentiable in both.


def _embedded(x, region, src, name):
    """x with src at x[region] (a NumPy index that never repeats an element): where(region, src placed, x). src
    must have x[region]'s shape; it is converted to x's dtype, as PyTorch converts it."""
    src = as_value(src)
    shape = np.empty(x.shape, dtype=bool)[region].shape
    if src.shape != shape:
        raise ShapeError(f"{name}(): expected src to have a size equal to the slice of self. src size = "
                         f"{list(src.shape)}, slice size = {list(shape)}")
    if src.dtype != x.dtype:
        src = src.type(x.dtype)
    mask = np.zeros(x.shape, dtype=bool)
    mask[region] = True
    return where(mask, _scatter_add(src, index=region, shape=x.shape), x)


def select_scatter(input, src, dim, index):
    """A copy of input with src at input.select(dim, index) (src of that shape), as torch.select_scatter; the
    gradient to input is zero there, to src the output gradient read there."""
    x = as_value(input)
    if x.ndim == 0:
        raise IndexError("select_scatter(): cannot be applied to a 0-dim tensor")
    dim = check_dim(dim, x.ndim)
    size = x.shape[dim]
    if not isinstance(index, numbers.Integral) or not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {dim}")
    return _embedded(x, (slice(None),) * dim + (int(index) % size,), src, "select_scatter")


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with src at input[..., start:end:step, ...] along `dim` (src of that shape), as
    torch.slice_scatter; the gradient to input is zero there, to src the output gradient read there."""
    x = as_value(input)
    dim = check_dim(dim, x.ndim)
    if step is None:
        step = 1
    if step <= 0:
        raise RuntimeError("slice_scatter(): slice step must be positive")
    return _embedded(x, (slice(None),) * dim + (slice(start, end, step),), src, "slice_scatter")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with src on input.diagonal(offset, dim1, dim2) (src of that shape: the other dimensions, then
    the diagonal's length), as torch.diagonal_scatter; gradients as select_scatter's."""
    from .index import diagonal_index

    x = as_value(input)
    moved, order, index = diagonal_index(x, int(offset), dim1, dim2, "diagonal_scatter")
    out = _embedded(moved, index, src, "diagonal_scatter")
    return transpose(out, axes=tuple(np.argsort(order))) if moved is not x else out


def masked_scatter(input, mask, source):
    """A copy of input (broadcast with the boolean mask) whose elements where mask is True take source's elements in
    order (source read flat, at least as many elements as mask has True), as torch.masked_scatter. Gradients: to input
    where mask is False, to each element of source that was used, the output gradient where it landed."""
    from ..inplace_functions import placed

    x = as_value(input)
    mask = np.asarray(data_of(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{scalar_type_name(mask.dtype)}")
    source = as_value(source)
    shape = np.broadcast_shapes(x.shape, mask.shape)
    if x.shape != shape:
        x = broadcast_to(x, shape=shape)
    mask = np.broadcast_to(mask, shape)
    count = int(mask.sum())
    if source.size < count:
        raise ShapeError(f"masked_scatter: Number of elements of source < number of ones in mask ({source.size} < "
                         f"{count})")
    if source.dtype != x.dtype:  # PyTorch converts for the other functions here, not for this one
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got {x.dtype} and "
                           f"{source.dtype}")
    order = np.where(mask, np.cumsum(mask.reshape(-1)).reshape(shape) - 1, -1)  # which element of source lands where
    return placed(source, order, x)


def put(input, index, source, accumulate=False):
    """A copy of input, seen as a flat vector, with source's elements written (or added, accumulate=True) at the
    positions index (integers; negative count from the end), as torch.put. Where an index repeats without
    accumulate, the last write wins. Gradients as scatter's (accumulate: as scatter_add's)."""
    from ..inplace_functions import placed

    x = as_value(input)
    index = index_array(index, "put").reshape(-1)
    source = as_value(source)
    if source.size != index.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.size}, index.numel() = {index.size}")
    if index.size and (index.min() < -x.size or index.max() >= x.size):
        bad = int(index.min()) if index.min() < -x.size else int(index.max())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {x.size} elements.")
    if source.dtype != x.dtype:
        source = source.type(x.dtype)
    flat, values, index = reshape(x, shape=(-1,)), reshape(source, shape=(-1,)), index % max(x.size, 1)
    if accumulate:
        return reshape(flat + _scatter_add(values, index=(index,), shape=(x.size,)), shape=x.shape)
    order = np.full(x.size, -1, dtype=np.int64)
    order[index] = np.arange(index.size)  # NumPy's assignment: the last of repeated positions wins
    return reshape(placed(values, order, flat), shape=x.shape)


def index_put(input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (or += with accumulate=True, repeated positions adding up), as
    torch.index_put: indices a tuple of integer or boolean index Values (NumPy's advanced indexing; None keeps a
    whole dimension), values broadcast to input[indices]'s shape."""
    from ..inplace_functions import placed

    x = as_value(input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): indices must be a tuple of Values, not {type(indices).__name__}")
    region = []
    for i in indices:  # a loop, not a generator: byte_mask's warning points at index_put's caller
        if i is None:
            region.append(slice(None))
            continue
        i = np.asarray(data_of(i))
        if i.dtype.kind not in "biu":
            raise IndexError(f"index_put(): tensors used as indices must be long, int, byte or bool tensors, got "
                             f"{i.dtype}")
        region.append(byte_mask(i, stacklevel=2))
    region = tuple(region)
    shape = np.empty(x.shape, dtype=bool)[region].shape
    values = as_value(values)
    if values.dtype != x.dtype:
        values = values.type(x.dtype)
    if values.shape != shape:
        values = broadcast_to(values, shape=shape)
    if accumulate:
        return x + _scatter_add(values, index=region, shape=x.shape)
    order = np.full(x.shape, -1, dtype=np.int64)
    order[region] = np.arange(int(np.prod(shape))).reshape(shape)
    return placed(values, order, x)


def narrow_copy(input, dim, start, length):
    """narrow(input, dim, start, length) as a new Value (PyTorch's copy rather than a view; here the same)."""
    return narrow(input, dim, start, length).clone()


def _diagonal_mask(shape, wrap):
    """Where x.fill_diagonal_ writes: (i, i, ..., i) for every i, and, for a tall matrix with wrap, again every
    columns + 1 rows (NumPy's fill_diagonal, as PyTorch's)."""
    mask = np.zeros(shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return mask


def fill_diagonal(input, fill_value, wrap=False):
    """input with fill_value on its main diagonal (all dimensions of equal length when more than 2), out of place:
    the computation behind x.fill_diagonal_(fill_value, wrap). The gradient to input is zero on the diagonal."""
    x = as_value(input)
    if x.ndim < 2:
        raise ShapeError("fill_diagonal_(): dimensions must larger than 1")
    if x.ndim > 2 and len(set(x.shape)) != 1:
        raise ShapeError("fill_diagonal_(): all dimensions of input must be of equal length")
    fill = fill_value if isinstance(fill_value, Value) else np.asarray(fill_value, dtype=x.dtype)
    return where(_diagonal_mask(x.shape, bool(wrap)), fill, x)
