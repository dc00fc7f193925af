"""Neural networks on autograd_core: modules, layers, losses, initialisation and data loading.

    from nn import MLP, Linear, Sequential, ReLU, CrossEntropyLoss
    import nn.functional as F
"""

from . import functional, init
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Flatten, Residual, Sequential
from .data import DataLoader, load_digits, make_moons
from .dropout import Dropout
from .embedding import Embedding
from .functional import optional_exports
from .init import manual_seed
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss
from .mlp import MLP, Layer, Neuron
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm

__all__ = [
    "Module", "Parameter", "functional", "init", "manual_seed",
    "Neuron", "Layer", "MLP", "Linear", "Sequential", "Residual", "Flatten", "Dropout", "Embedding",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HingeLoss",
    "DataLoader", "make_moons", "load_digits",
]

optional_exports({
    ".conv": ("Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"),
    ".pool": ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "AdaptiveAvgPool2d"),
}, globals(), __all__)
