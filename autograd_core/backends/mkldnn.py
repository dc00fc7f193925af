"""`torch.backends.mkldnn`: oneDNN's (MKL-DNN's) CPU kernels, which are not here: `is_available()` is False.

`enabled`, `deterministic` and `allow_tf32` are kept with PyTorch's defaults (settable, also with `flags(...)` for a
block) and change nothing."""

import contextlib

__all__ = ["is_available", "flags", "set_flags", "verbose", "VERBOSE_OFF", "VERBOSE_ON", "VERBOSE_ON_CREATION"]

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

enabled = True
deterministic = False
allow_tf32 = True


def is_available():
    """False: this library's kernels are NumPy's, not oneDNN's."""
    return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None):
    """Set the flags given (None: unchanged); returns the previous (enabled, deterministic, allow_tf32)."""
    global enabled, deterministic, allow_tf32
    previous = (enabled, deterministic, allow_tf32)
    if _enabled is not None:
        enabled = bool(_enabled)
    if _deterministic is not None:
        deterministic = bool(_deterministic)
    if _allow_tf32 is not None:
        allow_tf32 = bool(_allow_tf32)
    return previous


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True):
    """`with torch.backends.mkldnn.flags(enabled=False):` sets the flags for the block (PyTorch's defaults)."""
    previous = set_flags(enabled, deterministic, allow_tf32)
    try:
        yield
    finally:
        set_flags(*previous)


class verbose:  # noqa: N801  (PyTorch's name)
    """`with torch.backends.mkldnn.verbose(level):` oneDNN's logging; does nothing here."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
