"""NumPy kernels of the special functions: forward values only, float64 in and out, any shape, whole arrays at once
(a loop runs over the terms of a series, never over the elements). The primitives that pair them with their
derivatives are in special_functions.py; SciPy, which the tests compare them with, is not a dependency.

    lgamma_kernel    log|Γ(x)|: Taylor series of log Γ(2 + z) for |z| <= ½, the recurrence Γ(x+1) = xΓ(x) down to
                     there from x < 10, Stirling's series from 10 up, the reflection formula for x < 0
    lgamma1p_kernel  log Γ(1 + a), keeping the digits of tiny a
    polygamma_kernel ψ⁽ⁿ⁾(x): the recurrence up to x >= 10 + 2n, then the asymptotic series; reflection for x < 0
    erf_kernel, erfc_kernel, erfcx_kernel
                     erf's Maclaurin series for |x| <= 1 (erfc's for |x| < ½); elsewhere erfcx(x) = exp(x²) erfc(x)
                     from Chebyshev interpolants on [½, 26] (fitted at import to the C library's erfc at nodes
                     where x² is exact) and its asymptotic series beyond; erfc = exp(−x²)·erfcx, exp(−x²) from an
                     exact split of x²; ndtr likewise
    ndtri_kernel, erfinv_kernel, erfcinv_kernel
                     Wichura's rational approximations (AS 241, 1988) of Φ⁻¹, in p − ½ centrally and in √(−log p)
                     in the tails; one Newton step (on erf, on log erfc) for erfinv and for the tails
"""

from __future__ import annotations

import math

import numpy as np

_EULER_GAMMA = 0.5772156649015329
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_TWO_OVER_SQRT_PI_HI, _TWO_OVER_SQRT_PI_LO = 1.1283791670955126, 1.533545961316588e-17  # 2/√π = HI + LO (mpmath)
# ζ(k) − 1 for k = 2 … 30 (mpmath, 40 digits): the Taylor coefficients of log Γ(2 + z).
_ZETA_MINUS_1 = (
    0.6449340668482264, 0.2020569031595943, 0.08232323371113819, 0.03692775514336993,
    0.01734306198444914, 0.008349277381922827, 0.00407735619794434, 0.0020083928260822143,
    0.0009945751278180853, 0.0004941886041194645, 0.0002460865533080483, 0.00012271334757848915,
    6.124813505870483e-05, 3.058823630702049e-05, 1.528225940865187e-05, 7.637197637899763e-06,
    3.81729326499984e-06, 1.908212716553939e-06, 9.539620338727962e-07, 4.769329867878064e-07,
    2.38450502727733e-07, 1.1921992596531106e-07, 5.960818905125948e-08, 2.980350351465228e-08,
    1.4901554828365043e-08, 7.45071178983543e-09, 3.725334024788457e-09, 1.862659723513049e-09,
    9.313274324196682e-10)
# Bernoulli numbers B₂, B₄, …, B₁₆, for Stirling's series and the asymptotic series of polygamma.
BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def float_result(out, *inputs):
    """A kernel's float64 result in its inputs' common float dtype (float32 stays float32; integers and bools give
    the default float dtype, float32 unless `set_default_dtype` changed it, as PyTorch's), a NumPy scalar for 0-d
    inputs."""
    dtype = np.result_type(*[np.asarray(x) for x in inputs])
    if dtype.kind != "f":
        from ..dtypes import DEFAULTS

        dtype = DEFAULTS["dtype"]
    return np.asarray(out).astype(dtype)[()]


def _sinpi_abs(x):
    """|sin(πx)|, exact at integers and half-integers (x reduced to [−½, ½] before multiplying by π)."""
    return np.abs(np.sin(math.pi * (x - np.round(x))))


# ----------------------------------------------------------------------------------------------------
# log Γ


