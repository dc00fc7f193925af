"""PyTorch's `torch.nn.modules.module`: the same classes, for code that imports them from there."""

from .. import Module  # noqa: F401
