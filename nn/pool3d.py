"""3-D pooling (PyTorch's layout NCDHW): max, average, power-average and adaptive average, as functions and modules.

All are compositions of the 2-D machinery of pool.py and conv.py, so gradients, forward mode and compile come with it:

    max_pool3d:  a maximum is separable: the 2-D max pool of every depth plane over (H, W), then the max pool of
                 those along depth (a 2-D pool of kernel (kd, 1) over (D, Ho·Wo)). The first maximum in (d, h, w)
                 order (PyTorch's choice for the gradient and the indices) is the first plane's first maximum, and
                 the last NaN in that order is the last plane's last NaN (where a window holds NaN, PyTorch's
                 kernel takes its last).
    avg_pool3d:  window sums (conv2d with a box of ones over (H, W), then over D) divided by each window's
                 divisor: its size inside input + padding (count_include_pad) or inside the input, or divisor_override.
    adaptive_avg_pool3d: averaging matrices along D, H and W.   lp_pool3d: (Σ_window x^p)^(1/p).
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of, matmul, mean, reshape, without_gradient
from autograd_core.ops.complex import refuse_complex, refuse_complex_kernel

from .avg_pool_nodes import avg_pool3d_node
from .axis_maps import mapped
from .conv import _conv2d, _ints
from .conv import _batched
from .module import Module
from .padding import pad
from .max_pool_kernels import _argmax_indices, _max_np
from .pool import _averaging_matrix, _float_dtype, _max_pool2d, _pool_geometry, max_pool1d, max_pool2d
from .pool_extra import _lp_pool


def _plane_geometry(kernel, stride, dilation, pads):
    """Keyword geometry of the two 2-D max pools: over (H, W), then over (D, Ho·Wo) with a (kd, 1) kernel."""
    return (dict(kernel=kernel[1:], stride=stride[1:], padding=pads[1:], dilation=dilation[1:]),
            dict(kernel=(kernel[0], 1), stride=(stride[0], 1), padding=(pads[0], (0, 0)), dilation=(dilation[0], 1)))


def _max_indices_3d(x, kernel, stride, dilation, pads):
    """(N, C, Do, Ho, Wo) int64: the flat index d·H·W + h·W + w of each window's first maximum in x's D×H×W volume."""
    N, C, D, H, W = x.shape
    over_hw, over_d = _plane_geometry(kernel, stride, dilation, pads)
    planes = x.reshape(N, C * D, H, W)
    pooled = _max_np(planes, over_hw["kernel"], over_hw["stride"], over_hw["padding"], over_hw["dilation"])
    in_plane = _argmax_indices(planes, pooled, over_hw["kernel"], over_hw["stride"], over_hw["padding"],
                               over_hw["dilation"])
    Ho, Wo = pooled.shape[2:]
    stack = pooled.reshape(N, C, D, Ho * Wo)
    deepest = _max_np(stack, over_d["kernel"], over_d["stride"], over_d["padding"], over_d["dilation"])
    depth = _argmax_indices(stack, deepest, over_d["kernel"], over_d["stride"], over_d["padding"],
                            over_d["dilation"]) // (Ho * Wo)                            # (N, C, Do, Ho·Wo)
    n, c, _, j = np.indices(depth.shape, sparse=True)
    picked = in_plane.reshape(N, C, D, Ho * Wo)[n, c, depth, j]
    return (depth * (H * W) + picked).reshape(N, C, -1, Ho, Wo)


def _max_pool3d(who, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(who, input, 5)
    refuse_complex(who, x)  # no order among complex numbers (the float cast below would drop imaginary parts)
    if not isinstance(data_of(x), np.ndarray) or data_of(x).dtype.kind != "f":
        x = np.asarray(data_of(x), dtype=_float_dtype(x))  # integer input: padded with −∞ as floats
    kernel, stride, dilation, pads, out_size = _pool_geometry(who, 3, x, kernel_size, stride, padding, dilation,
                                                              ceil_mode)
    N, C, D, H, W = np.shape(data_of(x))
    over_hw, over_d = _plane_geometry(kernel, stride, dilation, pads)
    y = _max_pool2d(reshape(x, shape=(N, C * D, H, W)), **over_hw)
    y = _max_pool2d(reshape(y, shape=(N, C, D, out_size[1] * out_size[2])), **over_d)
    y = reshape(y, shape=(N, C) + out_size)
    if return_indices:
        geometry = dict(kernel=kernel, stride=stride, dilation=dilation, pads=pads)
        indices = (without_gradient(_max_indices_3d, x, **geometry) if isinstance(x, Value)  # an int64 Value
                   else _max_indices_3d(np.asarray(x), **geometry))
    if unbatched:
        y = reshape(y, shape=(C,) + out_size)
        indices = indices.reshape((C,) + out_size) if return_indices else None
    return (y, indices) if return_indices else y


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over (kd, kh, kw) windows. input (N, C, D, H, W) or (C, D, H, W) -> (…, C, Do, Ho, Wo) with
    Do = ⌊(D + 2p − d(kd − 1) − 1)/s⌋ + 1 (⌈⌉ with ceil_mode), and so for Ho, Wo; stride defaults to kernel_size;
    padding (at most half the kernel) never wins. Gradient: to the first maximum of each window in (d, h, w) order.
    return_indices: also the flat index d·H·W + h·W + w of each maximum (int64), for `max_unpool3d`."""
    out = _max_pool3d("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if isinstance(input, Value):  # 2-D poolings between views here, PyTorch's one node
        shown_as(out[0] if return_indices else out, input, "MaxPool3DWithIndicesBackward0")
    return out


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """PyTorch's F.max_pool1d_with_indices: `max_pool1d` that always returns (output, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """PyTorch's F.max_pool2d_with_indices: `max_pool2d` that always returns (output, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """PyTorch's F.max_pool3d_with_indices: `max_pool3d` that always returns (output, indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _divisors(n, k, s, p, out, include_pad):
    """Per output position along one axis: the window's size inside input + padding, or inside the input alone."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over (kd, kh, kw) windows. input (N, C, D, H, W) or (C, D, H, W) -> (…, C, Do, Ho, Wo) (sizes as
    max_pool3d). Each window's sum is divided by divisor_override when given, else by the number of its elements
    inside the input and its padding (count_include_pad=True, PyTorch's default) or inside the input alone;
    ceil_mode's overhang never counts."""
    who = "avg_pool3d"
    x, unbatched = _batched(who, input, 5)
    refuse_complex(who, x)  # PyTorch's kernels take real numbers only
    kernel, stride, _, pads, out_size = _pool_geometry(who, 3, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(divisor_override, int)
                                         or divisor_override == 0):
        raise ValueError(f"{who}: divisor_override must be a non-zero int, got {divisor_override!r}")
    dtype = _float_dtype(x)
    if isinstance(x, Value) and x.data.dtype == dtype:  # one node, as PyTorch's (over the unbatched input itself)
        scale = _avg_pool3d_scale(x.data.shape[-3:], kernel, stride, pads, out_size, count_include_pad,
                                  divisor_override, dtype)
        return avg_pool3d_node(input, kernel=kernel, stride=stride, pads=pads, scale=scale)
    if not isinstance(x, Value):
        x = np.asarray(x, dtype=dtype)
    N, C, D, H, W = np.shape(data_of(x))
    if any(amount for pair in pads for amount in pair):
        x = pad(x, tuple(amount for pair in reversed(pads) for amount in pair))
    Dp, Hp, Wp = (n + before + after for n, (before, after) in zip((D, H, W), pads))
    Do, Ho, Wo = out_size
    box = np.ones((1, 1) + kernel[1:], dtype)
    sums = _conv2d(reshape(x, shape=(N * C * Dp, 1, Hp, Wp)), box, stride=stride[1:], padding=((0, 0), (0, 0)),
                   dilation=(1, 1), groups=1)                                           # sums over (kh, kw)
    depth_box = np.ones((1, 1, kernel[0], 1), dtype)
    sums = _conv2d(reshape(sums, shape=(N * C, 1, Dp, Ho * Wo)), depth_box, stride=(stride[0], 1),
                   padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1)                 # then over kd
    scale = _avg_pool3d_scale((D, H, W), kernel, stride, pads, out_size, count_include_pad, divisor_override,
                              dtype)
    y = reshape(sums, shape=(N, C) + out_size) * scale
    return reshape(y, shape=(C,) + out_size) if unbatched else y


def _avg_pool3d_scale(shape, kernel, stride, pads, out_size, count_include_pad, divisor_override, dtype):
    """1/divisor_override, or per output position 1/the number of elements its window covers."""
    if divisor_override is not None:
        return np.asarray(1.0 / divisor_override, dtype)
    per_axis = [_divisors(n, k, s, before, m, count_include_pad)
                for n, k, s, (before, _), m in zip(shape, kernel, stride, pads, out_size)]
    return (1.0 / np.einsum("i,j,k->ijk", *per_axis)).astype(dtype)


def _output_sizes(who, output_size, spatial):
    triple = (output_size,) * 3 if output_size is None or np.ndim(output_size) == 0 else tuple(output_size)
    if len(triple) != 3:
        raise ValueError(f"{who}: output_size must be an int or a triple, got {output_size!r}")
    return _ints(tuple(n if m is None else m for n, m in zip(spatial, triple)), 3, "output_size", who, 1)


def adaptive_avg_pool3d(input, output_size):
    """Average over PyTorch's adaptive bins: (N, C, D, H, W) or (C, D, H, W) -> (…, od, oh, ow); output_size an int
    or a triple (None keeps that size). Computed with constant averaging matrices along D, H and W."""
    who = "adaptive_avg_pool3d"
    shape = tuple(np.shape(data_of(input)))
    if len(shape) not in (4, 5):
        raise ShapeError(f"{who}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got shape {shape}")
    od, oh, ow = _output_sizes(who, output_size, shape[-3:])
    if (od, oh, ow) != (1, 1, 1):  # PyTorch averages complex numbers only into a single bin (its mean)
        refuse_complex_kernel("adaptive_avg_pool3d_cpu", input)
    elif np.result_type(data_of(input)).kind in "fc":  # one bin: the mean, as PyTorch's (MeanBackward1)
        return mean(input, axis=(-3, -2, -1), keepdims=True)
    D, H, W = shape[-3:]
    dtype = _float_dtype(input)
    if isinstance(input, Value) and input.data.dtype == dtype:  # one node, as PyTorch's kernel
        steps = ((-2, _averaging_matrix(H, oh, dtype)), (-1, _averaging_matrix(W, ow, dtype)),
                 (-3, _averaging_matrix(D, od, dtype)))
        return mapped(input, steps, "AdaptiveAvgPool3DBackward0")
    y = matmul(matmul(_averaging_matrix(H, oh, dtype), input), _averaging_matrix(W, ow, dtype).T)  # (…, D, oh, ow)
    y = matmul(_averaging_matrix(D, od, dtype), reshape(y, shape=shape[:-3] + (D, oh * ow)))
    return reshape(y, shape=shape[:-3] + (od, oh, ow))


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(Σ_window x^p)^(1/p) over (kd, kh, kw) windows: (N, C, D, H, W) or (C, D, H, W) -> (…, C, Do, Ho, Wo) (sizes
    as avg_pool3d; stride defaults to kernel_size). x^p of a negative x is NaN unless p is whole, as in PyTorch; p = inf
    is the max of |x|, −inf the min; PyTorch's chain of nodes (see lp_pool1d)."""
    kernel = _ints(kernel_size, 3, "kernel_size", "lp_pool3d", 1)
    return _lp_pool("lp_pool3d", input, norm_type, kernel, stride, ceil_mode, avg_pool3d, max_pool3d)


# ----------------------------------------------------------------------------------------------------
# Modules (no parameters).


class MaxPool3d(Module):
    """MaxPool3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False): see
    `max_pool3d`."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        who = type(self).__name__
        # the sizes as given (PyTorch's attributes and repr), and as checked tuples for max_pool3d
        self._sizes = (_ints(kernel_size, 3, "kernel_size", who, 1),
                       _ints(kernel_size if stride is None else stride, 3, "stride", who, 1),
                       _ints(padding, 3, "padding", who, 0), _ints(dilation, 3, "dilation", who, 1))
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, input):
        return max_pool3d(input, *self._sizes, self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool3d(Module):
    """AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None): see `avg_pool3d`."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        who = type(self).__name__
        # the sizes as given (PyTorch's attributes and repr), and as checked tuples for avg_pool3d
        self._sizes = (_ints(kernel_size, 3, "kernel_size", who, 1),
                       _ints(kernel_size if stride is None else stride, 3, "stride", who, 1),
                       _ints(padding, 3, "padding", who, 0))
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        return avg_pool3d(input, *self._sizes, self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Module):
    """AdaptiveAvgPool3d(output_size): see `adaptive_avg_pool3d`."""

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size!r}"


class LPPool3d(Module):
    """LPPool3d(norm_type, kernel_size, stride=None, ceil_mode=False): see `lp_pool3d`."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input):
        return lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


__all__ = ["max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "avg_pool3d", "adaptive_avg_pool3d", "lp_pool3d",
           "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "LPPool3d"]
