"""Average pooling as one node, as PyTorch records it (AvgPool2DBackward0, AvgPool3DBackward0), where the composite
of views, convolutions with a box of ones and a scaling recorded four or more.

    avg_pool2d_node(x):  x (..., H, W) -> (..., Ho, Wo), each window's sum (a convolution with `box`, stride and
                         padding pairs) times `scale` (the box's 1/area already, or 1/count per output position)
    avg_pool3d_node(x):  x (..., D, H, W) padded, summed over (kh, kw) windows, then over kd, times `scale`

Both are linear in x: the gradient is the adjoint map (the transposed convolutions of the window sums, with the
scaling first), and the adjoint's gradient is the map again, so second derivatives need no more rules. Each runs
the NumPy kernels the composite ran, in its order, so the numbers are the composite's, bit for bit.
"""

from __future__ import annotations

import numpy as np

from autograd_core.ops import primitive

from .im2col import _conv2d_np, _conv_transpose2d_np

_ONE_PLANE = ((0, 0), (0, 0))


def _window_sums(x, box, stride, pads):
    """x (..., H, W) convolved with box (1, 1, kh, kw) over each plane: (..., Ho, Wo)."""
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    y = _conv2d_np(x.reshape((-1, 1, h, w)), box, stride, pads, (1, 1), 1)
    return y.reshape(lead + y.shape[-2:])


def _window_sums_adjoint(g, box, stride, pads, size):
    """The adjoint of `_window_sums`: g (..., Ho, Wo) spread back over the windows, (..., *size)."""
    lead, (h, w) = g.shape[:-2], g.shape[-2:]
    x = _conv_transpose2d_np(g.reshape((-1, 1, h, w)), box, stride, pads, (1, 1), 1, size)
    return x.reshape(lead + tuple(size))


@primitive("avg_pool2d")
def avg_pool2d_node(x, *, box, stride, pads, scale):
    """x (..., H, W): the sums over box-weighted windows, times scale (None: the box holds the weights)."""
    y = _window_sums(x, box, stride, pads)
    return y if scale is None else y * scale


@primitive("avg_pool2d_adjoint")
def avg_pool2d_adjoint(g, *, box, stride, pads, scale, size):
    """The adjoint of avg_pool2d_node: g (..., Ho, Wo) scaled, then spread back over its windows, (..., *size)."""
    return _window_sums_adjoint(g if scale is None else g * scale, box, stride, pads, size)


# PyTorch's names of the nodes (avg_pool1d: the 2-D node between an unsqueeze and a squeeze, as PyTorch's)
avg_pool2d_node.grad_fn_name, avg_pool2d_adjoint.grad_fn_name = "AvgPool2DBackward0", "AvgPool2DBackwardBackward0"
avg_pool2d_node.defvjp(lambda g, out, x, **geometry: avg_pool2d_adjoint(g, size=x.shape[-2:], **geometry),
                       formulas=("g scaled and spread back over the windows",))
avg_pool2d_node.defjvp_linear()
avg_pool2d_adjoint.defvjp(lambda g, out, x, *, size, **geometry: avg_pool2d_node(g, **geometry),
                          formulas=("avg_pool2d(g)",))
avg_pool2d_adjoint.defjvp_linear()


def _boxes(kernel, dtype):
    """The boxes of ones of avg_pool3d's two passes: over (kh, kw), then over kd."""
    return np.ones((1, 1) + tuple(kernel[1:]), dtype), np.ones((1, 1, kernel[0], 1), dtype)


@primitive("avg_pool3d")
def avg_pool3d_node(x, *, kernel, stride, pads, scale):
    """x (..., D, H, W) padded by pads ((before, after) per axis), summed over kernel (kd, kh, kw) windows with
    stride, times scale (an array of (Do, Ho, Wo) or a 0-d one)."""
    lead = x.shape[:-3]
    if any(amount for pair in pads for amount in pair):
        x = np.pad(x, ((0, 0),) * len(lead) + tuple(pads))
    plane, depth = _boxes(kernel, x.dtype)
    sums = _window_sums(x, plane, stride[1:], _ONE_PLANE)                               # over (kh, kw)
    padded_depth, out_hw = sums.shape[-3], sums.shape[-2:]
    sums = _window_sums(sums.reshape((-1, padded_depth, out_hw[0] * out_hw[1])), depth, (stride[0], 1),
                        _ONE_PLANE)                                                     # then over kd
    return sums.reshape(lead + sums.shape[-2:-1] + out_hw) * scale


@primitive("avg_pool3d_adjoint")
def avg_pool3d_adjoint(g, *, kernel, stride, pads, scale, size):
    """The adjoint of avg_pool3d_node: g (..., Do, Ho, Wo) scaled, spread back over the windows along D, then H and
    W, the padding cut off: (..., *size)."""
    lead, (out_d, out_h, out_w) = g.shape[:-3], g.shape[-3:]
    padded = tuple(n + before + after for n, (before, after) in zip(size, pads))
    plane, depth = _boxes(kernel, g.dtype)
    g = (g * scale).reshape((-1, out_d, out_h * out_w))
    g = _window_sums_adjoint(g, depth, (stride[0], 1), _ONE_PLANE, (padded[0], out_h * out_w))
    x = _window_sums_adjoint(g.reshape(lead + (padded[0], out_h, out_w)), plane, stride[1:], _ONE_PLANE, padded[1:])
    return x[(Ellipsis,) + tuple(slice(before, before + n) for n, (before, _) in zip(size, pads))].copy()


avg_pool3d_node.grad_fn_name, avg_pool3d_adjoint.grad_fn_name = "AvgPool3DBackward0", "AvgPool3DBackwardBackward0"
avg_pool3d_node.defvjp(lambda g, out, x, **geometry: avg_pool3d_adjoint(g, size=x.shape[-3:], **geometry),
                       formulas=("g scaled and spread back over the windows",))
avg_pool3d_node.defjvp_linear()
avg_pool3d_adjoint.defvjp(lambda g, out, x, *, size, **geometry: avg_pool3d_node(g, **geometry),
                          formulas=("avg_pool3d(g)",))
avg_pool3d_adjoint.defjvp_linear()
