"""ContinuousBernoulli(probs=None, logits=None): the continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem
and Cunningham, 2019), density C(λ) λˣ (1 − λ)¹⁻ˣ; reparameterizable through its inverse CDF."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from . import constraints
from .exp_family import ExponentialFamily
from .special import softplus
from .utils import BinaryParameter, broadcast_all, clamp_probs, constant, lazy_property, logits_to_probs, sampled

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(BinaryParameter, ExponentialFamily):
    """Give probs λ in (0, 1) or logits = log(λ/(1 − λ)) (λ is not a probability here: the mean is not λ). Near
    λ = 1/2 (inside `lims`) the normaliser, mean and variance are Taylor expansions, as PyTorch's, where the closed
    forms lose their digits."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        self._set_binary_parameter(probs, logits)
        if probs is not None:
            if validate_args is not None and not np.all(constraints.unit_interval._check(self.probs.data)):
                raise ValueError("The parameter probs has invalid values")
            self.probs = self._param = clamp_probs(self.probs)
        self._lims = lims
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_binary(ContinuousBernoulli, batch_shape, _instance)
        new._lims = self._lims
        return new

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def _outside_unstable_region(self):
        p = self.probs.data
        return (p <= self._lims[0]) | (p > self._lims[1])

    def _cut_probs(self):
        """probs, with those inside the unstable region replaced by lims[0] (their closed forms are not used)."""
        return ops.where(self._outside_unstable_region(), self.probs,
                         constant(np.array(self._lims[0], dtype=self.probs.dtype)))

    def _cont_bern_log_norm(self):
        """log C(λ) = log |2 artanh(1 − 2λ)| − log |1 − 2λ|; log 2 + (4/3 + 104/45 x) x with x = (λ − 1/2)² near 1/2."""
        cut = self._cut_probs()
        log_norm = (((-cut).log1p() - cut.log()).abs().log() - (1 - 2 * cut).abs().log())
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return ops.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x ** 2) * x
        return ops.where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self):
        cut = self._cut_probs()
        variances = cut * (cut - 1.0) / (1.0 - 2.0 * cut) ** 2 + 1.0 / ((-cut).log1p() - cut.log()) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return ops.where(self._outside_unstable_region(), variances, taylor)

    def rsample(self, sample_shape=()):
        u = sampled("random", self._extended_shape(sample_shape), self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # −BCE-with-logits(logits, value) + log C
        return value * logits - softplus(logits) + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut ** value * (1.0 - cut) ** (1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = ops.where(self._outside_unstable_region(), cdfs, value)
        data = np.asarray(value.data)
        dtype = unbounded.dtype
        result = ops.where(data >= 1.0, constant(np.array(1, dtype=dtype)), unbounded)
        return ops.where(data <= 0.0, constant(np.array(0, dtype=dtype)), result)

    def icdf(self, value):
        cut = self._cut_probs()
        inverse = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (cut.log() - (-cut).log1p())
        return ops.where(self._outside_unstable_region(), inverse, value)

    def entropy(self):
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """log ∫₀¹ exp(θ t) dt = log |expm1(θ)| − log |θ|; a Taylor expansion near θ = 0."""
        data = np.asarray(x.data)
        outside = (data <= self._lims[0] - 0.5) | (data > self._lims[1] - 0.5)
        cut = ops.where(outside, x, constant(np.array(self._lims[0] - 0.5, dtype=x.dtype)))
        log_norm = cut.expm1().abs().log() - cut.abs().log()
        taylor = 0.5 * x + x ** 2 / 24.0 - x ** 4 / 2880.0
        return ops.where(outside, log_norm, taylor)
