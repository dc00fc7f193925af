"""QR in Householder form (autograd_core/linalg_householder.py): torch.geqrf, torch.linalg.householder_product
(torch.orgqr) and torch.ormqr. Their identities without PyTorch (Q R = A, QᵀQ = I, ormqr = the full Q times C),
gradients against finite differences, PyTorch's numbers and gradients where it is installed, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _rng(seed=0):
    return np.random.default_rng(seed)


def _full_q(a, tau):
    """The m × m Q = H₁ ⋯ H_k, multiplied out reflector by reflector in NumPy: the definition, written once more."""
    m = a.shape[-2]
    q = np.eye(m)
    for i in range(len(tau)):
        v = np.where(np.arange(m) > i, a[:, i], 0.0)
        v[i] = 1.0
        q = q @ (np.eye(m) - tau[i] * np.outer(v, v))
    return q


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (3, 5), (2, 4, 3)])
def test_geqrf_and_householder_product_give_the_qr_decomposition(shape):
    A = _rng().standard_normal(shape)
    a, tau = ag.geqrf(ag.tensor(A))
    m, n = shape[-2:]
    k = min(m, n)
    assert a.shape == shape and tau.shape == shape[:-2] + (k,)
    q = ag.linalg.householder_product(a[..., :, :k], tau)  # a wide matrix's first k columns: m ≥ n there
    r = np.triu(a.data)[..., :k, :]
    np.testing.assert_allclose(q.data @ r, A, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(q.data, -1, -2) @ q.data, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)),
                               atol=1e-12)
    reduced = ag.linalg.qr(ag.tensor(A))
    np.testing.assert_allclose(np.abs(q.data), np.abs(reduced.Q.data), atol=1e-12)  # LAPACK's Q, up to signs


def test_fewer_reflectors_leave_identity_columns():
    a = _rng(1).standard_normal((5, 3))
    tau = _rng(2).standard_normal(2)
    q = ag.orgqr(ag.tensor(a), ag.tensor(tau))
    np.testing.assert_allclose(q.data, _full_q(a, tau)[:, :3], atol=1e-12)
    empty = ag.linalg.householder_product(ag.zeros(4, 0, dtype=ag.float64), ag.zeros(0, dtype=ag.float64))
    assert empty.shape == (4, 0)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_multiplies_by_the_full_q_without_forming_it(left, transpose):
    a, tau = ag.geqrf(ag.tensor(_rng(3).standard_normal((5, 3))))
    q = _full_q(a.data, tau.data)
    q = q.T if transpose else q
    c = _rng(4).standard_normal((5, 2) if left else (2, 5))
    out = ag.ormqr(a, tau, ag.tensor(c), left=left, transpose=transpose)
    np.testing.assert_allclose(out.data, q @ c if left else c @ q, atol=1e-12)
    np.testing.assert_allclose(a.ormqr(tau, ag.tensor(c), left, transpose).data, out.data)  # the method


def test_gradients_match_finite_differences():
    a = ag.tensor(_rng(5).standard_normal((4, 3)), requires_grad=True)
    tau = ag.tensor(_rng(6).uniform(1.0, 2.0, 3), requires_grad=True)
    c = ag.tensor(_rng(7).standard_normal((4, 2)), requires_grad=True)
    assert ag.autograd.gradcheck(ag.linalg.householder_product, (a, tau))
    assert ag.autograd.gradgradcheck(ag.linalg.householder_product, (a, tau))
    assert ag.autograd.gradcheck(lambda x, t, y: ag.ormqr(x, t, y, transpose=True), (a, tau, c))
    jacobians = [ag.func.jacfwd(ag.linalg.householder_product, argnums=(0, 1)),
                 ag.func.jacrev(ag.linalg.householder_product, argnums=(0, 1))]
    forward, reverse = [j(a, tau) for j in jacobians]
    for f, r in zip(forward, reverse):
        np.testing.assert_allclose(f.data, r.data, atol=1e-12)


def test_geqrf_has_no_gradient_as_in_pytorch():
    A = ag.tensor(_rng(8).standard_normal((3, 3)), requires_grad=True)
    a, tau = ag.geqrf(A)
    with pytest.raises(NotImplementedError, match="the derivative for 'geqrf' is not implemented"):
        ag.linalg.householder_product(a, tau).sum().backward()


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    A = _rng(9).standard_normal((2, 5, 3))
    ours, theirs = ag.geqrf(ag.tensor(A)), torch.geqrf(torch.tensor(A))
    np.testing.assert_allclose(ours.a.data, theirs.a.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.tau.data, theirs.tau.numpy(), atol=1e-12)
    a, tau = theirs.a.numpy(), theirs.tau.numpy()
    c_left, c_right = _rng(10).standard_normal((2, 5, 2)), _rng(11).standard_normal((2, 2, 5))
    calls = [
        (lambda m, x, t: m.linalg.householder_product(x, t), (a, tau)),
        (lambda m, x, t: m.linalg.householder_product(x, t[..., :2]), (a, tau)),
        *[(lambda m, x, t, c, left=left, tr=tr: m.ormqr(x, t, c, left=left, transpose=tr),
           (a, tau, c_left if left else c_right)) for left in (True, False) for tr in (False, True)],
    ]
    for k, (f, arrays) in enumerate(calls):
        xs = [ag.tensor(x, requires_grad=True) for x in arrays]
        ts = [torch.tensor(x, requires_grad=True) for x in arrays]
        out, expected = f(ag, *xs), f(torch, *ts)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-12, err_msg=str(k))
        w = _rng(k).standard_normal(out.shape)
        (out * ag.tensor(w)).sum().backward()
        (expected * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad, t.grad.numpy(), atol=1e-10, err_msg=str(k))


F64 = ag.float64


@pytest.mark.parametrize("call, message", [
    (lambda: ag.geqrf(ag.zeros(3)), "torch.geqrf: input must have at least 2 dimensions"),
    (lambda: ag.linalg.householder_product(ag.zeros(3, 4), ag.zeros(3)),
     r"input.shape\[-2\] must be greater than or equal to input.shape\[-1\]"),
    (lambda: ag.linalg.householder_product(ag.zeros(4, 3), ag.zeros(4)),
     r"input.shape\[-1\] must be greater than or equal to tau.shape\[-1\]"),
    (lambda: ag.linalg.householder_product(ag.zeros(2, 4, 3), ag.zeros(3, 2)),
     r"Expected batch dimensions of tau to be equal to input.shape\[:-2\], but got \[3\]"),
    (lambda: ag.linalg.householder_product(ag.zeros(4, 3), ag.zeros(2, dtype=F64)),
     "tau dtype Double does not match input dtype Float"),
    (lambda: ag.ormqr(ag.zeros(5, 3), ag.zeros(3), ag.zeros(4, 2)),
     r"other.shape\[-2\] must be equal to input.shape\[-2\]"),
    (lambda: ag.ormqr(ag.zeros(5, 3), ag.zeros(3), ag.zeros(2, 4), left=False),
     r"other.shape\[-1\] must be equal to input.shape\[-2\]"),
    (lambda: ag.ormqr(ag.zeros(5, 3), ag.zeros(2), ag.zeros(5, 2)),
     r"tau.shape\[-1\] must be equal to min\(other.shape\[-2\], input.shape\[-1\]\)"),
    (lambda: ag.ormqr(ag.zeros(5, 3), ag.zeros(3), ag.zeros(2, 5, 2)),
     "Expected other to have the same number of dimensions as input"),
    (lambda: ag.ormqr(ag.zeros(2, 5, 3), ag.zeros(2, 3), ag.zeros(3, 5, 2)),
     r"Expected batch dimensions of other to be equal to input.shape\[:-2\], but got \[3\]"),
    (lambda: ag.ormqr(ag.zeros(5, 3, dtype=F64), ag.zeros(3, dtype=F64), ag.zeros(5, 2)),
     "Expected input and other to have the same dtype, but input has dtype Double and other has dtype Float"),
])
def test_errors_are_pytorchs(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()
