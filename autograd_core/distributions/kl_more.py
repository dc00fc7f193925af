"""Closed-form KL divergences for the distributions added with the transforms (PyTorch registers the same pairs),
and the two generic rules: TransformedDistributions with equal transforms (KL of the bases) and two members of
one exponential family (a Bregman divergence of the log-normalizer)."""

from __future__ import annotations

import numpy as np


from .cauchy import Cauchy, HalfNormal
from .continuous_bernoulli import ContinuousBernoulli
from .counts import Geometric
from .exp_family import ExponentialFamily, log_normalizer_and_gradients
from .independent import _sum_rightmost
from .kl import _infinity_where, _kl_normal_normal, kl_divergence, register_kl
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .multivariate_normal import MultivariateNormal, kl_multivariate_normal
from .special import lgamma
from .transformed_distribution import TransformedDistribution
from .transformed_family import EULER_GAMMA, Gumbel, Pareto

__all__: list = []


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    # Chyzak and Nielsen (2019): log(((s_p + s_q)² + (l_p − l_q)²) / (4 s_p s_q))
    return ((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2).log() - (4 * p.scale * q.scale).log()


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1, ct2, ct3 = p.scale / q.scale, q.loc / q.scale, p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * EULER_GAMMA
    t3 = (ct2 + lgamma(1 + ct1) - ct3).exp()
    return t1 + t2 + t3 - (1 + EULER_GAMMA)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio, alpha_ratio = p.scale / q.scale, q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    # p puts mass below q's support: infinite
    return _infinity_where(np.broadcast_to(p.scale.data < q.scale.data, result.shape), result)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


def _as_multivariate_normal(d):
    return MultivariateNormal(d.loc, scale_tril=d.scale_tril, validate_args=False)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
@register_kl(LowRankMultivariateNormal, MultivariateNormal)
@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank(p, q):
    """Through the full Cholesky factors (n × n): the same number as PyTorch's Woodbury forms."""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two (Low Rank) Multivariate Normals with different event shapes "
                         "cannot be computed")
    as_full = [d if isinstance(d, MultivariateNormal) else _as_multivariate_normal(d) for d in (p, q)]
    return kl_multivariate_normal(*as_full)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError("KL between TransformedDistributions with different transforms")
    return kl_divergence(p.base_dist, q.base_dist)  # KL is invariant under one invertible map


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    """KL(p ‖ q) = F(θ_q) − F(θ_p) − ⟨θ_q − θ_p, ∇F(θ_p)⟩ for two members of one family."""
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  "computed using Bregman divergences")
    p_nparams, log_norm, gradients = log_normalizer_and_gradients(p)
    result = q._log_normalizer(*q._natural_params) - log_norm
    for pnp, qnp, g in zip(p_nparams, q._natural_params, gradients):
        result = result - _sum_rightmost((qnp - pnp) * g, len(q.event_shape))
    return result



