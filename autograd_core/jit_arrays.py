"""Arrays a compiled step makes from its arguments' arrays (jit.py): recorded as conversions, so that a replay makes
them again from each call's new arguments instead of baking the recorded call's copy in as a constant.

    def step(xb, yb):                       # xb, yb: a DataLoader's NumPy batch
        x = torch.tensor(xb)                # a copy: made again from each call's xb at replay
        y = torch.Tensor(yb)                # (tensor(yb, dtype=float32): a converted copy)
        x = torch.tensor(xb.astype(np.float32))   # NumPy's conversion, then a copy

`torch.as_tensor(xb)`, `torch.from_numpy(xb)` and `Value(xb)` share xb's memory: the program reads the argument itself
(jit_plan's live arrays). `torch.tensor(xb)` copies: `copied(source, result)` (called by tensor() while a recording
watches) records ("convert", source, result), and the replay copies the new argument (`_astype`, a copy, in the
copy's dtype) at the same place.

NumPy run on an argument's array by the function itself (`xb.astype(np.float32)`) is out of the recording's sight.
When a Value is made from an array that no recorded operation made and that holds, bit for bit, an argument's array
converted to another dtype (`from_argument`), the array is taken for that conversion: the replay converts the new
argument. Only a change of dtype is taken so (the NumPy idiom for it is `astype`), and only of an array that holds at
least two different numbers (`np.ones_like(yb, dtype=np.float32)` of labels that happen to be all 1 is no
conversion). A NumPy function that leaves an argument as it was on the recorded calls and also converts it
(`np.clip(xb, 0, 1).astype(np.float32)` on batches the clip leaves alone) is taken for the conversion alone: a
documented limit, as other NumPy run on data out of sight.
"""

from __future__ import annotations

import numpy as np

from .value import Value


def argument_arrays(recorder):
    """The arrays of the call's arguments (arrays, and the data of Values), as the recording started."""
    return [a.data if isinstance(a, Value) else a for a in recorder.flat_args]


def from_argument(recorder, array):
    """The argument's array that `array` is the conversion of, bit for bit, to another dtype (`xb.astype(np.float32)`
    made by NumPy in the function), or None. Only arrays of their own memory (not views), of an argument's shape."""
    if array.__class__ is not np.ndarray or array.base is not None or not array.flags.owndata or _constant(array):
        return None  # (an array of one number, np.ones_like(yb, dtype=...) of labels all 1, is no evidence)
    for source in argument_arrays(recorder):
        if (source.__class__ is np.ndarray and source is not array and source.shape == array.shape
                and source.dtype != array.dtype and _converts_to(source, array)):
            return source
    return None


def _constant(array):
    """Whether every element of `array` is the same number (or it has fewer than two)."""
    flat = array.reshape(-1)
    return flat.size < 2 or bool((flat == flat[0]).all())


def _converts_to(source, array):
    with np.errstate(all="ignore"):
        converted = source.astype(array.dtype)
    return converted.tobytes() == array.tobytes()


def copied(recorder, source, result):
    """tensor(source) made `result`, a copy (in its dtype) of the array `source`, while `recorder` records: a replay
    makes the copy again from its own array for source (an argument's, or one made from one: `from_argument`)."""
    if source.__class__ is not np.ndarray or result.__class__ is not np.ndarray:
        return
    if not any(source is a for a in argument_arrays(recorder)):
        made_from = from_argument(recorder, source)
        if made_from is None:
            return  # a copy of other data (an intermediate's, a closure's array): a constant, as before
        recorder.entries.append(("convert", made_from, source))
    recorder.entries.append(("convert", source, result))


def wrapped(recorder, source):
    """Value(source) (or as_tensor, from_numpy) of an array no argument holds: if it is an argument converted by
    NumPy in the function (`from_argument`), record the conversion, so that the Value reads the replay's own."""
    if source.__class__ is np.ndarray and not any(source is a for a in argument_arrays(recorder)):
        made_from = from_argument(recorder, source)
        if made_from is not None:
            recorder.entries.append(("convert", made_from, source))
