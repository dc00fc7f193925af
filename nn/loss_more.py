"""PyTorch's last two loss modules: NLLLoss2d (deprecated: NLLLoss under another name, which warns) and
LinearCrossEntropyLoss with F.linear_cross_entropy, the cross-entropy of a linear layer's logits:

    logits = input Wᵀ + b,  reshaped (N, C, *out_features);   loss = cross_entropy(logits, target, ...)

PyTorch 2.13 can compute the latter in chunks of the batch to save memory (`options`, a LinearCrossEntropyOptions);
the result is the same, and here it is always computed whole: `options` is accepted and unused.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from autograd_core import ShapeError
from autograd_core.ops import data_of

from .linear import Linear, linear
from .loss import NLLLoss, _WeightedLoss
from .loss_classification import cross_entropy


class NLLLoss2d(NLLLoss):
    """NLLLoss2d(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'): NLLLoss, which
    takes (N, C, H, W) log-probabilities already; deprecated in PyTorch (a FutureWarning at construction)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, W, b) reshaped (..., C, *out_features), target, ...).

    input (N, in_features) or (in_features,); linear_weight (C, *out_features, in_features); linear_bias
    (C, *out_features) or None; target: class indices (N, *out_features) or () (ints), or probabilities of the
    logits' shape (N, C, *out_features); weight (C,), reduction, label_smoothing: as cross_entropy's; ignore_index:
    None means −100 for class indices, and must be None for probabilities. options: PyTorch's chunking choice,
    unused (the whole batch at once gives the same result)."""
    x_shape, w_shape = np.shape(data_of(input)), np.shape(data_of(linear_weight))
    if len(x_shape) not in (1, 2):
        raise ShapeError(f"linear_cross_entropy: expected input with dimensionality 1 or 2, got shape {x_shape}")
    if len(w_shape) < 2:
        raise ShapeError(f"linear_cross_entropy: expected linear_weight with dimensionality at least 2, "
                         f"got shape {w_shape}")
    if x_shape[-1] != w_shape[-1]:
        raise ShapeError("linear_cross_entropy: expected equal input and linear_weight last dimensions "
                         f"(in_features), got {x_shape[-1]} and {w_shape[-1]}, respectively")
    num_classes, out_features, in_features = w_shape[0], tuple(w_shape[1:-1]), w_shape[-1]
    if linear_bias is not None and tuple(np.shape(data_of(linear_bias))) != (num_classes,) + out_features:
        raise ShapeError(f"linear_cross_entropy: expected linear_bias shape {(num_classes,) + out_features}, "
                         f"got {tuple(np.shape(data_of(linear_bias)))}")
    if out_features and len(x_shape) == 1:
        raise ShapeError(f"linear_cross_entropy: K-dimensional loss defined by linear_weight shape {w_shape} "
                         f"requires batched input, (N, {in_features}), got unbatched input with shape {x_shape}")
    logits_shape = tuple(x_shape[:-1]) + (num_classes,) + out_features
    if np.shape(data_of(target)) == logits_shape and ignore_index is not None:
        raise ValueError("linear_cross_entropy: ignore_index cannot be specified when target contains probabilities")
    flat = math.prod(out_features, start=num_classes)
    logits = linear(input, linear_weight.reshape((flat, in_features)),
                    None if linear_bias is None else linear_bias.reshape((flat,)))
    return cross_entropy(logits.reshape(logits_shape), target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)


class LinearCrossEntropyLoss(_WeightedLoss):
    """LinearCrossEntropyLoss(in_features, num_classes, *, out_features=(), bias=False, device=None, dtype=None,
    reduction='mean', weight=None, ignore_index=None, label_smoothing=0.0, options=None, rng=None):
    `linear_cross_entropy` with its own `linear` = Linear(in_features, num_classes·prod(out_features), bias),
    stored flat as PyTorch's (state dict `linear.weight`, `linear.bias`, and `weight` when given).

    forward(input (N, in_features) or (in_features,), target) -> the loss; see linear_cross_entropy. rng: ours
    (see nn.init)."""

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None, dtype=None,
                 reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0, options=None, rng=None):
        if weight is not None and np.shape(data_of(weight)) != (num_classes,):
            raise ShapeError(f"LinearCrossEntropyLoss: expected weight shape to be {(num_classes,)}, "
                             f"got {np.shape(data_of(weight))}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"LinearCrossEntropyLoss: expected label_smoothing to be in range [0, 1], "
                             f"got {label_smoothing}")
        super().__init__(None if weight is None else np.asarray(data_of(weight)), reduction=reduction)
        self.num_classes, self.out_features = num_classes, tuple(out_features)
        self.ignore_index, self.label_smoothing, self.options = ignore_index, label_smoothing, options
        self.linear = Linear(in_features, math.prod(self.out_features, start=num_classes), bias, device, dtype, rng)

    def forward(self, input, target):
        weight = self.linear.weight.reshape((self.num_classes,) + self.out_features + (self.linear.in_features,))
        bias = None if self.linear.bias is None else self.linear.bias.reshape((self.num_classes,) + self.out_features)
        return linear_cross_entropy(input, weight, target, linear_bias=bias, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
