"""`torch.backends.nnpack`: NNPACK's convolutions, which are not here."""

import contextlib

__all__ = ["is_available", "flags", "set_flags"]

enabled = True  # PyTorch's default; kept, unused


def is_available():
    """False: there is no NNPACK here."""
    return False


def set_flags(_enabled):
    """Set `enabled`; returns the previous value as a 1-tuple (PyTorch's)."""
    global enabled
    previous = (enabled,)
    enabled = bool(_enabled)
    return previous


@contextlib.contextmanager
def flags(enabled=False):
    """`with torch.backends.nnpack.flags(enabled=...):` sets `enabled` for the block."""
    previous = set_flags(enabled)
    try:
        yield
    finally:
        set_flags(*previous)
