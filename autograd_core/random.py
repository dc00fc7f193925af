"""torch.random: the default generator's seed and state, and fork_rng.

    import autograd_core as torch
    torch.random.manual_seed(42)          # the same as torch.manual_seed(42)
    with torch.random.fork_rng():         # draws inside do not change what is drawn after the block
        noise = torch.randn(3)

The functions are the package's own (torch.manual_seed, torch.get_rng_state, ...): one default generator, whichever
name seeds it; `torch.random.default_generator` is `torch.default_generator`, the Generator object that manual_seed
returns.
"""

from __future__ import annotations

import contextlib

from .ops.sampling import get_rng_state, initial_seed, seed, set_rng_state
from .generator import default_generator, manual_seed  # noqa: F401  (default_generator: torch.random's, as torch's)

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng", "thread_safe_generator"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """A block after which the default generator's state is what it was before it (saved with get_rng_state,
    restored with set_rng_state, also when the block raises). `enabled=False` saves and restores nothing. There are
    no accelerator generators here, so `devices` and `device_type` (PyTorch's, for CUDA's) fork nothing more."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def thread_safe_generator():
    """The generator for random draws in a DataLoader worker thread (torch.random.thread_safe_generator), None
    elsewhere: None makes the random functions use the default generator. Our DataLoader's workers take turns in
    the main thread, each with its own seed (see utils/data.py), as PyTorch's process workers do, for which PyTorch
    returns None as well; so it is always None here. `torch.randint(0, 10, (5,), generator=thread_safe_generator())`
    runs as in PyTorch."""
    return None