def _lgamma2p(z):
    """log Γ(2 + z) for |z| <= ½: (1 − γ) z + Σ_{k≥2} (−1)ᵏ (ζ(k) − 1) zᵏ / k (radius 2, so 29 terms reach 1e-18)."""
    acc = np.zeros_like(z)
    for k in range(len(_ZETA_MINUS_1) + 1, 1, -1):
        acc = acc * z + (1.0 if k % 2 == 0 else -1.0) * _ZETA_MINUS_1[k - 2] / k
    return (acc * z + (1.0 - _EULER_GAMMA)) * z


def stirling_correction(x):
    """log Γ(x) − [(x − ½) log x − x + ½ log 2π] = Σ B₂ₖ / (2k(2k−1) x^(2k−1)), to 1e-17 for x >= 10."""
    inv, inv2 = 1.0 / x, 1.0 / (x * x)
    acc = np.zeros_like(x)
    for k in range(len(BERNOULLI), 0, -1):
        acc = acc * inv2 + BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
    return acc * inv


def _lgamma_positive(x):
    """log Γ(x) for x > 0 (finite)."""
    out = np.empty_like(x)
    big = x >= 10
    xb = x[big]
    out[big] = (xb - 0.5) * np.log(xb) - xb + _HALF_LOG_2PI + stirling_correction(xb)

    tiny = x < 0.5                              # log Γ(x) = log Γ(x + 2) − log x − log(1 + x)
    xt = x[tiny]
    out[tiny] = _lgamma2p(xt) - np.log(xt) - np.log1p(xt)
    near1 = (x >= 0.5) & (x < 1.5)              # log Γ(x) = log Γ(x + 1) − log x, x − 1 exact
    z = x[near1] - 1.0
    out[near1] = _lgamma2p(z) - np.log1p(z)

    mid = (x >= 1.5) & (x < 10)                 # down to w in [1.5, 2.5): Γ(x) = (x−1)⋯(w) Γ(w)
    xm = x[mid]
    steps = np.floor(xm - 1.5)
    w = xm - steps
    product = np.ones_like(xm)
    for j in range(8):
        product *= np.where(j < steps, w + j, 1.0)
    out[mid] = _lgamma2p(w - 2.0) + np.log(product)
    return out


@np.errstate(over="ignore", under="ignore")  # 1/x² of huge x is 0, as it should
def lgamma_kernel(x):
    """log |Γ(x)|, as PyTorch's lgamma: inf at 0, at the negative integers and at ±inf."""
    x = _f64(x)
    shape = x.shape
    x = x.ravel()
    out = np.full_like(x, np.inf)
    finite = np.isfinite(x)
    positive = finite & (x > 0)
    out[positive] = _lgamma_positive(x[positive])
    negative = finite & (x < 0) & (x != np.floor(x))   # log|Γ(x)| = log(π/|sin πx|) − log Γ(1 − x)
    xn = x[negative]
    out[negative] = math.log(math.pi) - np.log(_sinpi_abs(xn)) - _lgamma_positive(1.0 - xn)
    out[np.isnan(x)] = np.nan
    return out.reshape(shape)


def lgamma1p_kernel(a):
    """log Γ(1 + a) for a >= 0, keeping the digits of tiny a (where 1 + a would round them away)."""
    a = _f64(a)
    out = lgamma_kernel(1.0 + a)
    small = a <= 0.5
    s = a[small]
    out[small] = _lgamma2p(s) - np.log1p(s)
    return out


# ----------------------------------------------------------------------------------------------------
# ψ⁽ⁿ⁾


