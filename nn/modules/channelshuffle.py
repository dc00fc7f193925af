"""PyTorch's `torch.nn.modules.channelshuffle`: the same classes, for code that imports them from there."""

from .. import ChannelShuffle  # noqa: F401
