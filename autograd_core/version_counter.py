"""Version counters: how often a Value's array changed in place and when, shared by the Values that share its memory
(its views, its detach()es, one element read out of it), and the checks of that memory (`overlapping`).

Apart from inplace.py, which holds the in-place rules and methods, because the counters are what everything else
needs of in-place changes: recording.py gives a view its base's counter (`share_versions`), the optimizers, nn and
tensor attributes note raw writes (`mark_changed`), and the backward pass's check (version_check.py) reads the stamps.
The module docstring of inplace.py says how they keep gradients honest.
"""

from __future__ import annotations

import collections
import weakref

import numpy as np

from . import value as _value
from .lazy_bits import BITS_SET as _LAZY_BITS_SET, carry_to_element
from .modes import INPLACE
from .element_views import cell_of, refresh, register, registered_index
from .scalar_aliases import alias

_KEEP_STAMPS = 16  # the latest change stamps each Value remembers, to name the version a graph expected


class Versions:
    """How often a Value's array changed in place, and when (the creation counter at the latest changes); shared by a
    Value, its detach()es and its views. The views of a node of a graph are also listed (`views`), so that a change
    recorded through the Value or one of them reaches the others (`_record_in_place`)."""

    __slots__ = ("count", "last", "stamps", "root", "views", "limit", "graph", "viewed", "aliases", "sources", "cell",
                 "elements", "element_limit")

    def __init__(self, owner):
        self.count = 0
        self.last = -1
        self.stamps = collections.deque(maxlen=_KEEP_STAMPS)
        # a weak reference to the Value that views taken without recording view: the one the counter was made for
        # (never a view: a view takes its base's), or the one `_unlisted_base` finds after it is gone
        self.root = weakref.ref(owner)
        self.views = None  # [weak reference]: the views of root and of its views
        self.limit = 256  # when the list is longer, the views that are gone are forgotten
        self.graph = False  # whether root, or a view, required grad when a view was taken or a change recorded
        self.viewed = False  # whether a view was taken of a Value that needed no gradient (such views are not listed)
        self.aliases = None  # [(weak reference, to its origin)]: the members of a 0-d Value's family (scalar_aliases)
        self.sources = None  # {id(view): (weak reference to it, to the Value it was taken from)}: see share_versions
        self.cell = None  # (0-d array in x's memory, x's counter) when a 0-d family stands for x[i]: see share_versions
        self.elements = None  # [(weak reference, index)]: the elements read out of the array (element_views.py)
        self.element_limit = 256  # when that list is longer, the elements that are gone are forgotten

    def __reduce__(self):
        # In a Value's pickle or copy, its counter is there only for Value.__setstate__ to drop (a copy counts its own
        # changes): it goes as None (its weak reference to its owner could not be pickled).
        return type(None), ()

    def at(self, index):
        """The version the array had when the node with creation number `index` was recorded."""
        later = sum(1 for s in self.stamps if s > index)
        return self.count - later




def share_versions(view, base, params=None):
    """Give `view` the version counter of `base` if its array is a view of base's (the engine calls this after the
    primitives that may return one: reshape, transpose, basic indexing, broadcast_to), as PyTorch's views share
    their base's. A change made in place through either then counts for both: `x[1:].add_(1)` under no_grad makes
    a backward pass through a node that saved x raise, instead of using the changed numbers.

    A view of a node of a graph is also listed, so that an in-place change recorded through it, through its base or
    through another view reaches it (`_record_in_place`). The views of a Value that needs no gradient are not
    listed (they cost nothing more than before): the rare change that makes their base need one finds them by
    memory (`_unlisted_views`). Views of a leaf that requires grad are not listed: in-place changes through them are
    refused.

    One element read out of an array (`x[0]`, `x[1, 2]`: a NumPy scalar, which shares no memory) is PyTorch's 0-d
    view: it takes x's counter, which lists it (element_views.py: it follows x's changes); one taken without recording
    also keeps x and the index in its params (a recorded one's node names them: `element_of`), so that an in-place
    change of it can find x's element and write there."""
    if viewed_array(view, base) is None:
        if _LAZY_BITS_SET[0] and not (isinstance(view.data, np.ndarray) and isinstance(base.data, np.ndarray)):
            carry_to_element(view, base)  # c[0, 1], a view of a 0-d c: PyTorch's are views, carrying c's bits
        if isinstance(base.data, np.generic) or (isinstance(view.data, np.generic) and base._version is not None
                                                 and base._version.aliases):
            join_0d_family(view, base, _view_of_0d)  # a view of a 0-d Value (or an element of one's view): listed
        elif params is not None and isinstance(base.data, np.ndarray):
            if view._p0 is None:
                _element_read(view, base, params)
            elif isinstance(view.data, np.generic):  # recorded: it shares base's counter and follows its changes
                versions = base._version
                if versions is None:
                    versions = base._version = Versions(base)
                view._version = versions
                entries = versions.elements  # `register`, its common case written out
                if entries is not None and len(entries) < versions.element_limit:
                    entries.append((weakref.ref(view), params["index"]))
                else:
                    register(view, params["index"], versions)
        return
    versions = base._version
    if versions is None:
        versions = base._version = Versions(base)
    view._version = versions
    if versions.aliases:  # a view of the array of a 0-d Value's view (`y.view(1).view(1, 1)`): listed with them, as
        alias(view, base)  # it may outlive that view
    if not base._requires_grad:
        versions.viewed = True
        if versions.root() is not base:  # taken from a detach() or a view of root, which share its array: which one
            _remember_source(view, base, versions)  # is the view's base is known from here only (see _unlisted_base)
        return
    if base._p0 is None:
        if view._p0 is None:  # a view of a leaf that requires grad, made in no_grad(): listed, for PyTorch's error
            _list_view(view, versions)
        return
    _list_view(view, versions)


