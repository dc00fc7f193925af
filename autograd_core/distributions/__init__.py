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

# PyTorch's module names for the distributions whose classes share a file here, so that
# `torch.distributions.multinomial.Multinomial(10, probs)` and `from torch.distributions import multinomial` (d2l's
# probability chapter) run: each name is a module holding its classes (the files' own modules keep theirs).
_PYTORCH_MODULES = {
    "beta": ("Beta",), "binomial": ("Binomial",), "chi2": ("Chi2",), "dirichlet": ("Dirichlet",),
    "fishersnedecor": ("FisherSnedecor",), "geometric": ("Geometric",), "gumbel": ("Gumbel",),
    "half_cauchy": ("HalfCauchy",), "half_normal": ("HalfNormal",), "inverse_gamma": ("InverseGamma",),
    "kumaraswamy": ("Kumaraswamy",), "laplace": ("Laplace",), "logistic_normal": ("LogisticNormal",),
    "multinomial": ("Multinomial",), "negative_binomial": ("NegativeBinomial",),
    "one_hot_categorical": ("OneHotCategorical", "OneHotCategoricalStraightThrough"), "pareto": ("Pareto",),
    "poisson": ("Poisson",), "relaxed_bernoulli": ("RelaxedBernoulli",),
    "relaxed_categorical": ("RelaxedOneHotCategorical",), "studentT": ("StudentT",), "weibull": ("Weibull",),
}


def _register_pytorch_modules():
    import sys
    import types
    for name, classes in _PYTORCH_MODULES.items():
        module = types.ModuleType(f"{__name__}.{name}", f"PyTorch's torch.distributions.{name}: {', '.join(classes)}.")
        module.__all__ = list(classes)
        for cls in classes:
            setattr(module, cls, globals()[cls])
        sys.modules[module.__name__] = globals()[name] = module


_register_pytorch_modules()

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
