"""More of torch.special, each a primitive beside its derivative or a composition of primitives:

    xlogy(x, y) = x·log y and xlog1py(x, y) = x·log(1 + y), 0 where x = 0 (unless y is nan), as PyTorch
    entr(x) = −x·log x (0 at 0, −inf below)
    exp2(x) = 2ˣ; logaddexp2(x, y) = log₂(2ˣ + 2ʸ); logit(p, eps) = log(p/(1 − p)); sinc(x) = sin(πx)/(πx)
    i0, i0e, i1, i1e: the modified Bessel functions of the first kind of order 0 and 1 (e: times exp(−|x|))
    zeta(x, q): the Hurwitz zeta function Σₖ (q + k)⁻ˣ (differentiable in q only, as PyTorch)
    bessel_j0, bessel_j1: the Bessel functions of the first kind J₀, J₁ (no gradient, as PyTorch)

The Bessel functions sum their power series for |x| < 20 and their asymptotic series beyond (both to ~1e-17,
40 terms, on whole arrays); zeta is the Euler–Maclaurin formula after shifting q past 10.
"""

from __future__ import annotations

import math

import numpy as np

from .elementwise import cos, log, sigmoid, sin, where
from .index import as_value
from .primitive import primitive
from .special import sign
from .special_kernels import BERNOULLI, float_result

_LN2 = math.log(2.0)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


# ----------------------------------------------------------------------------------------------------
# x·log y, x·log(1 + y), −x·log x


@primitive("xlogy")
def xlogy(input, other):
    """input·log(other), 0 where input == 0 (even at other = 0 or inf), nan where other is nan, as
    torch.xlogy / torch.special.xlogy."""
    x, y = _f64(input), _f64(other)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y))
    return float_result(out, input, other)


@primitive("xlog1py")
def xlog1py(input, other):
    """input·log(1 + other), 0 where input == 0 (unless other is nan), as torch.special.xlog1py."""
    x, y = _f64(input), _f64(other)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log1p(y))
    return float_result(out, input, other)


# ∂/∂x = log y, as PyTorch's xlogy(g, y) with 0 where x == 0 and y <= 0 (log(1 + y), y <= −1 for xlog1py);
# ∂/∂y = x/y (x/(1 + y)).
xlogy.defvjp(lambda g, out, x, y: where((_data(x) == 0) & (_data(y) <= 0), 0.0, xlogy(g, y)),
             lambda g, out, x, y: g * x / y, formulas=("g⊙log y", "g⊙x/y"))
xlog1py.defvjp(lambda g, out, x, y: where((_data(x) == 0) & (_data(y) <= -1), 0.0, xlog1py(g, y)),
               lambda g, out, x, y: g * x / (1 + y), formulas=("g⊙log(1+y)", "g⊙x/(1+y)"))


@primitive("entr")
def entr(input):
    """−x·log x elementwise: 0 at x = 0, −inf for x < 0 (torch.special.entr)."""
    x = _f64(input)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, -np.inf))
    return float_result(np.where(np.isnan(x), np.nan, out), input)


entr.defvjp(lambda g, out, x: -g * (1 + log(x)), formulas=("−g⊙(1 + log x)",))   # inf at 0, nan below, as PyTorch


# ----------------------------------------------------------------------------------------------------
# Powers of two, logit, expit, sinc


@primitive("exp2")
def exp2(input):
    """2ˣ (exact at the integers, unlike exp(x·log 2)); complex x keeps its dtype."""
    x = np.asarray(input)
    if x.dtype.kind == "c":
        return np.exp2(x)[()]
    return float_result(np.exp2(x.astype(np.float64)), x)


exp2.defvjp(lambda g, out, x: g * out * _LN2, formulas=("g⊙2ˣ·log 2",))


@primitive("logaddexp2")
def _logaddexp2(input, other):
    """log₂(2ˣ + 2ʸ): NumPy's max(x, y) + log₂(1 + 2^−|x−y|), without overflow."""
    return np.logaddexp2(input, other)


