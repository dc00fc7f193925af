"""PyTorch's `torch.types`: the type aliases annotations use (`def f(x: Tensor, n: Number, device: Device = None)`),
spelled with this library's classes: a tensor is a Value, a dtype NumPy's dtype, a device `torch.device`."""

from __future__ import annotations

import os
from builtins import bool as _bool, bytes as _bytes, complex as _complex, float as _float, int as _int, \
    str as _str  # noqa: F401  (PyTorch's private aliases of the builtins)
from collections.abc import Sequence
from typing import IO

from numpy import dtype as _dtype  # noqa: F401  (torch.dtype)

from .tensor_attributes import Layout as _layout  # noqa: F401  (torch.layout)
from .tensor_methods import Device as _device, Size
from .tensor import Tensor

__all__ = ["Number", "Device", "FileLike", "Storage"]

_TensorOrTensors = Tensor | Sequence[Tensor]
_TensorOrOptionalTensors = Tensor | Sequence[Tensor | None]
_size = Size | list[int] | tuple[int, ...]
IntLikeType = int  # PyTorch's also take its symbolic numbers (SymInt, ...), which are not here
FloatLikeType = float
BoolLikeType = bool
Number = int | float | bool
_Number = (int, float, bool)
FileLike = str | os.PathLike[str] | IO[bytes]
Device = _device | str | int | None


class Storage:
    """The interface PyTorch's storages share (annotations only: `torch.UntypedStorage` is the storage here)."""
