"""MixtureSameFamily(mixture_distribution, component_distribution): a mixture of K components of one family,
weighted by a Categorical over the components (the component distribution's rightmost batch dimension)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..modes import no_grad
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import constant

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """p(x) = Σₖ πₖ pₖ(x), with π = mixture_distribution.probs (a Categorical of batch shape B) and the components
    pₖ = component_distribution of batch shape B + (K,). batch_shape = B, event_shape = the components'.
    log_prob is a logsumexp (differentiable w.r.t. the weights and the components' parameters); samples pick a
    component, then draw from it (no rsample, as PyTorch)."""

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of torch.distributions.Distribution")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        mdbs, cdbs = mixture_distribution.batch_shape, component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                                 f"`component_distribution.batch_shape`({cdbs})")
        km, kc = mixture_distribution.logits.shape[-1], component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        batch_shape = tuple(batch_shape)
        new._component_distribution = self._component_distribution.expand(batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        Distribution.__init__(new, batch_shape, new._component_distribution.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property
    def support(self):
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    def _pad(self, x):
        """x with a component dimension of size 1 before its event dimensions."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, probs):
        """The weights (..., K) reshaped to broadcast against the components' (B, K, event) statistics."""
        batch_ndims, cat_batch_ndims = len(self.batch_shape), len(self._mixture_distribution.batch_shape)
        pad = 0 if cat_batch_ndims == 1 else batch_ndims - cat_batch_ndims
        return probs.reshape(probs.shape[:-1] + (1,) * pad + probs.shape[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self):
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        """Law of total variance: E[Var(X | k)] + Var(E[X | k])."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        comp = self._component_distribution
        mean_cond_var = (probs * comp.variance).sum(-1 - self._event_ndims)
        var_cond_mean = (probs * (comp.mean - self._pad(self.mean)) ** 2).sum(-1 - self._event_ndims)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        return (self._component_distribution.cdf(self._pad(x)) * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self._component_distribution.log_prob(self._pad(x))           # (S, B, K)
        log_mix = ops.log_softmax(self._mixture_distribution.logits, axis=-1)      # (B, K)
        return ops.logsumexp(log_prob_x + log_mix, axis=-1)

    def sample(self, sample_shape=()):
        with no_grad():
            sample_shape = tuple(sample_shape)
            gather_dim = len(sample_shape) + len(self.batch_shape)
            index = self._mixture_distribution.sample(sample_shape).data        # (S, B)
            comp = self._component_distribution.sample(sample_shape).data       # (S, B, K, event)
            index = index.reshape(index.shape + (1,) * (len(self.event_shape) + 1))
            index = np.broadcast_to(index, index.shape[:gather_dim] + (1,) + self.event_shape)
            return constant(np.take_along_axis(comp, index, axis=gather_dim).squeeze(gather_dim))

    def __repr__(self):
        return f"MixtureSameFamily(\n  {self._mixture_distribution},\n  {self._component_distribution})"
