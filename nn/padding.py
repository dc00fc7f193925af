"""Padding (PyTorch's `F.pad`): constant, reflect, replicate and circular, on the trailing axes.

    pad = (left, right)                 pads the last axis
    pad = (left, right, top, bottom)    the last two axes (the last axis first, as PyTorch)

For x = [a b c d] and pad (2, 2):  constant 0 0 a b c d 0 0 · reflect c b a b c d c b ·
replicate a a a b c d d d · circular c d a b c d a b. Reflect, replicate and circular pick elements
of x by index (one node; the gradient adds up the copies); constant is one primitive, `constant_pad`
(PyTorch's ConstantPadNdBackward0), whose gradient is its own adjoint: the padding by the opposite amounts (a pad
crops the gradient, a crop pads it with zeros).
A negative amount crops, in every mode (the other modes crop first, then pad, as PyTorch).
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import ArgumentError, ShapeError
from autograd_core import Value
from autograd_core.ops import data_of, getitem, primitive
from autograd_core.grad_fn_chain_tops import declare_top
from autograd_core.grad_fn_names import chain_layout
from autograd_core.one_node import shown_as
from autograd_core.ops.shape import _getitem

_MODES = ("constant", "reflect", "replicate", "circular")


def _source_index(n, before, after, mode, who):
    """For each position of the padded axis, the index of x it copies."""
    i = np.arange(-before, n + after)
    if mode == "reflect":
        if before >= n or after >= n:
            raise ShapeError(f"{who}: reflect padding ({before}, {after}) must be smaller than the axis size {n}")
        return np.abs(i) - 2 * np.maximum(i - (n - 1), 0)            # mirror at 0 and at n − 1
    if mode == "replicate":
        if n == 0:
            raise ShapeError(f"{who}: cannot replicate-pad an empty axis")
        return np.clip(i, 0, n - 1)
    if before > n or after > n:
        raise ShapeError(f"{who}: circular padding ({before}, {after}) must be at most the axis size {n}")
    return i % n


def pad(input, pad, mode="constant", value=None):
    """x with its trailing len(pad)/2 axes padded (see the module docstring); mode 'constant' fills with
    `value` (None: 0, as PyTorch). Returns a Value when x is one, else an array."""
    who = "pad"
    if mode not in _MODES:
        raise ValueError(f"{who}: mode must be one of {_MODES}, got {mode!r}")
    pad = tuple(pad)
    if len(pad) % 2 or not all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad):
        raise ArgumentError(("Padding length must be divisible by 2 " if len(pad) % 2 else "") + f"({who}: pad must "
                            f"be an even number of ints (left, right, top, bottom, ...), got {pad!r})")
    shape = np.shape(data_of(input))
    k = len(pad) // 2
    if k > len(shape):
        raise ShapeError(f"{who}: pad {pad} covers {k} axes, the input has only {len(shape)} (shape {shape})")
    pairs = [(int(pad[2 * j]), int(pad[2 * j + 1])) for j in range(k)]   # last axis first
    axes = [len(shape) - 1 - j for j in range(k)]
    if mode == "constant":
        return _pad_constant(input, axes, pairs, 0.0 if value is None else value)
    source, padding = input, tuple(pairs)
    if any(b < 0 or a < 0 for b, a in pairs):  # crop first, then pad what is left (PyTorch's order: it matters
        crop = [slice(None)] * len(shape)      # for circular, whose wrap-around reads the cropped axis)
        for axis, (b, a) in zip(axes, pairs):
            crop[axis] = slice(max(-b, 0), shape[axis] - max(-a, 0))
        input = input[tuple(crop)] if isinstance(input, Value) else np.asarray(input)[tuple(crop)]
        shape = np.shape(data_of(input))
        pairs = [(max(b, 0), max(a, 0)) for b, a in pairs]
    index = [slice(None)] * len(shape)
    grids = np.ix_(*[_source_index(shape[axis], b, a, mode, who) for axis, (b, a) in zip(axes[::-1], pairs[::-1])])
    for axis, grid in zip(axes[::-1], grids):
        index[axis] = grid
    if not isinstance(input, Value):
        return np.asarray(input)[tuple(index)]
    if mode == "circular":  # PyTorch's circular pad is a chain of copies into slices
        return shown_as(getitem(input, tuple(index)), source, _circular_chain(padding))
    if not 1 <= k <= 3:
        return getitem(input, tuple(index))
    # one index node, as PyTorch's ReflectionPad2DBackward0, ReplicationPad1DBackward0, ...
    return _getitem.named(f"{_KERNELS[mode]}{k}DBackward0")(input, index=tuple(index))


_KERNELS = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}


def _circular_chain(pairs):
    """The name under which a circular pad's index node shows PyTorch's nodes (its _pad_circular): x, sliced along
    each padded axis (a crop where an amount is negative), copied into an empty output (CopySlices over None), then
    for each axis, last first, a slice of the output copied into its left padding, another into its right (where
    that amount is positive), each a CopySlices of the output over the slice of it before."""
    name = _CIRCULAR.get(pairs)
    if name is None:
        inner = 0
        for _ in pairs:
            inner = "SliceBackward0", (inner,)
        out = "CopySlices", (None, inner)
        for before, after in pairs:
            for amount in (before, after):
                if amount > 0:
                    out = "CopySlices", (out, ("SliceBackward0", (out,)))
        # (named by the amounts: amounts of one layout, (0, 2) and (-1, 2), end in other copies)
        name = _CIRCULAR[pairs] = chain_layout(out, key=("circular pad", pairs))
        declare_top(name, lambda out, x: _before_the_last_copy(x, pairs), lambda out, *entries: _last_copy(pairs,
                                                                                                           *entries))
    return name


def _copies(pairs, shape):
    """The copies of PyTorch's _pad_circular after the first, into an output of `shape`, in order: (axis, the
    positions written along it, the positions read) for each positive amount (left, then right, last axis first)."""
    copies = []
    for j, (before, after) in enumerate(pairs):
        axis, n = len(shape) - 1 - j, shape[len(shape) - 1 - j]
        if before > 0:
            copies.append((axis, slice(0, before), slice(n - before - max(after, 0), n - max(after, 0))))
        if after > 0:
            copies.append((axis, slice(n - after, n), slice(max(before, 0), max(before, 0) + after)))
    return copies


def _before_the_last_copy(x, pairs):
    """The entries of PyTorch's last CopySlices of x padded circularly by `pairs` (for its node hooks:
    grad_fn_chain_tops): the output so far and the slice of it copied last; where no amount is positive, the first
    copy's (None: an empty output, and x cropped)."""
    axes = [x.ndim - 1 - j for j in range(len(pairs))]
    crop = [slice(None)] * x.ndim
    for axis, (before, after) in zip(axes, pairs):
        crop[axis] = slice(max(-before, 0), x.shape[axis] - max(-after, 0))
    out = x[tuple(crop)]
    copies = _copies(pairs, tuple(n + max(b, 0) + max(a, 0) for n, (b, a) in
                                  zip(out.shape, [(0, 0)] * (x.ndim - len(pairs)) + list(pairs[::-1]))))
    if not copies:
        return None, out
    out = _pad_constant(out, axes, [(max(b, 0), max(a, 0)) for b, a in pairs], 0.0)  # (PyTorch's empty: zeros here)
    for axis, written, read in copies:
        source = _along(out, axis, read)
        if (axis, written, read) == copies[-1]:
            return out, source
        out = _written(out, axis, written, source)


