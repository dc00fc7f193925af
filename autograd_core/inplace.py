"""In-place updates with PyTorch's semantics, and the version counters that keep gradients honest.

    with no_grad():
        w -= lr * w.grad          # the same Value, still a leaf that requires grad; its array changes
        w.grad = None
    b.zero_(); p.copy_(q); x.clamp_(-1, 1)
    y = x * 2; y.mul_(3); y[0:2].add_(z); y[:, 0].zero_()   # recorded, as PyTorch records them

The rules (PyTorch's, with the differences listed):

* Outside `no_grad()`, a leaf that requires grad may not change in place, nor may a view of one: RuntimeErrors say
  so, as PyTorch's "a leaf Variable that requires grad is being used in an in-place operation" and "a view of a leaf
  Variable ..." do; so does a view made inside no_grad() of a Value that requires grad, changed outside.
* Outside `no_grad()`, an in-place method (add_, mul_, clamp_, exp_, zero_, copy_, masked_fill_, x[i] = v, F.relu_,
  `inplace=True`, ...) on a Value inside a graph being recorded, or with an operand that requires grad, is recorded
  as PyTorch records it (`_record_in_place`): y keeps its identity and becomes the node f(old y), `old y` a new node
  holding y's former operation and contents. On a view of y (y[1:], y[:, 0], y.view(-1), y.T: `share_versions`), y
  changes (PyTorch's CopySlices: y becomes old y with f(its elements) put in place), and every view of y still in use
  follows (PyTorch regenerates their grad_fn): they show the new numbers and their gradients flow through the change.
  zero_, fill_ and copy_ send a zero gradient, not none, to what y was made from, as PyTorch's.
* The operators (`+= -= *= /= **= %= //=`) on a Value inside a graph record the operation out of place (`y += x`
  makes a new node `y + x` that Python binds to the name y) unless y is a view or has views in use, where they change
  y in place like the methods. The gradient is PyTorch's; the difference is identity: other names for the old y keep
  its value.
* Anywhere else (inside `no_grad()`, or on Values that need no gradient) the Value's own array changes, keeping
  its dtype: a result of the same or a lower category converts (int64 into uint8, float64 into float16), a float
  into integers or anything into bools raises, as PyTorch's casting rule (`castable`).
  Inside a jvp (forward mode), the Value's tangent changes with it, as in PyTorch's forward mode: `y += x` gives y
  the tangent of y + x (each change also says what it computes out of place, for that). Inside a compile recording,
  a change of a Value the call made, sharing its memory with no other, is recorded (jit_inplace.py) and replayed;
  other changes make the function run eagerly (a CompileWarning says why).

Version counters: every in-place change through these methods stamps the Value with the engine's creation
counter (the number every new node takes). A node recorded before that stamp read the old array; when a
backward pass reaches it, `check_saved_versions` raises PyTorch's "modified by an in-place operation" if one of
its rules reads the changed numbers (an input or its output: what PyTorch's node would have saved, found in the
rules' code), and otherwise lets it through, pointing it at what it read. A Value and its `detach()`es share one
counter, and so do a Value and its views (x[1:], reshape, transpose, expand, diagonal, unfold: results whose array
is a view of x's), as in PyTorch. One element read out of an array (`x[0]`, `x[1, 2]`) is a NumPy scalar, a copy,
where PyTorch's is a view: its in-place changes are made in x's memory (`element_cell`) and read back, or recorded
on x as a view's are; it shares x's counter, which lists it, and takes x's new number at each change the counter
counts (element_views.py), so that it shows x's later changes as PyTorch's view does. A 0-d Value's views and
detach()es, which share no memory with its NumPy scalar, are kept in step with it instead (scalar_aliases.py). Raw
NumPy writes (`p.data -= ...`) bypass these methods and cannot be seen; code that makes them can call
`mark_changed(value)` (the optimizers' `step` does).

More lenient than PyTorch (the gradient is the one of the same code written out of place, never another number):
a change of a Value whose old contents a recorded rule needs (`F.elu_(y)` then `y.tanh_()`; `y.mul_(y)`; `x[0] =
x[0] * x[1]`) is recorded with those contents kept, where PyTorch raises at backward. Stricter: a rule that reads
an input only through a helper (relu's) counts as reading it; a change through overlapping windows of unfold
(step < size) raises as one through an expand() does, where PyTorch lets it through with numbers that depend on the
order it visits the elements (fill_ and zero_, which write one number, go through both, as PyTorch's). As PyTorch's,
the outputs of split, chunk and unbind refuse a recorded change (multiple_views.py).
"""

from __future__ import annotations

import collections
import math
import operator
import weakref

import numpy as np

from . import value as _value
from .errors import ArgumentError, ShapeError, scalar_type_name, write_refusal
from .lazy_bits import BITS_SET as _LAZY_BITS_SET, carry_to_element
from .float_errors import quiet
from .modes import GRAD_ENABLED, INPLACE, TRACERS, values_followed
from .element_views import cell_of, refresh, register, registered_index
from .scalar_aliases import alias, synchronise

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
    if params.__class__ is not dict:  # none, or freed by a backward pass without retain_graph (engine._Freed)
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




# ----------------------------------------------------------------------------------------------------


def _data(x):
    return x.data if isinstance(x, _value.Value) else x


def _requires_grad(x):
    return isinstance(x, _value.Value) and x.requires_grad


