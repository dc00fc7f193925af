"""torch.autograd.anomaly_mode: `detect_anomaly` (a context) and `set_detect_anomaly` (a switch that is also a
context). Anomaly detection checks every forward result and gradient for NaN/Inf and names the operation's line
(anomaly.py); the switch is process-wide, as PyTorch's."""

from __future__ import annotations

from .. import anomaly as _anomaly
from ..modes import ANOMALY

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


def detect_anomaly(check_nan=True):
    """torch.autograd.detect_anomaly(check_nan=True): a context (or decorator) with anomaly detection on, which here
    is the check of every forward result and gradient for NaN/Inf. check_nan=False, PyTorch's mode without that
    check, therefore checks nothing here."""
    return _anomaly.detect_anomaly(bool(check_nan))


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return ANOMALY.enabled


class set_detect_anomaly:
    """`set_detect_anomaly(mode)` switches anomaly detection on or off at once (a function call); used as
    `with set_detect_anomaly(mode):` it restores the previous setting at the end of the block. check_nan is
    accepted for PyTorch's signature: here anomaly mode always checks for NaN/Inf (that is all it does)."""

    def __init__(self, mode, check_nan=True):
        self.prev = ANOMALY.enabled, ANOMALY.check_nan
        self.mode, self.check_nan = bool(mode), check_nan
        # check_nan: the flag torch.is_anomaly_check_nan_enabled() reads
        ANOMALY.enabled, ANOMALY.check_nan = self.mode, bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        ANOMALY.enabled, ANOMALY.check_nan = self.prev
        return False
