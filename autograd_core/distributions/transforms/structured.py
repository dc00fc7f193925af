"""Transforms that act on whole vectors or matrices (Softmax, StickBreaking, LowerCholesky, PositiveDefinite) and
those that apply other transforms to slices of a tensor (Cat, Stack)."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from .. import constraints
from ..special import softplus
from ..utils import constant, eps, tiny
from .base import Transform, sum_rightmost
from .elementwise import clipped_sigmoid

__all__ = ["CatTransform", "CorrCholeskyTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform",
           "SoftmaxTransform", "StackTransform", "StickBreakingTransform"]


class _Stateless(Transform):
    def __eq__(self, other):
        return type(other) is type(self)

    __hash__ = Transform.__hash__


class SoftmaxTransform(_Stateless):
    """y = softmax(x) over the last dimension: R^K → simplex. Not bijective (adding a constant to x changes
    nothing); the inverse returns log y. No log-determinant (as PyTorch)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x):
        return ops.softmax(x, axis=-1)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape)

    inverse_shape = forward_shape


def _stick_offsets(k, dtype):
    """log(K − i) for i = 0..K−1: shifting x by them makes x = 0 map to the centre of the simplex."""
    return constant(np.log(np.arange(k, 0, -1, dtype=dtype)))


class StickBreakingTransform(_Stateless):
    """R^K → the simplex in R^(K+1), bijectively: z_i = sigmoid(x_i − log(K − i)) is the fraction of the
    remaining stick broken off at step i, y_i = z_i · Π_{j<i} (1 − z_j), and the last y is what remains."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def _call(self, x):
        z = clipped_sigmoid(x - _stick_offsets(x.shape[-1], x.dtype))
        remaining = (1 - z).cumprod(-1)
        one = constant(np.ones(x.shape[:-1] + (1,), dtype=x.dtype))
        return ops.concatenate([z, one], axis=-1) * ops.concatenate([one, remaining], axis=-1)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        k = y_crop.shape[-1]
        rest = (1 - y_crop.cumsum(-1)).clamp(min=float(tiny(y.dtype)))
        return y_crop.log() - rest.log() + _stick_offsets(k, y.dtype)

    def log_abs_det_jacobian(self, x, y):
        x = x - _stick_offsets(x.shape[-1], x.dtype)
        # dy_i/dx_i = y_i (1 − z_i) on a triangular Jacobian: log(1 − z) = −softplus(x)
        return (-softplus(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] - 1,)


def _diag_embed(d):
    """(..., n) → (..., n, n) with d on the diagonal."""
    return d.unsqueeze(-1) * constant(np.eye(d.shape[-1], dtype=d.dtype))


class LowerCholeskyTransform(_Stateless):
    """An unconstrained square matrix → a lower-triangular one with positive diagonal: the strictly lower part
    is kept, the diagonal exponentiated, the upper part dropped. No log-determinant (not bijective)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def _call(self, x):
        return x.tril(-1) + _diag_embed(x.diagonal(dim1=-2, dim2=-1).exp())

    def _inverse(self, y):
        return y.tril(-1) + _diag_embed(y.diagonal(dim1=-2, dim2=-1).log())


