"""`torch.nn.utils.parametrizations`: `weight_norm`, `spectral_norm` (see spectral_norm.py for its math) and
`orthogonal` (orthogonal.py).

Weight normalisation (Salimans & Kingma, 2016): w = g · v / ‖v‖, the norm over every axis but `dim`.

Two APIs, as PyTorch (the older one in weight_norm.py):
* `nn.utils.parametrizations.weight_norm(module, name='weight', dim=0)` (PyTorch 2): state-dict names
  `parametrizations.weight.original0` (g) and `parametrizations.weight.original1` (v); the class becomes
  `Parametrized<Class>` (see parametrize.py).
* `nn.utils.weight_norm(module, name='weight', dim=0)` (older, still common): parameters `weight_g` and
  `weight_v` on the module; `remove_weight_norm` folds them back into `weight`.

In both, reading `module.weight` computes g · v / ‖v‖ from the current g and v (PyTorch's older API recomputes it
in a forward pre-hook instead: the numbers a forward sees are the same). dim=None or -1 normalises the whole
tensor (g is 0-d); another negative dim counts from the end.
"""

from __future__ import annotations

import numbers

from ..module import Module, Parameter
from .orthogonal import orthogonal  # noqa: F401  (torch's address for it)
from .parametrize import register_parametrization
from .spectral_norm import (check_iterations, default_dim, divide_by_sigma, initial_vectors, power_iteration,
                            weight_matrix)

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


def _axis(dim, ndim):
    """None for the whole tensor, else the one axis the norm leaves out."""
    if dim is None or dim == -1:
        return None
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or not -ndim <= dim < ndim:
        raise IndexError(f"weight_norm: dim {dim!r} out of range for a {ndim}-d weight")
    return int(dim) % ndim


def norm_except_dim(v, dim):
    """‖v‖₂ over every axis except `dim`, kept as size-1 axes (shape 1,…,n_dim,…,1); a 0-d norm for dim=None/-1."""
    axis = _axis(dim, v.ndim)
    if axis is None:
        return ((v * v).sum()) ** 0.5
    others = tuple(a for a in range(v.ndim) if a != axis)
    return ((v * v).sum(axis=others, keepdims=True)) ** 0.5


def _weight_norm(g, v, dim):
    return v * (g / norm_except_dim(v, dim))


class _WeightNorm(Module):
    """The parametrization: forward(g, v) = g · v / ‖v‖; right_inverse(w) = (‖w‖, w)."""

    def __init__(self, dim=0):
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_g, weight_v, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, self.dim), weight


def _weight_of(module, name, who):
    weight = vars(module).get(name)
    if not isinstance(weight, Parameter):
        raise ValueError(f"{who}: module {type(module).__name__} has no parameter {name!r}")
    return weight


def weight_norm(module, name="weight", dim=0):
    """PyTorch 2's `parametrizations.weight_norm`: `module.<name>` becomes g · v / ‖v‖ with g (norm over every
    axis but dim, kept as size-1 axes) and v (the weight) as `parametrizations.<name>.original0` / `original1`.
    Both start so that the weight is unchanged. Returns the module."""
    weight = _weight_of(module, name, "weight_norm")
    _axis(dim, weight.ndim)
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """The parametrization W -> W / σ(W) (see spectral_norm.py). Buffers `_u`, `_v` (normalised, improved by 15
    power-iteration steps at construction, as PyTorch's); each forward in training mode runs n_power_iterations
    more (u first, then v). A 1-d weight is just divided by its norm. right_inverse keeps the weight as given."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        self.dim, self.eps, self.n_power_iterations = dim, float(eps), int(n_power_iterations)
        self.ndim = weight.ndim
        if self.ndim > 1:
            matrix = weight_matrix(weight.data, dim)
            u, v = initial_vectors(matrix, self.eps, weight.dtype)
            power_iteration(matrix, u, v, 15, self.eps, u_first=True)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)

    def forward(self, weight):
        if self.ndim == 1:
            return weight / (weight * weight).sum().sqrt().clamp(min=self.eps)
        if self.training:
            power_iteration(weight_matrix(weight.data, self.dim), self._u, self._v, self.n_power_iterations,
                            self.eps, u_first=True)
        return divide_by_sigma(weight, self._u, self._v, self.dim)

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """PyTorch 2's `parametrizations.spectral_norm`: `module.<name>` reads W / σ(W), the original under
    `parametrizations.<name>.original` and u, v as buffers `parametrizations.<name>.0._u` / `._v`. dim: the
    output axis (default 0, 1 for ConvTranspose). Returns the module."""
    weight = _weight_of(module, name, "spectral_norm")
    check_iterations(n_power_iterations)
    dim = default_dim(module, dim)
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"spectral_norm: dim {dim} out of range for a {weight.ndim}-d weight")
    return register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim % weight.ndim, eps))
