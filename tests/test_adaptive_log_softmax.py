"""AdaptiveLogSoftmaxWithLoss (and PyTorch's last two losses, NLLLoss2d and LinearCrossEntropyLoss): against
PyTorch with its weights loaded into ours (output, loss, log_prob, predict, gradients), and without it: the
formula written out, gradcheck, unbatched input, errors."""

import warnings

import numpy as np
import pytest
from nn_helpers import rand, torch_or_skip

import autograd_core.nn as nn
import autograd_core.nn.functional as F
from autograd_core import DTypeError, ShapeError, Value
from autograd_core.gradcheck import gradcheck
from autograd_core.nn.stateless import functional_call

TARGET = np.array([0, 5, 9, 2, 7, 3, 6, 1])   # shortlist [0, 3), clusters [3, 6) and [6, 10)


def _pair(head_bias=True):
    """(ours, PyTorch's) with the same weights, float64, cutoffs [3, 6] over 10 classes."""
    torch = torch_or_skip()
    torch.manual_seed(0)  # the same weights whatever ran before in this process (predict's test needs tails chosen)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=head_bias).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=head_bias, dtype=np.float64)
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    return ours, theirs


@pytest.mark.parametrize("head_bias", [False, True])
def test_forward_and_gradients_match_torch(head_bias):
    torch = torch_or_skip()
    ours, theirs = _pair(head_bias)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = rand(len(TARGET), 8)
    v, t = Value(x.copy()), torch.tensor(x, requires_grad=True)
    out, tout = ours(v, TARGET), theirs(t, torch.tensor(TARGET))
    assert type(out).__name__ == type(tout).__name__ == "_ASMoutput" and out._fields == tout._fields
    np.testing.assert_allclose(out.output.data, tout.output.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.loss.data, tout.loss.item(), rtol=1e-12)
    w = rand(len(TARGET), seed=2)
    (out.loss + (out.output * w).sum()).backward()
    (tout.loss + (tout.output * torch.tensor(w)).sum()).backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-10, atol=1e-14)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


def test_log_prob_predict_and_unbatched_match_torch():
    torch = torch_or_skip()
    ours, theirs = _pair()
    x = rand(16, 8) * 3  # spread out: some rows' best class lies in a tail, some in the shortlist
    np.testing.assert_allclose(ours.log_prob(x).data, theirs.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    predicted = ours.predict(x)
    assert predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted.data, theirs.predict(torch.tensor(x)).numpy())
    assert (predicted.data >= 3).any() and (predicted.data < 3).any()
    one, tone = ours(x[4], np.array(7)), theirs(torch.tensor(x[4]), torch.tensor(7))
    assert one.output.shape == () == tuple(tone.output.shape)
    np.testing.assert_allclose(one.output.data, tone.output.item(), rtol=1e-12)


def test_constructor_errors_and_repr_match_torch():
    torch = torch_or_skip()
    for cutoffs in ([], [3, 3], [5, 3], [0, 4], [4, 10], [2.5]):
        with pytest.raises(ValueError, match="cutoffs"):
            torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
        with pytest.raises(ValueError, match="cutoffs"):
            nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
    ours, theirs = _pair()
    assert "\n".join(line.split("  # ")[0] for line in repr(ours).splitlines()) == repr(theirs)
    assert ours.cutoffs == theirs.cutoffs and ours.head_size == theirs.head_size


# ------------------------------------------------------------------------------------------------------------------
# Without PyTorch.


def _model(seed=0):
    return nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True, dtype=np.float64, rng=seed)


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_structure_and_state_dict_names():
    model = _model()
    assert list(model.state_dict()) == ["head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight",
                                        "tail.1.0.weight", "tail.1.1.weight"]
    assert model.head.weight.shape == (5, 8) and model.cutoffs == [3, 6, 10]
    assert [tuple(layer.weight.shape) for projection in model.tail for layer in projection] == \
        [(4, 8), (3, 4), (2, 8), (4, 2)]


def test_output_is_the_formula():
    model, x = _model(), rand(len(TARGET), 8)
    head = _log_softmax(x @ model.head.weight.data.T + model.head.bias.data)
    expected = []
    for row, y in zip(x, TARGET):
        h = _log_softmax(row[None] @ model.head.weight.data.T + model.head.bias.data)[0]
        if y < 3:
            expected.append(h[y])
            continue
        i = 0 if y < 6 else 1
        first, second = model.tail[i][0].weight.data, model.tail[i][1].weight.data
        expected.append(h[3 + i] + _log_softmax(row[None] @ first.T @ second.T)[0][y - model.cutoffs[i]])
    out = model(Value(x), TARGET)
    np.testing.assert_allclose(out.output.data, expected, rtol=1e-12)
    np.testing.assert_allclose(out.loss.data, -np.mean(expected), rtol=1e-12)
    full = model.log_prob(x).data
    np.testing.assert_allclose(full[np.arange(len(TARGET)), TARGET], expected, rtol=1e-12)
    np.testing.assert_allclose(np.exp(full).sum(axis=1), 1.0, rtol=1e-12)  # a distribution over all classes
    np.testing.assert_allclose(full[:, :3], head[:, :3], rtol=1e-12)
    np.testing.assert_array_equal(model.predict(x * 3).data, model.log_prob(x * 3).data.argmax(axis=1))


