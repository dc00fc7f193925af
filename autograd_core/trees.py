"""Containers of arguments and results for the function transforms (JAX's and torch.func's pytrees).

`grad(loss)(params)` with `params` a dict of arrays returns a dict of gradients; `hessian` of it a dict of dicts;
`jvp` takes and returns tuples, lists and dicts of tangents. A container is a dict, a list or a tuple (a
namedtuple too), nested to any depth; its leaves are what the transforms already take (numbers, arrays, Values).

A list or tuple of plain numbers (nested or not) stays what NumPy makes of it, one array: `grad(f)([1.0, 2.0])`
returns an array, as it always has. A list or tuple is a container when it holds an array, a Value or a dict
somewhere inside (`[w, b]`, `(x, {"scale": s})`).
"""

from __future__ import annotations

import numpy as np

from .value import Value


def is_container(arg):
    """Whether a transform's argument is a container of arguments rather than one argument (see the module doc)."""
    if isinstance(arg, dict):
        return True
    if isinstance(arg, (tuple, list)):
        return any(isinstance(a, (Value, np.ndarray, dict)) or is_container(a) for a in arg)
    return False


def flatten(tree, container=is_container):
    """(leaves, spec): the leaves of `tree` in order (a dict's in its key order), and its structure, which
    `unflatten` fills with new leaves. `container(obj)` tells which objects to open: `is_container` for arguments,
    `any_container` for a function's results. Two trees have the same structure when their specs are equal."""
    leaves = []
    return leaves, _spec(tree, leaves, container)


def flatten_as(tree, spec, what):
    """The leaves of `tree` opened where `spec` (another tree's structure) has containers: the tangents given for
    primals, a cotangent for an output. Raises ValueError naming `what` when the structures differ."""
    leaves = []
    _leaves_as(tree, spec, leaves, what)
    return leaves


def _leaves_as(obj, spec, leaves, what):
    if spec is None:
        leaves.append(obj)
        return
    kind, keys, children = spec
    if keys is not None:
        if not isinstance(obj, dict) or list(obj) != keys:
            raise ValueError(f"{what}: expected a dict with keys {keys}, got "
                             f"{list(obj) if isinstance(obj, dict) else type(obj).__name__}")
        items = list(obj.values())
    else:
        if not isinstance(obj, (list, tuple)) or len(obj) != len(children):
            raise ValueError(f"{what}: expected a {kind.__name__} of {len(children)} items, got "
                             + (f"{len(obj)} items" if isinstance(obj, (list, tuple)) else type(obj).__name__))
        items = list(obj)
    for item, child in zip(items, children):
        _leaves_as(item, child, leaves, what)


def unflatten(spec, leaves):
    """A tree of `spec`'s structure (from `flatten`) holding `leaves`, one per leaf, in order."""
    leaves = iter(leaves)
    tree = _build(spec, leaves)
    if next(leaves, _END) is not _END:
        raise ValueError("unflatten: more leaves than the structure holds")
    return tree


_END = object()


def _spec(obj, leaves, container):
    if not container(obj):
        leaves.append(obj)
        return None
    if isinstance(obj, dict):
        return (type(obj), list(obj), [_spec(v, leaves, container) for v in obj.values()])
    return (type(obj), None, [_spec(v, leaves, container) for v in obj])


def _build(spec, leaves):
    if spec is None:
        return next(leaves)
    kind, keys, children = spec
    items = [_build(child, leaves) for child in children]
    if keys is not None:
        return kind(zip(keys, items))
    if hasattr(kind, "_fields"):  # a namedtuple takes its items as arguments
        return kind(*items)
    return kind(items)


def any_container(obj):
    """For a function's results: every dict, list and tuple is a container."""
    return isinstance(obj, (dict, list, tuple))


class Spread:
    """A transform's arguments with the containers among the differentiated ones spread into their leaves.

    args:  the flat arguments: each argument, or in its place its leaves when it is a differentiated container.
    nums:  the positions in `args` of the differentiated leaves (and plain differentiated arguments), in order.
    `rebuild(flat)` gives the original arguments back from flat ones; `regroup(items)`, from one item per
    differentiated leaf (a gradient, a Jacobian), one per differentiated argument in its structure: that one alone
    when the transform's argnums was a single integer, else a tuple.
    """

    __slots__ = ("args", "nums", "_places", "_argnums", "_single")

    def __init__(self, args, argnums, single):
        self._argnums, self._single = argnums, single
        self._places = None  # no container among the differentiated arguments (the common case): nothing to spread
        if not any(is_container(args[i]) for i in argnums):
            self.args, self.nums = list(args), tuple(argnums)
            return
        self.args, self._places = [], []  # _places[i]: (start in args, number of leaves, spec) of argument i
        differentiated = set(argnums)
        for i, arg in enumerate(args):
            leaves, spec = flatten(arg) if i in differentiated else ([arg], None)
            self._places.append((len(self.args), len(leaves), spec))
            self.args.extend(leaves)
        self.nums = tuple(start + k for start, n, _ in (self._places[i] for i in argnums) for k in range(n))

    def rebuild(self, flat):
        if self._places is None:
            return list(flat)
        return [unflatten(spec, flat[start:start + n]) for start, n, spec in self._places]

    def regroup(self, items):
        if self._places is None:
            return items[0] if self._single else tuple(items)
        items = iter(items)
        grouped = [unflatten(self._places[i][2], [next(items) for _ in range(self._places[i][1])])
                   for i in self._argnums]
        return grouped[0] if self._single else tuple(grouped)


def arrays_as_tensors(tree):
    """`tree` with every NumPy array among its leaves (inside containers too) made a Value that needs no gradient and
    shares the array's memory and dtype (`torch.from_numpy`): what a transform hands f for its non-differentiated
    arguments, as torch.func hands f tensors, since torch's functions refuse arrays (`torch.sin(np_array)` is a
    TypeError). Numbers, Values and anything else stay as they are."""
    if tree.__class__ is np.ndarray or isinstance(tree, np.ndarray):
        return _from_array(tree)
    if not is_container(tree):
        return tree
    leaves, spec = flatten(tree)
    if not any(isinstance(leaf, np.ndarray) for leaf in leaves):
        return tree
    return unflatten(spec, [_from_array(leaf) if isinstance(leaf, np.ndarray) else leaf for leaf in leaves])


def _from_array(array):
    array = array.view(np.ndarray)  # a gradient (GradArray) or a parameter's .data: its plain array
    return Value(array[()] if array.ndim == 0 else array, requires_grad=False, dtype=array.dtype)
