"""`torch.backends.opt_einsum`: the opt_einsum package's contraction orders for einsum, which are not used here.

`is_available()` is False, so, as PyTorch's without the package, `enabled` is False and `strategy` None, and
`set_flags`/`flags` refuse to turn them on (PyTorch's ValueError; assigning the attributes is not checked, as in
PyTorch, and changes nothing). einsum here still contracts in a good order: NumPy's own
path search (`np.einsum(..., optimize=True)`, opt_einsum's greedy algorithm) for products of three or more operands.
"""

import contextlib

__all__ = ["is_available", "get_opt_einsum", "flags", "set_flags", "enabled", "strategy"]


def is_available():
    """False: the opt_einsum package is not used here."""
    return False


def get_opt_einsum():
    """None: the package is not used here."""
    return None


enabled = False
strategy = None


def _set_enabled(value):
    if value:
        raise ValueError(f"opt_einsum is not available, so setting `enabled` to {value} will not reap the benefits of "
                         "calculating an optimal path for einsum. torch.einsum will fall back to contracting from "
                         "left to right. To enable this optimal path calculation, please install opt-einsum.")
    global enabled
    enabled = value


def _set_strategy(value):
    raise ValueError(f"opt_einsum is not available, so setting `strategy` to {value} will not be meaningful. "
                     "torch.einsum will bypass path calculation and simply contract from left to right. Please "
                     "install opt_einsum or unset `strategy`.")


def set_flags(_enabled=None, _strategy=None):
    """Set `enabled` and `strategy` (None: unchanged), checked as PyTorch's (ValueError: the package is not here);
    returns the previous (enabled, strategy)."""
    previous = (enabled, None)
    if _enabled is not None:
        _set_enabled(_enabled)
    if _strategy is not None:
        _set_strategy(_strategy)
    return previous


@contextlib.contextmanager
def flags(enabled=None, strategy=None):
    """`with torch.backends.opt_einsum.flags(enabled=..., strategy=...):` the flags for a block."""
    previous = set_flags(enabled, strategy)
    try:
        yield
    finally:
        set_flags(*previous)
