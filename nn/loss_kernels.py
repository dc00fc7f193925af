"""The losses PyTorch computes in one kernel each, as one primitive each: mse_loss, smooth_l1_loss, huber_loss,
binary_cross_entropy and binary_cross_entropy_with_logits, reduction ('mean', 'sum', 'none') included. Each has its
forward, its VJP rule for the input and for the target (both differentiable, as PyTorch's), and its JVP rules side
by side; `y.grad_fn` is PyTorch's node (MseLossBackward0, ...) and its next_functions lead to input and target.

With d = x − y, ℓᵢ the loss of element i, and L = Σℓᵢ ('sum'), Σℓᵢ/n ('mean') or ℓ ('none'):

    mse:        ℓ = d²                                      ∂ℓ/∂d = 2d
    smooth L1:  ℓ = ½d²/β if |d| < β, else |d| − ½β         ∂ℓ/∂d = d/β, else sign d      (β = 0: |d|)
    Huber:      ℓ = ½d² if |d| < δ, else δ(|d| − ½δ)         ∂ℓ/∂d = d, else δ·sign d
    BCE:        ℓ = −w(y log p + (1 − y) log(1 − p))         ∂ℓ/∂p = w(p − y)/(p(1 − p)),  ∂ℓ/∂y = w(log(1 − p) − log p)
    with logits (x, pos_weight P): ℓ = w((1 − y)x + (1 + (P − 1)y) softplus(−x))
                ∂ℓ/∂x = w((1 + (P − 1)y)σ(x) − Py),          ∂ℓ/∂y = w(−x + (P − 1) softplus(−x))

and ∂L/∂xᵢ = g·∂ℓᵢ/∂d (divided by n for 'mean'), ∂L/∂yᵢ the same with −∂ℓᵢ/∂d for the regression losses. The rules
are written with operations Values share, so the gradients can be differentiated again. Weights are constants
(keyword parameters), as PyTorch's, which refuses a weight that requires grad.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core.ops import data_of, primitive, sigmoid, where

from .activation import softplus


def _reduced(losses, reduction):
    """Per-element values reduced as `reduction` asks: their mean, their sum, or themselves ('none')."""
    if reduction == "none":
        return losses
    if losses.__class__ is np.ndarray:  # ndarray.mean's own steps, without its Python wrapper (~1.5 µs a call)
        total = np.add.reduce(losses, axis=None)
        return total / losses.size if reduction == "mean" else total
    return losses.mean() if reduction == "mean" else losses.sum()


def _spread(g, x, reduction):
    """The output gradient g as each element's share of it: g/n for the mean of n elements, else g."""
    return g / max(math.prod(x.shape), 1) if reduction == "mean" else g


# ----------------------------------------------------------------------------------------------------
# Mean squared error.

@primitive("mse_loss")
def _mse_loss(x, y, reduction="mean"):
    d = x - y
    return _reduced(d * d, reduction)


_mse_loss.defvjp(lambda g, out, x, y, reduction="mean": (x - y) * _spread(2 * g, x, reduction),   # g·2d
                 lambda g, out, x, y, reduction="mean": (y - x) * _spread(2 * g, x, reduction),   # −g·2d
                 formulas=("g⊙2(x − y)", "g⊙2(y − x)"))
_mse_loss.defjvp(lambda t, out, x, y, reduction="mean": _reduced(2 * (x - y) * t, reduction),
                 lambda t, out, x, y, reduction="mean": _reduced(2 * (y - x) * t, reduction))


# ----------------------------------------------------------------------------------------------------
# Smooth L1 and Huber: quadratic near 0, linear beyond `width` (PyTorch's formulas, for the same roundings).

def _near(d, width):
    """Where the quadratic piece applies: |d| < width, and at NaN (its loss and gradient are NaN, as PyTorch's)."""
    return ~(np.abs(data_of(d)) >= width)


@primitive("smooth_l1_loss")
def _smooth_l1_loss(x, y, reduction="mean", beta=1.0):
    d = x - y
    z = np.abs(d)
    if beta == 0:
        return _reduced(z, reduction)
    near = _near(d, beta)
    with np.errstate(invalid="ignore", over="ignore"):
        return _reduced(np.where(near, 0.5 * d * d / beta, z - 0.5 * beta), reduction)


def _smooth_l1_slope(x, y, beta):
    """∂ℓ/∂d: d/β where |d| < β, else sign d (d only where chosen: an infinite d elsewhere would make 0·∞); with
    β = 0, L1's sign d, 0 at NaN, as PyTorch's."""
    d = x - y
    sign = np.sign(data_of(d))
    if beta == 0:
        return np.nan_to_num(sign, nan=0.0, copy=False)
    near = _near(d, beta)
    return where(near, where(near, d, 0) / beta, sign)


_smooth_l1_loss.defvjp(
    lambda g, out, x, y, reduction="mean", beta=1.0: _spread(g, x, reduction) * _smooth_l1_slope(x, y, beta),
    lambda g, out, x, y, reduction="mean", beta=1.0: -_spread(g, x, reduction) * _smooth_l1_slope(x, y, beta),
    formulas=("g⊙(d/β or sign d)", "−g⊙(d/β or sign d)"))
_smooth_l1_loss.defjvp(
    lambda t, out, x, y, reduction="mean", beta=1.0: _reduced(_smooth_l1_slope(x, y, beta) * t, reduction),
    lambda t, out, x, y, reduction="mean", beta=1.0: _reduced(-_smooth_l1_slope(x, y, beta) * t, reduction))


@primitive("huber_loss")
def _huber_loss(x, y, reduction="mean", delta=1.0):
    d = x - y
    z = np.abs(d)
    near = _near(d, delta)
    with np.errstate(invalid="ignore", over="ignore"):
        return _reduced(np.where(near, 0.5 * d * d, delta * (z - 0.5 * delta)), reduction)


