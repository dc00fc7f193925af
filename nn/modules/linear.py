"""PyTorch's `torch.nn.modules.linear`: the same classes, for code that imports them from there."""

from .. import Bilinear, Identity, LazyLinear, Linear  # noqa: F401