def _refuse_leaf(self, name):
    """PyTorch's error for an in-place change of a leaf that requires grad, grad mode on."""
    # x[i] = v changes a view of the leaf in PyTorch (its words say so), a method the leaf itself
    leaf = "a view of a leaf Variable" if name == "x[...] = value" else "a leaf Variable"
    raise RuntimeError(
        f"{leaf} that requires grad is being used in an in-place operation. ({name}: a leaf Value that requires "
        "grad is being used in an in-place operation; do the update inside `with autograd_core.no_grad():` (as "
        "PyTorch requires))"
    )


def _recorded(self, operands):
    """Whether an in-place change of self must be recorded: grad mode is on, and self or an operand requires grad, or
    self is a view of a Value that does (then `_base_of` says why that is refused)."""
    if not GRAD_ENABLED.get():
        return False
    if self._requires_grad or any(_requires_grad(o) for o in operands):
        return True
    versions = self._version
    if versions is None or self._p0 is not None:
        return False
    if versions.graph and _made_in_no_grad(self, versions):
        return True
    return versions.viewed and _may_view_a_marked_leaf(self, versions)


def _may_view_a_marked_leaf(view, versions):
    """Whether `view`, not recorded, may be a view of a leaf that requires grad (marked after the view was taken, or
    viewed inside no_grad()): PyTorch refuses its in-place changes in grad mode even when nothing else needs a
    gradient, so the change goes to `_record_in_place`, whose `_base_of` raises or finds another base (a detach())."""
    root = versions.root()
    return (root is not None and root is not view and root._requires_grad and root._p0 is None
            and _is_view(view, versions))


def _made_in_no_grad(view, versions):
    """Whether `view`, not recorded, is a view made inside no_grad() of a Value that required grad (such views are
    listed; the views of Values that need no gradient, a detach() for one, are not)."""
    return any(ref() is view for ref in versions.views or ())


def _change(self, name, compute, result_of, *operands):
    """The one entry of the in-place methods: self's contents become result_of(self) (a function on Values), recorded
    as PyTorch records it when a gradient must flow (`_record_in_place`), else written into self's array by
    compute(data, out) (`_write`)."""
    if _recorded(self, operands):
        if self._requires_grad and self._p0 is None:
            _refuse_leaf(self, name)
        return _record_in_place(self, name, result_of)
    return _write(self, name, compute, result_of)


def _write(self, name, compute, result_of=None, index=None):
    """Replace self's array contents by compute(data, out) and bump the version.

    compute(data, out) returns the new contents; with `out` (self's own writeable array) it writes there.
    result_of(self): the new contents computed out of place by operations on Values (`self + other` for add_), or
    None when they depend on no Value (zero_, fill_ with a number). A jvp running in this thread follows the change
    through it: self's tangent becomes the result's (forward.py's `follow_in_place`). index: the index of
    `self[index] = value`, whose elements alone must not overlap in memory (`overlapping`). compute.value, when set,
    is the value written (whose dtype PyTorch's error names when it does not fit).
    """
    data = self.data
    op = self._op
    cell = None
    if op is not None and op.views and not (isinstance(data, np.ndarray) and data.flags.writeable):
        if isinstance(data, np.ndarray):
            # e[0], e[:, 1:], e.diagonal(), e.unfold(...), e.reshape(3) of an expand e, or e itself: NumPy's broadcast
            # view and its views are read-only, PyTorch's write through to the Value expanded.
            _write_through_expand(self, name, data, index)
        elif op.name == "getitem" and not (self._version is not None and self._version.aliases):
            # PyTorch's x[i] is a view of x; here one element is a NumPy scalar (a copy): the change is made in x's
            # memory (the element's cell, a 0-d view of it), then read back
            cell = element_cell(self)
            if cell is None:
                if name[-1] == "_":  # rebinding, as for other 0-d Values, would silently leave x unchanged
                    raise RuntimeError(f"{name}: this Value is one element read out of another Value by an index "
                                       "array (a copy), or one whose index a backward pass without retain_graph "
                                       "freed, so changing it in place would not change x; write x[i] = ... instead")
            else:
                if not cell.flags.writeable:  # an element of an expand(): its memory is the Value expanded's
                    _write_through_expand(self, name, cell, None)
                data = cell
                self._version = element_of(self)[0]._shared_versions()  # x's counter counts the change
    follow = None
    try:
        if TRACERS.get():  # a jvp or a compile recording watches this thread
            from .forward import follow_in_place

            follow = follow_in_place(self, result_of)  # from self's contents before the change; applied after it
        if isinstance(data, np.ndarray) and data.flags.writeable:
            if name not in _FILLS and overlapping(data if index is None else _written_part(data, index)):
                raise overlap_error(name)
            with quiet():  # x.log_() at 0 is -inf without a word, as out of place (float_errors.py): not retried
                compute(data, data)  # as recording.apply retries, since a failed call may have written part of data
        else:  # a NumPy scalar (0-d Values) or a read-only array: rebind to a new array of the same dtype/shape
            with quiet():
                result = np.asarray(compute(data, None))
            if result.shape != np.shape(data):
                raise ShapeError(f"output with shape {np.shape(data)} doesn't match the broadcast shape {result.shape}")
            if not castable(result.dtype, data.dtype):
                raise TypeError(f"result type {result.dtype} can't be cast to the desired output type {data.dtype}")
            result = result.astype(data.dtype)
            self.data = result[()] if result.ndim == 0 else result
    except (ValueError, TypeError) as err:  # broadcasting, casting (NumPy's UFuncTypeError is a TypeError)
        shapes = isinstance(err, ShapeError) or isinstance(err, ValueError) and "broadcast" in str(err)
        kind = ShapeError if shapes else RuntimeError  # x.addmm_ of mismatched matrices: a ShapeError too
        ours = f"{name}: {err} (Value of shape {self.shape}, dtype {data.dtype})"
        written = getattr(compute, "value", data)
        theirs = shapes and write_refusal(str(err), np.asarray(written).dtype)
        raise kind(f"{theirs} ({ours})" if theirs else ours) from None
    if cell is not None:
        self.data = cell[()]
    versions = self._version
    if versions is not None and versions.aliases:  # a 0-d Value, its views, its detach()es: one number
        synchronise(self, versions)
        if versions.cell is not None:  # the family of x[i] (`x[i].view(1)`, `x[i][()]`): x's element is that number
            cell, counter = versions.cell
            cell[...] = np.asarray(self.data).reshape(-1)[0]
            _count_change(counter, _value._next_index())
    mark_changed(self)
    if follow is not None:
        follow()
    return self


