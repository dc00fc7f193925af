"""LKJCholesky(dim, concentration): the LKJ distribution over correlation matrices, on their Cholesky factors;
sampled by the onion method (as PyTorch, whose version 2.13 draws the rows below the second from the wrong Beta)."""

from __future__ import annotations

import math

import numpy as np

from ..modes import no_grad
from ..ops.special_functions import multigammaln
from . import constraints
from .distribution import Distribution
from .gamma import Beta
from .special import lgamma
from .utils import broadcast_all, constant, draw, tiny

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """Lower Cholesky factors L of dim × dim correlation matrices L Lᵀ, with density ∝ det(L Lᵀ)^(η−1) for
    η = concentration (η = 1: uniform over correlation matrices; larger η: closer to the identity).
    batch_shape = concentration's shape, event_shape = (dim, dim). No rsample (as PyTorch)."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = int(dim)
        (self.concentration,) = broadcast_all(concentration)
        dtype = self.concentration.dtype
        # row k >= 1 of L: its squared off-diagonal length is Beta(k/2, η + (dim − 1 − k)/2) (the onion method of
        # Lewandowski, Kurowicka and Joe 2009, sec. 3.2; row 0 is (1, 0, ..., 0) and takes row 1's numbers).
        # PyTorch 2.13 draws Beta(k − 1/2, ...): its rows k >= 2 come out too correlated (not exchangeable).
        k = np.concatenate([[1.0], np.arange(1, self.dim)]).astype(dtype)
        marginal = self.concentration + 0.5 * (self.dim - 2)
        self._beta = Beta(constant(0.5 * k), marginal.unsqueeze(-1) - constant(0.5 * (k - 1)))
        super().__init__(self.concentration.shape, (self.dim, self.dim), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = tuple(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.broadcast_to(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=()):
        with no_grad():
            y = self._beta.sample(sample_shape).data[..., None]
        shape = self._extended_shape(sample_shape)
        u = np.tril(draw("standard_normal", shape, y.dtype), -1)
        with np.errstate(invalid="ignore"):
            u = u / np.linalg.norm(u, axis=-1, keepdims=True)      # a random direction for each row
        u[..., 0, :] = 0.0                                          # the first row is (1, 0, ..., 0)
        w = np.sqrt(y) * u
        diag = np.sqrt(np.maximum(1 - (w ** 2).sum(-1), tiny(w.dtype)))
        return constant(w + diag[..., None] * np.eye(self.dim, dtype=w.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = 2 * (self.concentration - 1).unsqueeze(-1) + constant(
            (self.dim - np.arange(2, self.dim + 1)).astype(self.concentration.dtype))
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalizer = 0.5 * dm1 * math.log(math.pi) + multigammaln(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        return unnormalized - normalizer
