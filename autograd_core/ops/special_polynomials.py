"""torch.special's orthogonal polynomials, values only (PyTorch's carry no gradient either), each f(input, n):

    chebyshev_polynomial_t/u/v/w    Tₙ, Uₙ, Vₙ, Wₙ: the first to fourth kinds, 2x·qₖ − qₖ₋₁ from q₀ = 1 and
                                    q₁ = x, 2x, 2x − 1, 2x + 1; inside (−1, 1), from a degree on, the closed forms
                                    in θ = arccos x: cos nθ, sin((n+1)θ)/sin θ, cos((n+½)θ)/cos(θ/2),
                                    sin((n+½)θ)/sin(θ/2), as PyTorch
    shifted_chebyshev_polynomial_*  the same of 2x − 1 (orthogonal on [0, 1])
    hermite_polynomial_h, _he       Hₖ₊₁ = 2x·Hₖ − 2k·Hₖ₋₁ (physicists'), Heₖ₊₁ = x·Heₖ − k·Heₖ₋₁ (probabilists')
    laguerre_polynomial_l           (k + 1)·Lₖ₊₁ = (2k + 1 − x)·Lₖ − k·Lₖ₋₁
    legendre_polynomial_p           (k + 1)·Pₖ₊₁ = (2k + 1)·x·Pₖ − k·Pₖ₋₁

n is a Value, an array or a number, broadcast against input; as PyTorch, a non-integer n is truncated toward 0
(2.7 → 2, −0.5 → 0), a negative one gives 0, and a NaN or infinite one (which PyTorch's cast to int64 makes
negative) gives 0 too. The recurrences run max(n) steps on whole arrays, each element leaving when its degree is
reached.
"""

from __future__ import annotations

import numpy as np

from ..errors import scalar_type_name

from .promotion import float_result_dtype

_INT64_LIMIT = 2.0 ** 63


def _degrees(n):
    """n as int64, truncated toward 0 as C's cast; NaN, ±inf and out-of-range values (int64's minimum after
    PyTorch's cast) as −1."""
    n = np.asarray(n)
    if n.dtype.kind in "biu":
        return n.astype(np.int64)
    n = n.astype(np.float64)
    valid = np.isfinite(n) & (np.abs(n) < _INT64_LIMIT)
    return np.where(valid, np.trunc(np.where(valid, n, 0.0)), -1).astype(np.int64)


def _three_term(x, n, first, step):
    """qₙ(x) for n >= 2 (flat arrays): q₀ = 1, q₁ = first(x), qₖ₊₁ = step(x, qₖ, qₖ₋₁, k). The elements are sorted
    by degree, highest first, so that those still running are always a prefix (views, no gathering)."""
    order = np.argsort(-n, kind="stable")
    xs, ns = x[order], n[order]
    out = np.empty_like(xs)
    previous, current = np.ones_like(xs), first(xs)
    running = len(ns)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, int(ns[0])):        # current becomes q_{k+1}
            still = int(np.searchsorted(-ns, -(k + 1), side="right"))   # those with n >= k + 1
            out[still:running] = current[still:running]                # the others are done at degree k
            running = still
            xr = xs[:running]
            previous, current = current[:running], step(xr, current[:running], previous[:running], k)
            if k % 256 == 0 and np.isnan(current).all() and np.isnan(previous).all():
                current = np.full_like(current, np.nan)               # overflowed everywhere: NaN from here on
                break
    out[:running] = current[:running]
    result = np.empty_like(out)
    result[order] = out
    return result


