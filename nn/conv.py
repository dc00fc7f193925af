"""Convolutions (PyTorch's layouts: NCL and NCHW) as matrix products over strided windows.

Cross-correlation, as in every deep-learning library: with x zero-padded and groups G,

    y[n, o, i, j] = b[o] + Σ_{c, p, q} x[n, G(o)·C/G + c, i·s + p·d, j·s + q·d] · W[o, c, p, q]

Its derivatives are convolutions again, which gives three primitives that differentiate into each other
(so gradients of gradients work to any order):

    conv2d(x, W)             dx = conv_transpose2d(g, W)    dW = conv2d_weight(x, g)    db = Σ g
    conv_transpose2d(x, W)   dx = conv2d(g, W)              dW = conv2d_weight(g, x)    db = Σ g
    conv2d_weight(x, dy)     dx = conv_transpose2d(dy, g)   d(dy) = conv2d(x, g)

All three share one geometry: `stride`, `dilation`, `groups` and `padding` ((top, bottom), (left, right)),
where a negative amount crops (a transposed convolution's output_padding shows up that way). The 1-D
functions run as 2-D ones of height 1 (the weight goes in as it is: the primitives read a 1-D or 3-D layer's weight
as its 2-D convolution's, `_weight4`, so that a parameter stays the node's own input). NumPy does the work: a strided
view of the windows, copied once into a column matrix (im2col), times the weight matrix; nothing loops over pixels.
Only the scatter form of the transposed convolution (stride > 1, or more input than output channels) adds its windows
back with a loop, one vectorised add per kernel tap. Nothing is kept between forward and backward: the backward rules
recompute the columns they need.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd_core import ArgumentError, ShapeError
from autograd_core import Value
from autograd_core.one_node import relabelled_paths, shown_as
from autograd_core.recording import keep_parents_whole
from autograd_core.ops import data_of, primitive, reshape

from . import init
from .im2col import _out_len, _conv2d_np, _conv_transpose2d_np, _conv2d_weight_np
from . import dtype_checks
from .module import Module, Parameter, check_device
from .padding import pad

# padding_mode (PyTorch's names) -> the mode of `pad`.
_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}

# ----------------------------------------------------------------------------------------------------
# The primitives. Parameters: stride (sh, sw), padding ((t, b), (l, r)), dilation (dh, dw), groups, and
# `size` (the output's height and width) for the transposed convolution, `kernel` for the weight gradient.


# The weight may come in its own layer's rank, read as the 4-D weight it is (a view: no copy where it is contiguous):
# conv1d's (O, C, k) as (O, C, 1, k), conv3d's (O, C, kd, kh, kw) as (O, C·kd, kh, kw) (its depth taps are input
# channels, nn/conv3d.py), and conv2d_weight makes the weight's gradient in that rank. The weight then reaches the node
# as it is, a leaf where it is a parameter, so that its gradient can be set aside (`defaside` below) as conv2d's.


def _weight4(weight):
    """A 3-D or 5-D weight as the 4-D one of its 2-D convolution (see above); a 4-D one as it is."""
    if weight.ndim == 4:
        return weight
    shape = weight.shape
    if weight.ndim == 3:
        return weight.reshape(shape[:2] + (1,) + shape[2:])
    return weight.reshape((shape[0], shape[1] * shape[2]) + shape[3:])


@primitive("conv2d")
def _conv2d(x, weight, bias=None, *, stride, padding, dilation, groups):
    return _conv2d_np(x, _weight4(weight), stride, padding, dilation, groups, bias)


@primitive("conv_transpose2d")
def _conv_transpose2d(x, weight, bias=None, *, stride, padding, dilation, groups, size):
    return _conv_transpose2d_np(x, _weight4(weight), stride, padding, dilation, groups, size, bias)


@primitive("conv2d_weight")
def _conv2d_weight(x, dy, *, stride, padding, dilation, groups, kernel):
    """kernel: the weight's (kh, kw), or (k,) or (kd, kh, kw) for a weight of its own rank (`_weight4`)."""
    if len(kernel) == 2:
        return _conv2d_weight_np(x, dy, stride, padding, dilation, groups, kernel)
    dw = _conv2d_weight_np(x, dy, stride, padding, dilation, groups, ((1,) + kernel)[-2:])
    return dw.reshape((dw.shape[0], dw.shape[1] // math.prod(kernel[:-2])) + kernel)


def _bias_vjp(g, out, x, weight, bias=None, **geometry):    # dL/db[o] = Σ_{n,i,j} g[n, o, i, j]
    if g.__class__ is not np.ndarray or g.dtype.kind != "f":
        return g.sum(axis=(0, 2, 3))  # a Value (create_graph), or NumPy's own
    # Σ over i, j as a product with a vector of ones (a BLAS matrix-vector product: 2-3× NumPy's sum over the
    # non-contiguous axes (0, 2, 3) at a CNN's sizes), then over the batch.
    N, O, H, W = g.shape
    return np.matmul(g.reshape(N, O, H * W), np.ones(H * W, g.dtype)).sum(axis=0)  # explicit: -1 fails on size 0


_conv2d.defvjp(
    lambda g, out, x, weight, bias=None, **geo: _conv_transpose2d(g, weight, **geo, size=tuple(x.shape[2:])),
    lambda g, out, x, weight, bias=None, **geo: _conv2d_weight(x, g, **geo, kernel=tuple(weight.shape[2:])),
    _bias_vjp,
    formulas=("conv_transpose2d(g, W)", "conv2d_weight(x, g)", "Σ g over N, H, W"),
)
_conv_transpose2d.defvjp(
    lambda g, out, x, weight, bias=None, *, size, **geo: _conv2d(g, weight, **geo),
    lambda g, out, x, weight, bias=None, *, size, **geo: _conv2d_weight(g, x, **geo, kernel=tuple(weight.shape[2:])),
    _bias_vjp,
    formulas=("conv2d(g, W)", "conv2d_weight(g, x)", "Σ g over N, H, W"),
)
# The weight's gradient (0.3-0.75 ms of a small CNN's step) runs on a pool thread while the pass goes on down the graph.
_conv2d.defaside(1)
_conv_transpose2d.defaside(1)
# conv2d_weight is linear in each input: <g, weight(x, dy)> = <conv2d(x, g), dy> = <x, conv_transpose2d(dy, g)>.
_conv2d_weight.defvjp(
    lambda g, out, x, dy, *, kernel, **geo: _conv_transpose2d(dy, g, **geo, size=tuple(x.shape[2:])),
    lambda g, out, x, dy, *, kernel, **geo: _conv2d(x, g, **geo),
    formulas=("conv_transpose2d(dy, g)", "conv2d(x, g)"),
)
# Forward mode: each primitive is linear in each input (bilinear in the pair), so the tangent from one
# input is the primitive applied to that input's tangent with the other inputs as they are.
_conv2d.defjvp(
    lambda t, out, x, weight, bias=None, **geo: _conv2d(t, weight, **geo),
    lambda t, out, x, weight, bias=None, **geo: _conv2d(x, t, **geo),
    lambda t, out, x, weight, bias=None, **geo: reshape(t, shape=(1, -1, 1, 1)),
)
_conv_transpose2d.defjvp(
    lambda t, out, x, weight, bias=None, **geo: _conv_transpose2d(t, weight, **geo),
    lambda t, out, x, weight, bias=None, **geo: _conv_transpose2d(x, t, **geo),
    lambda t, out, x, weight, bias=None, **geo: reshape(t, shape=(1, -1, 1, 1)),
)
_conv2d_weight.defjvp(
    lambda t, out, x, dy, **geo: _conv2d_weight(t, dy, **geo),
    lambda t, out, x, dy, **geo: _conv2d_weight(x, t, **geo),
)
# Bilinear maps of complex data too: the pass carries G = 2∂L/∂z (ops/complex.py), for which the gradient of a
# C-bilinear map is its transpose (not its adjoint) applied to G, which is what the rules above compute.
for _op in (_conv2d, _conv_transpose2d, _conv2d_weight):
    _op.defcomplex()


# ----------------------------------------------------------------------------------------------------
# Arguments: ints or tuples as in PyTorch, checked with errors that name the shapes.


def _ints(value, n, name, who, minimum):
    """An int or a sequence of n ints, each >= minimum, as a tuple of n Python ints."""
    if value.__class__ is int:  # the common cases first: isinstance(v, numbers.Integral) costs ~0.3 µs a call
        if value >= minimum:
            return (value,) * n
    elif value.__class__ is tuple and len(value) == n and all(v.__class__ is int and v >= minimum for v in value):
        return value
    items = (value,) * n if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = None
    if (items is None or len(items) != n
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items)):
        raise TypeError(f"{who}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{who}: {name} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in items)


def _conv_padding(who, padding, kernel, stride, dilation):
    """Per-axis (before, after) zero padding from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return tuple((0, 0) for _ in kernel)
        if padding != "same":  # PyTorch's words: its modules' (a ValueError), its functions' (a RuntimeError)
            theirs = (f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}" if who[0].isupper()
                      else f"Invalid padding string: {padding!r}")
            raise ArgumentError(f"{theirs} ({who}: padding must be an int, a tuple, 'valid' or 'same', not "
                                f"{padding!r})")
        if any(s != 1 for s in stride):
            raise ArgumentError(f"padding='same' is not supported for strided convolutions ({who}: padding='same' "
                                f"needs stride 1 (as in PyTorch), got stride={stride})")
        # Output size = input size: pad d(k−1) in total, the odd one at the end (as PyTorch does).
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
    return tuple((p, p) for p in _ints(padding, len(kernel), "padding", who, 0))


def _check_shapes(who, nd, x_shape, w_shape, bias, groups, transposed):
    """Validate ranks, channels, groups and bias; return (groups, out_channels)."""
    layout = {1: "(N, C, L)", 2: "(N, C, H, W)"}.get(nd, "(N, C, D, H, W)")
    if len(x_shape) != nd + 2:
        raise ShapeError(f"{who}: input must be {nd + 2}-D {layout}, got shape {x_shape}")
    if len(w_shape) != nd + 2:
        what = "(in, out/groups, *kernel)" if transposed else "(out, in/groups, *kernel)"
        raise ShapeError(f"{who}: weight must be {nd + 2}-D {what}, got shape {w_shape}")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    if transposed:
        in_channels, out_channels = w_shape[0], w_shape[1] * groups
        if x_shape[1] != in_channels:
            raise ShapeError(f"Given transposed=1, weight of size {list(w_shape)}, expected input{list(x_shape)} to "
                             f"have {in_channels} channels, but got {x_shape[1]} channels instead ({who}: input of "
                             f"shape {x_shape} has {x_shape[1]} channels, but weight of shape {w_shape} expects "
                             f"in_channels = weight.shape[0] = {in_channels})")
        if in_channels % groups:
            raise ShapeError(f"{who}: in_channels={in_channels} (weight.shape[0]) is not divisible by groups={groups}")
    else:
        in_channels, out_channels = w_shape[1] * groups, w_shape[0]
        if x_shape[1] != in_channels:
            raise ShapeError(f"Given groups={groups}, weight of size {list(w_shape)}, expected input{list(x_shape)} to "
                             f"have {in_channels} channels, but got {x_shape[1]} channels instead ({who}: input of "
                             f"shape {x_shape} has {x_shape[1]} channels, but weight of shape {w_shape} with "
                             f"groups={groups} expects in_channels = weight.shape[1]·groups = {in_channels})")
        if out_channels % groups:
            raise ShapeError(f"{who}: out_channels={out_channels} (weight.shape[0]) is not divisible by "
                             f"groups={groups}")
    if bias is not None and np.shape(bias) != (out_channels,):
        raise ShapeError(f"{who}: bias of shape {np.shape(bias)} does not match out_channels={out_channels}")
    return groups, out_channels


def _batched(who, x, rank):
    """(x with a batch axis, whether one was added): PyTorch's convolutions and pools also take one unbatched sample
    (C, *spatial) where they take (N, C, *spatial), rank = 2 + the spatial axes."""
    shape = np.shape(data_of(x))
    if len(shape) == rank - 1:
        return _UNSQUEEZE(x, shape=(1,) + shape), True
    if len(shape) != rank:
        layout = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}.get(rank, "(N, C, ...)")
        ours = f"{who}: expected a {rank - 1}-D (unbatched) or {rank}-D {layout} input, got shape {shape}"
        if who.startswith("conv"):  # PyTorch's convolutions' words (its pools have others)
            ours = (f"Expected {rank - 1}D (unbatched) or {rank}D (batched) input to {who}, but got input of size: "
                    f"{list(shape)} ({ours})")
        raise ShapeError(ours)
    return x, False


def _unbatched(y):
    """y (1, ...) without its batch axis: the result for one unbatched sample."""
    return _SQUEEZE(y, shape=np.shape(data_of(y))[1:])


# PyTorch's convolution of one unbatched sample records these nodes around its batched one: x.unsqueeze(0) and
# y.squeeze(0) (its pools take the sample as it is: theirs relabel the node over the sample, nn/pool.py)
_UNSQUEEZE, _SQUEEZE = reshape.named("UnsqueezeBackward0"), reshape.named("SqueezeBackward1")


def _lift(x, nd):
    """A 1-D input (N, C, L) as a 2-D one of height 1; a 2-D one unchanged. (The weight goes to the primitive in its
    own rank: `_weight4`.)"""
    return x if nd == 2 else reshape(x, shape=np.shape(x)[:2] + (1, np.shape(x)[2]))


def _conv_geometry(who, nd, x_shape, w_shape, bias, stride, padding, dilation, groups):
    """The checked arguments of an nd-D convolution of an input of x_shape (N, C, *spatial) with a weight of w_shape:
    (groups, out_channels, stride, dilation, pads ((before, after) per axis), out_size (the spatial output))."""
    groups, out_channels = _check_shapes(who, nd, x_shape, w_shape, bias, groups, transposed=False)
    kernel = w_shape[2:]
    stride = _ints(stride, nd, "stride", who, 1)
    dilation = _ints(dilation, nd, "dilation", who, 1)
    pads = _conv_padding(who, padding, kernel, stride, dilation)
    out_size = tuple(_out_len(n, pad, k, s, d) for n, pad, k, s, d in zip(x_shape[2:], pads, kernel, stride, dilation))
    if min(out_size) < 1:  # (as PyTorch's: the padded input is smaller than the dilated kernel)
        padded = " x ".join(str(n + before + after) for n, (before, after) in zip(x_shape[2:], pads))
        spanned = " x ".join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))
        raise ShapeError(f"Calculated padded input size per channel: ({padded}). Kernel size: ({spanned}). Kernel size "
                         f"can't be greater than actual input size ({who}: input of shape {x_shape} with padding "
                         f"{pads} is smaller than the kernel {tuple(kernel)} at dilation {dilation} (weight shape "
                         f"{w_shape}))")
    return groups, out_channels, stride, dilation, pads, out_size


def _same_padded(x, pads):
    """padding='same' of an odd total d(k−1) along some axis (an even kernel at an odd dilation), as PyTorch does it:
    x padded with one zero at the end of each such axis first (constant_pad_nd over every spatial axis, 0 on the
    others: PyTorch's ConstantPadNdBackward0 between the convolution and its input, which hooks and pictures show),
    then the convolution's own padding, now (before, before) on every axis. Returns (x, pads); both as they are where
    every axis's padding is symmetric already."""
    if all(before == after for before, after in pads):
        return x, pads
    if not _SAME_COPY_WARNED:  # PyTorch's UserWarning, once a process (TORCH_WARN_ONCE), in its words
        _SAME_COPY_WARNED.append(True)
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                      "copy of the input be created", UserWarning, stacklevel=4)
    extra = tuple(amount for before, after in reversed(pads) for amount in (0, after - before))  # F.pad's order
    return pad(x, extra), tuple((before, before) for before, _ in pads)


_SAME_COPY_WARNED = []  # see _same_padded


def _conv_transpose_geometry(who, nd, x_shape, w_shape, bias, stride, padding, output_padding, groups, dilation):
    """The checked arguments of an nd-D transposed convolution: (groups, out_channels, stride, dilation, padding,
    output_padding, size (the spatial output))."""
    groups, out_channels = _check_shapes(who, nd, x_shape, w_shape, bias, groups, transposed=True)
    kernel = w_shape[2:]
    stride = _ints(stride, nd, "stride", who, 1)
    dilation = _ints(dilation, nd, "dilation", who, 1)
    padding = _ints(padding, nd, "padding", who, 0)
    output_padding = _ints(output_padding, nd, "output_padding", who, 0)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise ValueError(f"{who}: output_padding={output_padding} must be smaller than stride={stride} "
                             f"or dilation={dilation}")
    # The output is the input of the convolution whose adjoint this is: (n−1)s − 2p + d(k−1) + op + 1.
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                 for n, s, p, d, k, op in zip(x_shape[2:], stride, padding, dilation, kernel, output_padding))
    if min(size) < 1:
        raise ShapeError(f"{who}: input of shape {x_shape} with weight of shape {w_shape}, stride {stride}, "
                         f"padding {padding} gives an empty output {size}")
    return groups, out_channels, stride, dilation, padding, output_padding, size


def _convolve(who, nd, x, weight, bias, stride, padding, dilation, groups):
    dtype_checks.check_convolution(x, weight, bias, nd=nd)  # (before batching: the kernel's words depend on it)
    x, unbatched = _batched(who, x, nd + 2)
    if unbatched:
        return _unbatched(_convolve(who, nd, x, weight, bias, stride, padding, dilation, groups))
    x_shape = np.shape(x)
    groups, out_channels, stride, dilation, pads, out_size = _conv_geometry(
        who, nd, x_shape, np.shape(weight), bias, stride, padding, dilation, groups)
    if padding.__class__ is str:
        x, pads = _same_padded(x, pads)
    if nd == 1:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
    x2 = _lift(x, nd)
    args = (x2, weight) if bias is None else (x2, weight, bias)
    y = _conv2d(*args, stride=stride, padding=pads, dilation=dilation, groups=groups)
    if bias is None:
        y = _bias_free(y, x2, weight, nd)
    if nd == 2:
        return y
    return one_convolution(reshape(y, shape=(x_shape[0], out_channels) + out_size), x, weight, bias)


def _convolve_transposed(who, nd, x, weight, bias, stride, padding, output_padding, groups, dilation):
    dtype_checks.check_convolution(x, weight, bias, transposed=True, nd=nd)
    x, unbatched = _batched(who, x, nd + 2)
    if unbatched:
        return _unbatched(_convolve_transposed(who, nd, x, weight, bias, stride, padding, output_padding, groups,
                                               dilation))
    x_shape = np.shape(x)
    groups, out_channels, stride, dilation, padding, output_padding, size = _conv_transpose_geometry(
        who, nd, x_shape, np.shape(weight), bias, stride, padding, output_padding, groups, dilation)
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))  # output_padding: fewer rows cropped
    if nd == 1:
        stride, dilation, pads, size = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, (1,) + size
    x2 = _lift(x, nd)
    args = (x2, weight) if bias is None else (x2, weight, bias)
    y = _conv_transpose2d(*args, stride=stride, padding=pads, dilation=dilation, groups=groups, size=size)
    if bias is None:
        y = _bias_free(y, x2, weight, nd)
    if nd == 2:
        return y
    return one_convolution(reshape(y, shape=(x_shape[0], out_channels, size[1])), x, weight, bias)