def _polygamma_positive(n, x):
    """ψ⁽ⁿ⁾(x) for x > 0: shift x up past 10 + 2n with ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/x^(n+1), then the asymptotic
    series (Horner in 1/z²), whose last term is below 1e-17 relative there (its terms grow with n, hence the 2n)."""
    sign = -1.0 if n % 2 else 1.0
    factorial = math.factorial(n)
    shift = np.maximum(np.ceil(10.0 + 2 * n - x), 0.0)
    shifted = np.zeros_like(x)                      # Σ_{k < shift} 1/(x + k)^(n+1)
    for k in range(int(shift.max(initial=0))):     # (np.add's where= is ~4x slower than np.where here)
        shifted += np.where(shift > k, _power(1.0 / (x + k), n + 1), 0.0)
    z = x + shift
    inv = 1.0 / z
    inv2 = inv * inv
    series = np.zeros_like(z)
    if n == 0:                                      # ψ(z) ~ log z − 1/(2z) − Σ B₂ₖ/(2k z^(2k))
        for k in range(len(BERNOULLI), 0, -1):
            series = series * inv2 + BERNOULLI[k - 1] / (2 * k)
        return np.log(z) - 0.5 * inv - series * inv2 - shifted
    # ψ⁽ⁿ⁾(z) ~ (−1)ⁿ⁺¹ z⁻ⁿ [ (n−1)! + n!/(2z) + Σ B₂ₖ (2k+n−1)!/(2k)! z^(−2k) ]
    for k in range(len(BERNOULLI), 0, -1):
        series = series * inv2 + BERNOULLI[k - 1] * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
    asymptotic = _power(inv, n) * (math.factorial(n - 1) + (0.5 * factorial) * inv + series * inv2)
    return -sign * (asymptotic + factorial * shifted)


def _power(v, m):
    """vᵐ for a small positive integer m, by multiplication (np.power's general pow is ~10x slower)."""
    out = v
    for _ in range(m - 1):
        out = out * v
    return out


def _cotpi(x):
    """cot(πx), exact to a few ulps: x reduced to r in [−½, ½] (cot has period 1), and near ±½, where tan(πr)
    blows up, cot(πr) = ±tan(π(½ − |r|)) with ½ − |r| exact."""
    r = x - np.round(x)
    ar = np.abs(r)
    with np.errstate(divide="ignore"):
        return np.copysign(np.where(ar <= 0.25, 1.0 / np.tan(math.pi * ar), np.tan(math.pi * (0.5 - ar))), r)


def _cot_derivative(n):
    """The polynomial P with dⁿ/dxⁿ cot(πx) = πⁿ P(cot πx) (power-basis coefficients): P₀ = c and
    Pₖ₊₁ = −(1 + c²) Pₖ′, since d cot(πx)/dx = −π (1 + cot² πx)."""
    poly = np.array([0.0, 1.0])
    for _ in range(n):
        poly = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], np.polynomial.polynomial.polyder(poly))
    return poly


def polygamma_kernel(x, n=0):
    """ψ⁽ⁿ⁾(x), the n-th derivative of digamma, for every real x: for x < 0 by the reflection formula
    ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − πⁿ⁺¹ Pₙ(cot πx) (ψ(x) = ψ(1 − x) − π cot πx differentiated n times). At 0 and
    the negative integers: ψ(±0) = ∓inf and nan elsewhere (as PyTorch), ψ⁽ⁿ⁾ = (−1)ⁿ⁺¹ inf for n >= 1 (as SciPy)."""
    x = _f64(x)
    shape = x.shape
    x = x.ravel()
    out = np.full_like(x, np.nan)
    pole = (x == np.floor(x)) & (x <= 0)
    regular = np.isfinite(x) & ~pole
    positive = regular & (x > 0)
    negative = regular & (x < 0)
    with np.errstate(over="ignore", divide="ignore", under="ignore"):
        out[positive] = _polygamma_positive(n, x[positive])
        xn = x[negative]
        cot = _cotpi(xn)
        out[negative] = (-1.0) ** n * _polygamma_positive(n, 1.0 - xn) - math.pi ** (n + 1) * \
            np.polynomial.polynomial.polyval(cot, _cot_derivative(n))
    if n == 0:
        out[x == 0] = np.where(np.signbit(x[x == 0]), np.inf, -np.inf)
        out[np.isposinf(x)] = np.inf
    else:
        out[pole] = np.inf if n % 2 else -np.inf
        out[np.isposinf(x)] = 0.0 if n % 2 else -0.0
    return out.reshape(shape)


# ----------------------------------------------------------------------------------------------------
# erf, erfc, erfcx


