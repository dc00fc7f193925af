"""Neural networks on autograd_core: modules, layers, losses, initialisation and data loading.

    from autograd_core.nn import MLP, Linear, Sequential, ReLU, CrossEntropyLoss
    import autograd_core.nn.functional as F
"""

if __name__ != "autograd_core.nn":  # the repository's nn/ folder is installed as autograd_core.nn
    raise ImportError("nn/ is the package autograd_core.nn: write `from autograd_core import nn` "
                      "(after `pip install -e .` in a checkout)")

from . import functional, init
from . import utils  # nn.utils.clip_grad_norm_, clip_grad_value_ (PyTorch's address for them)
from . import parallel  # nn.parallel.DistributedDataParallel (training on several processes, with MPI)
from .checkpoint import CheckpointError
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .activation import ELU, GELU, Identity, SiLU, Softplus
from .container import Flatten, Residual, Sequential
from .container import ModuleDict, ModuleList
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .data import DataLoader, load_digits, make_moons
from .dropout import Dropout
from .dropout import Dropout2d
from .embedding import Embedding
from .init import manual_seed
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss
from .loss import HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .mlp import MLP, Layer, Neuron
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .sync_batchnorm import SyncBatchNorm
from .norm import GroupNorm
from .upsample import Upsample
from .unpool import MaxUnpool1d, MaxUnpool2d
from .pool import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool2d, MaxPool1d, MaxPool2d
from .surface import *  # noqa: F401,F403  PReLU, Hardtanh, ..., losses, padding and shape modules (surface.py lists them)
from .surface import __all__ as _surface_all
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .attention import MultiheadAttention
from .transformer import TransformerEncoder, TransformerEncoderLayer

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
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention", "TransformerEncoderLayer",
    "TransformerEncoder",
    *_surface_all,
]
