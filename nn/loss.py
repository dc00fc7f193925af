"""Loss functions (`mse_loss`, `cross_entropy`, ...) and the same as modules (`MSELoss()`, ...).

Each takes `reduction`: 'mean' (the default) averages the per-element losses, 'sum' adds them, 'none'
returns them. Cross-entropy and the binary cross-entropies are primitives with their textbook gradients
(softmax − onehot, σ(x) − y, (p − y)/(p(1 − p))): one node each, and stable where the naive composition
overflows or divides by zero.
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.ops import data_of, primitive, relu, sigmoid, softmax, stack

from .activation import log_softmax
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _check_reduction(reduction, who):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _as_value(x, who, like=None):
    """Lists of scalar Values (micrograd outputs) become one vector; arrays become constants."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(item, Value) for item in x):
        return stack(list(x))
    dtype = like.dtype if isinstance(like, Value) else None
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who}: expected numbers, got dtype {arr.dtype}")
    return Value(arr, requires_grad=False, dtype=dtype)  # constants take the input's dtype: no upcast


def _same_shape(input, target, who):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{who}: input of shape {tuple(input.shape)} and target of shape "
                         f"{tuple(target.shape)} must have the same shape")


# ----------------------------------------------------------------------------------------------------
# Regression and margins.


def mse_loss(input, target, reduction="mean"):
    """(input − target)², reduced. input, target: the same shape."""
    _check_reduction(reduction, "mse_loss")
    input = _as_value(input, "mse_loss")
    target = _as_value(target, "mse_loss", like=input)
    _same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def hinge_loss(scores, target, reduction="mean"):
    """max(0, 1 − y·score), reduced: the SVM "max-margin" loss of micrograd's demo.

    scores: (N,) (or a list of scalar Values); target: (N,) with labels in {−1, +1}.
    """
    _check_reduction(reduction, "hinge_loss")
    scores = _as_value(scores, "hinge_loss")
    y = np.asarray(data_of(target))
    if tuple(y.shape) != tuple(scores.shape):
        raise ValueError(f"hinge_loss: scores of shape {tuple(scores.shape)} and target of shape {y.shape} "
                         "must have the same shape")
    if y.size and not np.all(np.abs(y) == 1):
        raise ValueError(f"hinge_loss: target labels must be -1 or +1, got values {np.unique(y)[:5]}")
    return _reduce(relu(1 - scores * y.astype(scores.dtype)), reduction)


# ----------------------------------------------------------------------------------------------------
# Classification over C classes.


def _class_labels(target, n, classes, who, input_shape):
    """Integer labels of shape (n,), each in [0, classes), with errors that name the shapes."""
    labels = np.asarray(data_of(target))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{who}: class labels must be integers, got dtype {labels.dtype} of shape {labels.shape} "
                        f"(for input of shape {input_shape}); pass probabilities with the input's shape instead")
    if labels.shape != (n,):
        raise ValueError(f"{who}: input of shape {input_shape} needs integer labels of shape ({n},), "
                         f"got {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise IndexError(f"{who}: labels must be in [0, {classes}), got min {labels.min()}, max {labels.max()}")
    return labels


@primitive("cross_entropy")
def _cross_entropy(logits, labels, reduction):
    # ℓₙ = −log softmax(zₙ)[yₙ] = logsumexp(zₙ) − zₙ[yₙ], after shifting each row by its maximum.
    m = np.max(logits, axis=1, keepdims=True)
    if not np.isfinite(m).all():
        m = np.where(np.isfinite(m), m, 0)     # a row of −inf (or inf): shift it by nothing
    shifted = logits - m
    losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(labels)), labels]
    if reduction == "none":
        return losses
    total = losses.sum()
    return total / len(labels) if reduction == "mean" else total


def _cross_entropy_vjp(g, out, logits, labels, reduction):
    # dℓₙ/dzₙ = softmax(zₙ) − onehot(yₙ); the reduction scales it by g/N, g or gₙ.
    rows = np.arange(len(labels))
    if reduction == "none":
        g = g.reshape((-1, 1))
    elif reduction == "mean":
        g = g / len(labels)
    if isinstance(logits, Value):            # create_graph: stay differentiable
        onehot = np.zeros(logits.shape, dtype=logits.dtype)
        onehot[rows, labels] = 1
        return g * (softmax(logits, axis=1) - onehot)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[rows, labels] -= 1                     # p is a fresh array: subtract the one-hot in place
    p *= g
    return p


_cross_entropy.defvjp(_cross_entropy_vjp, formulas=("g⊙(softmax(z) − onehot(y))",))


def _cross_entropy_jvp(t, out, logits, labels, reduction):
    # dℓₙ = Σ_c (softmax(zₙ) − onehot(yₙ))_c · dzₙ_c, then reduced like the losses.
    onehot = np.zeros(logits.shape, dtype=logits.dtype)
    onehot[np.arange(len(labels)), labels] = 1
    per_row = ((softmax(logits, axis=1) - onehot) * t).sum(axis=1)
    if reduction == "none":
        return per_row
    total = per_row.sum()
    return total / len(labels) if reduction == "mean" else total


_cross_entropy.defjvp(_cross_entropy_jvp)


