"""PyTorch's `torch.nn.modules.loss`: the same classes, for code that imports them from there."""

from .. import (  # noqa: F401
    L1Loss, NLLLoss, PoissonNLLLoss, GaussianNLLLoss, KLDivLoss, MSELoss, BCELoss, BCEWithLogitsLoss,
    HingeEmbeddingLoss, MultiLabelMarginLoss, SmoothL1Loss, HuberLoss, SoftMarginLoss, CrossEntropyLoss,
    MultiLabelSoftMarginLoss, CosineEmbeddingLoss, MarginRankingLoss, MultiMarginLoss, TripletMarginLoss,
    TripletMarginWithDistanceLoss, CTCLoss, NLLLoss2d, LinearCrossEntropyLoss
)
from ..loss import _Loss  # noqa: F401
from ..loss import _WeightedLoss  # noqa: F401
