"""The regularized incomplete gamma functions on NumPy arrays (forward values only; their primitives, with the
derivative, are in special_functions.py):

    P(a, x) = γ(a, x) / Γ(a) = 1/Γ(a) ∫₀ˣ tᵃ⁻¹ e⁻ᵗ dt        (torch.igamma, torch.special.gammainc)
    Q(a, x) = 1 − P(a, x)                                   (torch.igammac, torch.special.gammaincc)

Each element takes one of three roads, all evaluated for whole arrays at once (a loop runs over the terms, on the
elements still converging, never over the elements):
  - x < a + 1: the power series of P, whose terms are all positive (no cancellation); Q = 1 − P, except
  - small a and x ≤ 1.1, where Q is close to 0 and 1 − P would cancel: Q's own series, with log Γ(1 + a) from
    a Taylor series so that tiny a keep their digits;
  - x ≥ a + 1: Legendre's continued fraction for Q (modified Lentz), P = 1 − Q.
The common factor xᵃe⁻ˣ/Γ(a) is taken through its logarithm; for a ≥ 10 that logarithm is rewritten with
Stirling's series as a·(log(1+t) − t) + ½ log(a/2π) − (Stirling's correction), t = (x − a)/a, which keeps full
precision for large a where a·log x − x − log Γ(a) would cancel.

Special values follow PyTorch: nan for a < 0 or x < 0 or a = x = 0 or a = x = inf; P(0, x > 0) = 1; P(a > 0, 0) = 0;
P(a, inf) = 1; P(inf, x < inf) = 0.
"""

from __future__ import annotations

import math

import numpy as np

from .special_kernels import lgamma1p_kernel, lgamma_kernel, stirling_correction

_EPS = np.finfo(np.float64).eps
_TINY = 1e-300
_MAX_TERMS = 100_000  # enough for a up to ~1e8 near x = a (the series needs about 9·√a terms there)


def igamma_kernel(a, x):
    """P(a, x), broadcast, as float64."""
    return _regularized(a, x)[0]


def igammac_kernel(a, x):
    """Q(a, x), broadcast, as float64."""
    return _regularized(a, x)[1]


def _regularized(a, x):
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    p, q = np.full(a.shape, np.nan), np.full(a.shape, np.nan)

    # The edges, as PyTorch gives them.
    valid = (a >= 0) & (x >= 0) & ~((a == 0) & (x == 0)) & ~(np.isposinf(a) & np.isposinf(x))
    one = valid & ((a == 0) | np.isposinf(x))             # P = 1
    zero = valid & ~one & ((x == 0) | np.isposinf(a))     # P = 0
    p[one], q[one], p[zero], q[zero] = 1.0, 0.0, 0.0, 1.0
    inner = valid & ~one & ~zero  # 0 < a, x < inf

    log_x = np.log(np.where(inner & (x < 0.5), x, 0.5))
    small_q = inner & (((x < 0.5) & (-a * log_x <= 0.4)) |
                       ((x >= 0.5) & (x <= 1.1) & (a <= 0.75 * x)))
    series = inner & ~small_q & (x < a + 1)
    fraction = inner & ~small_q & ~series

    i = np.flatnonzero(series)
    p[i] = _lower_series(a[i], x[i])
    q[i] = 1.0 - p[i]
    i = np.flatnonzero(small_q)
    q[i] = _upper_series(a[i], x[i])
    p[i] = 1.0 - q[i]
    i = np.flatnonzero(fraction)
    q[i] = _upper_fraction(a[i], x[i])
    p[i] = 1.0 - q[i]
    return p.reshape(shape), q.reshape(shape)


def _log1pmx(x, a):
    """log(1 + t) − t for t = (x − a)/a, without the cancellation of the two for small t (and from x/a rather than
    1 + t for large |t|, where 1 + t would lose x's digits when x << a)."""
    t = (x - a) / a
    out = np.log(x / a) - t
    small = np.abs(t) < 0.25
    ts = t[small]
    # log(1 + t) − t = Σ_{k≥2} (−1)^(k+1) tᵏ/k: 26 terms reach 0.25²⁶/26 < 1e-17 of t²/2.
    acc = np.zeros_like(ts)
    for k in range(27, 1, -1):
        acc = acc * ts + (1.0 if k % 2 else -1.0) / k
    out[small] = acc * ts * ts
    return out


def _log_prefactor(a, x):
    """log(xᵃ e⁻ˣ / Γ(a)) for 0 < a, 0 <= x < inf."""
    out = a * np.log(x) - x - lgamma_kernel(a)
    big = a >= 10
    ab, xb = a[big], x[big]
    out[big] = ab * _log1pmx(xb, ab) + 0.5 * np.log(ab / (2 * math.pi)) - stirling_correction(ab)
    return out


def _lower_series(a, x):
    """P(a, x) = xᵃe⁻ˣ/Γ(a+1) · Σ_{n≥0} xⁿ / ((a+1)⋯(a+n)), for x < a + 1 (every term positive)."""
    total = np.ones_like(a)
    term = np.ones_like(a)
    active = np.arange(a.size)
    for n in range(1, _MAX_TERMS):
        if not active.size:
            break
        term[active] *= x[active] / (a[active] + n)
        total[active] += term[active]
        active = active[term[active] > _EPS / 4 * total[active]]
    return np.exp(_log_prefactor(a, x)) / a * total


def _upper_series(a, x):
    """Q(a, x) = −expm1(a log x − log Γ(1+a)) − xᵃ/Γ(1+a) · a Σ_{n≥1} (−x)ⁿ / (n! (a+n)), for x <= 1.1 and small
    a, where P is close to 1: the first term is Q's bulk without a subtraction of nearly equal numbers."""
    log_power = a * np.log(x) - lgamma1p_kernel(a)
    total = np.zeros_like(a)
    term = np.ones_like(a)
    for n in range(1, 40):  # x <= 1.1: 1.1⁴⁰/40! < 1e-45
        term = term * -x / n
        total += term / (a + n)
    return -np.expm1(log_power) - np.exp(log_power) * a * total


def _upper_fraction(a, x):
    """Q(a, x) = xᵃe⁻ˣ/Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− ⋯))), for x >= a + 1, by the modified
    Lentz method (the fraction's value is a running product, each factor → 1)."""
    b = x + 1.0 - a
    c = np.full_like(a, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    active = np.arange(a.size)
    for n in range(1, _MAX_TERMS):
        if not active.size:
            break
        an = -n * (n - a[active])
        b[active] += 2.0
        dn = an * d[active] + b[active]
        dn = np.where(np.abs(dn) < _TINY, _TINY, dn)
        cn = b[active] + an / c[active]
        cn = np.where(np.abs(cn) < _TINY, _TINY, cn)
        dn = 1.0 / dn
        delta = dn * cn
        d[active], c[active] = dn, cn
        h[active] *= delta
        active = active[np.abs(delta - 1.0) > _EPS / 2]
    return np.exp(_log_prefactor(a, x)) * h
