"""PyTorch's `torch.nn.modules.activation`: the same classes, for code that imports them from there."""

from .. import (  # noqa: F401
    Threshold, ReLU, RReLU, Hardtanh, ReLU6, Sigmoid, Hardsigmoid, Tanh, SiLU, Mish, Hardswish, ELU, CELU, SELU,
    GLU, GELU, Hardshrink, LeakyReLU, LogSigmoid, Softplus, Softshrink, MultiheadAttention, PReLU, Softsign,
    Tanhshrink, Softmin, Softmax, Softmax2d, LogSoftmax
)
