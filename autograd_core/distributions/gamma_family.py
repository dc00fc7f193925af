"""Distributions built on Gamma samples: Chi2(df), StudentT(df, loc, scale), FisherSnedecor(df1, df2) and
InverseGamma(concentration, rate) (1/X of a Gamma, a TransformedDistribution as PyTorch's). All reparameterizable
through Gamma's implicit gradient (gamma_sampling.py)."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .special import digamma, lgamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform
from .utils import broadcast_all, constant, sampled, tiny

__all__ = ["Chi2", "FisherSnedecor", "InverseGamma", "StudentT"]


def _where(condition, number, x):
    """x, with the constant `number` (nan, inf) where the condition on the parameters' data holds."""
    condition = np.broadcast_to(condition, x.shape)
    return ops.where(condition, constant(np.array(number, dtype=x.dtype)), x) if condition.any() else x


class Chi2(Gamma):
    """The chi-squared distribution with df degrees of freedom: Gamma(df / 2, 1/2)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, self._get_checked_instance(Chi2, _instance))

    @property
    def df(self):
        return self.concentration * 2


class StudentT(Distribution):
    """Student's t with df degrees of freedom, shifted by loc and scaled by scale (all broadcast to batch_shape).
    rsample = loc + scale · N / √(V / df), N ~ Normal(0, 1), V ~ Chi2(df). mean is nan for df <= 1; variance is
    inf for 1 < df <= 2 and nan for df <= 1, as PyTorch."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_parameters(StudentT, batch_shape, ("df", "loc", "scale"), _instance)
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self):
        return _where(self.df.data <= 1, np.nan, self.loc)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df.data
        safe_df = ops.where(df > 2, self.df, constant(np.array(3.0, dtype=self.df.dtype)))
        var = self.scale ** 2 * safe_df / (safe_df - 2)
        return _where(df <= 1, np.nan, _where((df > 1) & (df <= 2), np.inf, var))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        x = sampled("standard_normal", shape, self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        log_norm = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + lgamma(0.5 * self.df)
                    - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * (y ** 2 / self.df).log1p() - log_norm

    def entropy(self):
        half, half_next = 0.5 * self.df, 0.5 * (self.df + 1)
        log_beta = lgamma(half) + math.lgamma(0.5) - lgamma(half_next)
        return (self.scale.log() + half_next * (digamma(half_next) - digamma(half)) + 0.5 * self.df.log()
                + log_beta)


class FisherSnedecor(Distribution):
    """The F distribution with df1 and df2 degrees of freedom: (V1/df1) / (V2/df2) for independent chi-squared
    V1, V2. mean is nan for df2 <= 2, variance for df2 <= 4, mode for df1 <= 2, as PyTorch."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        super().__init__(self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_parameters(FisherSnedecor, batch_shape, ("df1", "df2"), _instance)
        new._gamma1 = self._gamma1.expand(batch_shape)
        new._gamma2 = self._gamma2.expand(batch_shape)
        return new

    @property
    def mean(self):
        return _where(self.df2.data <= 2, np.nan, self.df2 / (self.df2 - 2))

    @property
    def mode(self):
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return _where(self.df1.data <= 2, np.nan, mode)

    @property
    def variance(self):
        d1, d2 = self.df1, self.df2
        with np.errstate(divide="ignore", invalid="ignore"):
            var = 2 * d2 ** 2 * (d1 + d2 - 2) / (d1 * (d2 - 2) ** 2 * (d2 - 4))
        return _where(d2.data <= 4, np.nan, var)

    def rsample(self, sample_shape=()):
        x1 = self._gamma1.rsample(sample_shape)
        x2 = self._gamma2.rsample(sample_shape).clamp(min=float(tiny(self.df1.dtype)))
        return (x1 / x2).clamp(min=float(tiny(self.df1.dtype)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        ct1, ct2 = self.df1 * 0.5, self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = lgamma(ct1 + ct2) - lgamma(ct1) - lgamma(ct2)
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3


class InverseGamma(TransformedDistribution):
    """1/X for X ~ Gamma(concentration, rate): density rateᶜ x^(−c−1) exp(−rate/x) / Γ(c) on x > 0. mean is inf
    for c <= 1, variance for c <= 2."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base = Gamma(concentration, rate, validate_args=validate_args)
        super().__init__(base, PowerTransform(constant(np.array(-1.0, dtype=base.rate.dtype))),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(InverseGamma, _instance))

    @property
    def concentration(self):
        return self.base_dist.concentration

    @property
    def rate(self):
        return self.base_dist.rate

    @property
    def mean(self):
        c = self.concentration
        safe = ops.where(c.data > 1, c, constant(np.array(2.0, dtype=c.dtype)))
        return _where(c.data <= 1, np.inf, self.rate / (safe - 1))

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        c = self.concentration
        safe = ops.where(c.data > 2, c, constant(np.array(3.0, dtype=c.dtype)))
        return _where(c.data <= 2, np.inf, self.rate ** 2 / ((safe - 1) ** 2 * (safe - 2)))

    def entropy(self):
        c = self.concentration
        return c + self.rate.log() + lgamma(c) - (1 + c) * digamma(c)
