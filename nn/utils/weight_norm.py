"""`nn.utils.weight_norm` / `remove_weight_norm`, PyTorch's older weight normalisation API: parameters `weight_g`
(the norm over every axis but `dim`) and `weight_v` (the direction) on the module itself, and `module.weight`
reads g · v / ‖v‖ (a property of the module's own subclass, which keeps the class's name; PyTorch recomputes a
plain attribute in a forward pre-hook: a forward sees the same numbers). See parametrizations.py for the newer API.
"""

from __future__ import annotations

from autograd_core import Value, no_grad

from ..module import Parameter
from .parametrizations import _axis, _weight_norm, _weight_of, norm_except_dim
from .parametrize import set_computed_attributes

__all__ = ["weight_norm", "remove_weight_norm"]


def _registered(module, name):
    return isinstance(vars(type(module)).get(name), property) and f"{name}_g" in vars(module) \
        and f"{name}_v" in vars(module)


def weight_norm(module, name="weight", dim=0):
    """The older `nn.utils.weight_norm`: parameters `<name>_g` (the norm, size-1 axes but dim) and `<name>_v`
    (the direction) on the module itself; `module.<name>` reads g · v / ‖v‖. Returns the module."""
    if _registered(module, name):
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    if not hasattr(module, name):  # PyTorch's getattr fails first
        raise AttributeError(f"'{type(module).__name__}' object has no attribute '{name}'")
    weight = _weight_of(module, name, "weight_norm")
    _axis(dim, weight.ndim)
    with no_grad():
        g = norm_except_dim(weight, dim)
    del module.__dict__[name]
    setattr(module, f"{name}_g", Parameter(g.data.copy(), dtype=weight.dtype))
    setattr(module, f"{name}_v", Parameter(weight.data.copy()))

    def read(m):
        return _weight_norm(getattr(m, f"{name}_g"), getattr(m, f"{name}_v"), dim)

    computed = property(read, doc=f"{name}_g · {name}_v / ‖{name}_v‖ (nn.utils.weight_norm)")
    set_computed_attributes(module, prefix="", **{name: computed})
    return module


def remove_weight_norm(module, name="weight"):
    """Undo `nn.utils.weight_norm`: `<name>` becomes a Parameter holding g · v / ‖v‖; `<name>_g`, `<name>_v` go."""
    if not _registered(module, name):
        raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")
    with no_grad():
        value = getattr(module, name)
    del module.__dict__[f"{name}_g"], module.__dict__[f"{name}_v"]
    set_computed_attributes(module, **{name: None})
    setattr(module, name, Parameter(value.data.copy() if isinstance(value, Value) else value))
    return module
