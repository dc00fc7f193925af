"""Wishart(df, covariance_matrix | precision_matrix | scale_tril): the distribution of Σₖ xₖxₖᵀ for df draws
x ~ Normal(0, Σ) (real df > p − 1 allowed); reparameterizable through the Bartlett decomposition."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import ops
from ..ops.index import diagonal
from ..ops.linalg import logabsdet, solve_triangular
from ..ops.special_functions import multigammaln
from . import constraints
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .gamma_family import Chi2
from .multivariate_normal import ScaleTrilParametrized, _mT
from .special import digamma
from .utils import as_float_value, constant, draw, eps

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """Σ_{i<p} ψ(x − i/2), the derivative of the multivariate log-gamma function."""
    shifts = constant(-0.5 * np.arange(p, dtype=x.dtype))
    return digamma(x.unsqueeze(-1) + shifts).sum(-1)


def _cholesky_solve(b, lower):
    """(L Lᵀ)⁻¹ b by two triangular solves."""
    return solve_triangular(_mT(lower), solve_triangular(lower, b, upper=False), upper=True)


class Wishart(ScaleTrilParametrized, ExponentialFamily):
    """Positive-definite p × p matrices with mean df · Σ; Σ given as covariance_matrix, precision_matrix or
    scale_tril (..., p, p), df (number or Value) > p − 1; batch_shape = their broadcast leading shape,
    event_shape = (p, p). rsample (Bartlett): L A Aᵀ Lᵀ with A lower triangular, A_ii = √χ²(df − i), A_ij normal."""

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        name, param = self._the_given_matrix(covariance_matrix, precision_matrix, scale_tril)
        param = as_float_value(param)
        if param.ndim < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, numbers.Number):
            batch_shape = param.shape[:-2]
            self.df = constant(np.array(df, dtype=param.dtype))
        else:
            df = as_float_value(df, param.dtype)
            batch_shape = np.broadcast_shapes(param.shape[:-2], df.shape)
            self.df = ops.broadcast_to(df, shape=batch_shape)
        event_shape = param.shape[-2:]
        if np.any(self.df.data <= event_shape[-1] - 1):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {event_shape[-1] - 1}.")
        setattr(self, name, ops.broadcast_to(param, shape=batch_shape + event_shape))
        if np.any(self.df.data < event_shape[-1]):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < "
                          "ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._set_scale_tril(name, param)
        self._dist_chi2 = self._chi2(batch_shape)

    def _chi2(self, batch_shape):
        """χ²(df − i) for the diagonal of Bartlett's factor, i = 0..p−1."""
        p = self.event_shape[-1]
        df = ops.broadcast_to(self.df.unsqueeze(-1), shape=tuple(batch_shape) + (p,))
        return Chi2(df - constant(np.arange(p, dtype=self.df.dtype)))

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = tuple(batch_shape)
        new.df = ops.broadcast_to(self.df, shape=batch_shape)
        self._expand_matrices(new, batch_shape)
        # broadcast, as PyTorch's Wishart.expand does (MultivariateNormal's stays unbroadcast, as PyTorch's)
        new._unbroadcasted_scale_tril = ops.broadcast_to(self._unbroadcasted_scale_tril,
                                                         shape=batch_shape + self.event_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._dist_chi2 = new._chi2(batch_shape)
        new._validate_args = self._validate_args
        return new

    def _df_matrix(self):
        return self.df.reshape(self.batch_shape + (1, 1))

    @property
    def mean(self):
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.event_shape[-1] - 1
        factor = ops.where(factor.data <= 0, constant(np.array(np.nan, dtype=factor.dtype)), factor)
        return factor.reshape(self.batch_shape + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        v = self.covariance_matrix
        d = diagonal(v, dim1=-2, dim2=-1)
        return self._df_matrix() * (v ** 2 + d.unsqueeze(-1) * d.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape):
        p = self.event_shape[-1]
        root = self._dist_chi2.rsample(sample_shape).sqrt()
        root = root.clamp(min=float(eps(root.dtype)))
        rows, cols = np.tril_indices(p, -1)
        below = np.zeros(tuple(sample_shape) + self.batch_shape + (p, p), dtype=root.dtype)
        below[..., rows, cols] = draw("standard_normal", tuple(sample_shape) + self.batch_shape + (len(rows),),
                                      root.dtype)
        factor = root.unsqueeze(-1) * constant(np.eye(p, dtype=root.dtype)) + constant(below)
        chol = self._unbroadcasted_scale_tril @ factor
        return chol @ _mT(chol)

    def rsample(self, sample_shape=(), max_try_correction=None):
        """A sample by Bartlett's decomposition; samples that come out singular (possible for df < p) are drawn
        again up to max_try_correction (10) times, as PyTorch."""
        max_try_correction = 10 if max_try_correction is None else max_try_correction
        sample = self._bartlett_sampling(sample_shape)
        singular = ~np.asarray(self.support._check(sample.data))
        if singular.any():
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(max_try_correction):
                fresh = self._bartlett_sampling(sample_shape)
                mask = np.broadcast_to(singular[..., None, None], sample.shape)
                sample = ops.where(mask, fresh, sample)
                singular = ~np.asarray(self.support._check(sample.data))
                if not singular.any():
                    break
        return sample

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self.event_shape[-1]
        lower = self._unbroadcasted_scale_tril
        half_log_det = diagonal(lower, dim1=-2, dim2=-1).log().sum(-1)
        value_log_det = logabsdet(value)  # (before the solve, as PyTorch's: a vector is slogdet's error)
        trace = diagonal(_cholesky_solve(value, lower), dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + half_log_det) - multigammaln(nu / 2, p)
                + (nu - p - 1) / 2 * value_log_det - trace / 2)

    def entropy(self):
        nu, p = self.df, self.event_shape[-1]
        half_log_det = diagonal(self._unbroadcasted_scale_tril, dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + half_log_det) + multigammaln(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self):
        nu, p = self.df, self.event_shape[-1]
        return -self.precision_matrix / 2, (nu - p - 1) / 2

    def _log_normalizer(self, x, y):
        p = self.event_shape[-1]
        return (y + (p + 1) / 2) * (-logabsdet(-2 * x) + _LOG_2 * p) + multigammaln(y + (p + 1) / 2, p)
