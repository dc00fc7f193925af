"""Adadelta (Zeiler, 2012): steps whose units match the parameters', from running RMS of steps and gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer
from .hyperparameter_checks import flag, implementation_flags, learning_rate, nonnegative, unit_interval


class Adadelta(Optimizer):
    """p ← p − lr·Δ, Δ = g·RMS[Δ]ₜ₋₁ / RMS[g]ₜ (PyTorch's formulation).

        g ← ∇f(p) + weight_decay·p
        v ← rho·v + (1 − rho)·g²                     (v, u start at 0)
        Δ = g·√(u + eps) / √(v + eps)
        u ← rho·u + (1 − rho)·Δ²

    lr >= 0, rho in [0, 1], eps >= 0, weight_decay >= 0.
    State per parameter: "step", "square_avg" (v), "acc_delta" (u).
    """

    hyperparameters = dict(lr=learning_rate, rho=unit_interval, eps=nonnegative, weight_decay=nonnegative,
                           maximize=flag, **implementation_flags("capturable", "foreach", "differentiable"))

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        super().__init__(params, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                         capturable=capturable, foreach=foreach, differentiable=differentiable)

    def _state_keys(self, group):
        return {"step", "square_avg", "acc_delta"}

    def _update(self, p, g, state, hp):
        rho, eps = hp["rho"], hp["eps"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p), acc_delta=np.zeros_like(p))
        state["step"] += 1
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                              # gradient of the L2 penalty
        v, u = state["square_avg"], state["acc_delta"]                 # changed in place, as PyTorch's
        v *= rho
        d = g * (1 - rho)
        d *= g
        v += d                                                          # running mean of g²
        delta = np.sqrt(u + eps)
        delta /= np.sqrt(v + eps)
        delta *= g                                                      # RMS of past steps / RMS of g
        u *= rho
        d = delta * (1 - rho)
        d *= delta
        u += d                                                          # running mean of Δ²
        d = delta * hp["lr"]
        p -= d
        return p
