"""`ParameterList` and `ParameterDict`: containers of Parameters that their parent module finds, named in the state
dict by position or key below the container's own name (`scales.0`, `gains.left`), as PyTorch names them.

A value that is not a Parameter (a Value, an array, a nested list of numbers) becomes one when stored, as in
PyTorch, where a tensor put into these containers becomes a Parameter.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import Value

from .container import _KeyedChildren, _index_position
from .module import Module, Parameter


def _as_parameter(value, who):
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Value, np.ndarray, numbers.Number, list, tuple)):
        return Parameter(value.data if isinstance(value, Value) else np.asarray(value))
    raise TypeError(f"{who}: expected a Parameter, a Value or an array, got {type(value).__name__}")


# PyTorch's names of the float tensor types, which ParameterDict prints (ParameterList prints the dtype)
_TENSOR_TYPES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor"}


def _describe(param, type_name):
    """PyTorch's line for a parameter held: `Parameter containing: [torch.float32 of size 2x3]` (type_name=False)
    or `[torch.FloatTensor of size 2x3]` (type_name=True), word for word."""
    kind = _TENSOR_TYPES.get(str(param.dtype), str(param.dtype)) if type_name else str(param.dtype)
    return f"Parameter containing: [torch.{kind} of size {'x'.join(str(n) for n in param.shape)}]"


class _ParameterContainer(Module):
    """Keeps its parameters in `_params` ({name: Parameter}); `_direct` reports them under those names."""

    def _direct(self):
        return list(self._params.items()), []

    def __len__(self):
        return len(self._params)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(): use the parameters it holds")

    _type_names = False  # ParameterDict names the tensor type, as PyTorch's

    def extra_repr(self):
        return "\n".join(f"  ({name}): {_describe(param, self._type_names)}" for name, param in self._params.items())


class ParameterList(_ParameterContainer):
    """ParameterList(values=None): a list of Parameters (named '0', '1', ...): append, extend, indexing (a slice
    gives a ParameterList sharing the Parameters), assignment by index, len, iteration, +=."""

    def __init__(self, values=None):
        object.__setattr__(self, "_params", {})
        if values is not None:
            self.extend(values)

    def _items(self):
        return list(self._params.values())

    def _position(self, index):
        return _index_position(index, len(self), "ParameterList", "parameters")

    def _store(self, key, value):
        param = _as_parameter(value, "ParameterList")
        if param.label is None:
            param.label = key
        self._params[key] = param

    def append(self, value):
        """Add `value` (made a Parameter if it is not one) at the end; returns self."""
        self._store(str(len(self)), value)
        return self

    def extend(self, values):
        """Append each of `values`; returns self."""
        if isinstance(values, (Value, np.ndarray)):
            raise TypeError("ParameterList.extend expects an iterable of Parameters, got a single "
                            f"{type(values).__name__}")
        for value in list(values):
            self.append(value)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(self._items()[index])
        return self._params[str(self._position(index))]

    def __setitem__(self, index, value):
        self._store(str(self._position(index)), value)

    def __iter__(self):
        return iter(self._items())

    def __iadd__(self, values):
        return self.extend(values)


class ParameterDict(_KeyedChildren, _ParameterContainer):
    """ParameterDict(parameters=None): Parameters by string key (insertion order): indexing (and attribute access,
    `d.key`), `in`, len, iteration over keys, keys/values/items, get, update, pop, clear, setdefault."""

    _store, _kind = "_params", "ParameterDict"
    _type_names = True

    def __init__(self, parameters=None):
        object.__setattr__(self, "_params", {})
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key, value):
        key = self._key(key)
        param = _as_parameter(value, "ParameterDict")
        if param.label is None:
            param.label = key
        self._params[key] = param

    def get(self, key, default=None):
        return self._params.get(key, default)

    def setdefault(self, key, default=None):
        if key not in self._params:
            self[key] = default
        return self._params[key]

