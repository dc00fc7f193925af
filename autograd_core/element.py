"""`ElementView`: a scalar leaf that is one element of an array Value (micrograd's scalar weights, stored in a matrix).

micrograd keeps one scalar `Value` per weight; fast tensor code keeps one weight matrix per layer. An
`ElementView` is both at once: a scalar leaf of its own (a graph built from it shows one leaf per weight and no
indexing node), whose `data` and `grad` are read from and written to one element of the matrix (`base`).
Changing either side changes the other: `w.data -= lr * w.grad` updates the matrix, and a backward pass through
the matrix (a tensor graph) fills in every view's `grad`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ShapeError
from .value import Value, _next_index


class ElementView(Value):
    """A scalar leaf that reads and writes the element `index` of array Value `base`: its data and its grad.

    ElementView(base, index, label=None)

    base:  a leaf Value of any shape (e.g. a weight matrix Parameter), float dtype.
    index: a tuple of ints with one entry per axis of `base` (`()` for a 0-d base).

    `view.data` is `base.data[index]` (a NumPy scalar), read each time, so it follows whatever array `base`
    holds; assigning `view.data = x` writes `x` into that element. `view.grad` is `base.grad[index]`, or None
    while `base.grad` is None; a backward pass writes into `base.grad` (allocating zeros for the other
    elements), and `view.grad = None` zeroes the element. Many views of one base may take part in one graph;
    each is a leaf of its own, and `requires_grad` is the view's own flag.
    """

    __slots__ = ("base", "index")
    is_parameter = True

    def __init__(self, base, index, label=None):
        if not isinstance(base, Value) or not base.is_leaf:
            raise TypeError(f"ElementView: base must be a leaf Value, not {type(base).__name__}")
        shape = base.data.shape
        index = tuple(int(i) for i in index)
        if len(index) != len(shape) or any(not -n <= i < n for i, n in zip(index, shape)):
            raise IndexError(f"ElementView: index {index} is not an element of shape {shape}")
        index = tuple(i % n for i, n in zip(index, shape))  # one spelling per element (for `coalesce`)
        self.base = base
        self.index = index
        self.requires_grad = True
        if label is not None:
            self.label = label
        self._op = None
        self._p0 = self._p1 = None
        self._params = None
        self._hooks = None
        self._scope = None
        self._origin = None
        self._index = _next_index()
        self._pending = None
        self._version = None

    @property
    def data(self):
        return self.base.data[self.index]

    @data.setter
    def data(self, value):
        self.base.data = _write(self.base.data, self.index, value, "data")

    @property
    def grad(self):
        g = self.base.grad
        return None if g is None else g[self.index]

    @grad.setter
    def grad(self, value):
        base = self.base
        g = base.grad
        if isinstance(g, Value):  # a gradient with a graph (create_graph=True): keep its numbers only
            g = np.array(g.data)
        if value is None:
            if g is not None:
                base.grad = _write(g, self.index, 0, "grad")
            return
        if g is None:
            g = np.zeros_like(base.data)
        base.grad = _write(g, self.index, value, "grad")

    @classmethod
    def _unchecked(cls, base, index, label):
        """A view without validation, for callers that make many of a known-good base (a layer's matrices)."""
        view = _object_new(cls)
        view.base, view.index, view.requires_grad = base, index, True
        if label is not None:
            view.label = label
        view._op, view._p0, view._p1, view._params, view._hooks, view._scope = None, None, None, None, None, None
        view._origin = None
        view._index, view._pending, view._version = _next_index(), None, None
        return view

    def __repr__(self):
        return "ElementView" + super().__repr__()[len("Value"):]

    def __reduce__(self):
        return (ElementView, (self.base, self.index, self.label))


def _write(array, index, value, what):
    """Write scalar `value` at `index` of `array` (in place for an ndarray); returns the (possibly new) array."""
    if isinstance(value, Value):
        value = value.data
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise ShapeError(f"ElementView.{what}: expected a single number, got shape {np.shape(value)}")
    if isinstance(array, np.ndarray) and array.ndim:
        array[index] = value
        return array
    return array.dtype.type(np.asarray(value).item())  # a 0-d base holds an immutable NumPy scalar


_object_new = object.__new__


class ElementList(Sequence):
    """A list of the ElementViews of every element of some arrays, made only when an element is asked for.

    ElementList(arrays, make)

    arrays: the base Values whose elements the list covers, each element exactly once (in any order).
    make:   a function returning the list of views (in the list's order); called at the first `[i]`, `iter()`
            or comparison, and expected to return the same view objects every time (modules cache them).

    `len()` needs no views, and an optimizer given this list takes `arrays` directly (see `coalesce`): a
    large model's `parameters()` costs nothing until someone looks at its scalars.
    """

    __slots__ = ("arrays", "_maker", "_items")

    def __init__(self, arrays, make):
        self.arrays = list(arrays)
        self._maker = make
        self._items = None

    def _make(self):
        if self._items is None:
            self._items = self._maker()
        return self._items

    def __len__(self):
        return sum(int(a.data.size) for a in self.arrays)

    def __getitem__(self, index):
        return self._make()[index]

    def __iter__(self):
        return iter(self._make())

    def __add__(self, other):
        return self._make() + list(other)

    def __radd__(self, other):
        return list(other) + self._make()

    def __eq__(self, other):
        return self._make() == (list(other) if isinstance(other, ElementList) else other)

    __hash__ = None

    def __repr__(self):
        return repr(self._make())


def coalesce(params):
    """`params` (Values, or an ElementList) as a list, each complete set of ElementViews of one base replaced by it.

    An optimizer given micrograd's list of scalar weights then updates each weight matrix in one array
    operation, with the same result as updating its elements one by one. Views of a base that is not
    complete in the list, or of which some do not require a gradient, stay as they are.
    """
    if isinstance(params, ElementList):
        if all(a.requires_grad for a in params.arrays):
            return list(params.arrays)
    params = list(params)
    views = {}
    for p in params:
        if p.__class__ is ElementView:
            entry = views.get(id(p.base))
            if entry is None:
                entry = views[id(p.base)] = (p.base, set())
            entry[1].add(p.index if p.requires_grad else None)
    complete = {key for key, (base, indices) in views.items()
                if None not in indices and len(indices) == base.data.size and base.requires_grad}
    if not complete:
        return params
    out, placed = [], set()
    for p in params:
        key = id(p.base) if p.__class__ is ElementView else None
        if key in complete:
            if key not in placed:
                placed.add(key)
                out.append(p.base)
        else:
            out.append(p)
    return out
