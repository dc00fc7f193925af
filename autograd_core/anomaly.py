"""`detect_anomaly()`: stop at the first operation that turns finite numbers into NaN or Inf.

Inside the block every node remembers the line of user code that created it, and

* forward: an operation whose inputs are finite but whose output is not raises at once;
* backward: the first rule that returns a non-finite gradient raises, naming the operation and the line
  that created it (a NaN brought in by a hook or by the seed is blamed on the operation that meets it).

It costs a stack walk per operation, so it is a debugging tool, off by default.
"""

from __future__ import annotations

import contextlib
import linecache
import sys

import numpy as np

from .errors import is_library_frame
from .modes import ANOMALY
from .sparse_array import SparseData
from .value import Value


class AnomalyError(FloatingPointError):
    """A NaN or Inf appeared; the message names the operation and where it was created."""


@contextlib.contextmanager
def detect_anomaly(enabled=True):
    """Context manager: check every forward result and every gradient for NaN/Inf.

    The switch is process-wide (unlike grad mode, which is per thread): while it is on, every thread's
    operations are checked. It is a debugging tool, meant for one thread at a time.
    """
    previous = ANOMALY.enabled
    ANOMALY.enabled = bool(enabled)
    try:
        yield
    finally:
        ANOMALY.enabled = previous


def _finite(x):
    data = x.data if isinstance(x, Value) else x
    if isinstance(data, SparseData):  # a sparse gradient: what it stores (the rest is 0)
        data = data.values
    return bool(np.all(np.isfinite(data)))


def _where(node):
    origin = node._origin
    if origin is None:
        return "an unknown line"
    filename, lineno = origin
    code = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}" + (f": {code}" if code else "")


def check_forward(node):
    frame = _user_frame()
    if frame is not None:
        node._origin = (frame.f_code.co_filename, frame.f_lineno)
    if not _finite(node) and all(_finite(p) for p in node._parents):
        bad = "nan" if np.any(np.isnan(node.data)) else "inf"
        raise AnomalyError(f"detect_anomaly: forward of '{node.op}' produced {bad}, created at {_where(node)}")


def check_backward(node, i, grad):
    if not _finite(grad):
        raise AnomalyError(
            f"detect_anomaly: backward of '{node.op}' produced a non-finite gradient for its input {i} "
            f"(shape {np.shape(grad.data if isinstance(grad, Value) else grad)}); the operation was created at "
            f"{_where(node)}"
        )


def _user_frame():
    """The innermost stack frame outside this package: where the user's code created something."""
    frame = sys._getframe(1)
    while frame is not None and is_library_frame(frame):
        frame = frame.f_back
    return frame
