"""Muon (Keller Jordan, 2024), as PyTorch writes it: momentum SGD for the 2-d weights of hidden layers, whose step
is the momentum orthogonalised by a few Newton-Schulz iterations (roughly U·Vᵀ of its SVD U·S·Vᵀ)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd_core import ShapeError
from .optimizer import Optimizer
from .hyperparameter_checks import check_number, flag, learning_rate, nonnegative

_ADJUSTMENTS = (None, "original", "match_rms_adamw")


def _coefficients(owner, name, value):
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ValueError(f"{owner}: {name} must be three numbers (a, b, c), got {value!r}")
    for i, c in enumerate(value):
        check_number(owner, f"{name}[{i}]", c)


def _steps(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < 100:
        raise ValueError(f"{owner}: invalid {name}={value!r}, must be an integer in [0, 100)")


def _adjustment(owner, name, value):
    if value not in _ADJUSTMENTS:
        raise ValueError(f"{owner}: Adjust learning rate function {value} is not supported "
                         "(None, 'original' or 'match_rms_adamw')")


def newton_schulz(G, coefficients=(3.4445, -4.7750, 2.0315), steps=5, eps=1e-7):
    """The orthogonalisation of a matrix G (m, n) by `steps` quintic Newton-Schulz iterations, as PyTorch's Muon:
    X = G / max(‖G‖_F, eps) (so its spectral norm is at most 1), then X ← a·X + (b·XXᵀ + c·(XXᵀ)²)·X, on the wide
    orientation (Gᵀ when m > n, transposed back). The coefficients push every singular value towards ~1 quickly
    (to roughly 0.7-1.2, not exactly 1). Computed in G's dtype (PyTorch's in bfloat16)."""
    a, b, c = coefficients
    tall = G.shape[0] > G.shape[1]
    X = G.T if tall else G
    X = X / max(float(np.linalg.norm(X)), eps)
    for _ in range(steps):
        gram = X @ X.T
        X = a * X + (b * gram + c * (gram @ gram)) @ X
    return X.T if tall else X


def adjusted_lr(lr, adjust_lr_fn, shape):
    """The learning rate of a (A, B) matrix: lr·√max(1, A/B) ("original", the default: orthogonalised updates of
    rectangular matrices get the same RMS) or lr·0.2·√max(A, B) ("match_rms_adamw": AdamW's RMS)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))


class Muon(Optimizer):
    """Muon, PyTorch's `torch.optim.Muon` (its defaults, state names and numbers), for 2-d parameters only (use
    AdamW for biases, embeddings and others: a parameter that is not 2-d is a ValueError):

        B ← B + (1 − momentum)·(g − B)                  "momentum_buffer" (a running mean of g)
        U = g + momentum·(B − g) if nesterov else B
        O = NS(U)                                       ns_steps Newton-Schulz iterations (`newton_schulz`)
        p ← p·(1 − lr·weight_decay) − lr'·O             lr' = `adjusted_lr(lr, adjust_lr_fn, p.shape)`

    lr, weight_decay, momentum, eps >= 0; ns_coefficients = (a, b, c); 0 <= ns_steps < 100; adjust_lr_fn None,
    "original" or "match_rms_adamw". Differs from PyTorch in one way: the iterations run in the parameter's
    dtype, where PyTorch's run in bfloat16 (NumPy has none), so the steps agree with it to bfloat16 precision.
    """

    hyperparameters = dict(lr=learning_rate, weight_decay=nonnegative, momentum=nonnegative, nesterov=flag,
                           ns_coefficients=_coefficients, eps=nonnegative, ns_steps=_steps,
                           adjust_lr_fn=_adjustment)

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        super().__init__(params, lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                         ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)

    def _check_group(self, group):
        for p in group.get("params", ()):
            if p.data.ndim != 2:
                raise ShapeError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                 f"{p.data.shape} (optimize it with AdamW, say)")

    def _complex_update(self, update):
        raise RuntimeError("Muon does not support complex parameters")  # PyTorch's words, at the step too

    def _state_keys(self, group):
        return {"momentum_buffer"}

    def _update(self, p, g, state, hp):
        lr, momentum = hp["lr"], hp["momentum"]
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = np.zeros_like(g)
        state["momentum_buffer"] = buf = buf + (1 - momentum) * (g - buf)    # running mean of the gradients
        update = g + momentum * (buf - g) if hp["nesterov"] else buf         # Nesterov: look ahead
        orthogonal = newton_schulz(update, hp["ns_coefficients"], hp["ns_steps"], hp["eps"])
        p *= 1 - lr * hp["weight_decay"]                                     # decoupled weight decay
        p -= adjusted_lr(lr, hp["adjust_lr_fn"], p.shape) * orthogonal
        return p