def _bias_free(y, x, weight, nd):
    """A convolution without a bias, y, recorded with its parents (x, weight) as one tuple, as a convolution with a
    bias records (x, weight, bias): the backward pass then takes its general way through y, which may hand the
    weight's gradient to a pool thread (`defaside` above; a ResNet's convolutions, before a BatchNorm, have no bias).
    The pass's short way for two inputs does not look for that: a test there would cost every node of every graph.
    A 2-D one is shown as PyTorch's ConvolutionBackward0, which lists the missing bias as an edge of None (conv1d's
    whole node is, by conv1d). (y itself when it is no node of a graph.)"""
    if not isinstance(y, Value):
        return y
    keep_parents_whole(y)
    return shown_as(y, (x, weight, None), "ConvolutionBackward0", _X_WEIGHT_NO_BIAS) if nd == 2 else y


_X_WEIGHT_NO_BIAS = ((0,), (1,), None)  # the paths down to a bias-free node's inputs (one_node.shown_as)


def one_convolution(y, x, weight, bias, key=None):
    """y, a batched convolution of x with weight (and bias) made of several nodes here (conv1d's views around
    a 2-D one, conv3d's gather of depth taps), shown as PyTorch's one ConvolutionBackward0 over (x, weight, bias): a
    missing bias, or an input that is an array, listed as (None, 0). (y itself when it is no node of a graph.)
    key: where the paths down to the inputs are long (conv3d's 6-9 nodes: a search of ~15-30 µs a call), what
    identifies the graph's shape; the paths found for it are then kept and checked (one_node.paths_hold), not searched
    again."""
    if not isinstance(y, Value):
        return y
    if key is None:
        return shown_as(y, (x, weight, bias), "ConvolutionBackward0")
    # (an input that needs no gradient has no path: one that does then must not take that None)
    key += tuple(isinstance(v, Value) and v.requires_grad for v in (x, weight, bias))
    shown_as(y, (x, weight, bias), "ConvolutionBackward0", _PATHS.get(key))
    paths = relabelled_paths(y)
    if paths is not None:
        _PATHS[key] = paths
    return y


