"""NAdam (Dozat, 2016) and RAdam (Liu et al., 2020): Adam with Nesterov momentum, and rectified Adam."""

from __future__ import annotations

import math

import numpy as np

from .adam import _moments
from .optimizer import Optimizer
from .hyperparameter_checks import beta_pair, flag, implementation_flags, learning_rate, nonnegative


def _weight_decay(p, g, lr, weight_decay, decoupled):
    """(p, g) after Adam's L2 penalty in the gradient, or AdamW's decoupled shrinking of p (in place)."""
    if weight_decay == 0:
        return p, g
    if decoupled:
        p *= 1 - lr * weight_decay                           # shrink the weights themselves
        return p, g
    return p, g + weight_decay * p                           # gradient of the L2 penalty


class NAdam(Optimizer):
    """Adam whose first moment looks one step ahead, with a momentum schedule μₜ (PyTorch's formulation).

        g ← ∇f(p) + weight_decay·p                 (decoupled_weight_decay: p ← p·(1 − lr·weight_decay))
        μₜ = beta1·(1 − ½·0.96^(t·momentum_decay))    Πₜ = μ₁·μ₂·…·μₜ
        m ← beta1·m + (1 − beta1)·g,   v ← beta2·v + (1 − beta2)·g²
        p ← p − lr·(1 − μₜ)/(1 − Πₜ) · g/d − lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) · m/d,   d = √(v/(1 − beta2ᵗ)) + eps

    lr >= 0, betas in [0, 1), eps >= 0, weight_decay >= 0, momentum_decay >= 0.
    State per parameter: "step" (t), "mu_product" (Πₜ), "exp_avg" (m), "exp_avg_sq" (v).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, weight_decay=nonnegative,
                           momentum_decay=nonnegative, decoupled_weight_decay=flag, maximize=flag,
                           **implementation_flags("foreach", "capturable", "differentiable"))
    _scalar_state = frozenset({"mu_product"})

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                         maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable)

    def _state_keys(self, group):
        return {"step", "mu_product", "exp_avg", "exp_avg_sq"}

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps, psi = hp["lr"], hp["betas"], hp["eps"], hp["momentum_decay"]
        if not state:
            state.update(step=0, mu_product=1.0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        state["step"] = t = state["step"] + 1
        p, g = _weight_decay(p, g, lr, hp["weight_decay"], hp["decoupled_weight_decay"])
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))                # momentum schedule, this step
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))      # and the next
        state["mu_product"] = mu_product = state["mu_product"] * mu
        m, v = _moments(state, g, beta1, beta2)
        denom = np.sqrt(v / (1 - beta2**t))
        denom += eps
        d = g * (lr * (1 - mu) / (1 - mu_product))
        d /= denom
        p -= d                                                      # the gradient, now
        d = m * (lr * mu_next / (1 - mu_product * mu_next))
        d /= denom
        p -= d                                                      # the momentum, one step ahead
        return p


class RAdam(Optimizer):
    """Rectified Adam: plain momentum SGD while the variance of the adaptive step is intractable, then
    Adam scaled by a rectification term r (PyTorch's formulation).

        g ← ∇f(p) + weight_decay·p                 (decoupled_weight_decay: p ← p·(1 − lr·weight_decay))
        m ← beta1·m + (1 − beta1)·g,   v ← beta2·v + (1 − beta2)·g²,   m̂ = m / (1 − beta1ᵗ)
        ρ∞ = 2/(1 − beta2) − 1,   ρₜ = ρ∞ − 2t·beta2ᵗ / (1 − beta2ᵗ)
        ρₜ > 5:  p ← p − lr·m̂·r·√(1 − beta2ᵗ)/(√v + eps),   r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
        else:    p ← p − lr·m̂

    State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, weight_decay=nonnegative,
                           maximize=flag, **implementation_flags("foreach", "capturable"), decoupled_weight_decay=flag,
                           **implementation_flags("differentiable"))

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                         foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                         differentiable=differentiable)

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_avg_sq"}

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps = hp["lr"], hp["betas"], hp["eps"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        state["step"] = t = state["step"] + 1
        p, g = _weight_decay(p, g, lr, hp["weight_decay"], hp["decoupled_weight_decay"])
        m, v = _moments(state, g, beta1, beta2)
        d = m / (1 - beta1**t)                                      # m̂
        d *= lr
        rho_inf = 2 / (1 - beta2) - 1                               # length of the approximated SMA
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:                                               # the adaptive step's variance is tractable
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            denom = np.sqrt(v)
            denom += eps
            d *= math.sqrt(1 - beta2**t) / denom
            d *= r
        p -= d
        return p