def _huber_slope(x, y, delta):
    """∂ℓ/∂d: d where |d| < δ, else δ·sign d."""
    d = x - y
    near = _near(d, delta)
    return where(near, where(near, d, 0), delta * np.sign(data_of(d)))


_huber_loss.defvjp(
    lambda g, out, x, y, reduction="mean", delta=1.0: _spread(g, x, reduction) * _huber_slope(x, y, delta),
    lambda g, out, x, y, reduction="mean", delta=1.0: -_spread(g, x, reduction) * _huber_slope(x, y, delta),
    formulas=("g⊙(d or δ sign d)", "−g⊙(d or δ sign d)"))
_huber_loss.defjvp(
    lambda t, out, x, y, reduction="mean", delta=1.0: _reduced(_huber_slope(x, y, delta) * t, reduction),
    lambda t, out, x, y, reduction="mean", delta=1.0: _reduced(-_huber_slope(x, y, delta) * t, reduction))


# ----------------------------------------------------------------------------------------------------
# Binary cross-entropy of probabilities p (log p floored at −100, as PyTorch's, so p = 0 gives a finite loss).

LOG_FLOOR = -100.0


def _floored_log(a):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(a), LOG_FLOOR)


def _weighted(losses, weight):
    return losses if weight is None else losses * weight


@primitive("binary_cross_entropy")
def _binary_cross_entropy(p, y, weight=None, reduction="mean"):
    with np.errstate(divide="ignore"):
        log_q = np.maximum(np.log1p(-p), LOG_FLOOR)  # log(1 − p), as PyTorch's kernel computes it
    return _reduced(_weighted(-(y * _floored_log(p) + (1 - y) * log_q), weight), reduction)


def _bce_vjp_p(g, out, p, y, weight=None, reduction="mean"):
    # (p − y)/(p(1 − p)), the denominator kept ≥ 1e-12 (PyTorch's EPSILON)
    return _weighted(_spread(g, p, reduction) * (p - y) / np.maximum(p * (1 - p), 1e-12), weight)


def _bce_vjp_y(g, out, p, y, weight=None, reduction="mean"):
    return _weighted(_spread(g, p, reduction) * (_floored_log(1 - p) - _floored_log(p)), weight)


_binary_cross_entropy.defvjp(_bce_vjp_p, _bce_vjp_y,
                             formulas=("g⊙w(p − y)/(p(1 − p))", "g⊙w(log(1−p) − log p)"))
_binary_cross_entropy.defjvp(
    lambda t, out, p, y, weight=None, reduction="mean":
        _reduced(_weighted(t * (p - y) / np.maximum(p * (1 - p), 1e-12), weight), reduction),
    lambda t, out, p, y, weight=None, reduction="mean":
        _reduced(_weighted(t * (_floored_log(1 - p) - _floored_log(p)), weight), reduction))


# ----------------------------------------------------------------------------------------------------
# Binary cross-entropy of logits x: max(x, 0) − x·y + log(1 + e^−|x|), no overflow for any x; with pos_weight P,
# (1 − y)·x + (1 + (P − 1)·y)·softplus(−x).

def _softplus_of_minus(x):
    """log(1 + e⁻ˣ) with no threshold: exact for any x (the softplus primitive: arrays or Values)."""
    return softplus(-x, threshold=math.inf)


@primitive("bce_with_logits")
def _bce_with_logits(x, y, weight=None, pos_weight=None, reduction="mean"):
    if pos_weight is None:
        losses = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
        at_inf = np.isposinf(x)
        if np.any(at_inf):  # ∞ − ∞·y is NaN; (1 − y)·x is its value there (inf for y < 1), as PyTorch's
            with np.errstate(invalid="ignore"):
                losses = np.where(at_inf, (1 - y) * x, losses)[()]
    else:
        losses = (1 - y) * x + (1 + (pos_weight - 1) * y) * _softplus_of_minus(x)
    return _reduced(_weighted(losses, weight), reduction)


def _bce_logits_vjp_x(g, out, x, y, weight=None, pos_weight=None, reduction="mean"):
    if pos_weight is None:
        slope = sigmoid(x) - y                                          # σ(x) − y
    else:
        slope = (1 + (pos_weight - 1) * y) * sigmoid(x) - pos_weight * y  # (1 + (P − 1)y)σ(x) − Py
    return _weighted(_spread(g, x, reduction) * slope, weight)


def _bce_logits_slope_y(x, pos_weight):
    if pos_weight is None:
        return -x                                                       # −x
    return -x + (pos_weight - 1) * _softplus_of_minus(x)                # −x + (P − 1) softplus(−x)


_bce_with_logits.defvjp(
    _bce_logits_vjp_x,
    lambda g, out, x, y, weight=None, pos_weight=None, reduction="mean":
        _weighted(_spread(g, x, reduction) * _bce_logits_slope_y(x, pos_weight), weight),
    formulas=("g⊙w(σ(x) − y)", "−g⊙w·x"))
_bce_with_logits.defjvp(
    lambda t, out, x, y, weight=None, pos_weight=None, reduction="mean":
        _reduced(_bce_logits_vjp_x(t, None, x, y, weight, pos_weight, "none"), reduction),
    lambda t, out, x, y, weight=None, pos_weight=None, reduction="mean":
        _reduced(_weighted(t * _bce_logits_slope_y(x, pos_weight), weight), reduction))

for _op in (_mse_loss, _smooth_l1_loss, _huber_loss, _binary_cross_entropy, _bce_with_logits):
    _op.promotes = True  # input and target of two float dtypes: PyTorch's result dtype, as its kernels
