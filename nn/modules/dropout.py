"""PyTorch's `torch.nn.modules.dropout`: the same classes, for code that imports them from there."""

from .. import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout  # noqa: F401
