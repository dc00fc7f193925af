"""`torch.backends.mha`: the switch of nn.MultiheadAttention's fused inference path.

Here MultiheadAttention always computes with its composition (there is no fused path); the switch is kept, so code
that turns it off, or asks, runs."""

__all__ = ["get_fastpath_enabled", "set_fastpath_enabled"]

_FASTPATH = [True]


def get_fastpath_enabled():
    """The switch (True unless set_fastpath_enabled(False), as in PyTorch); it changes nothing here."""
    return _FASTPATH[0]


def set_fastpath_enabled(value):
    """Set the switch (a bool; kept, unused)."""
    _FASTPATH[0] = bool(value)