# ∂/∂x log₂(2ˣ + 2ʸ) = 2ˣ/(2ˣ + 2ʸ) = σ((x − y)·log 2): PyTorch's g/(1 + 2^(y−x)), without its overflow (as
# logaddexp's: NaN where x − y is, ±inf or NaN for an infinite g, PyTorch's second derivative (log 2)/4 at x = y).
_logaddexp2.defvjp(lambda g, out, x, y: g * sigmoid((x - y) * _LN2),
                   lambda g, out, x, y: g * sigmoid((y - x) * _LN2),
                   formulas=("g⊙σ((x−y)·log 2)", "g⊙σ((y−x)·log 2)"))
_logaddexp2.defjvp_elementwise()
_logaddexp2.promotes = True  # float32 with a float64 0-d Value stays float32, as PyTorch's (NumPy: float64)


def logaddexp2(input, other):
    """log₂(2ˣ + 2ʸ) elementwise over the broadcast shape, without overflow; gradients σ((x − y)·log 2) and
    σ((y − x)·log 2), as PyTorch's (NaN where both are +inf or both −inf). One primitive, as logaddexp."""
    return _logaddexp2(as_value(input), other)


@primitive("logit")
def _logit(input, eps=None):
    """log(p/(1 − p)), PyTorch's formula, of p first clamped to [eps, 1 − eps] when eps is given."""
    p = input if eps is None else np.clip(input, eps, 1.0 - eps)
    return np.log(p / (1 - p))


def _logit_vjp(g, out, x, eps=None):
    # d/dp log(p/(1 − p)) = 1/(p(1 − p)), PyTorch's logit_backward: NaN outside [0, 1] without eps (where the value
    # is NaN), 0 outside [eps, 1 − eps] with it (the clamp's); NaN at NaN p either way. One product with g.
    xd = _data(x)
    low, high = (0.0, 1.0) if eps is None else (eps, 1.0 - eps)
    outside = (xd < low) | (xd > high)
    if not np.any(outside):
        return g / (x * (1 - x))
    safe = where(outside, 0.5, x)  # the branch not chosen stays finite, for the second derivative too
    return where(outside, np.nan if eps is None else 0.0, g / (safe * (1 - safe)))


_logit.defvjp(_logit_vjp, formulas=("g/(p(1−p))",))
_logit.defjvp_elementwise()


def logit(input, eps=None):
    """log(p/(1 − p)); with eps, p is first clamped to [eps, 1 − eps] (and the gradient is 0 outside, as PyTorch's).
    NaN outside [0, 1] without eps (its gradient too); ∓inf at 0 and 1. One primitive, PyTorch's gradient."""
    return _logit(input) if eps is None else _logit(input, eps=float(eps))


expit = sigmoid


@primitive("sinc")
def sinc(input):
    """The normalized sinc function sin(πx)/(πx), 1 at 0 (gradient 0 there, as PyTorch's); NaN at ±inf."""
    zero = input == 0
    px = np.where(zero, 1, input) * math.pi  # no 0/0 at 0
    return np.where(zero, 1, np.sin(px) / px)[()]


def _sinc_vjp(g, out, x):
    # d/dx sin(πx)/(πx) = (πx·cos πx − sin πx)/(πx²), 0 where πx² is 0 (x = 0, or so small that it underflows), as
    # PyTorch's sinc_backward: one product with g (the composition's two paths met as ∞ − ∞ for an infinite g).
    xd = _data(x)
    zero = xd * xd * math.pi == 0
    safe = where(zero, 1.0, x) if np.any(zero) else x   # no 0/0 in the branch not chosen, for create_graph too
    px = safe * math.pi
    return where(zero, 0.0, g * (px * cos(px) - sin(px)) / (px * safe))


sinc.defvjp(_sinc_vjp, formulas=("g⊙(πx·cos πx − sin πx)/(πx²)",))
sinc.defjvp_elementwise()


def _data(x):
    return np.asarray(getattr(x, "data", x))


# ----------------------------------------------------------------------------------------------------
# Modified Bessel functions of the first kind, I₀ and I₁


