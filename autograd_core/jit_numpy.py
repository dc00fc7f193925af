"""NumPy on parameters' gradients and data inside a compile recording (jit.py): recorded, so that a hand-written update
replays.

    loss.backward()
    for p in model.parameters():
        p.data += -lr * p.grad            # micrograd's update; also p.data -= lr * p.grad, p.data = p.data - ...
        p.data.mul_(0.99)                 # a parameter's data changed by its in-place methods (add_, sub_, mul_, div_)
        p.data *= 0.99                    # ... and a Parameter's by NumPy's +=, -=, *=, /= (watched_augmented)

Such an update is NumPy run on arrays the engine hands out: out of sight of the recorder, which sees Value operations
only. While a call is recorded, the gradient of a Value made before the call (a parameter; read outside effects) is
handed out as a `TracedArray` (a GradArray, the class eager mode gives; a `TracedScalar` for a 0-d Value's, a NumPy
float as eager mode's): a view of the same numbers whose NumPy ufunc calls (`-lr * g`, `g ** 2`, `p.data += t`:
np.add with out=p.data) are computed as eager mode computes them, on the eager arrays, and recorded as
("numpy", ufunc, sources, out, result, keywords). Each operand is the gradient of a Value, the data of a Value made
before the call (a parameter: read live at replay), the result of such a recorded ufunc, or a constant (a Python
number: a learning rate; compared between recordings, as all constants). An assignment `p.data = t` of a result is
recorded as ("set data", p, t); the replay makes the same assignment.

A comparison of a traced number (`abs(p.grad) > 10`, `p.grad == 0`), its truth value, or the truth value of `all()`
or `any()` of a traced array (`(g == 0).all()`) is recorded as a guard (jit_grad_guards.py); a ufunc's reduction
(`g.sum()`, `g.max()`, np.sum, g.norm()) as a line (jit_reductions.py); np.clip as the ufunc it calls. Anything else
done with a traced array (indexing, mean(), NumPy's other functions, float(): what could steer Python out of sight)
makes the function run eagerly, with a warning, if the call also updates parameters or gradients from traced numbers
(`finish`), as such updates did before; so does an operand that is no known array (NumPy's own work on the data of a
Value that is no Parameter: `w.data *= 0.99` writes into a plain array, which the recording never hands out traced,
as the engine's operations read it too; a Parameter's data is a ParameterArray, whose augmented assignments are
watched while a call is recorded).
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from . import jit_data
from .element import ElementView
from .grad_array import GradArray
from .jit_grad_guards import OPERATORS, compared
from .jit_reductions import norm, reduced, reducer, unused
from .value import Value

_KEYWORDS = frozenset(("out", "casting", "dtype"))


def _recorder():
    from .jit import _recording_here

    return _recording_here()


def _refuse(what, now=False):
    """NumPy on a traced gradient that the recording does not follow. A write (now=True) makes the function run
    eagerly. A read (a reduction, an element, float(): what may steer Python or scale an update) does only if the call
    also changes parameters or gradients from traced numbers (`finish`): a step that merely logs `p.grad.abs().max()`
    replays as before, its Python skipped, while an update scaled by a number out of sight (`min(1, c / norm)`, which
    two recordings may agree on) runs eagerly."""
    recorder = _recorder()
    if recorder is None or recorder.problem is not None:
        return  # (the first problem is the one a warning names)
    reason = (f"{what} inside the function, out of a replay's sight: only NumPy's elementwise arithmetic on a "
              "parameter's gradient and data (p.data += -lr * p.grad) is replayed; compute it with Values, or move it "
              "into a method marked @autograd_core.jit.effect (as optimizers' step is)")
    if now:
        recorder.problem = reason
    elif recorder.numpy_unseen is None:
        recorder.numpy_unseen = reason


def _guarded(how, traced, other, outcome):
    """A comparison of a traced number, or its truth value (what may steer Python): recorded as a guard of the
    program (jit_grad_guards.py), which re-records where a replay's outcome differs."""
    recorder = _recorder()
    if recorder is not None and recorder.problem is None:
        source = _source(recorder, real(traced))
        if other is not None and other.__class__ not in TRACED and isinstance(other, (numbers.Number, np.generic)):
            other = ("constant", other)  # (a threshold: compared between recordings, as all constants are)
        elif other is not None:
            other = _source(recorder, real(other))
        compared(recorder, how, source, other, outcome, _refuse)
    return outcome


