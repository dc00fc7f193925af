"""PyTorch's `torch.nn.modules.upsampling`: the same classes, for code that imports them from there."""

from .. import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d  # noqa: F401
