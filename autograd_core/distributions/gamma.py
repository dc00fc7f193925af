"""Gamma, Beta, Dirichlet and Poisson: densities written with lgamma and digamma (special.py).

Gamma, Beta and Dirichlet are reparameterizable as PyTorch's: `rsample` draws standard gamma numbers whose gradient
w.r.t. the concentration is the implicit one (gamma_sampling.py); Dirichlet and Beta normalise gammas. log_prob,
entropy, mean, variance, cdf (Gamma: the regularized incomplete gamma, differentiable in the value and the rate)
and KL are differentiable.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.special_functions import igamma
from . import constraints
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .gamma_sampling import standard_gamma
from .special import digamma, lgamma
from .utils import as_float_value, broadcast_all, clamp_into_open_unit, constant, sampled_from, tiny, xlogy

__all__ = ["Beta", "Dirichlet", "Gamma", "Poisson"]


class Gamma(ExponentialFamily):
    """Density rateᶜ xᶜ⁻¹ exp(−rate · x) / Γ(c) on x >= 0, c = concentration; both broadcast to batch_shape."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Gamma, batch_shape, ("concentration", "rate"), _instance)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape=()):
        """X / rate with X ~ Gamma(concentration, 1): differentiable w.r.t. both parameters (implicitly w.r.t. the
        concentration)."""
        shape = self._extended_shape(sample_shape)
        x = standard_gamma(ops.broadcast_to(self.concentration, shape=shape)) / self.rate
        return x.clamp(min=float(tiny(x.dtype)))

    def log_prob(self, value):
        # numbers and other dtypes are taken in the parameters' dtype first, as PyTorch's torch.as_tensor here
        # (so Gamma and Chi2, unlike most families, score a plain number even with validate_args)
        value = as_float_value(value, self.rate.dtype)
        if value.dtype != self.rate.dtype:
            value = value.astype(self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c, self.rate) + xlogy(c - 1, value) - self.rate * value - lgamma(c)

    def cdf(self, value):
        """P(concentration, rate · value), the regularized lower incomplete gamma function (differentiable in value
        and rate; not in the concentration, as PyTorch)."""
        if self._validate_args:
            self._validate_sample(value)
        value = as_float_value(value, self.rate.dtype)
        return igamma(self.concentration, self.rate * value)

    def entropy(self):
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()


class Dirichlet(ExponentialFamily):
    """Density Γ(Σcᵢ)/ΠΓ(cᵢ) · Π xᵢ^(cᵢ−1) on the simplex; concentration (..., K): batch_shape = (...),
    event_shape = (K,)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        concentration = as_float_value(concentration)
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = ops.broadcast_to(self.concentration, shape=batch_shape + self.event_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        c = self.concentration.data
        m = np.maximum(c - 1, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = m / m.sum(-1, keepdims=True)
        # all concentrations below 1: the density is largest at the corner of the largest one
        corner = np.eye(c.shape[-1], dtype=c.dtype)[np.argmax(c, -1)]
        return constant(np.where((c < 1).all(-1, keepdims=True), corner, m))

    @property
    def variance(self):
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0 ** 2 * (c0 + 1))

    def rsample(self, sample_shape=()):
        """Gₖ / Σ G with Gₖ ~ Gamma(cₖ, 1) independent, reparameterized through the gammas."""
        shape = self._extended_shape(sample_shape)
        g = standard_gamma(ops.broadcast_to(self.concentration, shape=shape))
        return (g / g.sum(-1, keepdim=True)).clamp(min=float(tiny(g.dtype)), max=1.0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        value = as_float_value(value, c.dtype)
        return xlogy(c - 1, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        c0 = c.sum(-1)
        return lgamma(c).sum(-1) - lgamma(c0) - (k - c0) * digamma(c0) - ((c - 1) * digamma(c)).sum(-1)

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return lgamma(x).sum(-1) - lgamma(x.sum(-1))


class Beta(ExponentialFamily):
    """Density x^(a−1) (1−x)^(b−1) / B(a, b) on [0, 1], a = concentration1, b = concentration0."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(self.concentration1.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Beta, batch_shape, ("concentration1", "concentration0"), _instance)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        pair = ops.stack([self.concentration1.detach(), self.concentration0.detach()], axis=-1)
        return Dirichlet(pair, validate_args=False).mode[..., 0]

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=()):
        """Ga / (Ga + Gb) with Ga ~ Gamma(a, 1), Gb ~ Gamma(b, 1): the first coordinate of a Dirichlet(a, b) sample,
        as PyTorch's, kept inside [tiny, 1 − eps] so that log_prob stays finite."""
        shape = self._extended_shape(sample_shape)
        ga = standard_gamma(ops.broadcast_to(self.concentration1, shape=shape))
        gb = standard_gamma(ops.broadcast_to(self.concentration0, shape=shape))
        return clamp_into_open_unit(ga / (ga + gb))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        value = as_float_value(value, a.dtype)
        return xlogy(a - 1, value) + xlogy(b - 1, 1 - value) + lgamma(a + b) - lgamma(a) - lgamma(b)

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        total = a + b
        log_beta = lgamma(a) + lgamma(b) - lgamma(total)
        return log_beta - (a - 1) * digamma(a) - (b - 1) * digamma(b) + (total - 2) * digamma(total)

    @property
    def _natural_params(self):
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x, y):
        return lgamma(x) + lgamma(y) - lgamma(x + y)


class Poisson(ExponentialFamily):
    """P(k) = rateᵏ exp(−rate) / k! for k = 0, 1, ...; samples are floats, as PyTorch's."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Poisson, batch_shape, ("rate",), _instance)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return constant(np.floor(self.rate.data))

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return sampled_from("poisson", shape, self.rate.dtype, self.rate)  # (a compiled step draws anew: utils)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self):
        return (self.rate.log(),)

    def _log_normalizer(self, x):
        return x.exp()
