"""PyTorch's functions take tensors: `torch.sin(np.ones(2))` is a TypeError there, and a gradient is a tensor.

The primitives themselves run on NumPy arrays too (that is how their rules compute on arrays in a backward pass and
on Values for higher derivatives), so the names users call (`autograd_core.sin`, `autograd_core.cat`, ...) check
their inputs first, with PyTorch's words:

    sin(): argument 'input' (position 1) must be Tensor, not list          (a list, or a Python number for one input)
    expected Tensor as element 0 in argument 0, but got numpy.ndarray      (torch.cat, torch.stack)

A NumPy array is refused as PyTorch refuses it (`sin(): argument 'input' (position 1) must be Tensor, not
numpy.ndarray`): the function transforms hand f Values for its array arguments (trees.arrays_as_tensors), as
torch.func hands it tensors, so f may call these functions on any of its arguments.

A gradient counts as a tensor, as PyTorch's `x.grad` and `torch.autograd.grad(...)` results are tensors: a GradArray
(or the NumPy scalar gradient of a 0-d Value) becomes a Value without gradient, and so does a parameter's `.data`
(a ParameterArray), so `torch.stack(grads)`, `torch.cat([p.data for p in params])` and `torch.sin(x.grad)` give
Values. Library code that means arrays calls the primitives of `autograd_core.ops`.
"""

from __future__ import annotations

import numpy as np

from .grad_array import GradArray, ParameterArray
from .value import Value


def _type_name(x):
    cls = type(x)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def gradient_as_tensor(x):
    """x as a Value when it is a gradient (a GradArray, or a NumPy scalar: a 0-d Value's gradient) or a parameter's
    (or marked leaf's) `.data` (a ParameterArray: a tensor in PyTorch, `torch.cat([p.data for p in params])`); else
    None."""
    if isinstance(x, (GradArray, ParameterArray)):
        return Value(x.view(np.ndarray), requires_grad=False)
    if isinstance(x, np.generic) and x.dtype.kind in "biufc":
        return Value(np.asarray(x), requires_grad=False)
    return None


def refuse_array(x, function, parameter="input", position=1):
    """x, unless it is a NumPy array: then PyTorch's TypeError (`add(): argument 'other' (position 2) must be Tensor,
    not numpy.ndarray`; position None for a keyword argument). For the torch-level functions that take tensors and
    also, as PyTorch's do, Python numbers: those, gradients and our tensor-like arrays (a parameter's .data, a
    buffer) pass. Where PyTorch lists its overloads (`sum() received an invalid combination of arguments`, when more
    arguments follow) the words here are the simple form's."""
    if x.__class__ is np.ndarray:
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"{function}(): argument '{parameter}'{where} must be Tensor, not numpy.ndarray")
    return x


def tensor_sequence(tensors, function):
    """The list of `tensors` (torch.cat's and torch.stack's first argument; `function` their name), gradients made
    Values; TypeError with PyTorch's words for a single tensor (which Python would iterate over) or an element that is
    not a tensor."""
    if isinstance(tensors, (Value, np.ndarray)):
        raise TypeError(f"{function}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{'Tensor' if isinstance(tensors, Value) else _type_name(tensors)} (give a list: "
                        f"torch.{function}([a, b]))")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Value):
            as_tensor = gradient_as_tensor(t)
            if as_tensor is None:
                raise TypeError(f"expected Tensor as element {i} in argument 0, but got {_type_name(t)}")
            tensors[i] = as_tensor
    return tensors


class TensorFunction:
    """A primitive under its torch name (`autograd_core.sin`): refuses an input that is not a tensor as PyTorch's
    function does, turns gradients into Values, and is otherwise the primitive (its attributes are the primitive's).

    parameters: PyTorch's names of the tensor inputs, in order ('input', 'other'). A tensor or a gradient each; of
    two or more, any may also be a Python number (ours promotes it, as torch.xlogy(2, x) does; PyTorch's others
    refuse it), but no input may be an array or a list."""

    def __init__(self, name, primitive, parameters=("input",)):
        self.primitive, self.parameters = primitive, parameters
        self.__name__ = self.__qualname__ = name
        self.__doc__ = primitive.__doc__
        self.__module__ = "autograd_core"
        self.__wrapped__ = primitive

    def __call__(self, *args, **kwargs):
        if args and isinstance(args[0], Value) and (len(args) == 1 or not isinstance(args[1], np.ndarray)) \
                and not kwargs:
            return self.primitive(*args)  # the common call: no check beyond these two
        args = list(args)
        for position, name in enumerate(self.parameters):
            if position < len(args):
                args[position] = self._tensor(args[position], name, position)
            elif name in kwargs:
                kwargs[name] = self._tensor(kwargs[name], name, None)
        return self.primitive(*args, **kwargs)

    def _tensor(self, x, name, position):
        if isinstance(x, Value):
            return x
        as_tensor = gradient_as_tensor(x)
        if as_tensor is not None:
            return as_tensor
        if len(self.parameters) > 1 and isinstance(x, (int, float, complex, bool)):
            return x
        where = f" (position {position + 1})" if position is not None else ""
        raise TypeError(f"{self.__name__}(): argument '{name}'{where} must be Tensor, not {_type_name(x)}")

    def __getattr__(self, attribute):
        return getattr(self.__dict__["primitive"], attribute)

    def __repr__(self):
        return repr(self.primitive)


