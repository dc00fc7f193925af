"""MultiMarginLoss, MultiLabelMarginLoss, HingeEmbeddingLoss, TripletMarginWithDistanceLoss (nn/loss_extra.py):
values for every reduction and gradients against torch in float64 (hinges exactly at their kinks too), finite
differences, the state dict of a weighted loss, errors."""

import numpy as np
import pytest

import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 4))
Y = np.array([0, 3, 1, 1, 2])
X_KINK = X.copy()
X_KINK[0, 1] = X_KINK[0, 0] - 1.0               # margin − x_y + x_i = 0 exactly: a hinge at its kink
LABELS = np.array([[3, 0, -1, 1], [1, -1, 2, 2], [2, 2, 0, -1], [0, 1, 2, 3], [-1, 0, 0, 0]])  # repeats, empty
DIST = np.abs(RNG.normal(size=(2, 3))) * 1.5
SIGNS = np.array([[1.0, -1.0, 1.0], [-1.0, 0.0, -1.0]])   # 0: PyTorch adds both terms
DIST[0, 1] = 1.0                                    # margin − x = 0: clamp_min's kink
A, P, N = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))


def _cosine_distance(x1, x2):
    return 1 - F.cosine_similarity(x1, x2)


# (module, kwargs, arrays, which ones are differentiated)
CASES = [
    ("MultiMarginLoss", {}, (X, Y), (1, 0)),
    ("MultiMarginLoss", dict(p=2, margin=0.7), (X, Y), (1, 0)),
    ("MultiMarginLoss", dict(weight=np.array([0.5, 1.0, 2.0, 1.5])), (X_KINK, Y), (1, 0)),
    ("MultiMarginLoss", dict(p=2), (X[0], np.array(2)), (1, 0)),                      # one sample
    ("MultiLabelMarginLoss", {}, (X, LABELS), (1, 0)),
    ("MultiLabelMarginLoss", {}, (X[0], LABELS[0]), (1, 0)),
    ("HingeEmbeddingLoss", {}, (DIST, SIGNS), (1, 0)),
    ("HingeEmbeddingLoss", dict(margin=2.0), (DIST, SIGNS), (1, 0)),
    ("TripletMarginWithDistanceLoss", {}, (A, P, N), (1, 1, 1)),
    ("TripletMarginWithDistanceLoss", dict(margin=0.5, swap=True), (A, P, N), (1, 1, 1)),
    ("TripletMarginWithDistanceLoss", dict(distance_function="cosine", swap=True), (A, P, N), (1, 1, 1)),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loss_matches_torch(case, reduction):
    torch = pytest.importorskip("torch")
    name, kw, arrays, grads = case
    ours_kw, their_kw = dict(kw), dict(kw)
    if kw.get("distance_function") == "cosine":
        ours_kw["distance_function"] = _cosine_distance
        their_kw["distance_function"] = lambda a, b: 1 - torch.nn.functional.cosine_similarity(a, b)
    if "weight" in kw:
        their_kw["weight"] = torch.tensor(kw["weight"])
    ours = getattr(nn, name)(reduction=reduction, **ours_kw)
    theirs = getattr(torch.nn, name)(reduction=reduction, **their_kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    vs = [Value(a.copy()) if g else a for a, g in zip(arrays, grads)]
    ts = [torch.tensor(a, requires_grad=bool(g)) for a, g in zip(arrays, grads)]
    out, tout = ours(*vs), theirs(*ts)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-13, atol=1e-15)
    w = RNG.uniform(0.5, 1.5, size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for v, t, g in zip(vs, ts, grads):
        if g:
            np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("f,arrays", [
    (lambda x: F.multi_margin_loss(x, Y, p=2, weight=np.array([0.5, 1.0, 2.0, 1.5]), reduction="none"), (X,)),
    (lambda x: F.multi_margin_loss(x, Y, margin=0.5), (X,)),
    (lambda x: F.multilabel_margin_loss(x, LABELS, reduction="sum"), (X,)),
    (lambda x: F.hinge_embedding_loss(x, SIGNS, margin=2.5), (DIST,)),
    (lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, swap=True, distance_function=_cosine_distance),
     (A, P, N)),
], ids=["multi_margin", "multi_margin_p1", "multilabel_margin", "hinge_embedding", "triplet_with_distance"])
def test_finite_differences(f, arrays):
    assert gradcheck(f, [Value(a) for a in arrays])


def test_multilabel_margin_loss_by_hand():
    # sample 0: targets {3, 0} (entries after the −1 ignored), others {1, 2}: 4 hinges over C = 4 classes
    x = np.array([0.1, 0.2, 0.4, 0.8])
    expected = sum(max(0.0, 1 - (x[j] - x[i])) for j in (3, 0) for i in (1, 2)) / 4
    assert F.multilabel_margin_loss(Value(x), np.array([3, 0, -1, 1])).item() == pytest.approx(expected, rel=1e-15)
    assert F.multilabel_margin_loss(Value(x), np.array([-1, 0, 1, 2])).item() == 0.0   # no targets


def test_errors():
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(Value(X), np.array([0, 1, 2, 3, 4]))
    with pytest.raises(RuntimeError, match="one class index per sample"):
        F.multi_margin_loss(Value(X), np.array([0, 1]))
    with pytest.raises(RuntimeError, match="inconsistent weight size"):
        F.multi_margin_loss(Value(X), Y, weight=np.ones(3))
    with pytest.raises(TypeError, match="integer class indices"):
        F.multi_margin_loss(Value(X), Y.astype(float))
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(Value(X), LABELS[:, :3])
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multilabel_margin_loss(Value(X), LABELS + 2)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(Value(A), Value(P), Value(N[0]))
    with pytest.raises(ValueError, match="reduction"):
        nn.HingeEmbeddingLoss(reduction="avg")


def test_weighted_loss_state_dict():
    loss = nn.MultiMarginLoss(weight=np.array([1.0, 2.0, 3.0, 4.0]))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.MultiMarginLoss().state_dict()) == []
