"""Tracers: objects that watch every operation as it runs, for forward mode (forward.py), for
recording compiled steps (jit.py) and for the profiler (profiler.py).

While `TRACERS` (per thread, modes.py) is non-empty `apply` (recording.py) hands each operation to `traced_apply` here,
which runs it the ordinary way (with the tracers switched off, so nothing is seen twice) and then shows the new node to
each tracer, outermost first. A tracer works with only the tracers outside it switched on, so what it
computes (a tangent, say) is itself seen by the outer ones (forward over forward mode), never by itself. Outermost
first, because what an inner tracer computes may use the new node itself (exp's tangent is t·exp(x), the output
times t): an outer tracer must have seen the node before it sees an operation on it, or it would take the node
for a constant (d/dx of t·eˣ would lose the eˣ's own derivative).

A backward pass asks once whether tracers watch its thread; if so, each may wrap the function that runs a node's
rules (`Tracer.watch_backward`: the profiler times each node with it). Untraced, neither side checks anything more.
"""

from __future__ import annotations

from time import perf_counter_ns

from . import backward_edges, engine, recording
from .modes import TRACERS
from .value import Value


class Tracer:
    """Base class: `record(op, args, params, node)` is called after each operation with its inputs
    (Values, arrays or numbers, as passed), its keyword parameters (a dict or None) and its output.

    A tracer with `timed = True` is called `record_timed(op, args, params, node, started)` instead, `started` being
    `time.perf_counter_ns()` when the operation began (before its inputs were converted)."""

    runs_operations = True  # False: `record` never runs an operation on Values (so it needs no hiding)
    timed = False
    # False for a tracer that only watches (the profiler): code that takes another path while Values are followed
    # (by a jvp or a compile recording; `modes.values_followed`) need not take it for this one.
    follows_values = True
    # True: `apply_directly(op, args)` may run an operation without parameters in place of traced_apply's general
    # path (forward mode's numeric trace, alone: its hot path), returning the node, or None to leave it to that path.
    applies_directly = False

    def record(self, op, args, params, node):
        raise NotImplementedError

    def record_timed(self, op, args, params, node, started):
        raise NotImplementedError

    def watch_backward(self, to_parents):
        """The function a backward pass in this thread calls to run a node's rules, `to_parents(node, g, ...)`
        (backward_edges._to_parents, or an inner tracer's wrapper of it): this one unchanged, or a wrapper that calls
        it."""
        return to_parents


def traced_apply(op, args, params):
    """`recording.apply`, then each tracer's `record`; constants are made Values first, so tracers see Values."""
    if op.check_operand_dtypes is not None:  # before constants are made Values (they are not checked)
        recording.check_tensor_dtypes(op, args)
    if params is None:
        tracers = TRACERS.get()
        if len(tracers) == 1 and tracers[0].applies_directly:
            node = tracers[0].apply_directly(op, args)
            if node is not None:
                return node
    started = perf_counter_ns()  # for timed tracers (the profiler): ~50 ns, on the traced path only
    if len(args) == 2:  # as recording.apply_binary does (cheaper than the general conversion)
        a, b = args
        if not isinstance(b, Value):
            args = (a, _constant(b, a))
        elif not isinstance(a, Value):
            args = (_constant(a, b), b)
    else:
        for a in args:
            if not isinstance(a, Value):
                args = recording._with_constants(args)
                break
    if op.name == "-" or op.name == "neg":  # PyTorch refuses them with a bool operand (NumPy computes or raises)
        recording._refuse_bool_arithmetic(op, args)
    # PyTorch's dtypes, as the untraced engine gives them; conversions are recorded operations here.
    if op.promotes:
        args = recording._promoted(args, record=True, convert=op.check_operand_dtypes is not None)
    elif len(args) == 1 and params is None and args[0].data.dtype.kind in "biu":
        args = recording._integers_to_float_for(op, args)
    tracers = TRACERS.get()
    if len(tracers) == 1 and params is None and len(args) <= 2 and not tracers[0].runs_operations:
        # The common case (one tracer that records without running operations, an operator or an
        # elementwise function): what recording.apply_binary/apply_unary do, without switching the tracer off and on.
        try:
            if len(args) == 2:
                a, b = args
                out, needs_grad = op.forward(a.data, b.data), a.requires_grad or b.requires_grad
            else:
                out, needs_grad = op.forward(*[a.data for a in args]), any(a.requires_grad for a in args)
        except ValueError as err:
            raise recording._shape_error(op, args, err) from None
        node = recording._record(op, out, args, None, needs_grad)
        tracer = tracers[0]
        if tracer.timed:
            tracer.record_timed(op, args, params, node, started)
        else:
            tracer.record(op, args, params, node)
        return node
    TRACERS.set(())
    try:
        node = recording.apply(op, args, params)
        for k in range(len(tracers)):  # outermost first (see the module's docstring)
            if k:
                TRACERS.set(tracers[:k])
            tracer = tracers[k]
            if tracer.timed:
                tracer.record_timed(op, args, params, node, started)
            else:
                tracer.record(op, args, params, node)
    finally:
        TRACERS.set(tracers)
    return node


class tracing:
    """`with tracing(tracer):` lets `tracer` watch every operation inside the block (inside any tracers
    already watching)."""

    __slots__ = ("tracer", "saved")

    def __init__(self, tracer):
        self.tracer = tracer

    def __enter__(self):
        self.saved = TRACERS.get()
        TRACERS.set(self.saved + (self.tracer,))
        return self.tracer

    def __exit__(self, *exc):
        TRACERS.set(self.saved)
        return False


def suspended():
    """A block in which no tracer watches (for work a tracer does on its own account)."""
    return _Suspended()


class _Suspended:
    __slots__ = ("saved",)

    def __enter__(self):
        self.saved = TRACERS.get()
        TRACERS.set(())

    def __exit__(self, *exc):
        TRACERS.set(self.saved)
        return False


def watched_to_parents(tracers):
    """backward_edges._to_parents as the tracers watching a backward pass want it (`Tracer.watch_backward`), innermost
    tracer's wrapper outermost; the engine asks once per pass, and only when tracers watch its thread."""
    to_parents = backward_edges._to_parents
    for tracer in tracers:
        to_parents = tracer.watch_backward(to_parents)
    return to_parents


_constant = Value._constant
recording.traced_apply = traced_apply
engine.watched_to_parents = watched_to_parents