def _last_copy(pairs, out, source):
    copies = _copies(pairs, out.shape) if out is not None else ()
    if not copies:
        return source
    axis, written, _ = copies[-1]
    return _written(out, axis, written, source)


def _along(x, axis, positions):
    index = [slice(None)] * x.ndim
    index[axis] = positions
    return x[tuple(index)]


def _written(out, axis, positions, source):
    """out with `source` in `positions` along axis (at its start or its end), made anew."""
    from autograd_core import cat

    n = out.shape[axis]
    if positions.start == 0:
        return cat([source, _along(out, axis, slice(positions.stop, n))], dim=axis)
    return cat([_along(out, axis, slice(0, positions.start)), source], dim=axis)


_CIRCULAR = {}  # the padding amounts ((left, right) per axis, last axis first) -> the name of their chain


def _pad_constant(x, axes, pairs, value):
    widths = [(0, 0)] * len(np.shape(data_of(x)))
    for axis, pair in zip(axes, pairs):
        widths[axis] = pair
    widths = tuple(widths)
    if not isinstance(x, Value):
        return _constant_pad.forward(np.asarray(x), widths=widths, value=value)
    return _constant_pad(x, widths=widths, value=value)


@primitive("constant_pad")
def _constant_pad(x, widths, value):
    """x with widths[d] = (before, after) elements of `value` added on each side of axis d (a negative amount crops
    that many)."""
    crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
    x = x[crop]
    grown = tuple((max(b, 0), max(a, 0)) for b, a in widths)
    if not any(b or a for b, a in grown):
        return x.copy()
    out = np.empty(tuple(n + b + a for n, (b, a) in zip(x.shape, grown)), dtype=x.dtype)
    out[...] = value
    out[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, grown))] = x
    return out


