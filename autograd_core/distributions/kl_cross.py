"""KL divergences between distributions of different families, as PyTorch registers them: closed forms of
E_p[log p(x) − log q(x)], and +inf where p puts mass outside q's support (a real-line p against a bounded or
positive q, ...)."""

from __future__ import annotations

import math

import numpy as np

from .bernoulli import Bernoulli
from .continuous_bernoulli import ContinuousBernoulli
from .discrete import Binomial
from .exponential import Exponential, Laplace
from .gamma import Beta, Gamma, Poisson
from .kl import _infinity_where, register_kl
from .normal import Normal
from .special import digamma, erf, lgamma
from .transformed_family import EULER_GAMMA, Gumbel, Pareto
from .uniform import Uniform
from .utils import constant, xlogy

__all__: list = []


def _where_inf(mask, x):
    return _infinity_where(np.broadcast_to(mask, x.shape), x)


def _x_log_x(x):
    return xlogy(x, x)


def _kl_infinity(p, q):
    """p's support is not inside q's: infinite divergence (of p's batch shape and dtype)."""
    return constant(np.full(p.batch_shape, np.inf, dtype=p.mean.dtype)[()])


for _p, _qs in [(Beta, (Pareto,)), (ContinuousBernoulli, (Pareto,)),
                (Exponential, (Beta, ContinuousBernoulli, Pareto, Uniform)),
                (Gamma, (Beta, ContinuousBernoulli, Pareto, Uniform)),
                (Gumbel, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)),
                (Laplace, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)),
                (Normal, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)),
                (Pareto, (Beta, ContinuousBernoulli, Uniform)), (Poisson, (Bernoulli, Binomial))]:
    for _q in _qs:
        register_kl(_p, _q)(_kl_infinity)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


@register_kl(Beta, ContinuousBernoulli)
@register_kl(Uniform, ContinuousBernoulli)
def _kl_to_continuous_bernoulli(p, q):
    result = -p.entropy() - p.mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()
    if isinstance(p, Uniform):
        return _where_inf((p.high.data >= 1) | (p.low.data <= 0), result)
    return result


@register_kl(Beta, Exponential)
@register_kl(ContinuousBernoulli, Exponential)
@register_kl(Gamma, Exponential)
def _kl_to_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean  # E_p[−log q] = −log rate + rate · E_p[x]


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    a, b = p.concentration1, p.concentration0
    t2 = lgamma(q.concentration) - q.concentration * q.rate.log()
    t3 = (q.concentration - 1) * (digamma(a) - digamma(a + b))
    return -p.entropy() + t2 - t3 + q.rate * a / (a + b)


def _kl_to_normal_from_moments(p, q, mean, second_moment):
    """−H(p) + E_p[−log q] with E_p[x] = mean, E_p[x²] = second_moment."""
    var = q.scale ** 2
    return (-p.entropy() + 0.5 * (2 * math.pi * var).log()
            + (0.5 * second_moment - q.loc * mean + 0.5 * q.loc ** 2) / var)


@register_kl(Beta, Normal)
@register_kl(ContinuousBernoulli, Normal)
def _kl_to_normal(p, q):
    return _kl_to_normal_from_moments(p, q, p.mean, p.variance + p.mean ** 2)