def finish(recorder):
    """At the end of a recording: a read of a traced gradient out of sight (`_refuse`) makes the function run eagerly
    if the call changed parameters or gradients by recorded NumPy (or stores) too; not for a gradient set to a number
    (micrograd's `p.grad = 0.0` before its backward pass), which no read decides."""
    if recorder.numpy_unseen is None and recorder.numpy_reduced and unused(recorder):
        recorder.numpy_unseen = ("a number computed from a reduction of a gradient used out of a replay's sight "
                                 "(math.sqrt(total), float(total), a log line: use NumPy's functions, np.sqrt) in a "
                                 "function that also updates parameters by hand")
    if recorder.numpy_unseen is None or recorder.problem is not None:
        return
    if any(e.__class__ is tuple and (e[0] in ("set data", "store") or (e[0] == "numpy" and e[3] is not None)
                                     or (e[0] == "grad" and _from_traced(recorder, e[2])))
           for e in recorder.entries):
        recorder.problem = recorder.numpy_unseen


def _from_traced(recorder, new):
    """Whether a gradient assigned (`p.grad = new`) holds numbers a recorded ufunc computed from traced ones; a number
    or a fresh array (micrograd's `p.grad = 0.0`, zero_grad by hand) does not: a read out of sight cannot scale it."""
    known = recorder.numpy_sources.get(id(new))
    return known is not None and known[1] is new and known[0][0] == "result"


def real(x):
    """The eager object behind a traced one (itself for anything else; a traced one made by NumPy from another,
    `g.copy()`, which no recording knows: its numbers as the eager class)."""
    if x.__class__ not in TRACED:
        return x
    eager = x.__dict__.get("_real")
    if eager is not None:
        return eager
    return x.view(GradArray) if isinstance(x, np.ndarray) else x.__class__.__mro__[1](x)


def _traced_call(ufunc, method, inputs, kwargs):
    """A ufunc call with a traced operand: computed on the eager objects, recorded while a recording watches."""
    eager_inputs = tuple(real(x) for x in inputs)
    out = kwargs.get("out")
    recorder = _recorder()
    if out is not None:
        kwargs = dict(kwargs, out=tuple(real(o) for o in out))
        if recorder is not None:  # (the data read in the call: unchanged since, else written out of sight: jit_data)
            jit_data.before(recorder, kwargs["out"])
    result = getattr(ufunc, method)(*eager_inputs, **kwargs)
    if recorder is None:
        return result
    found = reducer(ufunc, kwargs) if method == "reduce" and ufunc.nout == 1 else None
    if out is None and found is not None and result.__class__ is np.bool_:
        # `(g == 0).all()`, `(g > 0).any()`: a NumPy bool, which no traced class can hold and Python branches on:
        # recorded with a guard on its value, as bool() of a traced number is (jit_grad_guards)
        call, keywords = found
        source = _source(recorder, eager_inputs[0])
        if source[0] == "constant":
            _refuse(f"NumPy's {ufunc.__name__} of a gradient giving a bool")
            return result
        recorder.entries.append(("numpy", call, [source], None, result, keywords))
        compared(recorder, "bool", ("result", result), None, bool(result), _refuse)
        return result
    if out is None and not (result.__class__ in (GradArray, np.ndarray) or result.__class__ in _SCALARS):
        # (a NumPy bool or integer, `g == 0` of a 0-d gradient: no traced class holds it, and Python may branch on it)
        _refuse(f"NumPy's {ufunc.__name__} of a gradient giving a {type(result).__name__}")
        return result
    if found is not None:  # g.sum(), g.max(), np.sum(g) (jit_reductions.py)
        call, keywords = found
        recorder.entries.append(("numpy", call, [_source(recorder, eager_inputs[0])], None, result, keywords))
        reduced(recorder, result, None)
        return _traced(recorder, result, ("result", result))
    if method != "__call__" or ufunc.nout != 1 or not _KEYWORDS.issuperset(kwargs):
        _refuse(f"NumPy's {ufunc.__name__}.{method} of a gradient")
        return result
    sources = [_source(recorder, x) for x in eager_inputs]
    written = None if out is None else _source(recorder, kwargs["out"][0])
    if out is not None and written[0] not in ("data", "result"):
        _refuse(f"NumPy's {ufunc.__name__} written into an array other than a parameter's data or a result", now=True)
        return result
    extra = {k: v for k, v in kwargs.items() if k != "out"}
    recorder.entries.append(("numpy", ufunc, sources, written, result, extra))
    if out is not None:
        if written[0] == "data":
            written_into = kwargs["out"][0]  # (its contents now: `p.data = p.data` checks them, data_assigned)
            recorder.numpy_written[id(written_into)] = (written_into, np.array(written_into, copy=True))
            jit_data.after(recorder, (written_into,))
        return out[0]
    reduced(recorder, result, sources)
    return _traced(recorder, result, ("result", result))


