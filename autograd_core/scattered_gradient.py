"""`ScatteredGradient`: the gradient of a basic slice `x[index]`, kept as (g, index) until the pass needs it.

The gradient that `y = x[index]` sends to `x` is zeros of x's shape with `g` at `index`. Made at once, a loop
that reads T slices of one tensor (an RNN's time steps, `unbind`, `chunk`) writes T full-size arrays of zeros
and adds them up with T full-size additions: work quadratic in T. The backward pass instead keeps the first
slice's gradient as this object, and when further gradients arrive for the same input it makes one array of
its own and adds each of them in place: slices into their slice, dense gradients whole.

Only the engine's pass builds these (`Primitive.lazy_vjp`, used without create_graph), and it turns them into
plain arrays (`dense`) before anything else sees them: hooks, `.grad`, rules and compiled plans only ever get
ndarrays. Basic indices (integers, slices, None, Ellipsis) select each element at most once, so adding in
place gives the bits that zeros-then-add would (up to the sign of a zero).
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
            array = self.array = np.zeros(self.shape, dtype=self.dtype)
            array[self.index] = self.values
        return array

    def __add__(self, other):
        array = self.dense()
        if other.__class__ is ScatteredGradient:
            if other.array is None:
                array[other.index] += other.values
            else:
                array += other.array
        else:
            array += other
        return self

    def __radd__(self, other):  # other: what the input had received so far, an array this pass does not own
        if self.array is None:
            array = self.array = np.array(other, dtype=self.dtype, copy=True)
            array[self.index] += self.values
        else:
            self.array += other
        return self


def is_basic_index(index):
    """Whether `index` has only integers, slices, None and Ellipsis (no arrays): each element at most once."""
    items = index if index.__class__ is tuple else (index,)
    for item in items:
        if isinstance(item, (bool, np.bool_)):  # True adds an axis and selects it: a mask, not a position
            return False
        if not (item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice))):
            return False
    return True
