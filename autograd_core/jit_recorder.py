"""How a call of a compiled step is recorded (jit.py): the recorder (`_Recorder`, a tracer that keeps the operations,
reads, backward passes, effects and writes of one call, in order) and the hooks it installs while the call runs
(`_Watching`: data reads on Value, assignments to .grad and .data, conversions, detach, in-place methods of gradients
and parameters' data, the backward pass), taken off again when the call ends. What comes of a recording is planned
into a program by jit_plan.py."""

from __future__ import annotations

import functools
import numbers
import sys
import threading

import numpy as np

from . import engine
from . import inplace as inplace_module
from . import jit_data
from . import jit_numpy
from . import modes

from . import value as value_module
from .element import ElementView
from .grad_array import GradArray, ParameterArray, _TensorMethods
from .modes import TRACERS
from .tensor import COPY_WATCHERS
from .value import CONSTANT_WATCHERS
from .tracing import Tracer, tracing
from .jit_arguments import _argument_arrays
from .jit_arrays import copied
from .jit_effects import _RECORDING, _recording_here, not_replayable
from .jit_inplace import detached, watched_write
from .jit_plan import _describe, _writes_the_same
from .value import Value


class _Unsupported(Exception):
    pass


class _Recorder(Tracer):
    runs_operations = False

    def __init__(self, flat_args, arg_numbers=()):
        self.arg_numbers = arg_numbers  # the Python numbers among the arguments (guarded by value): may be returned
        self.entries = []          # ("op", op, args, params, node) / ("read", value, kind, result) /
        self.paused = False        # ("backward", roots, seeds) /
        # ["effect", method, self, idempotent, args, kwargs, what it returned]
        self.start = Value(0.0, requires_grad=False).creation_index
        self.thread = threading.get_ident()  # the hooks on Value are process-wide: other threads are ignored
        self.flat_args = flat_args
        self.problem = None
        self.owners = {}           # id -> the objects (modules) whose scopes the call entered
        self.writes_into = {}      # id(node) -> whether its primitive's forward_into gives its data bit for bit
        self.effect_updates = set()  # (id(object), attribute): arrays that effects called here change in place
        self.set_before_use = set()  # (id(module), attribute): set by an effect before the module's first forward
        self.entered_modules = set()  # ids of the modules whose scopes the call entered so far
        self.view_grads = []       # (ElementView, what its .grad returned): a new scalar at each read
        self.detached = {}         # id(version counter) -> (it, [(weak reference to a detach(), whether seen)])
        self.aliased = {}          # id(array) -> an array that Value(v) took from a Value v as its own (shared)
        # NumPy on parameters' gradients and data (jit_numpy.py): id(array) -> (its source, it); the Values whose
        # gradients were read; id(data array) -> (it, a copy) after a recorded ufunc wrote into it; the traced objects
        self.numpy_sources, self.numpy_owners, self.numpy_written, self.numpy_traced = {}, {}, {}, []
        self.numpy_off = 0  # > 0 while library code reads gradients for its own use (ElementView.grad)
        self.numpy_unseen = None  # why NumPy on a traced gradient was not followed (jit_numpy.finish)
        self.numpy_reduced = {}  # id -> (a recorded result computed from a reduction, ...): jit_reductions.unused
        self.data_seen = {}  # id(array) -> [the data of a Value made before the call, as last seen, it] (jit_data)

    def entered(self, scope):
        if scope.owner is not None and self.thread == threading.get_ident():
            self.owners[id(scope.owner)] = scope.owner
            self.entered_modules.add(id(scope.owner))

    def record(self, op, args, params, node):
        if not self.paused:
            self.entries.append(("op", op, args, params, node))
            if op.forward_into is not None:  # checked now, while the inputs hold what the forward saw
                self.writes_into[id(node)] = _writes_the_same(op.forward_into, node.data, args, params)

    def read(self, value, kind, result):
        if not self.paused:
            self.entries.append(("read", value, kind, result))

    def call_effect(self, method, obj, args, kwargs, idempotent):
        # (keywords too: `optimizer.zero_grad(set_to_none=True)`, as the GPT lecture's step calls it)
        if not all(a is None or isinstance(a, (np.ndarray, np.generic, bool, numbers.Number, str, Value))
                   for a in (*args, *kwargs.values())):
            self.problem = (f"{type(obj).__name__}.{method.__name__} is called with arguments other than arrays, "
                            "Values, numbers and strings")
        entry = ["effect", method, obj, idempotent, args, kwargs, None]  # and what it returns, once it has
        self.entries.append(entry)
        if callable(method.effect_updates):  # (object, attribute) pairs it sets: unguarded if set before first use
            self.set_before_use.update((id(owner), name) for owner, name in method.effect_updates(obj)
                                       if id(owner) not in self.entered_modules)
        else:
            self.effect_updates.update((id(obj), name) for name in method.effect_updates)
        jit_data.before(self)  # (the data read in the call: NumPy's unseen writes before the effect, jit_data)
        self.paused = True
        saved = TRACERS.get()
        TRACERS.set(())
        try:  # a Value is handed over as its data, as the replay will hand over the program's value
            result = method(obj, *[a.data if isinstance(a, Value) else a for a in args],
                            **{k: a.data if isinstance(a, Value) else a for k, a in kwargs.items()})
        finally:
            TRACERS.set(saved)
            self.paused = False
        jit_data.after(self)
        if isinstance(result, (numbers.Number, np.ndarray, np.generic)):
            # A number steers Python out of sight (`if norm < limit: optimizer.step()`), and it is known only after
            # the effect has changed state, too late for a guard. A Value is seen: the program binds the replay's own
            # (clip_grad_norm_'s norm), and reading it (`.item()`, `if norm < limit`) is a read after an effect.
            self.problem = (f"{type(obj).__name__}.{method.__name__} returned {_describe(result)}, which the "
                            "function may use in Python (an if) out of a replay's sight; return a Value from an effect")
        entry[-1] = result
        return result

    def write(self, value, attribute, new):
        """A write to .grad or .data of a Value from outside the engine and outside effects: returns what to store
        (a traced array's eager one: jit_numpy)."""
        index = getattr(value, "_index", None)  # None while Value.__init__ runs
        if self.paused or index is None or index >= self.start:
            # A Value made in this call: nothing outside sees it but through the result. But its data assigned by the
            # user's code (`h.data = h.data * 2`) is NumPy a replay skips: it computes h as the recorded operation
            # made it. (The library's own assignments, an in-place change's, are the recording's to follow.)
            if (attribute == "data" and index is not None and not self.paused and self.problem is None
                    and not sys._getframe(2).f_globals.get("__name__", "").startswith("autograd_core")):
                self.problem = ("the function assigns the .data of a Value it computed (h.data = ...): a replay "
                                "would compute h as the operation that made it did, without that; compute the new "
                                "contents with operations (h = h * 2), or change h in place under no_grad()")
            return jit_numpy.real(new)  # a Value made in this call: nothing outside sees it but through the result
        if attribute == "data":
            stored = jit_numpy.data_assigned(self, value, new)
            if stored is not None:
                return stored
            self.problem = self.problem or (
                "the function assigns a parameter's .data (a hand-written update) with NumPy the recording did not "
                "see (only elementwise arithmetic of gradients, data and numbers, as p.data += -lr * p.grad, is "
                "replayed): do updates in an optimizer's step, or in a method marked @autograd_core.jit.effect")
            return jit_numpy.real(new)
        new = jit_numpy.real(new)
        # with its contents as assigned: a backward pass later in the call adds into an array in place (as PyTorch's
        # AccumulateGrad), and the program assigns a copy of these contents at each replay (_grad_source)
        self.entries.append(("grad", value, new, new.copy() if isinstance(new, np.ndarray) else None))
        return new

    def backward(self, original, roots, seeds, retain_graph, create_graph, inputs=None, accumulate=True):
        if self.thread != threading.get_ident():  # another thread's backward pass: not ours to record
            return original(roots, seeds, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs,
                            accumulate=accumulate)
        if not self.paused:
            if create_graph or inputs is not None or not accumulate:
                self.problem = "a backward pass with create_graph, or autograd_core.grad inside the function"
            self.entries.append(("backward", list(roots), [np.array(s) for s in seeds]))
        saved, paused, self.paused = TRACERS.get(), self.paused, True
        TRACERS.set(())
        try:
            return original(roots, seeds, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs,
                            accumulate=accumulate)
        finally:
            TRACERS.set(saved)
            self.paused = paused


