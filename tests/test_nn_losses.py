"""Losses: naive references, reductions, stability at extreme inputs, gradients, PyTorch, errors."""

import numpy as np
import pytest

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck, gradgradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


LOGITS = rand(4, 3)
LABELS = np.array([2, 0, 1, 2])
PROBS = np.random.default_rng(1).dirichlet(np.ones(3), size=4)


def naive_cross_entropy(z, y):
    return np.array([-np.log(np.exp(z[n, y[n]]) / np.exp(z[n]).sum()) for n in range(len(y))])


def reduce(losses, reduction):
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_labels_against_loops(reduction):
    out = F.cross_entropy(Value(LOGITS), LABELS, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce(naive_cross_entropy(LOGITS, LABELS), reduction), rtol=1e-12)
    gradcheck(lambda z: F.cross_entropy(z, LABELS, reduction=reduction), [LOGITS])


@pytest.mark.parametrize("shape", [(300, 10), (7, 40), (1, 3)])  # few classes (a classes-first copy), many (a view)
@pytest.mark.parametrize("label_dtype", [np.uint8, np.int8, np.int16, np.uint16, np.int64])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_for_any_integer_labels_and_layout(shape, label_dtype, reduction):
    # The fast path finds z[n, y[n]] through flat indices y·N + n: computed in the labels' own dtype, uint8
    # labels (MNIST's) wrapped around past 255 and gave a wrong loss without an error.
    n, classes = shape
    z = rand(classes, n, seed=3).T  # not C-contiguous, as a transposed result would be
    y = np.random.default_rng(4).integers(0, min(classes, np.iinfo(label_dtype).max), n).astype(label_dtype)
    v = Value(z, requires_grad=True)
    out = F.cross_entropy(v, y, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce(naive_cross_entropy(z, y), reduction), rtol=1e-12)
    out.backward(np.ones_like(out.data))
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1
    np.testing.assert_allclose(v.grad, p / n if reduction == "mean" else p, rtol=1e-12, atol=1e-15)


def test_cross_entropy_probabilities_and_unbatched():
    expected = -(PROBS * np.log(np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True))).sum(1).mean()
    np.testing.assert_allclose(F.cross_entropy(Value(LOGITS), PROBS).data, expected, rtol=1e-12)
    gradcheck(lambda z, p: F.cross_entropy(z, p), [LOGITS, PROBS])
    one = F.cross_entropy(Value(LOGITS[1]), np.int64(0))
    np.testing.assert_allclose(one.data, naive_cross_entropy(LOGITS, LABELS)[1], rtol=1e-12)
    assert one.shape == ()


def test_cross_entropy_is_one_node_and_second_derivative():
    z = Value(LOGITS)
    out = F.cross_entropy(z, LABELS, reduction="none")
    assert out.op == "cross_entropy" and out.parents == (z,)
    gradgradcheck(lambda v: F.cross_entropy(v, LABELS), [LOGITS])


def test_cross_entropy_stable_for_huge_logits():
    z = Value(np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 0.0]]))
    loss = F.cross_entropy(z, np.array([0, 0]), reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 2e4])
    loss.sum().backward()
    assert np.all(np.isfinite(z.grad))
    np.testing.assert_allclose(z.grad, [[0, 0, 0], [-1, 1, 0]], atol=1e-12)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_cross_entropy_rows_with_infinite_logits(reduction):
    """-inf logits (masked classes) give finite losses; a row of only -inf, or holding +inf, gives nan (each row is
    shifted by its maximum, infinite or not: inf − inf), as PyTorch's (test_pytorch_probe_special_values.py)."""
    inf = np.inf
    z = np.array([[-inf, 1.0, 2.0], [-inf, -inf, -inf], [inf, 0.0, 0.0], [0.5, -inf, 0.0]])
    y = np.array([2, 0, 1, 0])
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        got = F.cross_entropy(Value(z), y, reduction="none").data
    assert np.isclose(got[0], np.log(np.exp(1) + np.exp(2)) - 2)
    assert np.isnan(got[1]) and np.isnan(got[2])
    assert np.isclose(got[3], np.log(np.exp(0.5) + 1) - 0.5)
    rows = [0, 3] if reduction != "none" else [0, 1, 2, 3]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        reduced = F.cross_entropy(Value(z[rows]), y[rows], reduction=reduction).data
    expected = got[rows] if reduction == "none" else got[rows].sum() / (len(rows) if reduction == "mean" else 1)
    np.testing.assert_allclose(reduced, expected)
    # The gradient: finite where the row's maximum is, nan in rows whose maximum is infinite (PyTorch's too).
    v = Value(z, requires_grad=True)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        F.cross_entropy(v, y, reduction="none").backward(np.ones(4))
    assert np.isfinite(v.grad[[0, 3]]).all() and np.isnan(v.grad[[1, 2]]).all()


