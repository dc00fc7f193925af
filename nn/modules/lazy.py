"""PyTorch's `torch.nn.modules.lazy`: the same classes, for code that imports them from there."""

from .. import LazyModuleMixin  # noqa: F401
