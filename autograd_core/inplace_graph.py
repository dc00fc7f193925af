"""In-place changes recorded in a graph, as PyTorch records them, and the copies of what they replaced.

    y = x * 2
    y.mul_(3)              # y becomes the node (old y) * 3; `old y` keeps y's former operation and contents
    y[0:2].add_(z)         # a view changes the Value it views (PyTorch's CopySlices), and the views in use follow
    loss.backward()        # nodes recorded before a change raise if their rules read what changed, else read the old

inplace.py decides when a change is recorded (grad mode on, and a gradient must flow) and calls `_record_in_place`;
the engine calls `check_saved_versions` (version_check.py) for the nodes older than the latest change, which re-points
them at the copies kept here (`_frozen_as_of`) or raises if their rules read what changed (rule_reads.py). The rules
are in inplace.py's docstring.
"""

from __future__ import annotations

import operator
import weakref

import numpy as np

from . import value as _value
from .errors import ShapeError
from .inplace import _FILLS, _made_in_no_grad, castable
from .inplace_functions import placed
from .version_counter import (_is_view, _stamp, element_cell, element_of, overlap_error, overlapping, source_of,
                              viewed_array)
from .element_views import cell_of, live_elements, not_replayed, relist, source, take
from .modes import TRACERS
from .multiple_views import refuse_change_of_multiple_view
from .scalar_aliases import origin_of, synchronise

_VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."  # PyTorch's


# id(value) -> (weak reference to value, [(stamp, copy)]): for each Value whose node a recorded in-place change replaced
# (the Value changed, its views), the copies of what it was, oldest first. Kept while the Value lives (a detach(), which
# shares its version counter, does not keep them), for the nodes recorded before the changes (`_frozen_as_of`).
_REPLACED = {}


def _keep_replaced(value, stamp, copy):
    entry = _REPLACED.get(id(value))
    if entry is None or entry[0]() is not value:
        key = id(value)
        ref = weakref.ref(value, lambda ref: _REPLACED.pop(key) if _REPLACED.get(key, (None,))[0] is ref else None)
        entry = _REPLACED[key] = (ref, [])
    entry[1].append((stamp, copy))


def _frozen_as_of(value, index):
    """The copy of `value` as it stood at creation number `index`, made by the first change recorded after it that
    replaced value's node (None if none did: then only its array changed, and its graph stands)."""
    entry = _REPLACED.get(id(value))
    if entry is not None and entry[0]() is value:
        for stamp, copy in entry[1]:
            if stamp > index:
                return copy
    return None


