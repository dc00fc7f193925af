"""CTC loss (nn/ctc.py): F.ctc_loss and nn.CTCLoss against PyTorch in float64 (losses, and gradients of the logits
through log_softmax: PyTorch's gradient with respect to log_probs itself assumes log_softmax inputs), against a
brute-force sum over all alignments, finite differences, and PyTorch's error cases."""

import itertools

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

import autograd_core as ag
from autograd_core import Value, nn
import autograd_core.nn.functional as F
from autograd_core.gradcheck import gradcheck

F64 = np.float64


# T = 6, N = 4, C = 5: a repeated label (needs a blank between), a shorter input, an empty target.
TARGETS = np.array([[1, 1, 3], [2, 4, 0], [3, 0, 0], [0, 0, 0]])
INPUT_LENGTHS = np.array([6, 5, 3, 4])
TARGET_LENGTHS = np.array([3, 2, 1, 0])
CASES = [
    ("mean-padded", {}, False),
    ("sum-concatenated", {"reduction": "sum"}, True),
    ("none-blank-last", {"reduction": "none", "blank": 4}, False),
]


@pytest.mark.parametrize("kwargs,concatenated", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ctc_loss_matches_torch(kwargs, concatenated):
    torch = torch_or_skip()
    targets = TARGETS if kwargs.get("blank", 0) == 0 else np.where(TARGETS == 4, 0, TARGETS)
    if concatenated:
        targets = np.concatenate([t[:n] for t, n in zip(targets, TARGET_LENGTHS)])
    logits = rand(6, 4, 5)
    xt, xv = torch.tensor(logits, requires_grad=True), Value(logits)
    theirs = torch.nn.functional.ctc_loss(xt.log_softmax(-1), torch.tensor(targets), torch.tensor(INPUT_LENGTHS),
                                          torch.tensor(TARGET_LENGTHS), **kwargs)
    ours = F.ctc_loss(F.log_softmax(xv, dim=-1), targets, INPUT_LENGTHS, TARGET_LENGTHS, **kwargs)
    assert ours.shape == tuple(theirs.shape)
    assert_close_to_torch(ours.data, theirs, "loss")
    w = rand(*ours.shape, seed=1)
    (ours * w).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    assert_close_to_torch(xv.grad, xt.grad, "gradient of the logits")


def test_ctc_module_unbatched_and_zero_infinity_matchtorch_or_skip():
    torch = torch_or_skip()
    logits = rand(4, 3, 5, seed=2)
    targets, lengths = np.array([[1, 1, 2], [2, 3, 0], [4, 0, 0]]), np.array([3, 2, 1])
    input_lengths = np.array([3, 4, 4])                 # the first needs 4 steps (1, blank, 1, 2): impossible
    for zero_infinity in (False, True):
        xt, xv = torch.tensor(logits, requires_grad=True), Value(logits)
        tloss = torch.nn.CTCLoss(reduction="none", zero_infinity=zero_infinity)(
            xt.log_softmax(-1), torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(lengths))
        module = nn.CTCLoss(reduction="none", zero_infinity=zero_infinity)
        loss = module(F.log_softmax(xv, dim=-1), targets, input_lengths, lengths)
        assert_close_to_torch(loss.data, tloss)
        if zero_infinity:
            loss.sum().backward()
            tloss.sum().backward()
            assert_close_to_torch(xv.grad, xt.grad)
            assert repr(module) == "CTCLoss()"  # PyTorch's: a loss shows no options
        else:
            assert np.isinf(loss.data[0])
    single = rand(5, 4, seed=3)
    tsingle = torch.nn.functional.ctc_loss(torch.tensor(single).log_softmax(-1), torch.tensor([1, 2]),
                                           torch.tensor(5), torch.tensor(2), reduction="none")
    ours = F.ctc_loss(F.log_softmax(Value(single), dim=-1), np.array([1, 2]), 5, 2, reduction="none")
    assert ours.shape == () == tuple(tsingle.shape)
    assert_close_to_torch(ours.data, tsingle)


def _brute_force(log_probs, label, blank):
    """−log Σ over every path of T symbols that collapses to `label`."""
    steps, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in merged if k != blank] == list(label):
            total += np.exp(sum(log_probs[t, k] for t, k in enumerate(path)))
    return -np.log(total)


def test_ctc_loss_is_the_sum_over_alignments_and_passes_gradcheck():
    log_probs = rand(4, 1, 3, seed=4) - 1.0           # not normalised: the loss is still −log Σ paths
    for label in ([1, 1], [2, 1], [1], []):
        loss = F.ctc_loss(log_probs, np.array([label + [0] * (2 - len(label))]), [4], [len(label)],
                          reduction="sum")
        np.testing.assert_allclose(loss.data, _brute_force(log_probs[:, 0], label, 0), rtol=1e-12)
    targets, lengths = np.array([[1, 1], [2, 0]]), np.array([2, 1])
    assert gradcheck(lambda lp: F.ctc_loss(lp, targets, [4, 3], lengths, reduction="none"),
                     [rand(4, 2, 3, seed=5)])
    _, tangent = ag.jvp(lambda lp: F.ctc_loss(lp, targets, [4, 3], lengths), (rand(4, 2, 3, seed=5),),
                        (rand(4, 2, 3, seed=6),))
    lp = Value(rand(4, 2, 3, seed=5))
    F.ctc_loss(lp, targets, [4, 3], lengths).backward()
    np.testing.assert_allclose(tangent, (lp.grad * rand(4, 2, 3, seed=6)).sum(), rtol=1e-10)


def test_ctc_loss_errors_name_the_problem():
    lp, targets = np.zeros((5, 2, 4)), np.array([[1, 2, 2], [3, 1, 0]])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, targets, [5, 4], [3, 2], blank=4)
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value between 1 and 5, but got value 6"):
        F.ctc_loss(lp, targets, [6, 4], [3, 2])
    with pytest.raises(RuntimeError, match="Expected tensor to have size at least 4 at dimension 1"):
        F.ctc_loss(lp, targets, [5, 4], [4, 2])
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(lp, targets, [5], [3, 2])
    with pytest.raises(RuntimeError, match="the concatenated targets hold 3 labels"):
        F.ctc_loss(lp, np.array([1, 2, 3]), [5, 4], [3, 2])
    with pytest.raises(IndexError, match="target label 7 is out of range for 4 classes"):
        F.ctc_loss(lp, np.array([[1, 7], [1, 2]]), [5, 4], [2, 2])
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        nn.CTCLoss(reduction="foo")
