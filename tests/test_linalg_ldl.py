"""torch.linalg.ldl_factor, ldl_factor_ex and ldl_solve (autograd_core/linalg_ldl.py): LDLᵀ with Bunch–Kaufman
pivoting in LAPACK's compact form. Solves checked against A X = B without PyTorch, LAPACK's pivots and LD on a
worked example, PyTorch's outputs on random indefinite matrices where it is installed, singular inputs, and the
absence of a gradient (as in PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _symmetric(rng, n, small_diagonal=False, integers=False):
    a = rng.standard_normal((n, n))
    if small_diagonal:  # the diagonal too small to pivot on: 2 × 2 blocks
        a[np.diag_indices(n)] *= 0.01
    if integers:  # ties and zeros
        a = np.round(a)
    return a + a.T


def test_a_worked_example_needs_a_2x2_block():
    # No diagonal entry can start an LDLᵀ here (all zero): the first block is 2 × 2, after interchanging 2 and 3.
    A = ag.tensor([[0.0, 1, 2], [1, 0, 3], [2, 3, 0]], dtype=ag.float64)
    LD, pivots = ag.linalg.ldl_factor(A)
    assert pivots.dtype == ag.int32 and pivots.tolist() == [-3, -3, 3]
    np.testing.assert_allclose(LD.data, [[0, 0, 0], [2, 0, 0], [1.5, 0.5, -3]])
    x = ag.linalg.ldl_solve(LD, pivots, ag.tensor([[1.0], [2.0], [3.0]], dtype=ag.float64))
    np.testing.assert_allclose(A.data @ x.data, [[1], [2], [3]], atol=1e-14)


def test_a_worked_example_interchanges_for_a_1x1_block():
    # |a₁₁| = 0 is below α·3, and |a₃₃| = 2 ≥ α·max(|a₃₁|, |a₃₂|) = α·3: a 1 × 1 block after interchanging 1 and 3.
    A = ag.tensor([[0.0, 0, -3], [0, -12, 0], [-3, 0, -2]], dtype=ag.float64)
    LD, pivots = ag.linalg.ldl_factor(A)
    assert pivots.tolist() == [3, 2, 3]
    np.testing.assert_allclose(LD.data, [[-2, 0, 0], [0, -12, 0], [1.5, 0, 4.5]])


def test_a_worked_example_keeps_a_small_diagonal_entry_that_is_large_enough():
    # |a₁₁| = 2 < α·4 (α ≈ 0.64), but |a₁₁|·6 ≥ α·4², 6 the largest entry beside a₃₁ = 4 in row and column 3: no
    # interchange, a 1 × 1 block.
    A = ag.tensor([[-2.0, -2, 4], [-2, -10, 6], [4, 6, 8]], dtype=ag.float64)
    LD, pivots = ag.linalg.ldl_factor(A)
    assert pivots.tolist() == [1, 2, 3]
    np.testing.assert_allclose(LD.data, [[-2, 0, 0], [1, -8, 0], [-2, -0.25, 16.5]])


@pytest.mark.parametrize("seed", range(40))
def test_ldl_solve_solves(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    A = _symmetric(rng, n, small_diagonal=seed % 2 == 0, integers=seed % 5 == 0)
    LD, pivots, info = ag.linalg.ldl_factor_ex(ag.tensor(A))
    if int(info.data):  # a singular draw (integers): moved off singularity
        A = A + 0.37 * np.eye(n)
        LD, pivots, info = ag.linalg.ldl_factor_ex(ag.tensor(A))
    assert int(info.data) == 0
    B = rng.standard_normal((n, 3))
    X = ag.linalg.ldl_solve(LD, pivots, ag.tensor(B))
    np.testing.assert_allclose(A @ X.data, B, atol=1e-8 * max(1.0, np.abs(X.data).max()))


def test_batches_only_the_lower_triangle_and_float32():
    rng = np.random.default_rng(1)
    A = np.stack([_symmetric(rng, 4, small_diagonal=True) for _ in range(3)])
    LD, pivots = ag.linalg.ldl_factor(ag.tensor(A))
    assert LD.shape == (3, 4, 4) and pivots.shape == (3, 4)
    garbage = A + np.triu(rng.standard_normal((3, 4, 4)), 1)  # the upper triangle is not read
    again = ag.linalg.ldl_factor(ag.tensor(garbage), hermitian=True)
    np.testing.assert_array_equal(again.LD.data, LD.data)
    B = rng.standard_normal((3, 4, 2))
    X = ag.linalg.ldl_solve(LD, pivots, ag.tensor(B))
    np.testing.assert_allclose(A @ X.data, B, atol=1e-10)
    single = ag.linalg.ldl_factor(ag.tensor(A.astype(np.float32)))
    assert single.LD.dtype == ag.float32
    np.testing.assert_allclose(single.LD.data, LD.data, rtol=1e-3, atol=1e-4)


def test_singular_matrices():
    zeros = ag.zeros(3, 3, dtype=ag.float64)
    LD, pivots, info = ag.linalg.ldl_factor_ex(zeros)
    assert int(info.data) == 1 and pivots.tolist() == [1, 2, 3]
    with pytest.raises(ag.linalg.LinAlgError, match=r"D\[0,0\] is exactly zero"):
        ag.linalg.ldl_factor(zeros)
    with pytest.raises(RuntimeError, match=r"D\[1,1\] is exactly zero"):
        ag.linalg.ldl_factor_ex(ag.tensor([[1.0, 1.0], [1.0, 1.0]], dtype=ag.float64), check_errors=True)


def test_no_gradient_as_in_pytorch():
    A = ag.tensor(_symmetric(np.random.default_rng(2), 3), requires_grad=True)
    LD, pivots = ag.linalg.ldl_factor(A)
    with pytest.raises(NotImplementedError, match="linalg_ldl_factor_ex"):
        LD.sum().backward()
    LD = LD.detach().requires_grad_()
    with pytest.raises(NotImplementedError, match="linalg_ldl_solve"):
        ag.linalg.ldl_solve(LD, pivots, ag.ones(3, 1, dtype=ag.float64)).sum().backward()


@pytest.mark.parametrize("call, error, message", [
    (lambda: ag.linalg.ldl_factor(ag.zeros(3)), RuntimeError, "must have at least 2 dimensions"),
    (lambda: ag.linalg.ldl_factor(ag.zeros(2, 3)), RuntimeError, "square"),
    (lambda: ag.linalg.ldl_solve(ag.eye(3), ag.tensor([1, 2, 3], dtype=ag.int32), ag.ones(2, 1)), RuntimeError,
     r"Expected B of shape \(..., 3, k\)"),
    (lambda: ag.linalg.ldl_solve(ag.eye(3), ag.tensor([1, 2], dtype=ag.int32), ag.ones(3, 1)), RuntimeError,
     "Expected pivots to have shape"),
    (lambda: ag.linalg.ldl_solve(ag.eye(3), ag.tensor([1, 2, 5], dtype=ag.int32), ag.ones(3, 1)), RuntimeError,
     "pivots must be between 1 and 3"),
    (lambda: ag.linalg.ldl_solve(ag.eye(3), ag.tensor([1.0, 2, 3]), ag.ones(3, 1)), RuntimeError,
     "Expected pivots to be integers"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for trial in range(60):
        n = int(rng.integers(1, 9))
        A = _symmetric(rng, n, small_diagonal=trial % 3 == 0, integers=trial % 5 == 0)
        ours, theirs = ag.linalg.ldl_factor_ex(ag.tensor(A)), torch.linalg.ldl_factor_ex(torch.tensor(A))
        np.testing.assert_array_equal(ours.pivots.data, theirs.pivots.numpy(), err_msg=str(A))
        np.testing.assert_allclose(ours.LD.data, theirs.LD.numpy(), atol=1e-10, err_msg=str(A))
        assert int(ours.info.data) == int(theirs.info)
        if int(theirs.info) == 0:
            B = rng.standard_normal((n, 2))
            np.testing.assert_allclose(ag.linalg.ldl_solve(ours.LD, ours.pivots, ag.tensor(B)).data,
                                       torch.linalg.ldl_solve(theirs.LD, theirs.pivots, torch.tensor(B)).numpy(),
                                       rtol=1e-8, atol=1e-10)