def _record_in_place(target, name, result_of):
    """An in-place change recorded as PyTorch records it (grad mode on, and target or the new contents need a gradient):
    target keeps its identity and its contents become result_of(old), a function on Values of a node standing for
    its old contents; returns target.

    * target is a Value of its own (not a view): it becomes the node result_of(old), where `old` is a new node holding
      its former operation, inputs and contents.
    * target is a view of another Value y (y[1:], y[:, 0], y.view(-1), y.T, ...: `share_versions`): y changes, as
      PyTorch's CopySlices changes it: y becomes the node placing result_of(y's old contents at target's elements)
      into y's old contents, and target, and every other view of y still in use, stand for their elements of the
      new y (their operation on y stands; they take creation numbers after y's new one).
    * Nodes recorded before the change that read target or y (or a view of y) keep reading what they read: the
      backward pass re-points them at the copies kept here (`check_saved_versions`), or raises PyTorch's "modified
      by an in-place operation" if their rules read the changed numbers.

    y's array is written in place (its views and detach()es see the new numbers); a 0-d or read-only y gets a new one.
    """
    root, positions = _base_of(target, name)
    if positions is not None and not positions.size:  # an empty view (y[:, 4:], y.diagonal(5)): nothing changes
        _conformed(_computed(result_of, target, target, name), target, name)  # but a wrong shape still raises
        return target
    follow = recorded = None
    if TRACERS.get():  # a compile recording or a jvp watches this thread
        from .forward import follow_in_place
        from .jit_inplace import in_graph

        recorded = in_graph(target, root, positions, name)  # a compile recording rebinds target once changed
        follow = follow_in_place(target, result_of)
    versions = root._shared_versions()
    data = root.data
    writable = isinstance(data, np.ndarray) and data.flags.writeable  # (a marked leaf's: a LeafArray)
    if not writable and not isinstance(data, np.generic) and _live_views(versions):
        raise RuntimeError(f"{name}: the array of the Value these views share is read-only; clone() it first")
    since, required_grad = root._index, root._requires_grad
    # (order "K": the former contents keep their layout, as the changed array does; a compiled step allocates the
    # buffer of the operation that made them in the layout recorded here, and a later reduction or matmul sums in it)
    old = _copy_node(root, data.copy(order="K") if writable else data, since, root._parents)
    stamp = _value._next_index()  # the nodes recorded until now saw the old contents
    if positions is None:
        result = _conformed(_computed(result_of, old, target, name), target, name)
        if result is old:
            if recorded is not None:
                recorded(old, old)
            return target  # nothing changed (an identity)
        if result._index < stamp:
            from .ops.shape import clone

            result = clone(result)  # a node of its own (result_of gave back an existing Value)
    else:
        from .ops.shape import getitem, reshape

        part = getitem(reshape(old, shape=(-1,)), positions)  # target's old contents, from y's
        source = np.full(root.shape, -1, dtype=np.intp)
        source.reshape(-1)[positions.reshape(-1)] = np.arange(positions.size)
        result = placed(_conformed(_computed(result_of, part, target, name), target, name), source, old, "CopySlices")
        if positions.size > 1 and np.unique(positions).size < positions.size:  # fill_ or zero_ through an expand()
            result = _no_backward_through(result)
    copies = {id(root): old}
    _freeze_reads(result, since, versions, copies)
    if writable:
        np.copyto(data, result.data)
    else:
        root.data = result.data
    root._op, root._p0, root._p1, root._params = result._op, result._p0, result._p1, result._params
    root._scope, root._origin, root._pending = result._scope, result._origin, None
    root._requires_grad = result._requires_grad
    root._index = result._index  # younger than `old` and than the stamp: parents before children still holds
    if root._requires_grad:
        versions.graph = True
    replaced = [(root, old)]
    _rebase_views(root, versions, copies, replaced, required_grad)
    if versions.elements:
        _rebase_elements(target, root, versions, copies, replaced, required_grad)
    if target is not root and isinstance(target.data, np.generic) and not versions.aliases:
        _rebase_element(target, root, positions, versions, copies, replaced)
    if versions.aliases:  # a 0-d Value: its views and detach()es hold copies of its one number
        synchronise(root, versions)
    for value, copy in replaced:
        _keep_replaced(value, stamp, copy)
        if value._hooks:  # hooks registered before the change stay with the old version, as PyTorch's
            from .backward_hooks import move_to_old_version

            move_to_old_version(value, copy)
    _stamp((root,), stamp)
    if follow is not None:
        follow()
    if recorded is not None:
        recorded(old, result)
    return target


def _base_of(target, name):
    """(y, positions) for a view `target` of y (positions: the flat index into y of each element of target), or
    (target, None) for a Value of its own; raises PyTorch's errors for views of leaves, views made in no_grad() and
    outputs of split, chunk and unbind (multiple_views.py)."""
    refuse_change_of_multiple_view(target, name)
    versions = target._version
    if _viewed_leaf(target) is not None:
        raise RuntimeError(f"{_VIEW_OF_LEAF} ({name}: a view of a leaf Value that requires grad is being used in "
                           "an in-place operation (as PyTorch refuses); change the leaf inside no_grad(), or clone() "
                           "the view)")
    if isinstance(target.data, np.generic) and not (versions is not None and versions.aliases):
        found = _element_base(target, name)
        if found is not None:
            return found
    if versions is None or not _is_view(target, versions):
        return target, None  # a Value of its own, or one sharing memory outside the graph (a detach())
    if target._p0 is not None:  # a recorded view: up its chain of views to the Value they view
        root = target
        while root._p0 is not None and root._op.views and root._p0._version is versions:
            root = root._p0
    elif _made_in_no_grad(target, versions):
        raise RuntimeError(
            f"{name}: a view was created in no_grad mode and is being modified inplace with grad mode enabled (as "
            "PyTorch refuses: it is ambiguous); make the view and the change both inside no_grad() or both outside")
    elif versions.aliases:
        root = origin_of(target, versions)  # a view of a 0-d Value, taken while it needed no gradient
    else:
        root = _unlisted_base(versions, target)
    if target._p0 is None and root._requires_grad and root._p0 is None:  # marked for gradients after the view
        raise RuntimeError(f"{_VIEW_OF_LEAF} ({name}: a view of a leaf Value that requires grad is being used in "
                           "an in-place operation (as PyTorch refuses); change the leaf inside no_grad(), or clone() "
                           "the view)")
    if isinstance(root.data, np.generic):  # a 0-d Value: each element of the view is its one element
        if target.size > 1 and name not in _FILLS:
            raise overlap_error(name)
        return root, np.zeros(target.shape, dtype=np.intp)
    positions = _positions(target.data, root.data, None if name in _FILLS else name)
    if positions is None:
        return target, None
    return root, positions


