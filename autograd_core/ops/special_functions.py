"""Special functions, each a primitive beside its derivative: the error function family (erf, erfc, erfcx,
erfinv, ndtr, ndtri, log_ndtr), the gamma family (lgamma, polygamma, with digamma its order 0) and the
regularized incomplete gamma functions igamma and igammac; multigammaln composes lgamma. They are torch.erf,
torch.special.erfc, ..., torch.igamma; nn's GELU and the distributions build on them.

The core depends only on NumPy, so the forward functions are written here (special_kernels.py, incomplete_gamma.py:
series, recurrences, Chebyshev interpolants, a published rational approximation, Newton's method, all on whole
arrays) rather than taken from SciPy, to a few ulps of SciPy's (the tests compare). Every rule is written with
primitives, so higher derivatives and forward mode (each Jacobian is diagonal) come for free.
"""

from __future__ import annotations

import math

import numpy as np

from .elementwise import exp, log
from .incomplete_gamma import igamma_kernel, igammac_kernel
from .primitive import primitive
from .special_kernels import (
    erf_kernel, erfc_kernel, erfcx_kernel, erfinv_kernel, float_result, lgamma_kernel, ndtr_kernel, ndtri_kernel,
    polygamma_kernel,
)

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2 * math.pi)


@primitive("erf")
def erf(x):
    """The error function 2/√π ∫₀ˣ exp(−t²) dt."""
    return float_result(erf_kernel(x), x)


@primitive("erfc")
def erfc(x):
    """The complementary error function 1 − erf(x), to full relative precision in the right tail (not 1 − erf)."""
    return float_result(erfc_kernel(x), x)


@primitive("erfcx")
def erfcx(x):
    """The scaled complementary error function exp(x²)·erfc(x) (~1/(x√π) for large x, without overflow)."""
    return float_result(erfcx_kernel(x), x)


@primitive("erfinv")
def erfinv(x):
    """The inverse of erf on (−1, 1) (±inf at ±1, nan outside): Wichura's AS 241 and a Newton step."""
    return float_result(erfinv_kernel(x), x)


@primitive("ndtr")
def ndtr(x):
    """Φ(x), the standard normal CDF (1 + erf(x/√2))/2, to full relative precision in the left tail."""
    return float_result(ndtr_kernel(x), x)


@primitive("ndtri")
def ndtri(x):
    """The inverse of the standard normal CDF (the quantile function) on (0, 1), accurate for tiny p and for p near
    1 (Wichura's AS 241, a Newton step in the tails); ∓inf at 0 and 1, nan outside."""
    return float_result(ndtri_kernel(x), x)


@primitive("log_ndtr")
def log_ndtr(x):
    """log Φ(x), the log of the standard normal CDF, accurate far in the left tail (log(erfcx(−x/√2)/2) − x²/2
    there, no underflow) and near 0 on the right (log1p(−Φ(−x)))."""
    return float_result(_log_ndtr_kernel(x), x)


def _log_ndtr_kernel(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x < -1.0, np.log(erfcx_kernel(x * -(1 / _SQRT_2)) / 2) - x * x / 2,
                        np.log1p(-ndtr_kernel(-x)))


erf.defvjp(lambda g, out, x: g * (2 / _SQRT_PI) * exp(-x * x), formulas=("g⊙2/√π·exp(−x²)",))
erfc.defvjp(lambda g, out, x: g * (-2 / _SQRT_PI) * exp(-x * x), formulas=("−g⊙2/√π·exp(−x²)",))
erfcx.defvjp(lambda g, out, x: g * (2 * x * out - 2 / _SQRT_PI), formulas=("g⊙(2x·erfcx(x) − 2/√π)",))
erfinv.defvjp(lambda g, out, x: g * (_SQRT_PI / 2) * exp(out * out), formulas=("g⊙√π/2·exp(erfinv(x)²)",))
ndtr.defvjp(lambda g, out, x: g * exp(x * x * -0.5) * (1 / _SQRT_2PI), formulas=("g⊙exp(−x²/2)/√(2π)",))
ndtri.defvjp(lambda g, out, x: g * _SQRT_2PI * exp(out * out / 2), formulas=("g⊙√(2π)·exp(ndtri(x)²/2)",))
# d log Φ(x)/dx = φ(x)/Φ(x) = √(2/π)/erfcx(−x/√2): no exp(−x²/2)/Φ(x) to underflow in the left tail.
log_ndtr.defvjp(lambda g, out, x: g * math.sqrt(2 / math.pi) / erfcx(x * (-1 / _SQRT_2)),
                formulas=("g⊙√(2/π)/erfcx(−x/√2)",))
