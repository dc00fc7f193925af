"""PyTorch's `torch.nn.modules.transformer`: the same classes, for code that imports them from there."""

from .. import (  # noqa: F401
    Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer, TransformerDecoderLayer
)
