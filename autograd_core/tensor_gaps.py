"""More of PyTorch's top-level functions: sampling counts (`binomial`), factories and picks (`empty_permuted`,
`nonzero_static`), reductions (`norm_except_dim`, `segment_reduce`) and the function forms of in-place methods
(`detach_`, `resize_as_`, `as_strided_`). The package loads this module on first use of one of its names.
"""

from __future__ import annotations

import numbers

import numpy as np

from .modes import TRACERS, no_grad
from .errors import scalar_type_name
from .version_counter import mark_changed
from .ops import concatenate, stack
from .dtypes import DEFAULTS
from .tensor import _make, full
from .torch_functions import _value
from .generator import get_rng
from .tensor_attributes import check_layout
from .value import Value


def binomial(count, prob, generator=None):
    """A Binomial(count, prob) draw per element (broadcasting count and prob): the number of successes in `count`
    trials of probability `prob`, in count's floating dtype. Not differentiable. count and prob must be floating
    point; as in PyTorch, a count below 0 draws 0 and a prob above 1 (below 0) acts as 1 (0)."""
    count, prob = _value(count), _value(prob)
    for name, x in (("count", count), ("prob", prob)):
        if x.dtype.kind != "f":
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{scalar_type_name(x.dtype)}")
    n = np.maximum(np.floor(np.asarray(count.data, dtype=np.float64)), 0).astype(np.int64)
    p = np.clip(np.asarray(prob.data, dtype=np.float64), 0.0, 1.0)
    return Value(get_rng(generator).binomial(n, p).astype(count.dtype), requires_grad=False)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, pin_memory=False,
                   requires_grad=False):
    """An uninitialised Value of shape `size` whose memory holds its axes in the order `physical_layout` (a
    permutation of range(len(size)), outermost first): empty_permuted((N, C, H, W), (0, 2, 3, 1)) is channels-last,
    as x.stride() shows. The values are zeros here (NumPy's empty memory is not read)."""
    check_layout(layout, "empty_permuted")
    size, order = tuple(int(n) for n in size), tuple(int(d) for d in physical_layout)
    if len(order) != len(size):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; "
                           f"i.e. len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}")
    if sorted(order) != list(range(len(size))):
        raise RuntimeError(f"physical_layout {order} is not a permutation of the dimensions 0 .. {len(size) - 1}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {size}")
    dtype = DEFAULTS["dtype"] if dtype is None else np.dtype(dtype)
    memory = np.zeros([size[d] for d in order], dtype)  # C order: axis order[0] outermost
    return _make(memory.transpose(np.argsort(order)), requires_grad, device)


def nonzero_static(input, *, size, fill_value=-1):
    """The indices of input's non-zero elements as nonzero(input) gives them, (count, input.ndim) int64, cut or
    padded with rows of `fill_value` to exactly `size` rows: a result whose shape does not depend on the data."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    x = _value(input)
    found = np.argwhere(np.asarray(x.data))[:size]
    padding = np.full((size - len(found), max(x.ndim, found.shape[1])), fill_value, np.int64)
    return Value(np.concatenate([found.astype(np.int64), padding]), requires_grad=False, dtype=np.int64)


def norm_except_dim(v, pow=2, dim=0):  # noqa: A002  (PyTorch's name)
    """The `pow`-norm of v over every axis but `dim`, kept as size-1 axes (shape (1, .., v.shape[dim], .., 1)): the
    norm of each slice v.select(dim, i), as weight normalisation uses it. dim=-1: the norm of all of v (0-d)."""
    v = _value(v)
    if dim == -1:
        return v.norm(pow)
    others = tuple(d for d in range(v.ndim) if d != dim)
    return (v.abs() ** pow).sum(axis=others, keepdims=True) ** (1.0 / pow)  # (a vector's others: (), none)


def detach_(input):
    """input.detach_(): input cut from the graph in place, a leaf that needs no gradient; returns input."""
    return _value(input).detach_()


def resize_as_(input, the_template, *, memory_format=None):
    """input.resize_as_(the_template): input takes the template's shape in place (see Value.resize_); returns it."""
    return _value(input).resize_as_(the_template, memory_format)


