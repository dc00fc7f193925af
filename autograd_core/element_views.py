"""Elements read out of an array that follow its later in-place changes, as PyTorch's 0-d views do.

    x = tensor([1., 2, 3]); e = x[0]
    x.add_(1)                 # PyTorch's e is a view of x: tensor(2.); here too
    x[0] = 7; e               # 7.
    y = w * 1; f = y[1]; g = f * f; y.mul_(2)
    g.backward()              # PyTorch's error: f, saved by g's node, was modified by an in-place operation

NumPy hands out a scalar for one element of an array (`x.data[0]`), a copy, and the whole engine (printing, float(e),
formatting, 0-d families: scalar_aliases.py) counts on a 0-d Value's data being one. So an element keeps its NumPy
scalar, and the counter of the Value it was read from lists it (`register`) with its cell: the 0-d array viewing its
place in that Value's memory. Every change the counter counts (in-place methods on the Value, its views, its
detach()es or other elements; `mark_changed` after an optimizer's step) reads the listed elements' numbers back out of
their cells (`refresh`). A recorded change in a graph also makes them stand for their elements of the new node
(`rebase`), as PyTorch regenerates a view's grad_fn, so that nodes recorded before it that saved an element raise
PyTorch's error at backward, and the element's gradient flows through the change.

An element shares the counter of the Value it was read from (in a graph too), as PyTorch's views do. Raw NumPy writes
into the array (`x.data[0] = 5`) are seen once something counts a change (`mark_changed(x)`); `x.data = array` gives
x new memory, which the elements read before do not follow (neither do PyTorch's).
"""

from __future__ import annotations

import weakref

import numpy as np

from .modes import TRACERS
from .scalar_aliases import synchronise


def cell_of(data, index):
    """The 0-d array viewing the element `data[index]` in data's memory (index: ints), or None (a copy: an index
    array picked it)."""
    try:
        cell = data[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
    except (IndexError, TypeError):
        return None
    if not isinstance(cell, np.ndarray) or cell.ndim or not np.may_share_memory(cell, data):
        return None
    return cell


def register(element, data, index, versions):
    """List `element`, read as data[index] (a NumPy scalar; data the array of the Value whose counter `versions` is),
    on versions: it follows that array's changes from now on (`refresh`). Called for every element read: kept short."""
    try:
        cell = data[(*index, Ellipsis) if index.__class__ is tuple else (index, Ellipsis)]
    except (IndexError, TypeError):
        return
    if cell.base is None:  # a copy (a 0-d index array picked the element): nothing to follow
        return
    entry = (weakref.ref(element), cell, index)
    entries = versions.elements
    if entries is None:
        versions.elements = [entry]
        return
    entries.append(entry)
    if len(entries) > versions.element_limit:  # now and then, forget the elements that are gone
        entries[:] = [entry for entry in entries if entry[0]() is not None]
        versions.element_limit = max(256, 2 * len(entries))


def registered(element, versions):
    """(cell, index) of `element` if `versions` lists it, else None."""
    for ref, cell, index in versions.elements or ():
        if ref() is element:
            return cell, index
    return None


def live_elements(versions):
    """[(element, cell)] for the elements `versions` lists that are still in use (forgetting those that are gone)."""
    entries = versions.elements
    found, kept = [], []
    for entry in entries:
        element = entry[0]()
        if element is not None:
            kept.append(entry)
            found.append((element, entry[1]))
    if len(kept) < len(entries):
        entries[:] = kept
    return found


def refresh(versions):
    """After a change counted by `versions`: each element it lists takes its number out of its cell (and the views and
    detach()es of that element, a 0-d family of its own, take it too)."""
    moved = False
    for element, cell in live_elements(versions):
        number = cell[()]
        if not moved and number.__class__ is element.data.__class__ and number != element.data:  # (NaN: moved too)
            moved = True
        element.data = number
        family = element._version
        if family is not None and family is not versions and family.aliases:
            synchronise(element, family)
    if moved and TRACERS.get():
        from .jit import not_replayable

        # a compile recording names the element by the operation that read it, before the change: a replay would
        # give its old number; the function runs eagerly instead (with a CompileWarning saying so)
        not_replayable("an element read out of a Value (e = x[0]) before an in-place change of that Value follows "
                       "the change, which a replay would not; read it after the change, or clone() it to keep the "
                       "old number")