def _source(recorder, x):
    """What a ufunc's operand is, for the plan: ("grad", value), ("data", value) (a Value made before the call),
    ("result", array) of a recorded ufunc, or ("constant", x) (a number, an array the recording did not see made:
    baked, and compared between recordings as every constant is)."""
    known = recorder.numpy_sources.get(id(x))
    if known is not None and known[1] is x and _still(recorder, known):
        # (a gradient read before a backward pass or `p.grad = None` and used after: eager mode uses the numbers it
        # read, a replay would read the gradient then: a constant, which differs between recordings)
        return known[0]
    if isinstance(x, (np.ndarray, np.generic)):
        for value in _candidates(recorder):
            if _SLOT.__get__(value) is x:
                return "data", value
        base = x.base if isinstance(x, np.ndarray) else None
        while base is not None:  # np.asarray(g) of a traced g (the in-place methods' operands): g itself
            known = recorder.numpy_sources.get(id(base))
            if known is not None and _same_memory(x, known[1]):
                return _source(recorder, known[1])
            base = getattr(base, "base", None)
    return "constant", x


def _still(recorder, known):
    """Whether what a source names at replay (read where the ufunc runs) is still what was read: a Value's gradient
    the same array; an ElementView's gradient or number (a new NumPy scalar at each read) unchanged since its read
    (no backward pass, gradient assignment, effect or change of data recorded since)."""
    (kind, owner), read, since = known[0], known[1], known[2]
    if kind == "grad":
        return owner._grad is read
    if kind in ("view grad", "view data"):
        changes = ("grad", "backward", "set data", "store") if kind == "view grad" else ("set data", "store")
        return not any(e.__class__ is list or e[0] in changes or (e[0] == "numpy" and e[3] is not None)
                       for e in recorder.entries[since:])
    return True


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _same_memory(view, array):
    """Whether `view` is all of `array`, element for element (np.asarray's view of it)."""
    return (view.shape == array.shape and view.dtype == array.dtype and view.strides == array.strides
            and view.ctypes.data == array.ctypes.data)


def _candidates(recorder):
    """Values made before the call that the recording saw: those whose gradients were read, the inputs of operations."""
    seen = dict(recorder.numpy_owners)
    for entry in recorder.entries:
        if entry[0] == "op":
            for a in entry[2]:
                index = getattr(a, "_index", None)
                if index is not None and index < recorder.start and id(a) not in seen:
                    seen[id(a)] = a
    for a in recorder.flat_args:  # an argument's data is the call's own: the program names the new one, not this
        seen.pop(id(a), None)
    return seen.values()


