"""PyTorch's `torch.cuda` on a machine without a GPU: what PyTorch built without CUDA answers, so that a course's
device selection, seeding and timing code runs as written and chooses the CPU.

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")    # "cpu"
    torch.cuda.manual_seed_all(0)                                          # does nothing
    from torch.cuda import amp; scaler = amp.GradScaler(enabled=False)     # PyTorch's deprecated names, as theirs

`is_available()` is False and `device_count()` 0; seeding, `empty_cache()`, `synchronize()` and the memory counters
(0) do nothing. What needs a GPU (current_device, get_device_name, get_device_properties, set_device, streams, ...)
raises PyTorch's AssertionError("Torch not compiled with CUDA enabled"), or its RuntimeError for Stream and Event.
It is a module (`import torch.cuda`, `from torch.cuda import amp` work with the import line changed).
"""

from __future__ import annotations

import collections
import importlib

__all__ = ["is_available", "is_bf16_supported", "is_tf32_supported", "device_count", "is_initialized", "init",
           "current_device", "set_device", "get_device_name", "get_device_properties", "get_device_capability",
           "get_arch_list", "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
           "set_rng_state", "get_rng_state_all", "set_rng_state_all", "synchronize", "empty_cache", "ipc_collect",
           "mem_get_info", "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
           "memory_stats", "reset_peak_memory_stats", "reset_max_memory_allocated", "current_stream", "Stream",
           "Event", "device", "device_of", "OutOfMemoryError", "amp"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


class OutOfMemoryError(RuntimeError):
    """PyTorch's `torch.cuda.OutOfMemoryError` (a RuntimeError): never raised here, caught by course code."""


def _no_cuda(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


def is_available():
    """False: there is no GPU here, so tutorials choose the CPU."""
    return False


def is_bf16_supported(including_emulation=True):
    """False: no GPU, so no bfloat16 on one."""
    return False


def is_tf32_supported():
    """False: no GPU."""
    return False


def device_count():
    """0: no GPU."""
    return 0


def is_initialized():
    """False: CUDA is never initialised here."""
    return False


def get_arch_list():
    """[]: built for no GPU architecture."""
    return []


# What needs a GPU raises PyTorch's AssertionError (its set_device and reset_peak_memory_stats fail on a private
# attribute instead; the assertion says why).
init = current_device = get_device_name = get_device_properties = get_device_capability = _no_cuda
set_device = initial_seed = get_rng_state = ipc_collect = mem_get_info = current_stream = _no_cuda
reset_peak_memory_stats = reset_max_memory_allocated = _no_cuda


# Seeding and syncing with no GPU do nothing: a course's set_seed() runs as written (PyTorch's synchronize raises
# without CUDA; calling it unguarded is common in course code, so here it is kept a no-op).
def manual_seed(seed):
    """Does nothing: no GPU generator (the CPU generator is torch.manual_seed's)."""
    return None


def manual_seed_all(seed):
    """Does nothing: no GPU generators."""
    return None


def seed():
    """Does nothing: no GPU generator."""
    return None


def seed_all():
    """Does nothing: no GPU generators."""
    return None


def set_rng_state(new_state, device="cuda"):
    """Does nothing: no GPU generator (PyTorch's, without CUDA)."""
    return None


def get_rng_state_all():
    """[]: one state per GPU, and there is none."""
    return []


def set_rng_state_all(new_states):
    """Does nothing: no GPU generators."""
    return None


def synchronize(device=None):
    """Does nothing: there is no GPU work to wait for."""
    return None


def empty_cache():
    """Does nothing: no GPU memory is cached."""
    return None


def memory_allocated(device=None):
    """0 bytes: no GPU memory."""
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated


def memory_stats(device=None):
    """An empty OrderedDict, as PyTorch's without CUDA."""
    return collections.OrderedDict()


class Stream:
    """torch.cuda.Stream: needs CUDA (RuntimeError, as PyTorch's)."""

    def __new__(cls, *args, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    """torch.cuda.Event: needs CUDA (RuntimeError, as PyTorch's)."""

    def __new__(cls, *args, **kwargs):
        raise RuntimeError("Tried to instantiate dummy base class Event")


class device:  # noqa: N801  (PyTorch's name)
    """`with torch.cuda.device(i):`: a context manager that selects GPU i; with no GPU it does nothing, as
    PyTorch's without CUDA (a negative index or None selects none)."""

    def __init__(self, device):
        self.idx, self.prev_idx = device, -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class device_of(device):  # noqa: N801
    """`with torch.cuda.device_of(tensor):`: the GPU of `tensor`; every tensor here is on the CPU: does nothing."""

    def __init__(self, obj):
        super().__init__(-1)


def __getattr__(name):
    if name == "amp":  # torch.cuda.amp loads on first use, as amp.py does
        return importlib.import_module(f"{__name__}.amp")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
