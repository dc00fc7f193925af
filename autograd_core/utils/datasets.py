"""Data set classes, as `torch.utils.data`'s: `Dataset` (map-style), `IterableDataset` (a stream),
`ConcatDataset`, `ChainDataset`, `StackDataset`, and `get_worker_info`. Re-exported by `autograd_core.utils.data`.
"""

from __future__ import annotations

import bisect
import itertools
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Dataset", "IterableDataset", "ConcatDataset", "ChainDataset", "StackDataset", "get_worker_info",
           "WorkerInfo"]


class Dataset:
    """A map-style data set: `dataset[i]` is sample i, `len(dataset)` the number of samples. Subclass it and
    define both. `a + b` is `ConcatDataset([a, b])`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A data set read as a stream: subclass it and define `__iter__` (and `__len__` if the length is known).
    A `DataLoader` iterates it in order (no sampler, no shuffle); with `num_workers > 0` each (in-process) worker
    iterates its own copy, so shard it in `__iter__` with `get_worker_info()`. `a + b` is `ChainDataset([a, b])`."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, it has no indexing")

    def __add__(self, other):
        return ChainDataset([self, other])


class ConcatDataset(Dataset):
    """The samples of several map-style data sets one after the other. `cumulative_sizes[k]` is the total length of
    datasets[0..k]; a negative index counts from the end."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    @staticmethod
    def cumsum(sequence):
        """The running total of the lengths of `sequence`'s data sets."""
        return list(itertools.accumulate(len(d) for d in sequence))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[which][index - (self.cumulative_sizes[which - 1] if which else 0)]


class ChainDataset(IterableDataset):
    """Several `IterableDataset`s read one after the other, lazily; `len` sums their lengths."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _checked(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield d

    def __iter__(self):
        for d in self._checked():
            yield from d

    def __len__(self):
        return sum(len(d) for d in self._checked())


class StackDataset(Dataset):
    """Equally long data sets side by side: `StackDataset(a, b)[i] = (a[i], b[i])`, or with keywords
    `StackDataset(x=a, y=b)[i] = {'x': a[i], 'y': b[i]}` (not both forms at once)."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either tuple- (via args) or dict- (via kwargs) like input/output, but both "
                             "types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args or kwargs
        parts = args or tuple(kwargs.values())
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            raise ValueError(f"Size mismatch between datasets: lengths {[len(d) for d in parts]}")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


@dataclass(frozen=True)
class WorkerInfo:
    """What `get_worker_info()` returns inside a worker: its `id` (0..num_workers−1), `num_workers`, `seed`
    (the epoch's base seed + id) and its `dataset`."""

    id: int
    num_workers: int
    seed: int
    dataset: object


_WORKER = [None]  # the WorkerInfo of the worker now running, None in the main process


def get_worker_info():
    """The `WorkerInfo` of the DataLoader worker this code runs in, or None in the main process. Our workers run
    in-process, one after the other: the info is set while the loader calls `worker_init_fn`, the data set and
    `collate_fn` on a worker's behalf."""
    return _WORKER[0]


@contextmanager
def _in_worker(info):
    """Run the block as worker `info` (None: the main process): what `get_worker_info()` returns inside it."""
    saved, _WORKER[0] = _WORKER[0], info
    try:
        yield
    finally:
        _WORKER[0] = saved
