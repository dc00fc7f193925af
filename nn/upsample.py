"""Upsampling (PyTorch's `interpolate` and `Upsample`): nearest neighbour, (bi/tri)linear, bicubic and area.

    nearest:   y[..., i, j] = x[..., ⌊i·s_h⌋, ⌊j·s_w⌋],  s = 1/scale_factor (or in/out when a size is given)
    nearest-exact: the same at pixel centres, x[..., ⌊(i + ½)·s_h⌋, ⌊(j + ½)·s_w⌋] (PyTorch's fix of nearest)
    linear:    y = x · A_wᵀ          (N, C, L)      A: (out, in), two weights per row
    bilinear:  y = A_h · x · A_wᵀ    (N, C, H, W)
    trilinear: A_d, A_h, A_w applied along D, H, W  (N, C, D, H, W)
    area:      the same products with PyTorch's adaptive-average-pooling bins (any of 1-D, 2-D, 3-D)
    bicubic:   y = A_h · x · A_wᵀ    (N, C, H, W)   four weights per row (Keys' cubic convolution, A = −0.75),
                                                    taps beyond the edge read the edge pixel
    antialias=True (bilinear, bicubic): the same product, each row the triangle or the cubic (A = −0.5) filter
                                        stretched by the step when shrinking (PyTorch's weights)

Source coordinates follow PyTorch: with align_corners=False (the default) the output pixel centres map
to src = max((i + ½)·s − ½, 0) (bicubic: not clamped at 0); with align_corners=True the corner pixels coincide,
src = i·(in − 1)/(out − 1). Nearest is one indexing node (its gradient adds up the copies); (bi/tri)linear, bicubic
and area are the products with constant interpolation matrices as one node (axis_maps.py), named as PyTorch's
kernel (UpsampleBilinear2DBackward0, ...), whose gradient is the product with the transposed matrices.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd_core import ShapeError, Value
from autograd_core.ops import data_of, matmul, reshape
from autograd_core.ops.shape import _getitem
from autograd_core.ops.complex import refuse_complex_kernel

from .axis_maps import mapped, pooled_along_last
from .grid_sample import cubic_weights
from .module import Module

class _LayoutError(ShapeError, NotImplementedError):
    """An input interpolate cannot take for its mode: a ShapeError, and PyTorch's NotImplementedError."""


_MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,), "bilinear": (2,), "bicubic": (2,),
          "trilinear": (3,), "area": (1, 2, 3)}


def _output_size(who, in_size, size, scale_factor):
    nd = len(in_size)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, numbers.Integral) else tuple(size)
        if len(sizes) != nd or not all(isinstance(n, numbers.Integral) and n >= 1 for n in sizes):
            raise ValueError(f"{who}: size must be a positive int or {nd} of them, got {size!r}")
        return tuple(int(n) for n in sizes), (None,) * nd
    scales = (scale_factor,) * nd if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)
    if len(scales) != nd or not all(isinstance(s, numbers.Real) and s > 0 for s in scales):
        raise ValueError(f"{who}: scale_factor must be a positive number or {nd} of them, got {scale_factor!r}")
    out = tuple(int(math.floor(float(n) * float(s))) for n, s in zip(in_size, scales))
    if min(out) < 1:
        raise ShapeError(f"{who}: input size {in_size} times scale_factor {scale_factor!r} gives an empty output")
    return out, tuple(float(s) for s in scales)


def _nearest_index(n_in, n_out, scale, exact=False):
    """PyTorch's nearest source index, computed in float32 as its kernel does; exact (mode 'nearest-exact'): read at
    the output pixel's centre, ⌊(i + ½)·s⌋."""
    if n_out == n_in:
        return np.arange(n_out)
    if n_out == 2 * n_in and not exact:
        return np.arange(n_out) >> 1
    s = np.float32(1.0 / scale) if scale is not None else np.float32(n_in) / np.float32(n_out)
    at = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor(at * s).astype(np.int64), n_in - 1)


def _area_matrix(n_in, n_out, scale, align_corners, dtype):
    """(n_out, n_in): row i averages PyTorch's adaptive bin ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉ − 1 (mode 'area')."""
    from .pool import _averaging_matrix

    return _averaging_matrix(n_in, n_out, dtype)


