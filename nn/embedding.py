"""Embedding: a lookup table of learned vectors, one row per token id."""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import Value
from autograd_core.jit import replay_requires
from autograd_core.ops import where

from . import init
from .module import Module, Parameter


def embedding(indices, weight, padding_idx=None):
    """weight[indices]: indices an integer array of any shape (...) -> (..., dim).

    The gradient scatters back into the rows that were read, adding up for repeated ids; the row
    `padding_idx` (if given; negative counts from the end) is read like the others but gets no gradient.
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
    rows = weight[idx]
    if padding_idx is None or not isinstance(rows, Value):
        return rows
    padding = _padding_index(padding_idx, num, "embedding")
    reads_padding = (idx % num == padding)[..., None]
    if not reads_padding.any():
        replay_requires(_misses, idx, num, padding)  # a compiled step's ids must not read the padding row either
        return rows
    return where(reads_padding, rows.data, rows)          # the padding row's values, as a constant


def _misses(idx, num, padding):
    """Whether no id reads the padding row."""
    return not (idx % num == padding).any()


def _padding_index(padding_idx, num, who):
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, numbers.Integral) \
            or not -num <= padding_idx < num:
        raise ValueError(f"{who}: padding_idx must be an int in [-{num}, {num}), got {padding_idx!r}")
    return int(padding_idx) % num


class Embedding(Module):
    """Embedding(num_embeddings, embedding_dim, padding_idx=None, *, rng=None, dtype=None): weight
    (num, dim) drawn from N(0, 1) as in PyTorch. Input: integer ids of any shape (...) -> (..., dim).

    padding_idx: a row initialised to zeros that never gets a gradient (a "no token" id), as PyTorch.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, *, rng=None, dtype=None):
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = None if padding_idx is None else _padding_index(padding_idx, self.num_embeddings,
                                                                            "Embedding")
        weight = init.normal((self.num_embeddings, self.embedding_dim), 0.0, 1.0, rng, dtype)
        if self.padding_idx is not None:
            weight[self.padding_idx] = 0
        self.weight = Parameter(weight)

    def forward(self, indices):
        return embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else f"{text}, padding_idx={self.padding_idx}"