# The primitives exported under torch's names, and the names of their tensor inputs (others: ('input',)).
_PARAMETERS = {
    "atan2": ("input", "other"), "arctan2": ("input", "other"), "maximum": ("input", "other"),
    "minimum": ("input", "other"), "xlogy": ("input", "other"), "igamma": ("input", "other"),
    "igammac": ("input", "other"), "complex": ("real", "imag"), "polar": ("abs", "angle"),
}


def tensor_functions(namespace):
    """{name: TensorFunction} for every primitive in `namespace` (a module's globals)."""
    from .ops.primitive import Primitive

    functions, by_primitive = {}, {}  # an alias (arcsinh, asinh) stays the same object as its twin
    for name, obj in namespace.items():
        if isinstance(obj, Primitive) and not name.startswith("_"):
            if obj not in by_primitive:
                by_primitive[obj] = TensorFunction(name, obj, _PARAMETERS.get(name, ("input",)))
            functions[name] = by_primitive[obj]
    return functions


def _nesting_depth(data):
    """How many lists or tuples deep the first element of `data` lies (1 for a flat list)."""
    depth = 0
    while isinstance(data, (list, tuple)):
        depth += 1
        if not data:
            break
        data = data[0]
    return depth


def tensors_read_as_numbers(data, made):
    """torch.tensor's reading of tensors inside lists: each is one number (PyTorch calls item() on it), so
    `torch.tensor([loss1, loss2])` is a vector of the two and `torch.tensor([torch.ones(2), torch.ones(2)])` is
    PyTorch's ValueError, where NumPy would stack the Values. `made`: NumPy's array of `data`, or None when NumPy
    refused it (ragged). Returns `data` with each Value replaced by its element as a NumPy number (its dtype kept), or
    None when nothing changes. Costs a walk of the lists only when NumPy's array is deeper than the lists (or NumPy
    refused them): arrays or Values were among the elements."""
    if made is not None and made.ndim <= _nesting_depth(data):
        return None
    found = []

    def numbers(items):
        out = []
        for x in items:
            if isinstance(x, Value):
                if x.data.size != 1:
                    raise ValueError("only one element tensors can be converted to Python scalars (torch.tensor "
                                     "reads a tensor in a list as one number: to join tensors use torch.stack or "
                                     "torch.cat)")
                found.append(x)
                x = x.data.reshape(())[()]
            elif isinstance(x, (list, tuple)):
                x = numbers(x)
            out.append(x)
        return out

    data = numbers(data)
    return data if found else None


# The C names of PyTorch's fill kernels (torch.full, fill_), which its overflow message names.
_FILL_NAMES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t", "uint8": "uint8_t"}


def refuse_overflow(numbers, dtype, fill=False):
    """PyTorch refuses Python numbers that an integer dtype cannot hold ("value cannot be converted to type uint8
    without overflow": `torch.tensor([300], dtype=torch.uint8)`, `torch.full((2,), 300, dtype=torch.uint8)`), where a
    cast would wrap them silently (300 -> 44). numbers: the array NumPy read them into. As PyTorch's check, an integer
    into an unsigned dtype may be as low as -max (-1 into uint8 is 255, two's complement), a float must lie within
    the dtype's range and be finite. Arrays and tensors are cast without this check, as in PyTorch."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu" or numbers.size == 0 or numbers.dtype.kind not in "iuf":
        return
    info = np.iinfo(dtype)
    low = -int(info.max) if numbers.dtype.kind in "iu" and info.min == 0 else int(info.min)
    if numbers.dtype.kind == "f" and not np.isfinite(numbers).all() or numbers.min() < low or numbers.max() > info.max:
        name = _FILL_NAMES.get(dtype.name, dtype.name) if fill else dtype.name
        raise RuntimeError(f"value cannot be converted to type {name} without overflow ({dtype.name} holds "
                           f"{info.min} to {info.max}; got {numbers.min()} to {numbers.max()})")
