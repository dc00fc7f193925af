"""The rest of torch.special's Bessel family, values only (PyTorch's carry no gradient either):

    bessel_y0, bessel_y1            Y₀, Y₁, the Bessel functions of the second kind (NaN for x < 0, −inf at 0)
    modified_bessel_k0, _k1         K₀, K₁, the modified Bessel functions of the second kind (NaN for x < 0, inf at 0)
    scaled_modified_bessel_k0, _k1  eˣ·K₀(x), eˣ·K₁(x), without underflow for large x
    airy_ai                         Ai(x), the Airy function of the first kind
    spherical_bessel_j0             j₀(x) = sin(x)/x

Each from its classical formulas, on whole arrays: power series near 0; in between, integral representations by
quadrature rules that converge exponentially for these analytic integrands (the trapezoidal rule for the rapidly
decaying ∫₀^∞ exp(−x cosh t) cosh νt dt of K_ν, Gauss–Legendre for Y's and Ai's); for large x, Hankel's and
the Airy asymptotic series. Accurate to a few ulps (absolutely, near the zeros of Y and Ai), where PyTorch's float64
Y₀, Y₁ and Ai(x < −2) are off by up to ~1e-6 (their single-precision coefficients).
"""

from __future__ import annotations

import math

import numpy as np

from .special_kernels import float_result
from .special_more import hankel_series

_EULER_GAMMA = 0.5772156649015329
# Ai(0) = 1/(3^(2/3) Γ(2/3)) and −Ai′(0) = 1/(3^(1/3) Γ(1/3)) (mpmath, 30 digits).
_AI_0, _MINUS_AI_PRIME_0 = 0.355028053887817239260063186004, 0.258819403792806798405183560189
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(64)
_TRAPEZOID_STEPS = 40


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _gauss(f, lo, hi):
    """∫_lo^hi f(t) dt per element (lo, hi: 1-d arrays) by 64-point Gauss–Legendre: exact for polynomials of degree
    127, and to ~1e-17 for the smooth integrands here (oscillating at most ~7 times over the interval)."""
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    return half * (f(mid[:, None] + half[:, None] * _GAUSS_NODES) @ _GAUSS_WEIGHTS)


# ----------------------------------------------------------------------------------------------------
# K₀, K₁ (and K_⅓ for Ai)


def _k_scaled_integral(nu, x):
    """eˣ·K_ν(x) = ∫₀^∞ exp(−2x sinh²(t/2)) cosh(νt) dt for x >= ~0.2 (ν <= 1), by the trapezoidal rule on 40
    steps over [0, T], 2x sinh²(T/2) = 50: for an even, analytic integrand that decays this fast the rule is exact
    to ~exp(−2π²/(h²x)), below 1e-17 for the step h = T/40 (h²x stays below 0.06 for every x)."""
    end = 2 * np.arcsinh(np.sqrt(25.0 / x))
    h = end / _TRAPEZOID_STEPS
    t = h[:, None] * np.arange(_TRAPEZOID_STEPS + 1)
    s = np.sinh(t / 2)
    f = np.exp(-2 * x[:, None] * s * s) * np.cosh(nu * t)
    return h * (f.sum(axis=1) - f[:, 0] / 2)


def _k_series(order, x):
    """K₀(x), K₁(x) for 0 < x < 1 from their power series (A&S 9.6.13, 9.6.11), with q = x²/4 and Hₖ = 1 + … + 1/k:
    K₀ = Σ qᵏ/(k!)² (Hₖ − log(x/2) − γ),  K₁ = 1/x + (x/2) Σ qᵏ/(k!(k+1)!) (log(x/2) + γ − (Hₖ + Hₖ₊₁)/2)."""
    q = x * x / 4
    log_half = np.log(x / 2) + _EULER_GAMMA
    term = np.ones_like(x)
    harmonic = 0.0
    total = np.zeros_like(x)
    for k in range(20):                     # qᵏ/(k!)² < 1e-25 at k = 20 for q < ¼
        if order == 0:
            total += term * (harmonic - log_half)
            term = term * q / ((k + 1) * (k + 1))
            harmonic += 1 / (k + 1)
        else:
            next_harmonic = harmonic + 1 / (k + 1)
            total += term * (log_half - (harmonic + next_harmonic) / 2)
            term = term * q / ((k + 1) * (k + 2))
            harmonic = next_harmonic
    return total if order == 0 else 1 / x + x / 2 * total


def _modified_k(order, scaled):
    def kernel(x):
        out = np.full_like(x, np.nan)       # x < 0, NaN
        small = (x > 0) & (x < 1)
        xs = x[small]
        out[small] = _k_series(order, xs) * (np.exp(xs) if scaled else 1.0)
        large = (x >= 1) & np.isfinite(x)
        xl = x[large]
        with np.errstate(under="ignore"):
            out[large] = _k_scaled_integral(order, xl) * (1.0 if scaled else np.exp(-xl))
        out[x == 0] = np.inf
        out[x == np.inf] = 0.0
        return out

    return kernel


# ----------------------------------------------------------------------------------------------------
# Y₀, Y₁


