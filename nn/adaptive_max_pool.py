"""Adaptive max pooling (PyTorch's `adaptive_max_pool1d/2d/3d`, `AdaptiveMaxPool1d/2d/3d`): the maximum over each of
the (od ×) oh × ow bins that tile the input, whatever its size.

Bin i of an axis of length n split into m bins covers [⌊i·n/m⌋, ⌈(i + 1)·n/m⌉): bins may overlap by one element when
m does not divide n. The position of each bin's maximum (the first one in row-major order, or the last NaN, as
PyTorch) is found on the data, as a recorded result without gradient (so a compiled step finds it again for each
batch); the output reads x at those positions by indexing, whose rule adds each output's gradient to its input
element (twice for an element that is the maximum of two overlapping bins).
"""

from __future__ import annotations

import itertools

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.ops import data_of, primitive, without_gradient
from autograd_core.ops.backward_nodes import backward_node
from autograd_core.ops.complex import refuse_complex
from autograd_core.one_node import shown_as

from .conv import _ints
from .module import Module


def _bins(n, m):
    """(start, stop) of each of m adaptive bins over n elements."""
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


def _argmax_in_bins(x, out_size):
    """x (B, *spatial) -> (B, *out_size) int64: the flat (row-major) index in x's plane or volume of each bin's
    first maximum, or of its last NaN (PyTorch's kernel takes an element larger than the best so far, or a NaN)."""
    B, spatial = x.shape[0], x.shape[1:]
    indices = np.empty((B,) + tuple(out_size), np.int64)
    for at in itertools.product(*(range(m) for m in out_size)):
        bins = [_bins(n, m)[i] for n, m, i in zip(spatial, out_size, at)]
        window = x[(slice(None),) + tuple(slice(lo, hi) for lo, hi in bins)]
        flat = window.reshape(B, -1)
        nan = np.isnan(flat)
        last_nan = nan.shape[1] - 1 - nan[:, ::-1].argmax(axis=1)
        first = np.where(nan.any(axis=1), last_nan, flat.argmax(axis=1))
        offsets = np.unravel_index(first, window.shape[1:])
        indices[(slice(None),) + at] = np.ravel_multi_index(
            tuple(lo + o for (lo, _), o in zip(bins, offsets)), spatial)
    return indices


def _adaptive_max(who, nd, input, output_size, return_indices):
    refuse_complex(who, input)  # no order among complex numbers
    shape = tuple(np.shape(data_of(input)))
    if len(shape) not in (nd + 1, nd + 2):
        raise ShapeError(f"{who}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {shape}")
    spatial = shape[-nd:]
    if min(spatial, default=1) < 1:
        raise ShapeError(f"{who}: the spatial size {spatial} must be non-empty")
    if nd == 1:
        sizes = _ints(output_size, 1, "output_size", who, 1)
    else:
        several = (output_size,) * nd if output_size is None or np.ndim(output_size) == 0 else tuple(output_size)
        if len(several) != nd:
            raise ValueError(f"{who}: output_size must be an int or a tuple of {nd}, got {output_size!r}")
        sizes = _ints(tuple(n if m is None else m for n, m in zip(spatial, several)), nd, "output_size", who, 1)
    out = max_at_positions(input, nd, sizes, return_indices, _argmax_of_planes, plane=spatial, out_size=sizes)
    if isinstance(input, Value):  # views around one gather here, PyTorch's one node (1-D: between its views)
        y = out[0] if return_indices else out
        shown_as(y, input, _NODES[nd])
    return out


_NODES = {1: "SqueezeBackward1<AdaptiveMaxPool2DBackward0<UnsqueezeBackward0", 2: "AdaptiveMaxPool2DBackward0",
          3: "AdaptiveMaxPool3DBackward0"}


