"""`SyncBatchNorm`: batch normalisation with the statistics of the whole batch, across all ranks.

In data-parallel training each rank sees only its share of a batch. `BatchNorm` would standardise with the
mean and variance of that share; `SyncBatchNorm` all-reduces them, so N ranks of B images each normalise
exactly as one process with the N·B images would, and its gradient is that process's gradient too:

    forward:   μ = Σ_ranks Σ x / n,  σ² = Σ_ranks Σ (x − μ)² / n   (n: the values per channel on all ranks)
               x̂ = (x − μ) / √(σ² + ε)
    backward:  dL/dx = (1/√(σ² + ε)) · (g − Σ_ranks Σ g / n − x̂ · Σ_ranks Σ g·x̂ / n)

(the `standardize` rule of nn/norm.py with its means taken over all ranks: one all-reduce of a (2, C) array).
Outside training mode, or in a world of one process with no MPI, it is a BatchNorm.
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core import distributed as dist
from autograd_core.jit import not_replayable
from autograd_core.ops import data_of, primitive

from .module import Module, check_device
from .norm import _affine, _BatchNorm, _channel_shape, _update_running


@primitive("sync_normalize")
def _sync_normalize(x, axes, mean, inv_std, total):
    return (x - mean) * inv_std


def _sync_normalize_vjp(g, out, x, axes, mean, inv_std, total):
    if isinstance(g, Value):
        raise NotImplementedError("SyncBatchNorm: backward(create_graph=True) is not supported")
    sums = np.stack([g.sum(axis=axes), (g * out).sum(axis=axes)])   # (2, C): Σ g and Σ g·x̂ on this rank
    dist.all_reduce(sums)
    shape = _channel_shape(g.ndim)
    g_mean, gx_mean = sums[0].reshape(shape) / total, sums[1].reshape(shape) / total
    return inv_std * (g - g_mean - out * gx_mean)                  # out = x̂


_sync_normalize.defvjp(_sync_normalize_vjp, formulas=("(g − ḡ − x̂·mean(g⊙x̂))/σ over all ranks",))
# The Jacobian over all ranks, (I − 1/n − x̂x̂ᵀ/n)/σ, is symmetric: J t is the same rule (with the same all-reduce,
# so every rank must run its forward-mode pass too).
_sync_normalize.defjvp(_sync_normalize_vjp)


def sync_batch_norm_statistics(xd, axes):
    """(mean, biased variance, number of values) per channel over `xd` of every rank; mean and variance
    shaped (1, C, 1, ...). Two all-reduces: the sums, then the squared deviations from the common mean."""
    channels = xd.shape[1]
    local = np.zeros(channels + 1, dtype=xd.dtype)
    local[:channels] = xd.sum(axis=axes)
    local[channels] = xd.size // channels
    dist.all_reduce(local)
    total = float(local[channels])
    shape = _channel_shape(xd.ndim)
    mean = (local[:channels] / total).astype(xd.dtype, copy=False).reshape(shape)
    centred = xd - mean
    squares = np.ascontiguousarray((centred * centred).sum(axis=axes))
    dist.all_reduce(squares)
    var = (squares / total).astype(xd.dtype, copy=False).reshape(shape)
    return mean, var, total


def sync_normalize(x, eps=1e-5):
    """x̂ = (x − μ) / √(σ² + ε) per channel (axis 1) with μ, σ² over every axis but 1 and over all ranks.

    x: a Value of shape (N, C, ...). Returns (x̂, mean, var, n): mean and var (1, C, 1, ...) arrays, n the number
    of values per channel on all ranks. In a world of one process it equals `standardize(x, axes)`.
    """
    dist.init()
    xd = data_of(x)
    axes = (0,) + tuple(range(2, xd.ndim))
    mean, var, total = sync_batch_norm_statistics(xd, axes)
    inv_std = 1.0 / np.sqrt(var + eps)
    return _sync_normalize(x, axes=axes, mean=mean, inv_std=inv_std, total=total), mean, var, total


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation whose batch statistics, and their gradient, span every rank (PyTorch's SyncBatchNorm).

    SyncBatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, process_group=None,
                  device=None, dtype=None, *, bias=True)

    Inputs (N, C, *spatial) of any rank ≥ 2; parameters and buffers as `BatchNorm1d/2d` (running statistics
    from the statistics of the whole batch, so they are the same on every rank). Every rank must call it
    the same number of times per step (it communicates in forward and in backward).
    `SyncBatchNorm.convert_sync_batchnorm(model)` replaces a model's BatchNorm layers. process_group: None, all
    ranks (the only group here).
    """

    _dims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        if process_group is not None:
            raise NotImplementedError("SyncBatchNorm: process_group must be None (statistics span all ranks)")
        check_device(device)
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype=dtype, bias=bias)

    def forward(self, input):
        training = self.training or not self.track_running_stats
        if not training or not dist.is_initialized() or dist.get_world_size() == 1:
            return super().forward(input)
        shape = input.shape if isinstance(input, Value) else np.shape(input)
        if len(shape) < 2 or shape[1] != self.num_features:
            raise ShapeError(f"SyncBatchNorm({self.num_features}): expected input (N, {self.num_features}, ...), "
                             f"got shape {shape}")
        if not isinstance(input, Value):
            input = Value(input, requires_grad=False, dtype=self._dtype)
        xd = data_of(input)
        xhat, mean, var, total = sync_normalize(input, self.eps)
        if total <= 1:
            raise ShapeError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks, got {total:g}")
        if self.training and self.track_running_stats:
            not_replayable("SyncBatchNorm updates its running statistics in training mode (in place, with NumPy)")
            self.num_batches_tracked += 1
            _update_running(self.running_mean, self.running_var, mean, var, total, self.momentum,
                            self.num_batches_tracked)
        return _affine(xhat, self.weight, self.bias, xd.ndim)

    @classmethod
    def convert_sync_batchnorm(cls, module):
        """`module` with every BatchNorm1d/2d inside replaced by a SyncBatchNorm holding the same parameters
        and buffers (changed in place; returns the module, or the new layer if `module` is a BatchNorm)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            return _converted(cls, module)
        for name, value in list(vars(module).items()):
            replaced = _replace_inside(cls, value)
            if replaced is not value:
                setattr(module, name, replaced)
        return module


def _converted(cls, bn):
    sync = cls.__new__(cls)
    for name, value in vars(bn).items():
        object.__setattr__(sync, name, value)  # the same Parameters and buffer arrays
    return sync


def _replace_inside(cls, value):
    if isinstance(value, Module):
        return cls.convert_sync_batchnorm(value)
    if isinstance(value, list):
        value[:] = [_replace_inside(cls, item) for item in value]
        return value
    if isinstance(value, tuple):
        return tuple(_replace_inside(cls, item) for item in value)
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _replace_inside(cls, value[key])
        return value
    return value
