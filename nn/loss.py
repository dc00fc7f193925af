"""Loss functions (`mse_loss`, `cross_entropy`, ...) and the same as modules (`MSELoss()`, ...).

Each takes `reduction`: 'mean' (the default) averages the per-element losses, 'sum' adds them, 'none'
returns them. MSE, smooth L1, Huber and the binary cross-entropies (weights and pos_weight included) are one
primitive each, reduction included, as PyTorch's kernels (loss_kernels.py: their rules side by side, and
`grad_fn` is PyTorch's MseLossBackward0, ...); cross-entropy is one primitive with its textbook gradient
(softmax − onehot), stable where the naive composition overflows, and nll_loss one too (loss_nll.py); cross-entropy's
options (class weights, ignored labels, label smoothing) are nll_loss of log_softmax, as PyTorch's. mse and l1's
elementwise weight, Huber's weight, L1 and KL divergence are compositions of primitives. Cross-entropy and NLL live
in loss_classification.py.
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd_core import ArgumentError, ShapeError
from autograd_core import Value, is_grad_enabled
from autograd_core.errors import not_broadcastable_into
from autograd_core.jit import replay_requires
from autograd_core.ops import abs, data_of, exp, relu, stack
from autograd_core.ops.complex import complex_dtype_among, refuse_complex, refuse_complex_kernel
from autograd_core.ops.special_more import xlogy

from .loss_checks import (broadcast_shapes_or_raise, broadcast_target, check_binary_cross_entropy_target,
                          check_logits_target, refuse_all_integral_kernel, refuse_class_weight_of_another_dtype,
                          refuse_float_result_into_integer_input, refuse_integral_kernel, refuse_integral_kl_div,
                          refuse_other_target_size)
from .loss_kernels import (_bce_with_logits, _binary_cross_entropy, _huber_loss, _mse_loss,
                           _smooth_l1_loss)
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
        raise ValueError(f"{reduction} is not a valid value for reduction ({who}: reduction must be 'mean', 'sum' or "
                         "'none')")


def _legacy_reduction(size_average, reduce, reduction):
    """The reduction PyTorch's deprecated size_average and reduce arguments ask for (each None: not given).

    They stand at PyTorch's positions in every loss so that a positional call means what it means in PyTorch. When
    either is given it overrides `reduction`, with PyTorch's warning: reduce=False gives 'none'; otherwise
    size_average=False gives 'sum', and 'mean' else."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is not None and not reduce:
        legacy = "none"
    elif size_average is not None and not size_average:
        legacy = "sum"
    else:
        legacy = "mean"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{legacy}' instead.",
                  UserWarning, stacklevel=3)
    return legacy


def _weighted_mean_or(losses, weight, reduction, who, divide_by_weights):
    """losses·weight reduced, for mse_loss, l1_loss and huber_loss's elementwise `weight` (PyTorch's): the same
    shape as the input (a ValueError otherwise), differentiable. 'mean' divides by Σweight when divide_by_weights
    (mse, l1), by the number of elements otherwise (huber), as PyTorch's."""
    w = _as_value(weight, who, like=losses)
    if tuple(w.shape) != tuple(losses.shape):
        raise ShapeError(f"{who}: weight of shape {tuple(w.shape)} and input of shape {tuple(losses.shape)} must "
                         "have the same size")
    weighted = losses * w
    if reduction == "mean" and divide_by_weights:
        return weighted.sum() / w.sum()
    return _reduce(weighted, reduction)


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
        raise ShapeError(f"{who}: input of shape {tuple(input.shape)} and target of shape "
                         f"{tuple(target.shape)} must have the same shape")


