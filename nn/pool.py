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

from .conv import _conv2d, _ints
from .im2col import _conv2d_np, _pad, _scratch
from .module import Module

# ----------------------------------------------------------------------------------------------------
# NumPy kernels. Geometry: kernel (kh, kw), stride (sh, sw), padding ((ph, ph), (pw, pw)).
#
# They loop over the kh·kw positions inside a window, each step vectorised over every pixel: position
# (p, q) of all windows is one strided view of the padded input, so nothing is copied. (A window axis
# of a few elements is slow for NumPy to reduce over, unless the windows are first copied out.)
# Padded copies and masks are scratch buffers of nn.im2col (kept between calls); results are fresh.


def _window_positions(out_size, kernel, stride):
    """For each position (p, q) in a window, the index of the view xp[:, :, p + i·sh, q + j·sw] over (i, j)."""
    (Ho, Wo), (kh, kw), (sh, sw) = out_size, kernel, stride
    for p in range(kh):
        for q in range(kw):
            yield (slice(None), slice(None), slice(p, p + sh * (Ho - 1) + 1, sh), slice(q, q + sw * (Wo - 1) + 1, sw))


def _max_np(x, kernel, stride, padding):
    xp = _pad(x, padding, -np.inf, scratch="pool_input")
    out_size = tuple((n - k) // s + 1 for n, k, s in zip(xp.shape[2:], kernel, stride))
    out = None
    for at in _window_positions(out_size, kernel, stride):
        out = xp[at].copy() if out is None else np.maximum(out, xp[at], out=out)  # maximum propagates NaN
    return out


def _first_maxima(x, out, kernel, stride, padding):
    """Yield (index of a window position, mask over outputs): True where that position holds the first
    maximum of the window (row-major order, as PyTorch; a NaN counts as the maximum). `out` = max pool of x.
    The mask is one scratch buffer, rewritten for each position."""
    xp = _pad(x, padding, -np.inf, scratch="pool_input")
    has_nan = np.isnan(out).any()
    hit, taken = _scratch("pool_hit", out.shape, bool), None
    for at in _window_positions(out.shape[2:], kernel, stride):
        np.equal(xp[at], out, out=hit)
        if has_nan:
            hit |= np.isnan(xp[at])
        if taken is None:
            taken = _scratch("pool_taken", out.shape, bool)
            taken[...] = hit
        else:
            np.greater(hit, taken, out=hit)  # a hit, and no earlier position of its window had one
            taken |= hit
        yield at, hit


def _scatter_to_max(g, x, out, kernel, stride, padding):
    """x-shaped: g[n, c, i, j] added at the first maximum of window (i, j); overlapping windows add up."""
    (ph, _), (pw, _) = padding
    N, C, H, W = x.shape
    padded = (N, C, H + 2 * ph, W + 2 * pw)
    if ph or pw:  # summed in a padded scratch buffer, then cropped into a fresh result
        dxp = _scratch("pool_scatter", padded, g.dtype)
        dxp.fill(0)
    else:
        dxp = np.zeros(padded, dtype=g.dtype)
    disjoint = stride[0] >= kernel[0] and stride[1] >= kernel[1]
    part = None if disjoint else _scratch("pool_part", g.shape, g.dtype)
    for at, hit in _first_maxima(x, out, kernel, stride, padding):
        if disjoint:
            np.multiply(g, hit, out=dxp[at])  # each element of x is in one window at most
        else:
            dxp[at] += np.multiply(g, hit, out=part)
    return dxp[:, :, ph:ph + H, pw:pw + W].copy() if ph or pw else dxp


def _gather_at_max(h, x, out, kernel, stride, padding):
    """(N, C, Ho, Wo): h (x's shape) read at the first maximum of each window of x."""
    hp = _pad(h, padding, 0, scratch="pool_gather")
    picked = np.zeros(out.shape, dtype=h.dtype)
    part = _scratch("pool_part", out.shape, h.dtype)
    for at, hit in _first_maxima(x, out, kernel, stride, padding):
        picked += np.multiply(hp[at], hit, out=part)
    return picked


# ----------------------------------------------------------------------------------------------------
# Max-pooling primitives. The scatter and the gather take x and the pool's output as plain data.


@primitive("max_pool2d")
def _max_pool2d(x, *, kernel, stride, padding):
    return _max_np(x, kernel, stride, padding)


@primitive("max_pool2d_scatter")
def _max_pool2d_scatter(g, x, pooled, *, kernel, stride, padding):
    return _scatter_to_max(g, x, pooled, kernel, stride, padding)


@primitive("max_pool2d_gather")
def _max_pool2d_gather(h, x, pooled, *, kernel, stride, padding):
    return _gather_at_max(h, x, pooled, kernel, stride, padding)


def _no_gradient(g, out, *args, **geometry):
    return None  # the positions of the maxima are piecewise constant in x


_max_pool2d.defvjp(lambda g, out, x, **geo: _max_pool2d_scatter(g, data_of(x), data_of(out), **geo),
                   formulas=("g to each window's first max",))
_max_pool2d_scatter.defvjp(
    lambda g, out, dy, x, pooled, **geo: _max_pool2d_gather(g, data_of(x), data_of(pooled), **geo),
    _no_gradient, _no_gradient, formulas=("g read at each window's first max", "0", "0"))
_max_pool2d_gather.defvjp(
    lambda g, out, h, x, pooled, **geo: _max_pool2d_scatter(g, data_of(x), data_of(pooled), **geo),
    _no_gradient, _no_gradient, formulas=("g to each window's first max", "0", "0"))
# Forward mode: max pooling reads the tangent at each window's first maximum (a gather); the scatter and
# the gather are linear in their first input.
_max_pool2d.defjvp(lambda t, out, x, **geo: _max_pool2d_gather(t, data_of(x), data_of(out), **geo))
_max_pool2d_scatter.defjvp(
    lambda t, out, dy, x, pooled, **geo: _max_pool2d_scatter(t, data_of(x), data_of(pooled), **geo),
    _no_gradient, _no_gradient)
_max_pool2d_gather.defjvp(
    lambda t, out, h, x, pooled, **geo: _max_pool2d_gather(t, data_of(x), data_of(pooled), **geo),
    _no_gradient, _no_gradient)


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
    if not isinstance(data_of(x), np.ndarray) or data_of(x).dtype.kind != "f":
        x = np.asarray(data_of(x), dtype=_float_dtype(x))  # integer input: padded with −∞ as floats
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
