"""PyTorch's `torch.nn.modules.sparse`: the same classes, for code that imports them from there."""

from .. import Embedding, EmbeddingBag  # noqa: F401
