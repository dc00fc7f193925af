"""PyTorch's ATen-level names for nn's computations: `torch.convolution`, `torch.conv_tbc`, `torch.constant_pad_nd`,
`torch.native_layer_norm` / `native_batch_norm` / `native_group_norm` (the normalised output and the statistics
their backward keeps), `torch.native_dropout` (output and mask), `torch.native_channel_shuffle`,
`torch.grid_sampler`, `torch.affine_grid_generator` and `torch.embedding_bag` (weight first, mode as an integer,
PyTorch's four outputs).

Each is nn.functional's function under ATen's calling convention; the statistics are composed from differentiable
primitives, so they carry gradients as PyTorch's do. The package loads this module on first use of one of its names.
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError, Value
from autograd_core.ops import data_of
from autograd_core.ops.complex import refuse_complex_differentiation
from autograd_core.generator import get_rng

from . import functional as F

# ----------------------------------------------------------------------------------------------------
# Convolutions and padding.


def _tuple(value, n):
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * n


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """The convolution of (N, C_in, *spatial) input with weight, 1-D to 3-D by weight.ndim − 2, as F.conv{1,2,3}d
    (weight (C_out, C_in / groups, *kernel)) or, when `transposed`, F.conv_transpose{1,2,3}d (weight (C_in,
    C_out / groups, *kernel), with output_padding). stride, padding, dilation, output_padding: ints or sequences of
    one int per spatial axis; bias (C_out,) or None. All arguments are required, as in ATen."""
    dims = np.ndim(data_of(weight)) - 2
    if dims not in (1, 2, 3):
        raise ShapeError(f"convolution: expected a weight of 3 to 5 dimensions (1-D to 3-D), got {dims + 2}")
    stride, padding, dilation = _tuple(stride, dims), _tuple(padding, dims), _tuple(dilation, dims)
    if transposed:
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        return conv(input, weight, bias, stride, padding, _tuple(output_padding, dims), groups, dilation)
    return (F.conv1d, F.conv2d, F.conv3d)[dims - 1](input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input, weight, bias, pad=0):
    """A 1-D convolution in time-batch-channel layout: input (T, N, C_in), weight (K, C_in, C_out), bias (C_out,),
    `pad` zeros at both ends of time; returns (T + 2·pad − K + 1, N, C_out). Complex numbers without a gradient (a
    gradient through them is PyTorch's RuntimeError: it has no complex backward of conv_tbc)."""
    refuse_complex_differentiation("conv_tbc", input, weight, bias)
    x = input.permute(1, 2, 0)                         # (N, C_in, T)
    w = weight.permute(2, 1, 0)                        # (C_out, C_in, K)
    return F.conv1d(x, w, bias, 1, int(pad)).permute(2, 0, 1)


def constant_pad_nd(input, pad, value=0):
    """input padded with `value` by `pad` = (before_last, after_last, before_second_last, ...) as F.pad's constant
    mode; a negative amount cuts that many elements off instead."""
    return F.pad(input, tuple(pad), "constant", value)


# ----------------------------------------------------------------------------------------------------
# Normalisation: (output, mean, 1 / sqrt(var + eps)), the statistics composed from the input.


def _mean_rstd(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)  # (NumPy's axis: an empty one reduces nothing)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)  # biased, as normalisation uses it
    return mean, (var + eps) ** -0.5


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """F.layer_norm(input, normalized_shape, weight, bias, eps) with its statistics: (output (input's shape),
    mean, rstd), the statistics over the last len(normalized_shape) axes, kept as size-1 axes."""
    axes = tuple(range(input.ndim - len(tuple(normalized_shape)), input.ndim))
    mean, rstd = _mean_rstd(input, axes, eps)
    return F.layer_norm(input, tuple(normalized_shape), weight, bias, eps), mean, rstd


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """F.group_norm(input, group, weight, bias, eps) of (N, C, *spatial) input with HxW spatial elements, with its
    statistics: (output, mean (N, group), rstd (N, group))."""
    if input.shape[:2] != (N, C) or int(np.prod(input.shape[2:])) != HxW:
        raise ShapeError(f"native_group_norm: input of shape {input.shape} is not (N={N}, C={C}, *spatial) with "
                         f"HxW={HxW} spatial elements")
    if group <= 0 or C % group:
        raise ShapeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                         f"shape {input.shape} and num_groups={group}")
    mean, rstd = _mean_rstd(input.reshape((N, group, -1)), 2, eps)
    return F.group_norm(input, group, weight, bias, eps), mean.reshape((N, group)), rstd.reshape((N, group))


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """F.batch_norm of (N, C, *) input (running statistics updated in place when training) with the statistics
    its backward keeps: (output, save_mean (C,), save_invstd (C,)), the batch's mean and 1 / sqrt(var + eps) when
    training, empty (0,) Values otherwise (the running statistics are used then)."""
    output = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = Value(np.zeros(0, input.dtype), requires_grad=False)
        return output, empty, empty.clone()
    axes = (0, *range(2, input.ndim))
    mean, rstd = _mean_rstd(input, axes, eps)
    return output, mean.reshape((input.shape[1],)), rstd.reshape((input.shape[1],))


