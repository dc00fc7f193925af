"""PyTorch's `torch.nn.modules.pooling`: the same classes, for code that imports them from there."""

from .. import (  # noqa: F401
    MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, AvgPool1d, AvgPool2d, AvgPool3d,
    LPPool1d, LPPool2d, LPPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, AdaptiveAvgPool1d,
    AdaptiveAvgPool2d, AdaptiveAvgPool3d, FractionalMaxPool2d, FractionalMaxPool3d
)
from ..pool import _MaxPool as _MaxPoolNd  # noqa: F401
from ..pool import _AvgPool as _AvgPoolNd  # noqa: F401