for _p in (erf, erfc, erfcx, erfinv, ndtr, ndtri, log_ndtr):
    _p.defjvp_elementwise()


@primitive("lgamma")
def lgamma(x):
    """log |Γ(x)|; inf at 0 and at the negative integers, as PyTorch's."""
    return float_result(lgamma_kernel(x), x)


lgamma.defvjp(lambda g, out, x: g * polygamma(x, n=0), formulas=("g⊙ψ(x)",))   # d log Γ(x)/dx = ψ(x)
lgamma.defjvp_elementwise()


@primitive("polygamma")
def polygamma(x, n=0):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function ψ = (log Γ)′, for every real x (the reflection formula
    below 0): poles at 0 and the negative integers (ψ: −inf at +0, nan at the negative integers, as PyTorch)."""
    return float_result(polygamma_kernel(x, n=n), x)


polygamma.defvjp(lambda g, out, x, n=0: g * polygamma(x, n=n + 1), formulas=("g⊙ψ⁽ⁿ⁺¹⁾(x)",))
polygamma.defjvp_elementwise()


def digamma(input):  # noqa: A002  (PyTorch's argument name)
    """ψ(input) = d log Γ(x)/dx at x = input."""
    return polygamma(input, n=0)


def multigammaln(input, p):
    """log Γ_p(a), the log of the multivariate gamma function (torch.special.multigammaln, torch.mvlgamma):
    p(p−1)/4·log π + Σ_{j=1..p} log Γ(a + (1 − j)/2), elementwise; inf where some a + (1 − j)/2 is a pole of Γ
    (PyTorch 2 no longer checks a > (p − 1)/2)."""
    p = int(p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    from .complex import refuse_complex_kernel

    refuse_complex_kernel("arange_cpu", input)  # PyTorch's first step on a complex input: arange in its dtype
    total = lgamma(input)
    for j in range(2, p + 1):
        total = total + lgamma(input + (1 - j) / 2)
    return total + p * (p - 1) / 4 * math.log(math.pi)


def _not_differentiable_in_a(name):
    """The rule for the order a of the incomplete gamma functions: PyTorch has no derivative there and says so."""
    def rule(g, out, a, x):
        raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
    return rule


@primitive("igamma")
def igamma(input, other):
    """P(a, x) = γ(a, x)/Γ(a) = 1/Γ(a) ∫₀ˣ tᵃ⁻¹e⁻ᵗ dt, the regularized lower incomplete gamma function of a = input
    and x = other (torch.igamma, torch.special.gammainc), elementwise with broadcasting. nan for a < 0 or x < 0;
    P(0, x) = 1 for x > 0. Differentiable in x only, as in PyTorch (a gradient for a raises NotImplementedError)."""
    return float_result(igamma_kernel(input, other), input, other)


@primitive("igammac")
def igammac(input, other):
    """Q(a, x) = 1 − P(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function of a = input and
    x = other (torch.igammac, torch.special.gammaincc), computed directly where it is small (no 1 − P). nan for
    a < 0 or x < 0. Differentiable in x only, as in PyTorch."""
    return float_result(igammac_kernel(input, other), input, other)


def _gamma_density(a, x):
    """xᵃ⁻¹e⁻ˣ/Γ(a) = ∂P(a, x)/∂x, in PyTorch's form (nan at x = 0 for a = 1, as PyTorch's gradient)."""
    return exp((a - 1) * log(x) - x - lgamma(a))


igamma.defvjp(_not_differentiable_in_a("igamma"), lambda g, out, a, x: g * _gamma_density(a, x),
              formulas=("", "g⊙xᵃ⁻¹e⁻ˣ/Γ(a)"))
igammac.defvjp(_not_differentiable_in_a("igammac"), lambda g, out, a, x: -g * _gamma_density(a, x),
               formulas=("", "−g⊙xᵃ⁻¹e⁻ˣ/Γ(a)"))
igamma.defjvp_elementwise()
igammac.defjvp_elementwise()
mvlgamma = multigammaln  # torch.mvlgamma, x.mvlgamma(p)

# PyTorch's names of the inputs, so that torch.erf(input=x) and torch.igamma(a, other=x) work (defarguments).
for _unary in (erf, erfc, erfcx, erfinv, ndtr, ndtri, log_ndtr, lgamma):
    _unary.defarguments("input")
igamma.defarguments("input", "other")
igammac.defarguments("input", "other")

igamma.promotes = igammac.promotes = True  # mixed dtypes meet in PyTorch's result dtype first