def _watched_view_grad(getter):
    """ElementView.grad while a call is recorded: the scalar it hands out is new at each read, so the recorder notes
    which view it came from (a function may return it)."""
    def grad(view):
        recorder = _RECORDING[0] if _RECORDING and _RECORDING[0].thread == threading.get_ident() else None
        if recorder is None:
            return getter(view)
        recorder.numpy_off += 1  # (its base's gradient, indexed: not the user's NumPy, not traced: jit_numpy)
        try:
            result = getter(view)
        finally:
            recorder.numpy_off -= 1
        if result is not None:
            recorder.view_grads.append((view, result))
            if not recorder.numpy_off and not recorder.paused:
                return jit_numpy.traced_view_grad(recorder, view, result)  # (micrograd's p.data += -lr * p.grad)
        return result

    return grad


def _reader(kind, original):
    def read(self):
        result = original(self)
        if _RECORDING and _RECORDING[0].thread == threading.get_ident():
            _RECORDING[0].read(self, kind, result)
        return result

    return read


_READS = {"item": Value.item, "__float__": Value.__float__, "__int__": Value.__int__, "__bool__": Value.__bool__,
          "__index__": Value.__index__,  # list[v], range(v): an integer Value used as a Python index
          "tolist": Value.tolist}
_SLOTS = {name: Value.__dict__[name] for name in ("data", "grad")}
_GRAD = Value.__dict__["grad"]
_DETACH = Value.detach


