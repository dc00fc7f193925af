"""The functional forms of the layers and losses: `nn.functional.linear(x, W, b)`, `relu(x)`, ...

Each function lives next to its module (linear.py, norm.py, loss.py, ...); this file gathers them, as
`torch.nn.functional` does.
"""

from __future__ import annotations

from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .activation import elu, erf, gelu, silu, softplus
from .container import flatten
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .dropout import dropout
from .dropout import dropout2d
from .embedding import embedding
from .linear import linear
from .loss import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss, nll_loss,
)
from .loss import huber_loss, kl_div, l1_loss, smooth_l1_loss
from .norm import batch_norm, layer_norm, normalize
from .norm import group_norm
from .upsample import interpolate, upsample
from .unpool import max_unpool1d, max_unpool2d
from .padding import pad
from .pool import (
    adaptive_avg_pool2d, avg_pool1d, avg_pool2d, global_avg_pool2d, max_pool1d, max_pool2d,
)
from .surface_functional import *  # noqa: F401,F403  prelu, hardtanh, one_hot, ... (surface_functional.py lists them)
from .surface_functional import __all__ as _surface_all
from .attention import multi_head_attention_forward, scaled_dot_product_attention

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "batch_norm",
    "layer_norm", "normalize", "embedding", "flatten",
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "hinge_loss", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d",
    "avg_pool1d", "avg_pool2d", "global_avg_pool2d", "adaptive_avg_pool2d",
    "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
    "gelu", "silu", "elu", "softplus", "erf", "group_norm", "dropout2d",
    "interpolate", "upsample", "max_unpool1d", "max_unpool2d",
    "pad",
    "scaled_dot_product_attention", "multi_head_attention_forward",
    *_surface_all,
]
