"""Samplers, as `torch.utils.data`'s: iterables of sample indices (or of lists of indices, `BatchSampler`) that a
`DataLoader` reads each epoch. Re-exported by `autograd_core.utils.data`.

Randomness: `generator` may be None (the generator `autograd_core.manual_seed` seeds, looked up at each epoch,
so a later `manual_seed` takes effect), an `autograd_core.Generator`, a NumPy `np.random.Generator`, or an int
seed (a NumPy generator made once from it). The same seed gives the same indices here, but not the indices
PyTorch draws: the streams differ.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..generator import get_rng
from ..value import Value

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def _keep_generator(generator):
    """What a sampler stores: an int seed becomes its NumPy generator once (so epochs differ); anything else is
    kept and resolved at each epoch by `get_rng` (a TypeError for what it cannot use)."""
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    get_rng(generator)
    return generator


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


class Sampler:
    """The base class: a subclass defines `__iter__` (yielding indices, or lists of indices for a batch sampler)
    and usually `__len__`. `data_source` is accepted and ignored, as in PyTorch."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) − 1, in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices of `data_source` in random order, a new order each epoch.

    replacement=False: a permutation; with num_samples > len(data_source), whole permutations follow each other
    (the last one cut short), as PyTorch. replacement=True: num_samples independent uniform draws.
    num_samples: how many indices per epoch (default len(data_source)); a positive int.
    generator: see the module docstring.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement!r}")
        _positive_int(self.num_samples, "num_samples")
        self.generator = _keep_generator(generator)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count, rng = len(self.data_source), self.num_samples, get_rng(self.generator)
        if self.replacement:
            blocks = (rng.integers(0, n, size=min(_DRAWN_AHEAD, count - done))
                      for done in range(0, count, _DRAWN_AHEAD))
        else:
            blocks = (rng.permutation(n) for _ in range(-(-count // n)))
        return _first_indices(blocks, count)

    def __len__(self):
        return self.num_samples


# Indices an epoch draws when its iteration starts; the rest are drawn as it reaches them. minGPT's trainer iterates
# RandomSampler(dataset, replacement=True, num_samples=int(1e10)), endlessly: drawn at once, 80 GB.
_DRAWN_AHEAD = 1 << 16


def _first_indices(blocks, count):
    """An iterator over the first `count` indices of the arrays that `blocks` yields: the blocks holding the first
    _DRAWN_AHEAD indices are drawn now (an epoch of fewer indices is drawn whole as it starts, so other draws that
    happen during it do not shift its order), later ones when the iteration reaches them."""
    ready, drawn = [], 0
    for block in blocks:
        ready.append(block)
        drawn += len(block)
        if drawn >= _DRAWN_AHEAD:
            break
    return _indices_of(itertools.chain(ready, blocks), count)


def _indices_of(blocks, count):
    for block in blocks:
        block = block[:count].tolist()
        yield from block
        count -= len(block)
        if count <= 0:
            return


class SubsetRandomSampler(Sampler):
    """The given `indices` in a random order, a new one each epoch (without replacement)."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, _keep_generator(generator)

    def __iter__(self):
        for i in get_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices in 0..len(weights)−1, index i drawn with probability weights[i] / Σ weights.

    weights: a 1-D sequence of non-negative numbers (they need not sum to 1); stored as a float64 array.
    replacement=False: no index twice (then num_samples must not exceed the number of non-zero weights).
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        num_samples = _positive_int(num_samples, "num_samples")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement!r}")
        weights = np.asarray(weights.data if isinstance(weights, Value) else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {weights.shape}")
        self.weights, self.num_samples, self.replacement = weights, num_samples, replacement
        self.generator = _keep_generator(generator)

    def __iter__(self):
        w = self.weights
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative and not all zero "
                               f"(invalid multinomial distribution), got {w}")
        if not self.replacement and np.count_nonzero(w) < self.num_samples:
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {self.num_samples} distinct indices without "
                               f"replacement from {np.count_nonzero(w)} non-zero weights (invalid multinomial "
                               "distribution, not enough non-negative category to sample)")
        drawn = get_rng(self.generator).choice(len(w), size=self.num_samples, replace=self.replacement, p=w / w.sum())
        return iter(drawn.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of `batch_size` consecutive indices from `sampler` (any iterable of indices); the last list is shorter
    unless `drop_last=True` drops it. `len` = ceil(len(sampler) / batch_size), or floor with drop_last."""

    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _positive_int(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
