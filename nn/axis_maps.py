"""One primitive for a chain of constant matrices applied along the last axes of x: adaptive average pooling and
(bi/tri)linear, bicubic and area interpolation, which PyTorch records as one node each (AdaptiveAvgPool2DBackward0,
UpsampleBilinear2DBackward0, ...) where matmul recorded one node per axis.

    y = along_axes(x, steps)    steps: ((axis, M), ...) applied in order, axis -1, -2 or -3, M (out, in):
        axis -1:  y ← y · Mᵀ                     (mixes the last axis)
        axis -2:  y ← M · y                      (mixes the rows)
        axis -3:  y ← M · y viewed as (…, D, H·W), viewed back (mixes the depth)

The map is linear in x, so its gradient is the adjoint, the same primitive with the transposed matrices in the
reverse order, whose own gradient is the map again: second derivatives need no more rules. Each step is the NumPy
product the composite of matmul and reshape computed, so the numbers are that composite's, bit for bit.
"""

from __future__ import annotations

import numpy as np

from autograd_core.ops import primitive


def _step(y, axis, matrix):
    if axis == -1:
        return np.matmul(y, matrix.T)
    if axis == -2:
        return np.matmul(matrix, y)
    lead, (depth, rows, cols) = y.shape[:-3], y.shape[-3:]
    mixed = np.matmul(matrix, y.reshape(lead + (depth, rows * cols)))
    return mixed.reshape(lead + (matrix.shape[0], rows, cols))


@primitive("along_axes")
def along_axes(x, steps):
    """x (..., [D,] [H,] W) with each (axis, M) of steps applied in order along axis (-1, -2 or -3): that axis of
    size n becomes M's m, for M of shape (m, n)."""
    y = x
    for axis, matrix in steps:
        y = _step(y, axis, matrix)
    return y


def adjoint_steps(steps):
    """The steps of the adjoint map: the transposed matrices, last step first."""
    return tuple((axis, matrix.T) for axis, matrix in reversed(steps))


# linear in x: the gradient is the adjoint map of g, the tangent the map of t
along_axes.defvjp(lambda g, out, x, steps: along_axes(g, steps=adjoint_steps(steps)),
                  formulas=("g mapped back by the transposed matrices",))
along_axes.defjvp_linear()
along_axes.defcomplex()  # real matrices: a linear map of complex data has the same rules


def mapped(x, steps, grad_fn_name):
    """x mapped by steps as one node named grad_fn_name (PyTorch's kernel's)."""
    return along_axes.named(grad_fn_name)(x, steps=tuple(steps))


def pooled_along_last(x, matrix):
    """x (..., L) averaged by matrix (m, L) as one node shown as PyTorch's adaptive_avg_pool1d records it: x viewed
    as (..., 1, L), pooled in 2-D, viewed back (SqueezeBackward1 over AdaptiveAvgPool2DBackward0 over
    UnsqueezeBackward0: grad_fn_names.py's chain of one node; two view nodes here would cost more than the product)."""
    return mapped(x, ((-1, matrix),), "SqueezeBackward1<AdaptiveAvgPool2DBackward0<UnsqueezeBackward0")