def _y_series(order, x):
    """Y₀(x), Y₁(x) for 0 < x < 2 (A&S 9.1.13, 9.1.11), q = x²/4:
    Y₀ = (2/π) Σ (−q)ᵏ/(k!)² (log(x/2) + γ − Hₖ),
    Y₁ = −2/(πx) + (x/π) Σ (−q)ᵏ/(k!(k+1)!) (log(x/2) + γ − (Hₖ + Hₖ₊₁)/2)."""
    q = x * x / 4
    log_half = np.log(x / 2) + _EULER_GAMMA
    term = np.ones_like(x)
    harmonic = 0.0
    total = np.zeros_like(x)
    for k in range(25):                     # qᵏ/(k!)² < 1e-40 at k = 25 for q < 1
        next_harmonic = harmonic + 1 / (k + 1)
        total += term * (log_half - (harmonic if order == 0 else (harmonic + next_harmonic) / 2))
        term = term * -q / ((k + 1) * (k + 1 + order))
        harmonic = next_harmonic
    return 2 / math.pi * total if order == 0 else -2 / (math.pi * x) + x / math.pi * total


def _y_integral(order, x):
    """Yₙ(x) = (1/π)∫₀^π sin(x sin θ − nθ) dθ − (1/π)∫₀^∞ (e^(nt) + (−1)ⁿ e^(−nt)) e^(−x sinh t) dt (Watson 6.21),
    for 2 <= x < 20; the second integrand is below e⁻⁴⁵ of its start past sinh t = 45/x."""
    zero = np.zeros_like(x)
    oscillating = _gauss(lambda t: np.sin(x[:, None] * np.sin(t) - order * t), zero, zero + math.pi)
    weight = (lambda t: 2.0) if order == 0 else (lambda t: 2 * np.sinh(t))
    decaying = _gauss(lambda t: weight(t) * np.exp(-x[:, None] * np.sinh(t)), zero, np.arcsinh(45.0 / x))
    return (oscillating - decaying) / math.pi


def _bessel_y(order):
    def kernel(x):
        out = np.full_like(x, np.nan)       # x < 0 and ±inf (PyTorch's Y(inf) is NaN), NaN
        small = (x > 0) & (x < 2)
        out[small] = _y_series(order, x[small])
        middle = (x >= 2) & (x < 20)
        out[middle] = _y_integral(order, x[middle])
        large = (x >= 20) & np.isfinite(x)
        xl = x[large]
        p, q, cos_phase, sin_phase = hankel_series(order, xl)
        out[large] = np.sqrt(2 / (math.pi * xl)) * (p * sin_phase + q * cos_phase)
        out[x == 0] = -np.inf
        return out

    return kernel


# ----------------------------------------------------------------------------------------------------
# Ai


def _airy_series(x):
    """Ai(x) = Ai(0)·f(x) + Ai′(0)·g(x) for −2 <= x < 1 (DLMF 9.4.1), f = Σ 3ᵏ(⅓)ₖ x³ᵏ/(3k)!,
    g = Σ 3ᵏ(⅔)ₖ x³ᵏ⁺¹/(3k+1)!: their terms are fₖ₊₁ = fₖ·x³/((3k+2)(3k+3)), gₖ₊₁ = gₖ·x³/((3k+3)(3k+4))."""
    cube = x * x * x
    f_term, g_term = np.ones_like(x), x.copy()
    f, g = f_term.copy(), g_term.copy()
    for k in range(25):                     # 8ᵏ/(3k)! < 1e-40 at k = 25
        f_term = f_term * cube / ((3 * k + 2) * (3 * k + 3))
        g_term = g_term * cube / ((3 * k + 3) * (3 * k + 4))
        f += f_term
        g += g_term
    return _AI_0 * f - _MINUS_AI_PRIME_0 * g


def _airy_negative(s):
    """Ai(−s) for 2 <= s with ζ = (2/3)s^(3/2) < 20 (s < 9.65): from Ai(−s) = (√s/3)(J_⅓(ζ) + J_−⅓(ζ)) and Bessel's
    integral for non-integer orders (Watson 6.2), whose two halves add to
    Ai(−s) = (√s/3)·[(2/π)∫₀^π cos(θ/3) cos(ζ sin θ) dθ + (√3/π)∫₀^∞ sinh(t/3) e^(−ζ sinh t) dt]."""
    zeta = 2 / 3 * s * np.sqrt(s)
    zero = np.zeros_like(s)
    oscillating = _gauss(lambda t: np.cos(t / 3) * np.cos(zeta[:, None] * np.sin(t)), zero, zero + math.pi)
    decaying = _gauss(lambda t: np.sinh(t / 3) * np.exp(-zeta[:, None] * np.sinh(t)), zero, np.arcsinh(45.0 / zeta))
    return np.sqrt(s) / 3 * (2 / math.pi * oscillating + math.sqrt(3) / math.pi * decaying)


