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
from .upsample import interpolate, upsample, upsample_bilinear, upsample_nearest
from .unpool import max_unpool1d, max_unpool2d
from .padding import pad
from .pool import (
    adaptive_avg_pool2d, avg_pool1d, avg_pool2d, global_avg_pool2d, max_pool1d, max_pool2d,
)
from .adaptive_max_pool import adaptive_max_pool1d, adaptive_max_pool2d
from .activation_extra import (
    celu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6, selu, softmin,
    softshrink, softsign, tanhshrink, threshold,
)
from .distance import cosine_similarity, pairwise_distance
from .fold import fold, unfold
from .instance_norm import instance_norm
from .linear import bilinear
from .loss_extra import (
    cosine_embedding_loss, gaussian_nll_loss, margin_ranking_loss, multilabel_soft_margin_loss, poisson_nll_loss,
    soft_margin_loss, triplet_margin_loss,
)
from .loss_extra import (
    hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss,
)
from .one_hot import one_hot
from .pixel_shuffle import pixel_shuffle, pixel_unshuffle
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .ctc import ctc_loss
from .channel_shuffle import channel_shuffle
from .dropout import alpha_dropout, dropout1d, dropout3d
from .embedding import embedding_bag
from .gumbel import gumbel_softmax
from .norm_extra import local_response_norm, rms_norm
from .pool_extra import adaptive_avg_pool1d, lp_pool1d, lp_pool2d
# 3-d layers (conv3d.py, pool3d.py, ...)
from .adaptive_max_pool import (
    adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices, adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
)
from .conv3d import conv3d, conv_transpose3d
from .pool3d import (
    adaptive_avg_pool3d, avg_pool3d, lp_pool3d, max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d,
    max_pool3d_with_indices,
)
from .unpool import max_unpool3d
# more functions (activation_more.py, dropout.py, legacy.py)
from .activation_more import celu_, elu_, hardtanh_, leaky_relu_, relu_, rrelu, rrelu_, selu_, threshold_
from .dropout import feature_alpha_dropout
from .legacy import pdist
from .grid_sample import affine_grid, grid_sample
from .fractional_max_pool import (
    fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from .loss_more import linear_cross_entropy

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "batch_norm",
    "layer_norm", "normalize", "embedding", "flatten",
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "hinge_loss", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d",
    "avg_pool1d", "avg_pool2d", "global_avg_pool2d", "adaptive_avg_pool2d",
    "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
    "gelu", "silu", "elu", "softplus", "erf", "group_norm", "dropout2d",
    "interpolate", "upsample", "upsample_bilinear", "upsample_nearest", "max_unpool1d", "max_unpool2d",
    "pad",
    "scaled_dot_product_attention", "multi_head_attention_forward", "ctc_loss",
    "prelu", "hardtanh", "relu6", "selu", "celu", "mish", "softsign", "hardswish", "hardsigmoid", "logsigmoid",
    "softmin", "glu", "threshold", "tanhshrink", "softshrink", "hardshrink",
    "one_hot", "cosine_similarity", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "bilinear",
    "instance_norm", "adaptive_max_pool1d", "adaptive_max_pool2d", "unfold", "fold",
    "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "gaussian_nll_loss", "poisson_nll_loss",
    "rms_norm", "local_response_norm", "dropout1d", "dropout3d", "alpha_dropout", "channel_shuffle",
    "adaptive_avg_pool1d", "lp_pool1d", "lp_pool2d", "embedding_bag", "gumbel_softmax",
    "multi_margin_loss", "multilabel_margin_loss", "hinge_embedding_loss", "triplet_margin_with_distance_loss",
]
__all__ += [  # 3-d layers
    "conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
    "lp_pool3d", "max_unpool3d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
]
__all__ += [  # more functions
    "rrelu", "rrelu_", "relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_",
    "feature_alpha_dropout", "pdist", "affine_grid", "grid_sample",
]
__all__ += [  # fractional max pooling
    "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices", "linear_cross_entropy",
]
# ATen-level names that torch.nn.functional also has (nn/native.py; it reads this module's functions when called)
from .native import conv_tbc  # noqa: E402

__all__ += ["conv_tbc"]
