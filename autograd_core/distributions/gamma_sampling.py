"""Reparameterized gamma samples: `standard_gamma(concentration)` draws X ~ Gamma(concentration, 1) whose gradient
w.r.t. the concentration is the implicit one (Figurnov et al. 2018, "Implicit Reparameterization Gradients", as
PyTorch's `_standard_gamma`): holding the CDF value u = P(a, x) fixed,

    dx/da = −(∂P(a, x)/∂a) / (∂P(a, x)/∂x),      ∂P/∂x = p(x; a) = x^(a−1) e^(−x) / Γ(a).

∂P/∂a comes from the series P(a, x) = Σₙ tₙ, tₙ = x^(a+n) e^(−x) / Γ(a+n+1), whose terms differentiate to
tₙ (log x − ψ(a+n+1)); divided by the density, t₀/p = x/a and t_(n+1) = tₙ · x/(a+n+1), so no term under- or
overflows. Gamma.rsample, and through it Chi2, StudentT, Beta, Dirichlet, FisherSnedecor and InverseGamma,
use it.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.primitive import primitive
from ..ops.special_functions import digamma
from .utils import draw, tiny

__all__ = ["standard_gamma", "standard_gamma_grad"]


def _standard_gamma_grad(concentration, x):
    a = np.asarray(concentration, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    a, x = np.broadcast_arrays(a, x)
    log_x = np.log(x)
    term = x / a                                   # t₀ / p(x)
    psi = np.asarray(digamma(a + 1.0), dtype=np.float64)
    total = term * (log_x - psi)
    # past the largest term (n > x − a − 1) the ratio x/(a+n+1) < 1 and the rest is bounded by a geometric series
    n_max = int(np.max(np.maximum(x - a, 0) + 40 * np.sqrt(x) + 60, initial=0))
    active = np.ones(a.shape, dtype=bool)
    for n in range(1, n_max + 1):
        shifted = a + n
        term = np.where(active, term * x / shifted, 0.0)
        psi = psi + 1.0 / shifted                    # ψ(a+n+1) = ψ(a+n) + 1/(a+n)
        contribution = term * (log_x - psi)
        total = total + contribution
        ratio = x / (shifted + 1)
        bound = term * (np.abs(log_x - psi) + 1) / np.maximum(1 - ratio, 1e-300)
        active &= ~((ratio < 1) & (bound <= 1e-17 * np.abs(total)))
        if not active.any():
            break
    return -total


@primitive("standard_gamma_grad")
def standard_gamma_grad(concentration, x):
    """dx/d concentration for a standard gamma sample x held at a fixed CDF value (not differentiable itself:
    PyTorch's `_standard_gamma_grad` has no derivative either)."""
    dtype = np.result_type(np.asarray(concentration).dtype, np.asarray(x).dtype)
    return _standard_gamma_grad(concentration, x).astype(dtype if dtype.kind == "f" else np.float64)[()]


def _no_second_derivative(*args, **kwargs):
    # PyTorch raises here too; a zero (what a missing rule would give) would be a silently wrong second derivative.
    raise NotImplementedError("the derivative for '_standard_gamma_grad' is not implemented: gamma samples "
                              "(rsample of Gamma, Beta, Dirichlet, ...) have a first derivative only")


standard_gamma_grad.defvjp(_no_second_derivative, _no_second_derivative)
standard_gamma_grad.defjvp(_no_second_derivative, _no_second_derivative)


@primitive("standard_gamma")
def _reparameterized(concentration, sample):
    """The standard gamma `sample` drawn for `concentration` (of the same shape), as a node whose gradient
    w.r.t. the concentration is the implicit reparameterization gradient."""
    return sample


_reparameterized.defvjp(lambda g, out, concentration, sample: g * standard_gamma_grad(concentration, out))
_reparameterized.defjvp(lambda t, out, concentration, sample: t * standard_gamma_grad(concentration, out))


def standard_gamma(concentration):
    """X ~ Gamma(concentration, 1), of concentration's shape, differentiable w.r.t. the concentration (a Value).
    Drawn through ops.sampling.sample, with the concentration as its input: a compiled step draws anew at each
    replay (Gamma, Beta, Dirichlet, Chi2, StudentT, ... sample through this)."""
    sample = ops.sampling.sample(_standard_gamma_draws, concentration, generator=None)
    return _reparameterized(concentration, sample=sample.data)


def _standard_gamma_draws(c, *, generator):
    """Standard gamma numbers for the concentrations `c` (an array), in c's dtype, at least its tiniest positive."""
    c = np.asarray(c)
    sample = draw("standard_gamma", c.shape, np.float64, c)  # (generator None: the default one, draw's)
    return np.maximum(sample, tiny(c.dtype)).astype(c.dtype)  # 0 only by underflow: keep log x finite
