"""`torch.nn.utils.skip_init`."""

from __future__ import annotations

import inspect

from ..module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """`module_cls(*args, **kwargs)` whose parameter values are not to be relied on, as PyTorch's (where they are
    uninitialised memory: the caller sets them, e.g. with `load_state_dict` or `nn.init`). Here the module is simply
    built (initialisation on NumPy is cheap); a `device` keyword is accepted and dropped when the class takes none.
    A class that is not a Module is a RuntimeError, as in PyTorch."""
    if not (inspect.isclass(module_cls) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" in kwargs and "device" not in inspect.signature(module_cls).parameters:
        kwargs.pop("device")  # CPU only: nowhere else to put the module
    return module_cls(*args, **kwargs)
