"""PyTorch's top-level names for nn.functional's functions: `torch.conv2d`, `torch.layer_norm`, `torch.dropout`,
`torch.kl_div`, `torch.embedding`, ...

PyTorch code calls these without going through `torch.nn.functional` (old scripts, code written against ATen's
operator names). Where PyTorch's top-level function takes F's arguments in F's order, the name here is F's function
itself. Where it does not, a thin adapter with PyTorch's signature calls F's:

* losses take `reduction` as ATen's integer (0 none, 1 mean, 2 sum), not a string, and reduce nothing by default,
  as PyTorch's top-level losses do (see below);
* `dropout(input, p, train)` and its variants need `train` (no default);
* `batch_norm` and `instance_norm` take (input, weight, bias, running_mean, running_var, ...), all positional;
* `embedding(weight, indices, padding_idx=-1, ...)` has the weight first and -1 for "no padding row";
* the pools have no `return_indices` (`adaptive_max_pool1d` always returns (values, indices));
* `layer_norm`, `group_norm` and the others take PyTorch's cudnn flag and ignore it (there is no cuDNN here).

The package loads this module on first use of one of its names (the core does not import nn).
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from .dropout import _feature_dropout as _channel_dropout  # (N, C, *spatial) masks, as dropout1d/2d/3d draw them

# The same arguments in the same order as PyTorch's top-level function: F's function itself.
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d
adaptive_avg_pool1d, rms_norm, bilinear = F.adaptive_avg_pool1d, F.rms_norm, F.bilinear
pixel_shuffle, pixel_unshuffle, channel_shuffle = F.pixel_shuffle, F.pixel_unshuffle, F.channel_shuffle
cosine_similarity, pairwise_distance, pdist = F.cosine_similarity, F.pairwise_distance, F.pdist

# ATen's Reduction enum, which PyTorch's top-level losses take.
_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction, who):
    """ATen's integer reduction as F's string: 0 'none', 1 'mean', 2 'sum'."""
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{who}(): argument 'reduction' must be int (0 none, 1 mean, 2 sum), not "
                        f"{type(reduction).__name__}; nn.functional.{who} takes the string")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}(): reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction}")
    return _REDUCTIONS[reduction]


def _stride(stride):
    # ATen's default stride=[] means "the kernel size", F's None
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) else stride


# ----------------------------------------------------------------------------------------------------
# Pooling: PyTorch's top-level pools have no return_indices.


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max over windows along L: (N, C, L) -> (N, C, Lo), or (C, L) -> (C, Lo); stride () is the kernel size.
    F.max_pool1d without return_indices, as torch.max_pool1d."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """max_pool1d and the flat index along L of each window's maximum: (values, indices), as
    F.max_pool1d(..., return_indices=True)."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max over windows: (N, C, H, W) -> (N, C, Ho, Wo), or without N; stride () is the kernel size.
    F.max_pool2d without return_indices, as torch.max_pool2d."""
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max over windows: (N, C, D, H, W) -> (N, C, Do, Ho, Wo), or without N; stride () is the kernel size.
    F.max_pool3d without return_indices, as torch.max_pool3d."""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows along L: (N, C, L) -> (N, C, Lo), or (C, L) -> (C, Lo); stride () is the kernel size."""
    return F.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


def adaptive_max_pool1d(input, output_size):
    """Max over `output_size` adaptive bins along L: (N, C, L) -> (N, C, o), or (C, L) -> (C, o). Always returns
    (values, indices), as torch.adaptive_max_pool1d (F's returns the values unless return_indices=True)."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# ----------------------------------------------------------------------------------------------------
# Dropout: `train` is required, as in ATen.


def dropout(input, p, train):
    """input ⊙ m / (1 − p), m ~ Bernoulli(1 − p), when `train`; input itself otherwise (F.dropout; same shape)."""
    return F.dropout(input, p, train)


def alpha_dropout(input, p, train):
    """SELU's dropout when `train` (mean and variance kept); input itself otherwise (F.alpha_dropout)."""
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    """alpha_dropout of whole channels of (N, C, *) input when `train`; input itself otherwise."""
    return F.feature_alpha_dropout(input, p, train)


def feature_dropout(input, p, train):
    """Zero whole channels of (N, C, *) input, each with probability p, and scale the rest by 1/(1 − p), when
    `train`: a mask of shape (N, C, 1, ...), as ATen's (a 2-D input is masked element by element; fewer than 2
    dimensions raise). input itself when not training."""
    return _feature_dropout_aten(input, p, train, inplace=False)


def feature_dropout_(input, p, train):
    """feature_dropout written into input, which is returned."""
    return _feature_dropout_aten(input, p, train, inplace=True)


def _feature_dropout_aten(input, p, train, inplace):
    ndim = np.ndim(input.data if hasattr(input, "data") else input)
    if ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if ndim == 2:  # (N, C): one draw per element
        return F.dropout(input, p, train, inplace=inplace)
    return _channel_dropout("feature_dropout", input, p, train, None, ndim - 2, inplace)


def dropout_(input, p, train):
    """dropout written into input, which is returned (the in-place rules of autograd_core.inplace)."""
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p, train):
    """alpha_dropout written into input, which is returned."""
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input, p, train):
    """feature_alpha_dropout written into input, which is returned."""
    return F.feature_alpha_dropout(input, p, train, inplace=True)


