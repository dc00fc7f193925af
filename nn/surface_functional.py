"""The functions that complete PyTorch's `torch.nn.functional` surface here, gathered for `nn/functional.py` (each
lives beside its module in its own file)."""

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
from .one_hot import one_hot
from .pixel_shuffle import pixel_shuffle, pixel_unshuffle

__all__ = [
    "prelu", "hardtanh", "relu6", "selu", "celu", "mish", "softsign", "hardswish", "hardsigmoid", "logsigmoid",
    "softmin", "glu", "threshold", "tanhshrink", "softshrink", "hardshrink",
    "one_hot", "cosine_similarity", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "bilinear",
    "instance_norm", "adaptive_max_pool1d", "adaptive_max_pool2d", "unfold", "fold",
    "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "gaussian_nll_loss", "poisson_nll_loss",
]
