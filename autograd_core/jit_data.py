"""The data of Values made before a call, read while the call is recorded (jit.py): NumPy's in-place work on it out
of the recording's sight makes the function run eagerly.

    d = w.data; d *= 0.99                        # w a Value that requires grad (no Parameter: its data a plain array)
    np.multiply(w.data, 0.99, out=w.data)        # a ufunc writing into a Value's data, Parameter or not
    n = w.detach().numpy(); n -= 0.1             # the same memory, handed out by the library

A plain ndarray has no hook that a write could go through (a Parameter's data, a ParameterArray, has its augmented
assignments watched: jit_numpy.watched_augmented), and NumPy's ufuncs called with out= on it run in C. Such a write is
not recorded, and a replay, which runs the recorded operations only, would skip it. So the recording keeps a copy of
each such array as it is first read (`Value.data`, by the user's code or the library's: an operation on a parameter,
`numpy()`; not inside effects) and accounts for its contents: before each change that the recording makes part of the
program (a recorded ufunc writing into it, a store of an in-place method of the Value, an effect such as an optimizer's
step, a scalar weight's data set) the array must still hold what the recording last saw, and after it the copy is taken
again; at the end of the call the array must hold it too. Where it does not, something the recording did not see wrote
into it: the function runs eagerly, with a CompileWarning that says so (never replays without the change). Only
recordings pay for this.
"""

from __future__ import annotations

import numpy as np

from .jit_references import _same_contents


def read(recorder, value, data):
    """`value.data` (a Value made before the call) read while `recorder` records (outside effects): its contents from
    now on are the recording's to account for."""
    if not isinstance(data, np.ndarray):
        return  # (a NumPy scalar: immutable)
    if id(data) not in recorder.data_seen:
        recorder.data_seen[id(data)] = [data, data.copy(), value]


def before(recorder, arrays=None):
    """A change the recording makes part of the program is about to write into `arrays` (all the data read, for an
    effect): they must hold what the recording saw, else NumPy changed them out of its sight."""
    for entry in _entries(recorder, arrays):
        if not _same_contents(entry[0], entry[1]):
            _unseen(recorder, entry)


def after(recorder, arrays=None):
    """After a recorded change wrote into `arrays` (all the data read, for an effect): their new contents are seen."""
    for entry in _entries(recorder, arrays):
        entry[1] = entry[0].copy()


def finish(recorder):
    """At the end of a recording: the data read holds what the recording last saw."""
    before(recorder)


def _entries(recorder, arrays):
    seen = recorder.data_seen
    if not seen:
        return ()
    if arrays is None:
        return list(seen.values())
    found = []
    for array in arrays:
        while isinstance(array, np.ndarray):  # (a view of the data: `w[0].add_(1)` writes into w's array)
            entry = seen.get(id(array))
            if entry is not None and entry[0] is array:
                found.append(entry)
            array = array.base
    return found


def _unseen(recorder, entry):
    if recorder.problem is None:
        label = getattr(entry[2], "label", "") or ""
        recorder.problem = (
            f"the data of a Value made before the call{f' ({label})' if label else ''} changed in place by NumPy out "
            "of the recording's sight (d = w.data; d *= 0.99, np.multiply(w.data, c, out=w.data)): a replay would "
            "skip it; change it with the Value's in-place methods under no_grad() (w.mul_(0.99)), as an update from "
            "its gradient (w.data -= lr * w.grad), or in an optimizer's step")
    entry[1] = entry[0].copy()
