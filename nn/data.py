"""Data: two small data sets (two moons, 8×8 digits), and `DataLoader` (from autograd_core.utils.data)."""

from __future__ import annotations

import numpy as np

from autograd_core.utils.data import DataLoader  # noqa: F401  (moved to the core; nn.DataLoader stays)

from . import init


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
