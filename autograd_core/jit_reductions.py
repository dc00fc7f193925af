"""NumPy's reductions of traced gradients inside a compile recording (jit_numpy.py): recorded, so that clipping by
the gradients' norm written by hand replays.

    total = sum((p.grad ** 2).sum() for p in params)      # np.add.reduce of each traced gradient: recorded
    scale = min(1.0, max_norm / np.sqrt(total))            # ufuncs of the traced sum; min's comparison a guard
    for p in params:
        p.data -= lr * scale * p.grad

A ufunc's `reduce` (what `g.sum()`, `g.max()`, `np.sum(g)`, `g.prod()` and GradArray's `g.norm()` call) with NumPy's
keywords axis, dtype and keepdims is computed on the eager array, as eager mode computes it, and recorded as a line
`g7 = R3(E1.grad, axis=C4, ...)` (R3 NumPy's `add.reduce`, the same object at every recording). Its result is traced as
any recorded ufunc's (a NumPy float: jit_numpy's TracedScalar).

A number out of sight. A reduction's result is a Python-visible number, and Python can take it where no recording
follows: `math.sqrt(total)` (which reads a float's value directly, calling none of its methods), `float(total)`,
`mean()`'s conversion of its sum. Such a number, compared in Python or scaling an update, would be a constant of the
program, which two recordings may agree on (a scale of 1.0). So a traced number computed from a reduction that no
later recorded line or guard uses is counted as NumPy out of sight (`unused`): the function then runs eagerly, with a
warning, if the call also updates parameters or gradients from traced numbers (jit_numpy.finish), as any such read.
What this does not see: a number used by a recorded line and also, once more, out of sight (`math.sqrt(total)` beside
`total * 2`); use NumPy's functions (np.sqrt) on traced numbers. `mean()`, `std()` and `var()` are refused outright
(their conversions would hide the traced sum).
"""

from __future__ import annotations

import numpy as np

_KEYWORDS = frozenset(("axis", "dtype", "keepdims", "where", "out"))
_REDUCERS = {}  # ufunc -> its reduce method, one object at every recording (the program binds it by identity)


def reducer(ufunc, kwargs):
    """(ufunc.reduce, the keywords to record) for a reduction the recording follows, or None: NumPy's keywords only,
    no out= and no where= mask."""
    if not _KEYWORDS.issuperset(kwargs) or kwargs.get("out") is not None or kwargs.get("where", True) is not True:
        return None
    method = _REDUCERS.get(ufunc)
    if method is None:
        method = _REDUCERS[ufunc] = ufunc.reduce
    return method, {k: v for k, v in kwargs.items() if k in ("axis", "dtype", "keepdims")}


def reduced(recorder, result, sources):
    """Note a recorded result computed from a reduction (directly, or by a ufunc of one): it must be used later."""
    if sources is None or any(s[0] == "result" and id(s[1]) in recorder.numpy_reduced for s in sources):
        recorder.numpy_reduced[id(result)] = (result, len(recorder.entries))


def unused(recorder):
    """Whether a number computed from a reduction was used by no later recorded line or guard (taken out of sight)."""
    used = set()
    for entry in recorder.entries:
        if entry.__class__ is not tuple:
            continue
        if entry[0] == "numpy":
            used.update(id(s[1]) for s in entry[2] if s[0] == "result")
        elif entry[0] == "numpy guard":
            used.update(id(s[1]) for s in (entry[2], entry[3]) if s is not None and s[0] == "result")
        elif entry[0] == "set data" and entry[2][0] == "result":
            used.add(id(entry[2][1]))
        elif entry[0] == "grad":
            used.add(id(entry[2]))
    return any(key not in used for key in recorder.numpy_reduced)


def norm(traced, p=2, dim=None, keepdim=False, *, refuse, real):
    """GradArray.norm of a traced gradient, by the ufuncs eager mode's computes it with (the same numbers): traced."""
    if dim is None and not keepdim and p in (2, "fro"):
        return np.sqrt((traced * traced).sum())
    if dim is None and not keepdim and p == float("inf"):
        return np.abs(traced).max()
    refuse("a gradient's norm other than the 2-norm or the largest magnitude of all its elements")
    return real(traced).norm(p, dim=dim, keepdim=keepdim)
