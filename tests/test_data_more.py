"""utils.data beyond the basics: samplers, DataLoader's options and errors, collation, iterable/concat/chain/stack
data sets, in-process workers. Compared with torch.utils.data where torch is installed: deterministic behaviour
exactly (sequential orders, batching, lengths, errors, collated structure), random samplers by their statistics
(our streams are NumPy's, not PyTorch's)."""

import collections
import itertools

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.utils import data


def _torch_data():
    torch = pytest.importorskip("torch")
    import torch.utils.data as tdata

    return torch, tdata


def _plain(x):
    """Batches as nested Python lists/dicts/numbers, for comparing our output with PyTorch's."""
    if isinstance(x, (Value,)) or type(x).__name__ == "Tensor":
        return ("tensor", str(np.asarray(x.detach().numpy() if hasattr(x, "detach") and not isinstance(x, Value)
                                         else x.data).dtype), np.asarray(x.tolist()).tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return ("namedtuple", type(x).__name__, [_plain(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return x


# -- samplers --------------------------------------------------------------------------------------------------


def test_sequential_and_batch_sampler_match_pytorch():
    _, tdata = _torch_data()
    for batch_size in (1, 3, 4):
        for drop_last in (False, True):
            ours = data.BatchSampler(data.SequentialSampler(range(10)), batch_size, drop_last)
            theirs = tdata.BatchSampler(tdata.SequentialSampler(range(10)), batch_size, drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            data.BatchSampler(range(4), bad, False)
        with pytest.raises(ValueError):
            tdata.BatchSampler(range(4), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        data.BatchSampler(range(4), 2, 1)


def test_a_tensor_alone_is_a_data_set_of_its_rows():
    """DataLoader(tokens, batch_size=4): PyTorch batches the rows of a tensor given alone into tensors; the older
    form (NumPy arrays, or Values with more of them) keeps its tuples of slices."""
    batches = [b.tolist() for b in data.DataLoader(ag.arange(10.0), batch_size=4)]
    assert batches == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
    assert isinstance(next(iter(data.DataLoader(ag.arange(10.0), batch_size=4))), Value)
    assert next(iter(data.DataLoader(ag.arange(6.0).reshape(3, 2), 2))).shape == (2, 2)  # batch_size by position
    assert next(iter(data.DataLoader(ag.arange(10.0)))).shape == (1,)                  # PyTorch's default of 1
    assert isinstance(next(iter(data.DataLoader(np.arange(10.0), batch_size=4))), tuple)
    assert isinstance(next(iter(data.DataLoader(ag.arange(10.0), ag.arange(10.0), batch_size=4))), tuple)
    assert isinstance(next(iter(data.DataLoader(ag.arange(10.0), batch_size=4, as_values=True))), tuple)
    torch, tdata = _torch_data()
    for make, size in ((lambda m: m.arange(10.0), 4), (lambda m: m.arange(12.0).reshape(4, 3), 3)):
        ours, theirs = data.DataLoader(make(ag), batch_size=size), tdata.DataLoader(make(torch), batch_size=size)
        assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


def test_an_endless_random_sampler_draws_its_indices_as_they_are_reached():
    """minGPT's trainer: RandomSampler(dataset, replacement=True, num_samples=int(1e10)) read by a DataLoader until
    training stops (drawn at once, its indices would take 80 GB); without replacement, whole permutations one after
    another. An epoch of up to 65,536 indices is drawn whole as it starts, the same indices as one draw."""
    sampler = data.RandomSampler(range(100), replacement=True, num_samples=int(1e10), generator=0)
    assert len(sampler) == 10 ** 10
    indices = list(itertools.islice(sampler, 200_000))  # past the first block
    assert len(indices) == 200_000 and min(indices) == 0 and max(indices) == 99
    loader = data.DataLoader(data.TensorDataset(ag.arange(100.0)), sampler=sampler, batch_size=4, shuffle=False)
    (batch,) = next(iter(loader))
    assert tuple(batch.shape) == (4,)
    permutations = data.RandomSampler(range(10), num_samples=10 ** 12, generator=1)
    taken = list(itertools.islice(permutations, 70_010))
    assert all(sorted(taken[i:i + 10]) == list(range(10)) for i in range(0, 70_000, 10))
    small = list(data.RandomSampler(range(7), replacement=True, num_samples=5000, generator=np.random.default_rng(4)))
    assert small == np.random.default_rng(4).integers(0, 7, size=5000).tolist()
    rounds = list(data.RandomSampler(range(7), num_samples=50, generator=np.random.default_rng(5)))
    rng = np.random.default_rng(5)
    assert rounds == np.concatenate([rng.permutation(7) for _ in range(8)])[:50].tolist()


def test_batch_sampler_without_torch():
    assert list(data.BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(data.BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(data.BatchSampler(range(7), 3, True)) == 2 and len(data.BatchSampler(range(7), 3, False)) == 3
    assert list(data.SequentialSampler("abc")) == [0, 1, 2]


def test_random_sampler_permutations_replacement_and_lengths():
    ours = data.RandomSampler(range(5), generator=ag.Generator().manual_seed(0))
    epochs = [list(ours) for _ in range(3)]
    assert all(sorted(e) == list(range(5)) for e in epochs) and len(ours) == 5
    assert len({tuple(e) for e in epochs}) > 1  # a new order each epoch
    longer = list(data.RandomSampler(range(4), num_samples=10, generator=1))
    assert len(longer) == 10 and sorted(longer[:4]) == sorted(longer[4:8]) == [0, 1, 2, 3]  # whole permutations
    draws = np.array(list(data.RandomSampler(range(3), replacement=True, num_samples=6000, generator=2)))
    np.testing.assert_allclose(np.bincount(draws) / 6000, [1 / 3] * 3, atol=0.03)
    same = [list(data.RandomSampler(range(8), generator=ag.Generator().manual_seed(7))) for _ in range(2)]
    assert same[0] == same[1]
    ag.manual_seed(3)
    first = list(data.RandomSampler(range(8)))
    ag.manual_seed(3)
    assert list(data.RandomSampler(range(8))) == first  # None: the generator manual_seed seeds
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        data.RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        data.RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        data.RandomSampler([])


def test_random_sampler_errors_match_pytorch():
    _, tdata = _torch_data()
    for kwargs, error in (({"replacement": 1}, TypeError), ({"num_samples": 0}, ValueError),
                          ({"num_samples": 2.5}, ValueError)):
        with pytest.raises(error):
            tdata.RandomSampler(range(3), **kwargs)
        with pytest.raises(error):
            data.RandomSampler(range(3), **kwargs)
    assert len(data.RandomSampler(range(3), num_samples=7)) == len(tdata.RandomSampler(range(3), num_samples=7))


def test_subset_random_sampler_permutes_the_given_indices():
    sampler = data.SubsetRandomSampler([10, 20, 30, 40], generator=5)
    epochs = [list(sampler) for _ in range(4)]
    assert all(sorted(e) == [10, 20, 30, 40] for e in epochs) and len(sampler) == 4
    assert len({tuple(e) for e in epochs}) > 1


def test_weighted_random_sampler_frequencies_match_pytorch():
    torch, tdata = _torch_data()
    weights, n = [0.1, 0.0, 0.6, 0.3], 20000
    ours = np.bincount(list(data.WeightedRandomSampler(weights, n, generator=0)), minlength=4) / n
    theirs = np.bincount(list(tdata.WeightedRandomSampler(weights, n, generator=torch.Generator().manual_seed(0))),
                         minlength=4) / n
    np.testing.assert_allclose(ours, theirs, atol=0.02)
    np.testing.assert_allclose(ours, np.array(weights) / sum(weights), atol=0.02)
    for bad in ({"num_samples": 0}, {"num_samples": True}, {"replacement": 1}):
        args = dict(weights=weights, num_samples=3) | bad
        with pytest.raises(ValueError):
            tdata.WeightedRandomSampler(**args)
        with pytest.raises(ValueError, match="should be a"):
            data.WeightedRandomSampler(**args)
    with pytest.raises(ValueError, match="1d sequence"):
        data.WeightedRandomSampler([[1.0, 2.0]], 2)


def test_weighted_random_sampler_without_replacement():
    draws = list(data.WeightedRandomSampler([1.0, 0.0, 2.0, 5.0], 3, replacement=False, generator=1))
    assert sorted(draws) == [0, 2, 3]  # each non-zero weight once, the zero never
    assert isinstance(data.WeightedRandomSampler(ag.tensor([1.0, 2.0]), 2).weights, np.ndarray)
    with pytest.raises(RuntimeError, match="without replacement"):
        list(data.WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False))
    with pytest.raises(RuntimeError, match="non-negative"):
        list(data.WeightedRandomSampler([1.0, -1.0], 2))


# -- DataLoader ------------------------------------------------------------------------------------------------


def _dataset(lib):
    return [(float(i), i, np.full(2, i, dtype=np.float32)) for i in range(7)]


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                    dict(batch_sampler=[[4, 0], [6, 1, 2]]), dict(sampler=[5, 3, 1], batch_size=2)])
def test_dataloader_deterministic_batches_match_pytorch(kwargs):
    _, tdata = _torch_data()
    ours, theirs = data.DataLoader(_dataset(ag), **kwargs), tdata.DataLoader(_dataset(None), **kwargs)
    assert len(ours) == len(theirs)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


def test_dataloader_option_errors_match_pytorch():
    _, tdata = _torch_data()
    bad = [dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
           dict(batch_sampler=[[0]], sampler=[0]), dict(batch_sampler=[[0]], drop_last=True),
           dict(sampler=[0], shuffle=True), dict(batch_size=None, drop_last=True), dict(num_workers=-1),
           dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
           dict(num_workers=1, prefetch_factor=-1)]
    for kwargs in bad:
        with pytest.raises(ValueError) as theirs:
            tdata.DataLoader(list(range(4)), **kwargs)
        with pytest.raises(ValueError) as ours:
            data.DataLoader(list(range(4)), **kwargs)
        assert str(theirs.value).split(" ")[:3] == str(ours.value).split(" ")[:3], kwargs
    loader = data.DataLoader(list(range(4)))
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
            setattr(loader, name, None)
    loader.collate_fn = list  # not frozen, as in PyTorch


def test_dataloader_positional_arguments_and_attributes():
    loader = data.DataLoader(list(range(5)), 2, False)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    assert loader.batch_size == 2 and isinstance(loader.sampler, data.SequentialSampler)
    assert isinstance(loader.batch_sampler, data.BatchSampler) and loader.collate_fn is data.default_collate
    assert data.DataLoader(list(range(5)), batch_size=None).collate_fn is data.default_convert
    with pytest.raises(TypeError, match="multiple values for argument 'batch_size'"):
        data.DataLoader(list(range(5)), 2, batch_size=3)
    shuffled = data.DataLoader(list(range(5)), batch_size=5, shuffle=True, generator=ag.Generator().manual_seed(1))
    assert isinstance(shuffled.sampler, data.RandomSampler) and sorted(next(iter(shuffled)).tolist()) == [0, 1, 2, 3, 4]
    again = data.DataLoader(list(range(5)), batch_size=5, shuffle=True, generator=ag.Generator().manual_seed(1))
    assert next(iter(again)).tolist() == next(iter(data.DataLoader(list(range(5)), batch_size=5, shuffle=True,
                                                                  generator=ag.Generator().manual_seed(1)))).tolist()
    weighted = data.DataLoader(list(range(4)), batch_size=8, sampler=data.WeightedRandomSampler([0, 0, 1, 0], 8))
    assert next(iter(weighted)).tolist() == [2] * 8


def test_tensor_dataset_batches_are_lists_as_pytorch():
    torch, tdata = _torch_data()
    ours = next(iter(data.DataLoader(data.TensorDataset(ag.arange(6.0), ag.arange(6)), batch_size=4)))
    theirs = next(iter(tdata.DataLoader(tdata.TensorDataset(torch.arange(6.0), torch.arange(6)), batch_size=4)))
    assert _plain(ours) == _plain(theirs)
    one = next(iter(data.DataLoader(data.TensorDataset(ag.arange(6.0), ag.arange(6)), batch_size=None)))
    assert _plain(one) == _plain(next(iter(tdata.DataLoader(tdata.TensorDataset(torch.arange(6.0),
                                                                                 torch.arange(6)), batch_size=None))))


# -- collation -------------------------------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def _samples(lib):
    tensor = (lambda a: ag.tensor(a)) if lib is None else (lambda a: lib.tensor(a))
    return [{"a": float(i), "b": (i, np.float32(i) / 2), "c": Point(np.arange(2) + i, [i, True]),
             "s": f"s{i}", "t": tensor([float(i), 1.0]), "n": np.int16(i)} for i in range(3)]


def test_default_collate_and_convert_match_pytorch():
    torch, tdata = _torch_data()
    from torch.utils.data import default_collate, default_convert

    assert _plain(data.default_collate(_samples(None))) == _plain(default_collate(_samples(torch)))
    for sample in _samples(None)[:1] + [(np.arange(3), 1.5), [np.float64(2.0), "x"], np.ones((2, 2), np.int32)]:
        theirs_sample = _samples(torch)[0] if isinstance(sample, dict) else sample
        assert _plain(data.default_convert(sample)) == _plain(default_convert(theirs_sample))
    for batch in ([object(), object()], [np.array(["a", "b"])] * 2):
        with pytest.raises(TypeError):
            default_collate(batch)
        with pytest.raises(TypeError, match="default_collate: batch must contain"):
            data.default_collate(batch)
    with pytest.raises(RuntimeError, match="equal size"):
        data.default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        data.default_collate([ag.zeros(2), ag.zeros(3)])


def test_default_collate_keeps_the_graph_of_values_that_require_grad():
    xs = [ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0], requires_grad=True)]
    batch = data.default_collate(xs)
    (batch * batch).sum().backward()
    np.testing.assert_array_equal(xs[1].grad, [6.0, 8.0])
    plain = data.default_collate([np.float64(1.0), np.float64(2.0)])
    assert isinstance(plain, Value) and plain.dtype == np.float64 and not plain.requires_grad
    assert data.default_collate([True, False]).dtype == np.bool_ and data.default_collate([1, 2]).dtype == np.int64


# -- data sets -------------------------------------------------------------------------------------------------


class Stream(data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = data.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)  # each worker its share
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


class TorchStream:
    def __new__(cls, n):
        _, tdata = _torch_data()

        class _Stream(tdata.IterableDataset):
            def __iter__(self):
                info = tdata.get_worker_info()
                start, step = (0, 1) if info is None else (info.id, info.num_workers)
                return iter(range(start, n, step))

            def __len__(self):
                return n

        return _Stream()


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)])
def test_iterable_dataset_loader_matches_pytorch(kwargs):
    _, tdata = _torch_data()
    ours, theirs = data.DataLoader(Stream(8), **kwargs), tdata.DataLoader(TorchStream(8), **kwargs)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs] and len(ours) == len(theirs)
    for bad in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="with IterableDataset: expected unspecified"):
            data.DataLoader(Stream(3), **bad)


