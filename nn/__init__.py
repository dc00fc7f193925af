"""Neural networks on autograd_core: modules, layers, losses, initialisation and data loading.

    from autograd_core.nn import MLP, Linear, Sequential, ReLU, CrossEntropyLoss
    import autograd_core.nn.functional as F
"""

if __name__ != "autograd_core.nn":  # the repository's nn/ folder is installed as autograd_core.nn
    raise ImportError("nn/ is the package autograd_core.nn: write `from autograd_core import nn` "
                      "(after `pip install -e .` in a checkout)")

from autograd_core.lazy_imports import lazy_attributes

from . import functional, init
from . import rnn_fused  # noqa: F401  registers rnn_sequence (nn.RNN/LSTM/GRU themselves load on first use)
from .checkpoint import CheckpointError
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .activation import ELU, GELU, Identity, SiLU, Softplus
from .container import Flatten, Residual, Sequential
from .container import ModuleDict, ModuleList
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .dropout import Dropout
from .dropout import Dropout2d
from .embedding import Embedding
from .init import manual_seed
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss
from .loss import HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .sync_batchnorm import SyncBatchNorm
from .norm import GroupNorm
from .upsample import Upsample
from .unpool import MaxUnpool1d, MaxUnpool2d
from .pool import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool2d, MaxPool1d, MaxPool2d
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
from .loss_extra import HingeEmbeddingLoss, MultiLabelMarginLoss, MultiMarginLoss, TripletMarginWithDistanceLoss
from .padding import (
    CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
    ReplicationPad2d, ZeroPad1d, ZeroPad2d,
)
from .pixel_shuffle import PixelShuffle, PixelUnshuffle
from .attention import MultiheadAttention
from .ctc import CTCLoss
from .activation_extra import Softmax2d
from .channel_shuffle import ChannelShuffle
from .dropout import AlphaDropout, Dropout1d, Dropout3d
from .embedding import EmbeddingBag
from .norm_extra import LocalResponseNorm, RMSNorm
from .pool_extra import AdaptiveAvgPool1d, LPPool1d, LPPool2d
from .upsample import UpsamplingBilinear2d, UpsamplingNearest2d
# 3-d layers (conv3d.py, pool3d.py, ...)
from .adaptive_max_pool import AdaptiveMaxPool3d
from .conv3d import Conv3d, ConvTranspose3d
from .instance_norm import InstanceNorm3d
from .norm import BatchNorm3d
from .padding import CircularPad3d, ConstantPad3d, ReflectionPad3d, ReplicationPad3d, ZeroPad3d
from .pool3d import AdaptiveAvgPool3d, AvgPool3d, LPPool3d, MaxPool3d
from .unpool import MaxUnpool3d
# nn.Buffer (module.py)
from .module import Buffer
# more layers (activation_more.py, dropout.py, legacy.py)
from .activation_more import RReLU
from .dropout import FeatureAlphaDropout
from .legacy import Container, CrossMapLRN2d
# the last of torch.nn's modules (fractional_max_pool.py, adaptive_softmax.py, loss_more.py)
from .fractional_max_pool import FractionalMaxPool2d, FractionalMaxPool3d
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from .loss_more import LinearCrossEntropyLoss, NLLLoss2d

__all__ = [
    "Module", "Parameter", "CheckpointError", "functional", "init", "manual_seed", "parallel", "utils",
    "Neuron", "Layer", "MLP", "Linear", "Sequential", "Residual", "Flatten", "Dropout", "Embedding",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "SyncBatchNorm",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HingeLoss",
    "DataLoader", "make_moons", "load_digits",
    "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "AdaptiveAvgPool2d",
    "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss",
    "Identity", "ModuleList", "ModuleDict", "GELU", "SiLU", "ELU", "Softplus", "GroupNorm", "Dropout2d",
    "Upsample", "MaxUnpool1d", "MaxUnpool2d",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNNCellBase", "MultiheadAttention",
    "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
    "CTCLoss",
    "PReLU", "Hardtanh", "ReLU6", "SELU", "CELU", "Mish", "Softsign", "Hardswish", "Hardsigmoid", "LogSigmoid",
    "Softmin", "GLU", "Threshold", "Tanhshrink", "Softshrink", "Hardshrink",
    "CosineSimilarity", "PairwiseDistance", "Unflatten", "ParameterList", "ParameterDict",
    "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d",
    "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d",
    "PixelShuffle", "PixelUnshuffle", "Bilinear",
    "InstanceNorm1d", "InstanceNorm2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "Unfold", "Fold",
    "MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "GaussianNLLLoss", "PoissonNLLLoss",
    "RMSNorm", "LocalResponseNorm", "Dropout1d", "Dropout3d", "AlphaDropout", "ChannelShuffle", "Softmax2d",
    "UpsamplingNearest2d", "UpsamplingBilinear2d", "AdaptiveAvgPool1d", "LPPool1d", "LPPool2d", "EmbeddingBag",
    "MultiMarginLoss", "MultiLabelMarginLoss", "HingeEmbeddingLoss", "TripletMarginWithDistanceLoss",
]
__all__ += [  # 3-d layers
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "MaxUnpool3d",
    "LPPool3d", "BatchNorm3d", "InstanceNorm3d", "ZeroPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d",
    "CircularPad3d",
]
__all__ += [  # lazy modules and nn.Buffer
    "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
    "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyModuleMixin", "UninitializedParameter", "UninitializedBuffer",
    "Buffer",
]
__all__ += ["RReLU", "FeatureAlphaDropout", "CrossMapLRN2d", "Container"]  # more layers
__all__ += ["DataParallel"]  # data_parallel.py
__all__ += [  # the last of torch.nn's modules
    "FractionalMaxPool2d", "FractionalMaxPool3d", "AdaptiveLogSoftmaxWithLoss", "LinearCrossEntropyLoss", "NLLLoss2d",
]

# Loaded on first use (PEP 562), as PyTorch's names all the same: `nn.LSTM`, `from autograd_core.nn import MLP`,
# `nn.utils.rnn`, ... The modules below are the ones nn.functional does not need, and they register no primitives
# (every module that does is imported above, so `ops.PRIMITIVES` is complete once nn is imported). lazy.py and
# data.py would load the compiler and utils.data, parallel.py the MPI wrapper.
_SUBMODULES = ("utils", "parallel", "data", "mlp", "parameter_containers", "rnn", "transformer", "lazy", "modules",
               "parameter", "common_types", "grad")  # the last four: PyTorch's module names, which code imports from
_LAZY = {  # public name -> its module
    "DataParallel": "data_parallel",
    **dict.fromkeys(("DataLoader", "load_digits", "make_moons"), "data"),
    **dict.fromkeys(("MLP", "Layer", "Neuron"), "mlp"),
    **dict.fromkeys(("ParameterDict", "ParameterList"), "parameter_containers"),
    **dict.fromkeys(("GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell", "RNNBase", "RNNCellBase"), "rnn"),
    **dict.fromkeys(("Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
                     "TransformerEncoderLayer"), "transformer"),
    **dict.fromkeys(("LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
                     "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
                     "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "LazyModuleMixin",
                     "UninitializedBuffer", "UninitializedParameter"), "lazy"),
}


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _SUBMODULES, _LAZY)