def _bessel_i_scaled(order, x):
    """exp(−|x|)·I_order(|x|) for order 0 or 1 (float64 array)."""
    a = np.abs(x)
    out = np.empty_like(a)
    small = a < 20.0
    s = a[small]
    quarter = s * s / 4
    term = np.ones_like(s) if order == 0 else s / 2
    total = term.copy()
    for k in range(1, 41):                  # I_ν(x) = Σ (x/2)^(2k+ν) / (k! (k+ν)!): ~1e-17 at x = 20 after 40 terms
        term = term * quarter / (k * (k + order))
        total += term
    out[small] = total * np.exp(-s)
    large = ~small
    b = a[large]
    nu4 = 4.0 * order * order              # e⁻ˣ I_ν(x) ~ 1/√(2πx) Σ (−1)ᵏ aₖ(ν)/xᵏ, aₖ = Π_{j≤k}(4ν² − (2j−1)²)/(k! 8ᵏ)
    term = np.ones_like(b)
    total = term.copy()
    for k in range(1, 41):                  # the terms shrink up to k = 2x >= 40
        term = term * -(nu4 - (2 * k - 1) ** 2) / (k * 8.0 * b)
        total += term
    out[large] = total / np.sqrt(2 * math.pi * b)
    return out


def _bessel(order, scaled):
    def kernel(input):
        x = _f64(input)
        with np.errstate(over="ignore", invalid="ignore"):
            out = _bessel_i_scaled(order, x.ravel()).reshape(x.shape)
            if not scaled:
                out = out * np.exp(np.abs(x))
            if order == 1:
                out = np.copysign(out, x)   # I₁ is odd
            out = np.where(np.isinf(x), (np.sign(x) if order == 1 else 1.0) * (0.0 if scaled else np.inf), out)
        return float_result(np.where(np.isnan(x), np.nan, out), input)

    kernel.__name__ = f"i{order}{'e' if scaled else ''}"
    return kernel


i0 = primitive("i0")(_bessel(0, scaled=False))
i0e = primitive("i0e")(_bessel(0, scaled=True))
i1 = primitive("i1")(_bessel(1, scaled=False))
i1e = primitive("i1e")(_bessel(1, scaled=True))
i0.__doc__ = "I₀(x), the modified Bessel function of the first kind of order 0 (torch.i0, torch.special.i0)."
i0e.__doc__ = "exp(−|x|)·I₀(x), without overflow for large |x| (torch.special.i0e)."
i1.__doc__ = "I₁(x), the modified Bessel function of the first kind of order 1 (torch.special.i1)."
i1e.__doc__ = "exp(−|x|)·I₁(x), without overflow for large |x| (torch.special.i1e)."


def _over_x(f, x):
    """f(x)/x with its limit ½ at 0 (f = i1 or i1e, both x/2 + O(x²) there), differentiable through 0."""
    zero = _data(x) == 0
    safe = where(zero, 1.0, x)
    return where(zero, 0.5, f(safe) / safe)


i0.defvjp(lambda g, out, x: g * i1(x), formulas=("g⊙I₁(x)",))                               # I₀′ = I₁
i0e.defvjp(lambda g, out, x: g * (i1e(x) - sign(x) * out), formulas=("g⊙(i1e(x) − sign(x)·i0e(x))",))
i1.defvjp(lambda g, out, x: g * (i0(x) - _over_x(i1, x)), formulas=("g⊙(I₀(x) − I₁(x)/x)",))   # ½ at 0
i1e.defvjp(lambda g, out, x: g * (i0e(x) - sign(x) * out - _over_x(i1e, x)),
           formulas=("g⊙(i0e(x) − sign(x)·i1e(x) − i1e(x)/x)",))
for _p in (xlogy, xlog1py, entr, exp2, i0, i0e, i1, i1e):
    _p.defjvp_elementwise()


# ----------------------------------------------------------------------------------------------------
# Bessel functions of the first kind J₀ and J₁ (values only: PyTorch's carry no gradient either)


