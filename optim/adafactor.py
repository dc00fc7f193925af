"""Adafactor (Shazeer and Stern, 2018), as PyTorch 2.5+ writes it: Adam-like steps whose second moment of a matrix
is kept as one row factor and one column factor, so its memory grows with the sum of the dimensions, not their
product."""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import ShapeError
from .optimizer import Optimizer
from .hyperparameter_checks import check_number, flag, learning_rate, nonnegative, optional_flag
from .parameter_data import _restore_state


def _nonpositive(owner, name, value):
    check_number(owner, name, value)
    if not value <= 0:
        raise ValueError(f"{owner}: invalid {name}={value!r}, must be <= 0")


def _at_least_one(owner, name, value):
    check_number(owner, name, value)
    if not value >= 1:
        raise ValueError(f"{owner}: invalid {name}={value!r} (the clipping threshold), must be >= 1")


def _eps_pair(owner, name, eps):
    if not isinstance(eps, (tuple, list)) or len(eps) != 2:
        raise TypeError(f"{owner}: {name} must be a pair (eps1 or None, eps2), got {eps!r}")
    if eps[0] is not None:
        nonnegative(owner, f"{name}[0]", eps[0])
    nonnegative(owner, f"{name}[1]", eps[1])


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if np.size(x) else 0.0


class Adafactor(Optimizer):
    """Adafactor, PyTorch's `torch.optim.Adafactor` (its defaults, state names and numbers):

        t ← t + 1;  w = t^beta2_decay            (the weight of the newest g², 1 − β₂,ₜ; beta2_decay <= 0)
        ρ = min(lr, 1/√t);  α = max(eps2, RMS(p))·ρ     (a relative step, scaled by the parameter's size)
        p ← p·(1 − lr·weight_decay)
        a matrix (or a stack of them: ≥2-d, factored over the last two axes):
            R ← R + w·(mean(g², last axis) − R)          "row_var": shape (..., rows, 1)
            C ← C + w·(mean(g², axis −2) − C)            "col_var": shape (..., 1, cols)
            v = R·C / max(mean(R), eps1)                 (a rank-one estimate of E[g²])
        otherwise (0-d, 1-d):  v ← v + w·(g² − v)      "variance": p's shape
        u = g / √max(v, eps1²);  p ← p − α·u / max(1, RMS(u)/d)    (updates clipped to RMS d)

    lr >= 0, beta2_decay <= 0, eps = (eps1, eps2) with eps1 None (the dtype's machine epsilon) or >= 0 and
    eps2 >= 0, d >= 1, weight_decay >= 0. `foreach` is accepted (None, True, False) and changes nothing: NumPy
    has one implementation. State per parameter: "step" (a float, as PyTorch's) and "row_var"/"col_var" or
    "variance".
    """

    hyperparameters = dict(lr=learning_rate, beta2_decay=_nonpositive, eps=_eps_pair, d=_at_least_one,
                           weight_decay=nonnegative, foreach=optional_flag, maximize=flag)

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        super().__init__(params, lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                         foreach=foreach, maximize=maximize)

    def _complex_update(self, update):
        raise RuntimeError("Adafactor does not support complex parameters")  # PyTorch's words, at the step too

    def _state_keys(self, group):
        return None  # {"step", "row_var", "col_var"} or {"step", "variance"}, by each parameter's shape

    def _restore_state(self, value, p, index, name, who):
        if name not in ("row_var", "col_var"):
            return _restore_state(value, p, index, name, who)
        shape = _factor_shape(p.data.shape, -1 if name == "row_var" else -2)
        if isinstance(value, bool) or not isinstance(value, (np.ndarray, np.generic, numbers.Real)) \
                or np.shape(value) != shape:
            raise ShapeError(f"{who}: state '{name}' of parameter {index} has shape {np.shape(value)}, expected "
                             f"{shape} for a parameter of shape {p.data.shape}")
        return np.array(value, dtype=p.data.dtype)

    def _update(self, p, g, state, hp):
        lr, d, weight_decay = hp["lr"], hp["d"], hp["weight_decay"]
        eps1, eps2 = hp["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype).eps)
        factored = np.ndim(g) > 1
        if not state:
            state["step"] = 0.0
            if factored:
                state["row_var"] = np.zeros(_factor_shape(g.shape, -1), dtype=p.dtype)
                state["col_var"] = np.zeros(_factor_shape(g.shape, -2), dtype=p.dtype)
            else:
                state["variance"] = np.zeros_like(p)
        state["step"] = t = state["step"] + 1
        w = t ** hp["beta2_decay"]                                  # weight of the newest g² (1 − β₂,ₜ)
        alpha = max(eps2, _rms(p)) * min(lr, 1 / t ** 0.5)          # relative step times the parameter's RMS
        if weight_decay != 0:
            p *= 1 - lr * weight_decay                               # decoupled weight decay
        g2 = g * g
        if factored:
            row, col = state["row_var"], state["col_var"]
            state["row_var"] = row = row + w * (g2.mean(axis=-1, keepdims=True) - row)   # running mean of g² per row
            state["col_var"] = col = col + w * (g2.mean(axis=-2, keepdims=True) - col)   # and per column
            v = (row @ col) / np.maximum(row.mean(axis=-2, keepdims=True), eps1)       # rank-one E[g²]
        else:
            v = state["variance"]
            state["variance"] = v = v + w * (g2 - v)                 # running mean of g²
        u = g / np.sqrt(np.maximum(v, eps1 * eps1))                 # Adam's direction (no first moment)
        p -= alpha / max(1.0, _rms(u) / d) * u                      # update clipped to RMS d
        return p


def _factor_shape(shape, axis):
    """The shape of a factor of a second moment of `shape`: 1 along `axis` (-1 for rows, -2 for columns)."""
    shape = list(shape)
    shape[axis] = 1
    return tuple(shape)