def _element_base(element, name):
    """(y, its flat position) for `element`, one element read out of an array Value x (`x[0]`, PyTorch's 0-d view of
    x; y is x, or the Value x views), or None if it is no such element (`element_of`)."""
    cell = element_cell(element)
    if cell is None:
        return None
    versions = element._version
    if element._p0 is None and versions is not None and _made_in_no_grad(element, versions):
        raise RuntimeError(
            f"{name}: a view was created in no_grad mode and is being modified inplace with grad mode enabled (as "
            "PyTorch refuses: it is ambiguous); make the view and the change both inside no_grad() or both outside")
    root, _ = _base_of(element_of(element)[0], name)
    if element._p0 is None and root._requires_grad and root._p0 is None:
        raise RuntimeError(f"{_VIEW_OF_LEAF} ({name}: a view of a leaf Value that requires grad is being used in "
                           "an in-place operation (as PyTorch refuses); change the leaf inside no_grad(), or clone() "
                           "the view)")
    positions = _positions(cell, root.data, name)
    return None if positions is None else (root, positions)


def _rebase_element(element, root, positions, versions, copies, replaced):
    """After `root` became a new node through a change of `element`, one element read out of it (a NumPy scalar,
    which shares no memory): element shows its new number and stands for it, as `_rebase_views` does for the views
    in use. Recorded, it keeps its operation (on root, or a view of it) and takes a creation number after root's new
    one; read out without recording, it becomes the gather of its element from root. `replaced` gets a copy of it
    as it was, for the nodes recorded before."""
    number = np.asarray(root.data).reshape(-1)[positions]
    if element._p0 is not None:
        replaced.append((element, _frozen_copy(element, versions, copies, False)))
        element.data, element._index = number[()], _value._next_index()
    elif root._requires_grad:
        from .ops.shape import getitem, reshape

        gathered = getitem(reshape(root, shape=(-1,)), positions)
        replaced.append((element, _copy_node(element, element.data, element._index, ())))
        element.data, element._op, element._p0, element._p1 = gathered.data, gathered._op, gathered._p0, None
        element._params, element._scope, element._requires_grad = gathered._params, gathered._scope, True
        element._index = gathered._index
    else:
        element.data = number[()]
    element._version = versions


def _rebase_elements(target, root, versions, copies, replaced, required_grad):
    """After `root` became a new node: the elements read out of it (or its views) still in use, other than `target`
    (`_rebase_element` does that one), stand for their elements of the new root (their numbers are read back when the
    change is counted: element_views.py). A recorded one keeps its operation and takes a creation number after root's
    new one, so that the nodes recorded before that saved it raise at backward (as PyTorch's saved views do); one read
    without recording while root needed no gradient becomes the gather of its element from root."""
    for element, index in live_elements(versions):
        if element is target:
            continue
        if element._p0 is not None:
            replaced.append((element, _frozen_copy(element, versions, copies, False)))
            element._index = _value._next_index()
            family = element._version
            if family is not versions and family is not None:  # a view or detach() was taken of it (a 0-d family)
                data, at = source(element, index)  # its counter counts the change now (nodes that saved the
                if not take(element, data[at], element._index):  # element check it), if its number moved
                    _stamp((element,), element._index)  # or not
                else:
                    not_replayed()
        elif root._requires_grad and not required_grad and not _made_in_no_grad(element, versions):
            positions = _positions(cell_of(*source(element, index)), root.data, None)
            if positions is not None:
                _rebase_element(element, root, positions, versions, copies, replaced)
                relist(element, positions, versions)


