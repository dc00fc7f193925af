"""Data sets and mini-batches, as `torch.utils.data`: `Dataset`, `TensorDataset`, `Subset`, `random_split`,
`DataLoader`,
`DistributedSampler` (from autograd_core.distributed: each rank's shard, for data-parallel training).

    from autograd_core.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for xb, yb in loader:            # Values (requires_grad=False): xb (32, ...), yb (32,) int64
        ...

`DataLoader` also keeps its older form over arrays, `DataLoader(X, y, batch_size=32)`, which yields
tuples of NumPy arrays (Values with `as_values=True`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..distributed.sampler import DistributedSampler  # noqa: F401  (torch.utils.data has it here too)
from ..tensor import get_rng
from ..value import Value


class Dataset:
    """A map-style data set: `dataset[i]` is sample i, `len(dataset)` the number of samples. Subclass it and
    define both."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def _plain_value(data):
    data = np.asarray(data)
    return Value(data[()] if data.ndim == 0 else data, requires_grad=False, dtype=data.dtype)


class TensorDataset(Dataset):
    """Samples made of the i-th rows of equally long Values or arrays: `dataset[i] = (x[i], y[i], ...)`."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one Value or array")
        self.arrays = tuple(t.data if isinstance(t, Value) else np.asarray(t) for t in tensors)
        lengths = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: all inputs must share their first dimension, got shapes "
                             f"{[a.shape for a in self.arrays]}")
        self.tensors = tuple(_plain_value(a) for a in self.arrays)

    def __getitem__(self, index):
        return tuple(_plain_value(a[index]) for a in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: `subset[i] = dataset[indices[i]]`."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping `Subset`s of the given lengths, from one random permutation.

    lengths: counts that add up to len(dataset), or fractions that add up to 1 (PyTorch's rule: each gets
    floor(fraction·n), and the remainder goes one by one to the subsets in order). generator: as for
    `DataLoader` (None: the generator `manual_seed` seeds)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= f <= 1 for f in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(k, numbers.Integral) or k < 0 for k in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} must be non-negative counts adding up to the data "
                         f"set's length {n}, or fractions adding up to 1")
    order = get_rng(generator).permutation(n)
    offsets = np.cumsum([0] + lengths)
    return [Subset(dataset, order[start:stop]) for start, stop in zip(offsets[:-1], offsets[1:])]


def default_collate(samples):
    """Stack a list of samples into a batch: numbers, arrays and Values become one Value (a new first axis);
    tuples, lists and dicts are collated field by field."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate([s[i] for s in samples]) for i in range(len(first))) \
            if isinstance(first, tuple) else [default_collate([s[i] for s in samples]) for i in range(len(first))]
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (str, bytes)):
        return list(samples)
    return _plain_value(np.stack([s.data if isinstance(s, Value) else np.asarray(s) for s in samples]))


def default_convert(sample):
    """One sample as the loader hands it out without batching (`batch_size=None`), as PyTorch's default_convert:
    NumPy arrays and scalars become Values of their own shape; Python numbers, strings and Values stay as they are;
    tuples, lists and dicts are converted field by field."""
    if isinstance(sample, tuple):
        return tuple(default_convert(s) for s in sample)
    if isinstance(sample, list):
        return [default_convert(s) for s in sample]
    if isinstance(sample, dict):
        return {key: default_convert(s) for key, s in sample.items()}
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biufc":
        return _plain_value(np.asarray(sample))
    return sample


_DEFAULT_BATCH = object()  # batch_size not given (None is PyTorch's "no batching")


class DataLoader:
    """Mini-batches from a data set, in order or shuffled.

    DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, collate_fn=None)
    DataLoader(*arrays, batch_size=32, shuffle=False, drop_last=False, rng=None, as_values=False)

    dataset:    anything with `__getitem__` and `__len__` (a Dataset, a list of samples); batches are built
                by `collate_fn` (default: `default_collate`, which stacks into Values).
    arrays:     the older form: NumPy arrays or Values with the same first dimension; each batch is a tuple
                of array slices (float ones as Values with `as_values=True`).
    shuffle:    a new permutation each epoch from `generator` (or `rng`: a Generator, an int seed, or None for
                the generator that `autograd_core.manual_seed` seeds).
    drop_last:  skip the final batch when it is smaller than batch_size.
    batch_size=None: no batching, as in PyTorch: one sample at a time, each converted by `collate_fn` (default:
                `default_convert`, Values of the sample's own shape).
    sampler:    an iterable of sample indices with a length, iterated anew each epoch (e.g. a
                `DistributedSampler`: this rank's shard); not together with shuffle=True.
    `len(loader)` is the number of batches per epoch.
    """

    def __init__(self, dataset, *arrays, batch_size=_DEFAULT_BATCH, shuffle=False, drop_last=False, generator=None,
                 rng=None, collate_fn=None, as_values=False, num_workers=0, pin_memory=False, sampler=None):
        self._arrays_form = bool(arrays) or isinstance(dataset, (np.ndarray, Value))
        if batch_size is _DEFAULT_BATCH:
            batch_size = 32 if self._arrays_form else 1
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got {batch_size!r}")
        if self._arrays_form:
            dataset = TensorDataset(dataset, *arrays)
            self.arrays = dataset.arrays
        elif not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader: expected a data set (with __getitem__ and __len__) or arrays, got "
                            f"{type(dataset).__name__}")
        self.dataset, self.batch_size = dataset, None if batch_size is None else int(batch_size)
        self.shuffle, self.drop_last, self.as_values = bool(shuffle), bool(drop_last), bool(as_values)
        self.collate_fn = collate_fn
        self._rng = get_rng(generator if generator is not None else rng) if shuffle else None
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True exclude each other (the sampler sets the order)")
        self.sampler = sampler

    @property
    def num_samples(self):
        return len(self.dataset) if self.sampler is None else len(self.sampler)

    def __len__(self):
        n = self.num_samples
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = self.num_samples
        if self.sampler is not None:
            order = np.fromiter(self.sampler, dtype=np.intp, count=n)
        else:
            order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        if self.batch_size is None:  # no batching: sample by sample
            for i in order:
                yield self._sample(int(i))
            return
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield self._batch(order[start:start + self.batch_size])

    def _sample(self, i):
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
            return self._batch(i)  # an integer index: each array's sample, converted as batches are
        return (self.collate_fn or default_convert)(self.dataset[i])

    def _batch(self, index):
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:  # one fancy index per array
            batch = tuple(a[index] for a in self.dataset.arrays)
            if self._arrays_form:
                if self.as_values:
                    batch = tuple(_plain_value(b) if b.dtype.kind == "f" else b for b in batch)
                return batch
            return tuple(_plain_value(b) for b in batch)
        samples = [self.dataset[int(i)] for i in index]
        return (self.collate_fn or default_collate)(samples)
