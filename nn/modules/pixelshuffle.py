"""PyTorch's `torch.nn.modules.pixelshuffle`: the same classes, for code that imports them from there."""

from .. import PixelShuffle, PixelUnshuffle  # noqa: F401
