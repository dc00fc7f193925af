"""PyTorch's other losses, as functions and modules, each with `reduction` ('mean', 'sum', 'none'):

    margin_ranking_loss(x1, x2, y)      max(0, −y·(x1 − x2) + margin)
    cosine_embedding_loss(x1, x2, y)    1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1
    triplet_margin_loss(a, p, n)        max(0, margin + d(a, p) − d(a, n)), d = pairwise_distance
    soft_margin_loss(x, y)              log(1 + e^(−y·x))
    multilabel_soft_margin_loss(x, y)   −mean over classes of w·(y·log σ(x) + (1 − y)·log σ(−x)), per sample
    gaussian_nll_loss(x, y, var)        ½(log var + (x − y)²/var) (+ ½log 2π with full)
    poisson_nll_loss(x, y)              eˣ − y·x (log_input), or x − y·log(x + eps) (+ Stirling's term with full)
    multi_margin_loss(x, y)             Σ_{i≠y} w_y·max(0, margin − x_y + x_i)^p / C
    multilabel_margin_loss(x, y)        Σ_{j∈y} Σ_{i∉y} max(0, 1 − (x_j − x_i)) / C
    hinge_embedding_loss(x, y)          x where y = 1, max(0, margin − x) where y = −1
    triplet_margin_with_distance_loss   triplet_margin_loss with any distance function

Compositions of primitives, with PyTorch's formulas: the hinges are clamps at 0 whose gradient passes AT 0 (as
PyTorch's clamp_min), except multi_margin_loss and multilabel_margin_loss, whose kernels give 0 there (relu), and
gaussian_nll_loss clamps var at eps in value only (PyTorch clamps it under no_grad).
PyTorch's deprecated size_average/reduce arguments stand at PyTorch's positions (loss._legacy_reduction).
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core import DTypeError, ShapeError, Value
from autograd_core.errors import not_broadcastable_into, scalar_type_name
from autograd_core.ops import clip, data_of, exp, relu, where
from autograd_core.ops.special import log1p
from autograd_core.ops.complex import refuse_complex_differentiation, refuse_complex_kernel

from .activation import softplus
from .distance import PairwiseDistance, _clamped_below, pairwise_distance
from .loss_checks import torch_size, broadcast_shapes_or_raise, refuse_integral_soft_margin_input
from .loss import (
    _LegacyLoss, _Loss, _as_value, _check_reduction, _legacy_reduction, _optional_array, _reduce,
    refuse_weight_needing_grad,
)


def _hinge(z):
    """max(z, 0), with gradient 1 at z = 0 (PyTorch's clamp_min)."""
    return clip(z, min=0.0)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, −y·(x1 − x2) + margin): x1 should rank above x2 where y = 1, below where y = −1. Same shapes."""
    who = "margin_ranking_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x1 = _as_value(input1, who)
    x2, y = _as_value(input2, who, like=x1), _as_value(target, who, like=x1)
    if not (x1.ndim == x2.ndim == y.ndim):  # PyTorch's check; shapes of one dimension broadcast
        raise ShapeError(f"{who} : All input tensors should have same dimension but got sizes: input1: "
                         f"{torch_size(x1.shape)}, input2: {torch_size(x2.shape)}, target: {torch_size(y.shape)} ")
    broadcast_shapes_or_raise(x1.shape, x2.shape, who)
    broadcast_shapes_or_raise(np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape)), y.shape, who)
    return _reduce(_hinge(-y * (x1 - x2) + float(margin)), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1 (0 for other labels).

    input1, input2: (N, D) with target (N,), or (D,) with a 0-d target. cos uses PyTorch's
    x1·x2 / √((‖x1‖² + 1e-12)(‖x2‖² + 1e-12))."""
    who = "cosine_embedding_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x1 = _as_value(input1, who)
    x2, y = _as_value(input2, who, like=x1), _as_value(target, who, like=x1)
    if tuple(x1.shape) != tuple(x2.shape) or x1.ndim not in (1, 2) or y.ndim != x1.ndim - 1:
        raise ShapeError(f"{who}: expected input1 and input2 of one shape (N, D) or (D,) and target (N,) or (), got "
                         f"{tuple(x1.shape)}, {tuple(x2.shape)} and {tuple(y.shape)}")
    words = not_broadcastable_into(x1.shape[:-1], y.shape)  # (one label for all the pairs broadcasts, as PyTorch's)
    if words is not None:
        raise ShapeError(f"{words} ({who}: a target of shape {tuple(y.shape)} for inputs of shape {tuple(x1.shape)})")
    axis = x1.ndim - 1
    tiny = 1e-12
    cos = (x1 * x2).sum(axis=axis) / ((((x1 * x1).sum(axis=axis) + tiny) * ((x2 * x2).sum(axis=axis) + tiny)) ** 0.5)
    losses = where(y == 1, 1 - cos, 0.0) + where(y == -1, _hinge(cos - float(margin)), 0.0)
    return _reduce(losses, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) − d(a, n)) with d = pairwise_distance(·, ·, p, eps) over the last axis; swap=True
    uses min(d(a, n), d(p, n)) as the negative distance (Balntas et al., 2016). Inputs (N, D) or (D,)."""
    who = "triplet_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    if not margin > 0:
        raise ValueError(f"{who}: margin must be greater than 0, got {margin}")
    a = _as_value(anchor, who)
    pos, neg = _as_value(positive, who, like=a), _as_value(negative, who, like=a)
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise ShapeError(f"{who}: expected anchor, positive and negative all 1-D (D,) or all 2-D (N, D), got "
                         f"{tuple(a.shape)}, {tuple(pos.shape)} and {tuple(neg.shape)}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_swap = pairwise_distance(pos, neg, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce(_hinge(float(margin) + d_pos - d_neg), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^(−y·x)) with labels y = ±1, computed without overflow; the target broadcasts to the input's shape.
    A target that requires grad gets its gradient, −x·σ(−y·x) (PyTorch's kernel refuses one: here Value(y) requires
    grad by default, and the derivative is plain)."""
    who = "soft_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x = _as_value(input, who)
    y = _as_value(target, who, like=x)
    broadcast_shapes_or_raise(x.shape, y.shape, who)
    grows = not_broadcastable_into(x.shape, y.shape)  # PyTorch's: the target broadcasts into the input's shape
    if grows is not None:
        raise ShapeError(f"{grows} ({who}: a target of shape {tuple(y.shape)} for an input of shape {tuple(x.shape)})")
    refuse_integral_soft_margin_input(x)
    if y.dtype != x.dtype and x.dtype.kind != "c" and y.dtype.kind != "c":
        # PyTorch's result has the input's dtype (a float64 target does not widen it), and −y of a bool or uint8
        # target must not wrap around (−1 as uint8 is 255): the target in the input's dtype, as PyTorch computes it
        y = y.to(x.dtype)
    if x.dtype.kind == "c" or y.dtype.kind == "c":  # PyTorch's complex form: log(1 + e^(−y·x)), without a gradient
        refuse_complex_differentiation(who, x, y)
        return _reduce(log1p(exp(-y * x)), reduction)
    return _reduce(softplus(-y * x, threshold=math.inf), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per sample, −(1/C)·Σ_c w_c·(y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c)): C independent binary problems.
    input, target: (N, C) or (C,) (the target broadcast); weight: (C,), any shape that broadcasts with the losses
    (its gradient too, as PyTorch's composition gives one), or None. The classes are the input's last axis, summed
    after the weight (PyTorch's order). reduction='none' gives (N,) (or a 0-d loss)."""
    refuse_complex_kernel("log_sigmoid_cpu", input)
    who = "multilabel_soft_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x = _as_value(input, who)
    y = _as_value(target, who, like=x)
    broadcast_shapes_or_raise(x.shape, y.shape, who)
    if x.ndim == 0:
        raise ShapeError(f"{who}: input must have a class axis, got a scalar")
    # −log σ(x) = softplus(−x), −log σ(−x) = softplus(x)
    losses = y * softplus(-x, threshold=math.inf) + (1 - y) * softplus(x, threshold=math.inf)
    if weight is not None:
        w = weight if isinstance(weight, Value) else np.asarray(weight, dtype=x.dtype)
        broadcast_shapes_or_raise(losses.shape, np.shape(data_of(w)), who)
        losses = losses * w
    class_axis = x.ndim - 1  # (the input's, where a weight made the losses larger, as PyTorch's)
    return _reduce(losses.sum(axis=class_axis) / x.shape[-1], reduction)


def _var_like_input(var, shape, who):
    """var reshaped as PyTorch's gaussian_nll_loss reads it: the input's shape, the input's shape without its last
    axis (one variance per sample), or the input's shape with one axis of size 1."""
    vshape = tuple(var.shape)
    if vshape == shape:
        return var
    if vshape == shape[:-1]:
        return var.reshape(vshape + (1,))
    if len(vshape) == len(shape) and sum(v for s, v in zip(shape, vshape) if s != v) == 1:
        return var
    raise ShapeError(f"{who}: var of shape {vshape} is of incorrect size for input of shape {shape}")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """½(log max(var, eps) + (input − target)²/max(var, eps)) (+ ½log 2π with full): the negative log-likelihood of
    target under N(input, var). var: a number, the input's shape, or it with the last axis dropped or of size 1.
    The clamp at eps changes the value only, as in PyTorch. Negative var entries raise ValueError."""
    who = "gaussian_nll_loss"
    _check_reduction(reduction, who)
    x = _as_value(input, who)
    y = _as_value(target, who, like=x)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{who}: var has negative entry/entries")
        var = np.full(tuple(x.shape), float(var), x.dtype)
    v = _as_value(var, who, like=x)
    if np.any(v.data < 0):
        raise ValueError(f"{who}: var has negative entry/entries")
    v = _clamped_below(_var_like_input(v, tuple(x.shape), who), eps)
    diff = x - y
    losses = 0.5 * (v.log() + diff * diff / v)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(losses, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Negative log-likelihood of target under Poisson(λ): eˣ − y·x with input x = log λ (log_input=True), else
    λ − y·log(λ + eps). full adds Stirling's approximation of log(y!), y·log y − y + ½log(2πy), where y > 1."""
    who = "poisson_nll_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x = _as_value(input, who)
    y = _as_value(target, who, like=x)
    broadcast_shapes_or_raise(y.shape, x.shape, who)  # PyTorch broadcasts them, without a warning
    losses = x.exp() - y * x if log_input else x - y * (x + float(eps)).log()
    if full:
        big = y > 1
        safe = where(big, y, 1.0)  # log of targets <= 1 never computed
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        losses = losses + where(big, stirling, 0.0)
    return _reduce(losses, reduction)


# ----------------------------------------------------------------------------------------------------
# Modules.


class _ThreeInputLoss(_Loss):
    """A loss of (input1, input2, target); TripletMarginLoss names its three (anchor, positive, negative), as
    PyTorch's forwards do (they can be passed by keyword)."""

    def forward(self, input1, input2, target):
        return self._loss(input1, input2, target)

    def _loss(self, *inputs):
        options = {name: getattr(self, name) for name in self._options}
        return type(self)._fn(*inputs, reduction=self.reduction, **options)


def _refuse_class_indices_not_long(t, target, who):
    """The multi-margin losses' class indices: integers, and int64 when a Value (PyTorch's kernels take Long only)."""
    if t.dtype.kind not in "iu" or isinstance(target, Value) and t.dtype != np.int64:
        raise DTypeError(f"expected scalar type Long but found {scalar_type_name(t.dtype)} ({who}: target must hold "
                         "integer class indices: convert with .long())")


def _class_targets(x, target, who):
    """x as (N, C) and the integer target as (N,) (a 1-D input with a 0-d target is one sample), checked."""
    t = np.asarray(data_of(target))
    _refuse_class_indices_not_long(t, target, who)
    if x.ndim not in (1, 2):
        raise ShapeError(f"{who}: input must be (C,) or (N, C), got shape {tuple(x.shape)}")
    rows = 1 if x.ndim == 1 else x.shape[0]
    if t.size != rows or t.ndim > 1:
        raise ShapeError(f"{who}: target should be 1-D with one class index per sample; expected {rows}, got "
                         f"shape {t.shape}")
    t = t.reshape(rows)
    if t.size and (t.min() < 0 or t.max() >= x.shape[-1]):
        raise RuntimeError(f"{who}: target out of range (classes 0 … {x.shape[-1] - 1}, got {t.tolist()})")
    return t


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge: per sample, Σ_{i ≠ y} w_y · max(0, margin − x_y + x_i)^p / C, p ∈ {1, 2}.

    input (N, C) with target (N,) class indices, or (C,) with a 0-d target; weight (C,) or None.
    reduction='none' gives (N,) (a 0-d loss for one sample). The gradient is 0 at the hinge's kink, as PyTorch's."""
    refuse_complex_kernel("multi_margin_loss_cpu_kernel", input)
    who = "multi_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = _as_value(input, who)
    t = _class_targets(x, target, who)
    scores = x if x.ndim == 2 else x.reshape(1, -1)
    rows, classes = scores.shape
    picked = scores[np.arange(rows), t].reshape(rows, 1)                   # x_y
    others = (np.arange(classes) != t[:, None]).astype(x.dtype)            # i ≠ y
    hinge = relu(float(margin) - picked + scores)
    terms = (hinge if p == 1 else hinge * hinge) * others
    if weight is not None:
        refuse_weight_needing_grad(weight, who)  # PyTorch's kernel takes it as numbers
        w = np.asarray(data_of(weight), dtype=x.dtype)
        if w.shape != (classes,):
            raise ShapeError(f"{who}: inconsistent weight size, expected {classes} but got {list(w.shape)}")
        terms = terms * w[t][:, None]
    losses = terms.sum(axis=1) / classes
    return _reduce(losses if x.ndim == 2 else losses.reshape(()), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge: per sample, Σ_{j ∈ targets} Σ_{i ∉ targets} max(0, 1 − (x_j − x_i)) / C.

    target: integer class indices of input's shape, (N, C) or (C,); a sample's targets are its entries before the
    first −1 (the rest is ignored). reduction='none' gives (N,) (0-d for a 1-D input)."""
    refuse_complex_kernel("multilabel_margin_loss_forward_out_frame", input)
    who = "multilabel_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x = _as_value(input, who)
    t = np.asarray(data_of(target))
    _refuse_class_indices_not_long(t, target, who)
    if x.ndim not in (1, 2) or t.shape != tuple(x.shape):
        raise ShapeError(f"{who}: inconsistent target size: {list(t.shape)} for input of size: "
                         f"{list(x.shape)}")
    scores, t = (x, t) if x.ndim == 2 else (x.reshape(1, -1), t.reshape(1, -1))
    rows, classes = t.shape
    if t.size and (t.min() < -1 or t.max() >= classes):
        raise RuntimeError(f"{who}: target out of range (class indices 0 … {classes - 1}, or −1 to end the list)")
    valid = np.cumprod(t != -1, axis=1).astype(bool)                      # entries before the first −1
    counts = np.zeros((rows, classes), x.dtype)                           # how often each class is a target
    for n in range(rows):
        np.add.at(counts[n], t[n][valid[n]], 1)
    others = (counts == 0).astype(x.dtype)
    margins = relu(1 - scores.reshape(rows, classes, 1) + scores.reshape(rows, 1, classes))   # [n, j, i]
    losses = (margins * (counts[:, :, None] * others[:, None, :])).sum(axis=(1, 2)) / classes
    return _reduce(losses if x.ndim == 2 else losses.reshape(()), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin − x) where y = −1 (x is a distance, y says similar or not). Written as
    PyTorch's: where(y ≠ 1, max(0, margin − x), 0) + where(y ≠ −1, x, 0), so other labels get both terms."""
    who = "hinge_embedding_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    x = _as_value(input, who)
    y = _as_value(target, who, like=x)
    losses = where(y != 1, _hinge(float(margin) - x), 0.0) + where(y != -1, x, 0.0)
    return _reduce(losses, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(0, margin + d(a, p) − d(a, n)) with any distance d(x1, x2) -> per-sample distances (default
    pairwise_distance); swap=True uses min(d(a, n), d(p, n)) as the negative distance. Inputs of one number of
    axes; their shapes are what the distance function accepts."""
    who = "triplet_margin_with_distance_loss"
    _check_reduction(reduction, who)
    if not margin > 0:
        raise ValueError(f"{who}: expected margin to be greater than 0, got {margin} instead")
    a = _as_value(anchor, who)
    pos, neg = _as_value(positive, who, like=a), _as_value(negative, who, like=a)
    if not a.ndim == pos.ndim == neg.ndim:
        raise ShapeError(f"{who}: the anchor, positive, and negative inputs are expected to have the same number "
                         f"of dimensions, but got: anchor {a.ndim}D, positive {pos.ndim}D, and negative "
                         f"{neg.ndim}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_swap = distance(pos, neg)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce(_hinge(float(margin) + d_pos - d_neg), reduction)


class MarginRankingLoss(_ThreeInputLoss):
    """MarginRankingLoss(margin=0.0, size_average=None, reduce=None, reduction='mean'): `margin_ranking_loss` of
    (input1, input2, target)."""
    _fn = staticmethod(margin_ranking_loss)
    _options = ("margin",)

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction=_legacy_reduction(size_average, reduce, reduction), margin=float(margin))


class CosineEmbeddingLoss(MarginRankingLoss):
    """CosineEmbeddingLoss(margin=0.0, size_average=None, reduce=None, reduction='mean'): `cosine_embedding_loss`
    of (input1, input2, target)."""
    _fn = staticmethod(cosine_embedding_loss)


class TripletMarginLoss(_ThreeInputLoss):
    """TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction='mean'):
    `triplet_margin_loss` of (anchor, positive, negative)."""
    _fn = staticmethod(triplet_margin_loss)
    _options = ("margin", "p", "eps", "swap")

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        if not margin > 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, margin=float(margin), p=float(p), eps=float(eps), swap=bool(swap))

    def forward(self, anchor, positive, negative):
        return self._loss(anchor, positive, negative)


class SoftMarginLoss(_LegacyLoss):
    """SoftMarginLoss(size_average=None, reduce=None, reduction='mean'): `soft_margin_loss`."""
    _fn = staticmethod(soft_margin_loss)


class MultiLabelSoftMarginLoss(_Loss):
    """MultiLabelSoftMarginLoss(weight=None, size_average=None, reduce=None, reduction='mean'):
    `multilabel_soft_margin_loss`; weight (C,) is a buffer (in the state dict when set, as PyTorch's)."""
    _fn = staticmethod(multilabel_soft_margin_loss)
    _options = ("weight",)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, weight=None if weight is None else np.asarray(data_of(weight)))


class GaussianNLLLoss(_Loss):
    """GaussianNLLLoss(*, full=False, eps=1e-6, reduction='mean'): `gaussian_nll_loss` of (input, target, var)."""
    _fn = staticmethod(gaussian_nll_loss)
    _options = ("full", "eps")

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction, full=bool(full), eps=float(eps))

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class PoissonNLLLoss(_Loss):
    """PoissonNLLLoss(log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction='mean'):
    `poisson_nll_loss`."""
    _fn = staticmethod(poisson_nll_loss)
    _options = ("log_input", "full", "eps")

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, log_input=bool(log_input), full=bool(full), eps=float(eps))

    def forward(self, log_input, target):  # PyTorch's name for the input, whatever the log_input option says
        return poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """MultiMarginLoss(p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction='mean'):
    `multi_margin_loss`; weight (C,) is a buffer (in the state dict when set, as PyTorch's)."""
    _fn = staticmethod(multi_margin_loss)
    _options = ("p", "margin", "weight")

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, p=p, margin=float(margin), weight=_optional_array(weight))


