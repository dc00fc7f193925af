"""kl_divergence(p, q) = E_p[log p(x) − log q(x)], by closed forms registered per pair of types (register_kl)."""

from __future__ import annotations


import numpy as np

from .. import ops
from .bernoulli import Bernoulli
from .categorical import Categorical
from .independent import Independent, _sum_rightmost
from .normal import Normal
from .discrete import Binomial, OneHotCategorical
from .exponential import Exponential, Laplace
from .gamma import Beta, Dirichlet, Gamma, Poisson
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal, kl_multivariate_normal
from .special import digamma, lgamma, softplus
from .utils import constant
from .uniform import Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict = {}
_KL_MEMOIZE: dict = {}


def register_kl(type_p, type_q):
    """Decorator: register `fn(p, q)` as the KL divergence of instances of type_p from instances of type_q.
    Lookups pick the most specific registered pair for subclasses."""
    if not (isinstance(type_p, type) and issubclass(type_p, object)) or not isinstance(type_q, type):
        raise TypeError(f"Expected type_p and type_q to be classes, got {type_p} and {type_q}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()
        return fn

    return decorator


def _dispatch_kl(type_p, type_q):
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return None
    # the pair closest to (type_p, type_q) along both classes' method resolution orders
    best = min(matches, key=lambda pq: (type_p.__mro__.index(pq[0]) + type_q.__mro__.index(pq[1])))
    return _KL_REGISTRY[best]


def kl_divergence(p, q):
    """KL(p ‖ q) for two distributions of the same batch shape, differentiable w.r.t. both parameters; shape
    batch_shape. NotImplementedError when no closed form is registered for the pair of types."""
    key = (type(p), type(q))
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fn = _KL_MEMOIZE[key]
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                                  f"{type(q).__name__}")
    return fn(p, q)


def _infinity_where(condition, x):
    """x, with +inf where condition holds (the condition does not depend on the parameters' values)."""
    return ops.where(condition, constant(np.array(np.inf, dtype=x.dtype)), x)


def _zero_where(condition, x):
    """x, with 0 where condition holds (0 · log 0 terms): a constant, so that no inf · 0 = nan enters."""
    return ops.where(condition, constant(np.array(0, dtype=x.dtype)), x)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) + (1−p) log((1−p)/(1−q)), in logits; the terms with p = 0 or p = 1 count as 0, and those where
    # q gives the outcome no mass are inf (q's clamped logits alone would give a large finite number).
    pp, qp = p.probs.data, q.probs.data
    with np.errstate(invalid="ignore"):  # 0·inf where a logit is infinite: replaced by 0 just below
        t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
        t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t1 = _infinity_where(np.broadcast_to(qp == 0, t1.shape), t1)
    t2 = _infinity_where(np.broadcast_to(qp == 1, t2.shape), t2)
    t1 = _zero_where(np.broadcast_to(pp == 0, t1.shape), t1)
    t2 = _zero_where(np.broadcast_to(pp == 1, t2.shape), t2)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    with np.errstate(invalid="ignore"):  # 0·inf where a probability is 0: replaced just below
        t = p.probs * (p.logits - q.logits)
    t = _infinity_where(np.broadcast_to(q.probs.data == 0, t.shape), t)
    t = _zero_where(np.broadcast_to(p.probs.data == 0, t.shape), t)
    return t.sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low.data > p.low.data) | (q.high.data < p.high.data)
    return _infinity_where(np.broadcast_to(outside, result.shape), result)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independents with different reinterpreted_batch_ndims")
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)




@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)  # KL is invariant under the same invertible map (exp)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return rate_ratio - rate_ratio.log() - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    sum_p, sum_q = a1 + b1, a2 + b2
    t1 = lgamma(a2) + lgamma(b2) + lgamma(sum_p)
    t2 = lgamma(a1) + lgamma(b1) + lgamma(sum_q)
    return t1 - t2 + (a1 - a2) * digamma(a1) + (b1 - b2) * digamma(b1) + (sum_q - sum_p) * digamma(sum_p)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p, sum_q = p.concentration.sum(-1), q.concentration.sum(-1)
    t1 = lgamma(sum_p) - lgamma(sum_q)
    t2 = (lgamma(p.concentration) - lgamma(q.concentration)).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = digamma(p.concentration) - digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if np.any(p.total_count.data < q.total_count.data):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return _infinity_where(np.broadcast_to(p.total_count.data > q.total_count.data, kl.shape), kl)


register_kl(MultivariateNormal, MultivariateNormal)(kl_multivariate_normal)
