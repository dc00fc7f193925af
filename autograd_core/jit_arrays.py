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

NumPy run on an argument's array by the function itself (`xb.astype(np.float32)`, `np.clip(xb, 0, 1)`) is out of
the recording's sight: a Value made from its result holds a constant of the recording, and a step whose recordings
see different constants runs eagerly, with a warning (jit.py). Nothing is guessed from the numbers: an array that
equals an argument converted on the recorded calls may be another function of it (a clip that did not bite yet).
"""

from __future__ import annotations

import numpy as np


def copied(recorder, source, result, arguments):
    """tensor(source) made `result`, a copy (in its dtype) of the array `source`, while `recorder` records: a replay
    makes the copy again from its own array for source, if source is one of the call's argument arrays
    (`arguments`)."""
    if source.__class__ is not np.ndarray or result.__class__ is not np.ndarray:
        return
    if not any(source is a for a in arguments):
        return  # a copy of other data (an intermediate's, a closure's array, NumPy's of an argument): a constant
    recorder.entries.append(("convert", source, result))

