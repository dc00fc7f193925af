"""Similarities and distances between two batches of vectors: `cosine_similarity`, `pairwise_distance` and their
modules `CosineSimilarity`, `PairwiseDistance` (PyTorch's formulas, including where eps enters).

    cosine_similarity(x1, x2, dim) = Σ_dim (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps))
    pairwise_distance(x1, x2, p)  = ‖x1 − x2 + eps‖_p over the last axis

Compositions of primitives. As in PyTorch, the clamp at eps shifts the value only: the gradient flows through
‖x‖ as if it were not clamped, and the gradient of ‖x‖ at x = 0 is 0 (not 0/0).
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.ops import sqrt, where, without_gradient
from autograd_core.ops.complex import refuse_complex

from .module import Module


def _as_value(x):
    return x if isinstance(x, Value) else Value(np.asarray(x), requires_grad=False)


def norm2(x, axis, keepdims=False):
    """√(Σ |x|²) along `axis`, with gradient x/‖x‖, and 0 where ‖x‖ = 0 (PyTorch's subgradient there)."""
    squares = (x * x if x.dtype.kind != "c" else (x * x.conj()).real).sum(axis=axis, keepdims=keepdims)
    zero = squares == 0  # (not `squares > 0`: a NaN norm stays NaN, as PyTorch's)
    return where(zero, 0.0, sqrt(where(zero, 1.0, squares)))  # no 0/0 in the gradient at 0


def _lift_to(norm, eps):
    """max(norm, eps) − norm: what lifts a norm below eps to eps (data only; it carries no gradient). 0 at and above
    eps, written so: max(inf, eps) − inf would be NaN (gaussian_nll_loss's var = inf is then inf, as PyTorch's)."""
    return np.where(norm < eps, eps - norm, 0.0)


def _clamped_below(norm, eps):
    """max(norm, eps) in value, with the gradient of `norm` itself (PyTorch clamps its norms under no_grad)."""
    return norm + without_gradient(_lift_to, norm, float(eps))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along `dim` (x1 and x2 broadcast together): the result has
    their broadcast shape without `dim`. Each norm is clamped below at eps."""
    x1, x2 = _as_value(x1), _as_value(x2)
    refuse_complex("cosine_similarity", x1, x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(f"cosine_similarity: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} "
                         "cannot be broadcast together") from None
    ndim = max(len(shape), 1)
    if not -ndim <= dim < ndim:
        raise IndexError(f"cosine_similarity: dim {dim} is out of range for inputs of {len(shape)} dimensions")
    if x1.shape != shape:
        x1 = x1.expand(*shape)
    if x2.shape != shape:
        x2 = x2.expand(*shape)
    n1 = _clamped_below(norm2(x1, dim, keepdims=True), eps)
    n2 = _clamped_below(norm2(x2, dim, keepdims=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(axis=dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x1 − x2 + eps‖_p over the last axis (x1, x2 broadcast together): (N, D), (N, D) -> (N,) ((N, 1) with
    keepdim). p = 2 is Euclidean, p = inf the largest |difference|, p = 0 the number of non-zero differences (no
    gradient), other p > 0 (Σ|d|^p)^(1/p)."""
    x1, x2 = _as_value(x1), _as_value(x2)
    try:
        np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(f"pairwise_distance: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} "
                         "cannot be broadcast together") from None
    # (two 0-d inputs: their last axis is the 0-d one itself, ‖d‖ = |d|, a 0-d result even with keepdim, as PyTorch's)
    if p < 0:
        raise ValueError(f"pairwise_distance: p must be >= 0, got {p}")
    d = x1 - x2 + eps
    if p == 2:
        return norm2(d, -1, keepdims=keepdim)
    if p == np.inf:
        return d.abs().max(axis=-1, keepdims=keepdim)
    if p == 0:
        return without_gradient(_count_nonzero, d, keepdims=bool(keepdim)).astype(d.real.dtype)
    if p == 1:
        return d.abs().sum(axis=-1, keepdims=keepdim)
    return (d.abs() ** float(p)).sum(axis=-1, keepdims=keepdim) ** (1.0 / p)


def _count_nonzero(d, keepdims):
    return np.count_nonzero(d, axis=-1, keepdims=keepdims).astype(np.result_type(d))


class CosineSimilarity(Module):
    """CosineSimilarity(dim=1, eps=1e-8): `cosine_similarity` of its two inputs."""

    def __init__(self, dim=1, eps=1e-8):
        self.dim, self.eps = int(dim), float(eps)

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """PairwiseDistance(p=2.0, eps=1e-6, keepdim=False): `pairwise_distance` of its two inputs."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        self.norm, self.eps, self.keepdim = float(p), float(eps), bool(keepdim)

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


__all__ = ["cosine_similarity", "pairwise_distance", "CosineSimilarity", "PairwiseDistance", "norm2"]
