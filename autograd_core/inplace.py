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
an input only through a helper outside the library counts as reading it; a change through overlapping windows of unfold
(step < size) raises as one through an expand() does, where PyTorch lets it through with numbers that depend on the
order it visits the elements (fill_ and zero_, which write one number, go through both, as PyTorch's). As PyTorch's,
the outputs of split, chunk and unbind refuse a recorded change (multiple_views.py).

This module holds the rules and the write (`_write`, which a compile recording replaces here while it watches, and
every function that calls it: the operators, add_/mul_/..., copy_, fill_, clamp_, x[index] = value). Beside it:
version_counter.py (the counters, and the views and elements that share them), inplace_functions.py (the in-place
forms of functions: relu_, scatter_, floor_, ...; x[index] = value out of place) and inplace_fills.py (normal_,
uniform_, ..., apply_, map_), whose methods are copied onto InplaceMethods.
"""

from __future__ import annotations

import operator

import numpy as np

from . import value as _value
from .errors import ArgumentError, ShapeError, write_refusal
from .float_errors import quiet
from .modes import GRAD_ENABLED, TRACERS
from .python_numbers import wrapped
from .scalar_aliases import synchronise
from .version_counter import (  # noqa: F401  (mark_changed: users call autograd_core.inplace.mark_changed(x))
    Versions, _count_change, _is_view, element_cell, element_of, mark_changed, overlap_error, overlapping,
)


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
                other = wrapped(other, data.dtype)  # -1 into uint8 is 255, as PyTorch's cast
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


def _copy(self, src, name):
    """self's contents replaced by src (a Value, array or number broadcastable to self's shape), in self's dtype."""
    source = src
    src = wrapped(_data(src), self.dtype)  # fill_(-1) of uint8 is 255, as PyTorch's

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

        index = _plain_index(index, stacklevel=2, x=self)
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


# The in-place forms of functions and the fills, written apart and copied onto InplaceMethods when imported; __setitem__
# and div_ above call functions of the first.
from .inplace_functions import _assigned, _rewritten, _without_leading_ones  # noqa: E402
from . import inplace_fills  # noqa: E402, F401  (attached)

# The recording of in-place changes in a graph (inplace_graph.py) and the version check (version_check.py), imported
# last: they use the names above. The engine imports check_saved_versions from here.
from .inplace_graph import _live_views, _record_in_place  # noqa: E402, F401
from .version_check import check_saved_versions  # noqa: E402, F401