def _traced(recorder, eager, source):
    """A traced stand-in for `eager` (an array or a NumPy float), recorded as coming from `source`."""
    if eager.__class__ is GradArray or eager.__class__ is np.ndarray:
        traced = eager.view(TracedArray)
    elif eager.__class__ in _SCALARS:
        traced = _SCALARS[eager.__class__](eager)
    else:
        return eager
    traced.__dict__["_real"] = eager
    recorder.numpy_sources[id(eager)] = recorder.numpy_sources[id(traced)] = (source, eager, len(recorder.entries))
    recorder.numpy_traced.append(traced)  # (kept alive: ids stay valid while the recording lives)
    return traced


def watched_grad(getter):
    """Value.grad while a call is recorded (jit.py installs it): a gradient read outside effects, of a Value made
    before the call, is traced (`traced_grad`), so that NumPy's arithmetic on it (a hand-written update) is recorded."""

    def grad(value):
        g = getter(value)
        recorder = _recorder()
        if recorder is None or g is None or value._index >= recorder.start or recorder.numpy_off:
            return g
        return traced_grad(recorder, value, g)

    return grad


def traced_grad(recorder, value, grad):
    """Value.grad read while `recorder` records (outside effects) of a Value made before the call: traced."""
    if grad is None or not (grad.__class__ is GradArray or grad.__class__ in _SCALARS) or any(
            value is a for a in recorder.flat_args):  # (an argument's gradient: the program would name this one)
        return grad
    recorder.numpy_owners[id(value)] = value
    return _traced(recorder, grad, ("grad", value))


def traced_view_grad(recorder, view, grad):
    """ElementView.grad read while `recorder` records (outside effects), of a view made before the call (nn.MLP's
    scalar weights): traced, as a Value's gradient is."""
    if grad.__class__ not in _SCALARS or not _persistent(recorder, view):
        return grad
    recorder.numpy_owners[id(view)] = view
    return _traced(recorder, grad, ("view grad", view))


def _persistent(recorder, view):
    """Whether an ElementView's numbers live in an array made before the call (its base's: a parameter's), which a
    replay must change as the call does; the view itself may be made in the call (nn.MLP makes its views lazily)."""
    base = getattr(view, "base", None)  # (None while the view is being made)
    return base is not None and base._index < recorder.start and not any(base is a for a in recorder.flat_args)


def watched_view_data(prop):
    """ElementView.data while a call is recorded: a number read (a new NumPy scalar each time) is noted as the view's
    data, so that NumPy's arithmetic of it with a traced gradient names it; `view.data = t` of a recorded ufunc's
    result t is recorded as a "set data" entry (the view's setter writes t into its base's array: not the user's
    assignment of the base's .data, which it is not)."""

    def get(view):
        number = prop.fget(view)
        recorder = _recorder()
        if recorder is not None and _persistent(recorder, view) and number.__class__ in _SCALARS:
            recorder.numpy_sources[id(number)] = (("view data", view), number, len(recorder.entries))
        return number

    def set_(view, new):
        recorder = _recorder()
        if recorder is None or not _persistent(recorder, view):
            return prop.fset(view, real(new))
        known = recorder.numpy_sources.get(id(real(new)))
        if known is None or known[1] is not real(new) or known[0][0] != "result":
            from .jit import not_replayable

            not_replayable("the function assigns a scalar weight's .data (ElementView: micrograd's nn.MLP) with NumPy "
                           "the recording did not see (only elementwise arithmetic of gradients, data and numbers, as "
                           "p.data += -lr * p.grad, is replayed)")
            return prop.fset(view, real(new))
        recorder.entries.append(("set data", view, known[0]))
        written = (_SLOT.__get__(view.base),)
        jit_data.before(recorder, written)
        recorder.paused = True  # (the setter's write of the base's array is the view's, recorded above)
        try:
            return prop.fset(view, real(new))
        finally:
            recorder.paused = False
            jit_data.after(recorder, written)

    return property(get, set_, doc=prop.__doc__)