def _no_backward_through(result):
    """result, as a node whose backward pass raises PyTorch's error for an in-place change through elements that are
    one memory location: PyTorch lets fill_ and zero_ through an expand() in a graph (`x.expand(3).fill_(1)`
    changes x) and refuses the gradient of its CopySlices (graphs recorded before the change still differentiate)."""
    if not _OVERLAPPING_WRITE:
        import copy

        from .ops.shape import clone

        write = copy.copy(clone)  # clone's forward under a rule that refuses; not registered: no new primitive
        write.vjps, write.grad_fn_name = (_refuse_overlapping_gradient,), "CopySlices"
        _OVERLAPPING_WRITE.append(write)
    return _OVERLAPPING_WRITE[0](result)


def _refuse_overlapping_gradient(g, out, x):
    raise overlap_error("backward through fill_ or zero_ of an expand()")


_OVERLAPPING_WRITE = []  # made at the first use


def _unlisted_base(versions, view):
    """The Value that `view`, a view taken while it needed no gradient, views (such views are not listed: see
    `share_versions`): the one it was taken from, up through views of views (`source_of`: noted when that was not
    the Value the counter counts for, a detach() of it say; PyTorch's base is that one: `xd = x.detach();
    xd[1:].mul_(w)` changes xd, `a[1:].mul_(w)` changes a even after `ad = a.detach()`). If that is gone: found
    among the Values sharing `versions` by memory (a scan of the collector's objects, made only by the first change
    recorded through such a view), the latest of those that need no gradient (else a leaf marked for gradients since,
    which `_base_of` refuses; a Value of a graph never), or a new leaf standing for its array."""
    import gc

    base = view
    while base is not None and _is_view(base, versions) and base._p0 is None:
        base = source_of(base, versions)  # up the views, each to the Value it was taken from
    if base is not None and base is not view and not _is_view(base, versions):
        return base
    owner = view.data.base
    found = [v for v in gc.get_referrers(versions) if isinstance(v, _value.Value) and v._version is versions and
             v is not view and v._index < view._index and not (v._requires_grad and v._p0 is not None) and
             not _is_view(v, versions) and isinstance(v.data, np.ndarray) and
             (v.data is owner or v.data.base is owner) and _positions(view.data, v.data, "view") is not None]
    if found:
        root = max(found, key=lambda v: (not v._requires_grad, v._index))
    else:
        root = _value._new_node(_value.Value, owner, False, None, (), None, None)
        root._version = versions
    versions.root = weakref.ref(root)
    return root


def _unlisted_views(versions, root):
    """The views of `root` taken while it needed no gradient (not listed: see `share_versions`), found by memory."""
    import gc

    return sorted((v for v in gc.get_referrers(versions) if isinstance(v, _value.Value) and v._version is versions
                   and v is not root and v._p0 is None and _is_view(v, versions)), key=operator.attrgetter("_index"))


def _viewed_leaf(value):
    """The leaf that requires grad whose array `value` views through recorded view operations, or None."""
    node = value
    while node._op is not None and node._op.views and node._p0 is not None:
        parent = node._p0
        if viewed_array(node, parent) is None and (node._version is None or node._version is not parent._version) \
                and element_cell(node) is None:
            return None  # a copy (x[:, idx]); a view of a 0-d Value shares its counter (scalar_aliases); x[0] views
        if parent._requires_grad and parent._p0 is None:
            return parent
        node = parent
    return None


def _positions(view, base, name):
    """The flat index into `base` (an ndarray) of each element of `view` (an array viewing base's memory), or None
    if view's elements are not all base's. `name`: the in-place change written through view, which raises if two of
    its elements are one (None: view is only read)."""
    if not isinstance(view, np.ndarray) or not isinstance(base, np.ndarray) or view.dtype != base.dtype:
        return None
    if name is not None and overlapping(view):  # a change through it: PyTorch's error for an expand()
        raise overlap_error(name)
    from .forward import _memory_positions

    start = base.__array_interface__["data"][0]
    mine = _memory_positions(view, start)
    if base.flags.c_contiguous:
        if mine.size and (mine.min() < 0 or mine.max() >= base.size):
            return None
        return mine
    theirs = _memory_positions(base, start)
    low = min(int(theirs.min()), int(mine.min())) if mine.size else 0
    index = np.full(int(max(theirs.max(), mine.max() if mine.size else 0)) - low + 1, -1, dtype=np.intp)
    index[(theirs - low).reshape(-1)] = np.arange(theirs.size)
    found = index[mine - low]
    return None if found.size and found.min() < 0 else found


