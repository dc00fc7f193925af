"""model.double(), .float(), .half(), .to(dtype) convert each parameter's gradient with it, as PyTorch's Module._apply:
a gradient accumulated before the cast survives it, in the new dtype (it used to be dropped)."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn

CASTS = {
    "double": lambda m, lib: m.double(),
    "float": lambda m, lib: m.float(),
    "half": lambda m, lib: m.half(),
    "to float64": lambda m, lib: m.to(lib.float64),
    "to complex128": lambda m, lib: m.to(lib.complex128),
}


def _trained(lib, start):
    """A Linear(3, 2) of `lib` (autograd_core or torch) from the arrays in `start`, after one backward pass."""
    m = lib.nn.Linear(3, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(start["w"]))
        m.bias.copy_(lib.tensor(start["b"]))
    (m(lib.tensor(start["x"])) ** 2).sum().backward()
    return m


def _start():
    rng = np.random.default_rng(3)
    return {"w": rng.standard_normal((2, 3)).astype(np.float32), "b": rng.standard_normal(2).astype(np.float32),
            "x": rng.standard_normal((4, 3)).astype(np.float32)}


@pytest.mark.parametrize("cast", sorted(CASTS))
def test_a_cast_converts_the_gradients_with_the_parameters(cast):
    start = _start()
    m = _trained(ag, start)
    before = {name: np.array(p.grad) for name, p in m.named_parameters()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (complex modules' warning)
        CASTS[cast](m, ag)
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.dtype == p.dtype, name
        np.testing.assert_array_equal(p.grad, before[name].astype(p.dtype))


@pytest.mark.parametrize("cast", sorted(CASTS))
def test_gradients_after_a_cast_are_pytorchs(cast):
    torch = pytest.importorskip("torch")
    start = _start()
    ours, theirs = _trained(ag, start), _trained(torch, start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        CASTS[cast](ours, ag)
        CASTS[cast](theirs, torch)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert str(p.grad.dtype) == str(q.grad.dtype).removeprefix("torch."), name
        # (the float32 backward passes before the cast may differ in the last bit: BLAS's order of summation)
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=2e-6 if cast != "half" else 1e-3)


def test_a_later_backward_adds_into_the_converted_gradient():
    start = _start()
    m = _trained(ag, start).double()
    once = np.array(m.weight.grad)
    (m(ag.tensor(start["x"].astype(np.float64))) ** 2).sum().backward()
    np.testing.assert_allclose(m.weight.grad, 2 * once, rtol=1e-6)


def test_a_module_without_gradients_and_a_cast_to_its_own_dtype_change_nothing():
    m = nn.Linear(3, 2)
    m.double()
    assert m.weight.grad is None
    start = _start()
    m = _trained(ag, start)
    grad = m.weight.grad
    m.float()  # float32 already: the gradient stays the very array
    assert m.weight.grad is grad or np.shares_memory(m.weight.grad, grad)


def test_a_sparse_gradient_stays_sparse_in_the_new_dtype():
    e = nn.Embedding(5, 2, sparse=True)
    e(ag.tensor([1, 2, 2])).sum().backward()
    dense = np.array(e.weight.grad.to_dense())
    e.double()
    assert e.weight.grad.is_sparse and e.weight.grad.dtype == np.float64
    np.testing.assert_array_equal(e.weight.grad.to_dense(), dense.astype(np.float64))
