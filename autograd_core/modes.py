"""Modes of the engine: whether operations record a graph, the module scope new nodes belong to (for
pictures), and anomaly detection.

Grad mode and the scope are per thread, as in PyTorch: `no_grad()` in one thread does not switch recording
off in another, and a module running in one thread does not tag another thread's nodes. Each is a
`contextvars.ContextVar`: every thread starts with the defaults (recording on, no scope), and an asyncio task
keeps the modes that were active where it was created. `GRAD_ENABLED.get()` is cheaper than reading an
attribute of a `threading.local` (the hot path asks once per operation).
Anomaly detection is a debugging switch for the whole process (`ANOMALY.enabled`).

What may be shared between threads: Values and modules may be *read* by several threads at once (forward
passes, including under `no_grad()`). Not shared: two threads must not run backward passes over graphs
that overlap (a node's pending gradient is one slot), nor step the same optimizer or write the same
parameters; give each thread its own graph (a forward pass builds a fresh one) and its own optimizer.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy

GRAD_ENABLED = contextvars.ContextVar("autograd_core.grad_enabled", default=True)
SCOPE = contextvars.ContextVar("autograd_core.scope", default=None)  # innermost Scope of a running nn.Module
# Forward-mode traces and compile recorders that see every operation of this thread (tracing.py).
TRACERS = contextvars.ContextVar("autograd_core.tracers", default=())
# Inside `inference_mode()` (per thread, as grad mode): only what `is_inference_mode_enabled()` reports; the engine
# reads GRAD_ENABLED, which inference_mode turns off.
INFERENCE = contextvars.ContextVar("autograd_core.inference_mode", default=False)
# Each set once to its default in the importing thread's context: CPython caches a variable's value only once it has
# been found in the context, so a variable never set there is looked up in full on every get (~50 ns against ~29,
# `timeit`), and the hot path gets three per operation. Values and semantics are unchanged: the default either way.
# (A thread that never imported the engine, or a Jupyter cell's copy of the context, looks them up the slow way.)
for _var in (GRAD_ENABLED, SCOPE, TRACERS, INFERENCE):
    _var.set(_var.get())
del _var


def _cache_numpy_error_state():
    """NumPy's error state (np.errstate, np.seterr) is a context variable that every ufunc call gets, and one never set
    in this context is looked up in full each time (~120 instructions of a ~3,700-instruction call on 10 elements;
    ~1% of 1,000 small ops, BENCHMARKS.md "Stop 60"). Set it once, in the importing thread, to the very object it
    holds: the same state, so np.geterr(), np.errstate and np.seterr behave as before (an errstate block's exit
    resets the variable as it was before the block)."""
    try:
        from numpy._core._ufunc_config import _extobj_contextvar as extobj
    except ImportError:  # another NumPy's layout: nothing cached, nothing changed
        return
    extobj.set(extobj.get())


_cache_numpy_error_state()


def _cache_numpy_allocator():
    """NumPy's memory handler (the allocator of every new array's data, which PyDataMem_GetHandler gets at each array
    made) is a context variable as well, one that NumPy's Python layer does not hand out: never set in this context,
    it is looked up in full at every allocation (~230 instructions each, ~2.7 per small operation forward and backward:
    ~2.4% of 1,000 small ops, BENCHMARKS.md "Stop 75"). Set it once, in the importing thread, to the very handler it
    holds, through NumPy's C API table (PyDataMem_GetHandler, then PyDataMem_SetHandler; both NumPy >= 1.22): the same
    allocator, so np.get_handler_name() and every array's data are as before, and other threads keep NumPy's default.
    Returns whether it was set."""
    try:
        import ctypes

        from numpy._core import _multiarray_umath
    except ImportError:  # another NumPy's layout, or no ctypes: nothing cached, nothing changed
        return False
    try:
        # The table's slots are NumPy's ABI (numpy/_core/include/numpy/__multiarray_api.h): 211 the feature version
        # of its C API, 304 PyDataMem_SetHandler, 305 PyDataMem_GetHandler. Our own prototype of PyCapsule_GetPointer:
        # setting argtypes on ctypes.pythonapi's would change it for every other user of ctypes.
        capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
            ("PyCapsule_GetPointer", ctypes.pythonapi))
        table = ctypes.cast(capsule_pointer(_multiarray_umath._ARRAY_API, None), ctypes.POINTER(ctypes.c_void_p))
        if ctypes.CFUNCTYPE(ctypes.c_uint)(table[211])() < 0x0F:  # older than NumPy 1.22's API: no handlers
            return False
        get_handler = ctypes.PYFUNCTYPE(ctypes.py_object)(table[305])  # (py_object results: new references)
        set_handler = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.py_object)(table[304])
        set_handler(get_handler())  # returns the handler it replaced: the same one
    except (AttributeError, ValueError, TypeError, OSError):  # no table where we looked: nothing changed
        return False
    return True


_cache_numpy_allocator()


class _GlobalState:
    # Attributes of the instance, set in __init__, not of the class: the hot path reads `ANOMALY.enabled` per recorded
    # operation, and an instance's own attribute is a specialised, quick lookup, where one found on the class through
    # the instance takes CPython 3.11's generic way (~27 ns against ~10, `timeit`; BENCHMARKS.md "Stop 75").
    def __init__(self):
        self.enabled = False  # anomaly detection, for every thread
        # PyTorch's check_nan flag of set_anomaly_enabled, reported by is_anomaly_check_nan_enabled(); anomaly
        # detection here is the NaN/Inf check itself, so it checks whatever this says
        self.check_nan = True


ANOMALY = _GlobalState()


class _InplaceClock:
    def __init__(self):
        # The creation number stamped on the latest in-place change (version_counter.py), for the whole process: only
        # nodes recorded before it can have read an array that changed since, so only they need a version check. (An
        # instance attribute, as ANOMALY's: read once per backward pass and per in-place change)
        self.latest = -1


INPLACE = _InplaceClock()


def values_followed():
    """True when a tracer that follows Values watches this thread (a jvp, a compile recording); False with none, or
    with only a profiler, which watches operations without following what they compute."""
    return any(tracer.follows_values for tracer in TRACERS.get())


def is_grad_enabled() -> bool:
    """True when new operations record a graph in this thread (the default)."""
    return GRAD_ENABLED.get()


class _GradMode(contextlib.ContextDecorator):
    """A context manager and decorator that sets grad mode to `mode` inside its block, in the calling thread, and puts
    back the mode it found on the way out."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._saved = []

    def __enter__(self):
        self._saved.append(GRAD_ENABLED.get())
        GRAD_ENABLED.set(self.mode)
        return self

    def __exit__(self, *exc):
        GRAD_ENABLED.set(self._saved.pop())
        return False

    def _recreate_cm(self):
        # Each call of a decorated function gets a copy with a stack of its own: two threads in the function at once
        # would otherwise each put back the mode the other found.
        fresh = copy.copy(self)
        fresh._saved = []
        return fresh