def _linear_matrix(n_in, n_out, scale, align_corners, dtype):
    """(n_out, n_in): row i holds the two interpolation weights of output position i."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = 1.0 / scale if scale is not None else n_in / n_out
        src = np.maximum(s * (i + 0.5) - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = lo + (lo < n_in - 1)
    frac = src - lo
    A = np.zeros((n_out, n_in))
    np.add.at(A, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(A, (np.arange(n_out), hi), frac)
    return A.astype(dtype)


def _cubic_matrix(n_in, n_out, scale, align_corners, dtype):
    """(n_out, n_in): row i holds the four cubic weights of output position i, taps at ⌊src⌋ − 1 … ⌊src⌋ + 2
    clamped into [0, n_in − 1] (so weights of taps past an edge add up on the edge pixel), as PyTorch."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = 1.0 / scale if scale is not None else n_in / n_out
        src = s * (i + 0.5) - 0.5
    floor = np.floor(src)
    A = np.zeros((n_out, n_in))
    for offset, weight in zip(range(-1, 3), cubic_weights(src - floor)):
        np.add.at(A, (np.arange(n_out), np.clip(floor.astype(np.int64) + offset, 0, n_in - 1)), weight)
    return A.astype(dtype)


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic_half(x):
    """Keys' cubic convolution kernel with A = −0.5 (PIL's, and PyTorch's antialiased bicubic)."""
    x, a = np.abs(x), -0.5
    return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
                    np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0))


def _antialiased_matrix(n_in, n_out, scale, align_corners, dtype, bicubic=False):
    """(n_out, n_in): PyTorch's antialiased weights (its `_upsample_bilinear2d_aa`/`_upsample_bicubic2d_aa`). With s
    the input/output step, row i is the filter (bilinear: a triangle of half-width 1; bicubic: Keys' cubic with
    A = −0.5, half-width 2) stretched by max(s, 1), centred at c = s·(i + ½), read at the input pixel centres
    j + ½ inside ⌊c ∓ half-width·max(s, 1) + ½⌋, then normalised to sum to 1. Enlarging bilinear with
    align_corners=False gives plain bilinear weights."""
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        s = 1.0 / scale if scale is not None else n_in / n_out
    stretch = max(s, 1.0)
    support = (2.0 if bicubic else 1.0) * stretch                  # the filter's half-width, in input pixels
    kernel = _keys_cubic_half if bicubic else _triangle
    A = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = s * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        w = kernel((np.arange(lo, hi) - center + 0.5) / stretch)
        A[i, lo:hi] = w / w.sum() if w.sum() else w
    return A.astype(dtype)