@pytest.mark.parametrize("classes", [5, 40])  # classes first in a copy (few classes), or a transposed view (many)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_gradient_from_the_forwards_exp_is_the_recomputed_one(classes, reduction, dtype):
    # The forward keeps exp(z − max) and its sums for the rule of the result it made; the rule then skips computing
    # them again. The gradient must be the same bits as the rule's own computation, which a second backward pass
    # (retain_graph) and a rule called on another result both take.
    from autograd_core.nn import loss_classification as losses

    rng = np.random.default_rng(3)
    z = Value(rng.normal(size=(6, classes)).astype(dtype) * 4)
    y = rng.integers(0, classes, 6)
    out = F.cross_entropy(z, y, reduction=reduction)
    assert losses._SAVED[0][0] is out.data
    seed = None if reduction != "none" else np.ones(6, dtype)
    out.backward(seed, retain_graph=True)
    first = z.grad.copy()
    assert losses._SAVED[0] is None  # taken by the rule
    z.grad = None
    out.backward(seed, retain_graph=True)  # recomputed
    assert first.tobytes() == z.grad.tobytes()
    other = F.cross_entropy(Value(z.data * 2), y, reduction=reduction)  # now the kept exp is the other result's
    assert losses._SAVED[0][0] is other.data
    z.grad = None
    out.backward(seed)
    assert first.tobytes() == z.grad.tobytes()


def test_cross_entropy_keeps_nothing_without_grad_mode():
    from autograd_core import no_grad
    from autograd_core.nn import loss_classification as losses

    losses._SAVED[0] = None
    with no_grad():
        F.cross_entropy(Value(LOGITS), LABELS)
    assert losses._SAVED[0] is None


def test_cross_entropy_float32_stays_float32():
    z = Value(LOGITS.astype(np.float32))
    loss = F.cross_entropy(z, LABELS)
    loss.backward()
    assert loss.dtype == np.float32 and z.grad.dtype == np.float32


def test_cross_entropy_label_errors_name_shapes():
    with pytest.raises(ValueError, match=r"shape \(4, 3\) needs integer labels of shape \(4,\), got \(3,\)"):
        F.cross_entropy(Value(LOGITS), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match=r"integers, got dtype float64 of shape \(4,\)"):
        F.cross_entropy(Value(LOGITS), LABELS.astype(float))
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        F.cross_entropy(Value(LOGITS), np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(Value(LOGITS), LABELS, reduction="avg")
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, d1, ...\), got a scalar"):
        F.cross_entropy(Value(1.0), LABELS)
    with pytest.raises(ValueError, match=r"shape \(2, 3, 4\) needs integer labels of shape \(2, 4\)"):
        F.cross_entropy(Value(rand(2, 3, 4)), LABELS)


def test_nll_loss_matches_cross_entropy_of_log_softmax():
    logp = F.log_softmax(Value(LOGITS), dim=1)
    np.testing.assert_allclose(F.nll_loss(logp, LABELS).data, F.cross_entropy(Value(LOGITS), LABELS).data,
                               rtol=1e-12)
    np.testing.assert_allclose(F.nll_loss(Value(LOGITS), LABELS, reduction="none").data,
                               -LOGITS[np.arange(4), LABELS])
    gradcheck(lambda x: F.nll_loss(x, LABELS, reduction="sum"), [LOGITS])
    with pytest.raises(ValueError, match=r"shape \(3,\) needs integer labels of shape \(\)"):
        F.nll_loss(Value(rand(3)), LABELS)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    a, b = rand(3, 2), rand(3, 2, seed=1)
    np.testing.assert_allclose(F.mse_loss(Value(a), b, reduction=reduction).data, reduce((a - b) ** 2, reduction))
    gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), [a, b])
    # PyTorch's: a warning of the broadcast, then its error for shapes that do not broadcast
    with pytest.warns(UserWarning, match="Using a target size"), pytest.raises(
            ValueError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton"):
        F.mse_loss(Value(a), b[:, 0])


def test_binary_cross_entropy_and_with_logits():
    x = rand(5)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    p = 1 / (1 + np.exp(-x))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(Value(p), y, reduction="none").data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(Value(x), y, reduction="none").data, expected,
                               rtol=1e-12)
    gradcheck(lambda q, t: F.binary_cross_entropy(q, t), [p, y])
    gradcheck(lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction="sum"), [x, y])
    gradgradcheck(lambda z: F.binary_cross_entropy_with_logits(z, y), [x])


