"""`ScatteredGradient`: the gradient of a basic slice `x[index]`, kept as (g, index) until the pass needs it; or of
another operation that routes each element of g to one place of its input (max pooling's window maxima), kept as
(g, routing).

The gradient that `y = x[index]` sends to `x` is zeros of x's shape with `g` at `index`. Made at once, a loop
that reads T slices of one tensor (an RNN's time steps, `unbind`, `chunk`) writes T full-size arrays of zeros
and adds them up with T full-size additions: work quadratic in T. The backward pass instead keeps the first
slice's gradient as this object, and when further gradients arrive for the same input it makes one array of
its own and adds each of them in place: slices into their slice, dense gradients whole.

Only the engine's pass builds these (`Primitive.lazy_vjp`, used without create_graph), and it turns them into
plain arrays (`dense`) before anything else sees them: hooks, rules and compiled plans only ever get ndarrays, and
`.grad` (a ReLU node may keep a routed one, below) makes it dense when it is read. Basic indices (integers,
slices, None, Ellipsis) select each element at most once, so adding in place gives the bits that zeros-then-add
would (up to the sign of a zero).

A routing (`Routing`) stands where an index would: an object that makes the dense gradient itself (`scatter`), for a
rule whose dense form is costly. ReLU's rule passes such a gradient through without making it (`through_routing`):
ReLU's output y is 0 at a routed place exactly where the value routed from is (each goes to an element equal to it),
so ReLU's gradient is the same routing of g·[picked != 0], a pass over g instead of three over y's size
(ops/elementwise.py, `_relu_through_routing`).
"""

from __future__ import annotations

import numpy as np


class ScatteredGradient:
    """Zeros of `shape` with `values` at the basic index `index`; after `+`, an array of its own (`array`).

    `+` with an ndarray (on either side) or another ScatteredGradient adds in place into the owned array and
    returns this object, so the engine's `pending = pending + gp` keeps one buffer per input.
    """

    __slots__ = ("values", "index", "shape", "dtype", "array")
    __array_ufunc__ = None  # ndarray + this defers to __radd__ instead of converting it to an object array

    def __init__(self, values, index, shape):
        self.values, self.index, self.shape = values, index, shape
        self.dtype = np.result_type(values)
        self.array = None  # the owned dense array, once made

    def dense(self):
        """The gradient as an ndarray that no one else holds."""
        array = self.array
        if array is None:
            index = self.index
            if isinstance(index, Routing):
                array = self.array = index.scatter(self.values)
            else:
                array = self.array = np.zeros(self.shape, dtype=self.dtype)
                array[index] = self.values
        return array

    def __add__(self, other):
        array = self.dense()
        if other.__class__ is ScatteredGradient:
            if other.array is None and not isinstance(other.index, Routing):
                array[other.index] += other.values
            else:
                array += other.dense()
        else:
            array += other
        return self

    def __radd__(self, other):  # other: what the input had received so far, an array this pass does not own
        if self.array is None and not isinstance(self.index, Routing):
            array = self.array = np.array(other, dtype=self.dtype, copy=True)
            array[self.index] += self.values
        else:
            self.dense()
            self.array += other
        return self


class Routing:
    """Where each element of a gradient g goes in its input x's gradient, for a rule that routes every element of g to
    one element of x equal to the output element it came from (max pooling's first maximum of each window), so that
    everything else of x's gradient is a zero. A subclass keeps what its scatter needs (its own arrays, not the
    graph's: it may run long after the pass, when a node's retained `.grad` is first read).

    source: x's data, the array routed into. picked: the output (g's shape), whose element each routed place of x
    equals."""

    __slots__ = ("source", "picked")

    def scatter(self, values):
        """x-shaped: `values` (g's shape) at the routed places. Elsewhere each is 0 with the sign of the value routed
        from its window (values·0): the bits of the rule's own result."""
        raise NotImplementedError


def is_basic_index(index):
    """Whether `index` has only integers, slices, None and Ellipsis (no arrays): each element at most once."""
    items = index if index.__class__ is tuple else (index,)
    for item in items:
        if isinstance(item, (bool, np.bool_)):  # True adds an axis and selects it: a mask, not a position
            return False
        if not (item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice))):
            return False
    return True