@register_kl(Beta, Uniform)
@register_kl(ContinuousBernoulli, Uniform)
def _kl_unit_to_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    if isinstance(p, ContinuousBernoulli):
        return _where_inf((q.low.data >= 0) | (q.high.data <= 1), result)  # as PyTorch (its bounds inclusive)
    return _where_inf((q.low.data > 0) | (q.high.data < 1), result)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    ratio = q.rate / p.rate
    return (-q.concentration * ratio.log() + ratio + lgamma(q.concentration) + q.concentration * EULER_GAMMA
            - (1 + EULER_GAMMA))


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    scale_rate = p.rate * q.scale
    loc_scale = q.loc / q.scale
    return (scale_rate.log() - 1 - loc_scale + loc_scale.exp() * scale_rate / (scale_rate + 1)
            + scale_rate.reciprocal())


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    var, rate_sqr = q.scale ** 2, p.rate ** 2
    t1 = 0.5 * (rate_sqr * var * 2 * math.pi).log()
    return t1 - 1 + (rate_sqr.reciprocal() - q.loc / p.rate + 0.5 * q.loc ** 2) / var


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    c = p.concentration
    beta_scale = p.rate * q.scale
    loc_scale = q.loc / q.scale
    t1 = (c - 1) * digamma(c) - lgamma(c) - c
    t2 = beta_scale.log() + c / beta_scale
    t3 = loc_scale.exp() * (1 + beta_scale.reciprocal()) ** (-c) - loc_scale
    return t1 + t2 + t3


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    c = p.concentration
    var, beta_sqr = q.scale ** 2, p.rate ** 2
    t1 = 0.5 * (beta_sqr * var * 2 * math.pi).log() - c - lgamma(c)
    t2 = 0.5 * (c ** 2 + c) / beta_sqr
    return t1 + (c - 1) * digamma(c) + (t2 - q.loc * c / p.rate + 0.5 * q.loc ** 2) / var


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    ratio = p.scale / q.scale
    t1 = (ratio / math.sqrt(2 * math.pi)).log()
    t2 = (math.pi * ratio * 0.5) ** 2 / 3
    t3 = ((p.loc + p.scale * EULER_GAMMA - q.loc) / q.scale) ** 2 * 0.5
    return -t1 + t2 + t3 - (EULER_GAMMA + 1)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    var = q.scale ** 2
    scale_sqr_ratio = p.scale ** 2 / var
    t1 = 0.5 * (2 * scale_sqr_ratio / math.pi).log()
    return -t1 + scale_sqr_ratio + (0.5 * p.loc ** 2 - p.loc * q.loc + 0.5 * q.loc ** 2) / var - 1


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    mean_scale = p.loc / q.scale
    var_scale_sqr = (p.scale / q.scale) ** 2
    loc_scale = q.loc / q.scale
    t3 = (-mean_scale + 0.5 * var_scale_sqr + loc_scale).exp()
    return -0.5 * var_scale_sqr.log() + mean_scale - loc_scale + t3 - 0.5 * (1 + math.log(2 * math.pi))


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    loc_diff = p.loc - q.loc
    t2 = math.sqrt(2 / math.pi) * p.scale * (-0.5 * (loc_diff / p.scale) ** 2).exp()
    t3 = loc_diff * erf(math.sqrt(0.5) * loc_diff / p.scale)
    return -(p.scale / q.scale).log() + (t2 + t3) / q.scale - 0.5 * (1 + math.log(0.5 * math.pi))


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    scale_rate = p.scale * q.rate
    result = (p.alpha / scale_rate).log() - p.alpha.reciprocal() + p.alpha * scale_rate / (p.alpha - 1) - 1
    return _where_inf(p.alpha.data <= 1, result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    common = p.scale.log() + p.alpha.reciprocal()
    t2 = lgamma(q.concentration) - q.concentration * q.rate.log()
    t4 = q.rate * p.alpha * p.scale / (p.alpha - 1)
    result = p.alpha.log() - common + t2 + (1 - q.concentration) * common + t4 - 1
    return _where_inf(p.alpha.data <= 1, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    var2 = 2 * q.scale ** 2
    common = p.scale / (p.alpha - 1)
    t1 = (math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale).log()
    t3 = p.alpha * common ** 2 / (p.alpha - 2)
    t4 = (p.alpha * common - q.loc) ** 2
    result = t1 - p.alpha.reciprocal() + (t3 + t4) / var2 - 1
    return _where_inf(p.alpha.data <= 2, result)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    width = p.high - p.low
    t2 = (q.concentration1 - 1) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    t3 = (q.concentration0 - 1) * (_x_log_x(1 - p.high) - _x_log_x(1 - p.low) + width) / width
    t4 = lgamma(q.concentration1) + lgamma(q.concentration0) - lgamma(q.concentration1 + q.concentration0)
    result = t3 + t4 - width.log() - t2
    return _where_inf((p.high.data > 1) | (p.low.data < 0), result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    result = q.rate * (p.high + p.low) / 2 - ((p.high - p.low) * q.rate).log()
    return _where_inf(p.low.data < 0, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    width = p.high - p.low
    t2 = lgamma(q.concentration) - q.concentration * q.rate.log()
    t3 = (1 - q.concentration) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    result = -width.log() + t2 + t3 + q.rate * (p.high + p.low) / 2
    return _where_inf(p.low.data < 0, result)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    common = q.scale / (p.high - p.low)
    high, low = (p.high - q.loc) / q.scale, (p.low - q.loc) / q.scale
    return common.log() + 0.5 * (high + low) - common * ((-high).exp() - (-low).exp())


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    width = p.high - p.low
    t1 = (math.sqrt(math.pi * 2) * q.scale / width).log()
    return t1 + 0.5 * (width ** 2 / 12 + ((p.high + p.low - 2 * q.loc) / 2) ** 2) / q.scale ** 2


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    width = p.high - p.low
    t1 = (q.alpha * q.scale ** q.alpha * width).log()
    t2 = (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    return _where_inf(p.low.data < q.scale.data, t2 * (q.alpha + 1) - t1)
