"""Sub-pixel rearrangement (Shi et al., 2016): `pixel_shuffle` moves channels into space, `pixel_unshuffle` back.

    pixel_shuffle:    (*, C·r², H, W) -> (*, C, H·r, W·r),   out[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]
    pixel_unshuffle:  the inverse.

Each is a reshape, a permutation of axes and a reshape: differentiable by the shape primitives' rules.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of

from .module import Module


def _factor(factor, who, name):
    if isinstance(factor, bool) or not isinstance(factor, numbers.Integral) or factor < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {factor!r}")
    return int(factor)


def _rearrange(x, shape, axes, final, grad_fn_name):
    if isinstance(x, Value):  # a reshape, a permute and a reshape (a copy), shown as PyTorch's one node
        return shown_as(x.reshape(shape).permute(axes).reshape(final), x, grad_fn_name)
    return np.asarray(x).reshape(shape).transpose(axes).reshape(final)


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) -> (*, C, H·r, W·r) with r = upscale_factor (see the module docstring)."""
    who = "pixel_shuffle"
    r = _factor(upscale_factor, who, "upscale_factor")
    shape = tuple(np.shape(data_of(input)))
    if len(shape) < 3:
        raise ShapeError(f"{who}: expects input to have at least 3 dimensions, but got input with shape {shape}")
    *batch, channels, H, W = shape
    if channels % (r * r):
        raise ShapeError(f"{who}: the channel dimension ({channels}) must be divisible by the square of "
                         f"upscale_factor ({r * r})")
    b, c = len(batch), channels // (r * r)
    axes = tuple(range(b)) + (b, b + 3, b + 1, b + 4, b + 2)                 # (*, C, H, r, W, r)
    return _rearrange(input, (*batch, c, r, r, H, W), axes, (*batch, c, H * r, W * r), "PixelShuffleBackward0")


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) -> (*, C·r², H, W) with r = downscale_factor: the inverse of `pixel_shuffle`."""
    who = "pixel_unshuffle"
    r = _factor(downscale_factor, who, "downscale_factor")
    shape = tuple(np.shape(data_of(input)))
    if len(shape) < 3:
        raise ShapeError(f"{who}: expects input to have at least 3 dimensions, but got input with shape {shape}")
    *batch, channels, H, W = shape
    if H % r or W % r:
        raise ShapeError(f"{who}: the height ({H}) and width ({W}) must be divisible by downscale_factor ({r})")
    b, h, w = len(batch), H // r, W // r
    axes = tuple(range(b)) + (b, b + 2, b + 4, b + 1, b + 3)                 # (*, C, r, r, H/r, W/r)
    return _rearrange(input, (*batch, channels, h, r, w, r), axes, (*batch, channels * r * r, h, w),
                      "PixelUnshuffleBackward0")


class PixelShuffle(Module):
    """PixelShuffle(upscale_factor): `pixel_shuffle` as a module."""

    def __init__(self, upscale_factor):
        self.upscale_factor = _factor(upscale_factor, "PixelShuffle", "upscale_factor")

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """PixelUnshuffle(downscale_factor): `pixel_unshuffle` as a module."""

    def __init__(self, downscale_factor):
        self.downscale_factor = _factor(downscale_factor, "PixelUnshuffle", "downscale_factor")

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
