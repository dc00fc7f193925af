"""Elements read out of an array that follow its later in-place changes, as PyTorch's 0-d views do.

    x = tensor([1., 2, 3]); e = x[0]
    x.add_(1)                 # PyTorch's e is a view of x: tensor(2.); here too
    x[0] = 7; e               # 7.
    y = w * 1; f = y[1]; g = f * f; y.mul_(2)
    g.backward()              # PyTorch's error: f, saved by g's node, was modified by an in-place operation

NumPy hands out a scalar for one element of an array (`x.data[0]`), a copy, and the whole engine (printing, float(e),
formatting, 0-d families: scalar_aliases.py) counts on a 0-d Value's data being one. So an element keeps its NumPy
scalar, and the counter of the Value it was read from lists it (`register`). Every change the counter counts
(in-place methods on the Value, its views, its detach()es or other elements; `mark_changed` after an optimizer's
step) reads the listed elements' numbers again (`refresh`). A recorded change in a graph also makes them stand for
their elements of the new node (inplace_graph's `_rebase_elements`), as PyTorch regenerates a view's grad_fn, so
that the nodes recorded before it that saved an element raise PyTorch's error at backward, and the element's
gradient flows through the change.

An element shares the counter of the Value it was read from (in a graph too), as PyTorch's views do. Raw NumPy writes
into the array (`x.data[0] = 5`) are seen once something counts a change (`mark_changed(x)`). The number is read out
of the array x holds at the change, so an element follows an optimizer that gives a parameter a new array (and, unlike
PyTorch's, `x.data = array` then a change of x).
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


def register(element, index, versions):
    """List `element`, read as base[index] (a NumPy scalar) from the Value whose counter `versions` is, on versions: it
    follows that Value's changes from now on (`refresh`). Called for every element read: kept short (the element's
    number is read again, out of the array its base holds then, when something changed: an optimizer's step may give
    a parameter a new array)."""
    entries = versions.elements
    if entries is None:
        versions.elements = [(weakref.ref(element), index)]
        return
    entries.append((weakref.ref(element), index))
    if len(entries) > versions.element_limit:  # now and then, forget the elements that are gone
        entries[:] = [entry for entry in entries if entry[0]() is not None]
        versions.element_limit = max(256, 2 * len(entries))


def registered_index(element, versions):
    """The index `element` was read by, if `versions` lists it, else None."""
    for ref, index in versions.elements or ():
        if ref() is element:
            return index
    return None


def relist(element, index, versions):
    """List `element` by a new index (a read without recording, become a gather from the flattened base)."""
    versions.elements[:] = [(ref, index if ref() is element else i) for ref, i in versions.elements]


def source(element, index):
    """(the array element's number is read out of, the index it is read by): its base's, now; `index` is the one it
    was listed with, used when a backward pass without retain_graph freed its params."""
    params = element._params
    base = element._p0
    if params.__class__ is dict:
        index = params["index"]
        if base is None:
            base = params["base"]
    return base.data, index


def live_elements(versions):
    """[(element, index it was listed with)] for the elements `versions` lists that are still in use (forgetting those
    that are gone)."""
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
    """After a change counted by `versions`: each element it lists takes its number again (`take`, written out for
    the common case: an element sharing the counter, outside a compile recording)."""
    watched = TRACERS.get()
    moved = False
    entries = versions.elements
    alive = 0
    for ref, listed in entries:
        element = ref()
        if element is None:
            continue
        alive += 1
        params = element._params
        base = element._p0
        if params.__class__ is dict:  # (else freed by a backward pass: the listed index)
            listed = params["index"]
            if base is None:
                base = params["base"]
        number = base.data[listed]
        if watched or element._version is not versions:
            if take(element, number, versions.last):
                moved = True
        else:
            element.data = number
    if alive < len(entries):
        live_elements(versions)  # forget the elements that are gone
    if moved:
        not_replayed()


def take(element, number, stamp):
    """Give `element` its new number, if it changed (NaN counts as changed); return whether it did. The views and
    detach()es of the element, a 0-d family with a counter of its own (scalar_aliases.py), take it too, and that
    counter counts the change (at creation number `stamp`), as the element's base's does: a node that saved the
    element or one of them then raises at backward, as PyTorch's."""
    if number == element.data:
        return False
    element.data = number
    family = element._version
    if family is not None and family.root() is element:  # (not the base's counter)
        if family.aliases:
            synchronise(element, family)
        family.count += 1
        family.last = stamp
        family.stamps.append(stamp)
    return True


def not_replayed():
    """Inside a compile recording: an element followed a change, which a replay would not do (the recording names the
    element by the operation that read it, before the change, and would give its old number): the function runs
    eagerly instead, with a CompileWarning saying so."""
    if TRACERS.get():
        from .jit import not_replayable

        not_replayable("an element read out of a Value (e = x[0]) before an in-place change of that Value follows "
                       "the change, which a replay would not; read it after the change, or clone() it to keep the "
                       "old number")