def _erf_small(x):
    """erf(x) for |x| <= 1 (and for erfinv's Newton step, |x| <= 1.02): 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)), 22
    terms (1/(22!·45) < 1e-22), summed as x + x·[(2/√π − 1) + …] (2/√π in two parts), so that x itself is never
    rounded: within an ulp."""
    t = x * x
    acc = np.zeros_like(x)
    for coefficient in _ERF_SERIES:
        acc = acc * t + coefficient
    return x + x * ((_TWO_OVER_SQRT_PI_HI - 1.0) + (_TWO_OVER_SQRT_PI_LO + acc * t))


_ERF_SERIES = [2 / _SQRT_PI * (-1.0) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(22, 0, -1)]


def _exp_minus_square(x):
    """exp(−x²) for |x| < 27 without the rounding of x² (which costs up to x²·1e-16 relative): x = h + l with h
    on a grid of 2⁻¹³, so h² is exact, and x² = h² + l(x + h)."""
    h = np.round(x * 8192.0) / 8192.0
    return np.exp(-h * h) * np.exp(-(x - h) * (x + h))


def ndtr_kernel(x):
    """Φ(x), the standard normal CDF: erfc(−x/√2)/2, and in the left tail exp(−x²/2)·erfcx(−x/√2)/2 with x²
    split exactly (rounding x/√2 before squaring it would cost x²·1e-16 relative)."""
    x = _f64(x)
    out = np.array(0.5 * erfc_kernel(x * -_SQRT_HALF))
    tail = x < -1.0
    xt = np.maximum(x[tail], -40.0)         # Φ(−40) underflows
    h = np.round(xt * 8192.0) / 8192.0
    with np.errstate(under="ignore"):
        out[tail] = np.exp(-h * h / 2) * np.exp(-(xt - h) * (xt + h) / 2) * erfcx_kernel(xt * -_SQRT_HALF) / 2
    return out


