"""MarginRankingLoss, CosineEmbeddingLoss, TripletMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss,
GaussianNLLLoss and PoissonNLLLoss (nn/loss_extra.py): values for every reduction and gradients against torch in
float64 (hinges exactly at their kink too), finite differences, state_dict of a weighted loss, errors."""

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

RNG = np.random.default_rng(0)
A, B, C = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))
X1, X2 = RNG.normal(size=6), RNG.normal(size=6)
X2[0] = X1[0]  # margin 0: the hinge exactly at its kink, where PyTorch's clamp_min passes the gradient
SIGNS = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0])
VAR = np.abs(RNG.normal(size=(5, 4))) + 0.1
VAR_TINY = VAR.copy()
VAR_TINY[0, 0] = 1e-9  # below eps: clamped in value, not in gradient
COUNTS = RNG.poisson(2.0, size=(5, 4)).astype(float)


def _labels(x):
    return (x > 0).astype(float)


# (name, module kwargs, arrays, which ones are differentiated, rtol)
CASES = [
    ("MarginRankingLoss", {}, (X1, X2, SIGNS), (1, 1, 0), 1e-14),
    ("MarginRankingLoss", dict(margin=0.5), (X1, X2, SIGNS), (1, 1, 0), 1e-14),
    ("CosineEmbeddingLoss", {}, (A, B, SIGNS[:5]), (1, 1, 0), 1e-13),
    ("CosineEmbeddingLoss", dict(margin=0.2), (A[0], B[0], np.array(-1.0)), (1, 1, 0), 1e-13),  # unbatched
    ("TripletMarginLoss", {}, (A, B, C), (1, 1, 1), 1e-13),
    ("TripletMarginLoss", dict(margin=2.0, p=1.0, swap=True), (A, B, C), (1, 1, 1), 1e-13),
    ("SoftMarginLoss", {}, (A, np.sign(B)), (1, 0), 1e-13),
    ("MultiLabelSoftMarginLoss", {}, (A, _labels(B)), (1, 0), 1e-13),
    ("GaussianNLLLoss", {}, (A, B, VAR_TINY), (1, 1, 1), 1e-11),
    ("GaussianNLLLoss", dict(full=True), (A, B, VAR[:, 0]), (1, 1, 1), 1e-12),      # one variance per sample
    ("GaussianNLLLoss", dict(eps=0.01), (A, B, VAR[:, :1]), (1, 1, 1), 1e-12),
    ("PoissonNLLLoss", {}, (A, COUNTS), (1, 0), 1e-13),
    ("PoissonNLLLoss", dict(log_input=False, full=True), (np.abs(A) + 0.1, COUNTS), (1, 0), 1e-13),
]
IDS = [f"{c[0]}{c[1] or ''}" for c in CASES]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loss_matches_torch(case, reduction):
    torch = pytest.importorskip("torch")
    name, kw, arrays, grads, rtol = case
    ours, theirs = getattr(nn, name)(reduction=reduction, **kw), getattr(torch.nn, name)(reduction=reduction, **kw)
    vs = [Value(a.copy()) if g else a for a, g in zip(arrays, grads)]
    ts = [torch.tensor(a, requires_grad=bool(g)) for a, g in zip(arrays, grads)]
    out, tout = ours(*vs), theirs(*ts)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=1e-14)
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for v, t, g in zip(vs, ts, grads):
        if g:
            np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=rtol, atol=1e-14)


# (name, kwargs, arrays, how many leading arrays are differentiated)
FUNCTIONALS = [
    ("margin_ranking_loss", dict(margin=0.3), (X1 + 0.01, X2, SIGNS), 2),
    ("cosine_embedding_loss", dict(margin=-0.5), (A, B, SIGNS[:5]), 2),
    ("triplet_margin_loss", dict(swap=True), (A, B, C), 3),
    ("soft_margin_loss", {}, (A, np.sign(B)), 1),
    ("multilabel_soft_margin_loss", dict(weight=np.arange(1.0, 5.0)), (A, _labels(B)), 1),
    ("gaussian_nll_loss", dict(full=True), (A, B, VAR), 3),
    ("poisson_nll_loss", dict(log_input=False), (np.abs(A) + 0.1, COUNTS), 1),
]


