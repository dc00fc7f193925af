"""torch.gradient: the partial derivatives of a function estimated from its samples by finite differences, with
PyTorch's formulas (those of NumPy's np.gradient): second-order central differences at the interior points, first-
or second-order one-sided differences at the two ends of each dimension.

A composition of slicing, arithmetic and concatenation on Values, so the estimates are differentiable in the samples
(and in coordinates given as Values), with forward mode and higher derivatives from those primitives.
"""

from __future__ import annotations

import numbers

from .index import as_value, check_dims
from .shape import concatenate


def _part(x, dim, start, stop=None):
    """x[start:stop] along dimension dim (a view, through getitem)."""
    index = [slice(None)] * x.ndim
    index[dim] = slice(start, stop)
    return x[tuple(index)]


def _uniform(f, dim, h, edge_order):
    """∂f/∂(coordinate dim) for samples h apart: (f[i+1] − f[i−1]) / 2h inside, in PyTorch's order of operations."""
    center = (_part(f, dim, 2) - _part(f, dim, 0, -2)) / h / 2
    if edge_order == 1:
        first = (_part(f, dim, 1, 2) - _part(f, dim, 0, 1)) / h
        last = (_part(f, dim, -1) - _part(f, dim, -2, -1)) / h
    else:  # the parabola through the three samples at each end
        first = (-1.5 * _part(f, dim, 0, 1) + 2 * _part(f, dim, 1, 2) - 0.5 * _part(f, dim, 2, 3)) / h
        last = (0.5 * _part(f, dim, -3, -2) - 2 * _part(f, dim, -2, -1) + 1.5 * _part(f, dim, -1)) / h
    return concatenate([first, center, last], axis=dim)


def _coordinates(f, dim, x, edge_order):
    """∂f/∂x along dimension dim for samples at the 1-D coordinates x: at each interior point the derivative of the
    parabola through it and its two neighbours, a·f[i−1] + b·f[i] + c·f[i+1] with the spacings h₁ = x[i] − x[i−1]
    and h₂ = x[i+1] − x[i] (PyTorch's and NumPy's weights)."""
    h = x[1:] - x[:-1]
    h1, h2 = h[:-1], h[1:]
    shape = [1] * f.ndim
    shape[dim] = -1
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    center = a * _part(f, dim, 0, -2) + b * _part(f, dim, 1, -1) + c * _part(f, dim, 2)
    if edge_order == 1:
        first = (_part(f, dim, 1, 2) - _part(f, dim, 0, 1)) / h[0]
        last = (_part(f, dim, -1) - _part(f, dim, -2, -1)) / h[-1]
    else:
        h0, h1 = h[0], h[1]
        first = (-(2.0 * h0 + h1) / (h0 * (h0 + h1)) * _part(f, dim, 0, 1)
                 + (h0 + h1) / (h0 * h1) * _part(f, dim, 1, 2)
                 + -h0 / (h1 * (h0 + h1)) * _part(f, dim, 2, 3))
        hl, hm = h[-1], h[-2]
        last = (hl / (hm * (hl + hm)) * _part(f, dim, -3, -2)
                + -(hl + hm) / (hl * hm) * _part(f, dim, -2, -1)
                + (2 * hl + hm) / (hl * (hl + hm)) * _part(f, dim, -1))
    return concatenate([first, center, last], axis=dim)


def gradient(input, *, spacing=None, dim=None, edge_order=1):  # noqa: A002  (PyTorch's argument name)
    """The partial derivatives of a function g sampled at the points of a grid, estimated by finite differences
    (torch.gradient): one Value of input's shape for each dimension in `dim` (all of input's by default; an int or a
    list of ints), in a tuple. Integer inputs give the default float dtype.

    spacing: a number h (the coordinates of index i along every dimension are i·h; None means 1), a list of numbers
    (one h per dimension of `dim`), or a list of 1-D Values (the coordinates of the samples along each dimension of
    `dim`, one per index; uneven spacing allowed). edge_order: 1 or 2, the order of the one-sided differences at the
    two ends; each dimension needs at least edge_order + 1 samples. The interior points take second-order central
    differences.
    """
    f = as_value(input)  # (integer samples: the divisions give the default float dtype, as PyTorch's)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(f.ndim)) if dim is None else [dim] if isinstance(dim, numbers.Integral) else list(dim)
    dims = list(check_dims(dims, f.ndim))  # (a dim named twice is refused before any size, as PyTorch's)
    for d in dims:
        if f.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if dim is None:
                raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                                   f"equal to 'self.dim() = {f.ndim}', since dim argument was not given, but got a "
                                   f"list of length {len(spacing)}")
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        spacings = list(spacing)
    else:
        spacings = [1 if spacing is None else spacing] * len(dims)
    results = []
    for d, h in zip(dims, spacings):
        if isinstance(h, numbers.Number):
            results.append(_uniform(f, d, h, edge_order))
            continue
        x = as_value(h)
        if x.ndim != 1:
            raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but got an "
                               f"element with {x.ndim} dimensions!")
        if len(x) != f.shape[d]:  # (PyTorch computes something from other lengths; here that is refused)
            raise RuntimeError(f"torch.gradient expected {f.shape[d]} coordinates along dimension {d}, got {len(x)}")
        results.append(_coordinates(f, d, x, edge_order))
    return tuple(results)
