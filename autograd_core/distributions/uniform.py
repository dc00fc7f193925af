"""Uniform(low, high): the continuous uniform distribution on [low, high), reparameterizable."""

from __future__ import annotations


import numpy as np

from ..value import Value
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, constant, full_like, sampled

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform on the half-open interval [low, high) (numbers or Values broadcast to batch_shape)."""

    has_rsample = True

    @property
    def arg_constraints(self):
        """low < high, checked as PyTorch does: each bound against the other (ValueError naming `low`)."""
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Uniform, batch_shape, ("low", "high"), _instance)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return full_like(self.low, np.nan)

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = sampled("random", shape, self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        data = np.asarray(value.data if isinstance(value, Value) else value)
        inside = (self.low.data <= data) & (data < self.high.data)
        # 0 inside, -inf outside, as PyTorch's `log(lb * ub) - log(high - low)`.
        with np.errstate(divide="ignore"):
            outside = np.log(inside.astype(self.low.dtype))
        return constant(outside) - (self.high - self.low).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        result = (value - self.low) / (self.high - self.low)
        return result.clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()


