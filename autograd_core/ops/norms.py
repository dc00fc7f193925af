"""The Euclidean norm as one primitive: √Σx² over `axis` (x.norm(), torch.linalg.vector_norm(x), F.normalize's),
PyTorch's LinalgVectorNormBackward0. Its numbers are those of the composition it replaces, sqrt(sum(x·x)), and so
are its gradient's (the two products of x·x added: 2·(g/(2‖x‖))·x):

    ‖x‖ = √Σxᵢ²          ∂‖x‖/∂xᵢ = xᵢ/‖x‖, and 0 where ‖x‖ = 0 (PyTorch's: no direction to grow in)
    d‖x‖ = Σxᵢ·dxᵢ / ‖x‖ (0 where ‖x‖ = 0)

The rules are written with operations Values share, so the gradient can be differentiated again; where ‖x‖ = 0 the
divisor is 1, so that no infinity is formed at any order.
"""

from __future__ import annotations

import numpy as np

from .elementwise import _quiet, data_of, where
from .primitive import primitive
from .reduce import _check_axis, _expand


@primitive("vector_norm2", title="norm")
def vector_norm2(x, axis=None, keepdims=False):
    return np.sqrt(np.add.reduce(x * x, axis=_check_axis(x, axis), keepdims=keepdims))


def _over_norm(g, out):
    """g/‖x‖ as √'s rule writes it, ½g/‖x‖ (doubled by the caller: the two products of x·x), 0 where ‖x‖ = 0."""
    zero = data_of(out) == 0
    if not np.any(zero):
        return g * 0.5 / out
    return where(zero, 0, g * 0.5 / where(zero, 1, out))


def _vector_norm2_vjp(g, out, x, axis=None, keepdims=False):
    half = _expand(_over_norm(g, out), x, axis, keepdims) * x  # (½g/‖x‖)·x, broadcast over the reduced axes
    return _quiet(lambda: half + half)


def _vector_norm2_jvp(t, out, x, axis=None, keepdims=False):
    return _over_norm((x * t).sum(axis=axis, keepdims=keepdims), out) * 2


vector_norm2.defvjp(_vector_norm2_vjp, formulas=("g⊙x/‖x‖ (0 where ‖x‖ = 0)",))
vector_norm2.defjvp(_vector_norm2_jvp)
vector_norm2.defreduction()  # a 0-d x: dim 0 (or -1) is its one element, as PyTorch's
