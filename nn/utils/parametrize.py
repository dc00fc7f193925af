"""`torch.nn.utils.parametrize`: a module attribute computed from other parameters at each read.

register_parametrization(module, "weight", P) moves the parameter `weight` to
`module.parametrizations.weight.original` (or `original0`, `original1`, ... when P.right_inverse returns a tuple),
and `module.weight` becomes P(original): a property of a subclass made for this module alone, named
`Parametrized<Class>` as in PyTorch. The state-dict names are PyTorch's (`parametrizations.weight.original0`).
Reading the attribute records P's operations each time, so gradients reach the originals, and compile, forward
mode and higher derivatives see plain operations; inside `with parametrize.cached():` the first read of each
attribute is kept and returned by the later ones (one node, as PyTorch's cache), until the outermost context exits.
"""

from __future__ import annotations

import contextlib

from autograd_core import Value, no_grad

from ..container import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["register_parametrization", "is_parametrized", "remove_parametrizations", "ParametrizationList", "cached",
           "type_before_parametrizations"]

_CACHE = {"depth": 0, "values": {}}  # cached()'s nesting and its values: (id(module), name) -> the attribute


@contextlib.contextmanager
def cached():
    """PyTorch's `parametrize.cached()`: inside it, a parametrized attribute is computed at its first read and the
    same Value is returned by the later reads (a weight used at every step of an RNN loop is computed once); the
    values are dropped when the outermost `cached()` exits."""
    _CACHE["depth"] += 1
    try:
        yield
    finally:
        _CACHE["depth"] -= 1
        if not _CACHE["depth"]:
            _CACHE["values"].clear()


def type_before_parametrizations(module):
    """The class `module` had before its parametrizations (`Linear` for a `ParametrizedLinear`); its class when it
    has none."""
    return vars(type(module)).get("_parametrized_base", type(module))


class ParametrizationList(ModuleList):
    """The parametrizations of one attribute (children '0', '1', ...) and the parameters they start from
    (`original`, or `original0`, `original1`, ...). Calling it computes the attribute: P_n(...P_0(originals))."""

    def __init__(self, modules, originals, single):
        super().__init__(modules)
        self.is_tensor = single
        if single:
            self.original = originals[0]
        else:
            for i, original in enumerate(originals):
                setattr(self, f"original{i}", original)
        self.ntensors = len(originals)

    def originals(self):
        return [self.original] if self.is_tensor else [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def forward(self):
        first, *rest = list(self)
        x = first(*self.originals())
        for parametrization in rest:
            x = parametrization(x)
        return x

    def right_inverse(self, value):
        """Set the originals so that the attribute reads `value` (each right_inverse in reverse order, where
        defined; the identity where not)."""
        with no_grad():
            for parametrization in reversed(list(self)):
                inverse = getattr(parametrization, "right_inverse", None)
                value = value if inverse is None else inverse(value)
            values = (value,) if self.is_tensor else tuple(value)
            if len(values) != self.ntensors:
                raise ValueError(f"right_inverse returned {len(values)} tensors, the parametrization has "
                                 f"{self.ntensors} originals")
            for original, new in zip(self.originals(), values):
                original.copy_(new.data if isinstance(new, Value) else new)


def _property(name):
    def read(module):
        if not _CACHE["depth"]:
            return module.parametrizations[name]()
        key = (id(module), name)
        value = _CACHE["values"].get(key)
        if value is None:
            value = _CACHE["values"][key] = module.parametrizations[name]()
        return value

    def write(module, value):
        module.parametrizations[name].right_inverse(value)

    return property(read, write, doc=f"`{name}` computed by module.parametrizations.{name}")


def set_computed_attributes(module, prefix="Parametrized", **changes):
    """Give `module` a subclass of its own class made for it alone, holding the properties of its current one
    updated by `changes` (name -> property, or None to drop one); its own class again once none is left.

    A class is never modified after it is made: copies of the module (copy.deepcopy shares the class) keep theirs.
    The subclass is named prefix + the class's name (PyTorch's `ParametrizedLinear`)."""
    cls = type(module)
    base = vars(cls).get("_parametrized_base", cls)
    properties = {k: v for k, v in vars(cls).items() if isinstance(v, property)} if base is not cls else {}
    for name, value in changes.items():
        if value is None:
            properties.pop(name, None)
        else:
            properties[name] = value
    if not properties:
        module.__class__ = base
        return
    name = cls.__name__ if base is not cls else f"{prefix}{base.__name__}"
    module.__class__ = type(name, (base,), {"_parametrized_base": base, "__module__": base.__module__,
                                            **properties})


def is_parametrized(module, tensor_name=None):
    """Whether `module` has any parametrization (tensor_name=None), or one on `tensor_name`."""
    parametrizations = vars(module).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make `module.<tensor_name>` read as parametrization(original) (see the module docstring). A second
    parametrization on the same name is applied after the first. Returns the module.

    `parametrization` is a Module whose forward takes the originals (one, or as many as its right_inverse
    returns); if it defines right_inverse(value), the originals start as right_inverse(current parameter).
    `unsafe` is accepted for PyTorch's signature; shapes are not checked either way."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: expected a Module, got {type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    current = vars(module).get(tensor_name)
    if not isinstance(current, Parameter):
        raise ValueError(f"register_parametrization: module {type(module).__name__} has no parameter "
                         f"{tensor_name!r}")
    inverse = getattr(parametrization, "right_inverse", None)
    if inverse is not None:
        try:
            with no_grad():
                result = inverse(current)
        except NotImplementedError:  # as PyTorch: the parametrization starts from the parameter as it is
            inverse = None
    if inverse is None:
        originals, single = [current], True
    else:
        single = not isinstance(result, (tuple, list))
        results = [result] if single else list(result)
        originals = [Parameter((r.data if isinstance(r, Value) else r).copy(), dtype=current.dtype)
                     for r in results]
    del module.__dict__[tensor_name]
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = ParametrizationList([parametrization], originals, single)
    set_computed_attributes(module, **{tensor_name: _property(tensor_name)})
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo `register_parametrization` on `tensor_name`: it becomes a plain Parameter again, holding the
    parametrized value (leave_parametrized=True) or the single original (False). Returns the module."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {type(module).__name__} does not have a parametrization on {tensor_name}")
    chain = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = chain()
        param = Parameter(value.data.copy())
    elif chain.is_tensor:
        param = chain.original
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                         "in terms of a sequence of tensors.")
    del module.parametrizations[tensor_name]
    if len(module.parametrizations) == 0:
        del module.__dict__["parametrizations"]
    set_computed_attributes(module, **{tensor_name: None})
    setattr(module, tensor_name, param)
    return module
