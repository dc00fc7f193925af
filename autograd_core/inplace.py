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
* The operators (`+= -= *= /=`) on a Value inside a graph record the operation out of place (`y += x` makes a new
  node `y + x` that Python binds to the name y) unless y is a view or has views in use, where they change y in place
  like the methods. The gradient is PyTorch's; the difference is identity: other names for the old y keep its value.
* Anywhere else (inside `no_grad()`, or on Values that need no gradient) the Value's own array changes.
  Inside a jvp (forward mode), the Value's tangent changes with it, as in PyTorch's forward mode: `y += x` gives y
  the tangent of y + x (each change also says what it computes out of place, for that). Inside a compile recording, a
  recorded change makes the function run eagerly (a CompileWarning says why), except nn's in-place activations on a
  Value without views, which are compiled out of place.

Version counters: every in-place change through these methods stamps the Value with the engine's creation
counter (the number every new node takes). A node recorded before that stamp read the old array; when a
backward pass reaches it, `check_saved_versions` raises PyTorch's "modified by an in-place operation" if one of
its rules reads the changed numbers (an input or its output: what PyTorch's node would have saved, found in the
rules' code), and otherwise lets it through, pointing it at what it read. A Value and its `detach()`es share one
counter, and so do a Value and its views (x[1:], reshape, transpose, expand: results whose array is a view of x's),
as in PyTorch. One element read out of a 1-D Value (`x[0]`) is a NumPy scalar, a copy: its in-place methods raise
rather than leave x unchanged where PyTorch would change it. Raw NumPy writes (`p.data -= ...`) bypass these methods
and cannot be seen; code that makes them can call `mark_changed(value)` (the optimizers' `step` does).

More lenient than PyTorch (the gradient is the one of the same code written out of place, never another number):
a change of a Value whose old contents a recorded rule needs (`F.elu_(y)` then `y.tanh_()`; `y.mul_(y)`; `x[0] =
x[0] * x[1]`) is recorded with those contents kept, where PyTorch raises at backward; the outputs of split, chunk
and unbind may change in place. Stricter: a rule that reads an input only through a helper (sum's, relu's) counts as
reading it.
"""

from __future__ import annotations

import collections
import math
import operator
import weakref

import numpy as np

from . import value as _value
from .modes import GRAD_ENABLED, INPLACE, TRACERS

_KEEP_STAMPS = 16  # the latest change stamps each Value remembers, to name the version a graph expected


class Versions:
    """How often a Value's array changed in place, and when (the creation counter at the latest changes); shared by a
    Value, its detach()es and its views. The views of a node of a graph are also listed (`views`), so that a change
    recorded through the Value or one of them reaches the others (`_record_in_place`)."""

    __slots__ = ("count", "last", "stamps", "root", "views", "limit", "graph", "viewed")

    def __init__(self):
        self.count = 0
        self.last = -1
        self.stamps = collections.deque(maxlen=_KEEP_STAMPS)
        self.root = None  # a weak reference to the Value that views taken without recording view, once found
        self.views = None  # [weak reference]: the views of root and of its views
        self.limit = 256  # when the list is longer, the views that are gone are forgotten
        self.graph = False  # whether root, or a view, required grad when a view was taken or a change recorded
        self.viewed = False  # whether a view was taken of a Value that needed no gradient (such views are not listed)

    def at(self, index):
        """The version the array had when the node with creation number `index` was recorded."""
        later = sum(1 for s in self.stamps if s > index)
        return self.count - later


def check_saved_versions(node, walking=False):
    """Raise if an input or the output of `node` that its rules read changed in place after `node` was recorded.

    The engine calls this for each node it differentiates that is older than the latest in-place change (before it
    reads the node's inputs). Inputs changed in place that the rules do not read are no error (as in PyTorch, which
    saves only what the rules read): where the change was recorded, the node is re-pointed at the copy of the input
    as it was (`_frozen_as_of`), so its gradient goes where it went before the change. That copy must be among the
    nodes the backward pass visits: a pass that finds its nodes first (walking them from the roots, then sorting)
    calls this during that walk with walking=True; called later, the node is re-pointed only at a copy the walk
    found (the one of a Value changed in place is in the graph that Value became), and otherwise raises as PyTorch
    raises for a saved input.
    """
    index = node._index
    versions = node._version
    if versions is not None and versions.last > index:
        return _resolve_changed(node, walking)
    for parent in node._parents:
        versions = parent._version
        if versions is not None and versions.last > index:
            return _resolve_changed(node, walking)


def _visited_by_the_pass(node):
    """Whether the running backward pass will visit `node`: its walk found it (and marked its `_pending` slot)."""
    return node._pending is not None


def _resolve_changed(node, walking):
    index = node._index
    parents = node._parents
    reads = _read_by_rules(node, parents)
    versions = node._version
    if versions is not None and versions.last > index and -1 in reads:
        _raise_modified(node, node, "its output")
    inputs = list(parents)
    for position, parent in enumerate(parents):
        versions = parent._version
        if versions is None or versions.last <= index:
            continue
        if position in reads:
            _raise_modified(node, parent, f"input {position}")
        frozen = _frozen_as_of(parent, index)
        if frozen is not None:
            if frozen._requires_grad and not (walking or _visited_by_the_pass(frozen)):
                _raise_modified(node, parent, f"input {position}")
            inputs[position] = frozen
    if any(a is not b for a, b in zip(inputs, parents)):
        node._parents = tuple(inputs)


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


class _Everything:
    def __contains__(self, item):
        return True


_EVERYTHING = _Everything()
_METADATA = frozenset({"shape", "ndim", "dtype", "size", "__class__"})
_RULE_READS = {}  # (rule, number of inputs) -> the positions it reads (-1: the output) or _EVERYTHING


def _read_by_rules(node, parents):
    """The positions (-1 for the output, 0, 1, ... for the inputs) whose numbers the rules of `node` that will run
    (those of inputs that require grad) read: what PyTorch's node would have saved."""
    vjps = node._op.vjps
    if vjps.__class__ is not tuple:
        return _EVERYTHING
    reads = set()
    for i, parent in enumerate(parents):
        if not parent._requires_grad or i >= len(vjps) or vjps[i] is None:
            continue
        key = (vjps[i], len(parents))
        found = _RULE_READS.get(key)
        if found is None:
            found = _RULE_READS[key] = _rule_reads(vjps[i], len(parents))
        if found is _EVERYTHING:
            return found
        reads |= found
    return reads


def _rule_reads(rule, n_inputs):
    """Which of (out, x0, x1, ...) the rule `rule(g, out, *xs, **params)` reads, from its bytecode: the parameters it
    loads, except to read only .shape, .ndim, .dtype or .size. Anything but a plain function reads everything."""
    code = getattr(rule, "__code__", None)
    if code is None or hasattr(rule, "__self__"):
        return _EVERYTHING
    names = code.co_varnames[:code.co_argcount]
    if len(names) < 2:
        return _EVERYTHING
    position = {names[1]: -1}
    for k in range(n_inputs):
        if 2 + k < len(names):
            position[names[2 + k]] = k
        elif not code.co_flags & _CO_VARARGS or _loads(rule, code.co_varnames[code.co_argcount +
                                                                               code.co_kwonlyargcount]):
            return _EVERYTHING  # inputs gathered by *xs, which the rule reads
        else:
            break
    return frozenset(p for name, p in position.items() if _loads(rule, name))


_CO_VARARGS = 0x04
_NOT_A_VARIABLE = frozenset({"LOAD_ATTR", "LOAD_GLOBAL", "LOAD_CONST", "LOAD_METHOD", "LOAD_NAME",
                             "LOAD_ASSERTION_ERROR", "LOAD_BUILD_CLASS", "LOAD_SUPER_ATTR"})


def _loads(function, name, depth=0):
    """Whether `function` loads its variable `name` other than to read only its .shape, .ndim, .dtype, .size or
    .__class__, or to pass it to a module-level function of the library (`_spread(g, x, axis, keepdims)`) that reads
    no more of it (looked into two calls deep)."""
    import dis

    code = function.__code__
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if not ins.opname.startswith("LOAD_") or ins.opname in _NOT_A_VARIABLE:
            continue
        loaded = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
        if name not in loaded:
            continue
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        if len(loaded) == 1 and following is not None and following.opname == "LOAD_ATTR" and \
                following.argval in _METADATA:
            continue  # x.shape: no numbers read
        if len(loaded) == 1 and depth < 2 and _passed_on_unread(function, instructions, i, depth):
            continue
        return True
    return False


def _passed_on_unread(function, instructions, i, depth):
    """Whether the load at instructions[i] is an argument of a call `helper(a, b, ...)` (every argument one load)
    of a plain function of the library whose parameter in that position it does not read (`_loads`)."""
    def simple(k):
        return 0 <= k < len(instructions) and instructions[k].opname in ("LOAD_FAST", "LOAD_CONST", "LOAD_DEREF")

    first, end = i, i + 1
    while simple(first - 1):
        first -= 1
    while simple(end):
        end += 1
    if first == 0 or end >= len(instructions):
        return False
    callee, call = instructions[first - 1], instructions[end]
    if callee.opname != "LOAD_GLOBAL" or call.opname not in ("PRECALL", "CALL") or call.arg != end - first:
        return False
    helper = getattr(function, "__globals__", {}).get(callee.argval)
    code = getattr(helper, "__code__", None)
    if code is None or hasattr(helper, "__self__") or not getattr(helper, "__module__", "").startswith(
            "autograd_core") or code.co_flags & (_CO_VARARGS | 0x08):
        return False
    position = i - first
    return position < code.co_argcount and not _loads(helper, code.co_varnames[position], depth + 1)


def share_versions(view, base):
    """Give `view` the version counter of `base` if its array is a view of base's (the engine calls this after the
    primitives that may return one: reshape, transpose, basic indexing, broadcast_to), as PyTorch's views share
    their base's. A change made in place through either then counts for both: `x[1:].add_(1)` under no_grad makes
    a backward pass through a node that saved x raise, instead of using the changed numbers.

    A view of a node of a graph is also listed, so that an in-place change recorded through it, through its base or
    through another view reaches it (`_record_in_place`). The views of a Value that needs no gradient are not
    listed (they cost nothing more than before): the rare change that makes their base need one finds them by
    memory (`_unlisted_views`). Views of a leaf that requires grad are not listed: in-place changes through them are
    refused."""
    if viewed_array(view, base) is None:
        return
    versions = base._version
    if versions is None:
        versions = base._version = Versions()
    view._version = versions
    if not base._requires_grad:
        versions.viewed = True
        return
    if base._p0 is None:
        return
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
    (reshape, transpose, x[1:], ...) recorded on a Value sharing them, or made without recording."""
    op = value._op
    if op is None or not op.views:
        return False
    parent = value._p0
    return parent is None or parent._version is versions


def viewed_array(view, base):
    """The array that owns the memory of view's data, if that data is a view of base's (of base's array, or of the
    array base's is itself a view of); else None."""
    data, source = view.data, base.data
    owner = data.base if data.__class__ is np.ndarray else None
    if owner is not None and (owner is source or owner is getattr(source, "base", None)):
        return owner
    return None


def _raise_modified(node, v, role):
    versions = v._version
    raise RuntimeError(
        f"backward: one of the variables needed for gradient computation has been modified by an in-place "
        f"operation: {role} of '{node._op.title}' (a Value of shape {v.shape}{_label(v)}) is at version "
        f"{versions.count}; expected version {versions.at(node._index)} instead. Change it out of place "
        "(x = x + y) or after backward()."
    )


def mark_changed(*values):
    """Tell each Value's version counter that its array changed outside the in-place methods (a raw NumPy
    write such as `p.data -= lr * g`, as the optimizers do): graphs recorded before then refuse to
    backpropagate. Values passed together change at one moment (one stamp: an optimizer's whole step)."""
    if values:
        _stamp(values, _value._next_index())


def _stamp(values, stamp):
    """Count one change of each Value's array, made at creation number `stamp`."""
    for value in values:
        versions = value._version
        if versions is None:
            versions = value._version = Versions()
        versions.count += 1
        versions.last = stamp
        versions.stamps.append(stamp)
    INPLACE.latest = stamp


def _label(v):
    return f", label {v.label!r}" if v.label else ""


# ----------------------------------------------------------------------------------------------------


def _data(x):
    return x.data if isinstance(x, _value.Value) else x


def _requires_grad(x):
    return isinstance(x, _value.Value) and x.requires_grad


def _refuse_leaf(self, name):
    """PyTorch's error for an in-place change of a leaf that requires grad, grad mode on."""
    raise RuntimeError(
        f"{name}: a leaf Value that requires grad is being used in an in-place operation; do the update "
        "inside `with autograd_core.no_grad():` (as PyTorch requires)"
    )


def _recorded(self, operands):
    """Whether an in-place change of self must be recorded: grad mode is on, and self or an operand requires grad, or
    self is a view of a Value that does (then `_base_of` says why that is refused)."""
    if not GRAD_ENABLED.get():
        return False
    if self._requires_grad or any(_requires_grad(o) for o in operands):
        return True
    versions = self._version
    if versions is None or not versions.graph or self._p0 is not None:
        return False
    return _made_in_no_grad(self, versions)


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


def _write(self, name, compute, result_of=None):
    """Replace self's array contents by compute(data, out) and bump the version.

    compute(data, out) returns the new contents; with `out` (self's own writeable array) it writes there.
    result_of(self): the new contents computed out of place by operations on Values (`self + other` for add_), or
    None when they depend on no Value (zero_, fill_ with a number). A jvp running in this thread follows the change
    through it: self's tangent becomes the result's (forward.py's `follow_in_place`).
    """
    data = self.data
    made_by = None if self._op is None else self._op.name
    if name[-1] == "_" and made_by in ("getitem", "broadcast_to") and not (
            isinstance(data, np.ndarray) and data.flags.writeable):
        # PyTorch's x[i] and x.expand(...) are views of x; here one element is a NumPy scalar (a copy), and a
        # broadcast array is read-only: rebinding it, as for other such Values, would silently leave x unchanged.
        raise RuntimeError(
            f"{name}: this Value is " + ("one element read out of another Value (x[i]), which NumPy copies, so "
                                         "changing it in place would not change x; write x[i] = ... instead"
                                         if made_by == "getitem" else
                                         "a broadcast (expand) of another Value, whose elements share memory; "
                                         "change the Value it was expanded from, or clone() it first"))
    follow = None
    try:
        if TRACERS.get():  # a jvp or a compile recording watches this thread
            from .forward import follow_in_place

            follow = follow_in_place(self, result_of)  # from self's contents before the change; applied after it
        if isinstance(data, np.ndarray) and data.flags.writeable:
            compute(data, data)
        else:  # a NumPy scalar (0-d Values) or a read-only array: rebind to a new array of the same dtype/shape
            result = np.asarray(compute(data, None))
            if result.shape != np.shape(data):
                raise ValueError(f"output with shape {np.shape(data)} doesn't match the broadcast shape {result.shape}")
            if not np.can_cast(result.dtype, data.dtype, "same_kind"):
                raise TypeError(f"result type {result.dtype} can't be cast to the desired output type {data.dtype}")
            result = result.astype(data.dtype)
            self.data = result[()] if result.ndim == 0 else result
    except (ValueError, TypeError) as err:  # broadcasting, casting (NumPy's UFuncTypeError is a TypeError)
        raise RuntimeError(f"{name}: {err} (Value of shape {self.shape}, dtype {data.dtype})") from None
    mark_changed(self)
    if follow is not None:
        follow()
    return self


def _ufunc_update(ufunc):
    def compute_with(operand):
        def compute(data, out):
            if out is None:
                return ufunc(data, operand)
            return ufunc(data, operand, out=out, casting="same_kind")
        return compute
    return compute_with


_UPDATES = {name: _ufunc_update(ufunc) for name, ufunc in
            [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.true_divide)]}
_OUT_OF_PLACE = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


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
            raise RuntimeError(f"{symbol}: output with shape {self.shape} doesn't match the broadcast shape "
                               f"{result.shape}")
        return result
    return _change(self, symbol, _UPDATES[kind](_data(other)), lambda v: _OUT_OF_PLACE[kind](v, other), other)


def _has_views_or_base(self):
    """Whether self is a view of another Value in the graph, or has views in use."""
    versions = self._version
    if versions is None:
        return False
    return _is_view(self, versions) or versions.viewed or bool(_live_views(versions))


def _method(self, other, kind, name, alpha=1):
    """self.<kind>_(alpha · other) (alpha for add_ and sub_)."""
    operand = _data(other) if alpha == 1 else _data(other) * alpha
    return _change(self, name, _UPDATES[kind](operand),
                   lambda v: _OUT_OF_PLACE[kind](v, other if alpha == 1 else other * alpha), other)


def _copy(self, src, name):
    """self's contents replaced by src (a Value, array or number broadcastable to self's shape), in self's dtype."""
    source = src
    src = _data(src)

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
        raise RuntimeError(f"output with shape {old.shape} doesn't match the broadcast shape "
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
    np.copyto(out, result, casting="same_kind")


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
        np.copyto(value, _data(result_of(value)), casting="same_kind")
        return value
    if _recorded(value, operands):
        if value._requires_grad and value._p0 is None:
            _refuse_leaf(value, name)
        if TRACERS.get() and _compile_recording() and not _has_views_or_base(value):
            # nn.ReLU(inplace=True) in a compiled step: computed out of place, which a replay can repeat (`x =
            # self.relu(x)` gets the same numbers; only `out is x` does not hold while compiling). Not for a view, or
            # a Value with views: they must see the change.
            return result_of(value)
        return _record_in_place(value, name, result_of)
    if TRACERS.get():  # a jvp sees result_of run once on value, and value's tangent follows (dropout draws once)
        result = result_of(value)
        return _copy(value, result, name) if isinstance(result, _value.Value) else _write(
            value, name, _computed_by(lambda v: result), None)
    return _write(value, name, _computed_by(result_of), result_of)


def _compile_recording():
    """Whether an autograd_core.compile recording is watching this thread (outside its effects)."""
    from .jit import _recording_here

    return _recording_here() is not None


def _computed_by(result_of):
    """The `compute(data, out)` of `_write` for an out-of-place function on Values, run without recording."""

    def compute(data, out):
        token = GRAD_ENABLED.set(False)
        try:
            result = _data(result_of(_value.Value(data, requires_grad=False)))
        finally:
            GRAD_ENABLED.reset(token)
        if out is None:
            return result
        np.copyto(out, result, casting="same_kind")

    return compute


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
    follow = None
    if TRACERS.get():  # a compile recording or a jvp watches this thread
        from .forward import follow_in_place
        from .jit import not_replayable

        not_replayable(f"an in-place change (Value.{name}) of a Value in a graph being recorded, inside the "
                       "function: a replay runs operations on the Values they made; write it out of place "
                       f"(x = x.{name.rstrip('_')}(...)) to compile it")
        follow = follow_in_place(target, result_of)
    versions = root._shared_versions()
    data = root.data
    writable = data.__class__ is np.ndarray and data.flags.writeable
    if not writable and _live_views(versions):
        raise RuntimeError(f"{name}: the array of the Value these views share is read-only; clone() it first")
    since, required_grad = root._index, root._requires_grad
    old = _copy_node(root, data.copy() if writable else data, since, root._parents)
    stamp = _value._next_index()  # the nodes recorded until now saw the old contents
    if positions is None:
        result = _conformed(_computed(result_of, old, target, name), target, name)
        if result is old:
            return target  # nothing changed (an identity)
        if result._index < stamp:
            from .ops.shape import clone

            result = clone(result)  # a node of its own (result_of gave back an existing Value)
    else:
        from .ops.shape import getitem, reshape

        part = getitem(reshape(old, shape=(-1,)), positions)  # target's old contents, from y's
        source = np.full(root.shape, -1, dtype=np.intp)
        source.reshape(-1)[positions.reshape(-1)] = np.arange(positions.size)
        result = placed(_conformed(_computed(result_of, part, target, name), target, name), source, old)
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
    for value, copy in replaced:
        _keep_replaced(value, stamp, copy)
    _stamp((root,), stamp)
    if follow is not None:
        follow()
    return target


def _base_of(target, name):
    """(y, positions) for a view `target` of y (positions: the flat index into y of each element of target), or
    (target, None) for a Value of its own; raises PyTorch's errors for views of leaves and views made in no_grad()."""
    versions = target._version
    if _viewed_leaf(target) is not None:
        raise RuntimeError(f"{name}: a view of a leaf Value that requires grad is being used in an in-place "
                           "operation (as PyTorch refuses); change the leaf inside no_grad(), or clone() the view")
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
    else:
        root = _unlisted_base(versions, target)
    positions = _positions(target.data, root.data, name)
    if positions is None:
        return target, None
    return root, positions


def _unlisted_base(versions, view):
    """The Value that `view`, a view taken while it needed no gradient, views (such views are not listed: see
    `share_versions`): found among the Values sharing `versions` by memory (a scan of the collector's objects, made
    only by the first change recorded through such a view), or, if it is gone, a new leaf standing for its array."""
    import gc

    known = None if versions.root is None else versions.root()
    if known is not None and _positions(view.data, known.data, "view") is not None:
        return known
    owner = view.data.base
    found = [v for v in gc.get_referrers(versions) if isinstance(v, _value.Value) and v._version is versions and
             v is not view and not _is_view(v, versions) and v.data.__class__ is np.ndarray and
             (v.data is owner or v.data.base is owner) and _positions(view.data, v.data, "view") is not None]
    if found:
        root = min(found, key=lambda v: (not v._requires_grad, v._index))  # the Value itself before its detach()es
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
        if viewed_array(node, parent) is None:
            return None
        if parent._requires_grad and parent._p0 is None:
            return parent
        node = parent
    return None


def _positions(view, base, name):
    """The flat index into `base` (an ndarray) of each element of `view` (an array viewing base's memory), or None
    if view's elements are not all base's."""
    if view.__class__ is not np.ndarray or base.__class__ is not np.ndarray or view.dtype != base.dtype:
        return None
    if any(stride == 0 and n > 1 for n, stride in zip(view.shape, view.strides)):
        raise RuntimeError(f"{name}: unsupported operation: more than one element of the written-to Value refers to "
                           "a single memory location (an expand()); clone() it before changing it in place")
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
        raise RuntimeError(f"{name}: output with shape {target.shape} doesn't match the broadcast shape ({err})") \
            from None


def _conformed(result, target, name):
    """The new contents for target as a Value of its shape and dtype (PyTorch's errors otherwise)."""
    if not isinstance(result, _value.Value):
        result = _value.Value(np.asarray(result), requires_grad=False)
    if result.shape != target.shape:
        raise RuntimeError(f"{name}: output with shape {target.shape} doesn't match the broadcast shape "
                           f"{result.shape}")
    if result.dtype != target.dtype:
        if not np.can_cast(result.dtype, target.dtype, "same_kind"):
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
        copy = copies[id(value)] = _copy_node(value, data.copy() if with_data and data.__class__ is np.ndarray
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
        positions = _positions(view.data, root.data, "view")
        if positions is None:
            continue
        gathered = getitem(reshape(root, shape=(-1,)), positions)
        replaced.append((view, _copy_node(view, view.data, view._index, ())))
        view._op, view._p0, view._p1, view._params = gathered._op, gathered._p0, gathered._p1, gathered._params
        view._scope, view._requires_grad, view._index = gathered._scope, True, gathered._index
        versions.views.append(weakref.ref(view))


class InplaceMethods:
    """The in-place methods and operators of `Value` (a mixin: Value is defined in value.py)."""

    __slots__ = ()

    def _shared_versions(self):
        """This Value's version counter, made on first use (shared with its detach()es)."""
        versions = self._version
        if versions is None:
            versions = self._version = Versions()
        return versions

    @property
    def _version_count(self):
        """How many times the array changed in place through this API (PyTorch's `x._version`)."""
        return 0 if self._version is None else self._version.count

    def __iadd__(self, other):
        return _operator(self, other, "add", "+=")

    def __isub__(self, other):
        return _operator(self, other, "sub", "-=")

    def __imul__(self, other):
        return _operator(self, other, "mul", "*=")

    def __itruediv__(self, other):
        return _operator(self, other, "div", "/=")

    def add_(self, other, alpha=1):
        """self += alpha * other, in place (inside no_grad() for a Value that requires grad); returns self."""
        return _method(self, other, "add", "add_", alpha)

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place; returns self."""
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
        if np.ndim(_data(value)) != 0:
            raise RuntimeError(f"fill_: expects a number or a 0-d Value, got shape {np.shape(_data(value))}")
        return _copy(self, value, "fill_")

    def zero_(self):
        """Set every element to 0; returns self."""
        return _copy(self, 0, "zero_")

    def clamp_(self, min=None, max=None):
        """Limit the elements to [min, max] in place (either bound may be None); returns self."""
        if min is None and max is None:
            raise ValueError("clamp_: give min, max or both")
        lo, hi = _data(min), _data(max)

        def compute(data, out):
            return np.clip(data, lo, hi) if out is None else np.clip(data, lo, hi, out=out)

        return _change(self, "clamp_", compute, lambda v: v.clip(lo, hi))

    clip_ = clamp_

    # Elementwise functions in place (PyTorch's `x.relu_()`, `x.exp_()`, ...), under the same rules.
    def relu_(self):
        """max(x, 0) in place; returns self."""
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
        """|x| in place; returns self."""
        return _elementwise(self, "abs_", lambda d, out: np.abs(d, out=out), lambda v: v.abs())

    def neg_(self):
        """-x in place; returns self."""
        return _elementwise(self, "neg_", lambda d, out: np.negative(d, out=out), lambda v: -v)

    def pow_(self, exponent):
        """x ** exponent in place; returns self."""
        return _change(self, "pow_", _ufunc_update(np.power)(_data(exponent)), lambda v: v ** exponent, exponent)

    def uniform_(self, from_=0.0, to=1.0, generator=None):
        """Fill with numbers drawn uniformly from [from_, to) (from the generator `manual_seed` seeds, or
        `generator`); returns self."""
        from .tensor import get_rng

        draw = get_rng(generator).uniform(from_, to, np.shape(self.data))
        return _copy(self, draw, "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with normal numbers of the given mean and standard deviation; returns self."""
        from .tensor import get_rng

        draw = get_rng(generator).normal(mean, std, np.shape(self.data))
        return _copy(self, draw, "normal_")

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 0 or 1, 1 with probability p (a number, or a Value broadcast to self's shape); returns self."""
        from .tensor import get_rng

        probs = np.broadcast_to(np.asarray(_data(p), dtype=np.float64), np.shape(self.data))
        if np.any((probs < 0) | (probs > 1)):
            raise RuntimeError("bernoulli_: expected all probabilities in [0, 1]")
        return _copy(self, get_rng(generator).random(probs.shape) < probs, "bernoulli_")

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with exponential numbers of rate lambd (mean 1 / lambd); returns self."""
        from .tensor import get_rng

        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return _copy(self, get_rng(generator).exponential(1.0 / lambd, np.shape(self.data)), "exponential_")

    def geometric_(self, p, *, generator=None):
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...); returns self."""
        from .tensor import get_rng

        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        return _copy(self, get_rng(generator).geometric(p, np.shape(self.data)), "geometric_")

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill with exp of normal numbers of the given mean and standard deviation; returns self."""
        from .tensor import get_rng

        if std <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        return _copy(self, get_rng(generator).lognormal(mean, std, np.shape(self.data)), "log_normal_")

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill with Cauchy numbers of the given median and scale; returns self."""
        from .tensor import get_rng

        draw = median + sigma * get_rng(generator).standard_cauchy(np.shape(self.data))
        return _copy(self, draw, "cauchy_")

    def random_(self, from_=0, to=None, *, generator=None):
        """Fill with integers in [from_, to) (random_(to) means [0, to)); without `to`, up to 2^mantissa bits
        for floats (every integer exactly representable) or the dtype's largest value, as PyTorch's random_."""
        from .tensor import get_rng

        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            dtype = np.dtype(self.dtype)
            to = 2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f" else (
                2 if dtype.kind == "b" else int(np.iinfo(dtype).max) + 1)
        if to <= from_:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        return _copy(self, get_rng(generator).integers(from_, to, np.shape(self.data)), "random_")

    # PyTorch's in-place forms of the indexing functions (`y.scatter_(1, labels, 1.0)` for one-hot rows, `x.tril_()`,
    # `h.index_add_(0, segment, messages)`, `x.masked_fill_(mask, 0)`): the out-of-place function, written back.
    def scatter_(self, dim, index, src=None, *, value=None):
        """scatter (ops/index.py) in place; returns self."""
        return _rewritten(self, "scatter_", lambda v: v.scatter(dim, index, src, value=value), src, value)

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

        index, assigned = _plain_index(index), value
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

        return _write(self, "x[...] = value", compute, lambda v: _assigned(v, index, assigned))


def _rewritten(self, name, result_of, *operands):
    """self's contents replaced, in place, by result_of(self): an out-of-place function on Values (scatter,
    index_add, masked_fill, ...), computed on self's data without recording, then written back under the in-place
    rules (`_change`); a jvp follows the change through result_of."""
    return _change(self, name, _computed_by(result_of), result_of, *operands)


def _assigned(x, index, value):
    """`x[index] = value` out of place, by operations on Values (for forward mode: see `_write`): each element of x
    that the assignment writes takes the element of `value` (broadcast to x[index]'s shape) that NumPy's assignment
    would leave there (the last one, where an index array repeats a position), through a gather; the others stay."""
    from .ops.shape import broadcast_to

    data = np.asarray(x.data)
    source = np.full(data.shape, -1)
    target_shape = data[index].shape
    source[index] = np.arange(math.prod(target_shape)).reshape(target_shape)  # which element of value lands where
    if not isinstance(value, _value.Value):
        value = _value.Value(np.asarray(value, dtype=data.dtype), requires_grad=False)
    if not math.prod(target_shape):
        return x  # nothing is written
    return placed(value if value.shape == target_shape else broadcast_to(value, shape=target_shape), source, x)


def placed(value, source, base):
    """base with each element whose `source` (an int array of base's shape) is k >= 0 replaced by value's flat element
    k, by operations on Values (a gather and a where): differentiable in both."""
    from .ops.elementwise import where
    from .ops.shape import getitem, reshape

    written = source >= 0
    return where(written, getitem(reshape(value, shape=(-1,)), np.where(written, source, 0)), base)


# PyTorch's other in-place methods (`x.floor_()`, `x.lerp_(end, 0.5)`, `x.fmod_(2)`, `x.addmm_(a, b)`): the
# out-of-place method of the same name, computed on x's data and written back (`_rewritten`), under the same rules.
# The result must keep x's shape and convert to x's dtype (`x.lt_(y)` writes 0 and 1; an integer x.sqrt_() raises).
_REWRITTEN = (
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "floor", "ceil",
    "trunc", "fix", "frac", "round", "sign", "reciprocal", "rsqrt", "square", "log1p", "expm1", "log2", "log10",
    "deg2rad", "rad2deg", "absolute", "negative", "nan_to_num", "erf", "erfinv", "lgamma", "digamma", "polygamma",
    "logical_not", "atan2", "arctan2", "lerp", "addcmul", "addcdiv", "fmod", "remainder", "clamp_min", "clamp_max",
    "hypot", "copysign", "heaviside", "floor_divide", "true_divide", "divide", "multiply", "subtract",
    "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "cumsum", "cumprod", "renorm", "addmm", "addmv", "addr", "addbmm", "baddbmm",
    "float_power",
)


def _rewritten_method(name):
    def method(self, *args, **kwargs):
        if name == "float_power" and self.dtype != np.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the operation's result "
                               "requires dtype float64")
        operands = [a for a in (*args, *kwargs.values()) if isinstance(a, _value.Value)]
        return _rewritten(self, name + "_", lambda v: getattr(v, name)(*args, **kwargs), *operands)

    method.__name__, method.__qualname__ = name + "_", f"InplaceMethods.{name}_"
    method.__doc__ = f"x.{name}(...) in place (the in-place rules of autograd_core.inplace); returns x."
    return method


for _name in _REWRITTEN:
    assert not hasattr(InplaceMethods, _name + "_"), _name
    setattr(InplaceMethods, _name + "_", _rewritten_method(_name))