def _computed(result_of, old, target, name):
    """result_of(old), with a broadcasting error in PyTorch's words (a RuntimeError)."""
    try:
        return result_of(old)
    except ValueError as err:
        if "broadcast" not in str(err):
            raise
        if isinstance(err, ShapeError) and "doesn't match the broadcast shape" in str(err):
            raise  # already in PyTorch's words (copy_ or fill_ of a node of a graph)
        raise ShapeError(f"{name}: output with shape {target.shape} doesn't match the broadcast shape ({err})") \
            from None


def _conformed(result, target, name):
    """The new contents for target as a Value of its shape and dtype (PyTorch's errors otherwise)."""
    if not isinstance(result, _value.Value):
        result = _value.Value(np.asarray(result), requires_grad=False)
    if result.shape != target.shape:
        raise ShapeError(f"{name}: output with shape {target.shape} doesn't match the broadcast shape "
                           f"{result.shape}")
    if result.dtype != target.dtype:
        if not castable(result.dtype, target.dtype):
            raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the desired output type "
                               f"{target.dtype}")
        result = result.astype(target.dtype)
    return result


def _copy_node(value, data, index, parents):
    """A node standing for `value` as it is now: its operation, `parents` and parameters, `data`, creation number
    `index`, and a version counter of its own."""
    node = _value._new_node(_value.Value, data, value._requires_grad, value._op, parents, value._params, value._scope)
    node.label, node._origin, node._index = value.label, value._origin, index
    return node


def _freeze_reads(result, since, versions, copies):
    """Make the nodes that lead to `result` and were recorded after creation number `since` read copies of the Values
    whose array is about to change (the Value being changed, its views, its detach()es: those sharing `versions`)
    instead of those Values: they read the old contents (`x[i] = x[i] - 1`, `y.add_(y[0])`). copies: {id: copy},
    filled here (a copy of a view stands on the copies of what it views)."""
    stack, seen = [result], set()
    while stack:
        node = stack.pop()
        if node._index <= since or id(node) in seen:
            continue
        seen.add(id(node))
        parents = node._parents
        inputs = tuple(_frozen_copy(p, versions, copies, True) if p._version is versions else p for p in parents)
        if any(a is not b for a, b in zip(inputs, parents)):
            node._parents = inputs
        stack.extend(p for p in inputs if p._p0 is not None)


def _frozen_copy(value, versions, copies, with_data):
    if value._requires_grad and value._p0 is None:
        return value  # a leaf that requires grad (a detach() made one again): the gradient goes to it
    copy = copies.get(id(value))
    if copy is None:
        parents = tuple(_frozen_copy(p, versions, copies, with_data) if p._version is versions else p
                        for p in value._parents)
        data = value.data
        copy = copies[id(value)] = _copy_node(value, data.copy(order="K") if with_data and isinstance(data, np.ndarray)
                                              else data, value._index, parents)
    return copy


def _live_views(versions):
    """The views of versions' root still in use, oldest first (forgetting those that are gone)."""
    views = versions.views
    if not views:
        return []
    kept = [ref for ref in views if ref() is not None and ref()._version is versions]
    if len(kept) < len(views):
        views[:] = kept
    return sorted((view for view in (ref() for ref in kept) if view is not None), key=operator.attrgetter("_index"))


def _rebase_views(root, versions, copies, replaced, required_grad):
    """After `root` became a new node: its views still in use stand for their elements of the new root, as PyTorch
    regenerates a view's grad_fn after its base changed. A recorded view keeps its operation on its base (now the new
    one) and takes a creation number after it; a view made when root needed no gradient (and now does) becomes the
    gather of its elements from root. `replaced` gets a copy of each as it was, for the nodes recorded before."""
    for view in _live_views(versions):
        if view._p0 is not None:
            replaced.append((view, _frozen_copy(view, versions, copies, False)))
            view._index = _value._next_index()
    if not (root._requires_grad and not required_grad and versions.viewed):
        return
    from .ops.shape import getitem, reshape

    versions.root = weakref.ref(root)
    if versions.views is None:
        versions.views = []
    for view in _unlisted_views(versions, root):
        positions = _positions(view.data, root.data, None)  # read by a gather: elements may repeat
        if positions is None:
            continue
        gathered = getitem(reshape(root, shape=(-1,)), positions)
        replaced.append((view, _copy_node(view, view.data, view._index, ())))
        view._op, view._p0, view._p1, view._params = gathered._op, gathered._p0, gathered._p1, gathered._params
        view._scope, view._requires_grad, view._index = gathered._scope, True, gathered._index
        versions.views.append(weakref.ref(view))