def join_0d_family(member, base, join=alias):
    """Join `member` (a view of 0-d `base` that shares no memory with it, or a detach() of it) to base's 0-d family
    by join(member, base) (scalar_aliases.alias, or `_view_of_0d`). Where base is one element read out of x, sharing
    x's counter (`x[i].view(1)`, `x[i].detach()`), the family is base's own, not x's counter (whose other views it
    would write), and its changes are written into x's element too (`versions.cell`)."""
    versions = base._version
    element = versions is None or not versions.aliases
    if element and versions is not None and versions.root() is not base:
        base._version = None  # x[0] sharing x's counter: its views are a 0-d family of its own (scalar_aliases)
    join(member, base)
    cell = element_cell(base) if element else None
    if cell is not None and _writeable(cell):  # the family of x[i]: its changes are written into x's element too
        member._version.cell = (cell, element_of(base)[0]._shared_versions())


def _writeable(array):
    """Whether NumPy lets `array` be written (made so if its memory's owner is: an expand()'s element)."""
    if not array.flags.writeable:
        try:
            array.flags.writeable = True
        except ValueError:
            return False
    return True


def _element_read(element, base, params):
    """Note where `element`, one element read out of base's array without recording (x[0] of an x that needs no
    gradient, or inside no_grad()), comes from: base and the index, kept in its params (base alive with it, as a
    PyTorch view keeps its base: `x[1][0].add_(1)` changes x). Listed as a view is where base requires grad, for
    PyTorch's errors about views of leaves and views made in no_grad()."""
    if not isinstance(element.data, np.generic):
        return  # (a 0-d array: no index of ints reads one out)
    element._params = {"index": params["index"], "base": base}  # (a new dict: a jvp still reads the call's own)
    versions = base._version
    if versions is None:
        versions = base._version = Versions(base)
    element._version = versions
    entries = versions.elements  # listed, to follow base's changes: `register`, its common case written out
    if entries is not None and len(entries) < versions.element_limit:
        entries.append((weakref.ref(element), params["index"]))
    else:
        register(element, params["index"], versions)
    if base._requires_grad:
        _list_view(element, versions)
    else:
        versions.viewed = True


def element_of(value):
    """(base, index) when `value` is one element read out of base's array by `base[index]` (ints only: a 0-d
    Value holding a NumPy scalar, which no array can view, where PyTorch's is a view); else None."""
    op = value._op
    if op is None or op.name != "getitem" or isinstance(value.data, np.ndarray):
        return None
    params = value._params
    if params.__class__ is not dict:  # none, or freed by a backward pass without retain_graph (backward_undo._Freed)
        base = value._p0
        index = None if params is None or base is None or value._version is None else registered_index(
            value, value._version)  # freed: its index is listed with the elements of base's counter
        return None if index is None else (base, index)
    base = value._p0
    if base is None:  # read out without recording: see `_element_read`
        base = params.get("base")
    if base is None or not isinstance(base.data, np.ndarray):
        return None
    return base, params["index"]


def element_cell(value):
    """The 0-d array viewing, in its base's memory, the element `value` was read out of (`element_of`); None if value
    is no such element (or a copy: an index array picked it)."""
    found = element_of(value)
    if found is None:
        return None
    base, index = found
    return cell_of(base.data, index)


