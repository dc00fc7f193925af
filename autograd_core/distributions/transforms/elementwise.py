"""Elementwise transforms (event_dim 0 unless stated): Exp, Power, Sigmoid, Tanh, Softplus, Abs, Affine, and the
CDF of a distribution. Each map, its inverse and its log |dy/dx| are compositions of differentiable Value ops."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ...value import Value
from .. import constraints
from ..special import softplus
from ..utils import clamp_into_open_unit, constant
from .base import Transform, sum_rightmost

__all__ = ["AbsTransform", "AffineTransform", "CumulativeDistributionTransform", "ExpTransform", "PowerTransform",
           "SigmoidTransform", "SoftplusTransform", "TanhTransform"]


class _Stateless(Transform):
    """A transform without parameters: all instances are equal."""

    def __eq__(self, other):
        return type(other) is type(self)

    __hash__ = Transform.__hash__


class ExpTransform(_Stateless):
    """y = exp(x): R → (0, ∞); log |dy/dx| = x."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """y = x ** exponent on (0, ∞); log |dy/dx| = log |exponent · y / x|."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.exponent = exponent if isinstance(exponent, Value) else constant(np.asarray(exponent, dtype=float))

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else PowerTransform(self.exponent, cache_size=cache_size)

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and bool(np.all(np.equal(self.exponent.data, other.exponent.data)))

    __hash__ = Transform.__hash__

    @property
    def sign(self):
        return self.exponent.sign()

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** self.exponent.reciprocal()

    def log_abs_det_jacobian(self, x, y):
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape):
        return tuple(np.broadcast_shapes(shape, self.exponent.shape))

    inverse_shape = forward_shape


def clipped_sigmoid(x):
    """sigmoid(x) kept inside [tiny, 1 − eps], so that its logit (the inverse) is finite."""
    return clamp_into_open_unit(x.sigmoid())


class SigmoidTransform(_Stateless):
    """y = sigmoid(x): R → [0, 1]; log |dy/dx| = −softplus(−x) − softplus(x)."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def _call(self, x):
        return clipped_sigmoid(x)

    def _inverse(self, y):
        y = clamp_into_open_unit(y)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        return -softplus(-x) - softplus(x)


class SoftplusTransform(_Stateless):
    """y = log(1 + exp(x)): R → (0, ∞); log |dy/dx| = log sigmoid(x) = −softplus(−x)."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return softplus(x)

    def _inverse(self, y):
        return (-(-y).expm1()).log() + y  # log(exp(y) − 1) without overflow

    def log_abs_det_jacobian(self, x, y):
        return -softplus(-x)


class TanhTransform(_Stateless):
    """y = tanh(x): R → (−1, 1); log |dy/dx| = 2 (log 2 − x − softplus(−2x)), stable for large |x|."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return 0.5 * (y.log1p() - (-y).log1p())  # atanh

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(_Stateless):
    """y = |x|: R → [0, ∞); not injective: the inverse returns y (the non-negative preimage)."""

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class AffineTransform(Transform):
    """y = loc + scale · x (loc, scale numbers or Values, broadcast with x). event_dim > 0 treats the last
    event_dim dimensions as one event: the log-determinant log |scale| is then summed over them."""

    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc, self.scale = loc, scale
        self._event_dim = int(event_dim)

    @property
    def event_dim(self):
        return self._event_dim

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        return constraints.real if self._event_dim == 0 else constraints.independent(constraints.real,
                                                                                      self._event_dim)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        return self.domain

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other):
        if not isinstance(other, AffineTransform):
            return False

        def same(a, b):
            return bool(np.all(np.equal(np.asarray(a.data if isinstance(a, Value) else a),
                                        np.asarray(b.data if isinstance(b, Value) else b))))
        return same(self.loc, other.loc) and same(self.scale, other.scale) and self._event_dim == other._event_dim

    __hash__ = Transform.__hash__

    @property
    def sign(self):
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = x.shape
        if isinstance(self.scale, numbers.Real):
            result = constant(np.full(shape, math.log(abs(self.scale)), dtype=x.dtype)[()])
        else:
            result = self.scale.abs().log()
        if self._event_dim:
            result = sum_rightmost(result, self._event_dim)
            shape = shape[:len(shape) - self._event_dim]
        return result if result.shape == shape else result.broadcast_to(shape)

    def forward_shape(self, shape):
        return tuple(np.broadcast_shapes(shape, np.shape(_data(self.loc)), np.shape(_data(self.scale))))

    inverse_shape = forward_shape


def _data(x):
    return x.data if isinstance(x, Value) else x


class CumulativeDistributionTransform(Transform):
    """y = distribution.cdf(x): the distribution's support → [0, 1]; inverse icdf; log |dy/dx| = log_prob(x)
    (the density). Used for copulas."""

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        return self.distribution.support

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)
