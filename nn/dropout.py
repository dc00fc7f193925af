"""Dropout: in training, zero each element with probability p and scale the rest by 1/(1 − p)."""

from __future__ import annotations

import numpy as np

from autograd_core.ops import data_of

from . import init
from .module import Module


def dropout(x, p=0.5, training=True, rng=None):
    """x ⊙ m / (1 − p) with m ~ Bernoulli(1 − p) drawn from `rng` (see `nn.init.get_rng`); x when not
    training or p == 0. The expected value is x either way. One node: a multiply by a constant."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    xd = data_of(x)
    dtype = xd.dtype if np.asarray(xd).dtype.kind == "f" else np.float64
    if p == 1.0:
        return x * np.zeros(np.shape(xd), dtype)
    keep = init.get_rng(rng).random(np.shape(xd)) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(dtype, copy=False)


class Dropout(Module):
    """Dropout(p=0.5, rng=None): `dropout` in training mode, identity in evaluation mode.

    rng: a np.random.Generator or int seed (kept: masks differ per call but the sequence of masks is
    reproducible); None uses the module-wide generator of `nn.init`.
    """

    def __init__(self, p=0.5, rng=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)
        self._rng = None if rng is None else init.get_rng(rng)

    def forward(self, x):
        return dropout(x, self.p, self.training, self._rng)

    def extra_repr(self):
        return f"p={self.p}"


def dropout2d(x, p=0.5, training=True, rng=None):
    """Zero whole channels: x (N, C, H, W) (or unbatched (C, H, W)) times a mask of shape (N, C, 1, 1)
    drawn per sample and channel, scaled by 1/(1 − p) (Tompson et al., 2015). Identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: p must be in [0, 1], got {p}")
    xd = data_of(x)
    shape = np.shape(xd)
    if len(shape) not in (3, 4):
        raise ValueError(f"dropout2d: input must be (N, C, H, W) or (C, H, W), got shape {shape}")
    if not training or p == 0.0:
        return x
    dtype = xd.dtype if np.asarray(xd).dtype.kind == "f" else np.float64
    mask_shape = shape[:-2] + (1, 1)
    if p == 1.0:
        return x * np.zeros(mask_shape, dtype)
    keep = init.get_rng(rng).random(mask_shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(dtype, copy=False)


class Dropout2d(Dropout):
    """Dropout2d(p=0.5, rng=None): `dropout2d` (whole channels) in training mode, identity in evaluation."""

    def forward(self, x):
        return dropout2d(x, self.p, self.training, self._rng)