def _watched_conversion(original):
    """While recording, Value() converts its data through this: a conversion of an argument's array (a
    float32 batch fed to float64 weights) is recorded, so the replay converts the new argument."""

    def convert(data, dtype, requires_grad, what="Value"):
        result = original(data, dtype, requires_grad, what)
        recorder = _recording_here()
        if recorder is not None:
            source = data.data if isinstance(data, Value) else data
            # (a 0-d array becomes a NumPy scalar: a conversion too, or the Value would look like a constant)
            if isinstance(source, np.ndarray) and isinstance(result, (np.ndarray, np.generic)) and result is not source:
                recorder.entries.append(("convert", source, result))
            elif isinstance(data, Value) and result is source:  # Value(v): one array for two Values (jit_inplace)
                recorder.aliased[id(result)] = result
        return result

    return convert


def _in_place_problem(what, why=None):
    """While recording, an in-place change made by the function itself (not inside an effect) that a replay cannot
    repeat (`why`, jit_inplace.py; a gradient's or a parameter's data) means the function cannot be compiled: the
    replay runs recorded operations only, so the change would silently be skipped."""
    not_replayable(f"an in-place change ({what}) inside the function{f', of {why}' if why else ''}: a replay runs "
                   "the recorded operations only and would skip it; write it out of place, or move it into a method "
                   "marked @autograd_core.jit.effect (as optimizers' step is)")


def _watched_detach(original):
    """Value.detach while recording: the Value detached and its detach() share memory, so an in-place change of
    either is not replayed (jit_inplace.problem)."""

    def detach(self):
        node = original(self)
        if _RECORDING and _RECORDING[0].thread == threading.get_ident():
            detached(_RECORDING[0], self, node)
        return node

    return functools.wraps(original)(detach)