# erfcx(x) = exp(x²)·erfc(x) on [lo, hi] as a Chebyshev series in t = (2x − lo − hi)/(hi − lo): the interpolant at
# the Chebyshev points of each piece, of the degree where the coefficients fall below 2e-17 of the first, computed
# with mpmath by scripts/gen_erfcx_coefficients.py and rounded once (a float64 solve at import rounded differently
# with each BLAS kernel, so the quantiles built on erfcx moved by an ulp from machine to machine).
_ERFCX_PIECES = (
    (0.5, 1.0, (
        0.5142540300448141, -0.09353436157631646, 0.007349543567965961, -0.0005170287683170955, 3.327489181039832e-05,
        -1.9877609419315706e-06, 1.1137198399251981e-07, -5.898649609389129e-09, 2.9712990142852805e-10,
        -1.430488185776257e-11, 6.608616284265576e-13, -2.939555289997837e-14, 1.2625028540336645e-15,
        -5.2483534858603674e-17, 2.116281534737731e-18, -8.280881761800545e-20,
    )),
    (1.0, 2.0, (
        0.331427281639452, -0.0850021377067432, 0.009951127341466115, -0.0010810888102208325, 0.0001102324363119495,
        -1.0636830518218601e-05, 9.775012680479055e-07, -8.597922867888315e-08, 7.2677084117248425e-09,
        -5.923543840592542e-10, 4.6683928572294154e-11, -3.56612770156775e-12, 2.6458779519104397e-13,
        -1.9101658673505958e-14, 1.3439765881112982e-15, -9.228789931130349e-17, 6.192571273780526e-18,
        -4.0487538818083207e-19,
    )),
    (2.0, 3.5, (
        0.19943078169681192, -0.04938002535992735, 0.00584049638189269, -0.0006632226933017975, 7.259178935511736e-05,
        -7.682952765978158e-06, 7.883915794570548e-07, -7.861599623239447e-08, 7.632681897920269e-09,
        -7.227220937985042e-10, 6.683956650788739e-11, -6.045467151546551e-12, 5.353822288044626e-13,
        -4.647160251983143e-14, 3.957386034354786e-15, -3.3089920434758867e-16, 2.718855420711479e-17,
        -2.1967068613497492e-18, 1.736018501816568e-19,
    )),
    (3.5, 6.0, (
        0.12011119518612726, -0.03077508367843977, 0.003865397162805732, -0.00047649553104630324,
        5.770371528146291e-05, -6.87063803752421e-06, 8.049536979209691e-07, -9.285957122953073e-08,
        1.055453759031051e-08, -1.1826607946099641e-09, 1.3071369079163705e-10, -1.4257239280506568e-11,
        1.5353276736774002e-12, -1.6330584393840216e-13, 1.7163606034107875e-14, -1.78312328246982e-15,
        1.8317656039700646e-16, -1.8612907223455743e-17, 1.8711449368629293e-18, -1.8441650253267154e-19,
    )),
    (6.0, 10.0, (
        0.07218836238312346, -0.01803850214517985, 0.0022363164441181705, -0.00027515159107250204,
        3.360388926998497e-05, -4.074319785610128e-06, 4.904952830653819e-07, -5.863971311998301e-08,
        6.9628408676638255e-09, -8.212521084436486e-10, 9.62315024116335e-11, -1.120370996905925e-11,
        1.2961678089430913e-12, -1.4902679229946793e-13, 1.7030143896690432e-14, -1.934498741385427e-15,
        2.1845320051152867e-16, -2.452615948862039e-17, 2.737542952168851e-18, -3.002510944839857e-19,
    )),
    (10.0, 16.0, (
        0.044453616880717195, -0.010333617744215172, 0.0011974221377040047, -0.00013833557017901586,
        1.5933969697037123e-05, -1.8299080354428173e-06, 2.0953717344990565e-07, -2.3923824101266504e-08,
        2.723634143810436e-09, -3.09190632466316e-10, 3.500046464102542e-11, -3.950950198980951e-12,
        4.4475384680910515e-13, -4.9927318932303616e-14, 5.589422446195025e-15, -6.24044253502124e-16,
        6.948531561765601e-17, -7.716287515119512e-18, 8.544943903155536e-19, -9.326161590067074e-20,
    )),
    (16.0, 26.0, (
        0.027625582483177192, -0.006657186289284884, 0.0008011679715210748, -9.630346774734853e-05,
        1.1562389995708994e-05, -1.3865722124475135e-06, 1.6608422927940377e-07, -1.987042436096767e-08,
        2.3745457278950756e-09, -2.834329726985849e-10, 3.3792352090590295e-11, -4.0242638670148995e-12,
        4.786920374155616e-13, -5.68760489440081e-14, 6.750062875869145e-15, -8.001899797145448e-16,
        9.475169452002678e-17, -1.1207044999070858e-17, 1.3240551112735877e-18, -1.5622609670369686e-19,
        1.8164560775830662e-20,
    )),
)
_ERFCX_EDGES = tuple(lo for lo, _, _ in _ERFCX_PIECES) + (_ERFCX_PIECES[-1][1],)


@np.errstate(over="ignore", under="ignore")  # 1/x² of huge x is 0, as it should
def _erfcx_large(x):
    """erfcx(x) for x >= ½ (finite or inf)."""
    out = np.empty_like(x)
    for lo, hi, coefficients in _ERFCX_PIECES:
        inside = (x >= lo) & (x < hi)
        out[inside] = np.polynomial.chebyshev.chebval((2 * x[inside] - (lo + hi)) / (hi - lo), coefficients)
    tail = x >= _ERFCX_EDGES[-1]            # 1/(x√π) Σ (−1)ᵏ (2k−1)!!/(2x²)ᵏ: 10 terms reach 1e-19 at x = 26
    xt = x[tail]
    u = 1.0 / (2.0 * xt * xt)
    acc = np.ones_like(xt)
    for k in range(10, 0, -1):
        acc = 1.0 - (2 * k - 1) * u * acc
    out[tail] = acc / (xt * _SQRT_PI)
    return out


