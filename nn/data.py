"""Data: a `DataLoader` over arrays, and two small data sets (two moons, 8×8 digits)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd_core import Value

from . import init


class DataLoader:
    """Mini-batches of equally long arrays, in order or shuffled.

    DataLoader(*arrays, batch_size=32, shuffle=False, drop_last=False, rng=None, as_values=False, sampler=None)

    arrays:    arrays (or nested lists) with the same first dimension N (samples).
    shuffle:   a new permutation each epoch, drawn from `rng` (a Generator, an int seed, or None for
               the module-wide generator of `nn.init`): two loaders built with the same seed yield the
               same batches, epoch after epoch.
    drop_last: skip the final batch when it is smaller than batch_size.
    as_values: yield float arrays as Values (requires_grad=False); integer arrays (labels) stay arrays.
    sampler:   an iterable of sample indices with a length, iterated anew each epoch, e.g.
               `distributed.DistributedSampler` (this rank's shard); not together with shuffle=True.

    Iterating yields one tuple per batch, (x_batch, y_batch, ...), like PyTorch's TensorDataset;
    `len(loader)` is the number of batches per epoch.
    """

    def __init__(self, *arrays, batch_size=32, shuffle=False, drop_last=False, rng=None, as_values=False,
                 sampler=None):
        if not arrays:
            raise ValueError("DataLoader: give at least one array")
        arrays = tuple(a.data if isinstance(a, Value) else np.asarray(a) for a in arrays)
        lengths = [a.shape[0] if a.ndim else None for a in arrays]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"DataLoader: arrays must share their first dimension, got shapes "
                             f"{[a.shape for a in arrays]}")
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.arrays, self.batch_size = arrays, int(batch_size)
        self.shuffle, self.drop_last, self.as_values = bool(shuffle), bool(drop_last), bool(as_values)
        self._rng = init.get_rng(rng) if shuffle else None
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True exclude each other (the sampler sets the order)")
        self.sampler = sampler

    @property
    def num_samples(self):
        return self.arrays[0].shape[0] if self.sampler is None else len(self.sampler)

    def __len__(self):
        n = self.num_samples
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = self.num_samples
        order = self._rng.permutation(n) if self.shuffle else None
        if self.sampler is not None:
            order = np.fromiter(self.sampler, dtype=np.intp, count=n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            if order is None:
                batch = tuple(a[start:start + self.batch_size] for a in self.arrays)
            else:
                index = order[start:start + self.batch_size]
                batch = tuple(a[index] for a in self.arrays)
            if self.as_values:
                batch = tuple(Value(b, requires_grad=False) if b.dtype.kind == "f" else b for b in batch)
            yield batch


def make_moons(n_samples=100, noise=None, rng=None, shuffle=True, dtype=np.float64):
    """Two interleaving half circles in the plane (the two-moons toy problem).

    Returns X (n_samples, 2) and y (n_samples,) int64 in {0, 1}: class 0 is the upper half circle
    of radius 1 around (0, 0), class 1 the lower one around (1, 0.5). `noise` is the standard deviation
    of Gaussian noise added to every coordinate. `rng` as in `nn.init.get_rng`. For micrograd's hinge
    loss use labels y * 2 - 1.
    """
    if isinstance(n_samples, (tuple, list)):
        n_upper, n_lower = (int(n) for n in n_samples)
    else:
        n_upper = int(n_samples) // 2
        n_lower = int(n_samples) - n_upper
    rng = init.get_rng(rng)
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    X = np.concatenate([
        np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
        np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1),
    ])
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(0.0, float(noise), size=X.shape)
    return X.astype(dtype, copy=False), y


def load_digits(test_size=0.25, seed=0, scale=True, images=False, dtype=np.float32):
    """scikit-learn's bundled 8×8 handwritten digits (1,797 images, classes 0-9), split reproducibly.

    test_size: the fraction (0 < f < 1) or the number of images held out for testing.
    seed:      seeds the shuffle before the split (an int or Generator).
    scale:     divide the pixel values 0..16 by 16.
    images:    shape X as (n, 1, 8, 8) for convolutions instead of (n, 64).
    Returns X_train, X_test, y_train, y_test (y int64), like sklearn's train_test_split.
    Needs scikit-learn (an optional extra): pip install scikit-learn
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError:
        raise ImportError("load_digits needs scikit-learn, which is not installed: pip install scikit-learn "
                          "(or pip install 'autograd-core[examples]')") from None
    digits = _sk_load_digits()
    X = digits.data.astype(dtype)
    y = digits.target.astype(np.int64)
    if scale:
        X /= 16
    n = len(y)
    n_test = int(round(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"load_digits: test_size={test_size!r} leaves {n_test} of {n} images for testing")
    order = init.get_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    if images:
        X = X.reshape(n, 1, 8, 8)
    return X[train], X[test], y[train], y[test]
