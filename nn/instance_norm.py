"""Instance normalisation (Ulyanov et al., 2016): each sample's channel normalised over its own spatial positions.
PyTorch's `F.instance_norm`, `InstanceNorm1d`, `InstanceNorm2d`, `InstanceNorm3d`.

    y[n, c] = γ[c] · (x[n, c] − mean(x[n, c])) / √(var(x[n, c]) + eps) + β[c]     (biased variance, over L or H, W)

The same `standardize` node as layer and batch normalisation. With track_running_stats, training also folds the batch's
statistics into running ones, as PyTorch does: r ← (1 − momentum)·r + momentum·(average over the samples of each
instance's mean, or of its unbiased variance); evaluation then normalises with them.
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.jit import effect, not_replayable
from autograd_core.grad_fn_names import INSTANCE_NORM
from autograd_core.ops import data_of
from autograd_core.ops.complex import refuse_complex_kernel

from . import init
from .dtype_checks import check_norm_parameters
from .module import Module, Parameter, check_device
from .norm import _affine, batch_norm, standardize


def _fold_in(running_mean, running_var, mean, var, count, momentum):
    """The running statistics, in place, from per-instance mean and biased var of shape (N, C, 1, ...)."""
    N, C = mean.shape[:2]
    running_mean *= 1 - momentum
    running_mean += momentum * mean.reshape(N, C).mean(axis=0)
    running_var *= 1 - momentum
    running_var += (momentum * count / (count - 1)) * var.reshape(N, C).mean(axis=0)


def _by_instance(x, eps, weight=None, bias=None):
    """(y, mean, var, count) for x (N, C, *spatial) normalised over its spatial axes, then γ·x̂ + β; count: positions
    per instance. Its last node shows as PyTorch's chain (grad_fn_names.py's INSTANCE_NORM: a view, a batch norm over
    a view of x and the repeated weight and bias), where this library computes over x itself (as fast)."""
    xd = data_of(x)
    count = int(np.prod(xd.shape[2:]))
    if count <= 1:
        raise ShapeError(f"instance_norm: expected more than 1 spatial element when training, got input of shape "
                         f"{xd.shape}")
    plain = weight is None and bias is None
    xhat, mean, var = standardize(x, tuple(range(2, xd.ndim)), eps, INSTANCE_NORM if plain else None)
    return _affine(xhat, weight, bias, xd.ndim, INSTANCE_NORM), mean, var, count


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalisation of input (N, C, *spatial) (see the module docstring); weight, bias: (C,) or None.

    use_input_stats=True normalises with each instance's own statistics and, when running_mean and running_var
    ((C,) arrays) are given, updates them in place; False normalises with the running statistics instead.
    """
    refuse_complex_kernel("batch_norm", input)
    xd = data_of(input)
    if np.ndim(xd) < 3:
        raise ShapeError(f"instance_norm: expected input of shape (N, C, ...) with spatial axes, got {np.shape(xd)}")
    channels = xd.shape[1]
    for name, arr in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                      ("bias", bias)):
        if arr is not None and np.shape(arr) != (channels,):
            raise ShapeError(f"instance_norm: {name} has shape {np.shape(arr)}, expected ({channels},) for input of "
                             f"shape {xd.shape}")
    x = input if isinstance(input, Value) else Value(np.asarray(xd), requires_grad=False)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: expected running_mean and running_var when use_input_stats=False")
        return batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)
    check_norm_parameters(x, weight, bias)
    y, mean, var, count = _by_instance(x, eps, weight, bias)
    if running_mean is not None and running_var is not None:
        not_replayable("instance_norm updates the running statistics it is given (in place, with NumPy); "
                       "nn.InstanceNorm does it in a step a compiled function replays")
        _fold_in(running_mean, running_var, mean, var, count, float(momentum))
    return y


class _InstanceNorm(Module):
    _spatial = 1  # number of spatial axes

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        check_device(device)
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = self._dtype = init.resolve_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype)) if affine and bias else None
        if track_running_stats:  # PyTorch's buffers (num_batches_tracked stays 0: instance norm does not count)
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input):
        shape = tuple(np.shape(data_of(input)))
        name, d = type(self).__name__, self._spatial
        if len(shape) not in (d + 1, d + 2):
            raise ShapeError(f"{name}: expected {d + 1}-D (unbatched) or {d + 2}-D input, got shape {shape}")
        x = input if isinstance(input, Value) else Value(np.asarray(input), requires_grad=False, dtype=self._dtype)
        unbatched = len(shape) == d + 1
        if unbatched:
            x = x.reshape((1,) + shape)
        channels = x.shape[1]
        if channels != self.num_features:
            if self.affine or self.track_running_stats:
                raise ShapeError(f"{name}({self.num_features}): expected input with {self.num_features} channels, "
                                 f"got shape {shape}")
            warnings.warn(f"input's size at dim={1 - unbatched} ({channels}) does not match num_features "
                          f"({self.num_features}). You can silence this warning by not passing in num_features, "
                          "which is not used because affine=False", UserWarning, stacklevel=2)
        if self.track_running_stats and not self.training:
            y = batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, training=False,
                           eps=self.eps)
        else:
            check_norm_parameters(x, self.weight, self.bias)
            y, mean, var, count = _by_instance(x, self.eps, self.weight, self.bias)
            if self.track_running_stats:
                self._track(mean, var, count)
        return y.reshape(shape) if unbatched else y

    @effect(updates=("running_mean", "running_var"))
    def _track(self, mean, var, count):
        """Fold a batch's per-instance statistics into the running ones (in place; momentum None counts as 0, as in
        PyTorch's InstanceNorm)."""
        momentum = 0.0 if self.momentum is None else float(self.momentum)
        _fold_in(self.running_mean, self.running_var, mean, var, count, momentum)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
    dtype=None, *, bias=True): input (N, C, L) or (C, L), each (sample, channel) normalised over L. weight (ones)
    and bias (zeros, unless bias=False) of shape (C,) when affine; buffers running_mean, running_var,
    num_batches_tracked when track_running_stats (as PyTorch). device: None or the CPU."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """InstanceNorm2d(...): input (N, C, H, W) or (C, H, W), each (sample, channel) normalised over H and W; the same
    arguments, parameters and buffers as InstanceNorm1d."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """InstanceNorm3d(...): input (N, C, D, H, W) or (C, D, H, W), each (sample, channel) normalised over D, H and W;
    the same arguments, parameters and buffers as InstanceNorm1d."""

    _spatial = 3
