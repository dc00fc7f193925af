"""Connectionist temporal classification (Graves et al., 2006): `ctc_loss` and `CTCLoss`, with PyTorch's arguments.

The loss of a sample is −log p(l | x), the probability of its label sequence l summed over every alignment (a path
of one symbol per time step, blanks allowed, that reads l once repeats are merged and blanks removed). With the
extended label l' = (blank, l₁, blank, l₂, …, l_S, blank) of length 2S + 1, the forward variables in log space are

    α₀(0) = y₀(blank),  α₀(1) = y₀(l₁),  α₀(s) = −∞ for s ≥ 2
    α_t(s) = logsumexp(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) if s is odd and l'_s ≠ l'_{s−2}) + y_t(l'_s)
    log p(l | x) = logsumexp(α_{T−1}(2S), α_{T−1}(2S−1))

with y_t(k) = log_probs[t, k]. The recursion is composed of differentiable ops (one gather of the needed log
probabilities, then per time step a shift, a stack and a logsumexp, batched over the samples), so the gradient is
the engine's (it equals the α-β formula), and forward mode and higher derivatives come with it. −∞ is stood in for
by a large finite negative number, so that no gradient meets −∞ − (−∞); a sample with no alignment at all (fewer
time steps than labels plus repeats) gets an infinite loss, as in PyTorch, or 0 with zero_infinity (with a zero
gradient either way).
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.ops import concatenate, data_of, logsumexp, stack, where
from autograd_core.ops.complex import refuse_complex_kernel

from .loss import _Loss, _check_reduction


def _lengths(lengths, batch, name):
    lengths = np.asarray(data_of(lengths)).reshape(-1)
    if lengths.size != batch:
        raise ShapeError(f"{name} must be of size batch_size")
    if lengths.size and lengths.dtype.kind == "f" and np.any(lengths != np.round(lengths)):
        raise ValueError(f"ctc_loss: {name} must be whole numbers, got {lengths}")
    return lengths.astype(np.int64)


def _label_lists(targets, target_lengths, batch):
    """The label sequence of every sample, from padded (N, S) targets or targets concatenated into one axis."""
    targets = np.asarray(data_of(targets))
    if targets.dtype.kind not in "iuf":
        raise TypeError(f"ctc_loss: targets must hold integer class indices, got {targets.dtype}")
    targets = targets.astype(np.int64)
    if np.any(target_lengths < 0):
        raise RuntimeError("ctc_loss: target_lengths must be non-negative")
    if targets.ndim == 2:
        if targets.shape[0] != batch:
            raise ShapeError(f"ctc_loss: padded targets have {targets.shape[0]} rows for a batch of {batch}")
        if target_lengths.size and target_lengths.max() > targets.shape[1]:
            raise ShapeError(f"Expected tensor to have size at least {target_lengths.max()} at dimension 1, but "
                             f"got size {targets.shape[1]} for argument #2 'targets'")
        return [targets[n, :length] for n, length in enumerate(target_lengths)]
    if targets.ndim == 1:
        ends = np.cumsum(target_lengths)
        if ends.size and ends[-1] > targets.size:
            raise ShapeError(f"ctc_loss: target_lengths sum to {ends[-1]}, but the concatenated targets hold "
                             f"{targets.size} labels")
        return [targets[end - length:end] for end, length in zip(ends, target_lengths)]
    raise ShapeError(f"ctc_loss: targets must be 1-D (concatenated) or 2-D (N, S), got {targets.ndim}-D")


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss of label sequences given per-step log-probabilities over C classes (one of them the blank).

    log_probs: (T, N, C) (log_softmax outputs; unbatched (T, C)). targets: (N, S) padded, or the N label
        sequences concatenated into one axis (Σ target_lengths,); unbatched (S,). Labels are class indices,
        conventionally never the blank.
    input_lengths: (N,) time steps of each sample (≤ T); target_lengths: (N,) labels of each sample. Arrays,
        lists or integer Values.
    reduction: 'mean' (each sample's loss divided by its target length, at least 1, then averaged over the
        batch), 'sum' or 'none' ((N,); unbatched: a scalar). zero_infinity: an impossible sample's infinite loss
        becomes 0.

    Differentiable with respect to log_probs. The gradient is the true derivative of the loss with respect to
    log_probs; PyTorch's differs from it by exp(log_probs) at the steps a sample uses (it is written for inputs
    from log_softmax, for which the two give the same gradient of the logits).
    """
    refuse_complex_kernel("ctc_loss_cpu", log_probs)
    _check_reduction(reduction, "ctc_loss")
    log_probs = log_probs if isinstance(log_probs, Value) else Value(log_probs, requires_grad=False)
    if log_probs.ndim not in (2, 3):
        raise ShapeError(f"ctc_loss: log_probs must be (T, N, C) or unbatched (T, C), got shape {log_probs.shape}")
    batched = log_probs.ndim == 3
    if not batched:
        log_probs = log_probs.reshape((log_probs.shape[0], 1, log_probs.shape[1]))
        targets = np.asarray(data_of(targets)).reshape(1, -1)
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    input_lengths = _lengths(input_lengths, batch, "input_lengths")
    target_lengths = _lengths(target_lengths, batch, "target_lengths")
    if input_lengths.size and (input_lengths.max() > steps or input_lengths.min() < 1):
        bad = input_lengths.max() if input_lengths.max() > steps else input_lengths.min()
        raise RuntimeError(f"Expected input_lengths to have value between 1 and {steps}, but got value {bad}")
    labels = _label_lists(targets, target_lengths, batch)
    for label in labels:
        if label.size and (label.min() < 0 or label.max() >= classes):
            raise IndexError(f"ctc_loss: target label {label.min() if label.min() < 0 else label.max()} is out of "
                             f"range for {classes} classes")

    # Extended labels l' (blank between and around the labels), padded with blanks to one width.
    width = 2 * int(target_lengths.max(initial=0)) + 1
    extended = np.full((batch, width), blank, np.int64)
    for n, label in enumerate(labels):
        extended[n, 1:2 * label.size:2] = label
    position = np.arange(width)
    skip = (position % 2 == 1) & (position >= 2)
    skip = skip & (extended != np.roll(extended, 2, axis=1))          # l'_s ≠ l'_{s−2}
    dtype = log_probs.dtype
    never = np.finfo(dtype).min / 8          # stands in for −∞: a few of them added stay finite
    skip_mask = np.where(skip, 0.0, never).astype(dtype)
    start_mask = np.where(position < 2, 0.0, never).astype(dtype)[None, :]
    front = np.full((batch, 2), never, dtype)

    # The log-probabilities the recursion reads: y[t, n, s] = log_probs[t, n, l'_s].
    y = log_probs[:, np.arange(batch)[:, None], extended]             # (T, N, 2S+1)
    alpha = y[0] + start_mask
    alphas = [alpha]
    for t in range(1, int(input_lengths.max(initial=1))):
        shifted = concatenate([front, alpha], axis=1)                  # shifted[:, s + 2] = α(s)
        paths = stack([alpha, shifted[:, 1:-1], shifted[:, :-2] + skip_mask], axis=0)
        alpha = logsumexp(paths, axis=0) + y[t]
        alphas.append(alpha)

    # Each sample's α at its own last step, at its last two positions (the last label or the final blank).
    samples = np.arange(batch)
    last = stack(alphas, axis=0)[input_lengths - 1, samples]            # (N, 2S+1)
    ends = 2 * target_lengths
    final = stack([last[samples, ends], last[samples, np.maximum(ends - 1, 0)] + np.where(ends > 0, 0.0, never)])
    losses = -logsumexp(final, axis=0)                                 # (N,)

    repeats = np.array([int(np.sum(label[1:] == label[:-1])) for label in labels], np.int64)
    impossible = input_lengths < target_lengths + repeats
    if impossible.any():
        losses = where(impossible, np.zeros((), dtype) if zero_infinity else np.array(np.inf, dtype), losses)
    if reduction == "mean":
        return (losses / np.maximum(target_lengths, 1).astype(dtype)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses if batched else losses[0]


class CTCLoss(_Loss):
    """ctc_loss as a module: CTCLoss(blank=0, reduction='mean', zero_infinity=False);
    forward(log_probs, targets, input_lengths, target_lengths) (shapes as in `ctc_loss`)."""

    _fn = staticmethod(ctc_loss)
    _options = ("blank", "zero_infinity")

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction, blank=int(blank), zero_infinity=bool(zero_infinity))

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=self.blank,
                        reduction=self.reduction, zero_infinity=self.zero_infinity)
