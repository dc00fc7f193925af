"""GeneralizedPareto(loc, scale, concentration): the generalized Pareto distribution of tails, reparameterizable
through its inverse CDF. concentration 0 is the exponential, concentration −1 the uniform, concentration > 0 a
Pareto."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import ops
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, constant, sampled

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """Survival function (1 + ξ z)^(−1/ξ), z = (x − loc)/scale, ξ = concentration (exp(−z) at ξ = 0), on
    [loc, ∞) for ξ >= 0 and [loc, loc − scale/ξ] for ξ < 0. mean is nan for ξ >= 1, variance for ξ >= 1/2."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        scalar = all(isinstance(v, numbers.Number) for v in (loc, scale, concentration))
        super().__init__(() if scalar else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(GeneralizedPareto, batch_shape, ("loc", "scale", "concentration"), _instance)

    def _safe_concentration(self):
        """(ξ ≈ 0 mask, ξ with 1 where ξ ≈ 0): the closed forms divide by ξ."""
        eq_zero = np.isclose(self.concentration.data, 0.0)
        return eq_zero, ops.where(eq_zero, constant(np.array(1, dtype=self.concentration.dtype)), self.concentration)

    def _z(self, x):
        return (x - self.loc) / self.scale

    def rsample(self, sample_shape=()):
        u = sampled("random", self._extended_shape(sample_shape), self.loc.dtype)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = self._safe_concentration()
        y = 1 / safe + 1
        nonzero = ops.where(np.broadcast_to(y.data == 0, np.broadcast_shapes(y.shape, z.shape)), y,
                            y * (safe * z).log1p())
        return -self.scale.log() - ops.where(eq_zero, z, nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = self._safe_concentration()
        return ops.where(eq_zero, -z, -(safe * z).log1p() / safe)

    def log_cdf(self, value):
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        eq_zero, safe = self._safe_concentration()
        log_u = (-value).log1p()
        nonzero = self.loc + self.scale / safe * (-safe * log_u).expm1()
        return ops.where(eq_zero, self.loc - self.scale * log_u, nonzero)

    @property
    def mean(self):
        c = self.concentration
        valid = c.data < 1
        safe = ops.where(valid, c, constant(np.array(0.5, dtype=c.dtype)))
        return ops.where(valid, self.loc + self.scale / (1 - safe), constant(np.array(np.nan, dtype=c.dtype)))

    @property
    def variance(self):
        c = self.concentration
        valid = c.data < 0.5
        safe = ops.where(valid, c, constant(np.array(0.25, dtype=c.dtype)))
        var = self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe))
        return ops.where(valid, var, constant(np.array(np.nan, dtype=c.dtype)))

    def entropy(self):
        h = self.scale.log() + self.concentration + 1
        return h if h.shape == self.batch_shape else ops.broadcast_to(h, shape=self.batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        c = self.concentration.data
        with np.errstate(divide="ignore"):
            upper = np.where(c < 0, self.loc.data - self.scale.data / np.where(c < 0, c, 1), math.inf)
        return constraints.interval(self.loc, constant(upper))