class MultiLabelMarginLoss(_LegacyLoss):
    """MultiLabelMarginLoss(size_average=None, reduce=None, reduction='mean'): `multilabel_margin_loss`."""
    _fn = staticmethod(multilabel_margin_loss)


class HingeEmbeddingLoss(_Loss):
    """HingeEmbeddingLoss(margin=1.0, size_average=None, reduce=None, reduction='mean'): `hinge_embedding_loss`."""
    _fn = staticmethod(hinge_embedding_loss)
    _options = ("margin",)

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction=_legacy_reduction(size_average, reduce, reduction), margin=float(margin))


class TripletMarginWithDistanceLoss(_Loss):
    """TripletMarginWithDistanceLoss(*, distance_function=None, margin=1.0, swap=False, reduction='mean'):
    `triplet_margin_with_distance_loss` of (anchor, positive, negative)."""
    _fn = staticmethod(triplet_margin_with_distance_loss)
    _options = ("distance_function", "margin", "swap")

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        if not margin > 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        super().__init__(reduction=reduction, margin=float(margin), swap=bool(swap))
        # PyTorch keeps its default distance as a child module, so that it shows in print(loss)
        self.distance_function = PairwiseDistance() if distance_function is None else distance_function

    def forward(self, anchor, positive, negative):
        return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                 margin=self.margin, swap=self.swap, reduction=self.reduction)
