"""NumPy's floating-point warnings inside the library's own computations, made as silent as PyTorch's.

PyTorch computes log(0) = -inf, 1/0 = inf, 0·inf = nan and exp(1000) = inf without a word; NumPy reports each as a
RuntimeWarning ("divide by zero encountered in log"), which a user's `-W error`, `warnings.simplefilter("error")` or
X
quiet whatever the user's warning filters (tests/test_floating_point_warnings.py):

* a warning filter for these messages from this package's modules, put first at import (`install_filter`): it covers
  the filters given at start-up (`-W error`, `-W always`, PYTHONWARNINGS) at no cost per operation;
* the forward dispatch (recording.apply, apply_unary, apply_binary) catches a RuntimeWarning raised as an error by a
  filter set later (pytest's per-test `-W error`, `simplefilter("error")`) and computes the operation again under
  `quiet()` (`recompute`): the `try` costs nothing until something raises (Python 3.11);
* the backward pass and the replay of a compiled step run entirely under `quiet()`: once per pass, ~0.3 µs;
* operations watched by a tracer (a compile recording, the profiler, forward-mode AD) run under `silence()` each,
  since a retry could record them twice; a jvp silences once for its whole function instead (NumPy code the
  user's function runs itself is then quiet too).

`quiet()` is NumPy's error state with each "warn" made "ignore", and everything else the user set kept: under
`np.seterr(all="raise")` (or `np.errstate(all="raise")`) our operations still raise FloatingPointError, since a user
asks NumPy for that to find where a NaN or an infinity starts (what PyTorch's detect_anomaly is for) and it costs
nothing when unset. The user's own NumPy code is not affected (but inside a jvp): np.log(0) in it still warns.

Not covered: a forward operation under a filter that shows warnings rather than raising them, set after import
(`simplefilter("always")`, or pytest, which collects tests inside `catch_warnings` and so drops the filter added
at import): the warning is shown, as before. Silencing every forward operation would cost ~0.3 µs each.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

try:  # NumPy 2: the error state is this context variable (what np.errstate sets), read by every ufunc call
    from numpy._core._ufunc_config import _extobj_contextvar as _STATE
except ImportError:  # pragma: no cover (a NumPy that keeps it elsewhere: np.errstate, ~1 µs more per pass)
    _STATE = None

# NumPy's messages: "divide by zero encountered in log", "invalid value encountered in matmul", ...
MESSAGE = r"(divide by zero|invalid value|overflow|underflow) encountered"
_IS_FLOAT_ERROR = re.compile(MESSAGE).match

_last = (None, None)  # (an error state, that state quieted): the same state comes back pass after pass


def _quieted_state():
    """The current error state's extension object with each "warn" made "ignore" (built by np.errstate, which keeps
    the buffer size and np.seterrcall's function)."""
    quieter = {kind: "ignore" if action == "warn" else action for kind, action in np.geterr().items()}
    with np.errstate(**quieter):
        return _STATE.get()


def silence():
    """Make NumPy's floating-point edge cases quiet in this context (see `quiet`); returns the token that `restore`
    takes. The two calls are `quiet` without a context manager's object and method calls (~0.15 µs), for the paths
    that go through them once per operation (forward mode and compile recordings: recording._quietly_traced)."""
    global _last
    if _STATE is None:  # pragma: no cover
        state = np.errstate(**{k: "ignore" if v == "warn" else v for k, v in np.geterr().items()})
        state.__enter__()
        return state
    current = _STATE.get()
    last = _last
    if last[1] is current:  # nested in a quiet(), already quiet: nothing to set (a tangent rule's operations)
        return None
    if last[0] is not current:
        last = _last = (current, _quieted_state())
    return _STATE.set(last[1])


def is_quiet():
    """Whether this context's error state is already the one `silence` sets (inside a jvp, or a quiet() block)."""
    return _STATE is not None and _STATE.get() is _last[1]


def restore(token):
    """Put back the error state that `silence` replaced (None: it replaced none)."""
    if token is None:
        return
    if _STATE is None:  # pragma: no cover
        token.__exit__(None, None, None)
    else:
        _STATE.reset(token)


class quiet:
    """Context manager: inside it NumPy's floating-point edge cases do not warn (see the module's docstring); the
    user's "raise", "call", "print" or "log" settings stay. Re-entrant, per thread and per asyncio task (NumPy's error
    state is a context variable)."""

    __slots__ = ("token",)

    def __enter__(self):
        self.token = silence()
        return self

    def __exit__(self, *exc):
        restore(self.token)
        return False


def recompute(warning, forward, *args, **params):
    """forward(*args, **params) once more under `quiet()`, after its first run raised `warning` (a RuntimeWarning
    made an error by the user's filters): the IEEE result PyTorch gives. Any other RuntimeWarning is raised again."""
    if not _IS_FLOAT_ERROR(str(warning)):
        raise warning
    with quiet():
        return forward(*args, **params)


def install_filter():
    """Ignore NumPy's floating-point warnings raised from this package's modules (first in the filter list: a user's
    start-up `-W error` or `-W always` applies to the user's own code, not to ours)."""
    warnings.filterwarnings("ignore", message=MESSAGE, category=RuntimeWarning, module=r"autograd_core(\.|$)")
