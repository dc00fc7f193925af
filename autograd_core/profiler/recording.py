"""Recording a profile: `Recording`, the tracer that times every operation and backward node of its thread, and
`record_function`, the named blocks around them.

The forward side rides on the tracer mechanism (tracing.py): while a Recording is in this thread's `TRACERS`, every
operation goes through `traced_apply`, which tells it when the operation started; it notes the end when told of the
result. The backward side: a backward pass asks its thread's tracers once for the function that runs each node's rules
(`watch_backward`), and a Recording hands back that function timed. With no profiler running, the engine does exactly
what it did before (no check per operation or per node).

Event names. An operation is `aten::` + its primitive's name (`aten::matmul`, `aten::tanh`, `aten::sum`), or its title
where the name is an operator sign (`+` is `aten::add`, `*` `aten::mul`, `/` `aten::div`, `-` `aten::sub`, `**`
`aten::pow`); a result without a gradient computed by a NumPy function (`x > 0`, `argmax`) is `aten::` + that
function's name (`aten::greater`). A backward node is its `grad_fn.name()` (`TanhBackward0`, `MatmulBackward0`), as
PyTorch names its autograd events; a leaf's accumulation into `.grad` is not an event.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from time import perf_counter_ns, time_ns

import numpy as np

from ..grad_fn import GradFn
from ..modes import TRACERS
from ..tracing import Tracer
from .events import EventList, FunctionEvent, build_tree

_OP_NAMES = {}        # Primitive -> its events' name (see the module's docstring)
_BACKWARD_NAMES = {}  # Primitive -> its backward nodes' events' name


def _op_name(op, params):
    name = _OP_NAMES.get(op)
    if name is None:
        name = _OP_NAMES[op] = "aten::" + (op.name if op.name.isidentifier() else op.title)
    if name == "aten::nondifferentiable" and params:  # x > 0, argmax, ...: the NumPy function says which
        name = "aten::" + getattr(params.get("fn"), "__name__", "nondifferentiable").strip("_")
    return name


def _backward_name(node):
    op = node._op
    name = _BACKWARD_NAMES.get(op)
    if name is None:
        name = _BACKWARD_NAMES[op] = GradFn(node).name()
    return name


def _shape_of(x):
    return list(getattr(x, "shape", ()))


def _output_bytes(op, out, args):
    """Bytes the operation allocated for its output: 0 for a view of its first input (reshape, transpose)."""
    if op.views and args and np.may_share_memory(out, args[0].data):
        return 0
    return getattr(out, "nbytes", 0)


def _gradient_bytes(parents, before, g):
    """Bytes of the gradients a node's rules made for its inputs: each input's received gradient that changed and is
    not g itself or a view of it (x + y hands g on, reshape a view of it: nothing allocated)."""
    total = 0
    for parent, old in zip(parents, before):
        new = parent._pending
        if new is not old and isinstance(new, np.ndarray) and not np.may_share_memory(new, g):
            total += new.nbytes
    return total


class Recording(Tracer):
    """The events of one profiling session in one thread: every operation run there (forward), every backward node
    processed there, and the `record_function` blocks entered there while it records. Installed in the thread's
    TRACERS by `start()`, removed by `stop()`, which returns the events as an EventList."""

    runs_operations = False  # it only reads shapes and sizes
    timed = True
    follows_values = False

    def __init__(self, record_shapes=False, profile_memory=False):
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.events = []
        self.open_blocks = []  # record_function events not yet closed
        self.thread = threading.get_native_id()
        self.base_ns, self.wall_base_ns = perf_counter_ns(), time_ns()

    # -- forward
    def record_timed(self, op, args, params, node, started):
        ended = perf_counter_ns()
        shapes = types = ()
        if self.record_shapes:
            shapes = [_shape_of(a) for a in args]
            types = [str(a.data.dtype) for a in args]
        memory = _output_bytes(op, node.data, args) if self.profile_memory else 0
        self.events.append(FunctionEvent(_op_name(op, params), started, ended, self.thread, shapes, types, memory))

    def record(self, op, args, params, node):  # a tracer told without a start time: a zero-length event
        self.record_timed(op, args, params, node, perf_counter_ns())

    # -- backward
    def watch_backward(self, to_parents):
        events, thread = self.events, self.thread
        record_shapes, profile_memory = self.record_shapes, self.profile_memory

        def timed_to_parents(node, g, create_graph, anomaly, passed_through, release=None, released=None):
            if profile_memory:
                parents = node._parents
                before = [p._pending for p in parents]
            started = perf_counter_ns()
            to_parents(node, g, create_graph, anomaly, passed_through, release, released)
            ended = perf_counter_ns()
            shapes = [_shape_of(g)] if record_shapes else ()
            types = [str(getattr(g, "dtype", ""))] if record_shapes else ()
            memory = _gradient_bytes(parents, before, g) if profile_memory else 0
            events.append(FunctionEvent(_backward_name(node), started, ended, thread, shapes, types, memory))

        return timed_to_parents

    # -- record_function blocks
    def open_block(self, name):
        event = FunctionEvent(name, perf_counter_ns(), None, self.thread, category="user_annotation")
        self.open_blocks.append(event)
        return event

    def close_block(self, event):
        if event.end_ns is None:  # not closed already by stop()
            event.end_ns = perf_counter_ns()
            self.open_blocks.remove(event)
            self.events.append(event)

    # -- the session
    def start(self):
        """Record in this thread from now on (inside the tracers already watching it)."""
        TRACERS.set(TRACERS.get() + (self,))

    def stop(self):
        """Stop recording; close the blocks still open; return the events, sorted by start time, as an EventList."""
        tracers = TRACERS.get()
        if self not in tracers:
            raise RuntimeError("profiler: stop() must be called in the thread (and context) that started the profile")
        TRACERS.set(tuple(t for t in tracers if t is not self))
        ended = perf_counter_ns()
        for event in list(self.open_blocks):
            event.end_ns = ended
            self.events.append(event)
        self.open_blocks.clear()
        return EventList(build_tree(self.events), self.profile_memory, self.base_ns, self.wall_base_ns)


def recordings_here():
    """The Recordings watching this thread now, outermost first (usually none or one)."""
    return [tracer for tracer in TRACERS.get() if tracer.__class__ is Recording]


class record_function(contextlib.ContextDecorator):
    """`with record_function("name"):` or `@record_function("name")`: while a profiler records in this thread, the
    block is an event of that name, enclosing the operations run inside it (its self time is its time minus
    theirs); with no profiler it does nothing. `args` is accepted (PyTorch's) and not recorded."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._open = []  # (recording, event) per entry: the same object may be entered again inside itself

    def __enter__(self):
        self._open.append([(recording, recording.open_block(self.name)) for recording in recordings_here()])
        return self

    def __exit__(self, *exc):
        for recording, event in self._open.pop():
            recording.close_block(event)
        return False

    def _recreate_cm(self):
        # Each call of a decorated function gets a copy with its own stack (two threads in it at once).
        fresh = copy.copy(self)
        fresh._open = []
        return fresh