def _write_through_expand(value, name, data, index):
    """Before a write into `value`, a read-only view (an expand(): NumPy's broadcast view, or a view of one such as
    `e[0]`, `e.diagonal()`): as PyTorch writes through an expand into the Value expanded when the elements written are
    distinct memory (`zeros(3).expand(1, 3).add_(1)`, `x.expand(2, 3)[0].add_(1)`, `x.expand(2, 3)[0] = row`), make
    data writeable; else raise PyTorch's error (elements written that are one memory location), or say why the write
    cannot reach the Value viewed (a 0-d Value's number, which no view shares, or memory that is itself read-only)."""
    written = data if index is None else _written_part(data, index)
    if overlapping(written) and name not in _FILLS:
        # `x.expand(12, -1, -1)[:, 0] = v` (PixelCNN's autocompletion on a CPU): PyTorch refuses the write into
        # elements that share memory
        raise overlap_error(name)
    if value._version is not None:  # a counter shared with the Value viewed
        try:
            data.flags.writeable = True  # (NumPy allows it when the memory's owner is writeable)
            return
        except ValueError:
            pass
    raise RuntimeError(f"{name}: this Value is a read-only view of another Value (an expand(), or a view of one) "
                       "whose memory it cannot write here (a 0-d Value's number, which NumPy copies, or a read-only "
                       "array); change the Value it views, or clone() it first")


# PyTorch's in-place methods that write one number everywhere: they skip its check that no two elements written are one
# memory location (`x.expand(2, 3).zero_()` zeroes x), as writing one number twice leaves it the same.
_FILLS = frozenset({"fill_", "zero_"})


def castable(from_dtype, to_dtype):
    """Whether an in-place change may write a result of from_dtype into an array of to_dtype: PyTorch's rule, no
    lower category (a float into integers, or anything else into bools, raises), but any dtype within one (int64 into
    uint8, float64 into float16), where NumPy's "same_kind" refuses int64 into uint8."""
    from .ops.promotion import can_cast

    return can_cast(from_dtype, to_dtype)


def write_back(out, result):
    """result (an array or number) into `out` in out's dtype, under `castable`'s rule; TypeError otherwise."""
    from_dtype = np.result_type(result)
    if not castable(from_dtype, out.dtype):
        raise TypeError(f"result type {from_dtype} can't be cast to the desired output type {out.dtype}")
    np.copyto(out, result, casting="unsafe")


def _written_part(data, index):
    """The elements of `data` that `data[index] = ...` writes, as a view of it for a basic index (`w[:, 0] = 0` on
    overlapping windows of unfold writes each element once, as PyTorch's); data itself for index arrays."""
    from .scattered_gradient import is_basic_index

    return data[index] if is_basic_index(index) else data


def _ufunc_update(ufunc):
    def compute_with(operand):
        def compute(data, out):
            other = operand
            if other.__class__ is int and ufunc is not np.power:  # (u8 ** -1 raises, as PyTorch's)
                other = _value.wrapped(other, data.dtype)  # -1 into uint8 is 255, as PyTorch's cast
            if out is None:
                return ufunc(data, other)
            try:
                return ufunc(data, other, out=out, casting="same_kind")
            except TypeError:  # what NumPy's casting rule refuses and PyTorch's allows (int64 into uint8), or raise
                write_back(out, ufunc(data, other))
                return out
        return compute
    return compute_with


_UPDATES = {name: _ufunc_update(ufunc) for name, ufunc in
            [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.true_divide)]}
_OUT_OF_PLACE = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
                 "pow": operator.pow, "remainder": operator.mod, "floor_divide": operator.floordiv}


def _operator(self, other, kind, symbol):
    """`self <op>= other`: in place when nothing is recorded; recorded in place on a view or on a Value whose views are
    in use (they must see the change, as in PyTorch); otherwise a new node (see the module docstring)."""
    if GRAD_ENABLED.get() and (self._requires_grad or _requires_grad(other)):
        if self._requires_grad and self._p0 is None:
            _refuse_leaf(self, symbol)
        if _has_views_or_base(self):
            return _record_in_place(self, symbol, lambda v: _OUT_OF_PLACE[kind](v, other))
        result = _OUT_OF_PLACE[kind](self, other)
        if result.shape != self.shape:
            raise ShapeError(f"{symbol}: output with shape {self.shape} doesn't match the broadcast shape "
                             f"{result.shape}")
        return result
    if kind not in _UPDATES:  # **= %= //=: the in-place method (pow_, remainder_, floor_divide_), PyTorch's too
        return getattr(self, kind + "_")(other)
    return _change(self, symbol, _UPDATES[kind](_data(other)), lambda v: _OUT_OF_PLACE[kind](v, other), other)


