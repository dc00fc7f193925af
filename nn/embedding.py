"""Embedding: a lookup table of learned vectors, one row per token id."""

from __future__ import annotations

import numpy as np

from autograd_core import Value

from . import init
from .module import Module, Parameter


def embedding(indices, weight):
    """weight[indices]: indices an integer array of any shape (...) -> (..., dim).

    The gradient scatters back into the rows that were read, adding up for repeated ids.
    """
    idx = indices.data if isinstance(indices, Value) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        if idx.dtype.kind == "f" and idx.size and np.all(idx == np.round(idx)):
            idx = idx.astype(np.int64)  # whole numbers stored as floats (e.g. a Value of ids)
        else:
            raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype} (shape {idx.shape})")
    num = np.shape(weight)[0]
    if idx.size and (idx.min() < -num or idx.max() >= num):
        raise IndexError(f"embedding: ids must be in [0, {num}), got min {idx.min()}, max {idx.max()}")
    return weight[idx]


class Embedding(Module):
    """Embedding(num_embeddings, embedding_dim, rng=None, dtype=None): weight (num, dim) drawn from
    N(0, 1) as in PyTorch. Input: integer ids of any shape (...) -> (..., dim)."""

    def __init__(self, num_embeddings, embedding_dim, rng=None, dtype=None):
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = Parameter(init.normal((self.num_embeddings, self.embedding_dim), 0.0, 1.0, rng, dtype))

    def forward(self, indices):
        return embedding(indices, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
