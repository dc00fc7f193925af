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


# ----------------------------------------------------------------------------------------------------
# PyTorch's other products, compositions of matmul and *: their shape checks are PyTorch's.


def _values(*xs):
    from .index import as_value

    return [as_value(x) for x in xs]


def outer(input, vec2):
    """The outer product of two vectors: out[i, j] = input[i] · vec2[j], shape (n, m)."""
    x, y = _values(input, vec2)
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got {x.ndim}-D and {y.ndim}-D")
    return x.reshape(-1, 1) * y.reshape(1, -1)


def dot(input, tensor):
    """The inner product Σ input[i] · tensor[i] of two vectors of the same length (a 0-d Value)."""
    x, y = _values(input, tensor)
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if x.shape != y.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to "
                           "have the same number of elements, but got different numbers")
    return matmul(x, y)


def bmm(input, mat2):
    """Batched matrix product: (b, n, k) @ (b, k, m) -> (b, n, m), without broadcasting (as torch.bmm)."""
    x, y = _values(input, mat2)
    if x.ndim != 3 or y.ndim != 3:
        raise RuntimeError(f"bmm: batch1 and batch2 must be 3D tensors, got {x.ndim}D and {y.ndim}D")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise RuntimeError(f"bmm: expected shapes (b, n, k) and (b, k, m), got {x.shape} and {y.shape}")
    return matmul(x, y)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta · input + alpha · (mat1 @ mat2), for matrices mat1 (n, k) and mat2 (k, m); input broadcasts to (n, m).
    With beta = 0, input is ignored (NaN in it does not propagate), as in PyTorch."""
    x, a, b = _values(input, mat1, mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"addmm: mat1 and mat2 must be matrices, got {a.ndim}-D and {b.ndim}-D")
    product = matmul(a, b)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # PyTorch's beta = 0: input is not read (though its shape must broadcast)
        np.broadcast_shapes(x.shape, product.shape)
        return product
    return product + (x if beta == 1 else x * beta)
