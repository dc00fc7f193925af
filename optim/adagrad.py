"""Adagrad (Duchi, Hazan and Singer, 2011): per-coordinate steps shrinking with the summed squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, flag, implementation_flags, learning_rate, nonnegative


class Adagrad(Optimizer):
    """p ← p − lr_t·g / (√s + eps), with s the sum of all squared gradients so far (PyTorch's formulation).

        g   ← ∇f(p) + weight_decay·p
        lr_t = lr / (1 + (t − 1)·lr_decay)           at step t = 1, 2, ...
        s   ← s + g²                                  (s starts at initial_accumulator_value)

    lr, lr_decay, weight_decay, initial_accumulator_value, eps: all >= 0.
    State per parameter: "step" (t), "sum" (s).
    """

    hyperparameters = dict(lr=learning_rate, lr_decay=nonnegative, eps=nonnegative, weight_decay=nonnegative,
                           initial_accumulator_value=nonnegative, **implementation_flags("foreach"), maximize=flag,
                           **implementation_flags("differentiable", "fused"))

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                         differentiable=differentiable, fused=fused)

    def _state_keys(self, group):
        return {"step", "sum"}

    def _update(self, p, g, state, hp):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p, hp["initial_accumulator_value"])
        state["step"] = t = state["step"] + 1
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                   # gradient of the L2 penalty
        lr_t = hp["lr"] / (1 + (t - 1) * hp["lr_decay"])     # decayed learning rate
        s = state["sum"]
        s += g * g                                           # sum of squared gradients, in place as PyTorch's
        std = np.sqrt(s)
        std += hp["eps"]
        d = g * lr_t
        d /= std
        p -= d
        return p