def _has_views_or_base(self):
    """Whether self is a view of another Value in the graph (one element of one too: `x[0]`), or has views in use."""
    versions = self._version
    if versions is None:
        return element_cell(self) is not None
    return _is_view(self, versions) or versions.viewed or bool(_live_views(versions))


def _method(self, other, kind, name, alpha=1):
    """self.<kind>_(alpha · other) (alpha for add_ and sub_)."""
    operand = _data(other) if alpha == 1 else _data(other) * alpha
    return _change(self, name, _UPDATES[kind](operand),
                   lambda v: _OUT_OF_PLACE[kind](v, other if alpha == 1 else other * alpha), other)


def _scaled_operand(self, other, scaled, kind):
    """self.add_(other, alpha=...) / sub_ where other requires grad: self ± scaled (alpha · other), recorded as
    PyTorch's one AddBackward0 / SubBackward0 over self and other."""
    shown = _value._ops.arith.shown_over_operands
    name = "AddBackward0" if kind == "add" else "SubBackward0"
    return _change(self, kind + "_", _UPDATES[kind](_data(scaled)),
                   lambda v: shown(_OUT_OF_PLACE[kind](v, scaled), v, other, name), other)


def _refuse_python_map(self, name):
    if self.requires_grad:  # a Python function per element has no derivative to record (PyTorch's message)
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")


def _copy(self, src, name):
    """self's contents replaced by src (a Value, array or number broadcastable to self's shape), in self's dtype."""
    source = src
    src = _value.wrapped(_data(src), self.dtype)  # fill_(-1) of uint8 is 255, as PyTorch's

    def compute(data, out):
        if out is None:
            return np.broadcast_to(src, np.shape(data))
        np.copyto(out, src, casting="unsafe")  # as PyTorch's copy_, converting dtypes (float64 into float32)

    def result_of(v):  # a Value copied in brings its tangent (broadcast, in v's dtype); anything else none
        from .ops.shape import broadcast_to

        copied = source if source.shape == v.shape else broadcast_to(source, shape=v.shape)
        return copied if copied.dtype == v.dtype else copied.astype(v.dtype)

    if _recorded(self, (source,)):
        if self._requires_grad and self._p0 is None:
            _refuse_leaf(self, name)
        return _record_in_place(self, name, lambda old: _overwritten(old, source))
    return _write(self, name, compute, result_of if isinstance(source, _value.Value) else None)


def _overwritten(old, source):
    """source (broadcast to old's shape, in old's dtype) as a node that still has old as an input, with gradient 0:
    PyTorch's zero_, fill_ and copy_ on a node of a graph send zeros, not nothing, to what it was made from."""
    from .ops.elementwise import where

    try:
        data = np.broadcast_to(np.asarray(_data(source)), old.shape)
    except ValueError:
        raise ShapeError(f"output with shape {old.shape} doesn't match the broadcast shape "
                         f"{np.broadcast_shapes(np.shape(_data(source)), old.shape)}") from None
    if not isinstance(source, _value.Value):
        source = _value.Value(np.array(data, dtype=old.dtype), requires_grad=False)
    elif source.dtype != old.dtype:
        source = source.astype(old.dtype)
    return where(np.ones(old.shape, dtype=bool), source, old)


def _sigmoid(d, out):
    result = 0.5 * (np.tanh(0.5 * np.asarray(d)) + 1.0)  # the stable form of 1 / (1 + exp(-x))
    if out is None:
        return result
    write_back(out, result)


def _refuse_complex(self, kind, message):
    """PyTorch's refusal of an in-place function of a complex self (in message, '{torch}' is PyTorch's name of the
    scalar type, 'ComplexFloat', and '{c10}' its C++ name, 'c10::complex<float>')."""
    dtype = self.data.dtype
    if dtype.kind == "c":
        raise kind(message.format(torch=scalar_type_name(dtype),
                                  c10=f"c10::complex<{'float' if dtype == np.complex64 else 'double'}>"))


def _drawn(self, name, generator, *values, **how):
    """self's contents replaced by the random numbers ops/sampling's `fill_draws(*values' data, fill=name, ...)` draws
    for it (`x.normal_()`, `x.uniform_()`, ...). While a compile recording or a jvp follows Values, the draw is
    `sample`'s recorded operation, which a replay draws anew, in eager mode's order."""
    sampling = _value._ops.sampling
    how["generator"], how["fill"], how["shape"] = generator, name, np.shape(self.data)
    if TRACERS.get() and values_followed():
        return _copy(self, sampling.sample(sampling.fill_draws, *values, **how), name)
    return _copy(self, sampling.fill_draws(*[_data(v) for v in values], **how), name)


def _elementwise(self, name, compute, result_of):
    """An elementwise function in place (relu_, exp_, ...): recorded on a Value in a graph being recorded (see
    `update_in_place`), written into the array elsewhere."""
    return _change(self, name, compute, result_of)