def test_gradcheck_through_input_and_weights():
    model, x = _model(), rand(len(TARGET), 8)
    gradcheck(lambda v: model(v, TARGET).loss, [x])
    gradcheck(lambda v: model(v, TARGET).output, [x])
    weight = model.tail[1][1].weight

    def loss_of(w):  # the weight as a function's input, as torch.func.functional_call takes it (assigning a plain
        # tensor over a Parameter attribute is PyTorch's TypeError)
        return functional_call(model, {"tail.1.1.weight": w}, (Value(x), TARGET)).loss

    gradcheck(loss_of, [weight.data.copy()])


def test_unbatched_equals_a_batch_of_one():
    model, x = _model(), rand(8)
    one, batch = model(Value(x), np.array(7)), model(Value(x[None]), np.array([7]))
    assert one.output.shape == ()
    np.testing.assert_allclose(one.output.data, batch.output.data[0], rtol=1e-14)


def test_forward_errors():
    model, x = _model(), Value(rand(4, 8))
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        model(x, np.array([0, 1, 10, 2]))
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        model(x, np.array([0, -1, 3, 2]))
    with pytest.raises(ShapeError, match="batch dimension"):
        model(x, np.array([0, 1, 2]))
    with pytest.raises(ShapeError, match="multi-target"):
        model(x, np.zeros((4, 1), np.int64))
    with pytest.raises(ShapeError, match="1D input"):
        model(x, np.array(3))
    with pytest.raises(DTypeError, match="integer"):
        model(x, np.array([0.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ShapeError, match="in_features"):
        model.log_prob(rand(8))
    assert x.grad is None


# ------------------------------------------------------------------------------------------------------------------
# NLLLoss2d and LinearCrossEntropyLoss.


def test_nll_loss_2d_is_nll_loss_with_a_warning():
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        loss = nn.NLLLoss2d(ignore_index=1)
    x, t = np.log(np.full((2, 3, 2, 2), 1 / 3)) + rand(2, 3, 2, 2) * 0.1, np.array([[[0, 1], [2, 0]]] * 2)
    np.testing.assert_array_equal(loss(Value(x), t).data, nn.NLLLoss(ignore_index=1)(Value(x), t).data)
    assert repr(loss) == "NLLLoss2d()" and isinstance(loss, nn.NLLLoss)


@pytest.mark.parametrize("options", [dict(), dict(out_features=(3,), bias=True),
                                     dict(bias=True, label_smoothing=0.2, reduction="sum"),
                                     dict(weight=np.array([1.0, 2.0, 0.5, 1.0]), ignore_index=2)])
def test_linear_cross_entropy_matches_torch(options):
    torch = torch_or_skip()
    theirs = torch.nn.LinearCrossEntropyLoss(5, 4, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                                      for k, v in options.items()}).double()
    ours = nn.LinearCrossEntropyLoss(5, 4, dtype=np.float64, **options)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "\n".join(line.split("  # ")[0] for line in repr(ours).splitlines()) == repr(theirs)
    x = rand(6, 5)
    t = np.random.default_rng(1).integers(0, 4, (6,) + tuple(options.get("out_features", ())))
    v, tx = Value(x.copy()), torch.tensor(x, requires_grad=True)
    out, tout = ours(v, t), theirs(tx, torch.tensor(t))
    np.testing.assert_allclose(out.data, tout.item(), rtol=1e-12)
    out.backward()
    tout.backward()
    np.testing.assert_allclose(v.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(ours.linear.weight.grad, theirs.linear.weight.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_linear_cross_entropy_is_cross_entropy_of_the_logits():
    x, w, b, t = rand(6, 5), rand(4, 3, 5, seed=1), rand(4, 3, seed=2), np.random.default_rng(3).integers(0, 4, (6, 3))
    logits = (x @ w.reshape(12, 5).T + b.reshape(12)).reshape(6, 4, 3)
    np.testing.assert_allclose(F.linear_cross_entropy(Value(x), Value(w), t, linear_bias=Value(b)).data,
                               F.cross_entropy(Value(logits), t).data, rtol=1e-12)
    gradcheck(lambda v: F.linear_cross_entropy(v, w, t, linear_bias=b, label_smoothing=0.1), [x])
    with pytest.raises(ShapeError, match="in_features"):
        F.linear_cross_entropy(x, rand(4, 6), t[:, 0])
    with pytest.raises(ShapeError, match="batched input"):
        F.linear_cross_entropy(x[0], w, t[0])
    with pytest.raises(ValueError, match="probabilities"):
        F.linear_cross_entropy(x, rand(4, 5), np.full((6, 4), 0.25), ignore_index=1)
    with pytest.raises(ShapeError, match="weight shape"):
        nn.LinearCrossEntropyLoss(5, 4, weight=np.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.LinearCrossEntropyLoss(5, 4, label_smoothing=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # options are accepted quietly
        nn.LinearCrossEntropyLoss(5, 4, options=object())(Value(x, dtype=np.float32), t[:, 0])