class PositiveDefiniteTransform(_Stateless):
    """An unconstrained square matrix → a positive-definite one: L Lᵀ with L = LowerCholeskyTransform()(x)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x):
        lower = LowerCholeskyTransform()(x)
        return lower @ lower.swapaxes(-1, -2)

    def _inverse(self, y):
        return LowerCholeskyTransform().inv(ops.linalg.cholesky(y))


def _tril_to_vec(m, diag):
    """The elements of the last two dimensions on or below diagonal `diag`, in row order: (..., n, n) → (..., N)."""
    rows, cols = np.tril_indices(m.shape[-1], diag)
    return m[..., rows, cols]


def _vec_to_tril(v, n):
    """(..., n(n−1)/2) → (..., n, n): the strictly lower triangle filled in row order, zeros elsewhere."""
    index = np.full((n, n), v.shape[-1])                     # points at an appended zero
    rows, cols = np.tril_indices(n, -1)
    index[rows, cols] = np.arange(v.shape[-1])
    padded = ops.concatenate([v, constant(np.zeros(v.shape[:-1] + (1,), dtype=v.dtype))], axis=-1)
    return padded[..., index]


class CorrCholeskyTransform(_Stateless):
    """R^(D(D−1)/2) → Cholesky factors of D × D correlation matrices (rows of unit length), bijectively: the
    vector fills the strictly lower triangle row by row, tanh maps it into (−1, 1), and each row is completed by a
    signed stick-breaking of its squared entries (Stan's construction). log_abs_det_jacobian is that of x and
    the strictly lower triangle of y."""

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x):
        n = self.forward_shape(x.shape)[-1]
        e = float(eps(x.dtype))
        r = _vec_to_tril(x.tanh().clamp(min=-1 + e, max=1 - e), n)
        # y = r · √(Π_{j<k} (1 − r_j²)): the part of the row's unit length not yet used
        remaining = (1 - r ** 2).sqrt().cumprod(-1)
        one = constant(np.ones(r.shape[:-1] + (1,), dtype=x.dtype))
        shifted = ops.concatenate([one, remaining[..., :-1]], axis=-1)
        return (r + constant(np.eye(n, dtype=x.dtype))) * shifted

    def _inverse(self, y):
        left = 1 - (y * y).cumsum(-1)
        one = constant(np.ones(y.shape[:-1] + (1,), dtype=y.dtype))
        left_shifted = ops.concatenate([one, left[..., :-1]], axis=-1)
        t = _tril_to_vec(y, -1) / _tril_to_vec(left_shifted, -1).sqrt()
        return 0.5 * (t.log1p() - (-t).log1p())           # atanh

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        # intermediates: PyTorch's (values a forward pass could leave), accepted and unused: y holds what is needed
        left = 1 - (y * y).cumsum(-1)
        stick_breaking = 0.5 * _tril_to_vec(left, -2).log().sum(-1)
        tanh = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick_breaking + tanh

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)


def _check_dim(x, dim, size, what):
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"dim {dim} out of range for {what} with {x.ndim} dimensions")
    if x.shape[dim] != size:
        raise ValueError(f"{what}.size({dim}) = {x.shape[dim]} must equal {size}")


def _with_cache_each(tseq, cache_size):
    """The transforms of tseq (TypeError unless all are Transforms), each with the cache of their joiner."""
    if not all(isinstance(t, Transform) for t in tseq):
        raise TypeError("All elements of tseq must be Transform instances")
    return [t.with_cache(cache_size) for t in tseq] if cache_size else list(tseq)


class CatTransform(Transform):
    """Applies tseq[i] to the i-th block (of length lengths[i], default 1) of x along `dim`, as torch.cat
    joins them: CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[10, 10])."""

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        transforms = _with_cache_each(tseq, cache_size)
        super().__init__(cache_size=cache_size)
        self.transforms = transforms
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.transforms)
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"lengths ({len(self.lengths)}) must match transforms ({len(self.transforms)})")
        self.dim = dim

    @property
    def event_dim(self):
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self):
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else CatTransform(self.transforms, self.dim, self.lengths,
                                                                        cache_size)

    def _blocks(self, x):
        start = 0
        for length in self.lengths:
            yield x.narrow(self.dim, start, length)
            start += length

    def _call(self, x):
        _check_dim(x, self.dim, self.length, "x")
        return ops.concatenate([t(b) for t, b in zip(self.transforms, self._blocks(x))], axis=self.dim)

    def _inverse(self, y):
        _check_dim(y, self.dim, self.length, "y")
        return ops.concatenate([t.inv(b) for t, b in zip(self.transforms, self._blocks(y))], axis=self.dim)

    def log_abs_det_jacobian(self, x, y):
        _check_dim(x, self.dim, self.length, "x")
        _check_dim(y, self.dim, self.length, "y")
        terms = [sum_rightmost(t.log_abs_det_jacobian(a, b), self.event_dim - t.event_dim)
                 for t, a, b in zip(self.transforms, self._blocks(x), self._blocks(y))]
        dim = (self.dim - x.ndim if self.dim >= 0 else self.dim) + self.event_dim
        # `dim` still a batch dimension: the blocks' terms sit side by side along it; else they add up
        return ops.concatenate(terms, axis=dim) if dim < 0 else sum(terms[1:], terms[0])

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """Applies tseq[i] to x.select(dim, i), as torch.stack joins them: StackTransform([ExpTransform(),
    identity_transform], dim=1)."""

    def __init__(self, tseq, dim=0, cache_size=0):
        transforms = _with_cache_each(tseq, cache_size)
        super().__init__(cache_size=cache_size)
        self.transforms = transforms
        self.dim = dim

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z):
        return z.unbind(self.dim)

    def _call(self, x):
        _check_dim(x, self.dim, len(self.transforms), "x")
        return ops.stack([t(s) for t, s in zip(self.transforms, self._slices(x))], axis=self.dim)

    def _inverse(self, y):
        _check_dim(y, self.dim, len(self.transforms), "y")
        return ops.stack([t.inv(s) for t, s in zip(self.transforms, self._slices(y))], axis=self.dim)

    def log_abs_det_jacobian(self, x, y):
        _check_dim(x, self.dim, len(self.transforms), "x")
        _check_dim(y, self.dim, len(self.transforms), "y")
        terms = [t.log_abs_det_jacobian(a, b) for t, a, b in zip(self.transforms, self._slices(x), self._slices(y))]
        return ops.stack(terms, axis=self.dim)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)
