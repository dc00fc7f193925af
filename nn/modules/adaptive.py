"""PyTorch's `torch.nn.modules.adaptive`: the same class, for code that imports it from there."""

from .. import AdaptiveLogSoftmaxWithLoss  # noqa: F401