_PATHS = {}  # one_convolution's key -> the paths from y down to (x, weight, bias) found for it


# ----------------------------------------------------------------------------------------------------
# Public functions.


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation. x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) -> (N, O, Ho, Wo).

    stride, dilation: int or pair. padding: int, pair, 'valid' or 'same' (stride 1; an odd total puts
    the extra row/column at the bottom/right, as PyTorch). Ho = ⌊(H + 2p − d(kh−1) − 1)/s⌋ + 1.
    """
    return _convolve("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation. x (N, C, L), weight (O, C/groups, k), bias (O,) -> (N, O, Lo); see conv2d."""
    return _convolve("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint (gradient) of conv2d with respect to its input, PyTorch's ConvTranspose2d.

    x (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw), bias (C_out,) -> (N, C_out, Ho, Wo) with
    Ho = (H − 1)s − 2p + d(kh − 1) + output_padding + 1; output_padding < stride or < dilation.
    """
    return _convolve_transposed("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                                groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution. x (N, C_in, L), weight (C_in, C_out/groups, k) -> (N, C_out, Lo)."""
    return _convolve_transposed("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                                groups, dilation)


# ----------------------------------------------------------------------------------------------------
# Modules.


class _ConvNd(Module):
    """Shared by the four convolution layers: parameters `weight` and `bias`, PyTorch's initialisation
    U(−1/√fan_in, 1/√fan_in) for both (kaiming_uniform with a = √5), fan_in = weight.shape[1]·prod(kernel)."""

    _nd, _transposed = 2, False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 rng, dtype, output_padding=0, padding_mode="zeros"):
        who, nd = type(self).__name__, self._nd
        if padding_mode not in _PADDING_MODES or self._transposed and padding_mode != "zeros":
            allowed = "'zeros'" if self._transposed else ", ".join(repr(m) for m in _PADDING_MODES)
            raise ValueError(f"{who}: padding_mode must be {allowed}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        for name, n in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"{who}: {name} must be a positive int, got {n!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{who}: in_channels={in_channels} and out_channels={out_channels} must both be "
                             f"divisible by groups={groups}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _ints(kernel_size, nd, "kernel_size", who, 1)
        self.stride = _ints(stride, nd, "stride", who, 1)
        self.dilation = _ints(dilation, nd, "dilation", who, 1)
        if self._transposed:
            self.padding = _ints(padding, nd, "padding", who, 0)
            self.output_padding = _ints(output_padding, nd, "output_padding", who, 0)
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            _conv_padding(who, padding, self.kernel_size, self.stride, self.dilation)  # fail early
            self.padding = padding if isinstance(padding, str) else _ints(padding, nd, "padding", who, 0)
            shape = (out_channels, in_channels // groups) + self.kernel_size
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        self.weight = Parameter(init.default_weight(shape, rng, dtype))
        fan_in = init.fans(shape)[0]
        self.bias = Parameter(init.default_bias((out_channels,), fan_in, rng, dtype)) if bias else None

    def _input(self, x):
        x = x if isinstance(x, Value) else Value(x, requires_grad=False, dtype=self.weight.dtype)
        if self.padding_mode == "zeros":
            return x
        # Pad with copies of x (reflect, replicate, circular), then convolve without padding: as PyTorch.
        pads = _conv_padding(type(self).__name__, self.padding, self.kernel_size, self.stride, self.dilation)
        flat = tuple(amount for before_after in reversed(pads) for amount in before_after)
        return pad(x, flat, mode=_PADDING_MODES[self.padding_mode])

    def _padding(self):
        return self.padding if self.padding_mode == "zeros" else 0

    def _output_padding(self, x, output_size):
        if output_size is None:
            return self.output_padding
        nd, who = self._nd, type(self).__name__
        sizes = tuple(int(n) for n in (output_size if not isinstance(output_size, numbers.Integral)
                                       else (output_size,) * nd))
        if len(sizes) == nd + 2:
            sizes = sizes[2:]
        if len(sizes) != nd:
            raise ValueError(f"{who}: output_size must have {nd} or {nd + 2} entries, got {output_size!r}")
        padding = []
        for n, size, s, p, d, k in zip(np.shape(x)[-nd:], sizes, self.stride, self.padding, self.dilation,
                                       self.kernel_size):
            smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= size < smallest + s:
                raise ValueError(f"{who}: output_size {tuple(sizes)} is not reachable from input {np.shape(x)}: "
                                 f"each size must be in [{smallest}, {smallest + s - 1}] here")
            padding.append(size - smallest)
        return tuple(padding)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        # PyTorch's order, and its unquoted strings: padding=same, padding_mode=reflect
        if self.padding != (0,) * self._nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            text += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._nd:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")


class Conv2d(_ConvNd):
    """2-D convolution layer: (N, in_channels, H, W) -> (N, out_channels, Ho, Wo); see `conv2d`.

    weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,) or None. padding may be
    'same' or 'valid'; padding_mode 'zeros' (default), 'reflect', 'replicate' or 'circular' says what the
    padding holds. device: None or the CPU; dtype defaults to float32; rng (ours, after PyTorch's arguments): None,
    an int seed or a np.random.Generator.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, rng=None):
        check_device(device)
        _ConvNd.__init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, rng,
                         dtype, padding_mode=padding_mode)

    def forward(self, input):
        return conv2d(self._input(input), self.weight, self.bias, self.stride, self._padding(), self.dilation,
                      self.groups)


class Conv1d(_ConvNd):
    """1-D convolution layer: (N, in_channels, L) -> (N, out_channels, Lo); weight (out, in/groups, k)."""

    _nd = 1
    __init__ = Conv2d.__init__

    def forward(self, input):
        return conv1d(self._input(input), self.weight, self.bias, self.stride, self._padding(), self.dilation,
                      self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution layer (the gradient of Conv2d w.r.t. its input); see `conv_transpose2d`.

    weight (in_channels, out_channels/groups, kh, kw), bias (out_channels,) or None.
    """

    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None, rng=None):
        check_device(device)
        _ConvNd.__init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, rng,
                         dtype, output_padding, padding_mode)

    def forward(self, input, output_size=None):
        """output_size: the wanted (H, W) (or (N, C, H, W)), reached by choosing output_padding, as PyTorch."""
        return conv_transpose2d(self._input(input), self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)

class ConvTranspose1d(_ConvNd):
    """1-D transposed convolution layer: weight (in_channels, out_channels/groups, k)."""

    _nd, _transposed = 1, True
    __init__ = ConvTranspose2d.__init__

    def forward(self, input, output_size=None):
        return conv_transpose1d(self._input(input), self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)


__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
           "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
