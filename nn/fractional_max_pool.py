"""Fractional max pooling (Graham, 2014, "Fractional Max-Pooling"; PyTorch's `fractional_max_pool2d/3d`,
`FractionalMaxPool2d/3d`): the maximum over k-wide windows whose starts advance by pseudo-random steps, so that an
axis of n elements shrinks to any m outputs (n/m need not be an integer).

Along an axis of n elements, with windows of k and m outputs, window i starts at

    a_i = ⌊(i + u)·α⌋ − ⌊u·α⌋   for i < m − 1,     a_{m−1} = n − k,     α = (n − k)/(m − 1),

u ∈ [0, 1) one sample per (sample, channel) plane and axis. This is PyTorch's sequence, computed in the input's
float dtype as PyTorch computes it (float32 rounding moves a start by one now and then), so the same samples
(`_random_samples`, shape (N, C, 2) or (N, C, 3)) give PyTorch's windows, values and indices exactly. PyTorch's
samples list the axes as (W, H) in 2-D and (T, H, W) in 3-D. Without `_random_samples` they are drawn from U(0, 1)
with our default generator (or `rng`) at every call.

Gradient as max pooling's: the position of each window's maximum (the first in row-major order; the last NaN when
there is one, as PyTorch) is found on the data, as a recorded result without gradient (a compiled step draws and
finds it again at each call); the output reads x at those positions by indexing, whose rule adds each output's
gradient to its input element (twice for an element that is the maximum of two overlapping windows). The indices
(flat in each plane: h·W + w, or t·H·W + h·W + w) are MaxUnpool2d/3d's.
"""

from __future__ import annotations

import numpy as np

from autograd_core import DTypeError, ShapeError
from autograd_core.ops import data_of
from autograd_core.ops.complex import refuse_complex_kernel

from . import init
from .adaptive_max_pool import max_at_positions
from .conv import _ints
from .module import Module

_AXES = {2: ("height", "width"), 3: ("time", "height", "width")}
_SAMPLE_COLUMN = {2: (1, 0), 3: (0, 1, 2)}  # which column of _random_samples drives each spatial axis (PyTorch's)


