"""PyTorch's `torch.distributions`, built on autograd_core's differentiable operations.

    from autograd_core import distributions as D
    q = D.Normal(mu, sigma)                  # batch_shape = mu.shape, event_shape = ()
    z = q.rsample((8,))                      # (8,) + batch_shape, differentiable w.r.t. mu and sigma
    loss = -q.log_prob(z).sum() + D.kl_divergence(q, D.Normal(0., 1.)).sum()

log_prob, rsample, entropy, cdf and kl_divergence are compositions of Value operations (and of the few special
functions in special.py, each a primitive with its derivative), so they have gradients, higher derivatives,
forward mode and compile. Samples are drawn from the core's generator: `autograd_core.manual_seed` repeats them
(they are not PyTorch's numbers).

transforms (ExpTransform, AffineTransform, StickBreakingTransform, ...) with TransformedDistribution build new
distributions from old ones (LogNormal, Gumbel, Weibull, ... are built so, as in PyTorch); biject_to(constraint)
maps unconstrained values onto a parameter's set. Gamma, Beta, Dirichlet (and Chi2, StudentT, FisherSnedecor,
InverseGamma, Wishart through them) are reparameterized by implicit gradients (gamma_sampling.py).
"""

from . import constraints, transforms
from .constraint_registry import biject_to, transform_to
from .bernoulli import Bernoulli
from .cauchy import Cauchy, HalfCauchy, HalfNormal
from .continuous_bernoulli import ContinuousBernoulli
from .counts import Geometric, Multinomial, NegativeBinomial
from .exp_family import ExponentialFamily
from .gamma_family import Chi2, FisherSnedecor, InverseGamma, StudentT
from .generalized_pareto import GeneralizedPareto
from .lkj_cholesky import LKJCholesky
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .transformed_family import Gumbel, Kumaraswamy, LogisticNormal, Pareto, Weibull
from .categorical import Categorical
from .discrete import Binomial, OneHotCategorical, OneHotCategoricalStraightThrough
from .distribution import Distribution
from .exponential import Exponential, Laplace
from .gamma import Beta, Dirichlet, Gamma, Poisson
from .independent import Independent
from .kl import kl_divergence, register_kl
from . import kl_cross, kl_more  # noqa: F401  (register the KL pairs of the distributions above)
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AbsTransform, AffineTransform, CatTransform, ComposeTransform, CorrCholeskyTransform,
    CumulativeDistributionTransform, ExpTransform, IndependentTransform, LowerCholeskyTransform,
    PositiveDefiniteTransform, PowerTransform, ReshapeTransform, SigmoidTransform, SoftmaxTransform, SoftplusTransform,
    StackTransform, StickBreakingTransform, TanhTransform, Transform, identity_transform,
)
from .uniform import Uniform
from .von_mises import VonMises
from .wishart import Wishart

__all__ = [
    "Cauchy", "Chi2", "ContinuousBernoulli", "ExponentialFamily", "FisherSnedecor", "GeneralizedPareto", "Geometric",
    "Gumbel", "HalfCauchy", "HalfNormal", "InverseGamma", "Kumaraswamy", "LKJCholesky", "LogisticNormal",
    "LowRankMultivariateNormal",
    "MixtureSameFamily", "Multinomial", "NegativeBinomial", "OneHotCategoricalStraightThrough", "Pareto", "StudentT",
    "VonMises", "Weibull", "Wishart",
    "Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma",
    "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson",
    "RelaxedBernoulli", "RelaxedOneHotCategorical", "TransformedDistribution", "Uniform",
    "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform", "IndependentTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform", "PowerTransform",
    "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform", "SoftplusTransform", "StackTransform",
    "StickBreakingTransform", "TanhTransform", "Transform", "identity_transform",
    "biject_to", "constraints", "kl_divergence", "register_kl", "transform_to", "transforms",
]