def erfc_kernel(x):
    """erfc(x) = 1 − erf(x), accurate to the last bits in the tail (down to the underflow past x = 27.2)."""
    x = _f64(x)
    out = np.empty_like(x)
    small = np.abs(x) < 0.5
    out[small] = 1.0 - _erf_small(x[small])
    large = ~small
    xa = np.abs(x[large])
    with np.errstate(over="ignore", invalid="ignore"):
        positive = np.where(xa < 27.3, _exp_minus_square(np.minimum(xa, 27.3)) * _erfcx_large(xa), 0.0)
    out[large] = np.where(x[large] > 0, positive, 2.0 - positive)
    out[np.isnan(x)] = np.nan
    return out


def erf_kernel(x):
    """erf(x) = 2/√π ∫₀ˣ exp(−t²) dt."""
    x = _f64(x)
    out = np.empty_like(x)
    small = np.abs(x) <= 1.0
    out[small] = _erf_small(x[small])
    large = ~small
    xl = x[large]
    out[large] = np.copysign(1.0 - erfc_kernel(np.abs(xl)), xl)
    return out


def erfcx_kernel(x):
    """erfcx(x) = exp(x²) erfc(x), the scaled complementary error function: ~1/(x√π) for large x, no overflow;
    for x < 0, 2 exp(x²) − erfcx(−x), which overflows to inf below −26.6."""
    x = _f64(x)
    out = np.empty_like(x)
    small = np.abs(x) < 0.5
    xs = x[small]
    out[small] = np.exp(xs * xs) * (1.0 - _erf_small(xs))
    large = ~small & (x > 0)
    out[large] = _erfcx_large(x[large])
    negative = ~small & (x < 0)
    xn = -x[negative]
    with np.errstate(over="ignore", invalid="ignore"):
        h = np.round(np.minimum(xn, 30.0) * 8192.0) / 8192.0
        twice = 2.0 * np.exp(h * h) * np.exp((xn - h) * (xn + h))
        out[negative] = np.where(xn < 26.7, twice - _erfcx_large(xn), np.inf)
    out[np.isnan(x)] = np.nan
    return out


# ----------------------------------------------------------------------------------------------------
# The normal quantile Φ⁻¹ (ndtri), erfinv and erfcinv: Wichura's rational approximations (AS 241)


# M. J. Wichura, "Algorithm AS 241: The percentage points of the normal distribution", Applied Statistics 37 (1988)
# 477–484, PPND16 (relative error ~1e-16). With q = p − ½:
#   central, |q| <= 0.425:   Φ⁻¹(p) = q·A(r)/B(r),             r = 0.180625 − q² (0.180625 = 0.425²)
#   tails, s = √(−log t) for t = min(p, 1 − p) <= 0.075 (s >= 1.61), |Φ⁻¹(p)| =
#                            C(s − 1.6)/D(s − 1.6) for s <= 5,   E(s − 5)/F(s − 5) beyond (t < e⁻²⁵ ≈ 1.4e-11)
# Coefficients lowest degree first, as published; B, D and F begin with 1.
_AS241_A = (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
            4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3)
_AS241_B = (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
            2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4, 5.2264952788528545610e3)
_AS241_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
            1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2,
            7.74545014278341407640e-4)
_AS241_D = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
            1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
            1.05075007164441684324e-9)
_AS241_E = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
            2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5,
            2.01033439929228813265e-7)
_AS241_F = (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
            7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
            2.04426310338993978564e-15)
_CENTRAL_HALF_WIDTH = 0.425     # the central region: |p − ½| <= 0.425, |y| <= 0.85 for erfinv(y)
_LOG_2 = math.log(2.0)


def _minus_constant_over_r(numerator, denominator):
    """The coefficients of N(r) = (A(r) − a₀·B(r))/r, so that A/B = a₀ + r·N/B (B(0) = 1), each formed exactly
    from the float constants (integer arithmetic on their binary fractions) and rounded once: rounding a₀·bₖ
    first costs up to an ulp of the quotient."""
    a0_num, a0_den = numerator[0].as_integer_ratio()
    out = []
    for a, b in zip(numerator[1:], denominator[1:]):
        (a_num, a_den), (b_num, b_den) = a.as_integer_ratio(), b.as_integer_ratio()
        out.append((a_num * a0_den * b_den - a0_num * b_num * a_den) / (a_den * a0_den * b_den))
    return tuple(out)