def test_workers_run_in_process_with_worker_info_and_init_fn():
    _, tdata = _torch_data()
    # two workers: each reads its share, batches alternate between workers, as PyTorch's (these run in
    # subprocesses there; a small data set keeps that quick)
    ours = [b.tolist() for b in data.DataLoader(Stream(9), batch_size=2, num_workers=2)]
    theirs = [b.tolist() for b in tdata.DataLoader(TorchStream(9), batch_size=2, num_workers=2)]
    assert ours == theirs


def test_worker_init_fn_and_persistent_workers_without_torch():
    calls = []

    def init(worker_id):
        info = data.get_worker_info()
        calls.append((worker_id, info.id, info.num_workers))

    seen = []

    class Recording(data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            seen.append(data.get_worker_info().id)
            return i

    loader = data.DataLoader(Recording(), batch_size=1, num_workers=2, worker_init_fn=init)
    assert [b.tolist() for b in loader] == [[0], [1], [2], [3]]  # the single-process order
    assert seen == [0, 1, 0, 1] and calls == [(0, 0, 2), (1, 1, 2)]
    list(loader)
    assert len(calls) == 4  # once per worker per epoch
    calls.clear()
    persistent = data.DataLoader(Recording(), num_workers=2, worker_init_fn=init, persistent_workers=True)
    list(persistent), list(persistent)
    assert len(calls) == 2  # once in all
    assert data.get_worker_info() is None and loader.prefetch_factor == 2
    assert data.DataLoader(Recording(), pin_memory=True, timeout=1.0).pin_memory is True


def test_concat_chain_and_stack_datasets_match_pytorch():
    _, tdata = _torch_data()
    a, b = [1, 2, 3], [10, 20]
    ours, theirs = data.ConcatDataset([a, b]), tdata.ConcatDataset([a, b])
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [3, 5] and len(ours) == 5
    assert [ours[i] for i in range(-5, 5)] == [theirs[i] for i in range(-5, 5)]
    with pytest.raises(ValueError, match="absolute value of index"):
        ours[-6]
    assert list(data.ChainDataset([Stream(2), Stream(3)])) == list(tdata.ChainDataset([TorchStream(2),
                                                                                       TorchStream(3)]))
    assert len(data.ChainDataset([Stream(2), Stream(3)])) == 5
    stacked, tstacked = data.StackDataset(a, [4, 5, 6]), tdata.StackDataset(a, [4, 5, 6])
    assert stacked[1] == tstacked[1] == (2, 5) and len(stacked) == len(tstacked) == 3
    keyed = data.StackDataset(x=a, y="abc")
    assert keyed[2] == tdata.StackDataset(x=a, y="abc")[2] == {"x": 3, "y": "c"}


def test_dataset_errors_and_operators():
    with pytest.raises(AssertionError, match="empty"):
        data.ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        data.ConcatDataset([Stream(2)])
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(data.ChainDataset([[1, 2]]))
    with pytest.raises(ValueError, match="Size mismatch"):
        data.StackDataset([1], [1, 2])
    with pytest.raises(ValueError, match="both"):
        data.StackDataset([1], y=[2])
    with pytest.raises(ValueError, match="At least one"):
        data.StackDataset()
    ds = data.TensorDataset(np.arange(3.0))
    assert isinstance(ds + ds, data.ConcatDataset) and len(ds + ds) == 6
    assert isinstance(Stream(2) + Stream(1), data.ChainDataset) and list(Stream(2) + Stream(1)) == [0, 1, 0]
    batches = list(data.DataLoader(data.ConcatDataset([[1, 2], [3]]), batch_size=2))
    assert [b.tolist() for b in batches] == [[1, 2], [3]]