def _polynomial(x, n, first, step, closed_form=None):
    """The polynomial of degree n at x (flat float64, int64): 0 for n < 0, 1 for n = 0, first(x) for n = 1; where
    closed_form(x, n) is not NaN (it gives NaN where it does not apply), that; else the recurrence."""
    out = np.where(n < 0, 0.0, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        one = n == 1
        out[one] = first(x[one])
        rest = n >= 2
        if closed_form is not None:
            closed = closed_form(x, n)
            known = ~np.isnan(closed) & (n >= 0)
            out[known] = closed[known]
            rest &= ~known
        if rest.any():
            out[rest] = _three_term(x[rest], n[rest], first, step)
    return out


def _chebyshev_step(x, q, p, k):
    return (x + x) * q - p


# Tₙ, Uₙ, Vₙ, Wₙ at x = 1 and x = −1, as functions of n.
_AT_ONE = {"t": lambda n: 1.0, "u": lambda n: n + 1.0, "v": lambda n: 1.0, "w": lambda n: 2.0 * n + 1}
_AT_MINUS_ONE = {"t": lambda n: (-1.0) ** n, "u": lambda n: (-1.0) ** n * (n + 1),
                 "v": lambda n: (-1.0) ** n * (2.0 * n + 1), "w": lambda n: (-1.0) ** n}
_FIRST = {"t": lambda x: x, "u": lambda x: x + x, "v": lambda x: x + x - 1, "w": lambda x: x + x + 1}


def _trigonometric(kind, x, n):
    """The closed form in θ = arccos x, for |x| < 1."""
    theta = np.arccos(x)
    if kind == "t":
        return np.cos(n * theta)
    if kind == "u":
        return np.sin((n + 1) * theta) / np.sin(theta)
    if kind == "v":
        return np.cos((n + 0.5) * theta) / np.cos(theta / 2)
    return np.sin((n + 0.5) * theta) / np.sin(theta / 2)


def _chebyshev_kernel(kind, x, n, trig_from):
    """Chebyshev's polynomial of the given kind: exact at ±1, the closed form in arccos x inside (−1, 1) for
    n >= trig_from (PyTorch's switch: the recurrence there loses digits as n grows), else the recurrence."""
    def closed_form(x, n):
        out = np.full_like(x, np.nan)
        m = n.astype(np.float64)
        ones, minus = x == 1, x == -1
        out[ones] = _AT_ONE[kind](m[ones])
        out[minus] = _AT_MINUS_ONE[kind](m[minus])
        inside = (np.abs(x) < 1) & (n >= trig_from)
        out[inside] = _trigonometric(kind, x[inside], m[inside])
        return out

    return _polynomial(x, n, _FIRST[kind], _chebyshev_step, closed_form)


def _hermite_h_step(x, q, p, k):
    return (x + x) * q - (2 * k) * p


def _hermite_he_step(x, q, p, k):
    return x * q - k * p


def _laguerre_step(x, q, p, k):
    return ((2 * k + (1 - x)) * q - k * p) / (k + 1)


def _legendre_step(x, q, p, k):
    return ((2 * k + 1) * x * q - k * p) / (k + 1)


def _laguerre_at_zero(x, n):
    return np.where(x == 0, 1.0, np.nan)              # Lₙ(0) = 1


def _legendre_at_ones(x, n):
    return np.where(x == 1, 1.0, np.where(x == -1, (-1.0) ** (n % 2), np.nan))   # Pₙ(±1) = (±1)ⁿ


_KERNELS = {
    **{f"chebyshev_polynomial_{k}": (lambda x, n, k=k: _chebyshev_kernel(k, x, n, trig_from=7 if k == "t" else 9))
       for k in "tuvw"},
    # PyTorch switches to the closed forms from n = 7 (from 5 for W*), in y = 2x − 1.
    **{f"shifted_chebyshev_polynomial_{k}": (lambda x, n, k=k: _chebyshev_kernel(k, x + x - 1, n,
                                                                                 trig_from=5 if k == "w" else 7))
       for k in "tuvw"},
    "hermite_polynomial_h": lambda x, n: _polynomial(x, n, lambda x: x + x, _hermite_h_step),
    "hermite_polynomial_he": lambda x, n: _polynomial(x, n, lambda x: x, _hermite_he_step),
    "laguerre_polynomial_l": lambda x, n: _polynomial(x, n, lambda x: 1 - x, _laguerre_step, _laguerre_at_zero),
    "legendre_polynomial_p": lambda x, n: _polynomial(x, n, lambda x: x, _legendre_step, _legendre_at_ones),
}


def _evaluate(x, n, *, name, dtype):
    """The named polynomial of the data x and n (broadcast), in `dtype`. Module-level, so that a compiled step
    recognises it between recordings."""
    x, n = np.broadcast_arrays(np.asarray(x), np.asarray(n))
    if x.dtype.kind == "c" or n.dtype.kind == "c":  # PyTorch's kernel refuses them
        dtype = x.dtype if x.dtype.kind == "c" else n.dtype
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{scalar_type_name(dtype)}\'')
    out = _KERNELS[name](x.astype(np.float64).ravel(), _degrees(n).ravel())
    with np.errstate(over="ignore"):                  # beyond float32's range: ±inf, as PyTorch's
        return out.reshape(x.shape).astype(dtype)[()]


def _without_gradient(name, input, n):
    from ..value import Value
    from .nondifferentiable import without_gradient

    dtype = float_result_dtype(input, n)
    if isinstance(input, Value):
        return without_gradient(_evaluate, input, n, name=name, dtype=dtype)
    if isinstance(n, Value):
        return without_gradient(_evaluate, Value(np.asarray(input)), n, name=name, dtype=dtype)
    return _evaluate(input, n, name=name, dtype=dtype)


def _define(name, summary):
    def polynomial(input, n):
        return _without_gradient(name, input, n)

    polynomial.__name__ = polynomial.__qualname__ = name
    polynomial.__doc__ = (f"{summary} of degree n at each element of input (torch.special.{name}).\n\n"
                          "input and n (Values, arrays or numbers) broadcast together; n is truncated toward 0, a "
                          "negative, NaN or infinite n gives 0. The result has PyTorch's dtype (float32 for integer "
                          "inputs) and, as PyTorch's, no gradient.")
    return polynomial


chebyshev_polynomial_t = _define("chebyshev_polynomial_t", "Tₙ(x), Chebyshev's polynomial of the first kind")
chebyshev_polynomial_u = _define("chebyshev_polynomial_u", "Uₙ(x), Chebyshev's polynomial of the second kind")
chebyshev_polynomial_v = _define("chebyshev_polynomial_v", "Vₙ(x), Chebyshev's polynomial of the third kind")
chebyshev_polynomial_w = _define("chebyshev_polynomial_w", "Wₙ(x), Chebyshev's polynomial of the fourth kind")
shifted_chebyshev_polynomial_t = _define("shifted_chebyshev_polynomial_t", "T*ₙ(x) = Tₙ(2x − 1)")
shifted_chebyshev_polynomial_u = _define("shifted_chebyshev_polynomial_u", "U*ₙ(x) = Uₙ(2x − 1)")
shifted_chebyshev_polynomial_v = _define("shifted_chebyshev_polynomial_v", "V*ₙ(x) = Vₙ(2x − 1)")
shifted_chebyshev_polynomial_w = _define("shifted_chebyshev_polynomial_w", "W*ₙ(x) = Wₙ(2x − 1)")
hermite_polynomial_h = _define("hermite_polynomial_h", "Hₙ(x), the physicists' Hermite polynomial")
hermite_polynomial_he = _define("hermite_polynomial_he", "Heₙ(x), the probabilists' Hermite polynomial")
laguerre_polynomial_l = _define("laguerre_polynomial_l", "Lₙ(x), Laguerre's polynomial")
legendre_polynomial_p = _define("legendre_polynomial_p", "Pₙ(x), Legendre's polynomial")