def _opposite(widths):
    return tuple((-b, -a) for b, a in widths)


# linear apart from the constant: the gradient is the adjoint (pad by the opposite amounts), the tangent padded by 0
_constant_pad.defvjp(lambda g, out, x, widths, value: _constant_pad(g, widths=_opposite(widths), value=0),
                     formulas=("g cropped where x was padded (padded with 0 where x was cropped)",))
_constant_pad.defjvp(lambda t, out, x, widths, value: _constant_pad(t, widths=widths, value=0))
_constant_pad.defcomplex()  # a linear map of the data (plus a constant): its rules hold for complex data unchanged


# ----------------------------------------------------------------------------------------------------
# Modules: PyTorch's ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad, 1-D, 2-D and 3-D.

from .module import Module  # noqa: E402  (the functions above need no module)


class _PadNd(Module):
    """`pad` with a fixed padding: an int (the same on every side) or a tuple (left, right[, top, bottom])."""

    _nd = 1
    _mode = "constant"

    def __init__(self, padding, value=0.0):
        who = type(self).__name__
        if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
            padding = (int(padding),) * (2 * self._nd)
        padding = tuple(padding)
        if len(padding) != 2 * self._nd or not all(
                isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding):
            raise ValueError(f"{who}: padding must be an int or a tuple of {2 * self._nd} ints, got {padding!r}")
        self.padding = tuple(int(p) for p in padding)
        self.value = float(value)

    def forward(self, input):
        ndim = len(np.shape(data_of(input)))
        if self._mode != "constant" and ndim not in (self._nd + 1, self._nd + 2):
            raise ShapeError(f"{type(self).__name__}: expected a {self._nd + 1}-D or {self._nd + 2}-D (batched) "
                             f"input, got shape {np.shape(data_of(input))}")
        return pad(input, self.padding, self._mode, self.value)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ZeroPad1d(_PadNd):
    """ZeroPad1d(padding): zeros added to the last axis: padding = int or (left, right)."""

    def __init__(self, padding):
        super().__init__(padding)


class ZeroPad2d(ZeroPad1d):
    """ZeroPad2d(padding): zeros around the last two axes: padding = int or (left, right, top, bottom)."""
    _nd = 2


class ConstantPad1d(_ConstantPadNd):
    """ConstantPad1d(padding, value): `value` added to the last axis: padding = int or (left, right)."""


class ConstantPad2d(_ConstantPadNd):
    """ConstantPad2d(padding, value): `value` around the last two axes: padding = int or (left, right, top,
    bottom)."""
    _nd = 2


class ReflectionPad1d(ZeroPad1d):
    """ReflectionPad1d(padding): the last axis mirrored at its ends (edge not repeated); (C, L) or (N, C, L);
    each amount smaller than the axis."""
    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """ReflectionPad2d(padding): the last two axes mirrored; (C, H, W) or (N, C, H, W)."""
    _nd = 2


class ReplicationPad1d(ZeroPad1d):
    """ReplicationPad1d(padding): the edge values of the last axis repeated; (C, L) or (N, C, L)."""
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """ReplicationPad2d(padding): the edge values of the last two axes repeated; (C, H, W) or (N, C, H, W)."""
    _nd = 2


class CircularPad1d(ZeroPad1d):
    """CircularPad1d(padding): the last axis wrapped around; (C, L) or (N, C, L)."""
    _mode = "circular"


class CircularPad2d(CircularPad1d):
    """CircularPad2d(padding): the last two axes wrapped around; (C, H, W) or (N, C, H, W)."""
    _nd = 2


class ZeroPad3d(ZeroPad1d):
    """ZeroPad3d(padding): zeros around the last three axes: padding = int or (left, right, top, bottom, front,
    back)."""
    _nd = 3


class ConstantPad3d(_ConstantPadNd):
    """ConstantPad3d(padding, value): `value` around the last three axes: padding = int or (left, right, top, bottom,
    front, back)."""
    _nd = 3


class ReflectionPad3d(ReflectionPad1d):
    """ReflectionPad3d(padding): the last three axes mirrored; (C, D, H, W) or (N, C, D, H, W)."""
    _nd = 3


class ReplicationPad3d(ReplicationPad1d):
    """ReplicationPad3d(padding): the edge values of the last three axes repeated; (C, D, H, W) or (N, C, D, H, W)."""
    _nd = 3


class CircularPad3d(CircularPad1d):
    """CircularPad3d(padding): the last three axes wrapped around; (C, D, H, W) or (N, C, D, H, W)."""
    _nd = 3
