"""Special functions, each a primitive beside its derivative: erf, erfinv, lgamma and polygamma (digamma is
polygamma of order 0), as torch.erf, torch.erfinv, torch.lgamma, torch.digamma and torch.polygamma. nn's GELU and
the distributions build on them.

The core depends only on NumPy, so the forward functions are written here (Python's `math` module, vectorised,
for erf and lgamma; recurrences and asymptotic series for polygamma) rather than taken from SciPy: exact to a few
ulps, but element by element in Python, so slow on large arrays. Every rule is written with primitives, so higher
derivatives and forward mode (each Jacobian is diagonal) come for free.
"""

from __future__ import annotations

import math

import numpy as np

from .elementwise import exp, log
from .incomplete_gamma import igamma_kernel, igammac_kernel
from .primitive import primitive

_SQRT_PI = math.sqrt(math.pi)


def _elementwise(fn):
    """A Python float function applied to every element, keeping the input's float dtype."""
    vectorised = np.vectorize(fn, otypes=[np.float64])

    def apply(x):
        x = np.asarray(x)
        out = vectorised(x.astype(np.float64))
        return out.astype(x.dtype if x.dtype.kind == "f" else np.float64)[()]

    return apply


_erf = _elementwise(math.erf)


@primitive("erf")
def erf(x):
    """The error function 2/√π ∫₀ˣ exp(−t²) dt."""
    return _erf(x)


erf.defvjp(lambda g, out, x: g * (2 / _SQRT_PI) * exp(-x * x), formulas=("g⊙2/√π·exp(−x²)",))
erf.defjvp_elementwise()


def _erfinv_float(y):
    if y <= -1.0:
        return -math.inf if y == -1.0 else math.nan
    if y >= 1.0:
        return math.inf if y == 1.0 else math.nan
    # A rough start (Winitzki's approximation), then Newton steps on erf(x) − y, which converge quadratically.
    a = 0.147
    ln = math.log(1.0 - y * y)
    t = 2.0 / (math.pi * a) + ln / 2.0
    x = math.copysign(math.sqrt(math.sqrt(t * t - ln / a) - t), y)
    for _ in range(4):
        x -= (math.erf(x) - y) / (2.0 / _SQRT_PI * math.exp(-x * x))
    return x


@primitive("erfinv")
def erfinv(x):
    """The inverse of erf on (−1, 1) (±inf at ±1)."""
    return _elementwise(_erfinv_float)(x)


erfinv.defvjp(lambda g, out, x: g * (_SQRT_PI / 2) * exp(out * out), formulas=("g⊙√π/2·exp(erfinv(x)²)",))
erfinv.defjvp_elementwise()


_lgamma = _elementwise(math.lgamma)


@primitive("lgamma")
def lgamma(x):
    """log |Γ(x)|."""
    return _lgamma(x)


lgamma.defvjp(lambda g, out, x: g * polygamma(x, n=0), formulas=("g⊙ψ(x)",))   # d log Γ(x)/dx = ψ(x)
lgamma.defjvp_elementwise()

# Bernoulli numbers B₂, B₄, ..., B₁₆ for the asymptotic series of polygamma.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _polygamma_float64(n, x):
    """ψ⁽ⁿ⁾(x) for x > 0: shift x up past 10 with ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/x^(n+1), then the asymptotic
    series, whose terms are below 1e-16 relative there."""
    x = np.array(x, dtype=np.float64)
    result = np.zeros_like(x)
    sign = -1.0 if n % 2 else 1.0
    factorial = math.factorial(n)
    shift = np.maximum(np.ceil(10.0 - x), 0.0)
    valid = x > 0
    x = np.where(valid, x, 1.0)
    for k in range(int(shift.max(initial=0))):
        step = k < shift
        result -= np.where(step, sign * factorial / (x + k) ** (n + 1), 0.0)
    z = x + shift
    if n == 0:
        result += np.log(z) - 0.5 / z
        for k, b in enumerate(_BERNOULLI, start=1):
            result -= b / (2 * k * z ** (2 * k))
    else:
        # ψ⁽ⁿ⁾(z) ~ (−1)ⁿ⁺¹ [ (n−1)!/zⁿ + n!/(2zⁿ⁺¹) + Σ B₂ₖ (2k+n−1)!/((2k)! z^(2k+n)) ]
        series = math.factorial(n - 1) / z ** n + factorial / (2 * z ** (n + 1))
        for k, b in enumerate(_BERNOULLI, start=1):
            series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / z ** (2 * k + n)
        result += -sign * series
    return np.where(valid, result, np.nan)


@primitive("polygamma")
def polygamma(x, n=0):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function ψ = (log Γ)′, for x > 0 (nan elsewhere)."""
    x = np.asarray(x)
    return _polygamma_float64(n, x).astype(x.dtype if x.dtype.kind == "f" else np.float64)[()]


polygamma.defvjp(lambda g, out, x, n=0: g * polygamma(x, n=n + 1), formulas=("g⊙ψ⁽ⁿ⁺¹⁾(x)",))
polygamma.defjvp_elementwise()


def digamma(x):
    """ψ(x) = d log Γ(x)/dx."""
    return polygamma(x, n=0)


def _float_result(out, *inputs):
    """out (float64) in the inputs' common float dtype: float32 stays float32, integers give float64."""
    dtype = np.result_type(*[np.asarray(x) for x in inputs])
    return out.astype(dtype if dtype.kind == "f" else np.float64)[()]


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
    return _float_result(igamma_kernel(input, other), input, other)


@primitive("igammac")
def igammac(input, other):
    """Q(a, x) = 1 − P(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function of a = input and
    x = other (torch.igammac, torch.special.gammaincc), computed directly where it is small (no 1 − P). nan for
    a < 0 or x < 0. Differentiable in x only, as in PyTorch."""
    return _float_result(igammac_kernel(input, other), input, other)


def _gamma_density(a, x):
    """xᵃ⁻¹e⁻ˣ/Γ(a) = ∂P(a, x)/∂x, in PyTorch's form (nan at x = 0 for a = 1, as PyTorch's gradient)."""
    return exp((a - 1) * log(x) - x - lgamma(a))


igamma.defvjp(_not_differentiable_in_a("igamma"), lambda g, out, a, x: g * _gamma_density(a, x),
              formulas=("", "g⊙xᵃ⁻¹e⁻ˣ/Γ(a)"))
igammac.defvjp(_not_differentiable_in_a("igammac"), lambda g, out, a, x: -g * _gamma_density(a, x),
               formulas=("", "−g⊙xᵃ⁻¹e⁻ˣ/Γ(a)"))
igamma.defjvp_elementwise()
igammac.defjvp_elementwise()