def _bessel_j(order, x):
    """J_order(x) for order 0 or 1 (float64 array, any shape). The power series for |x| < 2; for |x| < 20 Bessel's
    integral J_ν(x) = 1/2π ∫₀^2π cos(νt − x sin t) dt by the trapezoidal rule on 64 points, exact to ~1e-16 absolute
    for a periodic analytic integrand (its error is ~J₆₄(x) < 1e-23); beyond, Hankel's asymptotic series (40 terms,
    the smallest near k = 2x), with cos(x − π/4) written as (cos x + sin x)/√2 so that x − π/4 is never rounded."""
    a = np.abs(x)
    out = np.empty_like(a)
    tiny = a < 2.0                          # the power series: no cancellation, relative accuracy near 0
    s = a[tiny]
    quarter = s * s / 4
    term = np.ones_like(s) if order == 0 else s / 2
    total = term.copy()
    for k in range(1, 16):                  # J_ν(x) = Σ (−1)ᵏ (x/2)^(2k+ν) / (k! (k+ν)!)
        term = term * -quarter / (k * (k + order))
        total += term
    out[tiny] = total
    small = (a >= 2.0) & (a < 20.0)
    s = a[small]
    t = 2 * math.pi * (np.arange(32) + 0.5) / 64   # half of 64 points: the integrand is symmetric about π
    out[small] = np.cos(order * t - s[:, None] * np.sin(t)).mean(axis=1)
    large = (a >= 20.0) & np.isfinite(a)
    b = a[large]
    p, q, cos_phase, sin_phase = hankel_series(order, b)
    out[large] = np.sqrt(2 / (math.pi * b)) * (p * cos_phase - q * sin_phase)
    out[~np.isfinite(a)] = np.nan               # PyTorch's J₀(±inf), J₁(±inf) (SciPy's: 0)
    return np.where(np.signbit(x), -out, out) if order == 1 else out   # J₁ is odd


def hankel_series(order, x):
    """Hankel's asymptotic series for x >= 20 (order 0 or 1): P, Q and cos, sin of the phase φ = x − (2·order + 1)π/4,
    so that J = √(2/πx)·(P cos φ − Q sin φ) and Y = √(2/πx)·(P sin φ + Q cos φ). 40 terms, the smallest near k = 2x;
    cos φ and sin φ from cos x and sin x, so that x − π/4 is never rounded."""
    nu4 = 4.0 * order * order
    term, p, q = np.ones_like(x), np.ones_like(x), np.zeros_like(x)
    for k in range(1, 41):                  # P ~ Σ (−1)ᵏ a₂ₖ/x²ᵏ, Q ~ Σ (−1)ᵏ a₂ₖ₊₁/x^(2k+1), aₖ as in i0/i1
        term = term * (nu4 - (2 * k - 1) ** 2) / (k * 8.0 * x)
        if k % 2:
            q += term * (1.0 if k % 4 == 1 else -1.0)
        else:
            p += term * (-1.0 if k % 4 == 2 else 1.0)
    c, sn = np.cos(x), np.sin(x)
    if order == 0:                          # cos(x − π/4), sin(x − π/4)
        return p, q, (c + sn) / math.sqrt(2), (sn - c) / math.sqrt(2)
    return p, q, (sn - c) / math.sqrt(2), -(sn + c) / math.sqrt(2)   # cos(x − 3π/4), sin(x − 3π/4)


def _j0_data(x):
    return float_result(_bessel_j(0, _f64(x).ravel()).reshape(np.shape(x)), x)


def _j1_data(x):
    return float_result(_bessel_j(1, _f64(x).ravel()).reshape(np.shape(x)), x)


def bessel_j0(input):
    """J₀(x), the Bessel function of the first kind of order 0 (torch.special.bessel_j0: no gradient, as there)."""
    return _no_gradient(_j0_data, input, "bessel_j0_cpu")


def bessel_j1(input):
    """J₁(x), the Bessel function of the first kind of order 1 (torch.special.bessel_j1: no gradient, as there)."""
    return _no_gradient(_j1_data, input, "bessel_j1_cpu")


