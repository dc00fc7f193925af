"""autograd_core.autograd.forward_ad (torch.autograd.forward_ad): dual tensors. Tangents against finite differences,
`func.jvp` and PyTorch (float64); nn modules (input and parameter tangents, the tutorial's two ways); forward over
reverse and reverse over forward (Hessian-vector products); the level's lifetime and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.autograd.forward_ad as fwAD
from autograd_core import nn
from autograd_core.modes import TRACERS

# torch's make_dual loads decompositions through torch.jit, which warns that it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RNG = np.random.default_rng(7)
X0, Y0 = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
TX, TY = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
W = RNG.standard_normal((3, 4))


def f(lib, x, y):
    """Several kinds of primitive: broadcasting, matmul, elementwise, a reduction over an axis, a quotient."""
    h = (x * y + lib.tanh(x)) @ lib.tensor(W)
    return (lib.exp(h / 3).sum(dim=1) / (1 + (y ** 2).sum())).sin()


def central(fn, primals, tangents, eps=1e-6):
    plus = fn(*[p + eps * t for p, t in zip(primals, tangents)])
    minus = fn(*[p - eps * t for p, t in zip(primals, tangents)])
    return (plus - minus) / (2 * eps)


def numeric_f(x, y):
    return f(ag, ag.tensor(x), ag.tensor(y)).data


def test_tangent_is_the_jvp():
    with fwAD.dual_level():
        x, y = fwAD.make_dual(ag.tensor(X0), ag.tensor(TX)), fwAD.make_dual(ag.tensor(Y0), ag.tensor(TY))
        primal, tangent = fwAD.unpack_dual(f(ag, x, y))
    np.testing.assert_allclose(primal.data, numeric_f(X0, Y0), rtol=1e-12)
    np.testing.assert_allclose(tangent.data, central(numeric_f, (X0, Y0), (TX, TY)), rtol=1e-6, atol=1e-9)
    _, jv = ag.func.jvp(lambda a, b: f(ag, a, b), (X0, Y0), (TX, TY))
    np.testing.assert_allclose(tangent.data, jv, rtol=1e-13)
    assert tangent.shape == primal.shape == (2,) and tangent.dtype == np.float64


def test_against_torch():
    torch = pytest.importorskip("torch")
    import torch.autograd.forward_ad as tfwAD

    with tfwAD.dual_level():
        x = tfwAD.make_dual(torch.tensor(X0), torch.tensor(TX))
        y = tfwAD.make_dual(torch.tensor(Y0), torch.tensor(TY))
        theirs = tfwAD.unpack_dual(f(torch, x, y))
    with fwAD.dual_level():
        x, y = fwAD.make_dual(ag.tensor(X0), ag.tensor(TX)), fwAD.make_dual(ag.tensor(Y0), ag.tensor(TY))
        ours = fwAD.unpack_dual(f(ag, x, y))
    np.testing.assert_allclose(ours.primal.data, theirs.primal.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.tangent.data, theirs.tangent.numpy(), rtol=1e-12)
    assert ours._fields == theirs._fields == ("primal", "tangent")


def test_a_constant_and_a_plain_value_have_no_tangent_and_tangents_end_with_the_level():
    outside = ag.tensor(X0)
    assert fwAD.unpack_dual(outside) == (outside, None)  # no level: the tensor itself, tangent None
    with fwAD.dual_level() as level:
        assert level == 0
        base = ag.tensor(X0)
        x = fwAD.make_dual(base, ag.tensor(TX))
        assert x is not base and fwAD.unpack_dual(base).tangent is None  # the tangent is on the new alias only
        assert np.shares_memory(x.data, base.data)
        c = ag.tensor(Y0) * 2  # does not depend on a dual
        assert fwAD.unpack_dual(c).tangent is None
        y = x * 3
        primal, tangent = fwAD.unpack_dual(y)
        assert fwAD.unpack_dual(primal).tangent is None  # the primal is y without its tangent
        assert fwAD.unpack_dual(y).tangent.data is tangent.data  # unpacked once, not recomputed
        np.testing.assert_array_equal(tangent.data, 3 * TX)
    assert fwAD.unpack_dual(y).tangent is None  # tangents vanish when the level exits
    assert TRACERS.get() == ()  # and nothing watches operations any more: forward AD costs nothing unused


def test_decorator_and_enter_exit():
    @fwAD.dual_level()
    def tangent_of_square(p, t):
        return fwAD.unpack_dual(fwAD.make_dual(p, t) ** 2).tangent

    np.testing.assert_allclose(tangent_of_square(ag.tensor(Y0), ag.tensor(TY)).data, 2 * Y0 * TY, rtol=1e-15)
    level = fwAD.enter_dual_level()
    try:
        x = fwAD.make_dual(ag.tensor(Y0), ag.tensor(TY), level=level)
        np.testing.assert_allclose(fwAD.unpack_dual(x.exp(), level=level).tangent.data, np.exp(Y0) * TY)
    finally:
        fwAD.exit_dual_level(level=level)
    assert TRACERS.get() == ()


def test_errors():
    p = ag.tensor(Y0)
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(p, ag.tensor(TY))
    with pytest.raises(RuntimeError, match="no forward AD level"):
        fwAD.exit_dual_level()
    with pytest.raises(ZeroDivisionError):  # an exception inside the block still closes the level
        with fwAD.dual_level():
            raise ZeroDivisionError
    assert TRACERS.get() == ()
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="shape"):
            fwAD.make_dual(p, ag.tensor(X0))
        with pytest.raises(ValueError, match="primal to be floating point"):
            fwAD.make_dual(ag.tensor([1, 2, 3]), ag.tensor(TY))
        with pytest.raises(ValueError, match="tangent to be floating point"):
            fwAD.make_dual(p, np.array([1, 2, 3]))
        x = fwAD.make_dual(p, ag.tensor(TY))
        with pytest.raises(RuntimeError, match="already has a forward gradient"):
            fwAD.make_dual(x, ag.tensor(TY))
        with pytest.raises(RuntimeError, match="Nested"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="level 1"):
            fwAD.exit_dual_level(level=1)


def test_tangents_under_no_grad_in_place_changes_and_dtype():
    with fwAD.dual_level():
        t32 = TY.astype(np.float32)
        x = fwAD.make_dual(ag.tensor(Y0), t32)  # converted to x's dtype
        assert fwAD.unpack_dual(x).tangent.dtype == np.float64
        with ag.no_grad():  # as in PyTorch, grad mode does not switch forward AD off
            y = x.sin()
        z = x.clone()
        z.mul_(2)  # an in-place change carries its tangent too
        np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.data, np.cos(Y0) * t32, rtol=1e-15)
        np.testing.assert_allclose(fwAD.unpack_dual(z).tangent.data, 2 * t32, rtol=1e-15)


def test_module_input_tangent():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).to(ag.float64)
    x, t = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    with fwAD.dual_level():
        out = model(fwAD.make_dual(ag.tensor(x), ag.tensor(t)))
        tangent = fwAD.unpack_dual(out).tangent
    with ag.no_grad():
        expected = central(lambda a: model(ag.tensor(a)).data, (x,), (t,))
    np.testing.assert_allclose(tangent.data, expected, rtol=1e-6, atol=1e-9)


def test_module_parameter_tangents_both_ways_of_the_tutorial():
    """PyTorch's tutorial: replace the parameters by dual tensors (delattr/setattr), or pass dual parameters to
    functional_call. Both give J·t with respect to the parameters, and the model is left as it was."""
    ag.manual_seed(1)
    model = nn.Linear(3, 2).to(ag.float64)
    x = ag.tensor(RNG.standard_normal((4, 3)))
    params = dict(model.named_parameters())
    tangents = {name: ag.tensor(RNG.standard_normal(p.shape)) for name, p in params.items()}
    expected = x.data @ tangents["weight"].data.T + tangents["bias"].data
    with fwAD.dual_level():
        dual = {name: fwAD.make_dual(p, tangents[name]) for name, p in params.items()}
        by_call = fwAD.unpack_dual(ag.func.functional_call(model, dual, (x,))).tangent
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwAD.make_dual(p, tangents[name]))
        by_setattr = fwAD.unpack_dual(model(x)).tangent
    np.testing.assert_allclose(by_call.data, expected, rtol=1e-13)
    np.testing.assert_allclose(by_setattr.data, expected, rtol=1e-13)


def test_function_with_jvp():
    class Exp(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.result = x.exp()
            return ctx.result

        @staticmethod
        def backward(ctx, g):
            return g * ctx.result

        @staticmethod
        def jvp(ctx, t):
            return t * ctx.result

    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(Exp.apply(fwAD.make_dual(ag.tensor(Y0), ag.tensor(TY))) * 2).tangent
    np.testing.assert_allclose(tangent.data, 2 * np.exp(Y0) * TY, rtol=1e-15)


def loss(lib, x):
    return (lib.tanh(x) ** 2).sum() + (x[0] * x[1] * x[2])


def hvp_forward_over_reverse(p, v, create_graph):
    with fwAD.dual_level():
        x = fwAD.make_dual(p, v)
        (g,) = ag.autograd.grad(loss(ag, x), x, create_graph=create_graph)
        return fwAD.unpack_dual(g)


def test_hessian_vector_products_forward_over_reverse_and_reverse_over_forward():
    v = ag.tensor(TY)
    expected = ag.autograd.functional.hvp(lambda a: loss(ag, a), ag.tensor(Y0), v)[1].data
    for create_graph in (False, True):
        p = ag.tensor(Y0, requires_grad=True)
        g, hv = hvp_forward_over_reverse(p, v, create_graph)
        np.testing.assert_allclose(g.data, ag.autograd.grad(loss(ag, p), p)[0], rtol=1e-14)
        np.testing.assert_allclose(hv.data, expected, rtol=1e-12)
        assert g.requires_grad == hv.requires_grad == create_graph  # without create_graph: no graph, as PyTorch's
    p = ag.tensor(Y0, requires_grad=True)
    with fwAD.dual_level():  # reverse over forward: the tangent (a directional derivative) is differentiable
        directional = fwAD.unpack_dual(loss(ag, fwAD.make_dual(p, v))).tangent
        directional.backward()
    np.testing.assert_allclose(p.grad, expected, rtol=1e-12)


def test_differentiable_tangent_passes_gradcheck():
    def directional_derivative(x):
        with fwAD.dual_level():
            return fwAD.unpack_dual(f(ag, fwAD.make_dual(x, ag.tensor(TX)), ag.tensor(Y0))).tangent

    assert ag.gradcheck(directional_derivative, [X0])


def test_hessian_vector_product_against_torch():
    torch = pytest.importorskip("torch")
    import torch.autograd.forward_ad as tfwAD

    p = torch.tensor(Y0, requires_grad=True)
    with tfwAD.dual_level():
        x = tfwAD.make_dual(p, torch.tensor(TY))
        (g,) = torch.autograd.grad(loss(torch, x), x, retain_graph=True)
        theirs = tfwAD.unpack_dual(g).tangent.numpy()
        tfwAD.unpack_dual(loss(torch, x)).tangent.backward()
    ours = hvp_forward_over_reverse(ag.tensor(Y0, requires_grad=True), ag.tensor(TY), False).tangent.data
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ours, p.grad.numpy(), rtol=1e-12)
