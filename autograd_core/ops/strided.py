"""torch.as_strided and torch.as_strided_scatter: a Value's memory read with sizes, strides and an offset of your own.

    x = ag.arange(6.0)
    x.as_strided((3, 2), (2, 1))        # [[0, 1], [2, 3], [4, 5]]: x.view(3, 2) by hand
    x.as_strided((3, 3), (1, 1))        # [[0, 1, 2], [1, 2, 3], [2, 3, 4]]: overlapping windows, no copy

PyTorch's geometry is that of the storage, not of the Value: `stride` counts elements of the flat memory under x
(x.storage(), which a transpose or a slice of x shares with x), and `storage_offset` (x's own by default) is where
the result starts in it. The result is a view: it shares that memory, so an in-place change through either shows
in the other, as in PyTorch.

The derivative, in storage terms. Number the storage's elements; x holds the elements at positions `held` (one per
element of x; an expand() holds one position several times) and the result reads the positions `read`. Then

    out[j] = storage[read[j]],    ∂out[j]/∂x[i] = [read[j] = held[i]] / count(held[i])

where count(p) is how many elements of x hold position p (PyTorch shares the gradient of a position among them, so
that an expand()'s backward adds it back up once). A position the result reads that x does not hold (memory outside
x's view) depends on no element of x and gets no gradient. Both rules gather and scatter through these positions,
so they compose to any order.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from ..value import Value
from .elementwise import where
from .index import as_value, dense_memory, strided_positions
from .primitive import primitive
from .shape import getitem, reshape, scatter_add


class StridedGeometry:
    """Where as_strided reads: `size`, `stride`, `storage_offset` and `reach` (one past the farthest element read) in
    elements of the storage, and the same in positions the rules use: `read` (the result's shape) and `held` (x's
    shape) index the storage positions that either touches, numbered 0..n-1 (so that a view of a large storage costs
    only what it touches); `share` is 1/count at x's positions (None when no two elements of x hold one position)."""

    def __init__(self, size, stride, storage_offset, read, held, share, layout, reach):
        self.size, self.stride, self.storage_offset = size, stride, storage_offset
        self.reach = reach  # the storage's elements the view needs (0 if it is empty)
        self.read, self.held, self.share = read, held, share
        self.positions = int(max(read.max(initial=-1), held.max(initial=-1))) + 1
        self.layout = layout  # x's strides and start in its storage, for which `read` and `held` were worked out

    def __repr__(self):
        return f"size={self.size}, stride={self.stride}, storage_offset={self.storage_offset}"

    def __eq__(self, other):  # compile compares the parameters of two recordings: equal geometries replay
        return (isinstance(other, StridedGeometry) and (self.size, self.stride, self.storage_offset, self.layout) ==
                (other.size, other.stride, other.storage_offset, other.layout) and
                np.array_equal(self.read, other.read) and np.array_equal(self.held, other.held) and
                (self.share is None) == (other.share is None))

    def __hash__(self):
        return hash((self.size, self.stride, self.storage_offset, self.layout))


