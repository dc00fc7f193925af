"""ASGD: averaged stochastic gradient descent (Polyak and Juditsky, 1992), with PyTorch's step-size schedule."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer
from .hyperparameter_checks import flag, implementation_flags, learning_rate, nonnegative, real


class ASGD(Optimizer):
    """SGD with a decaying step size, plus a running average of the iterates (PyTorch's formulation):

        g  ← ∇f(p) + weight_decay·p
        p  ← p·(1 − lambd·eta) − eta·g                  (eta starts at lr)
        ax ← p                                          while mu = 1 (the first t0 steps)
        ax ← ax + mu·(p − ax)                           afterwards: the average of the iterates since t0
        eta ← lr / (1 + lambd·lr·t)^alpha,   mu ← 1 / max(1, t − t0)       (t = 1, 2, ... this step's number)

    The parameters follow SGD; the average `ax` (read it from `optimizer.state[p]["ax"]`) is the estimate
    that converges. lr >= 0, weight_decay >= 0; lambd (the decay term), alpha (the power of the eta decay),
    t0 (the step at which averaging starts): real numbers. maximize: ascend instead.
    State per parameter: "step" (t), "eta", "mu" (numbers) and "ax" (an array of p's shape).
    """

    hyperparameters = dict(lr=learning_rate, lambd=real, alpha=real, t0=real, weight_decay=nonnegative,
                           **implementation_flags("foreach"), maximize=flag,
                           **implementation_flags("differentiable", "capturable"))
    _scalar_state = frozenset({"eta", "mu"})

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        super().__init__(params, lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                         maximize=maximize, differentiable=differentiable, capturable=capturable)

    def _state_keys(self, group):
        return {"step", "eta", "mu", "ax"}

    def _update(self, p, g, state, hp):
        lr, lambd, alpha, t0 = hp["lr"], hp["lambd"], hp["alpha"], hp["t0"]
        if not state:
            state.update(step=0, eta=float(lr), mu=1.0, ax=np.zeros_like(p))
        state["step"] = t = state["step"] + 1
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                   # gradient of the L2 penalty
        eta, mu = state["eta"], state["mu"]
        p *= 1 - lambd * eta                                 # decay term
        p -= eta * g                                         # the SGD step
        if mu != 1:
            state["ax"] = state["ax"] + mu * (p - state["ax"])   # running average of the iterates
        else:
            state["ax"] = p.copy()                           # before t0 the "average" is the latest iterate
        state["eta"] = lr / (1 + lambd * lr * t) ** alpha    # step size for the next step
        state["mu"] = 1 / max(1, t - t0)
        return p
