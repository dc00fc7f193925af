"""Loss weights that require grad, as PyTorch 2.13 treats them: the kernels that take a weight as a constant
(binary_cross_entropy, binary_cross_entropy_with_logits's weight and pos_weight, nll_loss and cross_entropy with class
labels) refuse one that requires grad while grad mode is on, with PyTorch's words, where its gradient used to stay None
without a word; inside no_grad() they take it. cross_entropy with class probabilities, where the weights are a factor
of the targets, differentiates them, as PyTorch does (it used to leave the gradient None)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as agF
from probe_helpers import error_of

RNG = np.random.default_rng(0)
LOGITS4 = RNG.standard_normal((2, 3, 4, 4))
LABELS4 = RNG.integers(0, 3, (2, 4, 4))
PROBS2 = RNG.dirichlet(np.ones(3), size=5)
CLASS_WEIGHT = RNG.random(3) + 0.5

# (name, fn(L, F, x, w) -> loss, PyTorch's kernel named in its error, the argument): x (2, 3, 4, 4), w (3,)
REFUSED = [
    ("cross_entropy_images", lambda L, F, x, w: F.cross_entropy(x, L.tensor(LABELS4), weight=w),
     "nll_loss2d_forward", "weight"),
    ("cross_entropy_rows", lambda L, F, x, w: F.cross_entropy(x[:, :, 0, 0], L.tensor(LABELS4[:, 0, 0]), weight=w),
     "nll_loss_forward", "weight"),
    ("cross_entropy_smoothing", lambda L, F, x, w: F.cross_entropy(x[:, :, 0, 0], L.tensor(LABELS4[:, 0, 0]),
                                                                   weight=w, label_smoothing=0.1),
     "nll_loss_forward", "weight"),
    ("cross_entropy_one_sample", lambda L, F, x, w: F.cross_entropy(x[0, :, 0, 0], L.tensor(LABELS4[0, 0, 0]),
                                                                    weight=w),
     "nll_loss_forward", "weight"),
    ("nll_loss_3d", lambda L, F, x, w: F.nll_loss(x[:, :, :, 0], L.tensor(LABELS4[:, :, 0]), weight=w),
     "nll_loss2d_forward", "weight"),
    ("bce_with_logits_weight", lambda L, F, x, w: F.binary_cross_entropy_with_logits(
        x[0, 0], x[0, 0].sigmoid().detach(), weight=w[:1]), "binary_cross_entropy_with_logits", "weight"),
    ("bce_with_logits_pos_weight", lambda L, F, x, w: F.binary_cross_entropy_with_logits(
        x[0, 0], x[0, 0].sigmoid().detach(), pos_weight=w[:1]), "binary_cross_entropy_with_logits", "pos_weight"),
    ("bce_weight", lambda L, F, x, w: F.binary_cross_entropy(x[0, 0].sigmoid(), x[0, 0].sigmoid().detach(),
                                                             weight=w[:1]),
     "binary_cross_entropy", "weight"),
]


def _libraries(name):
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch, torch.nn.functional
    return ag, agF


def _inputs(L):
    x = L.tensor(LOGITS4, requires_grad=True)
    w = L.tensor(CLASS_WEIGHT, requires_grad=True)
    return x, w


@pytest.mark.parametrize("lib", ["torch", "ours"])
@pytest.mark.parametrize("name, fn, kernel, what", REFUSED, ids=[case[0] for case in REFUSED])
def test_a_weight_that_requires_grad_is_refused_by_a_kernel_that_takes_it_as_a_constant(lib, name, fn, kernel,
                                                                                           what):
    L, F = _libraries(lib)
    x, w = _inputs(L)
    assert error_of(lambda: fn(L, F, x, w)) == (RuntimeError, (
        f"The function '{kernel}' is not differentiable with respect to argument '{what}'. "
        "This input cannot have requires_grad True."))
    with L.no_grad():  # nothing is recorded: the weight is only numbers
        loss = fn(L, F, x, w)
    assert loss.requires_grad is False
    assert fn(L, F, x, w.detach()) is not None  # a weight that needs no gradient is taken


def _probability_targets(L, F, x, w):
    return F.cross_entropy(x, L.tensor(PROBS2), weight=w)


def test_class_weights_with_probability_targets_get_pytorchs_gradient():
    x = ag.tensor(LOGITS4[:, :, 0, 0].repeat(3, axis=0)[:5], requires_grad=True)
    w = ag.tensor(CLASS_WEIGHT, requires_grad=True)
    loss = _probability_targets(ag, agF, x, w)
    loss.backward()
    # L = −(1/N) Σₙ Σ_c w_c tₙ_c log softmax(xₙ)_c, so ∂L/∂w_c = −(1/N) Σₙ tₙ_c log softmax(xₙ)_c
    z = x.data - x.data.max(axis=1, keepdims=True)
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(w.grad, -(PROBS2 * log_softmax).sum(axis=0) / 5, rtol=1e-12)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x.data, requires_grad=True)
    wt = torch.tensor(CLASS_WEIGHT, requires_grad=True)
    _probability_targets(torch, torch.nn.functional, xt, wt).backward()
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)
