"""RMSNorm (Zhang & Sennrich, 2019) and LocalResponseNorm (Krizhevsky et al., 2012), as modules and functions.

    rms_norm(x)              x / √(mean(x²) + ε) · γ         mean over the trailing normalized_shape axes
    local_response_norm(x)   x / (k + α/n · Σ_window x²)^β    the sum over n neighbouring channels

Compositions of primitives (mean, sqrt, pow, slicing), so gradients, forward mode and compile come with them.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value, concatenate, sqrt
from autograd_core.ops import data_of
from autograd_core.ops.complex import refuse_complex_kernel

from . import init
from .module import Module, Parameter, check_device


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean(x²) + eps) over the last len(normalized_shape) axes, times weight (shape normalized_shape) if
    given. eps=None uses the machine epsilon of x's dtype (np.finfo), as PyTorch. x: (..., *normalized_shape).
    The result has x's dtype, as PyTorch's: a weight of another float width (float64 around float32, float32 around
    float16) is applied and the product converted back, not promoted."""
    normalized_shape = _normalized_shape(normalized_shape)
    x = input if isinstance(input, Value) else Value(input, requires_grad=False)
    shape = tuple(x.shape)
    k = len(normalized_shape)
    if len(shape) < k or shape[len(shape) - k:] != normalized_shape:
        raise ShapeError(f"rms_norm: given normalized_shape={list(normalized_shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, normalized_shape))}], but got input of size {list(shape)}")
    if eps is None:
        eps = float(np.finfo(x.dtype if x.dtype.kind == "f" else np.float64).eps)
    axes = tuple(range(len(shape) - k, len(shape)))
    y = x / sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
    if weight is None:
        return y
    y = y * weight
    return y if y.dtype == x.dtype or x.dtype.kind != "f" else y.astype(x.dtype)


class RMSNorm(Module):
    """RMSNorm(normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None): `rms_norm` over the
    trailing normalized_shape axes; weight (ones, shape normalized_shape) when elementwise_affine. No bias, no running
    statistics."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        check_device(device)
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = None if eps is None else float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = init.resolve_dtype(dtype)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if elementwise_affine else None

    def forward(self, x):
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """b_c = a_c / (k + α/n · Σ_{c'} a_{c'}²)^β, the sum over channels c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋ (zeros beyond the
    edges; n = size). input: (N, C, *) with at least 3 axes; the channel axis is 1."""
    refuse_complex_kernel("avg_pool2d" if np.ndim(data_of(input)) == 3 else "avg_pool3d_out_frame",
                          input)  # PyTorch averages over windows with its pooling kernels
    xd = data_of(input)
    shape = np.shape(xd)
    if len(shape) < 3:
        raise ShapeError(f"local_response_norm: expected 3D or higher dimensionality input (got {len(shape)} "
                         "dimensions)")
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if np.size(xd) == 0:
        return input
    channels = shape[1]
    dtype = xd.dtype if np.asarray(xd).dtype.kind == "f" else np.float64
    square = input * input
    before, after = size // 2, (size - 1) // 2
    padded = concatenate([np.zeros(shape[:1] + (before,) + shape[2:], dtype), square,
                          np.zeros(shape[:1] + (after,) + shape[2:], dtype)], axis=1)
    window = padded[:, 0:channels]
    for offset in range(1, size):  # the window's sum as `size` shifted slices: a few nodes for the usual n ≤ 5
        window = window + padded[:, offset:offset + channels]
    return input / (window * (alpha / size) + k) ** beta


class LocalResponseNorm(Module):
    """LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0): `local_response_norm` across channels."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