def _watched_in_place_method(where, name, original):
    """While recording, the in-place methods of a gradient or a parameter's data (`w.grad.zero_()`,
    `m.weight.data.normal_()`, ...): they change arrays outside the graph, so the function runs eagerly."""

    def method(self, *args, **kwargs):
        recorder = _recording_here()
        if (recorder is not None and where == ".data" and name in _TRACED_IN_PLACE
                and jit_numpy.traced_in_place(recorder, self, name, original, args, kwargs) is not None):
            return self  # p.data.mul_(0.99): its ufunc recorded (jit_numpy)
        _in_place_problem(f"{where}.{name}" if name != "_in_place_through_value" else f"{where}.{args[0]}")
        return original(self, *args, **kwargs)

    return functools.wraps(original)(method)


# The in-place methods of gradients and parameters' data (all defined on their shared base class), and the classes
# with the attribute their writes are described by.
_IN_PLACE_METHODS = {name: _TensorMethods.__dict__[name] for name in (
    "zero_", "fill_", "copy_", "add_", "sub_", "mul_", "div_", "clamp_", "_in_place_through_value")}
_IN_PLACE_OWNERS = ((GradArray, ".grad"), (ParameterArray, ".data"))
_TRACED_IN_PLACE = frozenset(("add_", "sub_", "mul_", "div_"))  # one ufunc each: replayed on a parameter's data
_ABSENT = object()  # a class entry that was not there
_AUGMENTED = ("__iadd__", "__isub__", "__imul__", "__itruediv__")  # ParameterArray's, while recording (jit_numpy)


def _watched_slot(name, slot):
    """While recording, Value.<name> is this property: it sees assignments made by the user's code, and (.data)
    reads of the data of a Value made before the call (jit_data: NumPy's writes into it out of sight)."""

    def set_(self, new):
        if _RECORDING and _RECORDING[0].thread == threading.get_ident():
            new = _RECORDING[0].write(self, name, new)
        slot.__set__(self, new)

    return property(_watched_data_get(slot.__get__) if name == "data" else slot.__get__, set_)


def _watched_data_get(getter):
    """While recording, the getter of Value.data (and of subclasses' own data properties: Parameter's): reads of the
    data of a Value made before the call, outside effects (jit_data: NumPy's writes into it out of sight)."""

    def get(self):
        data = getter(self)
        if _RECORDING:
            recorder = _RECORDING[0]
            if (recorder.thread == threading.get_ident() and not recorder.paused
                    and getattr(self, "_index", recorder.start) < recorder.start):
                jit_data.read(recorder, self, data)
        return data

    return get


def _data_properties(cls=Value):
    """The `data` properties that subclasses of Value define themselves over Value's slot (nn.Parameter's: its
    setter's conversion), with their classes. (ElementView's own, a number read from its base, is watched apart.)"""
    found = []
    for sub in cls.__subclasses__():
        prop = vars(sub).get("data")
        if isinstance(prop, property) and prop.fget == _SLOTS["data"].__get__:
            found.append((sub, prop))
        found.extend(_data_properties(sub))
    return found