def watched_view_grad_set(fset):
    """ElementView.grad's setter while a call is recorded: `view.grad = x` of a view whose base was made before the
    call (micrograd's `p.grad = 0.0` over nn.MLP's scalar weights) is recorded as the view's own assignment, replayed
    through the same setter; the write of its base's .grad that the setter makes is not (its array holds the other
    views' gradients too, and the backward pass that follows writes into it in place)."""

    def set_(view, new):
        recorder = _recorder()
        if recorder is None or not _persistent(recorder, view):
            return fset(view, real(new))
        eager = real(new)
        recorder.entries.append(("grad", view, eager))
        recorder.paused = True
        try:
            return fset(view, eager)
        finally:
            recorder.paused = False

    return set_


def data_assigned(recorder, value, new):
    """`value.data = new` while `recorder` records, for a Value made before the call. Returns (the eager object to
    store, or None if the assignment cannot be replayed)."""
    eager = real(new)
    if eager is _SLOT.__get__(value):  # `p.data += t`: the ufunc wrote into the data (recorded), or NumPy did (not)
        # ... and nothing changed it since (`p.data -= lr * p.grad; p.data += 0.001`: NumPy in place, unseen)
        written = recorder.numpy_written.get(id(eager))
        return eager if written is not None and written[0] is eager and _same(written[1], eager) else None
    source = _source(recorder, eager)
    if source[0] != "result":
        base = getattr(eager, "base", None)  # Parameter's setter gives a ParameterArray view of the array assigned
        source = None if base is None else _source(recorder, base)
        if source is None or source[0] != "result" or base.shape != eager.shape or base.dtype != eager.dtype:
            return None
    recorder.entries.append(("set data", value, source))
    return eager


def traced_in_place(recorder, array, name, method, args, kwargs):
    """A parameter's data changed by its in-place method (`p.data.mul_(0.99)`, add_, sub_, div_): run on a traced
    view of the data, so that the ufunc it calls is recorded; None when the array is no Value's data the recording
    saw."""
    alpha = kwargs.get("alpha", 1)
    if name in ("add_", "sub_") and (alpha.__class__ is not int or alpha != 1) and args and (
            args[0].__class__ in TRACED):
        # `p.data.add_(p.grad, alpha=-lr)`: alpha · other as times_alpha computes it (the same ufunc on the same
        # numbers), traced, then added; times_alpha first for PyTorch's checks of alpha
        from .ops.arith import times_alpha

        times_alpha(name, array.dtype, np.asarray(real(args[0])), alpha)
        args, kwargs = (args[0] * alpha, *args[1:]), {k: v for k, v in kwargs.items() if k != "alpha"}
    for value in _candidates(recorder):
        if _SLOT.__get__(value) is array:
            traced = array.view(TracedArray)
            traced.__dict__["_real"] = array
            recorder.numpy_sources[id(traced)] = (("data", value), array, len(recorder.entries))
            recorder.numpy_traced.append(traced)
            method(traced, *args, **kwargs)
            return array
    return None


def watched_augmented(name):
    """ParameterArray's `+=`, `-=`, `*=`, `/=` while a call is recorded: `p.data *= 0.99` by the user's code (a weight
    decay written by hand: NumPy's own work on a parameter's data, which no traced array hands it) run on a traced view
    of the data, so that the ufunc it calls (NumPy's, as ndarray's operator calls it: the same numbers) is recorded
    and replayed. On other arrays, from library code, or inside effects, NumPy's operator as it is."""
    ufunc, original = _AUGMENTED[name], getattr(np.ndarray, name)

    def method(self, other):
        recorder = _recorder()
        if recorder is not None and recorder.problem is None and _by_the_user():
            in_place = lambda traced, x: ufunc(traced, x, out=traced)  # noqa: E731 (what ndarray's operator calls)
            if traced_in_place(recorder, self, name, in_place, (other,), {}) is not None:
                return self
            _changed_by_index(recorder, self, "a view of a parameter's data changed in place (v = p.data[:2]; v *= 2)")
        return original(self, other)

    method.__name__ = name
    return method


