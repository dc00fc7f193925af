"""What a compiled step's program calls at replay (jit_plan.py writes the calls): the helpers of its namespace
(`_RUNTIME`: a leaf's gradient made its own or accumulated, a result made a leaf, the guards on values read), the node
a replayed output becomes in the graph (`_graph`, PyTorch's CompiledFunctionBackward), and the program objects that
run the compiled function (`_Program`; `_DrawingProgram` and `_RestoringProgram` put back the generators' states and
the gradients a failed guard found changed)."""

from __future__ import annotations

import numpy as np

from .recording import apply
from .float_errors import quiet, restore, silence
from .grad_array import GradArray
from .jit_grad_guards import put_back, saved_state
from .jit_inline import _UFUNCS
from .jit_inplace import store
from .ops.primitive import PRIMITIVES, Primitive
from .sparse_array import SparseArray
from .threads import Aside, run_aside
from .value import Value

def _accumulate(leaf, g, passed):
    """What the engine does at a leaf: its .grad becomes g (an array of its own) or old + g."""
    old = leaf.grad
    leaf.grad = _own(g, passed) if old is None else old + g


def _sum_into(old, g):
    """A parameter's .grad `old` plus g as the engine's pass makes it (backward_undo._add_later): added into `old` in
    place, as PyTorch's AccumulateGrad, where `old` is a writable array (a reference held to .grad sees the sum); else a
    new sum (a NumPy scalar, a read-only array, a sparse gradient): the engine's test, written out in _chain_rule's
    leaf step (a call there would cost every leaf of a scalar graph's pass)."""
    if (old.__class__ is np.ndarray or old.__class__ is GradArray) and old.flags.writeable \
            and g.__class__ is not SparseArray:
        old += g
        return old
    return old + g


def _own(g, passed):
    """g as an array of its own, as a leaf's .grad must be: a copy when a rule passed it through (`passed`),
    or it is read-only (a broadcast view) or a view of another array."""
    if g.__class__ is np.ndarray and (passed or not g.flags.writeable or g.base is not None):
        return g.copy()
    return g


def _aside(key, rule, *args, **params):
    """rule(*args, **params) set aside on a pool thread (threads.run_aside, as the engine sets a convolution's weight
    gradient aside), or called here: an Aside or the result, which `_taken` turns into the result."""
    later = run_aside(lambda: rule(*args, **params), key)
    return rule(*args, **params) if later is None else later


def _taken(t):
    """The result of `_aside`'s call, waited for if it ran on a pool thread."""
    return t.result() if t.__class__ is Aside else t


def _leaf(data, grad):
    v = Value(data, requires_grad=False, dtype=data.dtype)  # integer and boolean results keep their dtype
    if grad is not None:
        v.grad = grad
    return v


def _guard_failed():
    from .jit import _GuardFailed

    return _GuardFailed()


def _reader(convert):
    def check(data, expected):
        if convert(data) != expected:
            raise _guard_failed()

    return check


class _ReplayedCall:
    """What one replay of a graph output keeps for its node's rule: the backward function, the forward's results it
    reads, and the gradients of all the node's inputs, computed at the first input's turn and handed out one by
    one (the engine asks for them in input order, once per pass)."""

    __slots__ = ("data", "backward", "saved", "grads", "g", "last")

    def __init__(self, data, backward, saved):
        self.data, self.backward, self.saved, self.grads, self.g, self.last = data, backward, saved, None, None, -1

    def gradient(self, i, g):
        grads = self.grads
        if grads is None or g is not self.g or i <= self.last:  # the first input asked for in this pass (or for this g)
            grads = self.grads = self.backward(g, self.saved)
            self.g = g
        self.last = i
        if i == len(grads) - 1:
            self.grads = self.g = None  # handed out: not kept by a graph retained for another pass
        return grads[i]

    def __repr__(self):
        return "<the recorded backward pass>"


def _replayed_forward(*xs, call):
    """The output the replay computed (the node's inputs are the parameters and arguments it read)."""
    return call.data


