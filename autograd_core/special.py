"""torch.special: PyTorch's special functions under their torch.special names.

    import autograd_core as torch
    torch.special.gammainc(a, x)          # the regularized lower incomplete gamma function P(a, x)
    torch.special.log_ndtr(x)             # log Φ(x), accurate far in the left tail

Every function is the core's own (ops/special_functions.py, ops/special_more.py, ops/special_bessel.py,
ops/special_polynomials.py, ops/special.py, ops/reduce.py), differentiable where PyTorch's is (the Bessel functions
J, Y, K, Ai and j₀ and the orthogonal polynomials are not, as there), elementwise with broadcasting unless its
docstring says otherwise.
"""

from __future__ import annotations

from .ops.special import expm1, log1p, round  # noqa: F401, A004
from .ops.special_bessel import (  # noqa: F401
    airy_ai, bessel_y0, bessel_y1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0,
    scaled_modified_bessel_k1, spherical_bessel_j0,
)
from .ops.special_functions import (  # noqa: F401
    digamma, erf, erfc, erfcx, erfinv, log_ndtr, multigammaln, ndtr, ndtri, polygamma as _polygamma,
)
from .ops.special_functions import igamma as gammainc, igammac as gammaincc, lgamma as gammaln  # noqa: F401
from .ops.special_more import (  # noqa: F401
    bessel_j0, bessel_j1, entr, exp2, expit, i0, i0e, i1, i1e, logit, sinc, xlog1py, xlogy, zeta,
)
from .ops.special_polynomials import (  # noqa: F401
    chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v, chebyshev_polynomial_w,
    hermite_polynomial_h, hermite_polynomial_he, laguerre_polynomial_l, legendre_polynomial_p,
    shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from .torch_functions import log_softmax as _log_softmax
from .torch_functions import logsumexp as _logsumexp
from .torch_functions import polygamma  # noqa: F401  (n first, as torch.special.polygamma(n, input))
from .ops.complex import refuse_complex_kernel as _refuse_complex_kernel
from .torch_functions import softmax as _softmax

psi = digamma
def modified_bessel_i0(input):
    """I₀(x), the modified Bessel function of the first kind of order 0 (torch.special.i0 under PyTorch's other
    name; a complex input refuses by this name's kernel)."""
    _refuse_complex_kernel("modified_bessel_i0_cpu", input)
    return i0(input)


def modified_bessel_i1(input):
    """I₁(x), the modified Bessel function of the first kind of order 1 (torch.special.i1 under PyTorch's other
    name)."""
    _refuse_complex_kernel("modified_bessel_i1_cpu", input)
    return i1(input)


def softmax(input, dim, *, dtype=None):
    """exp(input) / Σ exp(input) along `dim` (torch.special.softmax: dim is required)."""
    return _softmax(input if dtype is None else _as_dtype(input, dtype), dim)


def log_softmax(input, dim, *, dtype=None):
    """log softmax(input) along `dim`, computed without underflow (torch.special.log_softmax)."""
    return _log_softmax(input if dtype is None else _as_dtype(input, dtype), dim)


def logsumexp(input, dim, keepdim=False):
    """log Σ exp(input) over `dim` (an int or a tuple of ints), without overflow (torch.special.logsumexp)."""
    return _logsumexp(input, dim, keepdim)


def _as_dtype(x, dtype):
    from .value import Value

    return (x if isinstance(x, Value) else Value(x)).to(dtype)


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
