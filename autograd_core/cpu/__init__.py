"""PyTorch's `torch.cpu`: the CPU, the one device here, with the device-agnostic names PyTorch gives it.

    torch.cpu.is_available()      # True
    torch.cpu.device_count()      # 1
    torch.cpu.current_device()    # "cpu"
    with torch.cpu.amp.autocast():   # PyTorch's deprecated torch.amp.autocast("cpu"): a FutureWarning, as theirs
        ...

Streams and events exist, as in PyTorch, only so that device-agnostic code runs: work is done when called.
"""

from __future__ import annotations

import contextlib
import importlib

__all__ = ["current_device", "current_stream", "device_count", "is_available", "is_initialized", "set_device",
           "stream", "synchronize", "Event", "Stream", "StreamContext", "amp"]


def is_available():
    """True: the CPU is always here."""
    return True


def is_initialized():
    """True: the CPU needs no initialisation."""
    return True


def device_count():
    """1: one CPU device (however many cores it has)."""
    return 1


def current_device():
    """"cpu"."""
    return "cpu"


def set_device(device):
    """Does nothing: the CPU is the only device."""


def synchronize(device=None):
    """Does nothing: work on the CPU is done when its call returns."""


class Stream:
    """A CPU stream (PyTorch's, for device-agnostic code): does nothing."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    """A CPU event (PyTorch's, for device-agnostic code): always complete."""

    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_DEFAULT_STREAM = Stream()
_current = [_DEFAULT_STREAM]


def current_stream(device=None):
    """The stream selected by the innermost `stream(...)` block (a default Stream outside any)."""
    return _current[-1]


class StreamContext(contextlib.AbstractContextManager):
    """`with torch.cpu.stream(s):` selects `s` as the current stream for the block (None: changes nothing)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            _current.append(self.stream)

    def __exit__(self, exc_type, exc_value, traceback):
        if self.stream is not None:
            _current.pop()


def stream(stream):
    """A StreamContext selecting `stream`."""
    return StreamContext(stream)


def __getattr__(name):
    if name == "amp":  # torch.cpu.amp loads on first use, as amp.py does
        return importlib.import_module(f"{__name__}.amp")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
