"""PyTorch's `torch.nn.modules.instancenorm`: the same classes, for code that imports them from there."""

from .. import (  # noqa: F401
    InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d
)
from ..instance_norm import _InstanceNorm  # noqa: F401