# ----------------------------------------------------------------------------------------------------
# Normalisation: PyTorch's argument order, the cudnn flag accepted and ignored.


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """(input − mean) / sqrt(var + eps) over the last len(normalized_shape) dims, then · weight + bias (each of
    shape normalized_shape, or None). Same shape as input. cudnn_enable: accepted, nothing to enable here."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """Normalise (N, C, *) input over each of num_groups groups of C / num_groups channels, then · weight + bias
    ((C,) or None). Same shape as input. cudnn_enabled: accepted and ignored."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """Batch normalisation of (N, C, *) input per channel, in ATen's argument order (weight and bias before the
    running statistics; all required, each (C,) or None). training=True normalises with the batch's statistics and
    updates running_mean/running_var in place (if given) with `momentum`; False uses them. Same shape as input."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    """Instance normalisation of (N, C, *spatial) input (each instance and channel over its spatial axes), in
    ATen's argument order (all required; weight, bias, running statistics (C,) or None). Same shape as input."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """weight[indices]: (num, dim) rows looked up by integer indices (...) -> (..., dim), weight first (F's
    embedding takes the indices first). padding_idx: a row that gets no gradient; ATen's -1 (any negative) means
    none, as F.embedding turns its own negative padding_idx into a row number before calling this."""
    padding_idx = None if padding_idx is None or padding_idx < 0 else padding_idx
    return F.embedding(indices, weight, padding_idx, None, 2.0, scale_grad_by_freq, sparse)


# ----------------------------------------------------------------------------------------------------
# Losses: reduction as ATen's integer, 0 none, 1 mean, 2 sum. Left out, it is 0 (no reduction), as PyTorch computes:
# its stubs and schemas say 1, but the default written `reduction=Mean` in ATen's schema reaches torch.* as 0
# (`torch.kl_div(a, b)` has a's shape); F's losses, which pass it explicitly, average by default.


def kl_div(input, target, reduction=0, *, log_target=False):
    """target · (log target − input) summed per `reduction` (input: log-probabilities; target: probabilities, or
    log-probabilities when log_target). 0 (the default) keeps input's shape; 1 (mean) averages over every element,
    as F.kl_div's 'mean'; 2 sums."""
    return F.kl_div(input, target, reduction=_reduction(reduction, "kl_div"), log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """−[pos_weight · target · log σ(input) + (1 − target) · log(1 − σ(input))] · weight, elementwise, then
    reduced (0 none: input's shape; 1 mean; 2 sum). ATen's order: pos_weight before reduction."""
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(
        reduction, "binary_cross_entropy_with_logits"), pos_weight=pos_weight)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """max(0, −target · (input1 − input2) + margin), elementwise (target ±1), then reduced (0, 1 or 2)."""
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction(reduction, "margin_ranking_loss"))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """input where target is 1, max(0, margin − input) where it is −1, then reduced (0, 1 or 2)."""
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction, "hinge_embedding_loss"))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """1 − cos(input1, input2) where target is 1, max(0, cos − margin) where it is −1, per row of (N, D) inputs,
    then reduced (0: (N,), 1 mean, 2 sum)."""
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction(reduction, "cosine_embedding_loss"))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    """max(d(anchor, positive) − d(anchor, negative) + margin, 0) per row of (N, D) inputs, with d the p-norm
    pairwise distance (swap: the smaller of d(a, n) and d(p, n)), then reduced (0: (N,), 1 mean, 2 sum)."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction(reduction, "triplet_margin_loss"))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """Poisson negative log-likelihood of target given rate input (exp(input) − target · input when log_input,
    else input − target · log(input + eps); full adds Stirling's term), then reduced; every argument required,
    as in ATen."""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction(reduction, "poisson_nll_loss"))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    """Connectionist temporal classification loss of (T, N, C) log-probabilities against targets, as F.ctc_loss
    with reduction an integer: 0 none ((N,)), 1 mean (each loss divided by its target length, then averaged),
    2 sum."""
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                      _reduction(reduction, "ctc_loss"), zero_infinity)
