"""`ExponentialFamily`: densities exp(⟨t(x), θ⟩ − F(θ) + k(x)) with natural parameters θ and log-normalizer F.
Its entropy, and the KL divergence between two members of the same family (kl.py), are Bregman divergences of
F, whose gradient the engine computes (with create_graph, so the results are differentiable)."""

from __future__ import annotations

from .. import engine
from ..modes import enable_grad
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


def log_normalizer_and_gradients(dist):
    """θ, F(θ) and ∇F(θ) at the distribution's natural parameters θ, all differentiable (create_graph) w.r.t. the
    distribution's parameters; a θ that carries no gradient becomes a fresh leaf, so that ∇F exists (also under
    no_grad). PyTorch detaches every θ here: its generic entropy and KL (Wishart's) have no gradient w.r.t. the
    parameters of p, and fail under no_grad."""
    with enable_grad():
        nparams = [p if p.requires_grad else p.detach().requires_grad_() for p in dist._natural_params]
        log_norm = dist._log_normalizer(*nparams)
        gradients = engine.grad(log_norm.sum(), nparams, create_graph=True)
    return nparams, log_norm, gradients


class ExponentialFamily(Distribution):
    """Base class of exponential families, as torch.distributions': subclasses give `_natural_params` (a tuple of
    Values θ), `_log_normalizer(*θ)` and `_mean_carrier_measure` (E[k(X)]); entropy is then
    F(θ) − ⟨θ, ∇F(θ)⟩ − E[k(X)]."""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self):
        nparams, log_norm, gradients = log_normalizer_and_gradients(self)
        result = log_norm - self._mean_carrier_measure
        for theta, g in zip(nparams, gradients):
            result = result - (theta * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
