"""PyTorch's `torch.nn.parameter`, which code imports `Parameter` from (`from torch.nn.parameter import
Parameter`): `Parameter`, `Buffer`, `UninitializedParameter`, `UninitializedBuffer`, the same classes as nn's."""

from .lazy import UninitializedBuffer, UninitializedParameter  # noqa: F401
from .module import Buffer, Parameter  # noqa: F401

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]