# ----------------------------------------------------------------------------------------------------
# Dropout, channel shuffle, sampling grids.


def native_dropout(input, p, train):
    """(output, mask): with train, each element kept with probability 1 − p (mask True) and scaled by 1 / (1 − p)
    (p = 1 drops all); without, output is a copy of input and mask all True. mask is a bool Value of input's
    shape; output is differentiable (gradient mask / (1 − p))."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train:
        return input.clone(), Value(np.ones(input.shape, bool), requires_grad=False, dtype=bool)
    mask = get_rng().random(input.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return (input * Value(mask * scale, requires_grad=False, dtype=input.dtype),
            Value(mask, requires_grad=False, dtype=bool))


def native_channel_shuffle(input, groups):
    """F.channel_shuffle: (N, C, *) with the channels in `groups` groups, interleaved."""
    return F.channel_shuffle(input, groups)


_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """F.grid_sample with ATen's integer modes: interpolation_mode 0 bilinear, 1 nearest, 2 bicubic; padding_mode
    0 zeros, 1 border, 2 reflection. input (N, C, H, W) or (N, C, D, H, W), grid (N, H_out, W_out, 2) or 5-D."""
    if interpolation_mode not in _INTERPOLATION or padding_mode not in _PADDING:
        raise ValueError(f"grid_sampler: interpolation_mode must be 0, 1 or 2 and padding_mode 0, 1 or 2, got "
                         f"{interpolation_mode} and {padding_mode}")
    return F.grid_sample(input, grid, _INTERPOLATION[interpolation_mode], _PADDING[padding_mode], align_corners)


def affine_grid_generator(theta, size, align_corners):
    """F.affine_grid(theta, size, align_corners): the sampling grid of the affine maps theta (N, 2, 3) or
    (N, 3, 4) for an output of `size` (N, C, H, W) or (N, C, D, H, W)."""
    return F.affine_grid(theta, list(size), align_corners)


# ----------------------------------------------------------------------------------------------------
# Embedding bags.

_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """F.embedding_bag with the weight first and mode as ATen's integer (0 sum, 1 mean, 2 max). Returns PyTorch's
    four outputs: (output (B, dim), offset2bag (the bag of each index), bag_size (indices per bag, padding_idx not
    counted), max_indices (mode max: the weight row chosen per bag and feature, (B, dim))). As PyTorch's CPU
    kernel: in sum mode bag_size and max_indices are zeros (one per offset); in mean mode max_indices repeats
    bag_size (PyTorch's float32 sum fast path also leaves offset2bag empty). indices 1-D with offsets (B,) (or (B + 1,)
    with include_last_offset); the gradient flows to weight and per_sample_weights."""
    if mode not in _BAG_MODES:
        raise ValueError(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    if offsets is None:
        raise TypeError("embedding_bag(): argument 'offsets' (position 3) must be Tensor, not NoneType")
    if np.ndim(data_of(indices)) != 1:
        raise ShapeError("embedding_bag: expects 1-D indices with offsets (F.embedding_bag takes 2-D indices too)")
    if padding_idx is not None and padding_idx < 0:
        padding_idx = None  # ATen's -1: no padding row
    output = F.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq, _BAG_MODES[mode], sparse,
                             per_sample_weights, include_last_offset, padding_idx)
    index = np.asarray(data_of(indices)).astype(np.int64)
    starts = np.asarray(data_of(offsets)).astype(np.int64)
    count = len(starts)
    if include_last_offset:
        starts = starts[:-1]
    bag = np.searchsorted(starts, np.arange(len(index)), side="right") - 1       # the bag of each index
    kept = index != padding_idx if padding_idx is not None else np.ones(len(index), bool)
    sizes = np.bincount(bag[kept], minlength=len(starts)).astype(np.int64)

    def int64(a):
        return Value(np.asarray(a, np.int64), requires_grad=False, dtype=np.int64)

    if mode == 0:
        return output, int64(bag), int64(np.zeros(count)), int64(np.zeros(count))
    if mode == 1:
        return output, int64(bag), int64(sizes), int64(sizes)
    table = np.asarray(data_of(weight))
    chosen = np.zeros((len(starts), table.shape[1]), np.int64)
    for b in range(len(starts)):
        rows = index[(bag == b) & kept]
        if len(rows):
            chosen[b] = rows[np.argmax(table[rows], axis=0)]
    return output, int64(bag), int64(sizes), int64(chosen)