def _remember_source(view, base, versions):
    """Note that `view`, not listed (its base needs no gradient), was taken from `base`."""
    sources = versions.sources
    if sources is None:
        sources = versions.sources = {}
    elif len(sources) >= versions.limit:  # now and then, forget the views that are gone (as `alias` does: the
        for key in [key for key, (ref, _) in sources.items() if ref() is None]:  # limit grows with those alive,
            del sources[key]                                                     # so the scans cost O(1) a view)
        versions.limit = max(versions.limit, 2 * len(sources))
    sources[id(view)] = (weakref.ref(view), weakref.ref(base))


def source_of(view, versions):
    """The Value that `view` (not listed) was taken from: the one `_remember_source` noted, else the Value the counter
    counts for (`versions.root`); None if that is gone."""
    entry = versions.sources.get(id(view)) if versions.sources else None
    if entry is not None and entry[0]() is view:
        return entry[1]()
    return versions.root()


def _view_of_0d(view, base):
    """Join `view` to the 0-d family of `base` (scalar_aliases), listed as a view of a node of a graph is."""
    alias(view, base)
    versions = view._version
    if not base._requires_grad:
        versions.viewed = True
    elif base._p0 is not None or view._p0 is None:
        _list_view(view, versions)


def _list_view(view, versions):
    """List `view` among the views `versions` counts for (see `share_versions`)."""
    versions.graph = True
    views = versions.views
    if views is None:
        versions.views = [weakref.ref(view)]
        return
    views.append(weakref.ref(view))
    if len(views) > versions.limit:  # now and then, forget the views that are gone
        views[:] = [ref for ref in views if ref() is not None]
        versions.limit = max(256, 2 * len(views))


def _is_view(value, versions):
    """Whether `value` (which shares `versions`) is a view of the Value they count for: the result of a view operation
    (reshape, transpose, x[1:], ...) recorded on a Value sharing them, or made without recording and holding another
    Value's counter. A view operation's result that is a copy (x[:, idx], roll) has a counter of its own, if any."""
    op = value._op
    if op is None or not op.views:
        return False
    parent = value._p0
    if parent is None:
        return versions.root() is not value
    return parent._version is versions


def viewed_array(view, base):
    """The array that owns the memory of view's data, if that data is a view of base's (of base's array, or of the
    array base's is itself a view of); else None."""
    data, source = view.data, base.data
    owner = data.base if isinstance(data, np.ndarray) else None  # (a marked leaf's: a LeafArray)
    if owner is not None and (owner is source or owner is getattr(source, "base", None)):
        return owner
    return None




def overlapping(data):
    """Whether two elements of the ndarray `data` are one memory location: an expand() (a stride 0), the overlapping
    windows of unfold (step < size). PyTorch refuses in-place changes of the first and lets those of the second
    through with numbers that depend on the order it visits the elements (`w.mul_(2)` doubles a shared element twice,
    while its gradient counts it once); here both raise (`overlap_error`)."""
    if data.flags.c_contiguous or data.flags.f_contiguous or data.size < 2:
        return False
    reach = 0  # the farthest byte, from the first element, that the dimensions of smaller strides reach
    for stride, n in sorted((abs(s), n) for s, n in zip(data.strides, data.shape) if n > 1):
        if stride < reach + data.itemsize:  # may fall on an element already reached: count the positions
            from .forward import _memory_positions

            positions = _memory_positions(data, data.__array_interface__["data"][0]).reshape(-1)
            return np.unique(positions).size < positions.size
        reach += stride * (n - 1)
    return False


def overlap_error(name):
    return RuntimeError(f"{name}: unsupported operation: more than one element of the written-to Value refers to a "
                        "single memory location (an expand(), or overlapping windows of unfold()); clone() it before "
                        "changing it in place")


def mark_changed(*values):
    """Tell each Value's version counter that its array changed outside the in-place methods (a raw NumPy
    write such as `p.data -= lr * g`, as the optimizers do): graphs recorded before then refuse to
    backpropagate. Values passed together change at one moment (one stamp: an optimizer's whole step)."""
    if values:
        _stamp(values, _value._next_index())


def _stamp(values, stamp):
    """Count one change of each Value's array, made at creation number `stamp`. (`_count_change` written out: an
    optimizer's step stamps every parameter, and a compiled step's replay paid a Python call for each.)"""
    for value in values:
        versions = value._version
        if versions is None:
            versions = value._version = Versions(value)
        versions.count += 1
        versions.last = stamp
        versions.stamps.append(stamp)
        INPLACE.latest = stamp
        if versions.elements:  # as _count_change
            refresh(versions)


def _count_change(versions, stamp):
    versions.count += 1
    versions.last = stamp
    versions.stamps.append(stamp)
    INPLACE.latest = stamp
    if versions.elements:  # the elements read out of the array (x[0]) show its new numbers, as PyTorch's views
        refresh(versions)