def _window_starts(u, n, m, k):
    """u (P,) samples in the input's float dtype -> (P, m) int64: the start of each of m windows of k along n."""
    starts = np.full((u.shape[0], m), n - k, np.int64)
    if m > 1:
        alpha = u.dtype.type(n - k) / u.dtype.type(m - 1)   # in u's dtype, as PyTorch's scalar_t arithmetic
        i = np.arange(m - 1, dtype=u.dtype)
        starts[:, :-1] = ((i + u[:, None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[:, None]
    return starts


def _argmax_of_windows(planes, samples=None, *, spatial, out_size, kernel, batch, rng=None):
    """planes (B·C, prod(spatial)) -> (B·C, prod(out_size)) int64: the flat index in its plane of each window's
    maximum. samples (≥B, C, nd) in planes' dtype, or None: drawn from U(0, 1) with `rng`."""
    nd, P = len(spatial), planes.shape[0]
    if samples is None:
        drawn_in = planes.dtype if planes.dtype in (np.float32, np.float64) else np.float64
        samples = rng.random((batch, P // max(batch, 1), nd), dtype=drawn_in).astype(planes.dtype, copy=False)
    u = np.asarray(samples)[:batch].reshape(P, nd)
    if not np.isfinite(u).all():  # any finite u keeps every window inside: o + k − 1 <= n makes α >= 1
        raise ValueError(f"fractional_max_pool{nd}d: _random_samples must be finite (in [0, 1)), got {u.min()}")
    starts = [_window_starts(u[:, _SAMPLE_COLUMN[nd][d]], spatial[d], out_size[d], kernel[d]) for d in range(nd)]
    # Coordinate d of element j of window i is starts_d[p, i] + j, laid out (P, m_0, .., m_{nd-1}, k_0, .., k_{nd-1}).
    coords = []
    for d in range(nd):
        window, offset = [P] + [1] * (2 * nd), [1] * (1 + 2 * nd)
        window[1 + d], offset[1 + nd + d] = out_size[d], kernel[d]
        coords.append(starts[d].reshape(window) + np.arange(kernel[d]).reshape(offset))
    flat_in_plane = np.broadcast_to(np.ravel_multi_index(coords, spatial), (P,) + tuple(out_size) + tuple(kernel))
    flat_in_plane = flat_in_plane.reshape((P,) + tuple(out_size) + (int(np.prod(kernel)),))
    values = np.take_along_axis(planes, flat_in_plane.reshape(P, flat_in_plane[0].size if P else 0), axis=1)
    values = values.reshape(flat_in_plane.shape)
    nan = np.isnan(values)
    last_nan = nan.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
    best = np.where(nan.any(axis=-1), last_nan, values.argmax(axis=-1))   # PyTorch: `v > max || isnan(v)`
    return np.take_along_axis(flat_in_plane, best[..., None], axis=-1).reshape(P, int(np.prod(out_size)))


def _fractional_max(nd, input, kernel_size, output_size, output_ratio, return_indices, _random_samples, rng):
    who = f"fractional_max_pool{nd}d"
    shape = tuple(np.shape(data_of(input)))
    if len(shape) not in (nd + 1, nd + 2):
        raise ShapeError(f"{who}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {shape}")
    if min(shape[-nd - 1:]) < 1:
        raise ShapeError(f"{who}: the channel and spatial sizes must be non-empty, got shape {shape}")
    refuse_complex_kernel(f"{who}_out_frame", input)
    dtype = np.result_type(data_of(input))
    if dtype.kind != "f":
        raise DTypeError(f"{who}: expected a floating-point input, got {dtype}")
    kernel = _ints(kernel_size, nd, "kernel_size", who, 1)
    spatial = shape[-nd:]
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{who} requires specifying either an output_size or an output_ratio")
        ratios = (output_ratio,) * nd if np.ndim(output_ratio) == 0 else tuple(output_ratio)
        if len(ratios) != nd:
            raise ValueError(f"{who}: output_ratio must be a number or a tuple of {nd}, got {output_ratio!r}")
        output_size = tuple(int(n * r) for n, r in zip(spatial, ratios))   # PyTorch's: output_ratio wins no tie
    sizes = _ints(output_size, nd, "output_size", who, 0)
    strict = nd == 3  # PyTorch's 3-d check is o + k − 1 < n, its 2-d check o + k − 1 <= n
    for axis, n, m, k in zip(_AXES[nd], spatial, sizes, kernel):
        if m + k - 1 > n - strict:
            raise ValueError(f"{who}: pool {axis} {k} too large relative to input {axis} {n} "
                             f"(output {axis} {m} needs {m} + {k} - 1 {'<' if strict else '<='} {n})")
    lead = shape[:-nd]
    batch = shape[0] if len(shape) == nd + 2 else 1
    options = dict(spatial=spatial, out_size=sizes, kernel=kernel, batch=batch)
    if _random_samples is None:
        options["rng"] = init.get_rng(rng)
        samples = ()
    else:
        samples = (_random_samples,)
        got = np.shape(data_of(_random_samples))
        if len(got) != 3 or got[0] < batch or got[1] != lead[-1] or got[2] != nd:
            raise ShapeError(f"{who}: _random_samples must have shape (N, C, {nd}) = ({batch}, {lead[-1]}, {nd}) "
                             f"(N may be larger), got {got}")
        if np.result_type(data_of(_random_samples)) != dtype:
            raise DTypeError(f"{who}: _random_samples must have the input's dtype {dtype}, "
                             f"got {np.result_type(data_of(_random_samples))}")
    # drawn and found again at each call, a compiled replay's too
    return max_at_positions(input, nd, sizes, return_indices, _argmax_of_windows, *samples, **options)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None, rng=None):
    """Fractional max pooling (Graham, 2014): (N, C, H, W) -> (N, C, oh, ow), or (C, H, W) -> (C, oh, ow).

    kernel_size: k or (kh, kw); output_size: oh or (oh, ow), with oh + kh − 1 <= H (and alike for w); or
    output_ratio: r or (rh, rw), giving (int(H·rh), int(W·rw)) (output_size wins when both are given, as PyTorch).
    Windows of kh × kw start at pseudo-random steps drawn from `_random_samples` (N, C, 2), u ∈ [0, 1) for (W, H)
    of each plane, in the input's dtype (PyTorch's: the same samples give PyTorch's output and indices); None:
    drawn from U(0, 1) with `rng` (ours, after PyTorch's arguments; None: the default generator) at each call.
    Gradient: to each window's maximum. return_indices: also the flat index h·W + w of each maximum (int64),
    MaxUnpool2d's."""
    return _fractional_max(2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples, rng)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None, rng=None):
    """PyTorch's F.fractional_max_pool2d_with_indices: always (output, indices); see fractional_max_pool2d."""
    return _fractional_max(2, input, kernel_size, output_size, output_ratio, True, _random_samples, rng)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None, rng=None):
    """Fractional max pooling in 3-D: (N, C, T, H, W) -> (N, C, ot, oh, ow), or (C, T, H, W) -> (C, ot, oh, ow).

    As fractional_max_pool2d with triples: kernel_size k or (kt, kh, kw), output_size or output_ratio per axis,
    `_random_samples` (N, C, 3), u for (T, H, W). return_indices: also the flat index t·H·W + h·W + w (int64),
    MaxUnpool3d's."""
    return _fractional_max(3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples, rng)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None, rng=None):
    """PyTorch's F.fractional_max_pool3d_with_indices: always (output, indices); see fractional_max_pool3d."""
    return _fractional_max(3, input, kernel_size, output_size, output_ratio, True, _random_samples, rng)


class FractionalMaxPool2d(Module):
    """FractionalMaxPool2d(kernel_size, output_size=None, output_ratio=None, return_indices=False,
    _random_samples=None): `fractional_max_pool2d` as a module, (N, C, H, W) or (C, H, W) in.

    Exactly one of output_size and output_ratio (each in (0, 1)). `_random_samples` (N, C, 2), when given, is a
    buffer (in the state dict, as PyTorch's) and fixes the windows; otherwise they are drawn at each call."""

    _nd = 2
    _fn = staticmethod(fractional_max_pool2d)

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        name, nd = type(self).__name__, self._nd
        self.kernel_size = _ints(kernel_size, nd, "kernel_size", name, 1)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else _ints(output_size, nd, "output_size", name, 0)
        self.output_ratio = None if output_ratio is None else (
            (output_ratio,) * nd if np.ndim(output_ratio) == 0 else tuple(output_ratio))
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not (len(self.output_ratio) == nd
                                                  and all(0 < r < 1 for r in self.output_ratio)):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                              _random_samples=self._random_samples)


class FractionalMaxPool3d(FractionalMaxPool2d):
    """FractionalMaxPool3d(kernel_size, output_size=None, output_ratio=None, return_indices=False,
    _random_samples=None): `fractional_max_pool3d` as a module, (N, C, T, H, W) or (C, T, H, W) in; see
    FractionalMaxPool2d (`_random_samples` (N, C, 3))."""

    _nd = 3
    _fn = staticmethod(fractional_max_pool3d)