def _refuse_complex(input, mode, nd, out):
    """PyTorch's refusal of complex input, by the kernel each mode dispatches to ('area' averages complex numbers only
    into a single bin: their mean)."""
    if mode == "area":
        if any(m != 1 for m in out):
            refuse_complex_kernel("adaptive_avg_pool3d_cpu" if nd == 3 else "adaptive_avg_pool2d", input)
    elif mode in ("nearest", "nearest-exact"):
        refuse_complex_kernel("upsample_nearest2d_channels_last" if nd == 2 else "compute_indices_weights_nearest",
                              input)
    else:
        kernels = {"bilinear": "upsample_bilinear2d_channels_last", "bicubic": "compute_indices_weights_cubic"}
        refuse_complex_kernel(kernels.get(mode, "compute_indices_weights_linear"), input)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to `size`, or by `scale_factor`
    (output = ⌊input·scale_factor⌋). mode: 'nearest' and 'nearest-exact' (1-D to 3-D), 'linear' (1-D), 'bilinear'
    (2-D), 'bicubic' (2-D; may overshoot the input's range, as PyTorch's), 'trilinear' (3-D), 'area' (1-D to 3-D:
    adaptive average pooling to the output size); align_corners: only for the interpolating modes (default
    False). recompute_scale_factor=True (with scale_factor):
    the sampling uses the ratio of the sizes, not scale_factor, as PyTorch's. antialias: 'bilinear' and 'bicubic',
    PyTorch's weights (torchvision's tensor Resize default): shrinking averages each output pixel over its whole
    footprint (the filter stretched by the step); enlarging bilinear is plain bilinear (with align_corners=True,
    PyTorch's antialiased weights, which differ from it), bicubic uses Keys' A = −0.5, not −0.75."""
    who = "interpolate"
    if mode not in _MODES:
        raise ValueError(f"{who}: mode must be one of {sorted(_MODES)}, got {mode!r}")
    shape = np.shape(data_of(input))
    nd = len(shape) - 2
    if nd not in _MODES[mode]:  # PyTorch's words first
        layouts = " or ".join(f"{d + 2}-D" for d in _MODES[mode])
        if nd not in (1, 2, 3):
            words = (f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {len(shape)}D) for the modes: "
                     f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")
        else:
            words = f"Got {len(shape)}D input, but {mode} mode needs {_MODES[mode][0] + 2}D input"
        raise _LayoutError(f"{words} ({who}: mode {mode!r} needs {layouts} input, (N, C, spatial...), got shape "
                           f"{shape})")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(f"{who}: align_corners applies to the interpolating modes only, not {mode!r}")
    if recompute_scale_factor and size is not None:
        raise ValueError(f"{who}: recompute_scale_factor is not meaningful with an explicit size")
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"{who}: anti-alias option is restricted to the bilinear and bicubic modes, got {mode!r}")
    out, scales = _output_size(who, shape[2:], size, scale_factor)
    _refuse_complex(input, mode, nd, out)
    if recompute_scale_factor:
        scales = (None,) * len(out)
    if mode in ("nearest", "nearest-exact"):
        index = [_nearest_index(n, m, s, mode == "nearest-exact") for n, m, s in zip(shape[2:], out, scales)]
        grids = np.ix_(*index)                                     # one index array per spatial axis, broadcasting
        if not isinstance(input, Value):
            return input[(slice(None), slice(None)) + grids]
        # one index node, PyTorch's UpsampleNearest2DBackward0 (nearest-exact: UpsampleNearestExact2DBackward0)
        name = f"UpsampleNearest{'Exact' if mode == 'nearest-exact' else ''}{nd}DBackward0"
        return _getitem.named(name)(input, index=(slice(None), slice(None)) + grids)
    dtype = np.result_type(data_of(input), np.float32)
    if antialias:
        mats = [_antialiased_matrix(n, m, s, bool(align_corners), dtype, bicubic=mode == "bicubic")
                for n, m, s in zip(shape[2:], out, scales)]
    else:
        matrix = {"bicubic": _cubic_matrix, "area": _area_matrix}.get(mode, _linear_matrix)
        mats = [matrix(n, m, s, bool(align_corners), dtype) for n, m, s in zip(shape[2:], out, scales)]
    if isinstance(input, Value) and input.data.dtype == dtype:      # one node, as PyTorch's kernel
        if mode == "area" and nd == 1:                             # PyTorch's 1-D adaptive pooling is its 2-D one's
            return pooled_along_last(input, mats[0])
        steps = tuple((-1 - i, mats[-1 - i]) for i in range(nd))     # W, then H, then D, as below
        return mapped(input, steps, _kernel_name(mode, nd, antialias))
    y = matmul(input, mats[-1].T)                                  # along the last axis
    if nd >= 2:
        y = matmul(mats[-2], y)                                    # along H
    if nd == 3:                                                    # along D: (N, C, D, Ho·Wo) rows mixed by A_d
        y = reshape(matmul(mats[0], reshape(y, shape=shape[:3] + (out[1] * out[2],))), shape=shape[:2] + out)
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """PyTorch's deprecated `F.upsample`: `interpolate` with the same arguments, with its UserWarning."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)

_KERNELS = {"linear": "UpsampleLinear1D", "bilinear": "UpsampleBilinear2D", "bicubic": "UpsampleBicubic2D",
            "trilinear": "UpsampleTrilinear3D"}


def _kernel_name(mode, nd, antialias):
    """PyTorch's name of the node of interpolate's kernel for mode ('area' is adaptive average pooling there)."""
    if mode == "area":
        return f"AdaptiveAvgPool{nd}DBackward0"
    return f"{_KERNELS[mode]}{'Aa' if antialias else ''}Backward0"


def upsample_nearest(input, size=None, scale_factor=None):
    """PyTorch's deprecated `F.upsample_nearest`: `interpolate(input, size, scale_factor, mode="nearest")`, with its
    UserWarning."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """PyTorch's deprecated `F.upsample_bilinear`: `interpolate(input, size, scale_factor, mode="bilinear",
    align_corners=True)` (corners aligned, as it always did), with its UserWarning."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


class Upsample(Module):
    """Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None):
    `interpolate` as a layer. scale_factor is kept as a float (or a tuple of floats), as PyTorch keeps it."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        if mode not in _MODES:
            raise ValueError(f"Upsample: mode must be one of {sorted(_MODES)}, got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        if isinstance(scale_factor, (tuple, list)):
            scale_factor = tuple(float(factor) for factor in scale_factor)
        elif scale_factor is not None:
            scale_factor = float(scale_factor)
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):  # PyTorch's: no align_corners
        what = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """UpsamplingNearest2d(size=None, scale_factor=None): nearest-neighbour upsampling of (N, C, H, W), PyTorch's
    older spelling of Upsample(mode='nearest')."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """UpsamplingBilinear2d(size=None, scale_factor=None): bilinear upsampling of (N, C, H, W) with
    align_corners=True (PyTorch's choice for this class, unlike Upsample's default)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
