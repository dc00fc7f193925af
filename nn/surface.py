"""The modules that complete PyTorch's `torch.nn` surface here, gathered for `nn/__init__.py` (each lives beside its
functional form in its own file)."""

from .adaptive_max_pool import AdaptiveMaxPool1d, AdaptiveMaxPool2d
from .activation_extra import (
    CELU, GLU, PReLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, ReLU6, Softmin,
    Softshrink, Softsign, Tanhshrink, Threshold,
)
from .container import Unflatten
from .distance import CosineSimilarity, PairwiseDistance
from .fold import Fold, Unfold
from .instance_norm import InstanceNorm1d, InstanceNorm2d
from .linear import Bilinear
from .loss_extra import (
    CosineEmbeddingLoss, GaussianNLLLoss, MarginRankingLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss, SoftMarginLoss,
    TripletMarginLoss,
)
from .padding import (
    CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
    ReplicationPad2d, ZeroPad1d, ZeroPad2d,
)
from .parameter_containers import ParameterDict, ParameterList
from .pixel_shuffle import PixelShuffle, PixelUnshuffle

__all__ = [
    "PReLU", "Hardtanh", "ReLU6", "SELU", "CELU", "Mish", "Softsign", "Hardswish", "Hardsigmoid", "LogSigmoid",
    "Softmin", "GLU", "Threshold", "Tanhshrink", "Softshrink", "Hardshrink",
    "CosineSimilarity", "PairwiseDistance", "Unflatten", "ParameterList", "ParameterDict",
    "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d",
    "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d",
    "PixelShuffle", "PixelUnshuffle", "Bilinear",
    "InstanceNorm1d", "InstanceNorm2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "Unfold", "Fold",
    "MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "GaussianNLLLoss", "PoissonNLLLoss",
]
