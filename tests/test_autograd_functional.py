"""autograd_core.autograd.functional (torch.autograd.functional): jacobian, hessian, vjp, jvp, hvp, vhp with
PyTorch's arguments, nesting and detaching; closed forms without PyTorch, and PyTorch's numbers with it."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.autograd import functional as AF

RNG = np.random.default_rng(21)
A = RNG.standard_normal((3, 3))
S = A + A.T  # a symmetric matrix: the Hessian of x·Sx/2


def quadratic(x):
    return (x * (ag.tensor(S) @ x)).sum() / 2


def test_closed_forms():
    x = ag.tensor(RNG.standard_normal(3))
    v = RNG.standard_normal(3)
    np.testing.assert_allclose(AF.jacobian(lambda a: ag.tensor(A) @ a, x).data, A, rtol=1e-12)
    np.testing.assert_allclose(AF.jacobian(lambda a: ag.tensor(A) @ a, x, strategy="forward-mode").data, A, rtol=1e-12)
    np.testing.assert_allclose(AF.hessian(quadratic, x).data, S, rtol=1e-12)
    value, hv = AF.hvp(quadratic, x, ag.tensor(v))
    np.testing.assert_allclose(hv.data, S @ v, rtol=1e-12)
    np.testing.assert_allclose(value.data, x.data @ S @ x.data / 2, rtol=1e-12)
    np.testing.assert_allclose(AF.vhp(quadratic, x, ag.tensor(v))[1].data, v @ S, rtol=1e-12)
    out, vj = AF.vjp(lambda a: ag.tensor(A) @ a, x, ag.tensor(v))
    np.testing.assert_allclose(vj.data, v @ A, rtol=1e-12)
    out, jv = AF.jvp(lambda a: ag.tensor(A) @ a, x, ag.tensor(v))
    np.testing.assert_allclose(jv.data, A @ v, rtol=1e-12)
    _, grad = AF.vjp(quadratic, x)  # v may be left out for a single-element output
    np.testing.assert_allclose(grad.data, S @ x.data, rtol=1e-12)


def test_tuples_nest_outputs_outside_inputs_and_results_are_detached():
    x, y = ag.tensor(RNG.standard_normal(3)), ag.tensor(RNG.standard_normal(2))
    jac = AF.jacobian(lambda a, b: (a * 2.0, (a ** 2).sum() * b), (x, y))
    assert len(jac) == 2 and len(jac[0]) == 2
    assert [j.shape for j in jac[0]] == [(3, 3), (3, 2)] and [j.shape for j in jac[1]] == [(2, 3), (2, 2)]
    np.testing.assert_allclose(jac[1][0].data, np.outer(y.data, 2 * x.data), rtol=1e-12)
    blocks = AF.hessian(lambda a, b: (a ** 2).sum() * b.sum(), (x, y))
    assert [[b.shape for b in row] for row in blocks] == [[(3, 3), (3, 2)], [(2, 3), (2, 2)]]
    assert all(not b.requires_grad for row in blocks for b in row)


def test_create_graph_keeps_the_results_in_the_graph():
    x = ag.tensor(RNG.standard_normal(3), requires_grad=True)
    jac = AF.jacobian(lambda a: a.tanh(), x, create_graph=True)
    assert jac.requires_grad
    jac.sum().backward()  # d/dx Σ_ij ∂tanh(x_i)/∂x_j = d/dx Σ_i (1 - tanh² x_i)
    np.testing.assert_allclose(x.grad, -2 * np.tanh(x.data) * (1 - np.tanh(x.data) ** 2), rtol=1e-12)
    assert not AF.jacobian(lambda a: a.tanh(), x).requires_grad


def test_errors_and_strict_mode():
    x, y = ag.tensor(np.ones(3)), ag.tensor(np.ones(2))
    with pytest.raises(RuntimeError, match="output 0 of the user-provided function is independent of input 1"):
        AF.jacobian(lambda a, b: a * 2.0, (x, y), strict=True)
    np.testing.assert_array_equal(AF.jacobian(lambda a, b: a * 2.0, (x, y))[1].data, np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda a: a * 2.0, x)
    with pytest.raises(RuntimeError, match="single-element"):
        AF.hessian(lambda a: a * 2.0, x)
    with pytest.raises(ValueError, match="strategy"):
        AF.jacobian(lambda a: a, x, strategy="sideways")
    with pytest.raises(TypeError, match="must be a Value"):
        AF.jacobian(lambda a: a, "x")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func (behind forward-mode) uses torch.jit
def test_against_torch():
    torch = pytest.importorskip("torch")
    tf = torch.autograd.functional
    x, y = RNG.standard_normal(3), RNG.standard_normal(2)
    vx, vy, w = RNG.standard_normal(3), RNG.standard_normal(2), RNG.standard_normal(2)

    def f(m, a, b):
        return (a[:2] * b).tanh(), (a ** 2).sum() * b

    def g(m, a, b):
        return ((a[:2] * b).tanh() ** 2).sum() + (a ** 3).sum() * b.sum()

    ours_in, torch_in = (ag.tensor(x), ag.tensor(y)), (torch.tensor(x), torch.tensor(y))
    for strategy in ("reverse-mode", "forward-mode"):
        ours = AF.jacobian(lambda a, b: f(ag, a, b), ours_in, strategy=strategy)
        theirs = tf.jacobian(lambda a, b: f(torch, a, b), torch_in, strategy=strategy, vectorize=True)
        for i in range(2):
            for j in range(2):
                np.testing.assert_allclose(ours[i][j].data, theirs[i][j].numpy(), rtol=1e-10, atol=1e-12)
    ours, theirs = AF.hessian(lambda a, b: g(ag, a, b), ours_in), tf.hessian(lambda a, b: g(torch, a, b), torch_in)
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(ours[i][j].data, theirs[i][j].numpy(), rtol=1e-10, atol=1e-12)
    v_ours, v_torch = (ag.tensor(vx), ag.tensor(vy)), (torch.tensor(vx), torch.tensor(vy))
    for name, fn in (("jvp", f), ("hvp", g), ("vhp", g)):
        ours = getattr(AF, name)(lambda a, b, fn=fn: fn(ag, a, b), ours_in, v_ours)[1]
        theirs = getattr(tf, name)(lambda a, b, fn=fn: fn(torch, a, b), torch_in, v_torch)[1]
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-10, atol=1e-12)
    ours = AF.vjp(lambda a, b: f(ag, a, b), ours_in, (ag.tensor(w), ag.tensor(vy)))[1]
    theirs = tf.vjp(lambda a, b: f(torch, a, b), torch_in, (torch.tensor(w), torch.tensor(vy)))[1]
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-10, atol=1e-12)