def max_at_positions(input, nd, sizes, return_indices, argmax, *extra, **options):
    """Max pooling whose windows are found by `argmax`: input (..., *spatial) (nd spatial axes) -> (..., *sizes), each
    output the element of its plane at the flat index `argmax(planes (B, prod(spatial)), *extra, **options)` gives
    (B, prod(sizes)); with return_indices also those indices (..., *sizes). An array input is computed directly,
    arrays out. For a Value, argmax is a recorded result without gradient (found again from new data when a compiled
    step replays) and the output reads the input by indexing, whose rule sends each output's gradient to its
    element."""
    shape = tuple(np.shape(data_of(input)))
    lead, spatial = shape[:-nd], shape[-nd:]
    B, plane = int(np.prod(lead)), int(np.prod(spatial))
    out_shape = lead + tuple(sizes)
    rows = np.arange(B).reshape(B, 1)
    if not isinstance(input, Value):  # an array: computed directly, arrays out
        planes = np.asarray(input).reshape(B, plane)
        flat = argmax(planes, *(data_of(e) for e in extra), **options)
        y = planes[rows, flat].reshape(out_shape)
        return (y, flat.reshape(out_shape)) if return_indices else y
    planes = input.reshape((B, plane))
    flat = without_gradient(argmax, planes, *extra, **options)  # recorded: live at replay
    y = _pick(planes, flat).reshape(out_shape)
    return (y, flat.reshape(out_shape)) if return_indices else y


@primitive("max_pool_pick")
def _pick(planes, positions):
    """planes (B, n), positions (B, m) int64 -> (B, m): each row's elements at its positions (the maxima)."""
    return np.take_along_axis(planes, _indices(positions), axis=1)


def _indices(positions):
    # an array of positions given next to a float Value became a constant of its dtype (recording._with_constants)
    return positions if positions.dtype.kind in "iu" else positions.astype(np.intp)


def _scatter_rule(g, planes, positions):
    """g (B, m) added at the positions in zeros of the planes' shape (twice where two bins share a maximum)."""
    dx = np.zeros(planes.shape, g.dtype)
    np.add.at(dx, (np.arange(len(dx))[:, None], _indices(positions)), g)
    return dx


# The rule is a node of its own with an edge to the input where the gradient is made with create_graph
# (ops/backward_nodes.py), so that a second derivative of adaptive and fractional max pooling is zeros (PyTorch's
# AdaptiveMaxPool2DBackwardBackward0 ...) rather than missing; its derivative in g reads gg at the positions again.
_pick_scatter = backward_node("max_pool_pick_scatter", _scatter_rule, adjoint=lambda: _pick_gather)
_pick_gather = backward_node("max_pool_pick_gather", lambda h, planes, positions: _pick.forward(h, positions),
                             adjoint=lambda: _pick_scatter)
_pick.defvjp(lambda g, out, planes, positions: _pick_scatter(g, planes, positions), None,
             formulas=("g added at the maxima", ""))
_pick.defjvp(lambda t, out, planes, positions: _pick(t, data_of(positions)), None)


def _argmax_of_planes(planes, plane, out_size):
    """planes (B, prod(plane)) -> (B, prod(out_size)) int64: the flat index of each bin's first maximum (see
    `_argmax_in_bins`)."""
    return _argmax_in_bins(planes.reshape((planes.shape[0],) + tuple(plane)), out_size).reshape(planes.shape[0], -1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive bins: (N, C, H, W) -> (N, C, oh, ow), or (C, H, W) -> (C, oh, ow); output_size an int or a
    pair (None keeps that size). Gradient: to each bin's first maximum. return_indices: also the flat index
    h·W + w of each maximum in its plane (int64), as PyTorch."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over adaptive bins along L: (N, C, L) -> (N, C, o), or (C, L) -> (C, o); see adaptive_max_pool2d."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


class AdaptiveMaxPool2d(Module):
    """AdaptiveMaxPool2d(output_size, return_indices=False): `adaptive_max_pool2d` as a module."""

    _fn = staticmethod(adaptive_max_pool2d)

    def __init__(self, output_size, return_indices=False):
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, input):
        return type(self)._fn(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over adaptive bins: (N, C, D, H, W) -> (N, C, od, oh, ow), or (C, D, H, W) -> (C, od, oh, ow); output_size
    an int or a triple (None keeps that size). return_indices: also the flat index d·H·W + h·W + w (int64)."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """PyTorch's F.adaptive_max_pool1d_with_indices: always (output, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """PyTorch's F.adaptive_max_pool2d_with_indices: always (output, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """PyTorch's F.adaptive_max_pool3d_with_indices: always (output, indices)."""
    return adaptive_max_pool3d(input, output_size, True)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """AdaptiveMaxPool3d(output_size, return_indices=False): `adaptive_max_pool3d` as a module."""

    _fn = staticmethod(adaptive_max_pool3d)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """AdaptiveMaxPool1d(output_size, return_indices=False): `adaptive_max_pool1d` as a module."""

    _fn = staticmethod(adaptive_max_pool1d)
