"""Spectral normalisation (Miyato et al., 2018): W / σ(W), σ the largest singular value of W viewed as a matrix
(axis `dim` first, the rest flattened), estimated by power iteration on persistent vectors u, v.

Two APIs, as PyTorch:
* `nn.utils.spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None)` (older, hook-based):
  parameter `weight_orig`, buffers `weight_u`, `weight_v`; a forward pre-hook sets the plain attribute
  `module.weight` = weight_orig / σ before each forward, running `n_power_iterations` steps (u, v updated in place)
  only in training mode. Until the first forward, `module.weight` is the unnormalised weight, as PyTorch's.
  `remove_spectral_norm` folds W / σ (no further iteration) back into a Parameter `weight`.
* `nn.utils.parametrizations.spectral_norm(...)` (parametrizations.py): the same quotient as a parametrization.

σ = uᵀ W v with u, v constants of the graph: gradients flow through W only (as PyTorch's, which computes u, v under
no_grad). u, v start as normalised N(0, 1) draws from the generator `autograd_core.manual_seed` seeds.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import Value
from autograd_core.generator import get_rng

from ..module import Parameter

__all__ = ["spectral_norm", "remove_spectral_norm"]


def _normalize(x, eps):
    """x / max(‖x‖, eps), as PyTorch's F.normalize."""
    return x / max(float(np.linalg.norm(x)), eps)


def weight_matrix(weight, dim):
    """`weight` as a matrix: axis `dim` first, the others flattened (a Value in, a Value out; arrays too)."""
    if dim != 0:
        order = (dim,) + tuple(a for a in range(weight.ndim) if a != dim)
        weight = weight.transpose(order) if isinstance(weight, np.ndarray) else weight.permute(*order)
    return weight.reshape(weight.shape[0], -1)


def power_iteration(w, u, v, n, eps, u_first=False):
    """`n` steps of power iteration on the matrix `w` (an array), updating u (rows) and v (columns) IN PLACE.
    The older API updates v = W̄ᵀu then u = Wv (u_first=False); the parametrization u first."""
    for _ in range(n):
        if u_first:
            u[...] = _normalize(w @ v, eps)
            v[...] = _normalize(w.T @ u, eps)
        else:
            v[...] = _normalize(w.T @ u, eps)
            u[...] = _normalize(w @ v, eps)


def divide_by_sigma(weight, u, v, dim):
    """weight / (uᵀ W v), W = weight as a matrix; u, v enter as constants."""
    constant = (lambda a: Value(a.copy(), requires_grad=False, dtype=a.dtype))
    sigma = (weight_matrix(weight, dim) @ constant(v)) @ constant(u)
    return weight / sigma


def initial_vectors(weight_mat, eps, dtype):
    rng = get_rng(None)
    h, w = weight_mat.shape
    return (_normalize(rng.standard_normal(h).astype(dtype), eps),
            _normalize(rng.standard_normal(w).astype(dtype), eps))


def default_dim(module, dim):
    from ..conv import ConvTranspose1d, ConvTranspose2d
    from ..conv3d import ConvTranspose3d

    if dim is None:
        return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    return dim


def check_iterations(n_power_iterations):
    if isinstance(n_power_iterations, bool) or not isinstance(n_power_iterations, numbers.Integral) \
            or n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")


class SpectralNorm:
    """The forward pre-hook of the older API for one attribute: sets `module.<name>` before each forward."""

    def __init__(self, name, n_power_iterations, dim, eps):
        self.name, self.n_power_iterations, self.dim, self.eps = name, int(n_power_iterations), dim, float(eps)
        self.handle = None

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, f"{self.name}_orig")
        u, v = getattr(module, f"{self.name}_u"), getattr(module, f"{self.name}_v")
        if do_power_iteration:
            power_iteration(weight_matrix(weight.data, self.dim), u, v, self.n_power_iterations, self.eps)
        return divide_by_sigma(weight, u, v, self.dim)

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def _hook_of(module, name):
    hooks = vars(module).get("_module_hooks") or {"pre": {}}
    for hook, *_ in hooks["pre"].values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            return hook
    return None


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """The older `nn.utils.spectral_norm` (see the module docstring). dim: the output axis (default 0, 1 for
    ConvTranspose). Returns the module. RuntimeError when `name` already has one; ValueError for
    n_power_iterations <= 0 or a missing parameter."""
    if _hook_of(module, name) is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    check_iterations(n_power_iterations)
    weight = vars(module).get(name)
    if not isinstance(weight, Parameter):
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter {name!r}")
    dim = default_dim(module, dim)
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"spectral_norm: dim {dim} out of range for a {weight.ndim}-d weight")
    dim %= weight.ndim
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    u, v = initial_vectors(weight_matrix(weight.data, dim), fn.eps, weight.dtype)
    del module.__dict__[name]
    setattr(module, f"{name}_orig", weight)
    object.__setattr__(module, name, Value(weight.data, requires_grad=False, dtype=weight.dtype))
    module.register_buffer(f"{name}_u", u)
    module.register_buffer(f"{name}_v", v)
    fn.handle = module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo `spectral_norm`: `<name>` becomes a Parameter holding weight_orig / σ (σ from the current u, v, without
    another iteration); `<name>_orig`, `<name>_u`, `<name>_v` and the hook go. ValueError when there is none."""
    fn = _hook_of(module, name)
    if fn is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
    weight = fn.compute_weight(module, do_power_iteration=False)
    fn.handle.remove()
    for attr in (name, f"{name}_orig", f"{name}_u", f"{name}_v"):
        vars(module).pop(attr, None)
    object.__setattr__(module, "_buffers", tuple(b for b in module._buffers if b not in (f"{name}_u", f"{name}_v")))
    setattr(module, name, Parameter(weight.data.copy()))
    return module
