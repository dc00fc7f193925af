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

What with_stack, with_flops and with_modules add, at a cost paid only by the profiles that ask for them:

- with_stack: each event's `stack`, the Python frames that led to it, innermost first, as "file(line): function"
  (the file as Python names it, the line being run, as PyTorch's): the frames of autograd_core's own code (its
  modules, and autograd_core.nn's and .optim's) are left out, as PyTorch leaves out its C++, so what is left is the
  user's code (PyTorch's own Python frames, torch/nn/modules/*.py, are in its stacks). The frames are kept as code
  objects and line numbers while recording and written as text when the profile stops. A backward node gets the
  stack of the operation that made it, as PyTorch's does, and the operations a backward pass records
  (create_graph=True) get their node's.
- with_flops: the floating-point operations PyTorch's formulas count, for the same shapes (`_FLOPS`): a matrix
  product (`matmul`, and what calls it: mm, bmm, addmm's product, `@`) 2·batch·n·k·m, counted as PyTorch counts the
  mm or bmm its matmul becomes (nothing when the second factor is a vector: mv, dot); `linear` 2·rows·in·out;
  `conv2d` 2·N·H_out·W_out·(the weight's elements) (conv1d and conv3d run as conv2d here: they are counted; PyTorch
  counts neither); `*` and `+` the elements of the first input (of the other when the first is 0-d, as PyTorch
  moves a Python number to the right). A backward node counts what PyTorch's mm, bmm and mul events inside its
  backward function count (`_backward_flops`): a product's or linear's forward count per input that needs a
  gradient, a `*` the gradient's elements per such input. Input shapes are recorded with with_flops, as PyTorch
  records them.
- with_modules: each event's `module_hierarchy`, the chain of `modes.current_scope()` when it ran (a module call
  is one scope, nn.Module.__call__ enters it): `TOP(Net)::forward.fc1(Linear)::forward.`, PyTorch's format (the
  outermost is TOP, each one its attribute name and class). A backward node: the scope its operation ran in.
"""

from __future__ import annotations

import contextlib
import copy
import math
import sys
import threading
import weakref
from time import perf_counter_ns, time_ns

import numpy as np

from ..grad_fn_names import backward_name, name_depends_on_call
from ..modes import TRACERS, current_scope
from ..scattered_gradient import ScatteredGradient
from ..tracing import Tracer
from .events import SCOPE_BACKWARD_FUNCTION, SCOPE_USER, EventList, FunctionEvent, build_tree

_OP_NAMES = {}        # Primitive -> its events' name (see the module's docstring)
_BACKWARD_NAMES = {}  # Primitive -> its backward nodes' events' name, where it names all of them alike


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
        name = backward_name(node)  # linear: AddmmBackward0 or MmBackward0, by its inputs (grad_fn_names._CONTEXTS)
        if not name_depends_on_call(op):
            _BACKWARD_NAMES[op] = name
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


# ----------------------------------------------------------------------------------------------------
# FLOPs (with_flops), by primitive name: PyTorch's formulas (see the module's docstring)


def _matmul_flops(a, b):
    """2·batch·n·k·m for a (..., n, k) @ (..., k, m), as PyTorch counts the mm or bmm its matmul runs: a vector on
    the left is one row; a vector on the right (mv, dot) is not counted."""
    if len(a) == 0 or len(b) < 2:
        return 0
    rows = a[-2] if len(a) >= 2 else 1
    batch = math.prod(np.broadcast_shapes(a[:-2], b[:-2]))
    return 2 * batch * rows * b[-2] * b[-1]


def _linear_flops(x, weight, *bias):
    """2·rows·in·out: PyTorch's addmm (or mm) on the input's rows (a vector input is one row)."""
    return 2 * math.prod(x[:-1]) * math.prod(weight) if len(weight) == 2 else 0


def _elementwise_flops(a, b=(), *rest):
    """The elements of the first input (of the second when the first is 0-d and the second is not: PyTorch moves a
    Python number on the left of * or + to the right)."""
    return math.prod(b if not a and b else a)


_FLOPS = {"matmul": _matmul_flops, "linear": _linear_flops, "*": _elementwise_flops, "+": _elementwise_flops}


def _operation_flops(op, args, out):
    if op.name == "conv2d":  # 2·N·H_out·W_out·(out channels · in channels/groups · kh · kw)
        shape = np.shape(out)
        return 2 * shape[0] * shape[2] * shape[3] * math.prod(np.shape(args[1].data)) if len(shape) == 4 else 0
    count = _FLOPS.get(op.name)
    return count(*[np.shape(a.data) for a in args]) if count is not None else 0


def _backward_flops(node, parents, g):
    """What PyTorch's events inside the backward function of `node` count: a matrix product's (or linear's) forward
    count for each input that needs a gradient (its grad_input and grad_weight mm), a `*`'s gradient's elements per
    such input (g times the other input)."""
    name = node._op.name
    if name in ("matmul", "linear"):
        shapes = [np.shape(p.data) for p in parents]
        each = _FLOPS[name](*shapes)
        return each * sum(1 for p in parents[:2] if p._requires_grad)
    if name == "*":
        return math.prod(np.shape(g)) * sum(1 for p in parents if p._requires_grad)
    return 0


# ----------------------------------------------------------------------------------------------------
# Module hierarchies (with_modules)


def _hierarchy(scope, known):
    """PyTorch's module hierarchy text for a scope (modes.Scope) and its parents, outermost first; `known` caches
    the text per scope."""
    if scope is None:
        return ""
    text = known.get(scope)
    if text is None:
        name = "TOP" if scope.parent is None else scope.name
        level = f"{name}({scope.kind})::forward." if scope.owner is not None else f"{name}({scope.kind})."
        text = known[scope] = _hierarchy(scope.parent, known) + level
    return text


class Recording(Tracer):
    """The events of one profiling session in one thread: every operation run there (forward), every backward node
    processed there, and the `record_function` blocks entered there while it records. Installed in the thread's
    TRACERS by `start()`, removed by `stop()`, which returns the events as an EventList."""

    runs_operations = False  # it only reads shapes and sizes
    timed = True
    follows_values = False

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False):
        self.record_shapes = record_shapes or with_flops  # FLOPs need the shapes: PyTorch records them then
        self.profile_memory = profile_memory
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.annotates = with_stack or with_flops or with_modules  # the one check the other profiles pay per event
        self.events = []
        self.open_blocks = []  # record_function events not yet closed
        self.thread = threading.get_native_id()
        self.base_ns, self.wall_base_ns = perf_counter_ns(), time_ns()
        self.internal_code = {}  # code object -> whether it is autograd_core's (with_stack)
        self.forward_stacks = {}  # id(node) -> (weak reference to the node, its operation's frames) (with_stack)

    # -- with_stack, with_flops, with_modules
    def user_frames(self, frame):
        """The frames from `frame` outwards that are not autograd_core's code, as (code, line) pairs."""
        internal_code, frames = self.internal_code, []
        while frame is not None:
            code = frame.f_code
            internal = internal_code.get(code)
            if internal is None:
                module = frame.f_globals.get("__name__") or ""
                internal = internal_code[code] = module == "autograd_core" or module.startswith("autograd_core.")
            if not internal:
                frames.append((code, frame.f_lineno))
            frame = frame.f_back
        return frames

    def annotate(self, event, op, args, node):
        if self.with_stack:
            event.stack = self.user_frames(sys._getframe(2))
            if node._p0 is not None:  # a node of the graph: its backward node will get this stack
                self.forward_stacks[id(node)] = (weakref.ref(node), event.stack)
        if self.with_flops:
            event.flops = _operation_flops(op, args, node.data)
        if self.with_modules:
            event.module_hierarchy = current_scope()  # the Scope; its text is written when the profile stops

    def annotate_backward(self, node, g, create_graph):
        """(stack, flops, scope) of the event of backward node `node`, read before its rules run (a backward pass
        that releases the graph takes the node's parents away). With create_graph the rules' operations are
        recorded, each with its FLOPs: the node counts none itself, as PyTorch's backward events."""
        stack, flops, scope = [], 0, ""
        if self.with_stack:
            entry = self.forward_stacks.get(id(node))
            if entry is not None and entry[0]() is node:
                stack = entry[1]
        if self.with_flops and not create_graph:
            flops = _backward_flops(node, node._parents, g)
        if self.with_modules:
            scope = node._scope
        return stack, flops, scope

    def finish_annotations(self, events):
        """Write the frames and scopes recorded as objects as PyTorch's text; give the events inside a backward node
        (a create_graph backward records operations) that node's stack and modules. `events` are sorted by start
        time, their tree built."""
        texts, hierarchies, anchors = {}, {}, {}
        for event in events:
            parent = event.cpu_parent
            anchor = None
            if parent is not None:
                anchor = parent if parent.scope == SCOPE_BACKWARD_FUNCTION else anchors.get(parent)
            if anchor is not None:
                anchors[event] = anchor
                event.stack, event.module_hierarchy = anchor.stack, anchor.module_hierarchy
                continue
            if self.with_stack and event.stack:
                frames = []
                for code, line in event.stack:
                    text = texts.get((code, line))
                    if text is None:
                        text = texts[code, line] = f"{code.co_filename}({line}): {code.co_name}"
                    frames.append(text)
                event.stack = frames
            if self.with_modules:
                event.module_hierarchy = _hierarchy(event.module_hierarchy or None, hierarchies)

    # -- forward
    def record_timed(self, op, args, params, node, started):
        ended = perf_counter_ns()
        shapes = types = ()
        if self.record_shapes:
            shapes = [_shape_of(a) for a in args]
            types = [str(a.data.dtype) for a in args]
        memory = _output_bytes(op, node.data, args) if self.profile_memory else 0
        event = FunctionEvent(_op_name(op, params), started, ended, self.thread, shapes, types, memory)
        if self.annotates:
            self.annotate(event, op, args, node)
        self.events.append(event)

    def record(self, op, args, params, node):  # a tracer told without a start time: a zero-length event
        self.record_timed(op, args, params, node, perf_counter_ns())

    # -- backward
    def watch_backward(self, to_parents):
        events, thread = self.events, self.thread
        record_shapes, profile_memory = self.record_shapes, self.profile_memory
        annotates, annotate_backward = self.annotates, self.annotate_backward

        def timed_to_parents(node, g, create_graph, anomaly, passed_through, release=None, released=None):
            if profile_memory:
                parents = node._parents
                before = [p._pending for p in parents]
            if annotates:
                annotations = annotate_backward(node, g, create_graph)
            started = perf_counter_ns()
            to_parents(node, g, create_graph, anomaly, passed_through, release, released)
            for parent in node._parents:  # a gradient the rule left scattered is made here, in the rule's time
                pending = parent._pending
                if pending.__class__ is ScatteredGradient:
                    pending.dense()
            ended = perf_counter_ns()
            shapes = [_shape_of(g)] if record_shapes else ()
            types = [str(getattr(g, "dtype", ""))] if record_shapes else ()
            memory = _gradient_bytes(parents, before, g) if profile_memory else 0
            event = FunctionEvent(_backward_name(node), started, ended, thread, shapes, types, memory,
                                  scope=SCOPE_BACKWARD_FUNCTION)
            if annotates:
                event.stack, event.flops, event.module_hierarchy = annotations
            events.append(event)

        return timed_to_parents

    # -- record_function blocks
    def open_block(self, name):
        event = FunctionEvent(name, perf_counter_ns(), None, self.thread, category="user_annotation",
                              scope=SCOPE_USER)
        if self.with_stack:
            event.stack = self.user_frames(sys._getframe(1))
        if self.with_modules:
            event.module_hierarchy = current_scope()
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
        events = build_tree(self.events)
        if self.with_stack or self.with_modules:
            self.finish_annotations(events)
        self.forward_stacks.clear()
        return EventList(events, self.profile_memory, self.base_ns, self.wall_base_ns, with_flops=self.with_flops,
                         with_stack=self.with_stack, with_modules=self.with_modules)


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
