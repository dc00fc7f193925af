"""einsum and tensordot (ops/einsum.py) beyond the op table (tests/test_ops_table.py checks values, gradients,
second derivatives, forward mode, float32 and compile for many equations): the spellings PyTorch accepts, the
implicit output, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


def _torch():
    return pytest.importorskip("torch")


def test_operands_as_a_list_and_spaces():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    expected = a @ b
    np.testing.assert_array_equal(ag.einsum("ij, jk -> ik", [Value(a), Value(b)]).data, expected)
    np.testing.assert_array_equal(ag.einsum("ij,jk", Value(a), b).data, expected)  # implicit: 'ik'


@pytest.mark.parametrize("equation, shapes", [("ji,kj", [(3, 2), (4, 3)]), ("...j,j", [(2, 3, 4), (4,)]),
                                              ("bB,Bc", [(2, 3), (3, 2)]), ("ii->", [(1, 1)]),
                                              ("i,i->i", [(1,), (3,)])], ids=str)
def test_implicit_outputs_and_broadcasting_match_torch(equation, shapes):
    torch = _torch()
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s) for s in shapes]
    values = [Value(x) for x in xs]
    tensors = [torch.tensor(x, requires_grad=True) for x in xs]
    out, expected = ag.einsum(equation, *values), torch.einsum(equation, *tensors)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    (expected * torch.as_tensor(w)).sum().backward()
    for v, t in zip(values, tensors):
        np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-12)


ERRORS = [
    ("too-many-operands", lambda m, x: m.einsum("ij->i", x, x)),
    ("too-few-subscripts", lambda m, x: m.einsum("i->i", x)),
    ("output-label-unknown", lambda m, x: m.einsum("ij->k", x)),
    ("output-label-twice", lambda m, x: m.einsum("ij->ii", x)),
    ("sizes-differ", lambda m, x: m.einsum("ij,ij->i", x, m.ones(2, 4))),
    ("bad-character", lambda m, x: m.einsum("i1->i", x)),
    ("tensordot-sizes", lambda m, x: m.tensordot(x, m.ones(2, 3), 1)),
    ("tensordot-dim-lists", lambda m, x: m.tensordot(x, x, ([0], [0, 1]))),
]


@pytest.mark.parametrize("label, call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_runtime_errors_as_in_torch(label, call):
    with pytest.raises(RuntimeError):
        call(ag, Value(np.ones((2, 3))))
    torch = _torch()
    with pytest.raises(RuntimeError):
        call(torch, torch.ones(2, 3))


def test_tensordot_matches_torch():
    torch = _torch()
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    for dims in (1, ([1, 2], [1, 0]), [[2], [0]], 0):
        np.testing.assert_allclose(ag.tensordot(Value(a), Value(b), dims).data,
                                   torch.tensordot(torch.as_tensor(a), torch.as_tensor(b), dims).numpy(), rtol=1e-12)


def test_a_large_contraction_takes_a_path_and_gives_matmuls_numbers_and_gradients():
    """Above _PATH_WORTH multiply-adds np.einsum gets optimize=True (BLAS); the results and gradients are the batched
    matrix product's, to float64 rounding, on both sides of the threshold."""
    from autograd_core.ops import einsum as einsum_module

    rng = np.random.default_rng(3)
    for n in (4, 48):  # 2·4·4·4 below the threshold, 2·48·48·48 above it
        assert einsum_module._worth_a_path("bij,bjk->bik", [np.empty((2, n, n))] * 2) == (n == 48)
        a = ag.Value(rng.standard_normal((2, n, n)), requires_grad=True)
        b = ag.Value(rng.standard_normal((2, n, n)), requires_grad=True)
        out = ag.einsum("bij,bjk->bik", a, b)
        np.testing.assert_allclose(out.data, a.data @ b.data, rtol=1e-12, atol=1e-12)
        seed = rng.standard_normal((2, n, n))
        (out * seed).sum().backward()
        np.testing.assert_allclose(a.grad, seed @ np.swapaxes(b.data, 1, 2), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b.grad, np.swapaxes(a.data, 1, 2) @ seed, rtol=1e-12, atol=1e-12)
