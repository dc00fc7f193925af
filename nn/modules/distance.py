"""PyTorch's `torch.nn.modules.distance`: the same classes, for code that imports them from there."""

from .. import PairwiseDistance, CosineSimilarity  # noqa: F401