class set_grad_enabled(_GradMode):
    """Switch graph recording on or off in the calling thread (the mode is per thread, as in PyTorch: other threads
    keep recording, or not, as they were). As PyTorch's, three ways:

        torch.set_grad_enabled(False)             # a call: from now on, in this thread
        with torch.set_grad_enabled(is_train):    # inside the block; the mode before the call comes back after it
        @torch.set_grad_enabled(False)            # around each call of the function
    """

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._before = GRAD_ENABLED.get()  # what `with` puts back: the mode before this call set it
        GRAD_ENABLED.set(self.mode)

    def __enter__(self):
        before, self._before = self._before, None
        self._saved.append(GRAD_ENABLED.get() if before is None else before)
        GRAD_ENABLED.set(self.mode)
        return self

    def __call__(self, func):
        # As a decorator the mode applies inside the function only: undo the call's own setting (PyTorch's too).
        if self._before is not None:
            GRAD_ENABLED.set(self._before)
            self._before = None
        return super().__call__(func)

    def _recreate_cm(self):
        fresh = super()._recreate_cm()
        fresh._before = None
        return fresh


class no_grad(_GradMode):
    """`with no_grad():` or `@no_grad()`: operations inside record no graph and need no memory for it.

    It applies to the calling thread only: another thread running at the same time keeps recording.
    Several threads may read the same model under `no_grad()` while others train their own copies.
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """Re-enables graph recording inside a `no_grad` block (in the calling thread)."""

    def __init__(self):
        super().__init__(True)


class inference_mode(_GradMode):
    """PyTorch's `torch.inference_mode(mode=True)`, a context manager and decorator: here `no_grad()` (nothing is
    recorded inside) that `is_inference_mode_enabled()` reports; with mode=False it leaves the grad mode as it is
    and reports False. Values made inside are ordinary Values (PyTorch's inference tensors are not modelled:
    `x.is_inference()` is False)."""

    def __init__(self, mode=True):
        super().__init__(False)
        self.inference = bool(mode)

    def __enter__(self):
        self._saved.append((GRAD_ENABLED.get(), INFERENCE.get()))
        if self.inference:
            GRAD_ENABLED.set(False)
        INFERENCE.set(self.inference)
        return self

    def __exit__(self, *exc):
        grad, inference = self._saved.pop()
        GRAD_ENABLED.set(grad)
        INFERENCE.set(inference)
        return False


def is_inference_mode_enabled():
    """True inside `inference_mode()` (in this thread), as PyTorch's torch.is_inference_mode_enabled()."""
    return INFERENCE.get()


