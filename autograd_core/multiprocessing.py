"""PyTorch's `torch.multiprocessing`: Python's `multiprocessing`, so that `import torch.multiprocessing as mp` runs.

PyTorch's module is the standard library's with one change: a tensor sent to another process shares its memory (it
is moved to shared memory and only a handle is pickled). Here a Value goes to another process as any Python object
does, pickled: the other process gets a copy (data, dtype, requires_grad; no graph), and its changes to it are not
seen by the sender. Code that passes tensors back and forth, as the fast.ai course's multiprocessing DataLoader does
(`with mp.Pool(n) as ex: yield from ex.map(ds.__getitem__, batches)`), runs and gets the same numbers.

Everything in `multiprocessing.__all__` is here under the same name (`Pool`, `Process`, `Queue`, `get_context`,
`set_start_method`, ...). PyTorch's sharing strategies (`get_sharing_strategy`, `set_sharing_strategy`,
`get_all_sharing_strategies`) are accepted and answered with PyTorch's names; they change nothing, as no memory is
shared.
"""

from __future__ import annotations

import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F403  (PyTorch's torch.multiprocessing re-exports it all)

__all__ = list(_multiprocessing.__all__) + ["get_sharing_strategy", "set_sharing_strategy",
                                             "get_all_sharing_strategies"]

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = ["file_descriptor"]  # PyTorch's default on Linux


def get_all_sharing_strategies():
    """PyTorch's names of the ways tensors' memory can be shared between processes (a set): accepted here, without
    effect, as a Value is sent as a pickled copy."""
    return set(_STRATEGIES)


def get_sharing_strategy():
    """The strategy last set with `set_sharing_strategy` ('file_descriptor' until then, as PyTorch's on Linux)."""
    return _strategy[0]


def set_sharing_strategy(new_strategy):
    """Record `new_strategy` (one of get_all_sharing_strategies(), else ValueError); nothing else changes."""
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"set_sharing_strategy: {new_strategy!r} is not one of {sorted(_STRATEGIES)}")
    _strategy[0] = new_strategy
