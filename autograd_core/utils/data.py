"""Data sets and mini-batches, as `torch.utils.data`: `Dataset`, `TensorDataset`, `Subset`, `random_split`,
`DataLoader`; from sibling files, `IterableDataset`, `ConcatDataset`, `ChainDataset`, `StackDataset`,
`get_worker_info` (datasets.py), the samplers `Sampler`, `SequentialSampler`, `RandomSampler`, `SubsetRandomSampler`,
`WeightedRandomSampler`, `BatchSampler` (samplers.py), `default_collate`, `default_convert` (collate.py), and
`DistributedSampler` (from autograd_core.distributed: each rank's shard, for data-parallel training).

    from autograd_core.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for xb, yb in loader:            # Values (requires_grad=False): xb (32, ...), yb (32,) int64
        ...

`DataLoader` also keeps its older form over arrays, `DataLoader(X, y, batch_size=32)`, which yields
tuples of NumPy arrays (Values with `as_values=True`).
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from ..errors import ShapeError
from ..distributed.sampler import DistributedSampler  # noqa: F401  (torch.utils.data has it here too)
from ..generator import get_rng
from ..value import Value
from .collate import default_collate, default_convert
from .datasets import (  # noqa: F401  (re-exported under torch.utils.data's names)
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, WorkerInfo, _in_worker, get_worker_info)
from .samplers import (  # noqa: F401
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)


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
            raise ShapeError(f"TensorDataset: all inputs must share their first dimension, got shapes "
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


_DEFAULT_BATCH = object()  # batch_size not given: 1 for a data set (PyTorch), 32 for the older arrays form
_POSITIONAL = ("batch_size", "shuffle", "sampler", "batch_sampler", "num_workers", "collate_fn", "pin_memory",
               "drop_last", "timeout", "worker_init_fn", "multiprocessing_context", "generator")  # PyTorch's order
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Mini-batches from a data set, as `torch.utils.data.DataLoader`.

    DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
               collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
               multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
               pin_memory_device='', in_order=True)
    DataLoader(*arrays, batch_size=32, shuffle=False, drop_last=False, rng=None, as_values=False)   (older form)

    dataset:       map-style (`__getitem__` and `__len__`: a Dataset, a list of samples) or an `IterableDataset`
                   (read in order; no shuffle, sampler or batch_sampler).
    sampler:       an iterable of indices (with a length), read anew each epoch; default `SequentialSampler`,
                   or `RandomSampler(dataset, generator=generator)` with shuffle=True (not both).
    batch_sampler: an iterable of lists of indices, one list per batch; excludes batch_size, shuffle, sampler and
                   drop_last. Otherwise batches come from `BatchSampler(sampler, batch_size, drop_last)`.
    batch_size=None: no batching: each sample is converted by `collate_fn` (default `default_convert`);
                   otherwise each list of samples is joined by `collate_fn` (default `default_collate`, which
                   stacks into Values; a sample that is a tuple gives a LIST of fields, as PyTorch).
    generator:     an `autograd_core.Generator`, a NumPy Generator or None (the generator `manual_seed` seeds).
    num_workers:   workers run IN-PROCESS, one after the other (no subprocesses): worker w fetches batches w,
                   w + num_workers, … (the order is the single-process order for a map-style data set); inside
                   one, `get_worker_info()` returns its WorkerInfo and `worker_init_fn(w)` was called once per
                   epoch (once in all with persistent_workers=True). An IterableDataset is iterated once per worker
                   (shard it with get_worker_info()), batches taken from the workers in turn, as PyTorch.
    pin_memory, timeout, prefetch_factor, multiprocessing_context, pin_memory_device, in_order: accepted and
                   checked as PyTorch does; they change nothing here (no device, no subprocesses).
    `len(loader)` is the number of batches per epoch (an IterableDataset must define `__len__` for it).

    Older form: NumPy arrays or Values with one first dimension; batches are tuples of array slices (float ones as
    Values with `as_values=True`); `rng` (a seed, a Generator or None) shuffles as `generator` does. A Value given
    alone (without rng= or as_values=) is PyTorch's data set of its rows instead: batches are stacked Values.
    """

    def __init__(self, dataset, *arrays, batch_size=_DEFAULT_BATCH, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True, rng=None, as_values=False):
        self._initialized = False
        # The older form takes NumPy arrays, or Values with more of them or its own options; a Value alone is a data
        # set of its rows, as in PyTorch (`DataLoader(tokens, batch_size=4)` batches rows into Values).
        self._arrays_form = isinstance(dataset, np.ndarray) or isinstance(dataset, Value) and (
            rng is not None or as_values or (arrays and all(isinstance(a, (np.ndarray, Value)) for a in arrays)))
        options = dict(batch_size=batch_size, shuffle=shuffle, sampler=sampler, batch_sampler=batch_sampler,
                       num_workers=num_workers, collate_fn=collate_fn, pin_memory=pin_memory, drop_last=drop_last,
                       timeout=timeout, worker_init_fn=worker_init_fn,
                       multiprocessing_context=multiprocessing_context, generator=generator)
        if arrays and not self._arrays_form:  # PyTorch's positional arguments after the data set
            if len(arrays) > len(_POSITIONAL):
                raise TypeError(f"DataLoader takes at most {len(_POSITIONAL) + 1} positional arguments")
            defaults = dict(batch_size=_DEFAULT_BATCH, shuffle=None, num_workers=0, pin_memory=False, drop_last=False,
                            timeout=0)
            for name, value in zip(_POSITIONAL, arrays):
                if options[name] is not defaults.get(name) and options[name] != defaults.get(name):
                    raise TypeError(f"DataLoader got multiple values for argument '{name}'")
                options[name] = value
            arrays = ()
        (batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory, drop_last, timeout,
         worker_init_fn, multiprocessing_context, generator) = (options[name] for name in _POSITIONAL)
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if batch_size is _DEFAULT_BATCH:
            batch_size = 32 if self._arrays_form else 1
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size} "
                             f"(DataLoader: batch_size must be a positive integer or None, got {batch_size!r})")
        if self._arrays_form:
            dataset = TensorDataset(dataset, *arrays)
            self.arrays = dataset.arrays
        elif not isinstance(dataset, IterableDataset) and not (hasattr(dataset, "__getitem__")
                                                              and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader: expected a data set (with __getitem__ and __len__, or an IterableDataset) "
                            f"or arrays, got {type(dataset).__name__}")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle (they exclude each other: the sampler "
                             "sets the order)")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator if generator is not None else rng) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, bool(drop_last)
        self.sampler, self.batch_sampler, self.generator, self.shuffle = sampler, batch_sampler, generator, shuffle
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if self._auto_collation else default_convert)
        self._default_collate = collate_fn is None
        self.num_workers, self.pin_memory, self.timeout = int(num_workers), pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers, self.pin_memory_device, self.in_order = persistent_workers, pin_memory_device, in_order
        self.as_values = bool(as_values)
        self._started_workers = None  # the WorkerInfos of persistent workers, once started
        self._initialized = True

    @staticmethod
    def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing. let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

    def __setattr__(self, name, value):
        if name in _FROZEN and getattr(self, "_initialized", False):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def num_samples(self):
        return len(self.dataset) if self.sampler is None else len(self.sampler)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    # -- iteration: workers (in-process) ---------------------------------------------------------------------------

    def _workers(self):
        """This epoch's WorkerInfos, each worker initialised (`worker_init_fn`) once: per epoch, or once in all
        with persistent_workers. None without workers."""
        if self.num_workers == 0:
            return None
        if self.persistent_workers and self._started_workers is not None:
            return self._started_workers
        base_seed = int(get_rng(self.generator).integers(2**62))
        workers = [WorkerInfo(id=w, num_workers=self.num_workers, seed=base_seed + w, dataset=self.dataset)
                   for w in range(self.num_workers)]
        if self.worker_init_fn is not None:
            for info in workers:
                with _in_worker(info):
                    self.worker_init_fn(info.id)
        if self.persistent_workers:
            self._started_workers = workers
        return workers

    def __iter__(self):
        workers = self._workers()
        if self._iterable:
            yield from self._iterate_streams(workers)
            return
        indices = self.batch_sampler if self._auto_collation else self.sampler
        for k, index in enumerate(indices):
            with _in_worker(workers[k % len(workers)] if workers else None):
                batch = self._fetch(index)
            yield batch

    def _iterate_streams(self, workers):
        """An IterableDataset: one stream per worker (or the main process's), a batch from each in turn."""
        streams = []
        for info in workers or [None]:
            with _in_worker(info):
                streams.append((info, iter(self.dataset)))
        while streams:
            for info, stream in list(streams):
                with _in_worker(info):
                    batch = self._next_from(stream)
                if batch is _EXHAUSTED:
                    streams.remove((info, stream))
                else:
                    yield batch

    def _next_from(self, stream):
        if self.batch_size is None:
            sample = next(stream, _EXHAUSTED)
            return sample if sample is _EXHAUSTED else self.collate_fn(sample)
        samples = list(itertools.islice(stream, self.batch_size))
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            return _EXHAUSTED
        return self.collate_fn(samples)

    def _fetch(self, index):
        """One batch (a list of indices) or, without batching, one sample (an index)."""
        if isinstance(self.dataset, TensorDataset) and (self._default_collate or self._arrays_form) \
                and self._auto_collation:
            batch = tuple(a[np.asarray(index, dtype=np.intp)] for a in self.dataset.arrays)  # one fancy index
            if self._arrays_form:
                return tuple(_plain_value(b) if self.as_values and b.dtype.kind == "f" else b for b in batch)
            return [_plain_value(b) for b in batch]
        if self._arrays_form:  # batch_size=None over arrays: each array's row
            return tuple(_plain_value(a[index]) if self.as_values and a.dtype.kind == "f" else a[index]
                         for a in self.dataset.arrays)
        if not self._auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(list(index)) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate_fn(samples)


_EXHAUSTED = object()  # a worker's stream has no further batch


def _register_submodules():
    """PyTorch's submodules of torch.utils.data, for the imports that name them (the text classification tutorial's
    `from torch.utils.data.dataset import random_split`, `from torch.utils.data.sampler import SubsetRandomSampler`,
    `from torch.utils.data.dataloader import default_collate`): modules holding the same objects as this one,
    under PyTorch's lists of names. This module is not a package, so they are registered in sys.modules (the import
    system finds them there once this module is loaded) and as its attributes."""
    import sys
    import types

    names = {
        "dataset": ("Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
                    "Subset", "random_split"),
        "sampler": ("BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
                    "WeightedRandomSampler"),
        "dataloader": ("DataLoader", "get_worker_info", "default_collate", "default_convert"),
        "distributed": ("DistributedSampler",),
    }
    here = globals()
    for name, members in names.items():
        module = types.ModuleType(f"{__name__}.{name}", f"torch.utils.data.{name}'s names: {', '.join(members)}.")
        module.__all__ = list(members)
        module.__dict__.update({member: here[member] for member in members})
        sys.modules.setdefault(module.__name__, module)
        here[name] = sys.modules[module.__name__]


_register_submodules()
