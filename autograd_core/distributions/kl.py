"""kl_divergence(p, q) = E_p[log p(x) − log q(x)], by closed forms registered per pair of types (register_kl)."""

from __future__ import annotations


import numpy as np

from .. import ops
from .bernoulli import Bernoulli
from .categorical import Categorical
from .independent import Independent, _sum_rightmost
from .normal import Normal
from .special import softplus
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
    # p log(p/q) + (1−p) log((1−p)/(1−q)), in logits; the terms with p = 0 or p = 1 count as 0.
    pp = p.probs.data
    with np.errstate(invalid="ignore"):  # 0·inf where a logit is infinite: replaced by 0 just below
        t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
        t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
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