def update_in_place(value, name, result_of, *operands):
    """PyTorch's in-place functions (`F.relu_(x)`, `F.relu(x, inplace=True)`, dropout's inplace=True): value's
    contents replaced by result_of(value), and value itself returned.

    result_of: the function out of place, on Values (and on arrays, for an ndarray `value`): `F.relu`, say.
    operands: other Values the new contents depend on (so that one that requires grad is recorded too).

    * An ndarray is written in place.
    * Inside no_grad(), or for a Value that no gradient flows into: its array changes and its version goes up.
    * A leaf that requires grad, grad mode on: RuntimeError (PyTorch's "a leaf ... is being used in an in-place
      operation").
    * A Value in a graph being recorded (or an operand that requires grad): recorded, as PyTorch records it; value
      keeps its identity and becomes the node result_of(its old self) (`_record_in_place`; a view changes the Value
      it views), so the gradient is the one of the out-of-place function, and graphs whose rules read the old
      contents refuse backward.
    """
    if not isinstance(value, _value.Value):
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{name}: expected a Value or an ndarray, got {type(value).__name__}")
        write_back(value, _data(result_of(value)))
        return value
    if _recorded(value, operands):
        if value._requires_grad and value._p0 is None:
            _refuse_leaf(value, name)
        return _record_in_place(value, name, result_of)
    if TRACERS.get():  # a jvp sees result_of run once on value, and value's tangent follows (dropout draws once)
        result = result_of(value)
        return _copy(value, result, name) if isinstance(result, _value.Value) else _write(
            value, name, _computed_by(lambda v: result), None)
    return _write(value, name, _computed_by(result_of), result_of)


def _computed_by(result_of):
    """The `compute(data, out)` of `_write` for an out-of-place function on Values, run without recording."""

    def compute(data, out):
        token = GRAD_ENABLED.set(False)
        try:
            result = _data(result_of(_value.Value(data, requires_grad=False, dtype=np.asarray(data).dtype)))
        finally:
            GRAD_ENABLED.reset(token)
        if out is None:
            return result
        write_back(out, result)

    return compute




