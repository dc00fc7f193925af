"""PyTorch's `torch.nn.modules.batchnorm`: the same classes, for code that imports them from there."""

from .. import (  # noqa: F401
    BatchNorm1d, LazyBatchNorm1d, BatchNorm2d, LazyBatchNorm2d, BatchNorm3d, LazyBatchNorm3d, SyncBatchNorm
)
from ..norm import _BatchNorm  # noqa: F401
