"""DLPack, the protocol array libraries use to hand each other memory without copying (torch.utils.dlpack):

    x = autograd_core.from_dlpack(torch_tensor)   # a Value sharing the tensor's memory (NumPy, JAX on CPU, ...)
    t = torch.from_dlpack(x)                        # and back: Value has __dlpack__ and __dlpack_device__

Only memory on the CPU can be shared here (every Value's data is a NumPy array).
"""

from __future__ import annotations

import numpy as np

from ..tensor import from_numpy
from ..tensor_methods import on_cpu

_CPU = 1  # DLPack's device type kDLCPU


class _Capsule:
    """A legacy DLPack capsule (a `to_dlpack` result) behind the protocol's two methods, as np.from_dlpack asks:
    the capsule is consumed once, as DLPack requires."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **_):
        return self.capsule

    def __dlpack_device__(self):
        return (_CPU, 0)


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A Value with the data of `ext_tensor`: an object with `__dlpack__` and `__dlpack_device__` (a PyTorch tensor,
    NumPy array, JAX array, ...) or a DLPack capsule from a `to_dlpack` function. It shares that memory (a change to
    one shows in the other) unless copy=True; copy=False refuses to copy (BufferError where sharing is impossible).
    Same shape and dtype; requires_grad=False. device: None or the CPU. Memory on another device raises.
    A legacy capsule (PyTorch's `torch.utils.dlpack.to_dlpack` makes one) cannot say whether its memory may be
    written, and comes in read-only, as NumPy imports it: pass the tensor itself to share it writable."""
    if device is not None:
        on_cpu(device)
    if type(ext_tensor).__name__ == "PyCapsule":
        ext_tensor = _Capsule(ext_tensor)
    elif not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, got "
                        f"{type(ext_tensor).__name__}")
    return from_numpy(np.from_dlpack(ext_tensor, copy=copy))


def to_dlpack(tensor):
    """A DLPack capsule holding `tensor`'s memory (no copy), for another library's `from_dlpack`; consumed once. It is
    a versioned (DLPack 1.0) capsule, which carries whether the memory may be written, so the importer can share it
    writable. A Value that requires grad raises BufferError, as in PyTorch (export `tensor.detach()`)."""
    return tensor.__dlpack__(max_version=(1, 0))