@pytest.mark.parametrize("fname,kw,arrays,differentiable", FUNCTIONALS, ids=[f[0] for f in FUNCTIONALS])
def test_functional_matches_torch_and_finite_differences(fname, kw, arrays, differentiable):
    fixed = arrays[differentiable:]
    gradcheck(lambda *xs: getattr(F, fname)(*xs, *fixed, **kw), list(arrays[:differentiable]))  # without torch too
    torch = pytest.importorskip("torch")
    torch_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ours = getattr(F, fname)(*[Value(a) for a in arrays], **kw)
    theirs = getattr(torch.nn.functional, fname)(*[torch.tensor(a) for a in arrays], **torch_kw)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-13)


def test_gaussian_nll_loss_takes_a_number_for_var_and_checks_it():
    with pytest.raises(ValueError, match="negative entry"):
        F.gaussian_nll_loss(Value(A), Value(B), -VAR)
    with pytest.raises(ValueError, match="negative entry"):
        F.gaussian_nll_loss(Value(A), Value(B), -1.0)
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(Value(A), Value(B), VAR[:2])
    torch = pytest.importorskip("torch")
    ours = F.gaussian_nll_loss(Value(A), Value(B), 0.5)
    np.testing.assert_allclose(ours.data, torch.nn.functional.gaussian_nll_loss(
        torch.tensor(A), torch.tensor(B), 0.5).numpy(), rtol=1e-14)


def test_multilabel_weight_is_a_buffer_in_the_state_dict_like_torch():
    torch = pytest.importorskip("torch")
    weight = np.arange(1.0, 5.0)
    ours, theirs = nn.MultiLabelSoftMarginLoss(weight), torch.nn.MultiLabelSoftMarginLoss(torch.tensor(weight))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    np.testing.assert_allclose(ours(Value(A), _labels(B)).data,
                               theirs(torch.tensor(A), torch.tensor(_labels(B))).numpy(), rtol=1e-14)


def test_loss_errors():
    with pytest.raises(ValueError, match="must match the size of tensor b"):  # PyTorch's broadcast error
        F.margin_ranking_loss(Value(X1), Value(X2[:3]), SIGNS)
    with pytest.raises(ValueError, match="target"):
        F.cosine_embedding_loss(Value(A), Value(B), SIGNS)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match="all 1-D .D,. or all 2-D"):
        F.triplet_margin_loss(Value(A), Value(B[0]), Value(C))
    with pytest.raises(ValueError, match="reduction"):
        nn.SoftMarginLoss(reduction="batchmean")
    with pytest.raises(ValueError, match="must match the size of tensor b"):  # a weight that does not broadcast
        F.multilabel_soft_margin_loss(Value(A), _labels(B), weight=np.ones(3))


def test_losses_train_inside_compile():
    model = nn.Linear(4, 4, rng=0, dtype=np.float64)
    triplet, gaussian = nn.TripletMarginLoss(margin=0.5), nn.GaussianNLLLoss()
    opt = ag.optim.SGD(model.parameters(), lr=0.05)

    def step(a, p, n, target):
        opt.zero_grad()
        loss = triplet(model(a), model(p), model(n)) + gaussian(model(a), target, np.full(5, 0.5))
        loss.backward()
        opt.step()
        return loss

    eager = nn.Linear(4, 4, rng=0, dtype=np.float64)
    eager_opt = ag.optim.SGD(eager.parameters(), lr=0.05)
    compiled = ag.compile(step)
    rng = np.random.default_rng(2)
    for _ in range(4):
        a, p, n, target = (rng.normal(size=(5, 4)) for _ in range(4))
        eager_opt.zero_grad()
        loss = triplet(eager(a), eager(p), eager(n)) + gaussian(eager(a), target, np.full(5, 0.5))
        loss.backward()
        eager_opt.step()
        np.testing.assert_allclose(compiled(a, p, n, target).data, loss.data, rtol=1e-12)
    assert compiled.stats["replayed"] >= 1
    np.testing.assert_allclose(model.weight.data, eager.weight.data, rtol=1e-12)
