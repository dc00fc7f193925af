"""MaxUnpool1d/2d/3d: the partial inverse of max pooling, putting each value back where its maximum was.

    y = zeros(N, C, H, W);  y[n, c].flat[indices[n, c, i, j]] = x[n, c, i, j]

`indices` come from max_pool*d(..., return_indices=True). The output size defaults to the input size the
pooling had without ceil_mode, (in − 1)·stride − 2·padding + kernel_size; pass `output_size` otherwise.
One primitive, `max_unpool`: a scatter that assigns (two windows sharing a maximum write the same value
once, as PyTorch), whose gradient reads g back at the indices.
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core.ops import data_of, getitem, primitive, reshape
from autograd_core.ops.complex import refuse_complex_kernel

from .conv import _ints
from .module import Module


@primitive("max_unpool")
def _unpool(x, *, index, shape):
    out = np.zeros(shape, dtype=np.result_type(x))
    out[index] = x                      # a repeated index writes the same maximum again
    return out


_unpool.defvjp(lambda g, out, x, *, index, shape: getitem(g, index), formulas=("g[indices]",))
_unpool.defjvp_linear()  # linear in x: the tangent is unpooled the same way


def _max_unpool(who, nd, x, indices, kernel_size, stride, padding, output_size):
    shape = tuple(np.shape(data_of(x)))
    if len(shape) == nd + 1:  # one unbatched sample (C, *spatial), as PyTorch accepts
        indices = np.asarray(data_of(indices))
        y = _max_unpool(who, nd, reshape(x, shape=(1,) + shape), indices.reshape((1,) + indices.shape), kernel_size,
                        stride, padding, output_size)
        return reshape(y, shape=np.shape(data_of(y))[1:])
    if len(shape) != nd + 2:
        layout = {1: "(N, C, L)", 2: "(N, C, H, W)"}.get(nd, "(N, C, D, H, W)")
        raise ShapeError(f"{who}: input must be {nd + 2}-D {layout}, got shape {shape}")
    idx = np.asarray(data_of(indices))
    if idx.shape != shape or idx.dtype.kind not in "iu":
        raise ShapeError(f"{who}: indices must be integers of the input's shape {shape}, got {idx.dtype} {idx.shape}")
    kernel = _ints(kernel_size, nd, "kernel_size", who, 1)
    stride = kernel if stride is None else _ints(stride, nd, "stride", who, 1)
    pads = _ints(padding, nd, "padding", who, 0)
    if output_size is None:
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(shape[2:], stride, pads, kernel))
    else:
        size = tuple(int(n) for n in output_size)[-nd:]
        if len(size) != nd:
            raise ValueError(f"{who}: output_size must end in {nd} spatial sizes, got {output_size!r}")
    plane = int(np.prod(size))
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        raise ValueError(f"{who}: indices must be in [0, {plane}) for output size {size}, "
                         f"got min {idx.min()}, max {idx.max()}")
    N, C = shape[:2]
    n, c = np.indices((N, C) + idx.shape[2:])[:2]
    flat = _unpool(x, index=(n, c, idx), shape=(N, C, plane))
    return reshape(flat, shape=(N, C) + size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """x (N, C, Ho, Wo) and indices from max_pool2d -> (N, C, H, W) with each value at its maximum's place."""
    refuse_complex_kernel("max_unpool2d", input)
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """x (N, C, Do, Ho, Wo) and indices from max_pool3d -> (N, C, D, H, W) with each value at its maximum's place."""
    refuse_complex_kernel("max_unpool3d", input)
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """x (N, C, Lo) and indices from max_pool1d -> (N, C, L)."""
    refuse_complex_kernel("max_unpool2d", input)
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


class _MaxUnpool(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        who = type(self).__name__
        self.kernel_size = _ints(kernel_size, self._nd, "kernel_size", who, 1)
        self.stride = self.kernel_size if stride is None else _ints(stride, self._nd, "stride", who, 1)
        self.padding = _ints(padding, self._nd, "padding", who, 0)

    def forward(self, input, indices, output_size=None):
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_MaxUnpool):
    """MaxUnpool2d(kernel_size, stride=None, padding=0); call it with (x, indices, output_size=None)."""

    _nd = 2
    _fn = staticmethod(max_unpool2d)


class MaxUnpool3d(_MaxUnpool):
    """MaxUnpool3d(kernel_size, stride=None, padding=0); call it with (x, indices, output_size=None)."""

    _nd = 3
    _fn = staticmethod(max_unpool3d)


class MaxUnpool1d(_MaxUnpool):
    """MaxUnpool1d(kernel_size, stride=None, padding=0); call it with (x, indices, output_size=None)."""

    _nd = 1
    _fn = staticmethod(max_unpool1d)
