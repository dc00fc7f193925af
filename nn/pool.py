"""Pooling (PyTorch's layouts NCL and NCHW): max, average, global average and adaptive average.

    max_pool:  y[n, c, i, j] = max_{p,q} x[n, c, i·s + p − pad, j·s + q − pad]   (padding is −∞: never wins)
               dx: each g[n, c, i, j] goes to the FIRST maximum of its window in row-major order (PyTorch's
               choice; a NaN counts as a maximum); where windows overlap, the contributions add up.
    avg_pool:  a convolution of each channel with the constant kernel 1/(kh·kw) (count_include_pad=True,
               PyTorch's default: padded zeros count), so it is differentiated by conv2d's own rules.
    global_avg_pool2d: the mean over H and W.  adaptive_avg_pool2d: Aₕ · x · A_wᵀ with averaging matrices.

Max pooling is three primitives that differentiate into each other: max_pool2d (dx = scatter of g to the
first maxima), max_pool2d_scatter (linear in g; its adjoint gathers at the same positions) and
max_pool2d_gather; the positions depend on x only piecewise-constantly, so x gets no gradient through them.
The 1-D functions run as 2-D ones of height 1.
"""

from __future__ import annotations

import numpy as np

from autograd_core.ops import data_of, matmul, mean, primitive, reshape

from .conv import _conv2d, _conv2d_np, _ints, _out_len, _pad, _scatter_windows, _windows
from .module import Module

# ----------------------------------------------------------------------------------------------------
# NumPy kernels. Geometry: kernel (kh, kw), stride (sh, sw), padding ((ph, ph), (pw, pw)).


def _pool_columns(x, kernel, stride, padding, fill):
    """Every window of padded x as one contiguous array (kh·kw, N, C, Ho, Wo).

    The window axis comes first because NumPy reduces fast over the outermost axis (slab by slab) and
    slowly over a short innermost one.
    """
    N, C, H, W = x.shape
    out_size = tuple(_out_len(n, pad, k, s, 1) for n, pad, k, s in zip((H, W), padding, kernel, stride))
    win = _windows(_pad(x, padding, fill), kernel, stride, (1, 1), out_size)      # (N, C, kh, kw, Ho, Wo)
    return np.ascontiguousarray(win.transpose(2, 3, 0, 1, 4, 5)).reshape((-1, N, C) + out_size)


def _first_max(cols):
    """Window position (N, C, Ho, Wo) of the first maximum of each window of cols (kh·kw, N, C, Ho, Wo)."""
    top = cols.max(axis=0)
    hit = cols == top
    if np.isnan(top).any():
        hit |= np.isnan(cols)  # a NaN is the maximum (max propagates it)
    taps = cols.shape[0]
    # Rank taps from `taps` (the first) down to 1: the largest rank among the hits marks the first hit.
    rank = np.arange(taps, 0, -1, dtype=np.min_scalar_type(taps)).reshape(taps, 1, 1, 1, 1)
    return taps - (hit.view(np.uint8) * rank).max(axis=0)


def _scatter_to_max(g, x, kernel, stride, padding):
    """x-shaped array with g[n, c, i, j] added at the first maximum of window (i, j) of x."""
    tap = _first_max(_pool_columns(x, kernel, stride, padding, -np.inf))
    taps = tap.dtype.type(kernel[0] * kernel[1])
    dcols = (tap == np.arange(taps, dtype=tap.dtype).reshape(-1, 1, 1, 1, 1)) * g    # (kh·kw, N, C, Ho, Wo)
    N, C, H, W = x.shape
    (ph, _), (pw, _) = padding
    dxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=dcols.dtype)
    dcols = dcols.reshape(tuple(kernel) + (N, C) + g.shape[2:]).transpose(2, 3, 0, 1, 4, 5)
    _scatter_windows(dxp, dcols, stride, (1, 1))
    return dxp[:, :, ph:ph + H, pw:pw + W]


def _gather_at_max(h, x, kernel, stride, padding):
    """h (x's shape) read at the first maximum of each window of x: (N, C, Ho, Wo)."""
    tap = _first_max(_pool_columns(x, kernel, stride, padding, -np.inf))
    cols = _pool_columns(h, kernel, stride, padding, 0)
    return np.take_along_axis(cols, tap[None].astype(np.intp), axis=0)[0]


# ----------------------------------------------------------------------------------------------------
# Max-pooling primitives.


