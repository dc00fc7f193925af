"""`unfold` (im2col) and `fold` (col2im), PyTorch's `F.unfold`/`F.fold` and `nn.Unfold`/`nn.Fold`.

    unfold: (N, C, H, W) -> (N, C·kh·kw, L): column l holds the window of output position l (row-major over the
            Ho × Wo positions), row c·kh·kw + p·kw + q its element (c, p, q).
    fold:   (N, C·kh·kw, L) -> (N, C, H, W): each column's entries added back at their positions (overlaps add up),
            the adjoint of unfold.

Both are convolutions of each channel with the kh·kw one-hot kernels, so they run on the im2col kernels of conv2d
and conv_transpose2d and are differentiated by their rules (unfold's gradient is fold, and fold's is unfold).
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of

from .conv import _ints, conv2d, conv_transpose2d
from .module import Module


def _geometry(who, kernel_size, dilation, padding, stride):
    return (_ints(kernel_size, 2, "kernel_size", who, 1), _ints(dilation, 2, "dilation", who, 1),
            _ints(padding, 2, "padding", who, 0), _ints(stride, 2, "stride", who, 1))


def _one_hot_kernels(kernel, dtype):
    """(kh·kw, 1, kh, kw): kernel k picks element (k // kw, k % kw) of its window."""
    count = kernel[0] * kernel[1]
    return np.eye(count, dtype=dtype).reshape(count, 1, *kernel)


def _float_dtype(x):
    dtype = np.result_type(data_of(x))
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _as_value(x):
    return x if isinstance(x, Value) else Value(np.asarray(x), requires_grad=False, dtype=_float_dtype(x))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding windows of a batch of images as columns: (N, C, H, W) -> (N, C·kh·kw, L), or (C, H, W) ->
    (C·kh·kw, L); L = Ho·Wo with Ho = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1 (see the module docstring)."""
    who = "unfold"
    kernel, dilation, padding, stride = _geometry(who, kernel_size, dilation, padding, stride)
    shape = tuple(np.shape(data_of(input)))
    if len(shape) not in (3, 4):
        raise ShapeError(f"{who}: expected a 3-D (unbatched) or 4-D (batched) input, got shape {shape}")
    x = _as_value(input)
    unbatched = len(shape) == 3
    N, C, H, W = ((1,) if unbatched else ()) + shape
    y = conv2d(x.reshape((N * C, 1, H, W)), _one_hot_kernels(kernel, x.dtype), stride=stride, padding=padding,
               dilation=dilation)                                                     # (N·C, kh·kw, Ho, Wo)
    count, L = kernel[0] * kernel[1], y.shape[2] * y.shape[3]
    # PyTorch's one node over the input (its im2col kernel), here a reshape, the convolution and a reshape
    return shown_as(y.reshape((C * count, L) if unbatched else (N, C * count, L)), x, "Im2ColBackward0")


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns summed back into images, the adjoint of `unfold`: (N, C·kh·kw, L) -> (N, C, H, W) with
    (H, W) = output_size, or (C·kh·kw, L) -> (C, H, W). L must be the number of windows of an (H, W) image."""
    who = "fold"
    kernel, dilation, padding, stride = _geometry(who, kernel_size, dilation, padding, stride)
    size = _ints(output_size, 2, "output_size", who, 1)
    shape = tuple(np.shape(data_of(input)))
    if len(shape) not in (2, 3):
        raise ShapeError(f"{who}: expected a 2-D (unbatched) or 3-D (batched) input, got shape {shape}")
    unbatched = len(shape) == 2
    N, rows, L = ((1,) if unbatched else ()) + shape
    count = kernel[0] * kernel[1]
    if rows % count:
        raise ShapeError(f"{who}: expected size of input's dimension {0 if unbatched else 1} ({rows}) to be "
                         f"divisible by the product of kernel_size ({count})")
    spans = [n + 2 * p - d * (k - 1) - 1 for n, p, d, k in zip(size, padding, dilation, kernel)]
    windows = [span // s + 1 if span >= 0 else 0 for span, s in zip(spans, stride)]
    if math.prod(windows) != L or min(windows) < 1:
        raise ShapeError(f"{who}: given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                         f"padding={padding}, stride={stride}, expected the size of the last dimension "
                         f"({L}) to match the number of sliding blocks {windows[0]} * {windows[1]} = "
                         f"{math.prod(windows)}")
    C = rows // count
    x = _as_value(input)
    columns = x.reshape((N * C, count) + tuple(windows))
    leftover = tuple(span % s for span, s in zip(spans, stride))  # rows and columns no window reaches
    y = conv_transpose2d(columns, _one_hot_kernels(kernel, x.dtype), stride=stride, padding=padding,
                         output_padding=leftover, dilation=dilation)                  # (N·C, 1, H, W)
    return shown_as(y.reshape((C,) + size if unbatched else (N, C) + size), x, "Col2ImBackward0")  # PyTorch's node


class Unfold(Module):
    """Unfold(kernel_size, dilation=1, padding=0, stride=1): `unfold` as a module."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Fold(output_size, kernel_size, dilation=1, padding=0, stride=1): `fold` as a module."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        self.output_size = output_size
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
