"""F.embedding's own lookup and scatter primitives (nn/embedding.py): gradients against PyTorch (float32 stays float32,
equal to float32 precision; float64 with padding_idx, scale_grad_by_freq and ids from the end), higher derivatives,
forward mode, and a compiled training step replayed on new ids."""

import numpy as np
import pytest
from nn_helpers import assert_compiled_training_matches_eager

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
IDS = RNG.integers(0, 50, (16, 30))              # 480 ids over 50 rows: every row repeated many times


def test_float32_gradient_stays_float32_and_matches_torch():
    torch = pytest.importorskip("torch")
    table = RNG.normal(size=(50, 8)).astype(np.float32)
    w = RNG.normal(size=IDS.shape + (8,)).astype(np.float32)
    weight = Value(table.copy())
    out = F.embedding(IDS, weight)
    assert out.dtype == np.float32
    (out * w).sum().backward()
    tweight = torch.tensor(table, requires_grad=True)
    (torch.nn.functional.embedding(torch.tensor(IDS), tweight) * torch.tensor(w)).sum().backward()
    assert weight.grad.dtype == np.float32
    np.testing.assert_allclose(weight.grad, tweight.grad.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("options", [{}, dict(padding_idx=3), dict(scale_grad_by_freq=True),
                                     dict(padding_idx=-2, scale_grad_by_freq=True)], ids=str)
def test_float64_gradient_matches_torch(options):
    torch = pytest.importorskip("torch")
    ids = np.array([[1, 3, 3, 0], [7, 3, 6, 7]])   # repeats (negative ids raise IndexError, as in PyTorch)
    table = RNG.normal(size=(8, 5))
    w = RNG.normal(size=ids.shape + (5,))
    weight = Value(table.copy())
    out = F.embedding(ids, weight, **options)
    tweight = torch.tensor(table, requires_grad=True)
    tout = torch.nn.functional.embedding(torch.tensor(ids), tweight, **options)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(weight.grad, tweight.grad.numpy(), rtol=1e-15, atol=1e-15)


def test_repeated_ids_accumulate_without_torch():
    ids = np.array([2, 0, 2, 2, 3])
    weight = Value(np.zeros((4, 3)))
    F.embedding(ids, weight).sum().backward()
    np.testing.assert_array_equal(weight.grad, np.array([[1.0] * 3, [0.0] * 3, [3.0] * 3, [1.0] * 3]))


def test_higher_derivatives_and_forward_mode():
    ids = np.array([[0, 2, 2], [1, 2, 0]])
    table = RNG.normal(size=(3, 2))
    # the lookup is linear: a nonlinearity around it gives second derivatives something to check
    assert gradcheck(lambda w: ag.tanh(F.embedding(ids, w)), (Value(table),))
    assert gradgradcheck(lambda w: ag.tanh(F.embedding(ids, w)) ** 2, (Value(table),))
    tangent = RNG.normal(size=table.shape)
    out, jt = ag.jvp(lambda w: F.embedding(ids, w), (table,), (tangent,))
    np.testing.assert_array_equal(out.data if isinstance(out, Value) else out, table[ids])
    np.testing.assert_array_equal(jt.data if isinstance(jt, Value) else jt, tangent[ids])


def test_compiled_training_step_replays_with_new_ids():
    def make():
        model = nn.Embedding(20, 4, rng=1, dtype=np.float64)
        return model, ag.optim.SGD(model.parameters(), lr=0.1)

    def step(model, optimizer, ids, target):
        optimizer.zero_grad()
        loss = ((model(ids) - target) ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss

    rng = np.random.default_rng(4)
    batches = [(rng.integers(0, 20, (3, 5)), rng.normal(size=(3, 5, 4))) for _ in range(5)]
    assert_compiled_training_matches_eager(make, step, batches)