def _airy_negative_asymptotic(s):
    """Ai(−s) for ζ = (2/3)s^(3/2) >= 20 (DLMF 9.7.9): (π^(−½) s^(−¼))·[cos(ζ − π/4)·Σ (−1)ᵏ u₂ₖ ζ^(−2k) +
    sin(ζ − π/4)·Σ (−1)ᵏ u₂ₖ₊₁ ζ^(−2k−1)], uₖ = uₖ₋₁·(6k−5)(6k−3)(6k−1)/((2k−1)·216k); 40 terms, the smallest
    near k = 2ζ."""
    zeta = 2 / 3 * s * np.sqrt(s)
    term, even, odd = np.ones_like(s), np.ones_like(s), np.zeros_like(s)
    for k in range(1, 41):
        term = term * ((6 * k - 5) * (6 * k - 3) * (6 * k - 1)) / ((2 * k - 1) * 216 * k * zeta)
        sign = 1.0 if (k // 2) % 2 == 0 else -1.0
        if k % 2:
            odd += sign * term
        else:
            even += sign * term
    c, sn = np.cos(zeta), np.sin(zeta)
    return ((c + sn) * even + (sn - c) * odd) / (math.sqrt(2 * math.pi) * np.sqrt(np.sqrt(s)))


def _airy_ai(x):
    out = np.full_like(x, np.nan)           # ±inf (PyTorch's), NaN
    near = (x >= -2) & (x < 1)
    out[near] = _airy_series(x[near])
    positive = (x >= 1) & (x <= 110)        # Ai(x) = (1/π)√(x/3)·K_⅓(ζ); below 1e-330 past x = 110
    xp = x[positive]
    zeta = 2 / 3 * xp * np.sqrt(xp)
    with np.errstate(under="ignore"):
        out[positive] = np.sqrt(xp / 3) / math.pi * np.exp(-zeta) * _k_scaled_integral(1 / 3, zeta)
    out[(x > 110) & np.isfinite(x)] = 0.0
    middle = (x < -2) & (x > -(30.0 ** (2 / 3)))
    out[middle] = _airy_negative(-x[middle])
    far = (x <= -(30.0 ** (2 / 3))) & np.isfinite(x)
    out[far] = _airy_negative_asymptotic(-x[far])
    return out


def _spherical_j0(x):
    with np.errstate(invalid="ignore"):
        out = np.sin(x) / np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.where(np.isinf(x), 0.0, out))   # 1 at 0; PyTorch's 0 at ±inf


# ----------------------------------------------------------------------------------------------------
# The public functions: the kernel on float64 data, the result in PyTorch's dtype, no gradient.


def _data_function(kernel, name):
    def data(x):
        x64 = _f64(x)
        return float_result(kernel(x64.ravel()).reshape(x64.shape), x)

    data.__name__ = f"_{name}_data"
    return data


def _public(kernel, name, summary):
    data = _data_function(kernel, name)   # one object per function: a compiled step recognises it

    def function(input):
        from ..value import Value
        from .nondifferentiable import refuse_complex_in_words, without_gradient

        refuse_complex_in_words(f'"{name}_cpu"', input)  # NumPy would compute on them
        return without_gradient(data, input) if isinstance(input, Value) else data(input)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"{summary}, elementwise (torch.special.{name}): float32 stays float32, integers give "
                        "the default float dtype; no gradient, as PyTorch's.")
    return function


bessel_y0 = _public(_bessel_y(0), "bessel_y0", "Y₀(x), the Bessel function of the second kind of order 0 "
                                               "(NaN for x < 0 and at ±inf, as PyTorch's; −inf at 0)")
bessel_y1 = _public(_bessel_y(1), "bessel_y1", "Y₁(x), the Bessel function of the second kind of order 1 "
                                               "(NaN for x < 0 and at ±inf, as PyTorch's; −inf at 0)")
modified_bessel_k0 = _public(_modified_k(0, scaled=False), "modified_bessel_k0",
                             "K₀(x), the modified Bessel function of the second kind of order 0 (NaN for x < 0, "
                             "inf at 0, 0 at inf)")
modified_bessel_k1 = _public(_modified_k(1, scaled=False), "modified_bessel_k1",
                             "K₁(x), the modified Bessel function of the second kind of order 1 (NaN for x < 0, "
                             "inf at 0, 0 at inf)")
scaled_modified_bessel_k0 = _public(_modified_k(0, scaled=True), "scaled_modified_bessel_k0",
                                    "eˣ·K₀(x), without K₀'s underflow for large x (NaN for x < 0, inf at 0)")
scaled_modified_bessel_k1 = _public(_modified_k(1, scaled=True), "scaled_modified_bessel_k1",
                                    "eˣ·K₁(x), without K₁'s underflow for large x (NaN for x < 0, inf at 0)")
airy_ai = _public(_airy_ai, "airy_ai", "Ai(x), the Airy function of the first kind, the solution of y″ = xy that "
                                       "decays as x → inf (NaN at ±inf, as PyTorch's)")
spherical_bessel_j0 = _public(_spherical_j0, "spherical_bessel_j0",
                              "j₀(x) = sin(x)/x, the spherical Bessel function of the first kind of order 0 (1 at 0, "
                              "0 at ±inf)")
