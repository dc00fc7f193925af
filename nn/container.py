"""Modules that arrange other modules or reshape: Sequential, Residual, Flatten, Unflatten."""

from __future__ import annotations

import collections.abc
import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core.errors import ArgumentError, dim_out_of_range
from autograd_core import Value

from .module import Module, not_a_module
from .module_walk import _direct_members


def _index_position(index, length, container, items, bools=False):
    """index (an int, negative from the end) as a position in 0..length-1 of a container: TypeError for another
    type (a bool too, unless bools), IndexError when out of range, both naming the container and its items."""
    if not isinstance(index, numbers.Integral) or (isinstance(index, bool) and not bools):
        raise TypeError(f"{container} indices must be integers or slices, not {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range ({container} index {index} out of range for {length} "
                         f"{items})")  # PyTorch's words first
    return index % length


class Sequential(Module):
    """Modules applied one after the other: Sequential(m0, m1, ...)(x) = ...m1(m0(x)).

    Children are named '0', '1', ... (or by the keys of a single dict argument), so parameter names
    match PyTorch's (`0.weight`, `2.bias`). Indexing gives a child (a slice gives a new Sequential of the same
    children under the same names). A module added later, by `add_module(name, m)` or assignment, runs after the
    others, as in PyTorch (the style-transfer tutorial builds its model so: `model = nn.Sequential(normalization)`,
    then `model.add_module("conv_1", layer)`, ...).
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], dict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        self._keys = []  # the children's names, in the order they run (kept by __setattr__)
        for name, module in items:
            if not isinstance(module, Module):  # PyTorch's words, then ours
                ours = f"Sequential: item {name!r} is a {type(module).__name__}, not a Module"
                if isinstance(module, type):  # nn.ReLU for nn.ReLU()
                    ours += f": write {module.__name__}()"
                elif isinstance(module, (list, tuple)):  # nn.Sequential([layers]) for nn.Sequential(*layers)
                    ours += ": give the modules as arguments, nn.Sequential(*layers)"
                raise TypeError(f"{not_a_module(module)} ({ours})")
            self.add_module(str(name), module)

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        keys = self.__dict__.get("_keys")
        if keys is None:
            return
        if isinstance(value, Module):
            if name not in keys:
                keys.append(name)
        elif name in keys:  # a child replaced by something else is no longer run
            keys.remove(name)

    def __delattr__(self, name):
        super().__delattr__(name)
        if name in self.__dict__.get("_keys", ()):
            self._keys.remove(name)

    def forward(self, input):
        for key in self._keys:
            input = getattr(self, key)(input)
        return input

    def append(self, module):
        """Add a module at the end (named by its position); returns self."""
        self.add_module(str(len(self._keys)), module)
        return self

    def extend(self, sequential):
        """Append each module of `sequential` (any iterable of modules); returns self."""
        for module in sequential:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put `module` at position index (-len <= index <= len), the children renamed '0', '1', ...; returns
        self."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._keys)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        modules = list(self)
        modules.insert(index + n if index < 0 else index, module)
        self._renumber(modules)
        return self

    def pop(self, key):
        """Remove and return the child at index `key` (or a slice of them, as a Sequential)."""
        module = self[key]
        del self[key]
        return module

    def __setitem__(self, index, module):
        """Replace the child at index (PyTorch's fine-tuning `model.classifier[6] = nn.Linear(4096, 2)`)."""
        setattr(self, self._keys[self._position(index)], module)

    def __delitem__(self, index):
        """Remove the child at index (or a slice of them); the others are renamed '0', '1', ..., as in PyTorch."""
        doomed = set(self._keys[index]) if isinstance(index, slice) else {self._keys[self._position(index)]}
        self._renumber([getattr(self, key) for key in self._keys if key not in doomed])

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return self.extend(list(other))

    def __mul__(self, other):
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return Sequential(*(list(self) * other))

    __rmul__ = __mul__

    def _position(self, index):
        return _index_position(index, len(self), "Sequential", "modules", bools=True)

    def _renumber(self, modules):
        """Make `modules` the children, named '0', '1', ... in that order (PyTorch's numbering after del, insert)."""
        for key in list(self._keys):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return (getattr(self, key) for key in self._keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential({key: getattr(self, key) for key in self._keys[index]})
        return getattr(self, self._keys[self._position(index)])


class Residual(Module):
    """h(x) = x + f(x): a skip connection around `block` (whose output must have x's shape).

    The block's parameters are named `block.<name>`.
    """

    def __init__(self, block):
        if not isinstance(block, Module):
            raise TypeError(f"Residual: block must be a Module, not {type(block).__name__}")
        self.block = block

    def forward(self, x):
        fx = self.block(x)
        if tuple(fx.shape) != tuple(x.shape):
            raise ShapeError(f"Residual: the block maps shape {tuple(x.shape)} to {tuple(fx.shape)}; "
                             "x + f(x) needs them equal")
        return x + fx


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) with the defaults."""

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Unflatten(dim, unflattened_size): axis `dim` split into the axes `unflattened_size` (whose product is its
    length; one entry may be -1): (N, 12) -> (N, 3, 4) with Unflatten(1, (3, 4)). The inverse of Flatten."""

    def __init__(self, dim, unflattened_size):
        if isinstance(unflattened_size, numbers.Integral) or not all(
                isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in unflattened_size)

    def forward(self, input):
        shape = tuple(input.shape)
        if not shape:  # PyTorch's errors for a 0-d input (its unflatten's)
            from autograd_core.ops.arrange import unflatten

            return unflatten(input, self.dim, self.unflattened_size)
        if not -len(shape) <= self.dim < len(shape):
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape {shape}")
        dim, sizes = self.dim % len(shape), self.unflattened_size
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[dim]) or (
                -1 in sizes and (known == 0 or shape[dim] % known)):
            raise ShapeError(f"Unflatten: unflattened_size {sizes} does not fit the size {shape[dim]} of dim "
                             f"{self.dim} (input shape {shape})")
        new = shape[:dim] + sizes + shape[dim + 1:]
        return input.view(new) if isinstance(input, Value) else input.reshape(new)  # (PyTorch's: a view)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def flatten(x, start_dim=0, end_dim=-1):
    """x with axes start_dim..end_dim (inclusive) merged into one (NumPy/PyTorch order)."""
    shape = tuple(x.shape)
    ndim = len(shape)
    if ndim == 0:  # a 0-d input's one dimension, 0 or -1 (PyTorch's IndexError for others)
        for dim in (start_dim, end_dim):
            if dim not in (0, -1):
                raise np.exceptions.AxisError(f"{dim_out_of_range(dim, 0)} (flatten of a 0-d input)")
        return x.reshape((1,))
    ours = f"(flatten: invalid start_dim={start_dim}, end_dim={end_dim} for shape {shape})"
    for dim in (start_dim, end_dim):  # PyTorch's errors: an IndexError (an AxisError, a ValueError too, as before)
        if not -ndim <= dim < ndim:
            raise np.exceptions.AxisError(f"{dim_out_of_range(dim, ndim)} {ours}")
    if start_dim % ndim > end_dim % ndim:
        raise ArgumentError(f"flatten() has invalid args: start_dim cannot come after end_dim {ours}")
    start, end = start_dim % ndim, end_dim % ndim
    merged = 1
    for n in shape[start:end + 1]:
        merged *= n
    new_shape = shape[:start] + (merged,) + shape[end + 1:]
    if not isinstance(x, Value):
        return x.reshape(new_shape)
    return x if new_shape == shape else x.reshape(new_shape)


# ----------------------------------------------------------------------------------------------------
# ModuleList and ModuleDict: containers whose children are named by position or key, as in PyTorch
# (`layers.0.weight`, `heads.cls.bias`). They keep their children in `_modules` and name them there.


class _KeyedChildren:
    """The dict protocol of ModuleDict and ParameterDict over the dict their children are kept in (the attribute
    `_store`): indexing by key (a non-empty string without '.', as the state dict joins names with dots),
    attribute access (`heads.cls` as well as `heads["cls"]`, as PyTorch), `in`, iteration over keys,
    keys/values/items, update, pop, clear. Storing a child (`__setitem__`) is the container's own."""

    _store = None  # the name of the attribute holding {key: child}

    def _key(self, key):
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"{self._kind} keys must be non-empty strings without '.', got {key!r}")
        return key

    def __getitem__(self, key):
        return self.__dict__[self._store][key]

    def __delitem__(self, key):
        del self.__dict__[self._store][key]

    def __contains__(self, key):
        return key in self.__dict__[self._store]

    def __iter__(self):
        return iter(self.__dict__[self._store])

    def __getattr__(self, name):
        children = self.__dict__.get(self._store, {})
        if name in children:
            return children[name]
        raise AttributeError(f"'{self._kind}' object has no attribute or key {name!r}")

    def keys(self):
        return self.__dict__[self._store].keys()

    def values(self):
        return self.__dict__[self._store].values()

    def items(self):
        return self.__dict__[self._store].items()

    def update(self, children):
        """Set each (key, child) of a mapping or of an iterable of pairs."""
        pairs = children.items() if hasattr(children, "items") else children
        for key, child in pairs:
            self[key] = child

    def pop(self, key):
        return self.__dict__[self._store].pop(key)

    def clear(self):
        self.__dict__[self._store].clear()


class _Container(Module):
    def __getattr__(self, name):
        # Only when ordinary lookup fails: children by their names, as PyTorch's Module.__getattr__ finds them
        # (getattr(layers, "1")), so dotted names such as functional_call's "tail.1.weight" walk through a list.
        modules = self.__dict__.get("_modules", {})
        if name in modules:
            return modules[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def _direct(self):
        params, modules = _direct_members(self, skip="_modules")  # (the children in `_modules` come next)
        modules.extend((key, m) for key, m in self._modules.items() if m is not None)
        return params, modules

    def _set(self, key, module):
        if not isinstance(module, Module):
            hint = f": write {module.__name__}()" if isinstance(module, type) else ""
            raise TypeError(f"{not_a_module(module)} ({type(self).__name__}: {key!r} must be a Module, not "
                            f"{type(module).__name__}{hint})")
        object.__setattr__(module, "_name", key)
        self._modules[key] = module

    def __len__(self):
        return len(self._modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(): call the modules it holds")


class ModuleList(_Container):
    """A list of modules whose parameters the parent finds (a plain list works too; this one matches
    PyTorch's API): append, extend, insert, indexing (a slice gives a ModuleList), del, len, iteration."""

    def __init__(self, modules=None):
        object.__setattr__(self, "_modules", {})
        if modules is not None:
            self.extend(modules)

    def _items(self):
        return list(self._modules.values())

    def _repr_children(self):
        """Runs of equal children fold into one line, as PyTorch prints them: `(0-5): 6 x Block(...)`."""
        runs = []  # [first index, last index, text]
        for index, child in enumerate(self._items()):
            text = repr(child)
            if runs and runs[-1][2] == text:
                runs[-1][1] = index
            else:
                runs.append([index, index, text])
        return [(str(first), text) if first == last else (f"{first}-{last}", f"{last - first + 1} x {text}")
                for first, last, text in runs]

    def _rebuild(self, items):
        self._modules.clear()
        for i, module in enumerate(items):
            self._set(str(i), module)

    def _position(self, index):
        return _index_position(index, len(self), "ModuleList", "modules")

    def append(self, module):
        self._set(str(len(self)), module)
        return self

    def extend(self, modules):
        if (isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential))
                or not isinstance(modules, collections.abc.Iterable)):  # ModuleList(layer) for ModuleList([layer])
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got {type(modules).__name__} "
                            "(ModuleList takes a list of Modules: ModuleList([layer]))")
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index, module):
        items = self._items()
        items.insert(index, module)
        self._rebuild(items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(self._items()[index])
        return self._modules[str(self._position(index))]

    def __setitem__(self, index, module):
        self._set(str(self._position(index)), module)

    def __delitem__(self, index):
        items = self._items()
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._position(index)]
        self._rebuild(items)

    def pop(self, key):
        """Remove and return the module at index `key` (a slice: a ModuleList of them)."""
        module = self[key]
        del self[key]
        return module

    def __iter__(self):
        return iter(self._items())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(self._items() + list(other))


class ModuleDict(_KeyedChildren, _Container):
    """A dict of modules by string key (insertion order), named `<key>` below the parent: indexing,
    `in`, len, iteration over keys, keys/values/items, update, pop, clear."""

    _store, _kind = "_modules", "ModuleDict"

    def __init__(self, modules=None):
        object.__setattr__(self, "_modules", {})
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key, module):
        self._set(self._key(key), module)
