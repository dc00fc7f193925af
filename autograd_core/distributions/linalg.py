"""The two matrix primitives MultivariateNormal needs, each beside its derivative: cholesky and
solve_triangular (over the last two dimensions, batched and broadcast like NumPy's).

The rules are written with matmul, swapaxes, triangle masks and the primitives themselves, so they run on arrays
and on Values (higher derivatives) alike.
"""

from __future__ import annotations

import numpy as np

from ..ops import swapaxes
from ..ops.primitive import primitive


def _mT(x):
    return swapaxes(x, axis1=-1, axis2=-2)


def _triangle_mask(n, dtype, upper, strict=False):
    """1 on the kept triangle (with the diagonal unless strict), 0 elsewhere."""
    lower = np.tri(n, k=-1 if strict else 0, dtype=dtype)
    return lower.T.copy() if upper else lower


@primitive("solve_triangular")
def solve_triangular(a, b, upper=False):
    """X with A X = B, A triangular (only its lower triangle, or upper, is read): a (..., n, n), b (..., n, k)."""
    a = np.asarray(a)
    mask = _triangle_mask(a.shape[-1], a.dtype, upper)
    return np.linalg.solve(a * mask, b)


def _solve_triangular_vjp_a(g, out, a, b, upper=False):
    # X = A⁻¹B: dX = −A⁻¹ dA X, so Ā = −A⁻ᵀ g Xᵀ, restricted to the triangle that was read.
    gb = solve_triangular(_mT(a), g, upper=not upper)
    return -(gb @ _mT(out)) * _triangle_mask(a.shape[-1], gb.dtype, upper)


def _solve_triangular_vjp_b(g, out, a, b, upper=False):
    return solve_triangular(_mT(a), g, upper=not upper)          # B̄ = A⁻ᵀ g


solve_triangular.defvjp(_solve_triangular_vjp_a, _solve_triangular_vjp_b, formulas=("−A⁻ᵀg·Xᵀ", "A⁻ᵀg"))
solve_triangular.defjvp(
    lambda t, out, a, b, upper=False: -solve_triangular(a, (t * _triangle_mask(a.shape[-1], t.dtype, upper)) @ out,
                                                        upper=upper),
    lambda t, out, a, b, upper=False: solve_triangular(a, t, upper=upper),
)


@primitive("cholesky")
def cholesky(a):
    """The lower-triangular L with L Lᵀ = A, for symmetric positive-definite A (..., n, n); only the lower
    triangle of A is read. LinAlgError when A is not positive-definite."""
    return np.linalg.cholesky(a)


def _cholesky_vjp(g, out, a):
    # A = L Lᵀ: with Φ(M) = the lower triangle of M with its diagonal halved, symmetrised,
    # Ā = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ (Murray, 2016; PyTorch's cholesky_backward).
    n = out.shape[-1]
    lower = _triangle_mask(n, out.dtype, upper=False)
    strict = _triangle_mask(n, out.dtype, upper=False, strict=True)
    m = (_mT(out) @ g) * lower
    phi = 0.5 * (m + _mT(m * strict))
    left = solve_triangular(_mT(out), phi, upper=True)                  # L⁻ᵀ Φ
    return _mT(solve_triangular(_mT(out), _mT(left), upper=True))       # (L⁻ᵀ (L⁻ᵀΦ)ᵀ)ᵀ = L⁻ᵀ Φ L⁻¹


def _cholesky_jvp(t, out, a):
    # dL = L Ψ(L⁻¹ dA L⁻ᵀ), Ψ = the lower triangle with its diagonal halved.
    n = out.shape[-1]
    inner = solve_triangular(out, _mT(solve_triangular(out, _mT(t), upper=False)), upper=False)
    half_diagonal = _triangle_mask(n, out.dtype, upper=False, strict=True) + 0.5 * np.eye(n, dtype=out.dtype)
    return out @ (inner * half_diagonal)


cholesky.defvjp(_cholesky_vjp, formulas=("L⁻ᵀΦ(LᵀL̄)L⁻¹",))
cholesky.defjvp(_cholesky_jvp)
