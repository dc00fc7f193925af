"""PyTorch's `torch.nn.modules.normalization`: the same classes, for code that imports them from there."""

from .. import LocalResponseNorm, CrossMapLRN2d, LayerNorm, GroupNorm, RMSNorm  # noqa: F401