def _replayed_vjp(argnum, g, out, *xs, call):
    if isinstance(g, Value):
        raise RuntimeError("compile: a second derivative (create_graph=True) through the output of a compiled module "
                           "is not supported (nor is it by PyTorch's torch.compile); differentiate the module "
                           "uncompiled (model._orig_mod) for higher-order gradients")
    return call.gradient(argnum, g)


# One node per replayed output that a later backward pass differentiates: PyTorch's CompiledFunctionBackward.
_REPLAYED = Primitive("compiled_function", _replayed_forward, title="compiled function", module=__name__)
PRIMITIVES.pop("compiled_function")  # one node per replayed call, not an operation of the catalogue
_REPLAYED.defvjp_argnum(_replayed_vjp, formula="the recorded backward pass")


def _graph(data, parents, backward, saved):
    """A replayed output as a node of the graph: its inputs are `parents` (Values), its rule `backward` on `saved`."""
    return apply(_REPLAYED, parents, {"call": _ReplayedCall(data, backward, saved)})


_RUNTIME = {
    **_UFUNCS, "_acc": _accumulate, "_own": _own, "_sum_into": _sum_into, "_leaf": _leaf, "_graph": _graph,
    "_aside": _aside, "_taken": _taken,
    "_astype": lambda t, dtype: t.astype(dtype), "_copy": lambda x: x.copy(), "_conj": np.conjugate,
    "_reshape": lambda a, shape: a.reshape(shape), "_grad_of": lambda v: v.grad,
    "_set_grad": lambda v, g: setattr(v, "grad", g), "_store": store, "_copyto": np.copyto,
    "_read_item": _reader(lambda d: d.item()), "_read_float": _reader(float),
    "_read_int": _reader(int), "_read_bool": _reader(bool), "_read_index": _reader(lambda d: int(d.item())),
    "_read_tolist": _reader(lambda d: np.asarray(d).tolist()),
}


class _Program:
    __slots__ = ("replay", "source", "tentative")

    def __init__(self, replay, source):
        self.replay, self.source = replay, source
        # (the arguments' arrays, the plan): set when the two recordings that agreed saw the same data, so their
        # agreement says nothing about constants derived from it; a call with other data records once more first.
        self.tentative = None

    def run(self, leaves):
        # NumPy's float warnings off, as in eager mode (float_errors.py): once per call, as `quiet()` without its
        # object's two method calls
        token = silence()
        try:
            return self.replay(*leaves)
        finally:
            restore(token)


class _DrawingProgram(_Program):
    """A program with a guard that may fail after it has drawn random numbers: a replay that fails one puts the
    generators' states back first, so the call, then run eagerly, draws the numbers eager mode draws. (Other programs
    fail their guards before they change anything, and pay nothing for this.)"""

    __slots__ = ("generators",)

    def __init__(self, replay, source, generators):
        super().__init__(replay, source)
        self.generators = generators  # `generator=` specs (None: the default, looked up at each call) and generators

    def run(self, leaves):
        from .jit import _GuardFailed
        from .generator import get_rng

        generators = [get_rng(g) for g in self.generators]
        states = [g.bit_generator.state for g in generators]
        try:
            with quiet():  # as _Program.run
                return self.replay(*leaves)
        except _GuardFailed:
            for generator, state in zip(generators, states):
                generator.bit_generator.state = state
            raise


class _RestoringProgram(_DrawingProgram):
    """A program that compares gradients in Python (jit_grad_guards.py): its guards come after the backward pass, so
    a replay that fails one puts back the gradients and data it changed (and the generators' states) before it
    raises."""

    __slots__ = ("owners",)

    def __init__(self, replay, source, generators, owners):
        super().__init__(replay, source, generators)
        self.owners = owners

    def run(self, leaves):
        from .jit import _GuardFailed

        saved = saved_state(self.owners)
        try:
            return super().run(leaves)
        except _GuardFailed:
            put_back(self.owners, saved)
            raise