def _no_gradient(fn, x, kernel):
    from ..value import Value
    from .nondifferentiable import refuse_complex_in_words, without_gradient

    refuse_complex_in_words(f'"{kernel}"', x)  # PyTorch's kernel refuses complex numbers; NumPy's would compute
    return without_gradient(fn, x) if isinstance(x, Value) else fn(x)


# ----------------------------------------------------------------------------------------------------
# Hurwitz zeta


def _zeta_kernel(s, q):
    """ζ(s, q) = Σ_{k≥0} (q + k)⁻ˢ for s > 1: the first terms until w = q + k >= max(10, 1.3(s + 17)), then
    Euler–Maclaurin, ζ(s, w) ≈ w^(1−s)/(s−1) + w⁻ˢ/2 + Σⱼ B₂ⱼ/(2j)! · s(s+1)⋯(s+2j−2) · w^(−s−2j+1), j <= 8, whose
    remainder, ~2/(2π)¹⁸ · s(s+1)⋯(s+16)·(s−1)/w¹⁸ relative, is then below 1e-16. As PyTorch (Cephes): inf at
    s = 1 and at q = 0, −1, −2, ...; nan for s < 1, and for q < 0 unless s is an integer."""
    s, q = np.broadcast_arrays(_f64(s), _f64(q))
    shape = s.shape
    s, q = s.ravel(), q.ravel()
    out = np.full(s.shape, np.nan)
    pole = (s == 1) | ((q <= 0) & (q == np.floor(q)) & (s > 1))
    valid = (s > 1) & ~pole & ((q > 0) | (s == np.floor(s))) & np.isfinite(q)
    out[pole] = np.inf
    i = np.flatnonzero(valid)
    s, q = s[i], q[i]
    total = np.zeros_like(s)
    with np.errstate(over="ignore", under="ignore"):
        shift = np.maximum(np.ceil(np.maximum(10.0, 1.3 * (s + 17)) - q), 0.0)
        active = np.flatnonzero(shift > 0)
        k = 0
        while active.size:
            total[active] += (q[active] + k) ** -s[active]
            k += 1
            active = active[shift[active] > k]
        w = q + shift
        power = w ** -s
        total += w * power / (s - 1) + power / 2
        rising = s.copy()                 # s(s+1)⋯(s+2j−2)
        w_power = power / w               # w^(−s−2j+1)
        factorial = 2.0                   # (2j)!
        for j, b in enumerate(BERNOULLI, start=1):
            total += b / factorial * rising * w_power
            rising = rising * (s + 2 * j - 1) * (s + 2 * j)
            w_power = w_power / (w * w)
            factorial *= (2 * j + 1) * (2 * j + 2)
    out[i] = total
    return out.reshape(shape)


@primitive("zeta")
def zeta(input, other):
    """ζ(x, q) = Σ_{k≥0} (q + k)⁻ˣ, the Hurwitz zeta function of x = input and q = other (torch.special.zeta);
    ζ(x, 1) is Riemann's. Differentiable in q only, as PyTorch (∂/∂q = −x·ζ(x + 1, q))."""
    return float_result(_zeta_kernel(input, other), input, other)


def _zeta_not_differentiable_in_x(g, out, x, q):
    raise NotImplementedError("the derivative for 'zeta' is not implemented.")


zeta.defvjp(_zeta_not_differentiable_in_x, lambda g, out, x, q: -g * x * zeta(x + 1, q),
            formulas=("", "−g⊙x·ζ(x+1, q)"))
zeta.defjvp_elementwise()

# PyTorch's names of the inputs, so that torch.special.i0(input=x) and xlogy(x, other=y) work (defarguments).
for _unary in (entr, exp2, i0, i0e, i1, i1e, sinc):
    _unary.defarguments("input")
for _binary in (xlogy, xlog1py, zeta):
    _binary.defarguments("input", "other")

# Mixed dtypes meet in PyTorch's result dtype before the float64 kernels (float32 with int64 stays float32).
xlogy.promotes = True
xlog1py.promotes = True
zeta.promotes = True
