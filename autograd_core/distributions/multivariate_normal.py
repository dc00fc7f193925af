"""MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril): the Gaussian on Rⁿ, parametrised
through its lower Cholesky factor L (Σ = L Lᵀ); reparameterizable (rsample = loc + L ε)."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..ops.index import diagonal, flip
from . import constraints
from .distribution import Distribution
from ..ops.linalg import cholesky, solve_triangular
from .utils import as_float_value, constant, lazy_property, sampled

__all__ = ["MultivariateNormal"]


def _mT(x):
    return ops.swapaxes(x, axis1=-1, axis2=-2)


def _batch_mahalanobis(scale_tril, x):
    """|L⁻¹ x|² over the last dimension: L (..., n, n), x (..., n), broadcast together."""
    solved = solve_triangular(scale_tril, x.unsqueeze(-1), upper=False).squeeze(-1)
    return (solved * solved).sum(-1)


def _half_log_det(scale_tril):
    """log |L| = Σ log Lᵢᵢ = ½ log |Σ|."""
    return diagonal(scale_tril, dim1=-2, dim2=-1).log().sum(-1)


def _precision_to_scale_tril(precision):
    # The Cholesky factor of P⁻¹ without inverting P: with Lf the Cholesky factor of P with rows and columns
    # reversed, L⁻¹ = flip(Lf)ᵀ is lower triangular, and L = (L⁻¹)⁻¹ by one triangular solve.
    lf = cholesky(flip(precision, (-2, -1)))
    l_inv = _mT(flip(lf, (-2, -1)))
    eye = constant(np.eye(precision.shape[-1], dtype=precision.dtype))
    return solve_triangular(l_inv, eye, upper=False)


_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


class ScaleTrilParametrized:
    """For a distribution of a matrix parameter Σ (n × n) given as one of covariance_matrix (Σ), precision_matrix
    (Σ⁻¹) or scale_tril (L, Σ = L Lᵀ), kept as its unbroadcast lower Cholesky factor `_unbroadcasted_scale_tril`:
    the three, computed from L on first use (the one given is stored), each broadcast to batch_shape + (n, n)."""

    @staticmethod
    def _the_given_matrix(covariance_matrix, precision_matrix, scale_tril):
        """(name, matrix) of the one matrix given; ValueError unless exactly one is."""
        given = [(name, m) for name, m in zip(_MATRICES, (covariance_matrix, precision_matrix, scale_tril))
                 if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        return given[0]

    def _set_scale_tril(self, name, matrix):
        """Store the lower Cholesky factor of `matrix` given as `name`; called after Distribution.__init__, so that
        the validation of the matrix (stored, broadcast, under `name`) comes before the factorisation."""
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def _expand_matrices(self, new, batch_shape):
        """Give `new` (being expanded to batch_shape) the factor and those of the three matrices already known."""
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        n = self.event_shape[-1]
        for name in _MATRICES:
            if name in self.__dict__:
                setattr(new, name, ops.broadcast_to(self.__dict__[name], shape=tuple(batch_shape) + (n, n)))

    def _square(self, matrix):
        n = self.event_shape[-1]
        return ops.broadcast_to(matrix, shape=self.batch_shape + (n, n))

    @lazy_property
    def scale_tril(self):
        return self._square(self._unbroadcasted_scale_tril)

    @lazy_property
    def covariance_matrix(self):
        lower = self._unbroadcasted_scale_tril
        return self._square(lower @ _mT(lower))

    @lazy_property
    def precision_matrix(self):
        lower = self._unbroadcasted_scale_tril
        eye = constant(np.eye(lower.shape[-1], dtype=lower.dtype))
        inverse = solve_triangular(lower, eye, upper=False)         # L⁻¹; Σ⁻¹ = L⁻ᵀ L⁻¹
        return self._square(_mT(inverse) @ inverse)


class MultivariateNormal(ScaleTrilParametrized, Distribution):
    """The normal distribution on Rⁿ with mean `loc` (..., n) and one of covariance_matrix, precision_matrix
    or scale_tril (..., n, n). batch_shape = the broadcast of loc's and the matrix's leading dimensions,
    event_shape = (n,). log_prob, rsample, entropy and KL are differentiable w.r.t. loc and the matrix."""

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        loc = as_float_value(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        name, matrix = self._the_given_matrix(covariance_matrix, precision_matrix, scale_tril)
        matrix = as_float_value(matrix, loc.dtype)
        if matrix.ndim < 2:
            raise ValueError("scale_tril, covariance_matrix or precision_matrix must be at least two-dimensional, "
                             "with optional leading batch dimensions")
        batch_shape = np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        event_shape = loc.shape[-1:]
        setattr(self, name, ops.broadcast_to(matrix, shape=batch_shape + event_shape + event_shape))
        self.loc = ops.broadcast_to(loc, shape=batch_shape + event_shape)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._set_scale_tril(name, matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        new.loc = ops.broadcast_to(self.loc, shape=batch_shape + self.event_shape)
        self._expand_matrices(new, batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        lower = self._unbroadcasted_scale_tril
        return ops.broadcast_to((lower * lower).sum(-1), shape=self.batch_shape + self.event_shape)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = sampled("standard_normal", shape, self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        n = self.event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - _half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self):
        n = self.event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + _half_log_det(self._unbroadcasted_scale_tril)
        return h if h.shape == self.batch_shape else ops.broadcast_to(h, shape=self.batch_shape)


def kl_multivariate_normal(p, q):
    """KL(p ‖ q) = log|L_q|/|L_p| + ½ (tr(Σ_q⁻¹ Σ_p) + (μ_q − μ_p)ᵀ Σ_q⁻¹ (μ_q − μ_p) − n)."""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         "computed")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = _half_log_det(lq) - _half_log_det(lp)
    solved = solve_triangular(lq, lp, upper=False)               # L_q⁻¹ L_p: tr(Σ_q⁻¹ Σ_p) = ‖L_q⁻¹ L_p‖²_F
    term2 = (solved * solved).sum((-2, -1))
    term3 = _batch_mahalanobis(lq, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - p.event_shape[0])