def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with shape `size`: out[i₀, i₁, ...] = storage[storage_offset + Σ iₖ·stride[k]]
    (torch.as_strided). `stride` counts elements of the memory under input (shared by its views: see
    `Value.storage()`), `storage_offset` defaults to input's own (`input.storage_offset()`). The result shares that
    memory (a 0-d input's number is copied); reading outside it raises RuntimeError, as do negative strides or
    sizes. The gradient of each element goes back to the element of input holding the position it read (see the
    module's docstring)."""
    x = as_value(input)
    geometry = _geometry(x, size, stride, storage_offset, "as_strided")
    _replayed_only_laid_out_as(x, geometry)
    return _as_strided(x, geometry=geometry)


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of input with src written where input.as_strided(size, stride, storage_offset) would read
    (torch.as_strided_scatter): the elements of input holding a storage position that the view reads take src's
    element reading it; the others keep input's. src has shape `size`. Gradients: to input where it was kept, to src
    where it was written (where the view reads one position twice, the last of src's elements is written)."""
    x = as_value(input)
    src = as_value(src) if isinstance(src, Value) else as_value(np.asarray(src, dtype=x.dtype))
    geometry = _geometry(x, size, stride, storage_offset, "as_strided_scatter")
    _replayed_only_laid_out_as(x, geometry)
    if tuple(src.shape) != geometry.size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(geometry.size)}")
    # For each storage position, the last element of src read there (-1: none); then each element of x takes it.
    writer = np.full(geometry.positions, -1, dtype=np.intp)
    writer[geometry.read.reshape(-1)] = np.arange(geometry.read.size)
    taken = writer[geometry.held]
    written = taken >= 0
    if not written.any():
        return x.clone()
    picked = getitem(reshape(src, shape=(-1,)), np.where(written, taken, 0))
    return where(written, picked.to(x.dtype) if picked.dtype != x.dtype else picked, x)


@primitive("as_strided")
def _as_strided(x, geometry):
    """The view itself: x's memory (the array owning it, laid out densely) read with geometry's sizes and strides."""
    if not isinstance(x, np.ndarray):  # a 0-d Value's NumPy number: a storage of its own, one element
        x = np.asarray(x).reshape(1)
    size = x.itemsize
    memory, start = _storage(x)
    if (x.strides, start) != geometry.layout:  # a compiled call replayed on an input laid out otherwise
        raise RuntimeError(f"as_strided: the input is laid out in memory otherwise (strides {x.strides}, offset "
                           f"{start}) than when this geometry was worked out ({geometry.layout}); call as_strided "
                           f"again on it")
    shape, strides = geometry.size, tuple(s * size for s in geometry.stride)
    if 0 in shape:
        return np.empty(shape, x.dtype)
    # The bound again, on the memory viewed now: np.lib.stride_tricks.as_strided checks none, and NumPy's own check of
    # np.ndarray(buffer=...) wraps around for strides near 2**63; a geometry worked out for a longer storage (a replay
    # whose input is another array laid out alike) must raise rather than read past this one.
    _check_reach(geometry.size, geometry.stride, geometry.storage_offset, geometry.reach, _length(x, memory), size)
    if memory is None:  # no dense memory under x to view (a gapped layout): x's elements copied stand for it
        flat = np.ascontiguousarray(x).reshape(-1)
        return np.lib.stride_tricks.as_strided(flat[geometry.storage_offset:], shape, strides).copy()
    view = np.ndarray(shape, x.dtype, buffer=memory, offset=geometry.storage_offset * size, strides=strides)
    if view.flags.writeable and not x.flags.writeable:  # a view of a broadcast stays read-only
        view.flags.writeable = False
    return view


def _as_strided_vjp(g, out, x, geometry):
    # Each element of g lands on the storage position it read; each element of x takes its position's sum, shared
    # among the elements holding that position.
    in_storage = scatter_add(reshape(g, shape=(-1,)), index=geometry.read.reshape(-1), shape=(geometry.positions,))
    grad = getitem(in_storage, geometry.held)
    return grad if geometry.share is None else grad * geometry.share


def _as_strided_jvp(t, out, x, geometry):
    # The transpose of the rule above: x's tangents onto their positions (shared among the elements holding one),
    # then read where the view reads.
    shared = t if geometry.share is None else t * geometry.share
    in_storage = scatter_add(reshape(shared, shape=(-1,)), index=geometry.held.reshape(-1),
                             shape=(geometry.positions,))
    return getitem(in_storage, geometry.read)


_as_strided.defvjp(_as_strided_vjp, formulas=("g added at the positions read",))
_as_strided.defjvp(_as_strided_jvp)
_as_strided.views = True


def _replayed_only_laid_out_as(x, geometry):
    """Under a compile recording: its replays must find x laid out as now (else they record again), since the
    geometry's positions were worked out for x's strides and start in its storage. Without jit loaded, no recording
    runs (and the core does not load it: see tests/test_import_time.py)."""
    jit = sys.modules.get("autograd_core.jit")
    if jit is not None and isinstance(x.data, np.ndarray):
        jit.replay_requires(_laid_out_as, x.data, geometry.layout, geometry.reach)


def _laid_out_as(data, layout, reach):
    """Whether the ndarray `data` has the strides and the start in its storage that `layout` records, in a storage of
    at least `reach` elements (a view of a shorter one, alike otherwise, cannot hold what the geometry reads)."""
    memory, start = _storage(data)
    return (data.strides, start) == layout and _length(data, memory) >= reach


def _length(data, memory):
    """The number of elements of data's dtype in its storage `memory` (data's own elements when it has none)."""
    return (memory.nbytes if memory is not None else data.nbytes) // data.itemsize


def _check_reach(size, stride, offset, reach, length, itemsize):
    """PyTorch's error (RuntimeError) when a view needing `reach` elements does not fit in a storage of `length`."""
    if reach > length:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {itemsize} requiring a storage size of {reach * itemsize} are out of bounds for "
                           f"storage of size {length * itemsize}")


def _storage(data):
    """(memory, start): the array owning data's memory, its axes ordered so that it is C-contiguous (the storage, read
    flat), and data's first element's position in it, in data's elements; (None, 0) if no such array exists (a
    view of bytes, a gapped layout): the caller copies."""
    memory = dense_memory(data)
    if memory is None:
        return None, 0
    start = (data.__array_interface__["data"][0] - memory.__array_interface__["data"][0]) // data.itemsize
    return memory, start


def _sizes(values, name):
    if isinstance(values, Value):
        values = values.tolist()
    if isinstance(values, numbers.Integral):
        values = (values,)
    try:
        result = tuple(int(v.item() if isinstance(v, Value) else v) for v in values)
    except (TypeError, ValueError):
        raise TypeError(f"as_strided(): {name} must be a sequence of integers, got {values!r}") from None
    if any(isinstance(v, (bool, float)) for v in values):
        raise TypeError(f"as_strided(): {name} must be a sequence of integers, got {values!r}")
    return result


def _geometry(x, size, stride, storage_offset, name):
    """The StridedGeometry of x.as_strided(size, stride, storage_offset), with PyTorch's errors for bad ones."""
    size, stride = _sizes(size, "size"), _sizes(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{name}: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"{name}: negative size in sizes={list(size)} (strides={list(stride)})")
    data = x.data
    if isinstance(data, np.ndarray):
        memory, start = _storage(data)
        length = _length(data, memory)
        held = _positions_in(data, memory, start)
    else:  # a 0-d Value: its number is a storage of one element
        memory, start, length, held = None, 0, 1, np.zeros((), dtype=np.intp)
    offset = start if storage_offset is None else storage_offset
    if isinstance(offset, Value):
        offset = offset.item()
    if not isinstance(offset, numbers.Integral) or isinstance(offset, bool):
        raise TypeError(f"{name}(): storage_offset must be an integer, got {offset!r}")
    offset = int(offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    # In Python's integers, which do not overflow (NumPy's int64 would wrap a product past 2**63 round to a small one).
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    _check_reach(size, stride, offset, needed, length, data.dtype.itemsize)
    read = strided_positions(offset, size, stride)
    # Number only the positions either side touches, so that a view of a large storage costs what it touches.
    touched, numbered = np.unique(np.concatenate([held.reshape(-1), read.reshape(-1)]), return_inverse=True)
    held_at, read_at = numbered[:held.size].reshape(held.shape), numbered[held.size:].reshape(read.shape)
    counts = np.bincount(held_at.reshape(-1), minlength=touched.size)
    share = None
    if counts.max(initial=0) > 1:
        dtype = data.dtype if data.dtype.kind == "f" else np.float64
        share = (1.0 / counts[held_at]).astype(dtype)
    layout = (data.strides, start) if isinstance(data, np.ndarray) else ((data.itemsize,), 0)  # as _as_strided sees it
    return StridedGeometry(size, stride, offset, read_at, held_at, share, layout, needed)


def _positions_in(data, memory, start):
    """The storage position of each element of `data` (data's shape): from its first element's, `start`, by its
    strides (see `_storage`)."""
    if memory is None:  # a copy stands for the storage: data's elements in C order
        return np.arange(data.size, dtype=np.intp).reshape(data.shape)
    return strided_positions(start, data.shape, [stride // data.itemsize for stride in data.strides])
