"""VonMises(loc, concentration): the circular normal distribution of an angle, density
exp(κ cos(x − loc)) / (2π I₀(κ)), κ = concentration; samples by Best and Fisher's rejection method, as PyTorch."""

from __future__ import annotations

import math

import numpy as np

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, constant, draw, lazy_property

__all__ = ["VonMises"]


def _log_i0(kappa):
    """log I₀(κ) = log(e^(−κ) I₀(κ)) + κ for κ > 0: the scaled Bessel function does not overflow."""
    from ..ops.special_more import i0e  # the core's modified Bessel functions
    return i0e(kappa).log() + kappa


def _rejection_sample(loc, kappa, proposal_r, shape):
    """Best & Fisher (1979): wrapped-Cauchy proposals f = cos(angle) accepted with the von Mises ratio."""
    x = np.zeros(shape)
    done = np.zeros(shape, dtype=bool)
    while not done.all():
        u1, u2, u3 = (draw("random", shape, np.float64) for _ in range(3))
        z = np.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = kappa * (proposal_r - f)
        with np.errstate(divide="ignore"):
            accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
        accept &= ~done
        x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1, 1)), x)
        done |= accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """An angle (radians) concentrated around loc: loc and values may be any real numbers (read modulo 2π).
    mean and variance are the circular ones: loc and 1 − I₁(κ)/I₀(κ). No rsample (as PyTorch)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(VonMises, batch_shape, ("loc", "concentration"), _instance)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(self.concentration)

    @lazy_property
    def _proposal_r(self):
        kappa = np.asarray(self.concentration.data, dtype=np.float64)
        tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
        rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (1 + rho ** 2) / (2 * rho)
        return np.where(kappa < 1e-5, 1 / kappa + kappa, r)  # a Taylor form where rho underflows

    def sample(self, sample_shape=()):
        """Drawn in float64 (small concentrations need it), returned in the parameters' dtype."""
        shape = self._extended_shape(sample_shape)
        loc = np.asarray(self.loc.data, dtype=np.float64)
        kappa = np.asarray(self.concentration.data, dtype=np.float64)
        x = _rejection_sample(np.broadcast_to(loc, shape), np.broadcast_to(kappa, shape),
                              np.broadcast_to(self._proposal_r, shape), shape)
        return constant(x.astype(self.loc.dtype)[()])

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        from ..ops.special_more import i0e, i1e
        return 1 - i1e(self.concentration) / i0e(self.concentration)
