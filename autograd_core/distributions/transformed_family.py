"""Distributions that PyTorch builds as TransformedDistributions of a simpler one, with their closed-form moments:
Gumbel, Pareto, Weibull, Kumaraswamy (from Uniform or Exponential noise) and LogisticNormal (stick-breaking of a
Normal). Sampling, log_prob, cdf and icdf come from TransformedDistribution; all are reparameterizable."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from . import constraints
from .exponential import Exponential
from .normal import Normal
from .special import digamma, lgamma
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform, PowerTransform, StickBreakingTransform
from .uniform import Uniform
from .utils import broadcast_all, constant, eps, full_like, tiny

__all__ = ["Gumbel", "Kumaraswamy", "LogisticNormal", "Pareto", "Weibull"]

EULER_GAMMA = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    """Density exp(−(z + e^(−z))) / scale, z = (x − loc)/scale: loc − scale · log(−log U), U uniform."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        dtype = self.loc.dtype
        base = Uniform(full_like(self.loc, tiny(dtype)), full_like(self.loc, 1 - eps(dtype)),
                       validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, full_like(self.scale, -1.0)), ExpTransform().inv,
                      AffineTransform(self.loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = ops.broadcast_to(self.loc, shape=tuple(batch_shape))
        new.scale = ops.broadcast_to(self.scale, shape=tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self):
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev ** 2

    def entropy(self):
        return self.scale.log() + (1 + EULER_GAMMA)


class Pareto(TransformedDistribution):
    """Pareto type I: density alpha · scale^alpha / x^(alpha+1) on x >= scale; scale · exp(E), E ~
    Exponential(alpha). mean is inf for alpha <= 1 and variance for alpha <= 2 (PyTorch clamps alpha)."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(0, self.scale)], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = ops.broadcast_to(self.scale, shape=tuple(batch_shape))
        new.alpha = ops.broadcast_to(self.alpha, shape=tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        a = self.alpha.clamp(min=1)
        with np.errstate(divide="ignore"):  # alpha <= 1: inf, as PyTorch
            return a * self.scale / (a - 1)

    @property
    def mode(self):
        return self.scale

    @property
    def variance(self):
        a = self.alpha.clamp(min=2)
        with np.errstate(divide="ignore"):  # alpha <= 2: inf, as PyTorch
            return self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.greater_than_eq(self.scale)

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


class Weibull(TransformedDistribution):
    """Density (k/λ)(x/λ)^(k−1) exp(−(x/λ)^k) on x > 0, λ = scale, k = concentration: λ · E^(1/k), E ~
    Exponential(1)."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(full_like(self.scale, 1.0), validate_args=validate_args)
        super().__init__(base, self._transforms(), validate_args=validate_args)

    def _transforms(self):
        return [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(0, self.scale)]

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Weibull, _instance)
        batch_shape = tuple(batch_shape)
        new.scale = ops.broadcast_to(self.scale, shape=batch_shape)
        new.concentration = ops.broadcast_to(self.concentration, shape=batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        TransformedDistribution.__init__(new, self.base_dist.expand(batch_shape), new._transforms(),
                                         validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.scale * lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self):
        k = self.concentration
        return self.scale * ((k - 1) / k) ** k.reciprocal()

    @property
    def variance(self):
        r = self.concentration_reciprocal
        return self.scale ** 2 * (lgamma(1 + 2 * r).exp() - (2 * lgamma(1 + r)).exp())

    def entropy(self):
        r = self.concentration_reciprocal
        return EULER_GAMMA * (1 - r) + (self.scale * r).log() + 1


def _kumaraswamy_moment(a, b, n):
    """E[Xⁿ] = b · B(1 + n/a, b)."""
    arg = 1 + n / a
    return b * (lgamma(arg) + lgamma(b) - lgamma(arg + b)).exp()


class Kumaraswamy(TransformedDistribution):
    """Density a b x^(a−1) (1 − x^a)^(b−1) on [0, 1], a = concentration1, b = concentration0:
    (1 − U^(1/b))^(1/a), U uniform."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base = Uniform(full_like(self.concentration0, 0.0), full_like(self.concentration0, 1.0),
                       validate_args=validate_args)
        with np.errstate(divide="ignore"):  # a zero concentration is reported by the validation below
            transforms = [PowerTransform(exponent=self.concentration0.reciprocal()), AffineTransform(1.0, -1.0),
                          PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = ops.broadcast_to(self.concentration1, shape=tuple(batch_shape))
        new.concentration0 = ops.broadcast_to(self.concentration0, shape=tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """((a − 1)/(ab − 1))^(1/a) where a, b >= 1, nan elsewhere. (PyTorch 2.13's formula gives nan everywhere.)"""
        a, b = self.concentration1, self.concentration0
        valid = (a.data >= 1) & (b.data >= 1) & ((a.data > 1) | (b.data > 1))
        one = constant(np.array(2.0, dtype=a.dtype))
        a, b = ops.where(valid, a, one), ops.where(valid, b, one)
        mode = ((a - 1) / (a * b - 1)) ** a.reciprocal()
        return ops.where(valid, mode, constant(np.array(np.nan, dtype=a.dtype)))

    @property
    def variance(self):
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 2) - self.mean ** 2

    def entropy(self):
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        harmonic = digamma(self.concentration0 + 1) + EULER_GAMMA
        return t0 + t1 * harmonic - self.concentration1.log() - self.concentration0.log()


class LogisticNormal(TransformedDistribution):
    """Points of the simplex in R^(K+1): StickBreakingTransform of X ~ Normal(loc, scale) with loc, scale (..., K)
    (event_shape (K + 1,))."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(LogisticNormal, _instance))

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale
