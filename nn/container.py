"""Modules that arrange other modules or reshape: Sequential, Residual, Flatten."""

from __future__ import annotations

import numbers

from autograd_core import Value

from .module import Module


class Sequential(Module):
    """Modules applied one after the other: Sequential(m0, m1, ...)(x) = ...m1(m0(x)).

    Children are named '0', '1', ... (or by the keys of a single dict argument), so parameter names
    match PyTorch's (`0.weight`, `2.bias`). Indexing gives a child (a slice gives a new Sequential).
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], dict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: item {name!r} is a {type(module).__name__}, not a Module")
            self.add_module(str(name), module)
        self._keys = [str(name) for name, _ in items]

    def forward(self, x):
        for key in self._keys:
            x = getattr(self, key)(x)
        return x

    def append(self, module):
        """Add a module at the end (named by its position); returns self."""
        key = str(len(self._keys))
        self.add_module(key, module)
        self._keys.append(key)
        return self

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return (getattr(self, key) for key in self._keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*[getattr(self, key) for key in self._keys[index]])
        if not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential indices must be integers or slices, not {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"Sequential index {index} out of range for {len(self)} modules")
        return getattr(self, self._keys[index])


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
            raise ValueError(f"Residual: the block maps shape {tuple(x.shape)} to {tuple(fx.shape)}; "
                             "x + f(x) needs them equal")
        return x + fx


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) with the defaults."""

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def flatten(x, start_dim=0, end_dim=-1):
    """x with axes start_dim..end_dim (inclusive) merged into one (NumPy/PyTorch order)."""
    shape = tuple(x.shape)
    ndim = len(shape)
    if ndim == 0:
        return x.reshape((1,))
    if not (-ndim <= start_dim < ndim and -ndim <= end_dim < ndim) or start_dim % ndim > end_dim % ndim:
        raise ValueError(f"flatten: invalid start_dim={start_dim}, end_dim={end_dim} for shape {shape}")
    start, end = start_dim % ndim, end_dim % ndim
    merged = 1
    for n in shape[start:end + 1]:
        merged *= n
    new_shape = shape[:start] + (merged,) + shape[end + 1:]
    if not isinstance(x, Value):
        return x.reshape(new_shape)
    return x if new_shape == shape else x.reshape(new_shape)