# ----------------------------------------------------------------------------------------------------
# Regression and margins.


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input − target)², reduced. input, target: the same shape (another target shape warns, as PyTorch's, and both
    are broadcast: a (N, 1) output against (N,) targets compares every pair; integers against integers are
    refused). weight (optional, the input's shape): each
    element's loss times its weight; 'mean' is then Σ w·(x − y)² / Σ w. size_average, reduce: deprecated, as
    PyTorch's (they override reduction when given)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    input = _as_value(input, "mse_loss")
    target = _as_value(target, "mse_loss", like=input)
    refuse_complex("mse_loss", input, target)  # PyTorch's kernel takes real numbers only
    refuse_all_integral_kernel("mse_cpu", input, target)
    input, target = broadcast_target(input, target, "mse_loss")
    if weight is not None:
        diff = input - target
        return _weighted_mean_or(diff * diff, weight, reduction, "mse_loss", divide_by_weights=True)
    return _mse_loss(input, target, reduction=reduction)  # one node, MseLossBackward0


def hinge_loss(scores, target, reduction="mean"):
    """max(0, 1 − y·score), reduced: the SVM "max-margin" loss of micrograd's demo.

    scores: (N,) (or a list of scalar Values); target: (N,) with labels in {−1, +1}.
    """
    _check_reduction(reduction, "hinge_loss")
    scores = _as_value(scores, "hinge_loss")
    y = np.asarray(data_of(target))
    if tuple(y.shape) != tuple(scores.shape):
        raise ShapeError(f"hinge_loss: scores of shape {tuple(scores.shape)} and target of shape {y.shape} "
                         "must have the same shape")
    if not _plus_minus_one(y):
        raise ValueError(f"hinge_loss: target labels must be -1 or +1, got values {np.unique(y)[:5]}")
    replay_requires(_plus_minus_one, y)  # a compiled step checks each call's labels too
    # The labels as a Value of the scores' dtype (a recorded conversion): not a converted copy, which a compiled step
    # would keep as a constant.
    return _reduce(relu(1 - scores * _as_value(target, "hinge_loss", like=scores)), reduction)


def _plus_minus_one(y):
    """Whether every label is -1 or +1."""
    return not y.size or bool(np.all(np.abs(y) == 1))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input − target|, reduced (gradient sign(input − target), 0 where equal). Same shapes (another target shape
    warns and broadcasts, as in mse_loss). weight (optional, the
    input's shape): each element's loss times its weight; 'mean' is then Σ w·|x − y| / Σ w. size_average, reduce:
    deprecated, as PyTorch's."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
    input = _as_value(input, "l1_loss")
    target = _as_value(target, "l1_loss", like=input)
    input, target = broadcast_target(input, target, "l1_loss")
    if weight is not None:
        return _weighted_mean_or(abs(input - target), weight, reduction, "l1_loss", divide_by_weights=True)
    return _reduce(abs(input - target), reduction)


def _quadratic_then_linear(who, kernel, input, target, reduction, width, **params):
    """kernel(input, target, reduction, **params): smooth L1's or Huber's primitive, after PyTorch's checks."""
    _check_reduction(reduction, who)
    if not width >= 0:
        raise ValueError(f"{who}: the width of the quadratic zone must be >= 0, got {width}")
    input = _as_value(input, who)
    target = _as_value(target, who, like=input)
    refuse_complex(who, input, target)  # PyTorch's kernels take real numbers only
    refuse_all_integral_kernel(f"{who.removesuffix('_loss')}_cpu", input, target)
    if who == "huber_loss":  # PyTorch's Huber kernel writes into a tensor of the input's dtype; smooth L1's promotes
        refuse_float_result_into_integer_input(input, target)
        if target.dtype != input.dtype and input.dtype.kind == "f":
            target = target.to(input.dtype)
    input, target = broadcast_target(input, target, who, stacklevel=4)
    return kernel(input, target, reduction=reduction, **params)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """½(x − y)²/beta where |x − y| < beta, else |x − y| − ½beta; beta = 0 is the L1 loss. size_average, reduce:
    deprecated, as PyTorch's."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    beta = float(beta)
    return _quadratic_then_linear("smooth_l1_loss", _smooth_l1_loss, input, target, reduction, beta, beta=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """½(x − y)² where |x − y| < delta, else delta·(|x − y| − ½delta): delta·smooth_l1 with beta = delta.
    weight (optional, the input's shape): each element's loss times its weight ('mean' stays the mean over the
    elements, as PyTorch's)."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    delta = float(delta)
    if weight is not None:
        _check_reduction(reduction, "huber_loss")
        losses = _quadratic_then_linear("huber_loss", _huber_loss, input, target, "none", delta, delta=delta)
        return _weighted_mean_or(losses, weight, reduction, "huber_loss", divide_by_weights=False)
    return _quadratic_then_linear("huber_loss", _huber_loss, input, target, reduction, delta, delta=delta)


_KL_DIV_MEAN = ("reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' "
                "divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed "
                "to behave the same as 'batchmean' in the next major release.")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target ‖ q) pointwise, with input = log q (log-probabilities, as PyTorch):

        t·log t − t·input              (xlogy: 0 where t = 0),   or with log_target: eᵗ·(t − input)

    reduction: 'mean' over all elements, 'batchmean' (the sum divided by the batch size, input.shape[0]:
    the true KL divergence per sample), 'sum' or 'none'; 'mean', the default, warns as PyTorch's does. input and
    target broadcast together (as PyTorch's, without a warning); integers and bools are refused. size_average,
    reduce: deprecated, as PyTorch's.
    """
    if complex_dtype_among(input, target) is not None:
        raise RuntimeError("kl_div: Complex inputs not supported.")
    who = "kl_div"
    if reduction == "mean" and size_average is None and reduce is None:  # the default: PyTorch's warning
        warnings.warn(_KL_DIV_MEAN, UserWarning, stacklevel=2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction ({who}: reduction must be 'mean', "
                         "'batchmean', 'sum' or 'none')")
    input = _as_value(input, who)
    target = _as_value(target, who, like=input)
    refuse_integral_kl_div(input, target)
    broadcast_shapes_or_raise(target.shape, input.shape, who)  # PyTorch broadcasts them, without a warning
    if log_target:
        losses = exp(target) * (target - input)
    else:  # PyTorch's formula: xlogy(t, t) is 0 at t = 0, NaN for t < 0; its gradient log t + t/t is NaN at t = 0
        losses = xlogy(target, target) - target * input
    if reduction == "batchmean":
        n = input.shape[0] if len(input.shape) else 1
        return losses.sum() / n
    return _reduce(losses, reduction)


# ----------------------------------------------------------------------------------------------------
# Two classes: probabilities or logits.

def refuse_weight_needing_grad(weight, function, what="weight"):
    """PyTorch's error for a weight that requires grad (with grad mode on) passed to a loss kernel that does not
    differentiate it (`function` is the kernel's name in PyTorch's words): its gradient would silently stay None."""
    if isinstance(weight, Value) and weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument '{what}'. "
                           "This input cannot have requires_grad True.")


def _constant_weight(weight, input, who, what="weight"):
    """weight (None, a number, an array or a Value that does not require grad: PyTorch's kernels refuse one that
    does) as an array of the input's dtype that broadcasts to its shape, for the kernels' keyword parameters."""
    if weight is None:
        return None
    refuse_weight_needing_grad(weight, who, what)
    w = np.asarray(data_of(weight), dtype=input.dtype)
    try:
        np.broadcast_shapes(w.shape, tuple(input.shape))
    except ValueError:
        raise ShapeError(f"{who}: {what} of shape {w.shape} does not broadcast to the input's shape "
                         f"{tuple(input.shape)}") from None
    grows = not_broadcastable_into(input.shape, w.shape)  # PyTorch's kernels write the loss into the input's shape
    if grows is not None:
        raise ShapeError(f"{grows} ({who}: {what} of shape {w.shape} for an input of shape {tuple(input.shape)})")
    return w


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """−w·(y log p + (1 − y) log(1 − p)), reduced. input: probabilities p in [0, 1]; target y: same shape;
    weight: broadcastable to that shape (a rescaling of each element's loss). size_average, reduce: deprecated, as
    PyTorch's."""
    refuse_complex_kernel("binary_cross_entropy", input)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    input = _as_value(input, "binary_cross_entropy")
    given = target
    target = _as_value(target, "binary_cross_entropy", like=input)
    refuse_other_target_size(input, target, logits=False)
    check_binary_cross_entropy_target(input, given)
    refuse_integral_kernel("binary_cross_entropy", input, hint=" (binary_cross_entropy: the input must hold "
                           "probabilities, floating point)")
    pd = input.data
    if not _probabilities(pd):
        raise ArgumentError(f"all elements of input should be between 0 and 1 (binary_cross_entropy: got values in "
                            f"[{np.min(pd):.4g}, {np.max(pd):.4g}]; use binary_cross_entropy_with_logits for logits)")
    replay_requires(_probabilities, pd)  # a compiled step checks each call's input too (and records, so raises, if not)
    # (A target outside [0, 1] is taken, where PyTorch refuses it: finite differences of the target's gradient at 0
    # and 1 step outside, tests/test_nn_primitives.py.)
    weight = _constant_weight(weight, input, "binary_cross_entropy")
    return _binary_cross_entropy(input, target, weight=weight, reduction=reduction)  # BinaryCrossEntropyBackward0


def _probabilities(p):
    """Whether every element of p is in [0, 1] (nan is not, as PyTorch's check)."""
    return not p.size or bool(np.min(p) >= 0 and np.max(p) <= 1)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target) computed stably from logits. Same shapes.

    weight: broadcastable to the input (each element's loss rescaled). pos_weight: broadcastable to the
    input, typically (C,) over the last axis: the weight of the positive term, as PyTorch,

        ℓ = −w·(pos_weight·y·log σ(x) + (1 − y)·log(1 − σ(x)))
          = w·((1 − y)·x + (1 + (pos_weight − 1)·y)·log(1 + e⁻ˣ))

    size_average, reduce: deprecated, as PyTorch's.
    """
    refuse_complex_kernel("log_sigmoid_cpu", input)
    who = "binary_cross_entropy_with_logits"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    input = _as_value(input, who)
    target = _as_value(target, who, like=input)
    refuse_other_target_size(input, target, logits=True)
    check_logits_target(input, target)
    weight = _constant_weight(weight, input, who)
    pos_weight = _constant_weight(pos_weight, input, who, "pos_weight")
    return _bce_with_logits(input, target, weight=weight, pos_weight=pos_weight, reduction=reduction)


# ----------------------------------------------------------------------------------------------------
# Modules: loss(input, target).

from .loss_classification import cross_entropy, nll_loss  # noqa: E402  (it builds on the helpers above)


class _Loss(Module):
    """A loss function as a module: options given to the constructor, (input, target) to the call.

    The public losses take PyTorch's arguments in PyTorch's order, including the deprecated `size_average` and
    `reduce` (None: not given; see `_legacy_reduction`), so that a positional call means what it means there. So does
    this base (`nn.modules.loss._Loss`), for custom losses written PyTorch's way: `super().__init__(size_average,
    reduce, reduction)` or `super().__init__(reduction=...)`, with their own `forward`. The library's losses pass
    their options by keyword."""

    _fn = None
    _options = ()  # the function's keyword options, besides reduction

    def __init__(self, size_average=None, reduce=None, reduction="mean", **options):
        reduction = _legacy_reduction(size_average, reduce, reduction)
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction
        for name, value in options.items():
            if name in ("weight", "pos_weight"):
                self.register_buffer(name, value)  # in the state dict when set, as PyTorch's loss buffers
                _keep_value_needing_grad(self, name, value)
            else:
                setattr(self, name, value)

    def forward(self, input, target):
        options = {name: _option(self, name) for name in self._options}
        return type(self)._fn(input, target, reduction=self.reduction, **options)

    # No extra_repr: PyTorch prints a loss as `MSELoss()` whatever its options.


def _keep_value_needing_grad(loss, name, value):
    """A weight that requires grad is kept beside its buffer (an array, as every buffer here): PyTorch's buffer is the
    tensor itself, so that the call refuses it where the kernel takes it as numbers (PyTorch's error: labels,
    binary cross-entropies) and differentiates it where it is a factor (cross_entropy with probabilities)."""
    if isinstance(value, Value) and value.requires_grad:
        object.__setattr__(loss, f"_{name}_needing_grad", (getattr(loss, name), value))


def _option(loss, name):
    """The module's option `name` for the call: the weight Value given at construction while its buffer is the one
    registered then (not replaced since), else the attribute."""
    option = getattr(loss, name)
    kept = vars(loss).get(f"_{name}_needing_grad")
    return kept[1] if kept is not None and kept[0] is option else option


class _WeightedLoss(_Loss):
    """PyTorch's `nn.modules.loss._WeightedLoss`, the base of its losses with class weights, which custom losses
    subclass (`class FocalLoss(_WeightedLoss)`, `super().__init__(weight, reduction=reduction)`): `weight` is a buffer
    (None when not given), in the state dict when set."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class _LegacyLoss(_Loss):
    """A loss whose constructor is PyTorch's (size_average=None, reduce=None, reduction='mean')."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction=_legacy_reduction(size_average, reduce, reduction))


def _optional_array(value):
    """None, a Value (kept: see `_keep_value_needing_grad`), or the value as an array."""
    return value if value is None or isinstance(value, Value) else np.asarray(value)


class MSELoss(_LegacyLoss):
    """mse_loss as a module."""
    _fn = staticmethod(mse_loss)


class L1Loss(_LegacyLoss):
    """l1_loss (mean absolute error) as a module."""
    _fn = staticmethod(l1_loss)


class SmoothL1Loss(_Loss):
    """smooth_l1_loss(beta) as a module."""
    _fn = staticmethod(smooth_l1_loss)
    _options = ("beta",)

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        super().__init__(reduction=_legacy_reduction(size_average, reduce, reduction), beta=float(beta))


class HuberLoss(_Loss):
    """huber_loss(delta) as a module."""
    _fn = staticmethod(huber_loss)
    _options = ("delta",)

    def __init__(self, reduction="mean", delta=1.0):
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta}")
        super().__init__(reduction=reduction, delta=float(delta))


class KLDivLoss(_Loss):
    """kl_div as a module: KLDivLoss(size_average=None, reduce=None, reduction='mean', log_target=False); input:
    log-probabilities.
    PyTorch recommends reduction='batchmean' (the true KL divergence per sample)."""
    _fn = staticmethod(kl_div)
    _options = ("log_target",)

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        reduction = _legacy_reduction(size_average, reduce, reduction)
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', not {reduction!r}")
        self.reduction, self.log_target = reduction, bool(log_target)


class CrossEntropyLoss(_Loss):
    """cross_entropy (from logits) as a module: CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100,
    reduce=None, reduction='mean', label_smoothing=0.0)."""
    _fn = staticmethod(cross_entropy)
    _options = ("weight", "ignore_index", "label_smoothing")

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        if not 0.0 <= label_smoothing <= 1.0:
            raise ArgumentError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing} "
                                "(CrossEntropyLoss)")
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, weight=_optional_array(weight), ignore_index=int(ignore_index),
                         label_smoothing=float(label_smoothing))
        self._weight_of_value = isinstance(weight, Value)

    def forward(self, input, target):  # noqa: A002
        refuse_class_weight_of_another_dtype(self, input, target, "cross_entropy")
        return super().forward(input, target)


class NLLLoss(_Loss):
    """nll_loss (from log-probabilities) as a module: NLLLoss(weight=None, size_average=None, ignore_index=-100,
    reduce=None, reduction='mean')."""
    _fn = staticmethod(nll_loss)
    _options = ("weight", "ignore_index")

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, weight=_optional_array(weight), ignore_index=int(ignore_index))
        self._weight_of_value = isinstance(weight, Value)

    def forward(self, input, target):  # noqa: A002
        refuse_class_weight_of_another_dtype(self, input, target, "nll_loss")
        return super().forward(input, target)


class BCELoss(_Loss):
    """binary_cross_entropy (from probabilities) as a module: BCELoss(weight=None, size_average=None, reduce=None,
    reduction='mean')."""
    _fn = staticmethod(binary_cross_entropy)
    _options = ("weight",)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction=_legacy_reduction(size_average, reduce, reduction), weight=_optional_array(weight))


class BCEWithLogitsLoss(_Loss):
    """binary_cross_entropy_with_logits as a module: BCEWithLogitsLoss(weight=None, size_average=None, reduce=None,
    reduction='mean', pos_weight=None)."""
    _fn = staticmethod(binary_cross_entropy_with_logits)
    _options = ("weight", "pos_weight")

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        reduction = _legacy_reduction(size_average, reduce, reduction)
        super().__init__(reduction=reduction, weight=_optional_array(weight), pos_weight=_optional_array(pos_weight))


class HingeLoss(_Loss):
    """hinge_loss (labels ±1) as a module."""
    _fn = staticmethod(hinge_loss)

    def __init__(self, reduction="mean"):  # this library's own loss: no legacy arguments before reduction
        super().__init__(reduction=reduction)