# A/B evaluated as a₀ + r·N/B: the rounding of the two polynomials and of their quotient then falls on a correction
# of about a third of the result at most (A/B runs from √(2π) = 2.507 at q = 0 to a₀ = 3.387 at |q| = 0.425),
# which takes the central region from ~6 ulps to ~2 of Φ⁻¹ (measured against mpmath).
_AS241_N = _minus_constant_over_r(_AS241_A, _AS241_B)


def _polynomial(coefficients, t):
    """Σ coefficients[k]·tᵏ by Horner's rule, updating one new array in place."""
    acc = coefficients[-1] * t
    for c in coefficients[-2:0:-1]:
        acc += c
        acc *= t
    acc += coefficients[0]
    return acc


def _as241_central_ratio(q):
    """Φ⁻¹(½ + q)/q for |q| <= 0.425, from √(2π) at q = 0 to 3.39: AS 241's A(r)/B(r), r = 0.180625 − q²."""
    r = 0.180625 - q * q
    return _AS241_A[0] + r * (_polynomial(_AS241_N, r) / _polynomial(_AS241_B, r))


def _as241_tail(s):
    """|Φ⁻¹(t)| for a tail probability t <= 0.075 from s = √(−log t) >= 1.6: AS 241's C/D in s − 1.6 up to s = 5,
    E/F in s − 5 beyond."""
    out = np.empty_like(s)
    near = s <= 5.0
    t = s[near] - 1.6
    out[near] = _polynomial(_AS241_C, t) / _polynomial(_AS241_D, t)
    far = ~near
    t = s[far] - 5.0
    out[far] = _polynomial(_AS241_E, t) / _polynomial(_AS241_F, t)
    return out


def _erfinv_central(y, y_low=0.0):
    """erfinv(y + y_low) for |y| <= 0.85 (|z| <= 1.02), y_low a rounding error below y's last bit (erfcinv's):
    AS 241's central region as y·(A/B)·(1/(2√2)), never forming y/2 (a subnormal y would lose its last bit),
    then one Newton step on erf(z) − y − y_low. The step (erf's series) takes AS 241's ~3 ulps here (its ~2e-16,
    and the roundings of the quotient and of the constant 1/(2√2)) to the ulp or so of the series."""
    z = y * (_as241_central_ratio(0.5 * y) * (0.5 * _SQRT_HALF))
    return z - ((_erf_small(z) - y) - y_low) * (_SQRT_PI / 2) * np.exp(z * z)


def _square_split(x):
    """x² = hi + lo for |x| < 64, hi exact: h = x rounded to a multiple of 2⁻¹³, hi = h², lo = (x − h)(x + h)."""
    h = np.round(x * 8192.0) / 8192.0
    return h * h, (x - h) * (x + h)


def _tail_quantile(c, normal):
    """For 0 < c <= 0.15: erfcinv(c) (1.02 to 27.2), or with normal=True |Φ⁻¹(c/2)| = √2·erfcinv(c) (ndtri's
    tails), each computed in its own units so that no rescaling rounds it afterwards.

    AS 241's tail at t = c/2 gives the start (−log t as log 2 − log c: c/2 would round for a subnormal c) to a few
    ulps: its own ~2e-16, and the rounding of log t and of the square root, which it magnifies up to 2× near
    s = 1.6. One Newton step on log erfc(z) − log c = log erfcx(z) − z² − log c (z = erfcinv(c)) takes it to the
    accuracy of that residual: its terms stay accurate down to c ~ 5e-324, z² = h² + (z − h)(z + h) is split
    exactly, and h² + log c is exact (Sterbenz's lemma: −log c = z² − log erfcx(z) lies between z² and 2z²)."""
    log_c = np.log(c)
    v = _as241_tail(np.sqrt(_LOG_2 - log_c))
    if normal:                              # v = √2·z: z² = v²/2, dv = √2·dz
        z = v * _SQRT_HALF
        hi, lo = _square_split(v)
        hi, lo, step = 0.5 * hi, 0.5 * lo, math.sqrt(math.pi / 2)
    else:
        v *= _SQRT_HALF
        z = v
        hi, lo = _square_split(v)
        step = _SQRT_PI / 2
    scaled = _erfcx_large(z)                # d log erfc(z)/dz = −2/(√π·erfcx(z))
    return v + ((np.log(scaled) - (hi + log_c)) - lo) * step * scaled


