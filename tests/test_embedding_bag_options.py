"""EmbeddingBag's max_norm and scale_grad_by_freq, with every mode, per_sample_weights and padding_idx: values, the
renormalised table and the gradients of weight (and per_sample_weights) against PyTorch in float64, and finite
differences without it.

scale_grad_by_freq divides each row's gradient by its id's count in the input, as documented and as PyTorch's
nn.Embedding and its CUDA embedding_bag do. PyTorch 2.13's CPU embedding_bag divides by a wrong count when ids occur
with different counts (pytorch/pytorch#190063, fixed by #190264): there the reference is PyTorch's gradient without
the option divided by the counts, and where every id occurs equally often (no difference) PyTorch's own option.
"""

import numpy as np
import pytest

import autograd_core.nn as nn
import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck

IDS = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 4, 4, 1])
OFFSETS = np.array([0, 4, 4, 7])           # an empty bag among them


def _table(seed=0):
    return np.random.default_rng(seed).normal(size=(10, 3)) * 1.5     # several rows above norm 1


CASES = [
    dict(mode=mode, padding_idx=padding_idx, per_sample_weights=psw, max_norm=max_norm,
         norm_type=norm_type, scale_grad_by_freq=freq)
    for mode in ("sum", "mean", "max")
    for padding_idx in (None, 4)
    for psw in ((False, True) if mode == "sum" else (False,))
    for max_norm, norm_type, freq in ((1.0, 2.0, False), (None, 2.0, True), (1.5, 1.0, True))
    if not (mode == "max" and freq)
]


def _name(case):
    return "-".join(f"{k}={v}" for k, v in case.items() if v not in (None, False) and k != "norm_type")


@pytest.mark.parametrize("case", CASES, ids=[_name(c) for c in CASES])
@pytest.mark.parametrize("layout", ["offsets", "2d"])
def test_embedding_bag_options_match_torch(case, layout):
    torch = pytest.importorskip("torch")
    case = dict(case)
    use_psw = case.pop("per_sample_weights")
    ids, offsets = (IDS, OFFSETS) if layout == "offsets" else (IDS.reshape(3, 4), None)
    table = _table()
    psw = np.random.default_rng(1).normal(size=ids.shape)
    ours = nn.EmbeddingBag(10, 3, _weight=table.copy(), dtype=np.float64, **case)
    theirs = torch.nn.EmbeddingBag(10, 3, _weight=torch.tensor(table.copy()), **case)
    p, tp = Value(psw.copy()), torch.tensor(psw, requires_grad=True)
    out = ours(ids, offsets, per_sample_weights=p if use_psw else None)
    tout = theirs(torch.tensor(ids), None if offsets is None else torch.tensor(offsets),
                  per_sample_weights=tp if use_psw else None)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-14)  # the renormalised rows
    w = np.random.default_rng(2).normal(size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    expected = theirs.weight.grad.numpy()
    if case["scale_grad_by_freq"]:  # PyTorch's unscaled gradient over the true counts (see the module docstring)
        theirs.weight.grad = None
        unscaled = torch.nn.EmbeddingBag(10, 3, _weight=theirs.weight.detach().clone(),
                                         **dict(case, max_norm=None, scale_grad_by_freq=False))
        tout = unscaled(torch.tensor(ids), None if offsets is None else torch.tensor(offsets),
                        per_sample_weights=tp.detach() if use_psw else None)
        (tout * torch.tensor(w)).sum().backward()
        expected = unscaled.weight.grad.numpy() / np.maximum(np.bincount(IDS, minlength=10), 1)[:, None]
    np.testing.assert_allclose(ours.weight.grad, expected, rtol=1e-13, atol=1e-15)
    if use_psw:
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_bag_scale_grad_by_freq_matches_torch_where_every_id_occurs_equally(mode, padding_idx):
    torch = pytest.importorskip("torch")
    ids, offsets = np.array([3, 7, 1, 7, 3, 1, 0, 0]), np.array([0, 3, 3, 5])
    table = _table()
    weight, tweight = Value(table.copy()), torch.tensor(table, requires_grad=True)
    out = F.embedding_bag(ids, weight, offsets, mode=mode, scale_grad_by_freq=True, padding_idx=padding_idx)
    tout = torch.nn.functional.embedding_bag(torch.tensor(ids), tweight, torch.tensor(offsets), mode=mode,
                                             scale_grad_by_freq=True, padding_idx=padding_idx)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-14, atol=1e-15)
    w = np.random.default_rng(3).normal(size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(weight.grad, tweight.grad.numpy(), rtol=1e-14, atol=1e-15)
    assert np.abs(weight.grad).max() > 0


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_finite_differences(mode):
    """The scaled gradient is not the derivative of the output; it is the derivative of the output computed with each
    id's row divided by its count (a constant): check that function against finite differences."""
    counts = np.bincount(IDS, minlength=10).astype(float)
    extra = dict(per_sample_weights=np.random.default_rng(1).normal(size=IDS.shape)) if mode == "sum" else {}
    weights = np.random.default_rng(2).normal(size=(len(OFFSETS), 3))

    def scaled(w):
        return (F.embedding_bag(IDS, w, OFFSETS, mode=mode, padding_idx=4, scale_grad_by_freq=True, **extra)
                * weights).sum()

    table = Value(_table())
    scaled(table).backward()
    reference = Value(_table())
    (F.embedding_bag(IDS, reference / np.maximum(counts, 1)[:, None], OFFSETS, mode=mode, padding_idx=4, **extra)
     * weights).sum().backward()
    np.testing.assert_allclose(table.grad, reference.grad, rtol=1e-14)
    assert gradcheck(lambda w: F.embedding_bag(IDS, w / np.maximum(counts, 1)[:, None], OFFSETS, mode=mode,
                                               padding_idx=4, **extra), (Value(_table()),))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_max_norm_renormalises_read_rows_then_finite_differences(mode):
    table = _table()
    weight = Value(table.copy())
    F.embedding_bag(IDS, weight, OFFSETS, max_norm=1.0, mode=mode)
    read = np.unique(IDS)
    norms = np.linalg.norm(weight.data, axis=1)
    assert np.all(norms[read] <= 1.0 + 1e-12)
    unread = np.setdiff1d(np.arange(10), read)
    np.testing.assert_array_equal(weight.data[unread], table[unread])         # rows not read stay as they were
    # the renormalisation has no gradient: the gradient is that of the plain bag at the renormalised table
    fresh = Value(table.copy())
    (F.embedding_bag(IDS, fresh, OFFSETS, max_norm=1.0, mode=mode) ** 2).sum().backward()
    np.testing.assert_array_equal(fresh.data, weight.data)
    plain = Value(weight.data.copy())
    (F.embedding_bag(IDS, plain, OFFSETS, mode=mode) ** 2).sum().backward()
    np.testing.assert_allclose(fresh.grad, plain.grad, rtol=1e-15)
    assert gradcheck(lambda w: F.embedding_bag(IDS, w, OFFSETS, mode=mode), (Value(weight.data.copy()),))


def test_embedding_bag_option_errors_and_repr():
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(IDS, Value(_table()), OFFSETS, mode="max", scale_grad_by_freq=True)
    with pytest.raises(ValueError, match="max mode does not support sparse"):
        F.embedding_bag(IDS, Value(_table()), OFFSETS, mode="max", sparse=True)
    bag = nn.EmbeddingBag(10, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode="sum", padding_idx=0)
    assert bag.extra_repr() == ("10, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode='sum', "
                                "padding_idx=0")                                      # PyTorch's text
