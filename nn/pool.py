"""Pooling (PyTorch's layouts NCL and NCHW): max, average, global average and adaptive average.

    max_pool:  y[n, c, i, j] = max_{p,q} x[n, c, i·s + p − pad, j·s + q − pad]   (padding is −∞: never wins)
               dx: each g[n, c, i, j] goes to the FIRST maximum of its window in row-major order, or to the LAST
               NaN of a window holding NaN (PyTorch's kernel takes an element larger than the best so far, or NaN);
               where windows overlap, the contributions add up.
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

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of, matmul, mean, primitive, reshape, without_gradient
from autograd_core.ops.complex import refuse_complex, refuse_complex_kernel
from autograd_core.ops.elementwise import relu, relu_backward
from autograd_core.ops.backward_nodes import backward_node
from autograd_core.scattered_gradient import ScatteredGradient

from .avg_pool_nodes import avg_pool2d_node
from .axis_maps import mapped
from .conv import _batched, _conv2d, _ints, _unbatched
from .im2col import _conv2d_np
from .max_pool_kernels import _argmax_indices, _gather_at_max, _max_np, _routed_to_max, _scatter_to_max, _tiles
from .module import Module

# ----------------------------------------------------------------------------------------------------
# Max-pooling primitives. The scatter and the gather take x and the pool's output as plain data.


@primitive("max_pool2d")
def _max_pool2d(x, *, kernel, stride, padding, dilation=(1, 1)):
    return _max_np(x, kernel, stride, padding, dilation)


# The backward rules, linear in the gradient, with the positions of the maxima piecewise constant in x: each the
# other's adjoint, and a node of its own with an edge to x where the gradient is made with create_graph (as PyTorch's
# MaxPool2DWithIndicesBackwardBackward0), so that a second derivative of max pooling is zeros rather than missing.
_max_pool2d_scatter = backward_node(
    "max_pool2d_scatter", lambda g, x, pooled, **geo: _scatter_to_max(g, x, pooled, **geo),
    adjoint=lambda: _max_pool2d_gather).named("MaxPool2DWithIndicesBackwardBackward0")
_max_pool2d_gather = backward_node(
    "max_pool2d_gather", lambda h, x, pooled, **geo: _gather_at_max(h, x, pooled, **geo),
    adjoint=lambda: _max_pool2d_scatter)
# x is data on the first-order path and a Value under create_graph (the engine's rules see the parents then)
_max_pool2d.defvjp(lambda g, out, x, **geo: _max_pool2d_scatter(g, x, data_of(out), **geo),
                   formulas=("g to each window's first max",))


def _max_pool2d_lazy_vjp(g, out, x, *, kernel, stride, padding, dilation=(1, 1)):
    """The backward pass's form of the rule (no create_graph): for 2×2 windows tiling x, the gradient kept routed
    (max_pool_kernels._WindowMaxima) until a node needs it dense, so that a ReLU before the pooling passes it on at
    the pooled size (scattered_gradient.Routing); the same bits as the rule's."""
    if tuple(kernel) == (2, 2) and _tiles(x.shape[2:], out.shape[2:], kernel, stride, padding, dilation):
        routed = _routed_to_max(g, x, out)
        if routed is not None:
            return routed
    return _max_pool2d_scatter(g, x, out, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


_max_pool2d.lazy_vjp = _max_pool2d_lazy_vjp


def _max_pool2d_vjp_after_relu(g, out, x, *, kernel, stride, padding, dilation=(1, 1)):
    """ReLU's rule after this one's, x being ReLU's output: the routed gradient passed through ReLU at the pooled
    size and made dense once (as the engine's pass does it, `relu.through_routing`), else the two rules in turn; the
    same bits either way. A compiled step's program calls it for `relu → max_pool2d` (jit_plan_backward.py)."""
    routed = _max_pool2d_lazy_vjp(g, out, x, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    if routed.__class__ is ScatteredGradient:
        through = relu.through_routing(routed, x)
        if through is not None:
            return through.dense()
        routed = routed.dense()
    return relu_backward(routed, x)


_max_pool2d.vjp_after_relu = _max_pool2d_vjp_after_relu
# Forward mode: max pooling reads the tangent at each window's first maximum (a gather)
_max_pool2d.defjvp(lambda t, out, x, **geo: _max_pool2d_gather(t, data_of(x), data_of(out), **geo))


# ----------------------------------------------------------------------------------------------------
# Arguments.


def _too_small(who, x_shape, out_size, ours):
    """PyTorch's words for a pooling window larger than the (padded) input, before ours, for the pools whose kernels
    say it in words that name only sizes."""
    if who == "max_pool1d":
        return f"max_pool1d() Invalid computed output size: {min(out_size)} ({ours})"
    if who not in ("max_pool2d", "avg_pool2d", "max_pool3d", "avg_pool1d"):
        return ours
    lift = (1,) if who == "avg_pool1d" else ()  # its kernel pools a 2-D input of height 1
    given = "x".join(map(str, (x_shape[1],) + lift + tuple(x_shape[2:])))
    calculated = "x".join(map(str, (x_shape[1],) + lift + tuple(out_size)))
    return f"Given input size: ({given}). Calculated output size: ({calculated}). Output size is too small ({ours})"


def _pool_geometry(who, nd, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Checked 2-D geometry (1-D lifted to height 1): kernel, stride, dilation, padding pairs (the extra
    bottom/right padding of ceil_mode included), output size (nd entries)."""
    x_shape = np.shape(x)
    if len(x_shape) != nd + 2:
        layout = {1: "(N, C, L)", 2: "(N, C, H, W)"}.get(nd, "(N, C, D, H, W)")
        raise ShapeError(f"{who}: input must be {nd + 2}-D {layout}, got shape {x_shape}")
    kernel = _ints(kernel_size, nd, "kernel_size", who, 1)
    stride = kernel if stride is None or stride == () else _ints(stride, nd, "stride", who, 1)
    pads = _ints(padding, nd, "padding", who, 0)
    dilation = _ints(dilation, nd, "dilation", who, 1)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{who}: padding {pads} must be at most half of kernel_size {kernel}")
    out_size, extra = [], []
    for n, p, k, s, d in zip(x_shape[2:], pads, kernel, stride, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        m = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (m - 1) * s >= n + p:
            m -= 1  # the last window must start inside the input or its left padding (PyTorch's rule)
        out_size.append(m)
        extra.append(max(0, (m - 1) * s + d * (k - 1) + 1 - (n + 2 * p)))   # ceil_mode's partial window
    if min(out_size) < 1:
        ours = (f"{who}: input of shape {x_shape} with padding {pads} is smaller than kernel_size {kernel}"
                + (f" at dilation {dilation}" if any(d > 1 for d in dilation) else ""))
        raise ShapeError(_too_small(who, x_shape, out_size, ours))
    pairs = tuple((p, p + e) for p, e in zip(pads, extra))
    if nd == 1:
        kernel, stride, dilation, pairs = (1,) + kernel, (1,) + stride, (1,) + dilation, ((0, 0),) + pairs
    return kernel, stride, dilation, pairs, tuple(out_size)


def _float_dtype(x):
    dtype = np.result_type(data_of(x))
    if dtype.kind == "c":  # complex data: real weights of its precision (complex64 stays complex64)
        return np.finfo(dtype).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


# ----------------------------------------------------------------------------------------------------
# Public functions.


def _max_pool(who, nd, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(who, x, nd + 2)
    kernel, stride, dilation, pads, out_size = _pool_geometry(who, nd, x, kernel_size, stride, padding, dilation,
                                                              ceil_mode)
    shape = np.shape(x)
    # no order among complex numbers (the float cast below would drop imaginary parts); PyTorch's 1-d pooling with
    # indices runs its 2-d kernel, and names it
    refuse_complex("max_pool2d" if nd == 1 and return_indices else who, x)
    if isinstance(x, Value) and x.dtype.kind != "f":
        x = x.astype(_float_dtype(x))  # an integer Value: a float Value (padded with −∞), not a bare array
    elif not isinstance(data_of(x), np.ndarray) or data_of(x).dtype.kind != "f":
        x = np.asarray(data_of(x), dtype=_float_dtype(x))  # integer input: padded with −∞ as floats
    x2 = x if nd == 2 else reshape(x, shape=shape[:2] + (1, shape[2]))
    y4 = _max_pool2d(x2, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    out_shape = shape[1:2] + out_size if unbatched else shape[:2] + out_size
    y = reshape(y4, shape=out_shape) if nd == 1 or unbatched else y4
    if not return_indices:
        return y
    if isinstance(x2, Value):  # an int64 Value, as PyTorch's indices (recorded without gradient: live at replay)
        indices = without_gradient(_argmax_indices, x2, y4, kernel=kernel, stride=stride, padding=pads,
                                   dilation=dilation)
    else:  # pooling an array: no Values, nothing to record
        indices = _argmax_indices(x2, data_of(y4), kernel, stride, pads, dilation)
    return y, indices.reshape(out_shape)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows. x (N, C, H, W) -> (N, C, Ho, Wo), Ho = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 (⌈⌉ with
    ceil_mode, whose last window may be partial); stride defaults to kernel_size; padding (at most half the
    kernel) never wins. Gradient: to the first max of each window (its last NaN if it holds NaN, as PyTorch).
    return_indices: also the flat index (row·W + column) of each maximum in its H×W plane, int64 (a Value for a
    Value input, as PyTorch's tensor), for `max_unpool2d`. An unbatched (C, H, W) input gives (C, Ho, Wo)."""
    out = _max_pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if isinstance(x, Value) and x.ndim == 3:  # PyTorch's kernel takes the unbatched sample as it is: one node
        shown_as(out[0] if return_indices else out, x, "MaxPool2DWithIndicesBackward0")
    return out


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows along L. x (N, C, L) -> (N, C, Lo), or (C, L) -> (C, Lo); see max_pool2d (indices index L)."""
    out = _max_pool("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if isinstance(x, Value):  # views around a 2-D pooling here, PyTorch's chain
        shown_as(out[0] if return_indices else out, x,
                 "SqueezeBackward1<MaxPool2DWithIndicesBackward0<UnsqueezeBackward0")
    return out


def _avg_pool(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override=None):
    if isinstance(x, Value) and x.data.dtype == _float_dtype(x) and x.data.ndim in (nd + 1, nd + 2):
        refuse_complex(who, x)  # PyTorch's kernels take real numbers only
        return _avg_pool_node(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                              divisor_override)
    x, unbatched = _batched(who, x, nd + 2)
    refuse_complex(who, x)
    y = _avg_pool_batched(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return _unbatched(y) if unbatched else y


def _avg_pool_weights(who, nd, shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      dtype):
    """(box, stride, pads, scale) of avg_pool2d_node for x of `shape` ((N,) C, *spatial): the window's weights and
    the factor of each output position (None where the box holds the mean's 1/area or 1/divisor_override). Each
    window's sum is divided by the number of elements it covers: real ones, plus the symmetric padding with
    count_include_pad (never ceil_mode's overhang), as PyTorch."""
    batched = (1,) * (nd + 2 - len(shape)) + tuple(shape)
    kernel, stride, _, pads, _ = _pool_geometry(who, nd, np.broadcast_to(np.zeros((), dtype), batched), kernel_size,
                                                stride, padding, 1, ceil_mode)   # (the geometry reads the shape)
    H, W = ((1,) * (2 - nd) + batched[2:])
    partial = any(after > before for before, after in pads)                  # ceil_mode's partial windows
    if divisor_override is not None:  # each window's sum (padding adds zeros) over one fixed divisor
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) or divisor_override == 0:
            raise ValueError(f"{who}: divisor_override must be a non-zero int, got {divisor_override!r}")
        return np.full((1, 1) + kernel, 1.0 / divisor_override, dtype=dtype), stride, pads, None
    if not partial and (count_include_pad or not any(before for before, _ in pads)):
        return np.full((1, 1) + kernel, 1.0 / (kernel[0] * kernel[1]), dtype=dtype), stride, pads, None
    ones = np.ones((1, 1) + kernel, dtype)
    if count_include_pad:
        (pt, pb), (pl, pr) = pads
        region = np.ones((1, 1, H + 2 * pt, W + 2 * pl), dtype)
        counts = _conv2d_np(region, ones, stride, ((0, pb - pt), (0, pr - pl)), (1, 1), 1)
    else:
        counts = _conv2d_np(np.ones((1, 1, H, W), dtype), ones, stride, pads, (1, 1), 1)
    return ones, stride, pads, 1.0 / counts[0, 0]


def _avg_pool_node(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """x ((N,) C, *spatial) pooled as one node, PyTorch's AvgPool2DBackward0; 1-D as PyTorch's: the 2-D pooling of x
    viewed as ((N,) C, 1, L), viewed back (SqueezeBackward1 over it over UnsqueezeBackward0)."""
    shape = x.data.shape
    box, stride, pads, scale = _avg_pool_weights(who, nd, shape, kernel_size, stride, padding, ceil_mode,
                                                 count_include_pad, divisor_override, x.data.dtype)
    if nd == 2:
        return avg_pool2d_node(x, box=box, stride=stride, pads=pads, scale=scale)
    rows = reshape.named("UnsqueezeBackward0")(x, shape=shape[:-1] + (1, shape[-1]))
    y = avg_pool2d_node(rows, box=box, stride=stride, pads=pads, scale=scale)
    return reshape.named("SqueezeBackward1")(y, shape=shape[:-1] + y.data.shape[-1:])


def _avg_pool_batched(who, nd, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """The pooling of arrays and integer Values (N, C, *spatial): views, a convolution with the window's weights, a
    scaling."""
    shape, dtype = np.shape(x), _float_dtype(x)
    out_size = _pool_geometry(who, nd, x, kernel_size, stride, padding, 1, ceil_mode)[-1]
    box, stride, pads, scale = _avg_pool_weights(who, nd, shape, kernel_size, stride, padding, ceil_mode,
                                                 count_include_pad, divisor_override, dtype)
    N, C, H, W = shape[:2] + (1,) * (2 - nd) + shape[2:]
    y = _conv2d(reshape(x, shape=(N * C, 1, H, W)), box, stride=stride, padding=pads, dilation=(1, 1), groups=1)
    return reshape(y if scale is None else y * scale, shape=(N, C) + out_size)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows. x (N, C, H, W) -> (N, C, Ho, Wo), or unbatched (C, H, W) -> (C, Ho, Wo) (sizes as
    max_pool2d). With count_include_pad
    (the default, as PyTorch) padded zeros count in the mean; otherwise only real elements do. ceil_mode's
    partial windows average what they cover. divisor_override (a non-zero int): every window's sum is divided by
    it instead."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows along L. x (N, C, L) -> (N, C, Lo); see avg_pool2d."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def global_avg_pool2d(x, keepdims=False):
    """Mean over H and W: x (N, C, H, W) -> (N, C), or (N, C, 1, 1) with keepdims."""
    if len(np.shape(x)) != 4:
        raise ShapeError(f"global_avg_pool2d: input must be 4-D (N, C, H, W), got shape {np.shape(x)}")
    return mean(x, axis=(2, 3), keepdims=keepdims)


def _averaging_matrix(n, m, dtype):
    """(m, n): row i averages positions ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉ − 1 (PyTorch's adaptive bins)."""
    i, j = np.arange(m)[:, None], np.arange(n)
    start, end = i * n // m, -(-(i + 1) * n // m)
    return (((j >= start) & (j < end)) / (end - start)).astype(dtype)


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive bins: x (N, C, H, W) -> (N, C, oh, ow), or (C, H, W) -> (C, oh, ow);
    output_size int or pair (None keeps that size). Computed as Aₕ · x · A_wᵀ with constant averaging matrices."""
    shape = np.shape(input)
    if len(shape) not in (3, 4):  # (C, H, W) is one unbatched sample: the matrices act on the last two axes
        raise ShapeError(f"adaptive_avg_pool2d: expected a 3-D (unbatched) or 4-D (N, C, H, W) input, got shape "
                         f"{shape}")
    sizes = (output_size, output_size) if output_size is None or np.ndim(output_size) == 0 else output_size
    sizes = tuple(n if m is None else m for n, m in zip(shape[-2:], sizes))
    oh, ow = _ints(sizes, 2, "output_size", "adaptive_avg_pool2d", 1)
    if (oh, ow) != (1, 1):  # PyTorch averages complex numbers only into a single bin (its mean)
        refuse_complex_kernel("adaptive_avg_pool2d", input)
    elif np.result_type(data_of(input)).kind in "fc":  # one bin: the mean, as PyTorch's (MeanBackward1)
        return mean(input, axis=(-2, -1), keepdims=True)
    dtype = _float_dtype(input)
    rows, cols = _averaging_matrix(shape[-2], oh, dtype), _averaging_matrix(shape[-1], ow, dtype)
    if isinstance(input, Value) and input.data.dtype == dtype:  # one node, as PyTorch's kernel
        return mapped(input, ((-2, rows), (-1, cols)), "AdaptiveAvgPool2DBackward0")
    return matmul(matmul(rows, input), cols.T)


# ----------------------------------------------------------------------------------------------------
# Modules (no parameters).


class _Pool(Module):
    """The attributes kernel_size, stride (None: kernel_size) and padding are the sizes as given, an int or a tuple,
    as PyTorch's (its repr shows them so: `MaxPool2d(kernel_size=2, stride=2, ...)`); checked here, and kept as
    tuples in `_sizes` for the pooling function."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        who, nd = type(self).__name__, self._nd
        self._sizes = (_ints(kernel_size, nd, "kernel_size", who, 1),
                       _ints(kernel_size if stride is None else stride, nd, "stride", who, 1),
                       _ints(padding, nd, "padding", who, 0))
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.ceil_mode = bool(ceil_mode)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _MaxPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        _Pool.__init__(self, kernel_size, stride, padding, ceil_mode)
        self._dilation = _ints(dilation, self._nd, "dilation", type(self).__name__, 1)
        self.dilation = dilation
        self.return_indices = bool(return_indices)

    def forward(self, input):
        kernel_size, stride, padding = self._sizes
        return self._fn(input, kernel_size, stride, padding, self._dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return f"{_Pool.extra_repr(self)}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class MaxPool2d(_MaxPool):
    """Max pooling layer over (N, C, H, W); see `max_pool2d`. MaxPool2d(kernel_size, stride=None, padding=0,
    dilation=1, return_indices=False, ceil_mode=False)."""

    _nd = 2
    _fn = staticmethod(max_pool2d)


class MaxPool1d(_MaxPool):
    """Max pooling layer over (N, C, L); see `max_pool1d`."""

    _nd = 1
    _fn = staticmethod(max_pool1d)


class _AvgPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        _Pool.__init__(self, kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, input):
        kernel_size, stride, padding = self._sizes
        return self._fn(input, kernel_size, stride, padding, self.ceil_mode, self.count_include_pad)


class AvgPool2d(_AvgPool):
    """Average pooling layer over (N, C, H, W); see `avg_pool2d`. AvgPool2d(kernel_size, stride=None,
    padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)."""

    _nd = 2
    _fn = staticmethod(avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        _AvgPool.__init__(self, kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        kernel_size, stride, padding = self._sizes
        return avg_pool2d(input, kernel_size, stride, padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)


class AvgPool1d(_AvgPool):
    """Average pooling layer over (N, C, L); see `avg_pool1d`. Its sizes are 1-tuples, as PyTorch's."""

    _nd = 1
    _fn = staticmethod(avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        _AvgPool.__init__(self, kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.kernel_size, self.stride, self.padding = self._sizes


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

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size!r}"


__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_avg_pool2d", "adaptive_avg_pool2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "AdaptiveAvgPool2d",
]
