"""RMSprop (Hinton's lecture 6e): divide the gradient by a running root mean square of its history."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer
from .hyperparameter_checks import flag, implementation_flags, learning_rate, nonnegative


class RMSprop(Optimizer):
    """p ← p − lr·g / (√v + eps), with v a running mean of g² (PyTorch's formulation).

        g ← ∇f(p) + weight_decay·p
        v ← alpha·v + (1 − alpha)·g²                       (v starts at 0)
        centered:  m ← alpha·m + (1 − alpha)·g,  v' = v − m²   (a running variance instead)
        momentum:  b ← momentum·b + g / (√v' + eps),  p ← p − lr·b
        otherwise: p ← p − lr·g / (√v' + eps)

    lr, alpha, eps, weight_decay, momentum: all >= 0.
    State per parameter: "step", "square_avg" (v), "grad_avg" (m, centered only),
    "momentum_buffer" (b, momentum > 0 only).
    """

    hyperparameters = dict(lr=learning_rate, momentum=nonnegative, alpha=nonnegative, eps=nonnegative, centered=flag,
                           weight_decay=nonnegative, **implementation_flags("capturable", "foreach"), maximize=flag,
                           **implementation_flags("differentiable"))

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False, differentiable=False):
        super().__init__(params, lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                         weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                         differentiable=differentiable)

    def _state_keys(self, group):
        return ({"step", "square_avg"} | ({"grad_avg"} if group["centered"] else set())
                | ({"momentum_buffer"} if group["momentum"] > 0 else set()))

    def _update(self, p, g, state, hp):
        lr, alpha, eps, momentum = hp["lr"], hp["alpha"], hp["eps"], hp["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            if hp["centered"]:
                state["grad_avg"] = np.zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
        state["step"] += 1
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                       # gradient of the L2 penalty
        # The state changes in place, as PyTorch's (square_avg.mul_(alpha).addcmul_(g, g), grad_avg.lerp_(g), ...).
        v = state["square_avg"]
        v *= alpha
        d = g * (1 - alpha)
        d *= g
        v += d                                                   # running mean of g² (uncentred)
        if hp["centered"]:
            m = state["grad_avg"]
            d = g - m
            d *= 1 - alpha
            m += d                                               # running mean of g
            rms = np.sqrt(v - m * m)                             # running variance of g
        else:
            rms = np.sqrt(v)
        rms += eps
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += g / rms                                         # velocity of the normalised steps
            d = b * lr
        else:
            d = g * lr
            d /= rms
        p -= d
        return p