def cross_entropy(input, target, reduction="mean"):
    """Cross-entropy of logits against classes: −log softmax(input)[target], reduced.

    input: logits (N, C) or (C,). target: integer labels (N,) (or a scalar for (C,) input) or class
    probabilities with the input's shape (then −Σ_c target_c · log softmax(input)_c per row).
    """
    _check_reduction(reduction, "cross_entropy")
    input = _as_value(input, "cross_entropy")
    shape = tuple(input.shape)
    if len(shape) not in (1, 2):
        raise ValueError(f"cross_entropy: expected logits of shape (N, C) or (C,), got {shape}")
    target_data = np.asarray(data_of(target))
    if target_data.dtype.kind == "f" and target_data.shape == shape:  # class probabilities
        target = _as_value(target, "cross_entropy", like=input)
        return _reduce(-(target * log_softmax(input, dim=-1)).sum(axis=-1), reduction)
    if len(shape) == 1:
        if target_data.ndim != 0:
            raise ValueError(f"cross_entropy: logits of shape {shape} need a scalar label, "
                             f"got shape {target_data.shape}")
        labels = _class_labels(target_data.reshape(-1), 1, shape[0], "cross_entropy", shape)
        loss = _cross_entropy(input.reshape((1, shape[0])), labels=labels, reduction=reduction)
        return loss.reshape(()) if reduction == "none" else loss
    labels = _class_labels(target_data, shape[0], shape[1], "cross_entropy", shape)
    return _cross_entropy(input, labels=labels, reduction=reduction)  # one node, reduction included


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood: −input[n, target[n]], reduced. input: log-probabilities (N, C)."""
    _check_reduction(reduction, "nll_loss")
    input = _as_value(input, "nll_loss")
    shape = tuple(input.shape)
    if len(shape) != 2:
        raise ValueError(f"nll_loss: expected log-probabilities of shape (N, C), got {shape}")
    labels = _class_labels(target, shape[0], shape[1], "nll_loss", shape)
    return _reduce(-input[np.arange(shape[0]), labels], reduction)


# ----------------------------------------------------------------------------------------------------
# Two classes: probabilities or logits.

_LOG_FLOOR = -100.0  # PyTorch clamps log p at -100 so that p = 0 gives a large finite loss


@primitive("binary_cross_entropy")
def _bce(p, y):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), _LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
    return -(y * log_p + (1 - y) * log_q)


def _bce_vjp_p(g, out, p, y):
    # d/dp −(y log p + (1−y) log(1−p)) = (p − y) / (p(1 − p)); the denominator is kept ≥ 1e-12.
    return g * (p - y) / np.maximum(p * (1 - p), 1e-12)


def _bce_vjp_y(g, out, p, y):
    with np.errstate(divide="ignore"):          # d/dy = log(1 − p) − log p (each floored at −100)
        return g * (np.maximum(np.log(1 - p), _LOG_FLOOR) - np.maximum(np.log(p), _LOG_FLOOR))


_bce.defvjp(_bce_vjp_p, _bce_vjp_y, formulas=("g⊙(p − y)/(p(1 − p))", "g⊙(log(1−p) − log p)"))
_bce.defjvp_elementwise()  # elementwise: the VJP rules with the tangent for g


def binary_cross_entropy(input, target, reduction="mean"):
    """−(y log p + (1 − y) log(1 − p)), reduced. input: probabilities p in [0, 1]; target y: same shape."""
    _check_reduction(reduction, "binary_cross_entropy")
    input = _as_value(input, "binary_cross_entropy")
    target = _as_value(target, "binary_cross_entropy", like=input)
    _same_shape(input, target, "binary_cross_entropy")
    pd = input.data
    if pd.size and (np.min(pd) < 0 or np.max(pd) > 1):
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
                         f"[{np.min(pd):.4g}, {np.max(pd):.4g}] (use binary_cross_entropy_with_logits for logits)")
    return _reduce(_bce(input, target), reduction)


@primitive("bce_with_logits")
def _bce_logits(x, y):
    # −(y log σ(x) + (1−y) log(1−σ(x))) = max(x, 0) − x·y + log(1 + e^−|x|): no overflow for any x.
    return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))


_bce_logits.defvjp(lambda g, out, x, y: g * (sigmoid(x) - y),      # d/dx = σ(x) − y
                   lambda g, out, x, y: -g * x,                    # d/dy = −x
                   formulas=("g⊙(σ(x) − y)", "−g⊙x"))
_bce_logits.defjvp_elementwise()


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """binary_cross_entropy(sigmoid(input), target) computed stably from logits. Same shapes."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    input = _as_value(input, "binary_cross_entropy_with_logits")
    target = _as_value(target, "binary_cross_entropy_with_logits", like=input)
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    return _reduce(_bce_logits(input, target), reduction)


# ----------------------------------------------------------------------------------------------------
# Modules: loss(input, target).


class _Loss(Module):
    _fn = None

    def __init__(self, reduction="mean"):
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def forward(self, input, target):
        return type(self)._fn(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """mse_loss as a module."""
    _fn = staticmethod(mse_loss)


class CrossEntropyLoss(_Loss):
    """cross_entropy (from logits) as a module."""
    _fn = staticmethod(cross_entropy)


class NLLLoss(_Loss):
    """nll_loss (from log-probabilities) as a module."""
    _fn = staticmethod(nll_loss)


class BCELoss(_Loss):
    """binary_cross_entropy (from probabilities) as a module."""
    _fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """binary_cross_entropy_with_logits as a module."""
    _fn = staticmethod(binary_cross_entropy_with_logits)


class HingeLoss(_Loss):
    """hinge_loss (labels ±1) as a module."""
    _fn = staticmethod(hinge_loss)