@primitive("max_pool2d")
def _max_pool2d(x, *, kernel, stride, padding):
    return _pool_columns(x, kernel, stride, padding, -np.inf).max(axis=0)


@primitive("max_pool2d_scatter")
def _max_pool2d_scatter(g, x, *, kernel, stride, padding):
    return _scatter_to_max(g, x, kernel, stride, padding)


@primitive("max_pool2d_gather")
def _max_pool2d_gather(h, x, *, kernel, stride, padding):
    return _gather_at_max(h, x, kernel, stride, padding)


def _no_gradient(g, out, *args, **geometry):
    return None  # the positions of the maxima are piecewise constant in x


_max_pool2d.defvjp(lambda g, out, x, **geo: _max_pool2d_scatter(g, data_of(x), **geo),
                   formulas=("g to each window's first max",))
_max_pool2d_scatter.defvjp(lambda g, out, dy, x, **geo: _max_pool2d_gather(g, data_of(x), **geo), _no_gradient,
                           formulas=("g read at each window's first max", "0"))
_max_pool2d_gather.defvjp(lambda g, out, h, x, **geo: _max_pool2d_scatter(g, data_of(x), **geo), _no_gradient,
                          formulas=("g to each window's first max", "0"))


# ----------------------------------------------------------------------------------------------------
# Arguments.


