"""AdaptiveAvgPool1d and power-average pooling (LPPool1d, LPPool2d), as modules and functions.

    adaptive_avg_pool1d(x, n)   the mean over PyTorch's adaptive bins: x · Aᵀ with a constant averaging matrix A
    lp_pool1d / lp_pool2d       (Σ_window x^p)^(1/p): p = 1 sum pooling, p = ∞ max pooling

Compositions of matmul, avg_pool and pow, with PyTorch's formulas and nodes (so the same numbers where x^p is
undefined, and the same graph).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd_core import ShapeError, Value
from autograd_core.ops import data_of, matmul, relu
from autograd_core.ops.special import sign
from autograd_core.one_node import shown_as
from autograd_core.ops.complex import refuse_complex_kernel

from .axis_maps import pooled_along_last
from .conv import _ints
from .module import Module
from .pool import _averaging_matrix, _float_dtype, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d


def adaptive_avg_pool1d(input, output_size):
    """Average over PyTorch's adaptive bins along the last axis: (N, C, L) or (C, L) -> (…, output_size)."""
    shape = np.shape(data_of(input))
    if len(shape) not in (2, 3):
        raise ShapeError(f"adaptive_avg_pool1d: expected 2D or 3D input (C, L) or (N, C, L), got shape {shape}")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise ValueError(f"adaptive_avg_pool1d: output_size must be one int, got {output_size!r}")
        output_size = output_size[0]
    if isinstance(output_size, bool) or not isinstance(output_size, numbers.Integral) or output_size < 1:
        raise ValueError(f"adaptive_avg_pool1d: output_size must be a positive int, got {output_size!r}")
    if output_size != 1:  # PyTorch averages complex numbers only into a single bin (its mean)
        refuse_complex_kernel("adaptive_avg_pool2d", input)
    matrix = _averaging_matrix(shape[-1], int(output_size), _float_dtype(input))
    if output_size != 1 and isinstance(input, Value) and input.data.dtype == matrix.dtype:
        return pooled_along_last(input, matrix)  # PyTorch's chain: its 2-D pooling between views
    out = matmul(input, matrix.T)
    if output_size == 1 and isinstance(input, Value):  # one bin: PyTorch's mean, between its views
        shown_as(out, input, "SqueezeBackward1<MeanBackward1<UnsqueezeBackward0")
    return out


class AdaptiveAvgPool1d(Module):
    """AdaptiveAvgPool1d(output_size): see `adaptive_avg_pool1d`."""

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size!r}"


def _check_norm_type(norm_type, who):
    """p as a float; a zero p raises ZeroDivisionError (PyTorch's type: it computes 1 / p), a NaN, bool or non-number
    ValueError, each naming the argument."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real) or not abs(norm_type) > 0:  # 0, NaN
        error = ZeroDivisionError if norm_type == 0 and not isinstance(norm_type, bool) else ValueError
        raise error(f"{who}: norm_type must be a nonzero number (p of the p-norm; ±inf: the max of |x|), got "
                    f"{norm_type!r}")
    return float(norm_type)


def _lp_pool(who, input, norm_type, kernel, stride, ceil_mode, avg_pool, max_pool):
    """The power-average pooling of lp_pool1d/2d/3d, recorded as PyTorch's (torch/nn/functional.py): with
    out = avg_pool(x.pow(p)) over windows of `kernel` (a tuple), (sign(out)·relu(|out|)).mul(kernel's size).pow(1/p),
    so that a window whose Σ x^p is 0 gets a gradient of 0, not NaN (relu's gradient picks 0 there, whatever comes down
    from pow(1/p)), and ceil_mode's partial windows are their average times the whole kernel's size, as PyTorch's.
    p = inf: max_pool(|x|); p = -inf: −max_pool(−|x|) (the smallest |x|). avg_pool, max_pool: the rank's functions."""
    p = _check_norm_type(norm_type, who)
    if p == math.inf:
        return max_pool(abs(input), kernel, stride, 0, 1, ceil_mode)
    if p == -math.inf:
        return -max_pool(-abs(input), kernel, stride, 0, 1, ceil_mode)
    out = avg_pool(input ** p, kernel, stride, 0, ceil_mode)
    return (sign(out) * relu(abs(out)) * math.prod(kernel)) ** (1.0 / p)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(Σ_window x^p)^(1/p) over windows of `kernel_size` along L: (N, C, L) or (C, L) -> (…, C, Lo) (sizes as
    avg_pool1d; stride defaults to kernel_size). x^p of a negative x is NaN unless p is a whole number, as in
    PyTorch; p = inf is the max of |x|, −inf the min. Recorded as PyTorch's nodes: avg_pool1d(x.pow(p)), then
    sign(s)·relu(|s|), .mul(kernel_size), .pow(1/p) (a window whose Σ x^p is 0 gets a gradient of 0, as there)."""
    kernel = _ints(kernel_size, 1, "kernel_size", "lp_pool1d", 1)
    return _lp_pool("lp_pool1d", input, norm_type, kernel, stride, ceil_mode, avg_pool1d, max_pool1d)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(Σ_window x^p)^(1/p) over (kh, kw) windows: (N, C, H, W) or (C, H, W) -> (…, C, Ho, Wo) (sizes as avg_pool2d;
    stride defaults to kernel_size); see lp_pool1d."""
    kernel = _ints(kernel_size, 2, "kernel_size", "lp_pool2d", 1)
    return _lp_pool("lp_pool2d", input, norm_type, kernel, stride, ceil_mode, avg_pool2d, max_pool2d)


class _LPPool(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False): see `lp_pool1d`."""

    def forward(self, input):
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPool):
    """LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False): see `lp_pool2d`."""

    def forward(self, input):
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
