"""Cauchy(loc, scale), and the half distributions |X| of a centred Cauchy or Normal: HalfCauchy(scale) and
HalfNormal(scale), TransformedDistributions with AbsTransform as PyTorch's. All reparameterizable."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..value import Value
from . import constraints
from .distribution import Distribution
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform
from .utils import broadcast_all, constant, full_like, sampled

__all__ = ["Cauchy", "HalfCauchy", "HalfNormal"]


class Cauchy(Distribution):
    """Density 1 / (π scale (1 + ((x − loc)/scale)²)); loc and scale broadcast to batch_shape. Mean and variance
    do not exist (nan and inf, as PyTorch)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Cauchy, batch_shape, ("loc", "scale"), _instance)

    @property
    def mean(self):
        return full_like(self.loc, np.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return full_like(self.loc, np.inf)

    def rsample(self, sample_shape=()):
        eps = sampled("standard_cauchy", self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


class _Half(TransformedDistribution):
    """|X| for X from a distribution symmetric about 0 (`base_dist`): twice its density on [0, ∞)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, base, validate_args=None):
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(type(self), _instance))

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        return full_like(self.scale, 0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        data = np.asarray(value.data if isinstance(value, Value) else value)
        with np.errstate(invalid="ignore"):  # −inf where not value >= 0, NaN included, as PyTorch's where
            outside = np.broadcast_to(~(data >= 0), log_prob.shape)
        return ops.where(outside, constant(np.array(-np.inf, dtype=log_prob.dtype)), log_prob)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfCauchy(_Half):
    """|X| with X ~ Cauchy(0, scale): density 2 / (π scale (1 + (x/scale)²)) on x >= 0."""

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self):
        return full_like(self.scale, np.inf)

    @property
    def variance(self):
        return full_like(self.scale, np.inf)


class HalfNormal(_Half):
    """|X| with X ~ Normal(0, scale): density √(2/π)/scale · exp(−x²/(2 scale²)) on x >= 0."""

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale ** 2 * (1 - 2 / math.pi)