def watched_setitem(array, key, item):
    """ParameterArray's `[...] =` while a call is recorded: `p.data[0] = 0.5`, `p.data[:1] *= 0.5` by the user's code,
    on a parameter's data or a view of it, is NumPy out of a replay's sight: the function runs eagerly (it was
    replayed without the change)."""
    recorder = _recorder()
    if recorder is not None and recorder.problem is None and _by_the_user():
        _changed_by_index(recorder, array, "a parameter's data changed by index (p.data[i] = ..., p.data[:1] *= 2)")
    return np.ndarray.__setitem__(array, key, real(item))


def watched_array_function(array, func, types, args, kwargs):
    """ParameterArray's __array_function__ while a call is recorded: NumPy's functions that write into an array they
    are given (`np.copyto(p.data, x)`, `np.clip(p.data, -1, 1, out=p.data)`, np.put, np.putmask, ...) called by the
    user's code on a parameter's data are out of a replay's sight: the function runs eagerly."""
    recorder = _recorder()
    if recorder is not None and recorder.problem is None and _by_the_user():
        written = kwargs.get("out")
        if func in _WRITERS and args:
            written = args[0]
        for target in (written if isinstance(written, tuple) else (written,)):
            _changed_by_index(recorder, target, f"a parameter's data written by np.{func.__name__}")
    return np.ndarray.__array_function__(array, func, types, args, kwargs)


_WRITERS = frozenset((np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis))


def _by_the_user():
    """Whether the NumPy operator running now (in a method of ParameterArray's) was called by code outside the
    library (the library's own in-place work on parameters runs in effects, or is recorded as operations)."""
    return not sys._getframe(2).f_globals.get("__name__", "").startswith("autograd_core")


def _changed_by_index(recorder, array, what):
    """Make the function run eagerly if `array` is, or is a view of, the data of a Value made before the call."""
    datas = {id(_SLOT.__get__(value)) for value in _candidates(recorder)}
    while isinstance(array, np.ndarray):
        if id(array) in datas:
            recorder.problem = (f"{what} inside the function, out of a replay's sight: change a parameter in place "
                                "through the Value (with torch.no_grad(): p[i] = ..., p.mul_(2)) or its data's "
                                "methods (p.data.mul_(0.99)), or in an optimizer's step")
            return
        array = array.base


_AUGMENTED = {"__iadd__": np.add, "__isub__": np.subtract, "__imul__": np.multiply, "__itruediv__": np.true_divide}