def _pool_geometry(who, nd, x, kernel_size, stride, padding):
    """Checked 2-D geometry (1-D lifted to height 1): kernel, stride, padding pairs, output size."""
    x_shape = np.shape(x)
    if len(x_shape) != nd + 2:
        raise ValueError(f"{who}: input must be {nd + 2}-D {'(N, C, L)' if nd == 1 else '(N, C, H, W)'}, "
                         f"got shape {x_shape}")
    kernel = _ints(kernel_size, nd, "kernel_size", who, 1)
    stride = kernel if stride is None else _ints(stride, nd, "stride", who, 1)
    pads = _ints(padding, nd, "padding", who, 0)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{who}: padding {pads} must be at most half of kernel_size {kernel}")
    out_size = tuple((n + 2 * p - k) // s + 1 for n, p, k, s in zip(x_shape[2:], pads, kernel, stride))
    if min(out_size) < 1:
        raise ValueError(f"{who}: input of shape {x_shape} with padding {pads} is smaller than kernel_size {kernel}")
    if nd == 1:
        kernel, stride, pads = (1,) + kernel, (1,) + stride, (0,) + pads
    return kernel, stride, tuple((p, p) for p in pads), out_size


def _float_dtype(x):
    dtype = np.result_type(data_of(x))
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


# ----------------------------------------------------------------------------------------------------
# Public functions.


def _max_pool(who, nd, x, kernel_size, stride, padding):
    kernel, stride, pads, out_size = _pool_geometry(who, nd, x, kernel_size, stride, padding)
    shape = np.shape(x)
    x2 = x if nd == 2 else reshape(x, shape=shape[:2] + (1, shape[2]))
    y = _max_pool2d(x2, kernel=kernel, stride=stride, padding=pads)
    return y if nd == 2 else reshape(y, shape=shape[:2] + out_size)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over windows. x (N, C, H, W) -> (N, C, Ho, Wo), Ho = ⌊(H + 2p − k)/s⌋ + 1; stride defaults to
    kernel_size; padding (at most half the kernel) never wins. Gradient: to the first max of each window."""
    return _max_pool("max_pool2d", 2, x, kernel_size, stride, padding)


def max_pool1d(x, kernel_size, stride=None, padding=0):
    """Max over windows along L. x (N, C, L) -> (N, C, Lo); see max_pool2d."""
    return _max_pool("max_pool1d", 1, x, kernel_size, stride, padding)


def _avg_pool(who, nd, x, kernel_size, stride, padding, count_include_pad):
    kernel, stride, pads, out_size = _pool_geometry(who, nd, x, kernel_size, stride, padding)
    shape, dtype = np.shape(x), _float_dtype(x)
    N, C, H, W = shape[:2] + (1,) * (2 - nd) + shape[2:]
    box = np.full((1, 1) + kernel, 1.0 / (kernel[0] * kernel[1]), dtype=dtype)   # the averaging kernel
    y = _conv2d(reshape(x, shape=(N * C, 1, H, W)), box, stride=stride, padding=pads, dilation=(1, 1), groups=1)
    if not count_include_pad and any(p for p, _ in pads):
        # Divide by the number of real (unpadded) elements in each window instead of kh·kw.
        real = _conv2d_np(np.ones((1, 1, H, W), dtype), np.ones((1, 1) + kernel, dtype), stride, pads, (1, 1), 1)
        y = y * (kernel[0] * kernel[1] / real)
    return reshape(y, shape=(N, C) + out_size)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Mean over windows. x (N, C, H, W) -> (N, C, Ho, Wo) (sizes as max_pool2d). With count_include_pad
    (the default, as PyTorch) padded zeros count in the mean; otherwise only real elements do."""
    return _avg_pool("avg_pool2d", 2, x, kernel_size, stride, padding, count_include_pad)


def avg_pool1d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Mean over windows along L. x (N, C, L) -> (N, C, Lo); see avg_pool2d."""
    return _avg_pool("avg_pool1d", 1, x, kernel_size, stride, padding, count_include_pad)


def global_avg_pool2d(x, keepdims=False):
    """Mean over H and W: x (N, C, H, W) -> (N, C), or (N, C, 1, 1) with keepdims."""
    if len(np.shape(x)) != 4:
        raise ValueError(f"global_avg_pool2d: input must be 4-D (N, C, H, W), got shape {np.shape(x)}")
    return mean(x, axis=(2, 3), keepdims=keepdims)


def _averaging_matrix(n, m, dtype):
    """(m, n): row i averages positions ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉ − 1 (PyTorch's adaptive bins)."""
    i, j = np.arange(m)[:, None], np.arange(n)
    start, end = i * n // m, -(-(i + 1) * n // m)
    return (((j >= start) & (j < end)) / (end - start)).astype(dtype)


def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive bins: x (N, C, H, W) -> (N, C, oh, ow); output_size int or pair
    (None keeps that size). Computed as Aₕ · x · A_wᵀ with constant averaging matrices."""
    shape = np.shape(x)
    if len(shape) != 4:
        raise ValueError(f"adaptive_avg_pool2d: input must be 4-D (N, C, H, W), got shape {shape}")
    sizes = (output_size, output_size) if output_size is None or np.ndim(output_size) == 0 else output_size
    sizes = tuple(n if m is None else m for n, m in zip(shape[2:], sizes))
    oh, ow = _ints(sizes, 2, "output_size", "adaptive_avg_pool2d", 1)
    dtype = _float_dtype(x)
    return matmul(matmul(_averaging_matrix(shape[2], oh, dtype), x), _averaging_matrix(shape[3], ow, dtype).T)


# ----------------------------------------------------------------------------------------------------
# Modules (no parameters).


class _Pool(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        who, nd = type(self).__name__, self._nd
        self.kernel_size = _ints(kernel_size, nd, "kernel_size", who, 1)
        self.stride = self.kernel_size if stride is None else _ints(stride, nd, "stride", who, 1)
        self.padding = _ints(padding, nd, "padding", who, 0)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    """Max pooling layer over (N, C, H, W); see `max_pool2d`."""

    _nd = 2

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class MaxPool1d(_Pool):
    """Max pooling layer over (N, C, L); see `max_pool1d`."""

    _nd = 1

    def forward(self, x):
        return max_pool1d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool):
    """Average pooling layer over (N, C, H, W); see `avg_pool2d`."""

    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True):
        _Pool.__init__(self, kernel_size, stride, padding)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)


class AvgPool1d(_Pool):
    """Average pooling layer over (N, C, L); see `avg_pool1d`."""

    _nd = 1
    __init__ = AvgPool2d.__init__

    def forward(self, x):
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)


class GlobalAvgPool2d(Module):
    """Mean over H and W: (N, C, H, W) -> (N, C), or (N, C, 1, 1) with keepdims=True."""

    def __init__(self, keepdims=False):
        self.keepdims = bool(keepdims)

    def forward(self, x):
        return global_avg_pool2d(x, self.keepdims)

    def extra_repr(self):
        return "keepdims=True" if self.keepdims else ""


class AdaptiveAvgPool2d(Module):
    """Average over adaptive bins to a fixed (oh, ow); see `adaptive_avg_pool2d`."""

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, x):
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size!r}"


__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_avg_pool2d", "adaptive_avg_pool2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "AdaptiveAvgPool2d",
]
