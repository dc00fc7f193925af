"""Matrix products, with NumPy's rules for 1-D operands and broadcast batch dimensions."""

from __future__ import annotations

import numpy as np

from .primitive import primitive


@primitive("matmul")
def matmul(a, b):
    """a @ b. a: (..., n, k) or (k,); b: (..., k, m) or (k,); batch dimensions broadcast."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError(
            f"shapes {np.shape(a)} and {np.shape(b)}: matmul needs at least 1-D operands; use * for scalars"
        )
    k_a = np.shape(a)[-1]
    k_b = np.shape(b)[0] if np.ndim(b) == 1 else np.shape(b)[-2]
    if k_a != k_b:
        raise ValueError(f"shapes {np.shape(a)} and {np.shape(b)} are not aligned ({k_a} != {k_b})")
    return np.matmul(a, b)


def _matmul_vjp_a(g, out, a, b):
    if b.ndim == 1:                  # (..., k) @ (k,) -> (...): d/da = g ⊗ b
        return g.reshape(g.shape + (1,)) * b
    if a.ndim == 1:                  # (k,) @ (..., k, m) -> (..., m): d/da = Σ_batch b · g
        return (g.reshape(g.shape[:-1] + (1, g.shape[-1])) @ b.swapaxes(-1, -2)).reshape(g.shape[:-1] + (a.shape[0],))
    return g @ b.swapaxes(-1, -2)    # d/dA = g · Bᵀ (the engine sums any broadcast batch axes)


def _matmul_vjp_b(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:  # a dot product: d/db = g·a
        return g * a
    if a.ndim == 1:                  # (k,) @ (..., k, m): d/db = a ⊗ g
        return a.reshape((a.shape[0], 1)) * g.reshape(g.shape[:-1] + (1, g.shape[-1]))
    if b.ndim == 1:                  # (..., n, k) @ (k,): d/db = Σ aᵀ g
        return (a.swapaxes(-1, -2) @ g.reshape(g.shape + (1,))).reshape(g.shape[:-1] + (b.shape[0],))
    return a.swapaxes(-1, -2) @ g    # d/dB = Aᵀ · g


matmul.defvjp(_matmul_vjp_a, _matmul_vjp_b, formulas=("g·Bᵀ", "Aᵀ·g"))
matmul.defjvp(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t))   # d(AB) = dA·B + A·dB
