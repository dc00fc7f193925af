"""PyTorch's `torch.nn.modules.fold`: the same classes, for code that imports them from there."""

from .. import Fold, Unfold  # noqa: F401
