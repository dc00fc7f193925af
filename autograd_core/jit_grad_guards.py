"""Guards on gradients compared in Python inside a compile recording (jit.py, jit_numpy.py): the outcome of a
comparison that may steer Python is checked at each replay, as the values read with `.item()` are.

    loss.backward()
    for p in params:
        if abs(p.grad) > 10:              # micrograd's scalar gradient (a traced NumPy float: jit_numpy)
            p.data += -0.001 * p.grad
        else:
            p.data += -0.05 * p.grad

The comparison runs on the eager numbers and is recorded as ("numpy guard", how, source, other, outcome): `how` one
of "<", "<=", ">", ">=", "==", "!=" or "bool" (also of the result of `all()` or `any()`: `(g == 0).all()`); `source`
what the compared number is (a Value's gradient, a recorded ufunc's result: jit_numpy._source); `other` the number
it is compared with (a constant, or another traced source). The program recomputes the comparison at the same place
and raises GuardFailed where the outcome differs: the call is recorded again, down the other branch, never replayed
down the recorded one.

A gradient is known only once a backward pass has run, so such a guard comes after the program has changed state: the
gradients (backward passes, `p.grad = 0.0`, idempotent effects such as `zero_grad`) and the data of parameters that
a hand-written update changed (the previous parameter's, in a loop that compares and updates each). A program with one
keeps the gradients and data of the Values made before the call that it names (copies of their arrays: ElementView's
backward pass writes into its base's in place, and `p.data += t` writes into the data) and puts them back before it
raises, so the call, recorded again, starts from what eager mode starts from. A comparison after a change that cannot be
put back (an optimizer's step or another effect that is not idempotent, a store of a parameter changed in place, a
write to an optimizer's parameter group) is refused: the function then runs eagerly, with a warning.
"""

from __future__ import annotations

import numbers

import numpy as np

from .element import ElementView
from .value import Value

OPERATORS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__eq__": "==", "__ne__": "!="}


def compared(recorder, how, source, other, outcome, refuse):
    """Record the comparison `how` (or bool(): how "bool", other None) of a number from `source` with `other` (None,
    or its source) that gave `outcome`; refuse it (`refuse(what)`) where an operand is no number the recording knows
    (made by NumPy it did not follow: a constant, which two recordings may agree on)."""
    if source[0] == "constant" or (other is not None and other[0] == "constant"
                                   and not isinstance(other[1], (numbers.Number, np.generic))):
        return refuse(f"a gradient {'used as a truth value' if how == 'bool' else 'compared'} (of NumPy the "
                      "recording did not follow, or with an array)")
    recorder.entries.append(("numpy guard", how, source, other, outcome))
    return None


def plan_guard(plan, how, source, other, outcome, unrestorable, expr):
    """The line that checks a recorded comparison at replay: `if bool(E3.grad > C7) is not C8: raise GuardFailed()`.
    unrestorable: what changed before it that a failing guard could not put back (None: nothing)."""
    if unrestorable is not None:
        from .jit_plan import _unsupported

        raise _unsupported(f"a gradient is compared (or used as a truth value) after {unrestorable}: a replay would "
                           "learn the outcome only after changing what it cannot put back; compare before it")
    test = f"bool({expr(plan, source)})" if how == "bool" else (
        f"bool({expr(plan, source)} {how} {expr(plan, other)})")
    plan.lines.append(f"if {test} is not {plan.constant(bool(outcome))}: raise GuardFailed()")
    plan.gradient_guards = True


def restored_owners(plan):
    """The Values whose gradients and data a program with gradient guards puts back when one fails: those made before
    the call that its lines name (ElementViews by their bases)."""
    owners = {}
    for obj in plan.ns.objects.values():
        if isinstance(obj, ElementView):
            obj = obj.base
        if getattr(obj, "_index", None) is not None and obj._index < plan.start and hasattr(obj, "_grad"):
            owners[id(obj)] = obj
    return list(owners.values())


def saved_state(owners):
    """What `put_back` needs: each owner's gradient (a copy of an array) and data (the array, and a copy of it)."""
    state = []
    for owner in owners:
        g, data = owner._grad, _DATA.__get__(owner)
        state.append((g.copy() if isinstance(g, np.ndarray) else g, data,
                      data.copy() if isinstance(data, np.ndarray) else None))
    return state


def put_back(owners, state):
    """The gradients and data of `owners` as `saved_state` found them (the same data arrays, refilled)."""
    for owner, (g, data, contents) in zip(owners, state):
        owner._grad = g
        if contents is not None:
            np.copyto(data, contents)
        _DATA.__set__(owner, data)


_DATA = Value.__dict__["data"]  # Value's data slot itself (a Parameter's setter would convert)
