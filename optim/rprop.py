"""Rprop (Riedmiller and Braun, 1993): per-coordinate step sizes driven by the gradient's sign alone."""

from __future__ import annotations

import numbers

import numpy as np

from .optimizer import Optimizer
from .hyperparameter_checks import check_number, flag, implementation_flags, learning_rate


def _etas(owner, name, value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{owner}: {name} must be a pair (etaminus, etaplus), got {value!r}")
    for i, eta in enumerate(value):
        check_number(owner, f"{name}[{i}]", eta)
    if not 0 < value[0] < 1 < value[1]:
        raise ValueError(f"{owner}: invalid {name}={tuple(value)!r}, need 0 < etaminus < 1 < etaplus")


def _step_sizes(owner, name, value):
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        raise TypeError(f"{owner}: {name} must be a pair of numbers (min, max), got {value!r}")
    if not 0 <= value[0] <= value[1]:
        raise ValueError(f"{owner}: invalid {name}={tuple(value)!r}, need 0 <= min <= max")


class Rprop(Optimizer):
    """Each coordinate moves by its own step size against the sign of its gradient (PyTorch's formulation).

        s = sign(g·g_prev)
        step ← clip(step·etaplus, min, max)    where s > 0   (same direction: speed up)
        step ← clip(step·etaminus, min, max)   where s < 0   (overshot: slow down, and skip this update:
                                                              g is taken as 0 there, also for the next step)
        p ← p − sign(g)·step

    lr: the initial step size (>= 0); etas = (etaminus, etaplus) with 0 < etaminus < 1 < etaplus;
    step_sizes = (min, max). State per parameter: "step", "prev" (g_prev), "step_size".
    """

    hyperparameters = dict(lr=learning_rate, etas=_etas, step_sizes=_step_sizes, **implementation_flags("foreach"),
                           maximize=flag, **implementation_flags("differentiable", "capturable"))

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        super().__init__(params, lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                         differentiable=differentiable, capturable=capturable)

    def _state_keys(self, group):
        return {"step", "prev", "step_size"}

    def _update(self, p, g, state, hp):
        (etaminus, etaplus), (step_min, step_max) = hp["etas"], hp["step_sizes"]
        if not state:
            state.update(step=0, prev=np.zeros_like(p), step_size=np.full_like(p, hp["lr"]))
        state["step"] += 1
        s = np.sign(g * state["prev"])
        factor = np.where(s > 0, etaplus, np.where(s < 0, etaminus, 1.0)).astype(p.dtype, copy=False)
        step_size = np.clip(state["step_size"] * factor, step_min, step_max)   # grow or shrink each step
        g = np.where(s < 0, 0, g).astype(p.dtype, copy=False)                    # a sign change: no move now
        state["step_size"], state["prev"] = step_size, g
        p -= np.sign(g) * step_size
        return p
