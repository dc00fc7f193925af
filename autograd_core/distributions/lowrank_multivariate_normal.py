"""LowRankMultivariateNormal(loc, cov_factor, cov_diag): the Gaussian on Rⁿ with covariance W Wᵀ + diag(D), W of
shape (n, m) with m << n; log_prob and entropy use only m × m matrices (the capacitance C = I + Wᵀ D⁻¹ W)."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..ops.index import diagonal
from ..ops.linalg import cholesky, solve_triangular
from . import constraints
from .distribution import Distribution
from .multivariate_normal import _batch_mahalanobis, _mT
from .utils import as_float_value, constant, lazy_property, sampled

__all__ = ["LowRankMultivariateNormal"]


def _eye(n, dtype):
    return constant(np.eye(n, dtype=dtype))


def _capacitance_tril(w, d):
    """The Cholesky factor of C = I + Wᵀ D⁻¹ W (m × m)."""
    wt_dinv = _mT(w) / d.unsqueeze(-2)
    return cholesky(wt_dinv @ w + _eye(w.shape[-1], w.dtype))


def _lowrank_logdet(d, capacitance_tril):
    """log |W Wᵀ + D| = log |C| + log |D| (matrix determinant lemma)."""
    return 2 * diagonal(capacitance_tril, dim1=-2, dim2=-1).log().sum(-1) + d.log().sum(-1)


def _lowrank_mahalanobis(w, d, x, capacitance_tril):
    """xᵀ (W Wᵀ + D)⁻¹ x = xᵀ D⁻¹ x − |L_C⁻¹ Wᵀ D⁻¹ x|² (Woodbury)."""
    wt_dinv_x = ((_mT(w) / d.unsqueeze(-2)) @ x.unsqueeze(-1)).squeeze(-1)
    return (x ** 2 / d).sum(-1) - _batch_mahalanobis(capacitance_tril, wt_dinv_x)


class LowRankMultivariateNormal(Distribution):
    """Mean loc (..., n), covariance cov_factor @ cov_factorᵀ + diag(cov_diag) with cov_factor (..., n, m) and
    cov_diag (..., n) positive; batch_shape is the three's broadcast leading shape, event_shape (n,).
    Reparameterizable: rsample = loc + W ε_m + √D ε_n."""

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        loc = as_float_value(loc)
        cov_factor, cov_diag = as_float_value(cov_factor, loc.dtype), as_float_value(cov_diag, loc.dtype)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = loc.shape[-1:]
        if cov_factor.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if cov_factor.shape[-2:-1] != event_shape:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if cov_diag.shape[-1:] != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            shape = np.broadcast_shapes(loc.shape[:-1], cov_factor.shape[:-2], cov_diag.shape[:-1])
        except ValueError as e:
            raise ValueError(f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                             f"cov_diag {cov_diag.shape}") from e
        self.loc = ops.broadcast_to(loc, shape=shape + event_shape)
        self.cov_diag = ops.broadcast_to(cov_diag, shape=shape + event_shape)
        self.cov_factor = ops.broadcast_to(cov_factor, shape=shape + cov_factor.shape[-2:])
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)
        super().__init__(shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        loc_shape = batch_shape + self.event_shape
        new.loc = ops.broadcast_to(self.loc, shape=loc_shape)
        new.cov_diag = ops.broadcast_to(self.cov_diag, shape=loc_shape)
        new.cov_factor = ops.broadcast_to(self.cov_factor, shape=loc_shape + self.cov_factor.shape[-1:])
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _square(self, m):
        n = self.event_shape[0]
        return ops.broadcast_to(m, shape=self.batch_shape + (n, n))

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        v = (self._unbroadcasted_cov_factor ** 2).sum(-1) + self._unbroadcasted_cov_diag
        return ops.broadcast_to(v, shape=self.batch_shape + self.event_shape)

    @lazy_property
    def scale_tril(self):
        # Σ = D^½ (I + D^-½ W Wᵀ D^-½) D^½: the Cholesky factor of the bracket, scaled by D^½ row-wise
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / d_sqrt
        k = dinvsqrt_w @ _mT(dinvsqrt_w) + _eye(self.event_shape[0], d_sqrt.dtype)
        return self._square(d_sqrt * cholesky(k))

    @lazy_property
    def covariance_matrix(self):
        w = self._unbroadcasted_cov_factor
        d = self._unbroadcasted_cov_diag
        return self._square(w @ _mT(w) + d.unsqueeze(-1) * _eye(d.shape[-1], d.dtype))

    @lazy_property
    def precision_matrix(self):
        d = self._unbroadcasted_cov_diag
        wt_dinv = _mT(self._unbroadcasted_cov_factor) / d.unsqueeze(-2)
        a = solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        return self._square(d.reciprocal().unsqueeze(-1) * _eye(d.shape[-1], d.dtype) - _mT(a) @ a)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps_w = sampled("standard_normal", shape[:-1] + self.cov_factor.shape[-1:], self.loc.dtype)
        eps_d = sampled("standard_normal", shape, self.loc.dtype)
        w_eps = (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
        return self.loc + w_eps + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        m = _lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, diff,
                                 self._capacitance_tril)
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        return -0.5 * (self.event_shape[0] * math.log(2 * math.pi) + log_det + m)

    def entropy(self):
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        h = 0.5 * (self.event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return h if h.shape == self.batch_shape else ops.broadcast_to(h, shape=self.batch_shape)