class Scope:
    """A named region of the graph, such as one call of an `nn.Module`; nodes remember the innermost one.

    `parent` links to the enclosing scope, so a picture can nest clusters (MLP > Layer > Neuron).
    """

    __slots__ = ("name", "kind", "parent", "owner")

    def __init__(self, name, kind, parent=None, owner=None):
        self.name, self.kind, self.parent, self.owner = name, kind, parent, owner

    def path(self):
        """The chain of scopes from the outermost to this one."""
        chain, scope = [], self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        return chain[::-1]

    def __repr__(self):
        return f"Scope({self.name!r}, {self.kind!r})"


_new_scope = object.__new__


def current_scope():
    """The innermost open `Scope` of this thread, or None."""
    return SCOPE.get()


def enter_scope(name, kind="scope", owner=None):
    """Open a `Scope` inside the current one (in this thread) and return it; close it with `exit_scope`.

    The fast form of `with name_scope(...)` for code that runs on every call (`nn.Module.__call__`):

        scope = enter_scope(name, kind, owner)
        try:
            ...
        finally:
            exit_scope(scope)
    """
    scope = _new_scope(Scope)  # Scope(name, kind, parent, owner) without the call of __init__: once per module call
    scope.name, scope.kind, scope.parent, scope.owner = name, kind, SCOPE.get(), owner
    SCOPE.set(scope)
    if SCOPE_WATCHERS:  # a compile recording (jit.py) notes the modules a call goes through
        for watch in SCOPE_WATCHERS:
            watch(scope)
    return scope


SCOPE_WATCHERS = []  # functions told of every scope entered, in any thread (they filter): compile's recorder


def exit_scope(scope):
    """Close `scope` (from `enter_scope`): its parent becomes this thread's current scope again."""
    SCOPE.set(scope.parent)


class name_scope:
    """`with name_scope(name, kind, owner) as scope:` tags every node created inside the block with a `Scope`,
    so `viz` can draw it as one cluster (nested blocks nest). Per thread, like grad mode."""

    __slots__ = ("name", "kind", "owner", "_scope")

    def __init__(self, name, kind="scope", owner=None):
        self.name, self.kind, self.owner, self._scope = name, kind, owner, None

    def __enter__(self):
        self._scope = enter_scope(self.name, self.kind, self.owner)
        return self._scope

    def __exit__(self, *exc):
        exit_scope(self._scope)
        return False
