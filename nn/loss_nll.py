"""nll_loss as one primitive, as PyTorch's kernel: `y.grad_fn` is NllLossBackward0 (input (C,) or (N, C)) or
NllLoss2DBackward0 (images (N, C, H, W); other shapes are viewed as (N, C, 1, -1) first, as PyTorch does), over
the log-probabilities. cross_entropy's options (class weights, ignore_index, label smoothing) and images build on it:
log_softmax over the class axis, then this.

With log-probabilities p (classes on axis 1, or axis 0 for one sample), labels y and class weights w:

    ℓₙ = −wₙ·p[n, yₙ],   wₙ = w[yₙ]·[yₙ ≠ ignore_index]   (w = 1 without class weights)
    L = ℓ ('none'), Σℓₙ ('sum'), Σℓₙ / Σwₙ ('mean': nan when every wₙ is 0, with a zero gradient, as PyTorch)
    ∂L/∂p[n, c] = −g'ₙ·wₙ if c = yₙ, else 0      (g'ₙ = g, or gₙ for 'none', or g/Σwₙ for 'mean')

The labels are the second input (a Value without gradient, so a compiled step reads each call's labels); the
class weights are a keyword parameter, constants as PyTorch's (which refuses a weight that requires grad).
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.ops import data_of, primitive, where


def _valid_and_safe(labels, ignore_index):
    """Where the label is not ignore_index, and the labels with ignore_index read as class 0 (weighted 0)."""
    valid = labels != ignore_index
    return valid, np.where(valid, labels, 0)


def _at_labels(p, safe):
    """The index of the entries p[n, yₙ] (classes on axis 1; axis 0 for a single sample (C,)), a tuple of arrays
    (for Values' indexing)."""
    if np.ndim(p) == 1:
        return (safe,)
    index = list(np.indices(safe.shape, sparse=True))
    index.insert(1, safe)  # (N, d...), broadcast with the others' (N, 1...), (1, d1, 1...), ...
    return tuple(index)


def _flat_at_labels(shape, safe):
    """The same entries as positions in the flattened (C-order) array of `shape`: (n·C + yₙ)·S + s for the S
    positions s of a sample's dims (one take and one put on a flat array: several times faster than the index
    tuple's broadcasting on images)."""
    if len(shape) == 1:
        return safe
    n, c = shape[:2]
    s = safe.size // n if n else 0
    rows = np.arange(n, dtype=np.intp).reshape(n, 1) * c
    flat = (rows + safe.reshape(n, s)) * s + np.arange(s, dtype=np.intp)
    return flat.reshape(safe.shape)


def _sample_weights(valid, safe, weight, dtype):
    """Each sample's weight wₙ: w[yₙ] (1 without class weights), 0 where the label is ignored."""
    if weight is None:
        return valid.astype(dtype)
    return weight[safe] * valid


def _scale(g, weights, reduction):
    """g'ₙ·wₙ: the output gradient (or tangent) as each sample's factor (see the module's docstring)."""
    if reduction == "mean":
        total = np.add.reduce(weights, axis=None)
        g = g / (total if total != 0 else total.dtype.type(1))
    return g * weights


@primitive("nll_loss")
def _nll_loss(p, labels, weight=None, ignore_index=-100, reduction="mean"):
    valid, safe = _valid_and_safe(labels, ignore_index)
    weights = _sample_weights(valid, safe, weight, p.dtype)
    losses = -np.ravel(p).take(_flat_at_labels(p.shape, safe)) * weights
    if not valid.all():  # an ignored sample's loss is 0 even where its log-probability is NaN or inf (NaN·0)
        losses = np.where(valid, losses, losses.dtype.type(0))
    if reduction == "none":
        return losses
    total = np.add.reduce(np.ravel(losses), axis=None)
    if reduction == "sum":
        return total
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / np.add.reduce(np.ravel(weights), axis=None)  # 0/0: nan, as PyTorch's


def _nll_loss_vjp(g, out, p, labels, weight=None, ignore_index=-100, reduction="mean"):
    valid, safe = _valid_and_safe(data_of(labels), ignore_index)
    weights = _sample_weights(valid, safe, weight, p.dtype)
    at = _flat_at_labels(p.shape, safe)
    shares = -_scale(g, weights, reduction)  # −g'ₙ·wₙ, one per sample
    if not valid.all():  # an ignored sample's share is 0 even for an infinite or NaN g (0·inf), as PyTorch's kernel
        shares = where(valid, shares, 0)      # skips it
    if isinstance(shares, Value):  # create_graph: a differentiable spread of the shares onto the labels' entries
        onto = np.zeros(p.shape, dtype=p.dtype)
        onto.reshape(-1)[at] = 1
        return onto * (shares if p.ndim == 1 else shares.reshape(shares.shape[:1] + (1,) + shares.shape[1:]))
    grad = np.zeros(p.shape, dtype=np.result_type(p.dtype, shares))
    grad.reshape(-1)[at] = shares
    return grad


def _nll_loss_jvp(t, out, p, labels, weight=None, ignore_index=-100, reduction="mean"):
    valid, safe = _valid_and_safe(data_of(labels), ignore_index)
    weights = _sample_weights(valid, safe, weight, p.dtype)
    per_sample = -t[_at_labels(p, safe)] * weights
    if reduction == "none":
        return per_sample
    total = per_sample.sum()
    if reduction == "sum":
        return total
    sum_w = np.add.reduce(weights, axis=None)
    return total / (sum_w if sum_w != 0 else sum_w.dtype.type(1))


_nll_loss.defvjp(_nll_loss_vjp, None, formulas=("−g·wₙ at each label's entry, 0 elsewhere, ÷Σwₙ for the mean",))
_nll_loss.defjvp(_nll_loss_jvp, None)


def nll_of(logp, labels, weight, ignore_index, reduction):
    """The nll_loss of log-probabilities logp ((C,), (N, C) or (N, C, d1, ...)) and integer labels (an array of the
    samples' shape: (), (N,) or (N, d1, ...)), as PyTorch computes it: one node, on the input itself for up to
    two dims and images (N, C, H, W), on its view as (N, C, 1, -1) for other shapes (the losses viewed back to
    (N, d1, ...) for 'none')."""
    y = Value(labels, requires_grad=False, dtype=labels.dtype)
    shape = tuple(logp.shape)
    if len(shape) <= 2 or len(shape) == 4 or not logp.data.size:
        return _nll_loss(logp, y, weight=weight, ignore_index=ignore_index, reduction=reduction)
    n, c = shape[:2]
    loss = _nll_loss(logp.reshape((n, c, 1, -1)), y.reshape((n, 1, -1)), weight=weight, ignore_index=ignore_index,
                     reduction=reduction)
    return loss.reshape((n,) + shape[2:]) if reduction == "none" else loss