class InplaceMethods:
    """The in-place methods and operators of `Value` (a mixin: Value is defined in value.py)."""

    __slots__ = ()

    def _shared_versions(self):
        """This Value's version counter, made on first use (shared with its detach()es)."""
        versions = self._version
        if versions is None:
            versions = self._version = Versions(self)
        return versions

    @property
    def _version_count(self):
        """How many times the array changed in place through this API (PyTorch's `x._version`)."""
        return 0 if self._version is None else self._version.count

    def __iadd__(self, other):
        return _operator(self, other, "add", "+=")

    def __isub__(self, other):
        _value._ops.arith.refuse_bool_subtraction(None, self, other)
        return _operator(self, other, "sub", "-=")

    def __imul__(self, other):
        return _operator(self, other, "mul", "*=")

    def __itruediv__(self, other):
        return _operator(self, other, "div", "/=")

    def __ipow__(self, other):
        return _operator(self, other, "pow", "**=")

    def __imod__(self, other):
        return _operator(self, other, "remainder", "%=")

    def __ifloordiv__(self, other):
        return _operator(self, other, "floor_divide", "//=")

    def add_(self, other, alpha=1):
        """self += alpha * other, in place (inside no_grad() for a Value that requires grad); returns self. alpha
        must suit self's dtype, as in PyTorch (not a float for an integer or bool self, a bool only for a bool one)."""
        if alpha.__class__ is not int or alpha != 1:
            scaled = _value._ops.arith.times_alpha("add_", self.dtype, other, alpha)
            if scaled is not other and _requires_grad(other):
                return _scaled_operand(self, other, scaled, "add")
            other, alpha = scaled, 1
        return _method(self, other, "add", "add_", alpha)

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place; returns self. A bool self or operand raises, as in PyTorch; alpha as in
        add_."""
        _value._ops.arith.refuse_bool_subtraction("sub_", self, other)
        if alpha.__class__ is not int or alpha != 1:
            scaled = _value._ops.arith.times_alpha("sub_", self.dtype, other, alpha)
            if scaled is not other and _requires_grad(other):
                return _scaled_operand(self, other, scaled, "sub")
            other, alpha = scaled, 1
        return _method(self, other, "sub", "sub_", alpha)

    def mul_(self, other):
        """self *= other, in place; returns self."""
        return _method(self, other, "mul", "mul_")

    def div_(self, other, *, rounding_mode=None):
        """self /= other, in place; with rounding_mode 'trunc' or 'floor' the rounded quotient (see
        autograd_core.div); returns self."""
        if rounding_mode is None:
            return _method(self, other, "div", "div_")
        from .ops.arith import div

        if _recorded(self, (other,)):  # a rounded quotient: its gradient is 0, as PyTorch's
            return _rewritten(self, "div_", lambda v: _overwritten(v, div(v.detach(), _data(other),
                                                                          rounding_mode=rounding_mode)), other)
        return _copy(self, _data(div(np.asarray(self.data), _data(other), rounding_mode=rounding_mode)), "div_")

    def copy_(self, src, non_blocking=False):
        """Copy `src` (a Value, array or number broadcastable to self's shape) into self's array; returns self.
        `non_blocking` (PyTorch's, for copies between devices) changes nothing here."""
        return _copy(self, src, "copy_")

    def fill_(self, value):
        """Set every element to `value` (a number or a 0-d Value); returns self."""
        if value is None or isinstance(value, (str, bytes)):  # NumPy would fill nan (None) or refuse in its words
            raise TypeError(f"fill_() received an invalid combination of arguments - got ({type(value).__name__}), "
                            "but expected one of: (Tensor value), (Number value)")
        if value.__class__ in (int, float) and self.data.dtype.kind in "iu":  # 300 into uint8: refused, not wrapped
            from .tensor_inputs import refuse_overflow  # (tensor_inputs imports value, which imports this module)

            refuse_overflow(np.asarray(value), self.data.dtype, fill=True)
        if np.ndim(_data(value)) != 0:
            raise ShapeError(f"fill_: expects a number or a 0-d Value, got shape {np.shape(_data(value))}")
        return _copy(self, value, "fill_")

    def zero_(self):
        """Set every element to 0; returns self."""
        return _copy(self, 0, "zero_")

    def clamp_(self, min=None, max=None):
        """Limit the elements to [min, max] in place (either bound may be None); returns self."""
        if min is None and max is None:
            raise ArgumentError("torch.clamp: At least one of 'min' or 'max' must not be None (clamp_: give min, max "
                                "or both)")
        lo, hi = _data(min), _data(max)

        def compute(data, out):
            return np.clip(data, lo, hi) if out is None else np.clip(data, lo, hi, out=out)

        # Value bounds are operands: a gradient flows to them too (clamp.Tensor's, ops/clamp_bounds.py)
        operands = [b for b in (min, max) if isinstance(b, _value.Value)]
        return _change(self, "clamp_", compute, lambda v: v.clip(min, max), *operands)

    clip_ = clamp_

    # Elementwise functions in place (PyTorch's `x.relu_()`, `x.exp_()`, ...), under the same rules.
    def relu_(self):
        """max(x, 0) in place; returns self."""
        _refuse_complex(self, NotImplementedError, "clamp is not supported for complex types")
        return _elementwise(self, "relu_", lambda d, out: np.maximum(d, 0, out=out), lambda v: v.relu())

    def sigmoid_(self):
        """1 / (1 + exp(-x)) in place; returns self."""
        return _elementwise(self, "sigmoid_", _sigmoid, lambda v: v.sigmoid())

    def tanh_(self):
        """tanh(x) in place; returns self."""
        return _elementwise(self, "tanh_", lambda d, out: np.tanh(d, out=out), lambda v: v.tanh())

    def exp_(self):
        """exp(x) in place; returns self."""
        return _elementwise(self, "exp_", lambda d, out: np.exp(d, out=out), lambda v: v.exp())

    def log_(self):
        """log(x) in place; returns self."""
        return _elementwise(self, "log_", lambda d, out: np.log(d, out=out), lambda v: v.log())

    def sqrt_(self):
        """sqrt(x) in place; returns self."""
        return _elementwise(self, "sqrt_", lambda d, out: np.sqrt(d, out=out), lambda v: v.sqrt())

    def abs_(self):
        """|x| in place; returns self (a complex self refuses, as PyTorch's: |z| is real)."""
        _refuse_complex(self, RuntimeError, "In-place abs is not supported for complex tensors.")
        return _elementwise(self, "abs_", lambda d, out: np.abs(d, out=out), lambda v: v.abs())

    def neg_(self):
        """-x in place; returns self."""
        return _elementwise(self, "neg_", lambda d, out: np.negative(d, out=out), lambda v: -v)

    def pow_(self, exponent):
        """x ** exponent in place; returns self."""
        return _change(self, "pow_", _ufunc_update(np.power)(_data(exponent)), lambda v: v ** exponent, exponent)

    def uniform_(self, from_=0.0, to=1.0, generator=None):
        """Fill with numbers drawn uniformly from [from_, to) (from the generator `manual_seed` seeds, or
        `generator`; for a complex self, real and imaginary parts each); returns self."""
        _refuse_integral_draws(self, "check_uniform_bounds")
        return _drawn(self, "uniform_", generator, low=from_, high=to, complex=self.data.dtype.kind == "c")

    def apply_(self, callable):
        """Replace each element x by callable(x) (a Python number in, a number out, converted to self's dtype), in
        place; returns self. PyTorch's: for Values that need no gradient, and slow (one Python call per element)."""
        _refuse_python_map(self, "apply_")
        data = np.asarray(self.data)
        return _copy(self, np.reshape([callable(x) for x in data.ravel().tolist()], data.shape), "apply_")

    def map_(self, other, callable):
        """self[i] = callable(self[i], other[i]) for every element, `other` (a Value, array or number) broadcast to
        self's shape, in place; returns self. For Values that need no gradient, one Python call per element."""
        _refuse_python_map(self, "map_")
        data = np.asarray(self.data)
        other = np.broadcast_to(np.asarray(_data(other)), data.shape)
        pairs = zip(data.ravel().tolist(), other.ravel().tolist())
        return _copy(self, np.reshape([callable(a, b) for a, b in pairs], data.shape), "map_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with normal numbers of the given mean and standard deviation; returns self. For a complex self,
        PyTorch's complex normal numbers: real and imaginary parts independent, each of mean `mean` and standard
        deviation std/√2."""
        _refuse_integral_draws(self, "normal_kernel_cpu")
        return _drawn(self, "normal_", generator, mean=mean, std=std, complex=self.data.dtype.kind == "c")

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 0 or 1, 1 with probability p (a number, or a Value broadcast to self's shape); returns self."""
        kernel = "bernoulli_tensor_cpu_self_" if isinstance(p, _value.Value) else "bernoulli_scalar_cpu_"
        _refuse_complex(self, NotImplementedError, f'"{kernel}" not implemented for \'{{torch}}\'')
        if isinstance(p, _value.Value):  # its probabilities: an input of the draw (a replay reads the new ones)
            return _drawn(self, "bernoulli_", generator, p)
        return _drawn(self, "bernoulli_", generator, p=p)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with exponential numbers of rate lambd (mean 1 / lambd); returns self."""
        _refuse_complex(self, RuntimeError, "Exponential distribution is a continuous probability distribution. dtype "
                                            "must be a floating point but you specified {torch}")
        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return _drawn(self, "exponential_", generator, scale=1.0 / lambd)

    def geometric_(self, p, *, generator=None):
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...); returns self."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        _refuse_complex(self, NotImplementedError, '"geometric_cpu" not implemented for \'{torch}\'')
        return _drawn(self, "geometric_", generator, p=p)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill with exp of normal numbers of the given mean and standard deviation; returns self."""
        _refuse_complex(self, NotImplementedError, '"log_normal_cpu" not implemented for \'{torch}\'')
        if std <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        return _drawn(self, "log_normal_", generator, mean=mean, std=std)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill with Cauchy numbers of the given median and scale; returns self."""
        _refuse_complex(self, RuntimeError, "Cauchy distribution is a continuous probability distribution. dtype must "
                                            "be a floating point but you specified {c10}")
        return _drawn(self, "cauchy_", generator, median=median, sigma=sigma)

    def random_(self, from_=0, to=None, *, generator=None):
        """Fill with integers in [from_, to) (random_(to) means [0, to)); without `to`, up to 2^mantissa bits
        for floats (every integer exactly representable) or the dtype's largest value, as PyTorch's random_."""
        _refuse_complex(self, NotImplementedError, '"random_kernel_cpu" not implemented for \'{torch}\'')
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            dtype = np.dtype(self.dtype)
            to = 2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f" else (
                2 if dtype.kind == "b" else int(np.iinfo(dtype).max) + 1)
        if to <= from_:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        return _drawn(self, "random_", generator, low=from_, high=to)

    # PyTorch's in-place forms of the indexing functions (`y.scatter_(1, labels, 1.0)` for one-hot rows, `x.tril_()`,
    # `h.index_add_(0, segment, messages)`, `x.masked_fill_(mask, 0)`): the out-of-place function, written back.
    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """scatter (ops/index.py) in place, reduce='add'/'multiply' included; returns self."""
        return _rewritten(self, "scatter_", lambda v: v.scatter(dim, index, src, value=value, reduce=reduce), src,
                          value)

    def scatter_add_(self, dim, index, src):
        """scatter_add in place (repeated positions add up); returns self."""
        return _rewritten(self, "scatter_add_", lambda v: v.scatter_add(dim, index, src), src)

    def index_add_(self, dim, index, source, *, alpha=1):
        """index_add in place: alpha·source's entry i added at position index[i] along dim; returns self."""
        return _rewritten(self, "index_add_", lambda v: v.index_add(dim, index, source, alpha=alpha), source, alpha)

    def index_copy_(self, dim, index, source):
        """index_copy in place; returns self."""
        return _rewritten(self, "index_copy_", lambda v: v.index_copy(dim, index, source), source)

    def index_fill_(self, dim, index, value):
        """index_fill in place: `value` at the positions index along dim; returns self."""
        return _rewritten(self, "index_fill_", lambda v: v.index_fill(dim, index, value), value)

    def masked_fill_(self, mask, value):
        """masked_fill in place: `value` where the boolean mask is True; returns self."""
        return _rewritten(self, "masked_fill_", lambda v: v.masked_fill(mask, value), value)

    def tril_(self, diagonal=0):
        """tril in place: zeros above the diagonal; returns self."""
        return _rewritten(self, "tril_", lambda v: v.tril(diagonal))

    def triu_(self, diagonal=0):
        """triu in place: zeros below the diagonal; returns self."""
        return _rewritten(self, "triu_", lambda v: v.triu(diagonal))

    def __setitem__(self, index, value):
        """`x[index] = value` (NumPy's indexing: ints, slices, masks, index arrays), changing x's array in place.

        Under the in-place rules: inside no_grad(), or on Values that need no gradient, x's array changes. On a
        Value in a graph being recorded, or with a value that requires grad, the assignment is recorded as PyTorch
        records it (`_record_in_place`: x becomes the node placing value into its old contents; when x is a view, the
        Value it views changes); on a leaf that requires grad it raises, as in PyTorch. PyTorch code writes
        `dlogits[range(n), Yb] -= 1` and `dC[ix] += demb[k, j]`, which Python runs as `x[index] = x[index] - 1`: the
        x[index] read on the way to the value reads x's old contents (`_freeze_reads`).
        """
        from .ops.shape import _plain_index

        index = _plain_index(index, stacklevel=2)
        if getattr(value, "ndim", 0) and value.shape[0] == 1:  # PyTorch drops value's extra leading 1s: x[i] = net(v)
            value = _without_leading_ones(value, np.ndim(np.asarray(self.data)[index]))
        assigned = value
        if _recorded(self, (value,)):
            if self._requires_grad and self._p0 is None:
                _refuse_leaf(self, "x[...] = value")
            return _record_in_place(self, "x[...] = value", lambda old: _assigned(old, index, assigned))
        value = _data(value)

        def compute(data, out):
            if out is None:
                out = np.array(data, copy=True)
                out[index] = value
                return out
            out[index] = value

        compute.value = value  # (named by PyTorch's error if it does not fit)
        return _write(self, "x[...] = value", compute, lambda v: _assigned(v, index, assigned), index)


def _rewritten(self, name, result_of, *operands):
    """self's contents replaced, in place, by result_of(self): an out-of-place function on Values (scatter,
    index_add, masked_fill, ...), computed on self's data without recording, then written back under the in-place
    rules (`_change`); a jvp follows the change through result_of."""
    return _change(self, name, _computed_by(result_of), result_of, *operands)


def _without_leading_ones(value, ndim):
    """value without its leading dimensions of size 1 beyond `ndim`, as PyTorch's `x[index] = value` takes it (the
    value is broadcast to x[index] after that): `x[i] = y` with y of shape (1, 1) writes y's one element into a 1-D x,
    where NumPy raises "setting an array element with a sequence"."""
    extra = 0
    while value.ndim - extra > ndim and value.shape[extra] == 1:
        extra += 1
    return value.reshape(value.shape[extra:]) if extra else value


def _assigned(x, index, value):
    """`x[index] = value` out of place, by operations on Values (for forward mode: see `_write`): each element of x
    that the assignment writes takes the element of `value` (broadcast to x[index]'s shape) that NumPy's assignment
    would leave there (the last one, where an index array repeats a position), through a gather; the others stay."""
    from .ops.shape import broadcast_to

    data = np.asarray(x.data)
    source = np.full(data.shape, -1)
    target_shape = data[index].shape
    if not isinstance(value, _value.Value):
        value = _value.Value(np.asarray(value, dtype=data.dtype), requires_grad=False)
    if not math.prod(target_shape):
        return x  # nothing is written
    # which element of value lands where: value's own elements, broadcast as NumPy's assignment broadcasts them (the
    # gather then sums a broadcast element's gradient; no node of its own, as PyTorch's CopySlices lists value's)
    try:
        numbers = np.broadcast_to(np.arange(math.prod(value.shape)).reshape(value.shape), target_shape)
    except ValueError:
        value = broadcast_to(value, shape=target_shape)  # its error names both shapes
        numbers = np.arange(math.prod(target_shape)).reshape(target_shape)
    source[index] = numbers
    return placed(value, source, x, "IndexPutBackward0" if _advanced(index) else "CopySlices")


def _advanced(index):
    """Whether an index (plain: ops.shape._plain_index's) holds an index array or a mask (PyTorch's index_put_)."""
    return any(isinstance(i, np.ndarray) and i.ndim for i in (index if index.__class__ is tuple else (index,)))


def placed(value, source, base, grad_fn_name=None):
    """base with each element whose `source` (an int array of base's shape) is k >= 0 replaced by value's flat element
    k, by operations on Values (a gather and a where): differentiable in both. grad_fn_name: PyTorch's name of the
    node of the write this is ('CopySlices' for x[1:] = v, 'IndexPutBackward0' for x[idx] = v), which the where's node
    shows, listing (base, value) as PyTorch's (grad_fn_names.py)."""
    from .ops.elementwise import _where, where
    from .ops.shape import getitem, reshape

    written = source >= 0
    part = getitem(reshape(value, shape=(-1,)), np.where(written, source, 0))
    if grad_fn_name is None:
        return where(written, part, base)
    return _where.named(grad_fn_name)(part, base, condition=written)


# PyTorch's other in-place methods (`x.floor_()`, `x.lerp_(end, 0.5)`, `x.fmod_(2)`, `x.addmm_(a, b)`): the
# out-of-place method of the same name, computed on x's data and written back (`_rewritten`), under the same rules.
# The result must keep x's shape and convert to x's dtype (`x.lt_(y)` writes 0 and 1; an integer x.sqrt_() raises).
_REWRITTEN = (
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh", "acosh",
    "atanh", "arcsinh", "arccosh", "arctanh", "floor", "ceil",
    "trunc", "fix", "frac", "round", "sign", "reciprocal", "rsqrt", "square", "log1p", "expm1", "log2", "log10",
    "deg2rad", "rad2deg", "absolute", "negative", "nan_to_num", "erf", "erfinv", "lgamma", "digamma", "polygamma",
    "logical_not", "atan2", "arctan2", "lerp", "addcmul", "addcdiv", "fmod", "remainder", "clamp_min", "clamp_max",
    "hypot", "copysign", "heaviside", "floor_divide", "true_divide", "divide", "multiply", "subtract",
    "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "cumsum", "cumprod", "renorm", "addmm", "addmv", "addr", "addbmm", "baddbmm",
    "float_power", "erfc", "exp2", "i0", "logit", "sinc", "xlogy", "igamma", "igammac", "mvlgamma",
)


def _rewritten_method(name):
    def method(self, *args, **kwargs):
        if name == "float_power":
            complex_ = any(np.dtype(getattr(a, "dtype", type(a))).kind == "c" for a in (self, *args))
            required = np.dtype(np.complex128 if complex_ else np.float64)
            if self.dtype != required:
                raise RuntimeError(f"the base given to float_power_ has dtype {scalar_type_name(self.dtype)} but the "
                                   f"operation's result requires dtype {scalar_type_name(required)}")
        elif name == "absolute":
            _refuse_complex(self, RuntimeError, "In-place abs is not supported for complex tensors.")
        operands = [a for a in (*args, *kwargs.values()) if isinstance(a, _value.Value)]
        return _rewritten(self, name + "_", lambda v: getattr(v, name)(*args, **kwargs), *operands)

    method.__name__, method.__qualname__ = name + "_", f"InplaceMethods.{name}_"
    method.__doc__ = f"x.{name}(...) in place (the in-place rules of autograd_core.inplace); returns x."
    return method


for _name in _REWRITTEN:
    assert not hasattr(InplaceMethods, _name + "_"), _name
    setattr(InplaceMethods, _name + "_", _rewritten_method(_name))


# The recording of in-place changes in a graph and the version check (inplace_graph.py), imported last: it uses the
# names above. The engine imports check_saved_versions from here.
def _refuse_integral_draws(x, kernel):
    """uniform_'s and normal_'s refusal of an integer or bool Value, as PyTorch's kernels refuse it (NumPy would
    truncate the draws to integers)."""
    if x.data.dtype.kind in "biu":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(x.dtype)}\' (fill a floating '
                                  f"point tensor: torch.empty(n).normal_(), or use torch.randint for integers)")


from .inplace_graph import _live_views, _record_in_place, check_saved_versions  # noqa: E402, F401
