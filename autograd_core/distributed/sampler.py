"""`DistributedSampler`: each rank's share of a data set's indices, the same number of steps on every rank."""

from __future__ import annotations

import math
import numbers

import numpy as np


class DistributedSampler:
    """The indices of this rank's shard of a data set, reshuffled every epoch (PyTorch's DistributedSampler).

    DistributedSampler(dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False)

    dataset:      anything with a length (a Dataset, an array: its first dimension), or the number of samples.
    num_replicas, rank: the world size and this process's rank (default: from `autograd_core.distributed`,
                  initialising it if needed).
    shuffle:      a permutation of all N indices drawn from seed + epoch, the same on every rank; call
                  `set_epoch(epoch)` at the start of each epoch, or every epoch repeats the same order.
    drop_last:    False pads the permutation with its first indices up to a multiple of num_replicas (a few
                  samples are seen twice per epoch); True drops its tail (a few samples are not seen).
                  Either way every rank yields the same number of indices, so it takes the same number of
                  steps, which data-parallel training needs.

    Rank r takes positions r, r + num_replicas, r + 2 num_replicas, ... of the (padded) permutation, so the
    ranks' shards are disjoint and, without padding or dropping, cover the data set exactly once.
    Use it with `DataLoader(..., sampler=sampler)` (and no shuffle= there).
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from . import get_rank, get_world_size, init

            init()
            num_replicas = get_world_size() if num_replicas is None else num_replicas
            rank = get_rank() if rank is None else rank
        if not isinstance(num_replicas, numbers.Integral) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if not isinstance(rank, numbers.Integral) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank!r}; it must be in [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = self.dataset_size
        if self.drop_last:
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    @property
    def dataset_size(self):
        dataset = self.dataset
        if isinstance(dataset, numbers.Integral):
            return int(dataset)
        return len(dataset)

    def set_epoch(self, epoch):
        """Make the next iteration use the permutation of this epoch (the same on every rank)."""
        self.epoch = int(epoch)

    def __iter__(self):
        n = self.dataset_size
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(n)
        else:
            order = np.arange(n)
        if self.total_size > n:  # pad, repeating the permutation as often as needed (n may be < num_replicas)
            order = np.resize(order, self.total_size)
        else:
            order = order[:self.total_size]
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (f"DistributedSampler(size={self.dataset_size}, num_replicas={self.num_replicas}, rank={self.rank}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, epoch={self.epoch})")
