"""`parametrizations.orthogonal`: a weight kept orthogonal (Q^T Q = I for a tall matrix, Q Q^T = I for a wide one;
each matrix of a batch), as PyTorch's.

The weight reads Q = base · M(X), X the trained original (n × k after transposing a wide matrix, n >= k):
* "matrix_exp": M = exp(A), A = L − Lᵀ the skew-symmetric matrix of L = tril(X) (padded with zero columns to n × n),
  first k columns;
* "cayley":     M = (I − A/2)⁻¹ (I + A/2), first k columns;
* "householder": M = H_1 ⋯ H_k with H_i = I − τ_i v_i v_iᵀ, v_i = column i of the strictly lower triangle of X
  with a 1 at row i, τ_i = 2 / ‖v_i‖² (first k columns), column i times int(X_ii) (PyTorch's: X_ii starts at −1
  and gets no gradient, so it stays ±1);
With use_trivialization=True (the default) `base` is a buffer: assigning the weight W (also at registration) sets
base to W made orthogonal (a QR with a positive diagonal of R; a non-square W is first completed to n × n with
N(0, 1) columns) and X to −I, so that the weight reads base (restricted to k columns). Without it, the
householder map starts from X = LAPACK's reflectors of W's QR (so the weight reads Q), and the other two maps
from X = W, as PyTorch (which cannot assign to them). Only the composed
operations are recorded: gradients, forward mode and higher derivatives come from them.
"""

from __future__ import annotations

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value, concatenate, linalg, tensor
from autograd_core.generator import get_rng

from ..module import Module

__all__ = ["orthogonal"]

_MAPS = ("matrix_exp", "cayley", "householder")


def _swap(x):
    return x.swapaxes(-1, -2)


def _eye(n, dtype):
    return tensor(np.eye(n, dtype=dtype))


def _householder(X, n, k):
    """H_1 ⋯ H_k restricted to its first k columns, column i times int(X_ii) (PyTorch's trick: X = −I gives I)."""
    lower = X * tensor(np.tril(np.ones((n, k)), -1).astype(X.dtype))
    unit = np.eye(n, k, dtype=X.dtype)
    Q = _eye(n, X.dtype) + tensor(np.zeros(X.shape[:-2] + (n, n), X.dtype))
    for i in range(k):
        v = lower[..., :, i] + tensor(unit[:, i])                      # (…, n)
        tau = 2.0 / (v * v).sum(axis=-1, keepdims=True)                 # (…, 1)
        Qv = (Q @ v[..., None])                                         # (…, n, 1)
        Q = Q - (Qv * tau[..., None]) @ v[..., None, :]
    # X_ii truncated to an integer, as PyTorch's `.int()`: −1 from the start, and it receives no gradient
    signs = np.trunc(np.diagonal(X.data, axis1=-2, axis2=-1)).astype(X.dtype)
    return Q[..., :, :k] * tensor(signs[..., None, :])


def _make_orthogonal(A):
    """The Q of A = QR with R's diagonal made positive (so an orthogonal A is kept)."""
    Q, R = np.linalg.qr(A)
    signs = np.sign(np.diagonal(R, axis1=-2, axis2=-1))
    return Q * np.where(signs == 0, 1, signs)[..., None, :]


def _householder_inverse(Q, transposed):
    """X with householder(X) = the Q of Q's QR decomposition (R's diagonal positive), as PyTorch: LAPACK's
    reflectors (geqrf, NumPy's qr mode='raw') below the diagonal, the signs of R's diagonal on it (flipped where
    LAPACK skipped a reflection, τ = 0, since the forward always reflects)."""
    flat = Q.reshape((-1,) + Q.shape[-2:])
    out = np.empty_like(flat)
    for i, matrix in enumerate(flat):
        h, tau = np.linalg.qr(matrix, mode="raw")
        A = h.T.copy()
        signs = np.sign(np.diagonal(A)) * np.where(tau == 0.0, -1.0, 1.0)
        A[np.arange(len(signs)), np.arange(len(signs))] = signs
        out[i] = A
    out = out.reshape(Q.shape)
    return np.swapaxes(out, -1, -2) if transposed else out


class _Orthogonal(Module):
    """The parametrization X -> orthogonal Q (see the module docstring)."""

    def __init__(self, weight, orthogonal_map, use_trivialization=True):
        self.shape, self.orthogonal_map = tuple(weight.shape), orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X, n, k = _swap(X), k, n
        if self.orthogonal_map == "householder":
            Q = _householder(X, n, k)
        else:
            L = X.tril()
            if n != k:
                L = concatenate([L, tensor(np.zeros(L.shape[:-2] + (n, n - k), L.dtype))], axis=-1)
            A = L - _swap(L)
            if self.orthogonal_map == "matrix_exp":
                Q = linalg.matrix_exp(A)
            else:
                eye = _eye(n, A.dtype)
                Q = linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            Q = Q[..., :, :k] if n != k else Q
        base = getattr(self, "base", None)  # absent without trivialization, None before the first assignment
        if base is not None:
            Q = tensor(base.data if isinstance(base, Value) else base) @ Q  # a copy, without tensor()'s warning
        return _swap(Q) if transposed else Q

    def right_inverse(self, Q):
        Q = np.asarray(Q.data if isinstance(Q, Value) else Q)
        if Q.shape != self.shape:
            raise ShapeError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                             f"{Q.shape}.")
        start = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transposed = n < k
        if transposed:
            Q, n, k = np.swapaxes(Q, -1, -2), k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map != "householder":
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            return _householder_inverse(Q, transposed)
        if n == k:
            eps = 10.0 * n * np.finfo(Q.dtype).eps
            gram = np.swapaxes(Q, -1, -2) @ Q
            Q = Q.copy() if np.allclose(gram, np.eye(k), atol=eps, rtol=1e-5) else _make_orthogonal(Q)
        else:
            completion = get_rng(None).standard_normal(Q.shape[:-2] + (n, n - k)).astype(Q.dtype)
            Q = _make_orthogonal(np.concatenate([Q, completion], axis=-1))
        self.register_buffer("base", Q)
        neg_eye = np.zeros_like(start)
        idx = np.arange(min(start.shape[-2:]))
        neg_eye[..., idx, idx] = -1.0
        return neg_eye


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """PyTorch's `parametrizations.orthogonal`: `module.<name>` (a matrix or a batch of matrices) reads an
    orthogonal matrix (see the module docstring); the state dict holds `parametrizations.<name>.original` (X) and,
    with use_trivialization, `parametrizations.<name>.0.base`. orthogonal_map: "matrix_exp" (default for a
    square matrix), "cayley" or "householder" (default otherwise). Real weights only. Returns the module."""
    from .parametrizations import _weight_of
    from .parametrize import register_parametrization

    weight = _weight_of(module, name, "orthogonal")
    if weight.ndim < 2:
        raise ShapeError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    n, k = weight.shape[-2], weight.shape[-1]
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if n == k else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f"{orthogonal_map}")
    return register_parametrization(module, name, _Orthogonal(weight, orthogonal_map, use_trivialization),
                                    unsafe=True)
