"""In-place changes inside a compile recording (jit.py): recorded so that a replay repeats them.

    h = model(x) * 1
    h += 1.0; h.clamp_(min=0)          # h's contents change: the recording must know which h each operation read
    noise = autograd_core.empty(2, 3).normal_()

The recorder keeps the operations a call runs as entries that name the Values they read and make. An in-place
change keeps a Value's identity while its contents (and, in a graph, its node) become new ones; a replay needs one
name per contents, as a program in SSA form has. So at each change the entries recorded so far are rewritten:

* where they name the changed Value, they name instead `old`, a node holding its former contents (the one
  inplace_graph.py makes for a change recorded in a graph; for other changes, a copy made here);
* the operations that computed the new contents (`result_of(old)`: `old.clip(0, None)` for clamp_, a draw of
  ops/sampling.sample for normal_, `where(...)` for `x[:, 0] = v`) end in the node `new`, and the entry that made
  `new` names the changed Value instead.

Later operations name the changed Value and read its new contents, as eager mode's do; the backward pass planned
from the entries goes through `old` where eager mode's goes through the copy inplace_graph.py kept.

A change is recorded this way when nothing else can see it: the Value was made inside the call (not a parameter, an
argument, a module's buffer: a replay would not change those), and it shares its memory with no other Value (no
view taken of it, not itself a view, no detach() of it, not a 0-d Value's alias). A change made with grad mode off
(or to a Value that needs no gradient) to a Value that requires grad, which eager mode keeps out of the graph, is not
recorded either. Otherwise the function runs eagerly, with a CompileWarning that says why, as before.

A change of a Value made before the call (a parameter or a buffer Value, outside an effect: `with no_grad():
model.weight.clamp_(-1, 1)`, `p -= lr * p.grad`) is recorded another way (`_stored`): its new contents computed out
of place from `old` (which the plan reads as the Value's data at that point), then ("store", value, new), which a
replay makes by writing new's numbers into the Value's array (`store`), as eager mode's write does.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import jit_data
from .modes import TRACERS
from .value import Value


def problem(recorder, target, views=False):
    """Why an in-place change of `target` inside the call being recorded cannot be replayed, or None if it can.
    views: whether target may have views in use (a change recorded in a graph rebinds them: `_views_of`)."""
    if target.__class__ is not Value:
        return f"a {type(target).__name__}, not a plain Value"
    if target._index < recorder.start:
        return ("a Value made before the call (a parameter, an argument, a module's buffer or state), which a replay "
                "would not change")
    op = target._op
    versions = target._version
    if (op is not None and op.views) or (versions is not None and (
            versions.root() is not target or versions.viewed or versions.aliases or versions.sources
            or (not views and _has_views(versions)))):
        return "a Value that shares its memory with another (a view, a Value viewed)"
    data = target.data
    if id(data) in recorder.aliased or (versions is not None and any(
            d() is not None and d()._version is versions and not seen
            for d, seen, _ in recorder.detached.get(id(versions), (None, ()))[1])):
        return "a Value that shares its memory with another (Value(v) of a Value v, a detach() made in an effect)"
    if data.__class__ is np.ndarray and any(
            np.may_share_memory(data, a.data if isinstance(a, Value) else a) for a in recorder.flat_args):
        return "a Value whose array is an argument's (Value(x) of an array x shares its memory)"
    return None


def _has_views(versions):
    from .inplace_graph import _live_views

    return bool(_live_views(versions))


def _views_of(recorder, root):
    """([(view, copy)], None) for the views of `root` in use, oldest first, each with a node holding its contents
    before a change (the change rebinds them: `rebind`), and the entry that made each; (None, why) when one was not
    made by a recorded view operation of this call on root or another of them."""
    from .inplace_graph import _copy_node, _live_views

    versions = root._version
    views = _live_views(versions) if versions is not None else ()
    if not views:
        return [], None
    made = {id(e[4]): e for e in recorder.entries if e[0] == "op" and e[1].views}  # the latest entry making each
    found = []
    for view in views:
        entry = made.get(id(view))
        if (view.__class__ is not Value or entry is None or view._p0 is None or not entry[2]
                or entry[2][0] is not view._p0 or view._p0._version is not versions):
            return None, "a Value with a view made before the call or out of the recording's sight"
        found.append((view, _copy_node(view, _snapshot(view.data), view._index, view._parents), entry))
    return found, None


def _element(recorder, target, root, views):
    """(target, copy, entry) when `target` is one element read out of root (or of a view of it in use) by a recorded
    getitem (`h[0, 1]`, a NumPy scalar: PyTorch's 0-d view): changed in place (`h[0, 1].add_(1.5)`), the change is
    root's, and target is then made again from root's new contents by its getitem, as inplace_graph's
    `_rebase_element` keeps its operation on root; else None."""
    from .inplace_graph import _copy_node
    from .version_counter import element_of

    found = element_of(target)
    base = target._p0
    if found is None or base is None or found[0] is not base or not (
            base is root or any(view is base for view, _, _ in views)):
        return None
    entry = next((e for e in reversed(recorder.entries) if e[0] == "op" and e[4] is target), None)
    if entry is None or entry[1].name != "getitem" or not entry[2] or entry[2][0] is not base:
        return None
    return target, _copy_node(target, _snapshot(target.data), target._index, target._parents), entry


def detached(recorder, value, node):
    """Value.detach while a call is recorded: `node` shares value's memory and version counter. Outside effects the
    recording notes it (`("detach", value, node)`: the plan gives node value's expression), so that an in-place change
    of value can rebind node to its new contents too."""
    versions = node._version
    if versions is None:
        return
    seen = not recorder.paused
    if seen:
        recorder.entries.append(("detach", value, node))
    recorder.detached.setdefault(id(versions), (versions, []))[1].append((weakref.ref(node), seen,
                                                                          weakref.ref(value)))


def _detaches(recorder, target):
    """[(d, copy, source)] for each detach() alive of target or of its views (source: the one it was taken from),
    with a node holding its contents before a change."""
    from .inplace_graph import _copy_node

    versions = target._version
    if versions is None or id(versions) not in recorder.detached:
        return []
    found = [(ref(), source()) for ref, _, source in recorder.detached[id(versions)][1]]
    return [(d, _copy_node(d, _snapshot(d.data), d._index, ()), source) for d, source in found
            if d is not None and source is not None and d._version is versions and d is not target]


def _snapshot(data):
    # in data's layout (order "K"): the plan allocates the buffer of the operation that made it like this copy
    return data.copy(order="K") if isinstance(data, np.ndarray) else data


def rebind(recorder, target, old, new, detaches=(), views=()):
    """`target` changed in place: in the entries recorded so far, `old` stands for it (its former contents), and the
    entry that made `new` (its new contents) makes `target` instead; new may be old (nothing changed). views:
    [(view, copy, entry)] for target's views in use (`_views_of`), and detaches: [(d, copy, source)] for the detach()es
    of target or of its views (`_detaches`), which share its memory: each copy stands for its Value so far, and the
    Value is from now on made again from target's new contents (by its entry's view operation, or a detach())."""
    copies = {id(d): copy for d, copy, _ in detaches}
    copies.update((id(view), copy) for view, copy, _ in views)
    copies[id(target)] = old

    def sub(v):
        v = copies.get(id(v), v)
        return target if v is new else v

    def values(items):
        return tuple(sub(a) if isinstance(a, Value) else a for a in items)

    entries = recorder.entries
    if not any(e[0] == "op" and e[4] is target for e in entries):
        # Made from data, not by an operation (tensor(xb) of an argument's array, jit_arrays): its former contents
        # are that array's, live at replay if the array is (the plan reads `old` as it).
        entries.append(("contents", old, target.data))
    for k in range(_made_at(entries, target), len(entries)):  # (nothing before target's making names it)
        entry = entries[k]
        kind = entry[0]
        if kind == "op":
            _, op, args, params, node = entry
            if params and any(isinstance(p, Value) for p in params.values()):
                params = {key: sub(p) if isinstance(p, Value) else p for key, p in params.items()}
            entries[k] = ("op", op, values(args), params, sub(node))
        elif kind == "read":
            entries[k] = ("read", sub(entry[1]), entry[2], entry[3])
        elif kind == "detach":
            entries[k] = ("detach", sub(entry[1]), sub(entry[2]))
        elif kind == "backward":
            entries[k] = ("backward", list(values(entry[1])), entry[2])
        elif kind == "setting" and isinstance(entry[3], Value):
            entries[k] = (*entry[:3], sub(entry[3]))
        elif kind == "effect":  # a list: [effect, method, obj, idempotent, args, kwargs, returned]
            entry[4] = values(entry[4])
            entry[5] = {key: sub(a) if isinstance(a, Value) else a for key, a in entry[5].items()}
            if isinstance(entry[6], Value):
                entry[6] = sub(entry[6])
    entries.extend(("op", op, args, params, view) for view, _, (_, op, args, params, _) in views)
    entries.extend(("detach", source, d) for d, _, source in detaches)
    writes_into = recorder.writes_into  # keyed by node: whether forward_into gave the node's data bit for bit
    moved = {id(old): writes_into.pop(id(target), None), id(target): writes_into.pop(id(new), None)}
    if new is old:
        moved = {id(target): moved[id(old)]}
    writes_into.update((key, flag) for key, flag in moved.items() if flag is not None)


def _made_at(entries, value):
    """The position of the entry that made `value` (the latest: 0 if none did, a constant of the call), searched from
    the end: a Value changed in place was most often made just before."""
    for k in range(len(entries) - 1, -1, -1):
        entry = entries[k]
        if entry[0] == "op" and entry[4] is value:
            return k
    return 0


def in_graph(target, root, positions, name):
    """inplace_graph._record_in_place's hook, while tracers watch this thread: for a compile recording in this
    thread, the function to call with (old, result) once the change is made (None if there is none, or if the change
    cannot be replayed: then the function runs eagerly, with a warning)."""
    from .jit import _recording_here, not_replayable

    recorder = _recording_here()
    if recorder is None:
        return None
    why = problem(recorder, root, views=True)
    views = None
    if why is None:
        views, why = _views_of(recorder, root)
    if why is None and root is not target and not any(view is target for view, _, _ in views):
        element = _element(recorder, target, root, views)
        if element is None:
            why = "a change through a view the recording did not see made"
        else:
            views.append(element)
    if why is not None:
        not_replayable(f"an in-place change (Value.{name}) of a Value in a graph being recorded, inside the function, "
                       f"cannot be replayed: {why}; write it out of place (x = x.{name.rstrip('_')}(...)) to compile "
                       "it")
        return None
    detaches = _detaches(recorder, root)

    def record(old, result):
        if not _same_layout(result.data, root.data):
            not_replayable(f"an in-place change (Value.{name}) inside the function cannot be replayed: {_LAYOUT}")
        else:
            rebind(recorder, root, old, result, detaches, views)
    return record


def watched_write(original, refuse):
    """inplace._write while a call is recorded: an in-place change that no graph records (grad mode off, or a Value
    that needs no gradient, and operands that need none), made as eager mode makes it, and recorded by computing the
    new contents out of place (`result_of(old)`, or a constant when result_of is None: zero_, fill_ with a number)
    and rebinding (`rebind`). The out-of-place contents must be the ones written, bit for bit; when they are not, or
    the change cannot be replayed, refuse(what, why) makes the function run eagerly."""

    def write(self, name, compute, result_of=None, index=None):
        from .jit import _recording_here

        recorder = _recording_here()
        what = f"Value.{name}" if name[-1] == "_" else name
        why = None if recorder is None else problem(recorder, self)
        if why is None and recorder is not None and self._requires_grad:
            why = "a Value that requires grad, changed out of the graph's sight (inside no_grad())"
        if why is not None and (_storable(recorder, self) or _shares_a_result(recorder, self)):
            written = (_DATA.__get__(self),)  # (the data read in the call: jit_data)
            jit_data.before(recorder, written)
            try:
                return _stored(recorder, self, name, original, compute, result_of, index, lambda w: refuse(what, w))
            finally:
                jit_data.after(recorder, written)
        if recorder is None or why is not None:
            if recorder is not None:
                refuse(what, why)
            return original(self, name, compute, result_of, index)
        from .inplace_graph import _copy_node

        old = _copy_node(self, _snapshot(self.data), self._index, self._parents)
        detaches = _detaches(recorder, self)
        started = len(recorder.entries)
        saved = TRACERS.get()
        TRACERS.set(())  # compute's own work (on arrays, or on Values it makes) is not the replay's
        try:
            original(self, name, compute, result_of, index)
        finally:
            TRACERS.set(saved)
        if result_of is None:  # the new contents depend on no Value: a constant of the program
            new = Value(np.array(self.data, copy=True)[()], requires_grad=False, dtype=self.data.dtype)
        else:
            new = _conformed(result_of(old), self)
            if new is not old and not any(e[0] == "op" and e[4] is new for e in recorder.entries[started:]):
                from .ops.shape import clone

                new = clone(new)  # a Value made before the change (`x.copy_(y)`): a node of its own for x
        if not _same_bits(new.data, self.data):
            refuse(what, "a kind whose result computed out of place differs from the one written in place")
        elif not _same_layout(new.data, self.data):
            refuse(what, _LAYOUT)
        else:
            rebind(recorder, self, old, new, detaches)
        return self

    return write


def _storable(recorder, target):
    """Whether a change of `target`, a Value made before the call (a parameter, a buffer Value: `model.weight.clamp_`
    inside no_grad()), can be replayed as a store into its data (`_stored`): a plain Value or a parameter, not an
    argument (the program would name the recorded one), sharing its memory with nothing the recording could miss."""
    if target._index >= recorder.start or any(target is a for a in recorder.flat_args):
        return False
    from .element import ElementView

    if not (target.__class__ is Value or target.is_parameter) or isinstance(target, ElementView):
        return False  # (an ElementView keeps its numbers in another Value's array)
    versions = target._version
    if target._op is not None or (versions is not None and (
            versions.root() is not target or versions.viewed or versions.aliases or versions.sources
            or _has_views(versions))):
        return False
    data = target.data
    return id(data) not in recorder.aliased and not (data.__class__ is np.ndarray and any(
        np.may_share_memory(data, a.data if isinstance(a, Value) else a) for a in recorder.flat_args))


def _shares_a_result(recorder, target):
    """Whether `target`, made in the call, is `Value(h)` of a Value h the call computed (one array for both), or
    requires grad and is changed inside no_grad() (`h.clamp_(-1, 1)`: eager mode keeps h's node, its numbers change):
    with no other view of it, its change is replayed as a store into the array the program computed for h (the plan
    checks that it is an operation's result, not a constant or an argument), h's node and every read after the change
    as in eager mode."""
    if target.__class__ is not Value or target._index < recorder.start:
        return False
    data, versions = target.data, target._version
    shared = id(data) in recorder.aliased and not target._requires_grad and target._op is None
    if data.__class__ is not np.ndarray or not (shared or target._requires_grad) or (versions is not None and (
            versions.root() is not target or versions.viewed or versions.aliases or versions.sources
            or _has_views(versions))):
        return False
    return not any(np.may_share_memory(data, a.data if isinstance(a, Value) else a) for a in recorder.flat_args)


def _stored(recorder, target, name, original, compute, result_of, index, refuse):
    """Make the change of `target` (`_storable`) as eager mode makes it, and record it: its new contents computed out
    of place from its former ones (`old`, which the plan reads as target's data at that point), then ("store", target,
    new), which a replay makes by writing new into target's array (`store`)."""
    from .inplace_graph import _copy_node

    old = _copy_node(target, _snapshot(target.data), target._index, target._parents)
    saved, paused = TRACERS.get(), recorder.paused
    TRACERS.set(())
    recorder.paused = True  # (a 0-d Value's new number is assigned to its .data: the change's own, not the user's)
    try:
        original(target, name, compute, result_of, index)
    finally:
        TRACERS.set(saved)
        recorder.paused = paused
    recorder.entries.append(("former", old, target))
    if result_of is None:
        new = Value(np.array(target.data, copy=True)[()], requires_grad=False, dtype=target.data.dtype)
    else:
        new = _conformed(result_of(old), target)
    if not _same_bits(new.data, target.data):
        refuse("a kind whose result computed out of place differs from the one written in place")
    else:
        recorder.entries.append(("store", target, new))
    return target


def store(target, new):
    """A replay's change of `target` in place (`_stored`): new's numbers written into its array (a 0-d Value's number
    replaced), and its version counted, as eager mode's in-place write does."""
    from .version_counter import mark_changed

    data = target.data
    if isinstance(data, np.ndarray) and data.flags.writeable:
        np.copyto(data, new)
    else:
        target.data = new
    mark_changed(target)


def _conformed(result, target):
    """result_of's Value in target's shape and dtype, by recorded operations (as the in-place write converts)."""
    if not isinstance(result, Value):
        result = Value(np.asarray(result), requires_grad=False)
    if result.shape != target.shape:
        from .ops.shape import broadcast_to

        result = broadcast_to(result, shape=target.shape)
    if result.dtype != target.dtype:
        result = result.astype(target.dtype)
    return result


# A replay computes a changed Value's new contents out of place, in the layout its operation gives (`h[:, 0] = 0` on a
# Fortran-ordered h: a C-ordered where()); eager mode writes them into h's own array. A reduction or a matrix product
# that reads them sums in memory order, so another layout gives other bits: such a change runs eagerly.
_LAYOUT = ("its result computed out of place is laid out in memory otherwise than the changed array (a Fortran-ordered "
           "result of x[:, index] or x.T * w), so later sums would add in another order; make it contiguous first")


def _same_layout(a, b):
    """Whether arrays a and b lay out their elements alike: the same strides along every axis longer than one."""
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        return True
    return a.shape == b.shape and all(s == t for s, t, n in zip(a.strides, b.strides, a.shape) if n > 1)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


_DATA = Value.__dict__["data"]  # Value's data slot itself (jit.py watches reads through a property over it)