def as_strided_(input, size, stride, storage_offset=None):
    """input.as_strided(size, stride, storage_offset) written into input itself: input takes that shape and those
    elements in place (read from its elements in C order, as as_strided reads them); returns input. As resize_, it
    refuses a Value that requires grad (RuntimeError) or that a jvp or compile follows."""
    x = _value(input)
    if x.requires_grad:
        raise RuntimeError("as_strided_: a Value that requires grad cannot change its shape in place here "
                           "(use as_strided, which is differentiable)")
    if TRACERS.get():
        raise RuntimeError("as_strided_: a Value that a jvp or compile follows cannot change its shape in place")
    with no_grad():
        data = np.array(x.as_strided(size, stride, storage_offset).data)
    x.data = data[()] if data.ndim == 0 else data
    mark_changed(x)  # a graph that read the old array sees the change at backward (version counter)
    return x


_REDUCE = ("sum", "mean", "max", "min", "prod", "amax", "amin")


def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False, initial=None):
    """Reduce consecutive segments of `data` along `axis`: segment k is the next lengths[k] elements (or those
    between offsets[k] and offsets[k+1]), reduced by `reduce` ('sum', 'mean', 'max'/'amax', 'min'/'amin',
    'prod'). lengths (*B, S) (offsets (*B, S + 1)) with data (*B, L, ...) and axis = len(B): the result is
    (*B, S, ...). `initial` joins every segment (mean: (initial + Σ) / count); an empty segment gives initial, or
    sum 0, prod 1, mean nan, max −inf, min +inf. Differentiable in data (composed of slices and reductions).
    indices= is not supported (as in PyTorch). unsafe=True skips the check that lengths sum to the axis' size."""
    x = _value(data)
    if reduce not in _REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if indices is not None:
        raise NotImplementedError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    given = np.asarray(_value(lengths if lengths is not None else offsets).data).astype(np.int64)
    lengths = given if offsets is None or lengths is not None else np.diff(given, axis=-1)
    axis = axis + x.ndim if axis < 0 else axis
    if axis != lengths.ndim - 1:
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of lengths but got {axis}.")
    if not unsafe and (np.any(lengths < 0) or np.any(lengths.sum(-1) != x.shape[axis])):
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to "
                           "data.size(lengths.dim()-1) when !unsafe.")
    rows = [_segments(x[index] if index else x, lengths[index], reduce, initial) for index in np.ndindex(
        lengths.shape[:-1])]
    return rows[0] if lengths.ndim == 1 else stack(rows).reshape(lengths.shape + x.shape[axis + 1:])


def _segments(x, lengths, reduce, initial):
    """segment_reduce of one row: x (L, ...) along axis 0, lengths (S,) -> (S, ...)."""
    empty = {"sum": 0.0, "prod": 1.0, "mean": np.nan, "max": -np.inf, "amax": -np.inf, "min": np.inf,
             "amin": np.inf}[reduce]
    out, start = [], 0
    for n in lengths.tolist():
        piece, start = x[start:start + n], start + n
        if n == 0:
            out.append(full(x.shape[1:], empty if initial is None else initial, dtype=x.dtype))
            continue
        if reduce in ("sum", "mean"):
            value = piece.sum(0) + (0 if initial is None else initial)
            value = value / n if reduce == "mean" else value
        elif reduce == "prod":
            value = piece.prod(0) * (1 if initial is None else initial)
        else:
            if initial is not None:
                piece = concatenate([piece, full((1,) + x.shape[1:], initial, dtype=x.dtype)])
            value = piece.amax(0) if reduce in ("max", "amax") else piece.amin(0)
        out.append(value)
    return stack(out)
