"""F.pdist, and two names PyTorch keeps from its past: CrossMapLRN2d (Lua Torch's local response normalisation) and the
deprecated Container. Compositions of existing operations (gradients, forward mode and compile come with them).

    pdist(x, p)        ‖x[i] − x[j]‖_p for every pair of rows i < j, in the order of np.triu_indices (PyTorch's)
    CrossMapLRN2d      y = x · (k + α/size · Σ_window x²)^(−β) over a window of channels
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.linalg import vector_norm
from autograd_core.one_node import shown_as
from autograd_core.ops import data_of, getitem, matmul, transpose, where
from autograd_core.ops.complex import complex_dtype_among

from .module import Module


def pdist(input, p=2):
    """The p-norm distance between every pair of rows of input (N, M): a vector of N(N − 1)/2 distances, pair (i, j),
    i < j, in row-major order. p ≥ 0 (0 counts differing coordinates; inf is the largest difference). The gradient
    at a zero distance is 0, as PyTorch's."""
    if complex_dtype_among(input) is not None:
        raise RuntimeError("pdist only supports floating-point dtypes")
    shape = np.shape(data_of(input))
    if len(shape) != 2:
        raise ShapeError(f"pdist only supports 2D tensors, got: {len(shape)}D")
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    x = input if isinstance(input, Value) else Value(np.asarray(input), requires_grad=False)
    return shown_as(_pdist(x, shape, p), x, "PdistBackward0")  # PyTorch's one node over x


def _pdist(x, shape, p):
    rows, others = np.triu_indices(shape[0], 1)
    diff = getitem(x, rows) - getitem(x, others)                                    # (N(N − 1)/2, M)
    if p == 0:  # the count of differing coordinates, with PyTorch's zero gradient (vector_norm's is undefined)
        return where(diff == 0, diff * 0.0, np.ones((), diff.dtype)).sum(axis=1)
    if p == 1 or p == float("inf"):
        return vector_norm(diff, p, dim=1)
    if p == 2:
        powered = (diff * diff).sum(axis=1)
    else:  # |d|^p for p < 1 has an infinite derivative at d = 0: raise 1 there instead, and count 0
        size = abs(diff)
        nonzero = size > 0
        powered = where(nonzero, where(nonzero, size, 1.0) ** p, 0.0).sum(axis=1)
    # (Σ|d|^p)^(1/p) has an infinite derivative at 0: take the root of 1 there, and give those pairs 0.
    zero = powered <= 0
    return where(zero, 0.0, where(zero, 1.0, powered) ** (1.0 / p))


def _window_matrix(channels, size):
    """(C, C): row c sums the squares of the channels CrossMapLRN2d's running sum gives channel c, which is PyTorch's
    window [c − h, c + h] (h = ⌊(size − 1)/2⌋, cut at the edges), plus channel 0 for c > h (its loop never
    subtracts channel 0 again; reproduced so that the numbers are PyTorch's)."""
    h = int((size - 1) / 2 + 1) - 1
    c, i = np.arange(channels)[:, None], np.arange(channels)[None, :]
    window = (i >= c - h) & (i <= c + h)
    window[:, 0] = True  # within the window of c ≤ h, and kept beyond it
    return window.astype(np.float64)


class CrossMapLRN2d(Module):
    """CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1): x (N, C, H, W) ↦ x · (k + α/size · Σ_window x²)^(−β), the
    window running over channels (see `_window_matrix` for PyTorch's exact window, which this reproduces).
    The gradient is that of this forward; PyTorch's hand-written backward of this legacy layer differs from it."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        shape = np.shape(data_of(input))
        if len(shape) != 4:
            raise ShapeError(f"CrossMapLRN2d: Expected input to be 4D, got {len(shape)}D instead.")
        dtype = np.result_type(data_of(input))
        window = _window_matrix(shape[1], self.size).astype(dtype if dtype.kind == "f" else np.float64)
        squares = transpose(input * input, axes=(0, 2, 3, 1))                       # channels last
        sums = transpose(matmul(squares, window.T), axes=(0, 3, 1, 2))
        return input * (sums * (self.alpha / self.size) + self.k) ** (-self.beta)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Container(Module):
    """PyTorch's deprecated nn.Container(**modules): a Module holding the given children; warns FutureWarning (subclass
    Module instead)."""

    def __init__(self, **kwargs):
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        for key, value in kwargs.items():
            self.add_module(key, value)


__all__ = ["pdist", "CrossMapLRN2d", "Container"]