def ndtri_kernel(p):
    """Φ⁻¹(p), the standard normal quantile, for p in (0, 1); −inf at 0, inf at 1, nan outside [0, 1] and for nan.

    Central region: q·A/B with q = p − ½, within 2 ulps (measured against mpmath). q rounds for p < ¼ (exact from
    ¼ up, by Sterbenz's lemma), by at most 2⁻⁵⁵; putting that error back (it is p − (q + ½) exactly, and moves
    Φ⁻¹ by √(2π)·exp(x²/2) times as much) changed no maximum and cost a fifth of the time, so it is left.
    Tails: ∓√2·erfcinv(2t) (computed as such, not rescaled), within an ulp, with t = min(p, 1 − p), 1 − p exact
    for p >= ½."""
    p = _f64(p)
    out = np.full_like(p, np.nan)
    q = p - 0.5
    central = np.abs(q) <= _CENTRAL_HALF_WIDTH
    qc = q[central]
    out[central] = qc * _as241_central_ratio(qc)
    lower = (p > 0) & (q < -_CENTRAL_HALF_WIDTH)
    out[lower] = -_tail_quantile(2.0 * p[lower], normal=True)
    upper = (p < 1) & (q > _CENTRAL_HALF_WIDTH)
    out[upper] = _tail_quantile(2.0 * (1.0 - p[upper]), normal=True)
    out[p == 0], out[p == 1] = -np.inf, np.inf
    return out


def erfinv_kernel(y):
    """The inverse of erf on (−1, 1), ±inf at ±1, nan outside [−1, 1] and for nan: erfinv(y) = Φ⁻¹((1 + y)/2)/√2,
    AS 241's central region for |y| <= 0.85 (never through (1 + y)/2 − ½, which loses a tiny y), ±erfcinv(1 − |y|)
    beyond, 1 − |y| exact for |y| >= ½."""
    y = _f64(y)
    out = np.full_like(y, np.nan)
    central = np.abs(y) <= 2 * _CENTRAL_HALF_WIDTH
    out[central] = _erfinv_central(y[central])
    tail = ~central & (np.abs(y) < 1)
    yt = y[tail]
    out[tail] = np.copysign(_tail_quantile(1.0 - np.abs(yt), normal=False), yt)
    out[y == 1], out[y == -1] = np.inf, -np.inf
    return out


def erfcinv_kernel(c):
    """The inverse of erfc on (0, 2), inf at 0, −inf at 2, nan outside [0, 2] and for nan: erfinv(1 − c) for
    |1 − c| <= 0.85, with the rounding error (1 − y) − c of y = 1 − c (nonzero for c < ½; both subtractions exact
    by Sterbenz's lemma) in its Newton step; the tail formula for c < 0.15, and −erfcinv(2 − c) for c > 1.85."""
    c = _f64(c)
    out = np.full_like(c, np.nan)
    y = 1.0 - c
    central = np.abs(y) <= 2 * _CENTRAL_HALF_WIDTH
    yc = y[central]
    out[central] = _erfinv_central(yc, (1.0 - yc) - c[central])
    lower = (c > 0) & (y > 2 * _CENTRAL_HALF_WIDTH)
    out[lower] = _tail_quantile(c[lower], normal=False)
    upper = (c < 2) & (y < -2 * _CENTRAL_HALF_WIDTH)
    out[upper] = -_tail_quantile(2.0 - c[upper], normal=False)
    out[c == 0], out[c == 2] = np.inf, -np.inf
    return out
