"""Data: DataLoader batching and seeded shuffling, make_moons, load_digits."""

import numpy as np
import pytest

from autograd_core import nn
from autograd_core import Value


def test_dataloader_batches_in_order_with_last_partial():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = nn.DataLoader(X, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    dropped = nn.DataLoader(X, y, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [b[0].shape[0] for b in dropped] == [4, 4]


def test_dataloader_shuffle_is_seeded_and_keeps_pairs():
    X, y = np.arange(10.0), np.arange(10)

    def epochs(seed):
        return [b[1].tolist() for b in nn.DataLoader(X, y, batch_size=3, shuffle=True, rng=seed)]

    assert epochs(0) == epochs(0) and epochs(0) != epochs(1)
    loader = nn.DataLoader(X, y, batch_size=3, shuffle=True, rng=0)
    first, second = [list(loader) for _ in range(2)]
    assert [b[1].tolist() for b in first] != [b[1].tolist() for b in second]  # a new order each epoch
    for xb, yb in first:
        np.testing.assert_array_equal(xb, yb.astype(float))  # samples stay paired with their labels
    assert sorted(np.concatenate([b[1] for b in first]).tolist()) == list(range(10))


def test_dataloader_as_values_and_errors():
    X, y = np.ones((5, 2), np.float32), np.zeros(5, np.int64)
    xb, yb = next(iter(nn.DataLoader(X, y, batch_size=2, as_values=True)))
    assert isinstance(xb, Value) and not xb.requires_grad and xb.dtype == np.float32
    assert isinstance(yb, np.ndarray) and yb.dtype == np.int64
    (only,) = next(iter(nn.DataLoader(X, batch_size=2)))
    assert only.shape == (2, 2)
    with pytest.raises(ValueError, match=r"first dimension.*\(5, 2\).*\(4,\)"):
        nn.DataLoader(X, np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        nn.DataLoader(X, batch_size=0)


def test_make_moons_shape_labels_geometry_and_seed():
    X, y = nn.make_moons(101, rng=0)
    assert X.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    assert (y == 0).sum() == 50 and (y == 1).sum() == 51
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)           # radius 1 around (0, 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)  # around (1, 0.5)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    a, b = nn.make_moons(50, noise=0.1, rng=3), nn.make_moons(50, noise=0.1, rng=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], nn.make_moons(50, noise=0.1, rng=4)[0])


def test_load_digits_split_is_seeded_and_complete():
    pytest.importorskip("sklearn")
    X_tr, X_te, y_tr, y_te = nn.load_digits(test_size=0.2, seed=0)
    assert X_tr.shape[1] == 64 and len(X_tr) + len(X_te) == 1797 and len(X_te) == 359
    assert X_tr.dtype == np.float32 and X_tr.max() <= 1.0 and y_tr.dtype == np.int64
    assert set(np.unique(y_te)) == set(range(10))
    again = nn.load_digits(test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[0], X_tr)
    assert not np.array_equal(nn.load_digits(test_size=0.2, seed=1)[0], X_tr)
    images = nn.load_digits(test_size=100, seed=0, images=True)[0]
    assert images.shape == (1697, 1, 8, 8)


def test_load_digits_without_sklearn_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        nn.load_digits()


def test_batch_size_none_hands_out_samples_unbatched_as_pytorch_does():
    from autograd_core.utils.data import DataLoader, TensorDataset, default_convert

    X, y = np.arange(6.0).reshape(3, 2), np.arange(3)
    loader = DataLoader(TensorDataset(X, y), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and [tuple(v.shape for v in s) for s in samples] == [((2,), ())] * 3
    np.testing.assert_array_equal(samples[2][0].data, [4.0, 5.0])

    class Records:
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return {"x": np.ones(2) * i, "label": i, "name": f"r{i}"}

    first = next(iter(DataLoader(Records(), batch_size=None)))
    assert first["x"].shape == (2,) and first["label"] == 0 and first["name"] == "r0"  # numbers stay numbers
    assert default_convert((np.float32(2.0), [np.zeros(3)]))[1][0].shape == (3,)
    assert len(DataLoader(Records())) == 2 and len(DataLoader(X, batch_size=2)) == 2  # the defaults: 1 and 32
    with pytest.raises(ValueError, match="a positive integer or None"):
        DataLoader(Records(), batch_size=0)

    torch = pytest.importorskip("torch")
    theirs = list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)),
                                              batch_size=None))
    assert [tuple(t.shape) for s in theirs for t in s] == [v.shape for s in samples for v in s]