def test_binary_cross_entropy_stable_at_the_edges():
    z = Value(np.array([800.0, -800.0, 0.0]))
    loss = F.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [800.0, 800.0, np.log(2)])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [1.0, -1.0, -0.5])      # σ(x) − y, also at x = 0
    p = Value(np.array([0.0, 1.0, 0.5]))
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)])  # log clamped at −100 like PyTorch
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad))
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(Value(np.array([1.5])), np.array([1.0]))


def test_hinge_loss_micrograd_demo_form():
    scores = rand(6)
    y = np.array([1, -1, 1, 1, -1, -1])
    expected = np.mean([max(0.0, 1 - yi * si) for yi, si in zip(y, scores)])
    np.testing.assert_allclose(F.hinge_loss(Value(scores), y).data, expected, rtol=1e-12)
    gradcheck(lambda s: F.hinge_loss(s, y, reduction="sum"), [scores + 0.05])  # away from the kinks
    outs = [Value(float(s)) for s in scores]  # micrograd: a list of scalar outputs
    loss = nn.HingeLoss()(outs, y)
    loss.backward()
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12)
    want = [-yi / len(y) if 1 - yi * si > 0 else 0.0 for yi, si in zip(y, scores)]  # d mean(max(0, 1 - y·s))/ds
    np.testing.assert_allclose([o.grad for o in outs], want, rtol=1e-12)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        F.hinge_loss(Value(scores), (y > 0).astype(int))


MODULES = [(nn.MSELoss, F.mse_loss, rand(3, 2), rand(3, 2, seed=1)),
           (nn.CrossEntropyLoss, F.cross_entropy, LOGITS, LABELS),
           (nn.NLLLoss, F.nll_loss, LOGITS, LABELS),
           (nn.BCELoss, F.binary_cross_entropy, 1 / (1 + np.exp(-rand(4))), np.array([0.0, 1, 1, 0])),
           (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, rand(4), np.array([0.0, 1, 1, 0])),
           (nn.HingeLoss, F.hinge_loss, rand(4), np.array([1, -1, 1, -1]))]


@pytest.mark.parametrize("cls,fn,x,t", MODULES, ids=[m[0].__name__ for m in MODULES])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_match_functions(cls, fn, x, t, reduction):
    np.testing.assert_array_equal(cls(reduction=reduction)(Value(x), t).data, fn(Value(x), t, reduction=reduction).data)
    assert repr(cls(reduction=reduction)) == f"{cls.__name__}()"  # PyTorch's: a loss shows no options


def test_losses_against_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    cases = [
        (F.cross_entropy, tf.cross_entropy, LOGITS, LABELS),
        (F.cross_entropy, tf.cross_entropy, LOGITS, PROBS),
        (F.nll_loss, tf.nll_loss, LOGITS, LABELS),
        (F.mse_loss, tf.mse_loss, rand(3, 2), rand(3, 2, seed=1)),
        (F.binary_cross_entropy, tf.binary_cross_entropy, 1 / (1 + np.exp(-rand(4))), np.array([0.0, 1, 0.2, 0])),
        (F.binary_cross_entropy_with_logits, tf.binary_cross_entropy_with_logits, rand(4) * 30,
         np.array([0.0, 1, 0.2, 0])),
    ]
    for ours, theirs, x, t in cases:
        for reduction in ("mean", "sum"):
            xv = Value(x)
            loss = ours(xv, t, reduction=reduction)
            loss.backward()
            xt = torch.tensor(x, requires_grad=True)
            tl = theirs(xt, torch.tensor(t), reduction=reduction)
            tl.backward()
            np.testing.assert_allclose(loss.data, tl.item(), rtol=1e-10, err_msg=ours.__name__)
            np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=ours.__name__)