class TracedArray(GradArray):
    """A gradient (or a parameter's data) while a call is recorded: NumPy's ufuncs on it are recorded."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _traced_call(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func in _THROUGH_METHODS:  # NumPy's implementation calls the array's method, a ufunc (clip, add.reduce)
            return func._implementation(*args, **kwargs)
        _refuse(f"NumPy's {getattr(func, '__name__', 'function')} of a gradient")
        return func(*_eager_all(args), **{k: _eager_all(v) for k, v in kwargs.items()})

    def norm(self, p=2, dim=None, keepdim=False):
        return norm(self, p, dim, keepdim, refuse=_refuse, real=real)

    def mean(self, *args, **kwargs):
        _refuse("a gradient's mean")  # (NumPy's converts the traced sum it divides: out of sight)
        return real(self).mean(*args, **kwargs)

    def std(self, *args, **kwargs):
        _refuse("a gradient's std")
        return real(self).std(*args, **kwargs)

    def var(self, *args, **kwargs):
        _refuse("a gradient's var")
        return real(self).var(*args, **kwargs)

    def __getitem__(self, key):
        _refuse("indexing a gradient")
        return real(self)[key]

    def __setitem__(self, key, item):
        _refuse("a gradient changed by index", now=True)
        real(self)[key] = real(item)

    def __bool__(self):
        return _guarded("bool", self, None, bool(real(self)))

    def __float__(self):
        _refuse("a gradient read as a number")
        return float(real(self))

    def __int__(self):
        _refuse("a gradient read as a number")
        return int(real(self))

    def __reduce__(self):
        return real(self).__reduce__()

    def tolist(self):
        _refuse("a gradient read as numbers")
        return real(self).tolist()

    def item(self, *args):
        _refuse("a gradient read as a number")
        return real(self).item(*args)


_THROUGH_METHODS = frozenset((np.clip, np.sum, np.prod, np.max, np.min, np.amax, np.amin))


def untraced(result):
    """A recorded call's result with each traced object in it (a gradient returned: `return loss, w.grad`) its eager
    one, in the same tuples, lists and dicts: what eager mode returns, and what the plan knows."""
    if result.__class__ in TRACED:
        return real(result)
    if isinstance(result, tuple):
        items = [untraced(r) for r in result]
        if all(a is b for a, b in zip(items, result)):
            return result
        return type(result)._make(items) if hasattr(type(result), "_fields") else type(result)(items)
    if result.__class__ is list:
        return [untraced(r) for r in result]
    if result.__class__ is dict:
        return {k: untraced(v) for k, v in result.items()}
    return result


def _eager_all(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_eager_all(i) for i in x)
    return real(x)


def _clip(self, min=None, max=None, **kwargs):
    """np.clip(g, lo, hi) and g.clip(lo, hi) of a traced NumPy float: the ufunc NumPy's clip calls (np.minimum or
    np.maximum where a bound is None), recorded."""
    if min is None or max is None:
        ufunc, bounds = (np.minimum, (max,)) if min is None else (np.maximum, (min,))
    else:
        ufunc, bounds = _CLIP, (min, max)
    return _traced_call(ufunc, "__call__", (self, *bounds), kwargs)


try:  # the ufunc behind np.clip (NumPy 2; 1.x's numpy.core)
    from numpy._core.umath import clip as _CLIP
except ImportError:  # pragma: no cover
    from numpy.core.umath import clip as _CLIP


def _scalar_class(base):
    """A NumPy float (a 0-d Value's gradient, as eager mode gives it) whose arithmetic is recorded."""

    def binary(ufunc, reflected=False):
        def method(self, other):
            if not isinstance(other, (numbers.Number, np.generic)):
                return NotImplemented
            return _traced_call(ufunc, "__call__", (other, self) if reflected else (self, other), {})

        return method

    def unary(ufunc):
        return lambda self: _traced_call(ufunc, "__call__", (self,), {})

    def compare(how, eager):
        def method(self, other):
            outcome = eager(real(self), real(other))
            if outcome is NotImplemented:
                return outcome
            if not isinstance(other, (numbers.Number, np.generic)):  # (`g == None`, `g < array`: out of sight)
                _refuse(f"a gradient compared with {type(other).__name__}")
                return outcome
            return _guarded(how, self, other, outcome)

        return method

    def refused(name, convert):
        def method(self, *args):
            _refuse(f"a gradient {name}")
            return convert(real(self), *args)

        return method

    namespace = {
        "__add__": binary(np.add), "__radd__": binary(np.add, True),
        "__sub__": binary(np.subtract), "__rsub__": binary(np.subtract, True),
        "__mul__": binary(np.multiply), "__rmul__": binary(np.multiply, True),
        "__truediv__": binary(np.true_divide), "__rtruediv__": binary(np.true_divide, True),
        "__pow__": binary(np.power), "__rpow__": binary(np.power, True),
        # (NumPy's scalars compute these in C, past __array_ufunc__: untraced, a constant of the recording)
        "__floordiv__": binary(np.floor_divide), "__rfloordiv__": binary(np.floor_divide, True),
        "__mod__": binary(np.remainder), "__rmod__": binary(np.remainder, True),
        "__neg__": unary(np.negative), "__pos__": unary(np.positive), "__abs__": unary(np.absolute),
        "__array_ufunc__": lambda self, ufunc, method, *inputs, **kwargs: _traced_call(ufunc, method, inputs, kwargs),
        "__bool__": lambda self: _guarded("bool", self, None, bool(real(self))),
        "__float__": refused("read as a number", float),
        "__int__": refused("read as a number", int), "item": refused("read as a number", lambda x: x.item()),
        **{name: refused("read as a number", getattr(base, name))  # round(g), math.floor(g), divmod(g, 1), ...
           for name in ("__round__", "__trunc__", "__floor__", "__ceil__", "__divmod__", "__rdivmod__", "__complex__",
                        "is_integer", "as_integer_ratio", "hex") if hasattr(base, name)},
        "__hash__": base.__hash__,  # (a class that defines __eq__ has none of its own)
        "__reduce__": lambda self: real(self).__reduce__(),
        "clip": _clip,  # (np.clip of a NumPy scalar calls its method)
        **{name: refused(f"reduced ({name})", getattr(base, name))  # (a scalar's: on a 0-d array, out of sight)
           for name in ("sum", "prod", "max", "min", "mean", "std", "var")},
        "__doc__": _scalar_class.__doc__,
    }
    for name, how in OPERATORS.items():
        namespace[name] = compare(how, getattr(base, name))
    return type(f"Traced{base.__name__}", (base,), namespace)


_SCALARS = {np.float64: _scalar_class(np.float64), np.float32: _scalar_class(np.float32)}
TRACED = frozenset((TracedArray, *_SCALARS.values()))


_SLOT = Value.__dict__["data"]  # Value's data slot itself (jit.py watches assignments through a property over it)


# ----------------------------------------------------------------------------------------------------
# The plan's side (jit_plan.py): each recorded ufunc a line of the program.


def plan_ufunc(plan, ufunc, sources, written, result, keywords):
    """The line for a recorded ufunc call: `g7 = U3(E1.grad, C4)`, or `U2(E1.data, g7, out=E1.data)` in place."""
    call = f"{plan.ns.bind('U', ufunc)}({', '.join(numpy_expr(plan, s) for s in sources)}" + "".join(
        f", {k}={plan.constant(v)}" for k, v in keywords.items())
    if written is None:
        t = plan.temp()
        plan.lines.append(f"{t} = {call})")
        plan.arrays[id(result)] = t
        plan._keep.append(result)
    else:
        plan.lines.append(f"{call}, out={numpy_expr(plan, written)})")


def plan_set_data(plan, value, source):
    """The line for `p.data = t` (t a recorded ufunc's result), made as in eager mode (a Parameter's setter runs)."""
    plan.lines.append(f"{plan_owner(plan, value)}.data = {numpy_expr(plan, source)}")


def plan_owner(plan, value):
    """The name a program gives a Value made before the call (guarded: plan.value_owner), or an ElementView (made in
    the call or not: nn.MLP makes them lazily), whose numbers are its base's (guarded instead)."""
    if isinstance(value, ElementView):
        plan.value(value.base)
        return plan.ns.bind("E", value)
    return plan.value_owner(value)


def numpy_expr(plan, source):
    kind, obj = source
    if kind in ("grad", "view grad"):  # read through the property at that point of the replay, as eager mode reads it
        return f"{plan_owner(plan, obj)}.grad"
    if kind == "view data":
        return f"{plan_owner(plan, obj)}.data"
    if kind == "data":
        return plan.value(obj)
    if kind == "result":
        return plan.arrays[id(obj)]
    return plan.constant(obj)
