"""PyTorch's `torch.nn.modules.flatten`: the same classes, for code that imports them from there."""

from .. import Flatten, Unflatten  # noqa: F401
