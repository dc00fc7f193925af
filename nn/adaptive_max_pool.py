"""Adaptive max pooling (PyTorch's `adaptive_max_pool1d/2d`, `AdaptiveMaxPool1d/2d`): the maximum over each of
oh × ow bins that tile the input, whatever its size.

Bin i of an axis of length n split into m bins covers [⌊i·n/m⌋, ⌈(i + 1)·n/m⌉): bins may overlap by one element when
m does not divide n. The position of each bin's maximum (the first one in row-major order, as PyTorch) is found on
the data, as a recorded result without gradient (so a compiled step finds it again for each batch); the output
reads x at those positions by indexing, whose rule adds each output's gradient to its input element (twice for an
element that is the maximum of two overlapping bins).
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.ops import data_of, getitem, without_gradient

from .conv import _ints
from .module import Module


def _bins(n, m):
    """(start, stop) of each of m adaptive bins over n elements."""
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


def _argmax_in_bins(x, out_size):
    """x (B, H, W) -> (B, oh, ow) int64: the flat index h·W + w in x's plane of each bin's first maximum (a NaN counts
    as the maximum)."""
    B, H, W = x.shape
    oh, ow = out_size
    indices = np.empty((B, oh, ow), np.int64)
    for i, (h0, h1) in enumerate(_bins(H, oh)):
        for j, (w0, w1) in enumerate(_bins(W, ow)):
            window = x[:, h0:h1, w0:w1].reshape(B, -1)
            nan = np.isnan(window)
            first = np.where(nan.any(axis=1), nan.argmax(axis=1), window.argmax(axis=1))
            rows, cols = np.divmod(first, w1 - w0)
            indices[:, i, j] = (h0 + rows) * W + w0 + cols
    return indices


def _adaptive_max(who, nd, input, output_size, return_indices):
    shape = tuple(np.shape(data_of(input)))
    if len(shape) not in (nd + 1, nd + 2):
        raise ValueError(f"{who}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {shape}")
    spatial = shape[-nd:]
    if min(spatial, default=1) < 1:
        raise ValueError(f"{who}: the spatial size {spatial} must be non-empty")
    if nd == 1:
        sizes = (1, _ints(output_size, 1, "output_size", who, 1)[0])
    else:
        pair = (output_size, output_size) if output_size is None or np.ndim(output_size) == 0 else tuple(output_size)
        if len(pair) != 2:
            raise ValueError(f"{who}: output_size must be an int or a pair, got {output_size!r}")
        sizes = _ints(tuple(n if m is None else m for n, m in zip(spatial, pair)), 2, "output_size", who, 1)
    H, W = (1,) * (2 - nd) + spatial
    lead = shape[:-nd]
    B = int(np.prod(lead))
    out_shape = lead + sizes[2 - nd:]
    rows = np.arange(B).reshape(B, 1)
    if not isinstance(input, Value):  # an array: computed directly, arrays out
        planes = np.asarray(input).reshape(B, H * W)
        flat = _argmax_of_planes(planes, (H, W), sizes)
        y = planes[rows, flat].reshape(out_shape)
        return (y, flat.reshape(out_shape)) if return_indices else y
    planes = input.reshape((B, H * W))
    flat = without_gradient(_argmax_of_planes, planes, plane=(H, W), out_size=sizes)  # recorded: live at replay
    y = getitem(planes, (rows, flat.data)).reshape(out_shape)
    return (y, flat.reshape(out_shape)) if return_indices else y


def _argmax_of_planes(planes, plane, out_size):
    """planes (B, H·W) -> (B, oh·ow) int64: the flat index of each bin's first maximum (see `_argmax_in_bins`)."""
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


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """AdaptiveMaxPool1d(output_size, return_indices=False): `adaptive_max_pool1d` as a module."""

    _fn = staticmethod(adaptive_max_pool1d)
