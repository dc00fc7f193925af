"""Beginner mistakes that PyTorch refuses (or warns of) and where we were lenient: each is refused here as there.

Every case runs the same code with autograd_core and (where installed) with PyTorch: the error types must agree and
both messages contain PyTorch's key words; our message must name the problem without PyTorch too. The mistakes:
integer inputs or labels to losses that compute in floating point, (N, 1) outputs against (N,) targets (PyTorch
warns and broadcasts to (N, N)), the variance of integers, float ids to an embedding, class labels of the wrong
dtype or shape, and some of the first errors of a training loop (tests/test_first_errors.py has more).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from mistake_helpers import check_refusal
from mistake_helpers import ours as _ours
from mistake_helpers import raised as _raises
from mistake_helpers import theirs as _theirs

import autograd_core as ag
import autograd_core.nn as ag_nn
import autograd_core.nn.functional as ag_F


F32 = "np.float32"
LOGITS = "torch.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) / 10)"

# name -> (code, PyTorch's exception type, words that both messages contain)
REFUSED = {
    # 1. nll_loss of integers: its kernel computes in floating point only
    "nll_loss of integers": ("out = F.nll_loss(torch.tensor([[1, 2], [3, 4]]), torch.tensor([0, 1]))",
                             NotImplementedError, "\"nll_loss_out_frame\" not implemented for 'Long'"),
    "NLLLoss of int32 images": ("out = nn.NLLLoss()(torch.ones(2, 3, 4, dtype=torch.int32), "
                                "torch.zeros(2, 4, dtype=torch.long))",
                                NotImplementedError, "\"nll_loss2d_forward_out_frame\" not implemented for 'Int'"),
    "cross_entropy of integer logits": ("out = F.cross_entropy(torch.tensor([[1, 2], [3, 4]]), torch.tensor([0, 1]))",
                                        NotImplementedError, "not implemented for 'Long'"),
    # 2. binary cross-entropy's target must have the input's dtype
    "binary_cross_entropy, int64 target": ("out = F.binary_cross_entropy(torch.tensor([0.2, 0.7]), "
                                           "torch.tensor([0, 1]))", RuntimeError,
                                           "Found dtype Long but expected Float"),
    "BCELoss, bool target": ("out = nn.BCELoss()(torch.tensor([0.2, 0.7]), torch.tensor([False, True]))",
                             RuntimeError, "Found dtype Bool but expected Float"),
    "BCELoss, float64 target": ("out = nn.BCELoss()(torch.tensor([0.2, 0.7]), torch.tensor([0., 1.], "
                                "dtype=torch.float64))", RuntimeError, "Found dtype Double but expected Float"),
    "binary_cross_entropy, int64 input": ("out = F.binary_cross_entropy(torch.tensor([0, 1]), torch.tensor([0., 1.]))",
                                          RuntimeError, "Found dtype Float but expected Long"),
    "BCEWithLogitsLoss, int64 target": ("out = nn.BCEWithLogitsLoss()(torch.tensor([0.2, 0.7]), "
                                        "torch.tensor([0, 1]))", RuntimeError,
                                        "result type Float can't be cast to the desired output type Long"),
    "BCEWithLogitsLoss, bool target": ("out = nn.BCEWithLogitsLoss()(torch.tensor([0.2, 0.7]), "
                                       "torch.tensor([False, True]))", RuntimeError, "with two bool tensors"),
    "BCEWithLogitsLoss, int64 logits": ("out = nn.BCEWithLogitsLoss()(torch.tensor([0, 1]), torch.tensor([0., 1.]))",
                                        NotImplementedError, "\"log_sigmoid_cpu\" not implemented for 'Long'"),
    "mse_loss of integers": ("out = F.mse_loss(torch.tensor([0, 1]), torch.tensor([1, 1]), reduction='sum')",
                             NotImplementedError, "\"mse_cpu\" not implemented for 'Long'"),
    "smooth_l1_loss of integers": ("out = F.smooth_l1_loss(torch.tensor([0, 1]), torch.tensor([1, 1]))",
                                   NotImplementedError, "\"smooth_l1_cpu\" not implemented for 'Long'"),
    "huber_loss of integers": ("out = F.huber_loss(torch.tensor([0, 1]), torch.tensor([1, 1]))",
                               NotImplementedError, "\"huber_cpu\" not implemented for 'Long'"),
    "huber_loss, int64 input": ("out = F.huber_loss(torch.tensor([0, 1]), torch.tensor([1., 1.]))",
                                RuntimeError, "result type Float can't be cast to the desired output type Long"),
    "l1_loss of integers": ("out = F.l1_loss(torch.tensor([0, 1]), torch.tensor([1, 1]))",
                            RuntimeError, "mean(): could not infer output dtype"),
    "kl_div, int64 target": ("out = F.kl_div(torch.tensor([-0.2, -0.7]), torch.tensor([0, 1]), "
                             "reduction='batchmean')", RuntimeError, "kl_div: Integral inputs not supported."),
    "kl_div, bool input": ("out = F.kl_div(torch.tensor([True, False]), torch.tensor([0.5, 0.5]), "
                           "reduction='batchmean')", RuntimeError, "kl_div: Integral inputs not supported."),
    "soft_margin_loss, int64 input": ("out = F.soft_margin_loss(torch.tensor([0, 1]), torch.tensor([1., -1.]))",
                                      RuntimeError, "can't be cast to the desired output type Long"),
    # class labels: int64 (or uint8), one per sample
    "cross_entropy, int32 labels": (f"out = F.cross_entropy({LOGITS}, torch.tensor([0, 1, 2, 0], dtype=torch.int32))",
                                    RuntimeError, "expected target dtype to be Long or Byte, but got Int"),
    "cross_entropy, float labels": (f"out = F.cross_entropy({LOGITS}, torch.tensor([0., 1., 2., 0.]))",
                                    RuntimeError, "expected target dtype to be Long or Byte, but got Float"),
    "cross_entropy, bool labels": (f"out = F.cross_entropy({LOGITS}, torch.tensor([True, False, True, False]))",
                                   RuntimeError, "expected target dtype to be Long or Byte, but got Bool"),
    "nll_loss, int16 labels": (f"out = F.nll_loss({LOGITS}, torch.tensor([0, 1, 2, 0], dtype=torch.int16))",
                               RuntimeError, "expected target dtype to be Long or Byte, but got Short"),
    "cross_entropy, one-hot integer rows": (f"out = F.cross_entropy({LOGITS}, torch.eye(4, 3, dtype=torch.long))",
                                            RuntimeError, "Expected floating point type for target with class "
                                            "probabilities, got Long"),
    "cross_entropy, one-hot rows of the wrong width": (f"out = F.cross_entropy({LOGITS}, torch.eye(4, 2))",
                                                       RuntimeError, "0D or 1D target tensor expected, multi-target "
                                                       "not supported"),
    "cross_entropy, labels (N, 1)": (f"out = F.cross_entropy({LOGITS}, torch.tensor([[0], [1], [2], [0]]))",
                                     RuntimeError, "0D or 1D target tensor expected, multi-target not supported"),
    "cross_entropy, fewer labels than samples": (f"out = F.cross_entropy({LOGITS}, torch.tensor([0, 1, 2]))",
                                                 ValueError, "Expected input batch_size (4) to match target "
                                                 "batch_size (3)."),
    "cross_entropy, label = number of classes": (f"out = F.cross_entropy({LOGITS}, torch.tensor([0, 1, 3, 0]))",
                                                 IndexError, "Target 3 is out of bounds."),
    "nll_loss, negative label": (f"out = F.nll_loss({LOGITS}, torch.tensor([0, -1, 2, 0]))",
                                 IndexError, "Target -1 is out of bounds."),
    # shapes the binary cross-entropies refuse, and broadcasts that fail
    "binary_cross_entropy, (4, 1) against (4,)": ("out = F.binary_cross_entropy(torch.full((4, 1), 0.5), "
                                                  "torch.zeros(4))", ValueError,
                                                  "Using a target size (torch.Size([4])) that is different to the "
                                                  "input size (torch.Size([4, 1])) is deprecated"),
    "BCEWithLogitsLoss, (4, 1) against (4,)": ("out = nn.BCEWithLogitsLoss()(torch.ones(4, 1), torch.zeros(4))",
                                               ValueError, "Target size (torch.Size([4])) must be the same as input "
                                               "size (torch.Size([4, 1]))"),
    "mse_loss, (4,) against (3,)": ("out = F.mse_loss(torch.ones(4), torch.zeros(3))", RuntimeError,
                                    "The size of tensor a (4) must match the size of tensor b (3) at non-singleton "
                                    "dimension 0"),
    "kl_div, (4,) against (3,)": ("out = F.kl_div(torch.zeros(4), torch.ones(3), reduction='batchmean')", RuntimeError,
                                  "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                                  "dimension 0"),
    # 3. the variance of integers
    "var of integers": ("out = torch.tensor([1, 2, 3]).var()", RuntimeError,
                        "std and var only support floating point and complex dtypes"),
    "std of integers along a dim": ("out = torch.tensor([[1, 2, 3]]).std(0)", RuntimeError,
                                    "std and var only support floating point and complex dtypes"),
    "torch.std of bools": ("out = torch.std(torch.tensor([True, False]))", RuntimeError,
                           "std and var only support floating point and complex dtypes"),
    "torch.var_mean of integers": ("out = torch.var_mean(torch.tensor([1, 2, 3]))", RuntimeError,
                                   "var_mean only support floating point and complex dtypes"),
    "torch.std_mean of integers": ("out = torch.std_mean(torch.tensor([1, 2, 3]), 0)", RuntimeError,
                                   "std_mean only support floating point and complex dtypes"),
    "mean of integers": ("out = torch.tensor([1, 2, 3]).mean()", RuntimeError,
                         "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                         "dtype."),
    "accuracy as the mean of bools": ("out = (torch.tensor([0, 1]) == torch.tensor([0, 0])).mean()", RuntimeError,
                                      "mean(): could not infer output dtype"),
    # 4. float ids to an embedding, even whole numbers
    "Embedding of float ids": ("out = nn.Embedding(5, 3)(torch.tensor([1., 2.]))", RuntimeError,
                               "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                               "Long, Int; but got torch.FloatTensor instead (while checking arguments for "
                               "embedding)"),
    "F.embedding of float64 ids": ("out = F.embedding(torch.tensor([1., 2.], dtype=torch.float64), torch.ones(5, 3))",
                                   RuntimeError, "but got torch.DoubleTensor instead"),
    "Embedding of uint8 ids": ("out = nn.Embedding(5, 3)(torch.tensor([1, 2], dtype=torch.uint8))", RuntimeError,
                               "but got torch.ByteTensor instead (while checking arguments for embedding)"),
    "Embedding of bool ids": ("out = nn.Embedding(5, 3)(torch.tensor([True, False]))", RuntimeError,
                              "but got CPUBoolType instead (while checking arguments for embedding)"),
    "EmbeddingBag of float ids": ("out = nn.EmbeddingBag(5, 3)(torch.tensor([[1., 2.]]))", RuntimeError,
                                  "but got torch.FloatTensor instead (while checking arguments for embedding_bag)"),
    # probabilities that are not, class weights of another dtype or length, options out of range
    "BCELoss of logits": ("out = nn.BCELoss()(torch.tensor([2., 0.5]), torch.tensor([1., 0.]))", RuntimeError,
                          "all elements of input should be between 0 and 1"),
    "BCELoss of nan": ("out = nn.BCELoss()(torch.tensor([float('nan'), 0.5]), torch.tensor([1., 0.]))", RuntimeError,
                       "all elements of input should be between 0 and 1"),
    "binary_cross_entropy of integers": ("out = F.binary_cross_entropy(torch.tensor([0, 1]), torch.tensor([0, 1]))",
                                         NotImplementedError, "\"binary_cross_entropy\" not implemented for 'Long'"),
    "CrossEntropyLoss, float64 class weights": ("out = nn.CrossEntropyLoss(weight=torch.tensor([1., 2., 3.], "
                                                f"dtype=torch.float64))({LOGITS}, torch.tensor([0, 1, 2, 0]))",
                                                RuntimeError, "expected scalar type Float but found Double"),
    "F.nll_loss, int64 class weights": (f"out = F.nll_loss({LOGITS}, torch.tensor([0, 1, 2, 0]), "
                                        "weight=torch.tensor([1, 2, 3]))", RuntimeError,
                                        "expected scalar type Float but found Long"),
    "CrossEntropyLoss, two weights for three classes": ("out = nn.CrossEntropyLoss(weight=torch.ones(2))"
                                                        f"({LOGITS}, torch.tensor([0, 1, 2, 0]))", RuntimeError,
                                                        "weight tensor should be defined either for all 3 classes or "
                                                        "no classes but got weight tensor of shape: [2]"),
    "cross_entropy, label_smoothing 1.5": (f"out = F.cross_entropy({LOGITS}, torch.tensor([0, 1, 2, 0]), "
                                           "label_smoothing=1.5)", RuntimeError,
                                           "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    "cross_entropy, reduction 'avg'": (f"out = F.cross_entropy({LOGITS}, torch.tensor([0, 1, 2, 0]), "
                                       "reduction='avg')", ValueError, "avg is not a valid value for reduction"),
    "mse_loss, reduction 'average'": ("out = F.mse_loss(torch.ones(2), torch.ones(2), reduction='average')",
                                      ValueError, "average is not a valid value for reduction"),
    "cross_entropy of images, labels of another size": ("out = F.cross_entropy(torch.ones(2, 3, 5), "
                                                        "torch.zeros(2, 4, dtype=torch.long))", RuntimeError,
                                                        "Expected target size [2, 5], got [2, 4]"),
    "multi_margin_loss, int32 labels": ("out = F.multi_margin_loss(torch.ones(4, 3), torch.tensor([0, 1, 2, 0], "
                                        "dtype=torch.int32))", RuntimeError,
                                        "expected scalar type Long but found Int"),
    "multi_margin_loss, float labels": ("out = F.multi_margin_loss(torch.ones(4, 3), torch.tensor([0., 1., 2., 0.]))",
                                        RuntimeError, "expected scalar type Long but found Float"),
    "margin_ranking_loss, (4, 1) inputs and (4,) target": ("out = F.margin_ranking_loss(torch.ones(4, 1), "
                                                           "torch.ones(4, 1), torch.ones(4))", RuntimeError,
                                                           "margin_ranking_loss : All input tensors should have same "
                                                           "dimension but got sizes: input1: torch.Size([4, 1]), "
                                                           "input2: torch.Size([4, 1]), target: torch.Size([4])"),
    # 7. more first mistakes (already refused; kept so that they stay refused)
    "Linear of a float64 batch": ("out = nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.float64))", RuntimeError,
                                  "mat1 and mat2 must have the same dtype, but got Double and Float"),
    "Linear of integers": ("out = nn.Linear(3, 2)(torch.tensor([[1, 2, 3]]))", RuntimeError,
                           "mat1 and mat2 must have the same dtype, but got Long and Float"),
    "mm of shapes that do not chain": ("out = torch.mm(torch.ones(2, 3), torch.ones(2, 3))", RuntimeError,
                                       "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    "backward twice": ("x = torch.ones(2, requires_grad=True); y = x.exp().sum(); y.backward(); y.backward()",
                       RuntimeError, "second time"),
    "backward of a vector": ("x = torch.ones(2, requires_grad=True); (x * 2).backward()", RuntimeError, ""),
    "backward of what needs no grad": ("x = torch.ones(2); (x * 2).sum().backward()", RuntimeError, ""),
    "backward of what no_grad made": ("x = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n"
                                      "    y = (x * 2).sum()\ny.backward()", RuntimeError, ""),
    "in-place on a leaf that requires grad": ("x = torch.ones(2, requires_grad=True); x.add_(1)", RuntimeError,
                                              "a leaf V"),
    "numpy() of what requires grad": ("out = torch.ones(2, requires_grad=True).numpy()", RuntimeError,
                                      "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                      "instead."),
    "item() of two elements": ("out = torch.ones(2).item()", RuntimeError, ""),
    "view of a transpose": ("out = torch.ones(2, 3).t().view(6)", RuntimeError,
                            "view size is not compatible with input tensor's size and stride"),
    "requires_grad on integers": ("out = torch.tensor([1, 2], requires_grad=True)", RuntimeError,
                                  "can require gradients"),
    "gather with float indices": ("out = torch.ones(2, 3).gather(1, torch.tensor([[0.], [1.]]))", RuntimeError,
                                  "gather(): Expected dtype int32/int64 for index"),
    "if on a vector": ("x = torch.ones(2)\nif x > 0:\n    out = 1", RuntimeError, "ambiguous"),
    "len of a 0-d": ("out = len(torch.tensor(1.))", TypeError, "len() of a 0-d"),
    "conv2d, wrong number of channels": ("out = nn.Conv2d(3, 8, 3)(torch.ones(1, 1, 8, 8))", RuntimeError, "channels"),
    "BatchNorm1d, one sample in training": ("out = nn.BatchNorm1d(3)(torch.ones(1, 3))", ValueError,
                                            "more than 1 value per channel when training"),
    "cat of mismatched shapes": ("out = torch.cat([torch.ones(2, 3), torch.ones(2, 4)])", RuntimeError, ""),
    "reshape to another size": ("out = torch.ones(2, 3).reshape(4, 2)", RuntimeError, "is invalid for input of size 6"),
    "index past the end": ("out = torch.ones(3)[3]", IndexError, "index 3 is out of bounds"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refused_as_pytorch_refuses_it(name):
    for runner in (_theirs, _ours):
        check_refusal(*REFUSED[name], runner, first=False)


@pytest.mark.parametrize("name", REFUSED)
def test_refused_with_the_words_naming_the_problem(name):
    """Without PyTorch: the same refusal, and its key words."""
    check_refusal(*REFUSED[name], _ours, first=False)


# Our hints, beyond PyTorch's words: what to do about it.
HINTS = {
    "binary_cross_entropy, int64 target": "labels.float()",
    "BCEWithLogitsLoss, int64 target": "the target must be floating point",
    "nll_loss of integers": "the input must be floating point log-probabilities",
    "mse_loss of integers": "convert first",
    "cross_entropy, int32 labels": "convert with .long()",
    "cross_entropy, float labels": "pass probabilities with the input's shape",
    "cross_entropy, label = number of classes": "labels must be in [0, 3)",
    "var of integers": "x.float()",
    "Embedding of float ids": "ids must be integers",
}


@pytest.mark.parametrize("name", HINTS)
def test_our_message_says_what_to_do(name):
    assert HINTS[name] in str(_raises(REFUSED[name][0], _ours))


# 5. The elementwise regression losses broadcast a target of another shape, after a warning (PyTorch's): the loss of
# a (4, 1) output against (4,) targets compares every output with every target. And kl_div's warning of its default.
WARNED = {
    "mse_loss": "out = F.mse_loss(torch.tensor(np.arange(4.).reshape(4, 1)), torch.tensor([0., 2., 4., 6.]))",
    "l1_loss": "out = F.l1_loss(torch.tensor(np.arange(4.).reshape(4, 1)), torch.tensor([0., 2., 4., 6.]))",
    "smooth_l1_loss": "out = F.smooth_l1_loss(torch.tensor(np.arange(4.).reshape(4, 1)), torch.tensor([0., 2., 4., "
                      "6.]), reduction='none')",
    "huber_loss": "out = F.huber_loss(torch.tensor(np.arange(4.).reshape(4, 1)), torch.tensor([0., 2., 4., 6.]))",
    "MSELoss, (4,) against (4, 1)": "out = nn.MSELoss(reduction='sum')(torch.tensor([0., 2., 4., 6.]), "
                                    "torch.tensor(np.arange(4.).reshape(4, 1)))",
    "mse_loss, () against (4,)": "out = F.mse_loss(torch.tensor(1.), torch.tensor([0., 2., 4., 6.]))",
    # not a shape: kl_div's default reduction, 'mean', is not the KL divergence ('batchmean' is)
    "kl_div, reduction 'mean'": "out = F.kl_div(torch.tensor(np.log([[.2, .8]])), torch.tensor([[.5, .5]]))",
}
SILENTLY_BROADCAST = {
    "kl_div": "out = F.kl_div(torch.tensor(np.log([[.1], [.2], [.3], [.4]])), torch.tensor([.1, .2, .3, .4]), "
              "reduction='sum')",
    "poisson_nll_loss": "out = F.poisson_nll_loss(torch.tensor(np.arange(4.).reshape(4, 1)), torch.tensor([0., 2., "
                        "4., 6.]))",
}

_MESSAGE = ("Using a target size (torch.Size([{target}])) that is different to the input size "
            "(torch.Size([{input}])). This will likely lead to incorrect results due to broadcasting. Please ensure "
            "they have the same size.")


@pytest.mark.parametrize("name", WARNED)
def test_other_target_size_warns_then_broadcasts_as_pytorch(name):
    ours, our_warnings = _ours(WARNED[name])
    theirs, their_warnings = _theirs(WARNED[name])
    assert our_warnings == their_warnings and len(our_warnings) == 1
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", SILENTLY_BROADCAST)
def test_other_target_size_broadcasts_silently_as_pytorch(name):
    ours, our_warnings = _ours(SILENTLY_BROADCAST[name])
    theirs, their_warnings = _theirs(SILENTLY_BROADCAST[name])
    assert our_warnings == their_warnings == []
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6)


def test_mse_of_a_column_against_a_row_warns_and_compares_every_pair():
    """Without PyTorch: the warning's words, and the (4, 4) comparison's value and gradient."""
    x = ag.tensor(np.arange(4.0).reshape(4, 1), requires_grad=True)
    y = np.array([0.0, 2.0, 4.0, 6.0])
    with pytest.warns(UserWarning) as caught:
        loss = ag_F.mse_loss(x, ag.tensor(y))
    assert [str(w.message) for w in caught] == [_MESSAGE.format(target="4", input="4, 1")]
    assert caught[0].filename == __file__  # the warning points at the caller's line
    d = x.data - y  # (4, 4)
    np.testing.assert_allclose(loss.data, np.mean(d ** 2))
    loss.backward()
    np.testing.assert_allclose(x.grad, (2 * d / d.size).sum(axis=1, keepdims=True))
    assert type(loss.grad_fn).__name__ == "MseLossBackward0"


def test_smooth_l1_and_huber_warnings_point_at_the_caller():
    for loss in (ag_F.smooth_l1_loss, ag_F.huber_loss, ag_F.l1_loss):
        with pytest.warns(UserWarning, match="Using a target size") as caught:
            loss(ag.ones(4, 1), ag.zeros(4))
        assert caught[0].filename == __file__


def test_kl_div_warns_of_its_default_reduction_only():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size") as caught:
        ag_F.kl_div(ag.zeros(2, 2), ag.full((2, 2), 0.5))
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction in ("batchmean", "sum", "none"):
            ag_F.kl_div(ag.zeros(2, 2), ag.full((2, 2), 0.5), reduction=reduction)


def test_same_shapes_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss in (ag_F.mse_loss, ag_F.l1_loss, ag_F.smooth_l1_loss, ag_F.huber_loss):
            loss(ag.ones(4, 1), ag.zeros(4, 1))


# What stays as it was: integer sums and products, floating point targets to the regression losses, NumPy labels.
KEPT = {
    "sum of integers": "out = torch.tensor([1, 2, 3]).sum()",
    "prod of int32": "out = torch.tensor([1, 2, 3], dtype=torch.int32).prod()",
    "sum of bools": "out = torch.tensor([True, True, False]).sum()",
    "mean with dtype=": "out = torch.tensor([1, 2]).mean(dtype=torch.float32)",
    "mse_loss, int64 target": "out = F.mse_loss(torch.tensor([0.2, 0.7]), torch.tensor([0, 1]))",
    "mse_loss, int64 input": "out = F.mse_loss(torch.tensor([0, 1]), torch.tensor([0.2, 0.7]))",
    "l1_loss of integers, summed": "out = F.l1_loss(torch.tensor([0, 1]), torch.tensor([1, 1]), reduction='sum')",
    "smooth_l1_loss, bool target": "out = F.smooth_l1_loss(torch.tensor([0.2, 0.7]), torch.tensor([False, True]))",
    "BCEWithLogitsLoss, float64 target": "out = F.binary_cross_entropy_with_logits(torch.tensor([0.2, 0.7]), "
                                         "torch.tensor([0., 1.], dtype=torch.float64))",
    "cross_entropy, uint8 labels": f"out = F.cross_entropy({LOGITS}, torch.tensor([0, 1, 2, 0], dtype=torch.uint8))",
    "cross_entropy, one-hot float rows": f"out = F.cross_entropy({LOGITS}, torch.eye(4, 3))",
    "Embedding of int32 ids": "out = nn.Embedding(5, 3)(torch.tensor([1, 2], dtype=torch.int32))",
    "huber_loss, float64 target": "out = F.huber_loss(torch.ones(2), torch.tensor([0., 3.], dtype=torch.float64))",
    "margin_ranking_loss, one target for all": "out = F.margin_ranking_loss(torch.ones(4), torch.zeros(4), "
                                               "torch.ones(1))",
    "CrossEntropyLoss, float64 probabilities": f"out = nn.CrossEntropyLoss()({LOGITS}, torch.eye(4, 3, "
                                               "dtype=torch.float64))",
}


@pytest.mark.parametrize("name", KEPT)
def test_taken_as_pytorch_takes_it(name):
    ours, _ = _ours(KEPT[name])
    theirs, _ = _theirs(KEPT[name])
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).removeprefix("torch.") == str(theirs.dtype).removeprefix("torch.")


def test_numpy_labels_and_ids_of_any_integer_type_are_taken():
    """PyTorch never sees NumPy arrays: labels and ids given as arrays may be of any integer type (NumPy's default
    integer is int32 on some platforms); targets given as arrays take the input's dtype."""
    logits = ag.tensor(np.zeros((2, 3), np.float32))
    assert ag_F.cross_entropy(logits, np.array([0, 2], np.int32)).shape == ()
    assert ag_F.nll_loss(logits, np.array([0, 2], np.int16)).shape == ()
    assert ag_nn.Embedding(5, 3)(np.array([1, 2], np.uint8)).shape == (2, 3)
    assert ag_F.binary_cross_entropy(ag.tensor([0.2, 0.7]), np.array([0, 1])).dtype == np.float32
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Double"):
        ag_F.cross_entropy(logits, np.array([0.0, 2.0]))
    with pytest.raises(RuntimeError, match="but got torch.DoubleTensor instead"):
        ag_F.embedding(np.array([1.0, 2.0]), ag.ones(5, 3))