class _Watching:
    """Install the recorder's hooks: data reads on Value, the backward pass, effects."""

    def __init__(self, recorder):
        self.recorder = recorder

    def copied(self, source, result):
        """tensor(source) copied an array into `result` (jit_arrays.copied)."""
        if _recording_here() is self.recorder:
            copied(self.recorder, source, result, _argument_arrays(self.recorder.flat_args))

    def constant_made(self, number, data):
        """An operation took the NumPy scalar `number` as a constant operand, copied into `data`: when NumPy computed it
        from a traced gradient (jit_numpy: `lr * p.grad` of a 0-d parameter), a conversion the replay repeats from the
        number it computes, not the recorded call's number baked in."""
        recorder = self.recorder
        if _recording_here() is recorder:
            source = jit_numpy.real(number)
            if id(source) in recorder.numpy_sources:
                recorder.entries.append(("convert", source, data))

    def __enter__(self):
        if _RECORDING:
            raise _Unsupported("a compiled function called inside another one while it is recorded")
        _RECORDING.append(self.recorder)
        for name, method in _READS.items():
            setattr(Value, name, _reader(name, method))
        for name, slot in _SLOTS.items():
            setattr(Value, name, _watched_slot(name, slot))
        self.data_properties = _data_properties()
        for cls, prop in self.data_properties:
            cls.data = property(_watched_data_get(prop.fget), prop.fset, prop.fdel, prop.__doc__)
        self.conversion = value_module._to_float_data
        value_module._to_float_data = _watched_conversion(self.conversion)
        self.write = inplace_module._write
        inplace_module._write = watched_write(self.write, _in_place_problem)
        COPY_WATCHERS.append(self.copied)
        CONSTANT_WATCHERS.append(self.constant_made)
        Value.detach = _watched_detach(_DETACH)
        # The classes' own entries, put back on exit (most are inherited: absent from the class's __dict__)
        self.array_methods = [(cls, name, vars(cls).get(name, _ABSENT))
                              for cls in dict.fromkeys((*(cls for cls, _ in _IN_PLACE_OWNERS), ParameterArray))
                              for name in (*_IN_PLACE_METHODS, *_AUGMENTED, "__setitem__", "__array_function__")]
        for cls, where in _IN_PLACE_OWNERS:
            for name, method in _IN_PLACE_METHODS.items():
                setattr(cls, name, _watched_in_place_method(where, name, method))
        for name in _AUGMENTED:  # `p.data *= 0.99` (jit_numpy.watched_augmented)
            setattr(ParameterArray, name, jit_numpy.watched_augmented(name))
        ParameterArray.__setitem__ = jit_numpy.watched_setitem  # `p.data[0] = 0.5`: out of sight, eager
        ParameterArray.__array_function__ = jit_numpy.watched_array_function  # np.copyto(p.data, x): too
        modes.SCOPE_WATCHERS.append(self.recorder.entered)
        grad = Value.__dict__["grad"]
        Value.grad = property(jit_numpy.watched_grad(grad.fget), grad.fset, doc=grad.__doc__)
        view_grad = self.view_grad = ElementView.__dict__["grad"]
        ElementView.grad = property(_watched_view_grad(view_grad.fget), jit_numpy.watched_view_grad_set(view_grad.fset))
        self.view_data = ElementView.__dict__["data"]
        ElementView.data = jit_numpy.watched_view_data(self.view_data)
        original = self.original = engine.run_backward
        engine.run_backward = functools.partial(self.recorder.backward, original)
        self.tracing = tracing(self.recorder)
        self.tracing.__enter__()

    def __exit__(self, *exc):
        self.tracing.__exit__(*exc)
        engine.run_backward = self.original
        for name, method in _READS.items():
            setattr(Value, name, method)
        for name, slot in _SLOTS.items():
            setattr(Value, name, slot)
        for cls, prop in self.data_properties:
            cls.data = prop
        value_module._to_float_data = self.conversion
        inplace_module._write = self.write
        COPY_WATCHERS.remove(self.copied)
        CONSTANT_WATCHERS.remove(self.constant_made)
        Value.detach = _DETACH
        for cls, name, own in self.array_methods:
            if own is not _ABSENT:
                setattr(cls, name, own)
            elif name in vars(cls):
                delattr(cls, name)  # inherited again
        modes.SCOPE_WATCHERS.remove(self.recorder.entered)
        ElementView.grad = self.view_grad
        ElementView.data = self.view_data
        Value.grad = _GRAD
        _RECORDING.clear()
        return False
