"""Tracers: objects that watch every operation as it runs, for forward mode (forward.py) and for
recording compiled steps (compile.py).

While `STATE.tracers` is non-empty the engine hands each operation to `traced_apply` here, which runs it
the ordinary way (with the tracers switched off, so nothing is seen twice) and then shows the new node to
each tracer, innermost first. A tracer works with only the tracers outside it switched on, so what it
computes (a tangent, say) is itself seen by the outer ones (forward over forward mode), never by itself.
"""

from __future__ import annotations

import contextlib

from . import engine
from .modes import STATE


class Tracer:
    """Base class: `record(op, args, params, node)` is called after each operation with its inputs
    (Values, arrays or numbers, as passed), its keyword parameters (a dict or None) and its output."""

    def record(self, op, args, params, node):
        raise NotImplementedError


def traced_apply(op, args, params):
    tracers = STATE.tracers
    STATE.tracers = ()
    try:
        node = engine.apply(op, args, params)
        for k in range(len(tracers) - 1, -1, -1):
            STATE.tracers = tracers[:k]
            tracers[k].record(op, args, params, node)
    finally:
        STATE.tracers = tracers
    return node


@contextlib.contextmanager
def tracing(tracer):
    """Let `tracer` watch every operation inside the block (inside any tracers already watching)."""
    saved = STATE.tracers
    STATE.tracers = saved + (tracer,)
    try:
        yield tracer
    finally:
        STATE.tracers = saved


def suspended():
    """A block in which no tracer watches (for work a tracer does on its own account)."""
    return _Suspended()


class _Suspended:
    __slots__ = ("saved",)

    def __enter__(self):
        self.saved = STATE.tracers
        STATE.tracers = ()

    def __exit__(self, *exc):
        STATE.tracers = self.saved
        return False


engine.traced_apply = traced_apply
