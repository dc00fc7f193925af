"""Values, first derivatives and second derivatives (Hessian-vector products) of every op-table case,
against HIPS autograd and PyTorch in float64, to 1e-10 relative.

For a case f(x₁, …, xₙ), with fixed random weights w and directions u₁ … uₙ:
    value  f(x)
    grads  ∂L/∂xᵢ           where L = Σ w ⊙ f(x)
    hvps   ∂S/∂xⱼ           where S = Σᵢ Σ uᵢ ⊙ ∂L/∂xᵢ   (second derivatives along u)
"""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from test_ops_backends import OURS, backend
from test_ops_table import CASES

import autograd_core as ag
from autograd_core import Value, engine
from autograd_core.ops import PRIMITIVES

RTOL, ATOL = 1e-10, 1e-12


def _weights(case):
    rng = np.random.default_rng(len(case.label))
    with engine.no_grad():
        shape = case.fn(OURS, *[Value(x) for x in case.inputs]).shape
    return rng.standard_normal(shape), [rng.standard_normal(x.shape) for x in case.inputs]


def _data(g, like):
    return np.zeros_like(like) if g is None else np.asarray(g.data if isinstance(g, Value) else g)


def derivatives_ours(case, w, us):
    xs = [Value(x) for x in case.inputs]
    out = case.fn(OURS, *xs)
    loss = (out * w).sum()
    grads = engine.grad(loss, xs, create_graph=True, allow_unused=True)
    terms = [(g * u).sum() for g, u in zip(grads, us) if isinstance(g, Value) and g.requires_grad]
    hvps = [None] * len(xs)
    if terms:
        hvps = engine.grad(sum(terms[1:], terms[0]), xs, allow_unused=True)
    return out.data, [_data(g, x) for g, x in zip(grads, case.inputs)], [_data(h, x) for h, x in zip(hvps, case.inputs)]


def derivatives_hips(case, w, us):
    import autograd
    import autograd.numpy as anp

    B = backend("autograd")
    n = len(case.inputs)

    def loss(*xs):
        return anp.sum(case.fn(B, *xs) * w)

    def grad_dot_u(*xs):
        return sum(anp.sum(autograd.grad(loss, i)(*xs) * u) for i, u in enumerate(us))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "output seems independent of input" for linear ops
        value = case.fn(B, *case.inputs)
        grads = [autograd.grad(loss, i)(*case.inputs) for i in range(n)]
        hvps = [autograd.grad(grad_dot_u, i)(*case.inputs) for i in range(n)]
    return value, grads, hvps


def derivatives_torch(case, w, us):
    B = backend("torch")  # skips the test when PyTorch is not installed
    import torch

    xs = [torch.tensor(x, requires_grad=True) for x in case.inputs]
    out = case.fn(B, *xs)
    loss = (out * torch.as_tensor(w)).sum()
    grads = torch.autograd.grad(loss, xs, create_graph=True, allow_unused=True)
    terms = [(g * torch.as_tensor(u)).sum() for g, u in zip(grads, us) if g is not None and g.requires_grad]
    hvps = [None] * len(xs)
    if terms:
        hvps = torch.autograd.grad(sum(terms), xs, allow_unused=True)

    def arr(t, like):
        return np.zeros_like(like) if t is None else t.detach().numpy(force=True)

    return (out.detach().numpy(force=True), [arr(g, x) for g, x in zip(grads, case.inputs)],
            [arr(h, x) for h, x in zip(hvps, case.inputs)])


REFERENCES = {"autograd": derivatives_hips, "torch": derivatives_torch}
PAIRS = [(c, ref) for c in CASES for ref in c.refs]


@pytest.mark.parametrize("case, ref", PAIRS, ids=[f"{c.label}-vs-{ref}" for c, ref in PAIRS])
def test_matches_reference(case, ref):
    w, us = _weights(case)
    ours = derivatives_ours(case, w, us)
    theirs = REFERENCES[ref](case, w, us)
    if ref == "torch" and PRIMITIVES[case.prim].module == "autograd_core.ops.sparse":
        # PyTorch's sparse rules are not differentiable again (the gradient of sparse_coo_tensor's values has no
        # grad_fn): its hvps come back 0. Ours are checked against finite differences in test_ops_grad.py.
        ours, theirs = ours[:2], theirs[:2]
    for what, a, b in zip(("value", "grad", "hvp"), ours, theirs):
        for i, (x, y) in enumerate(zip(*((a, b) if what != "value" else ([a], [b])))):
            np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=f"{what} {i} of {case.label} vs {ref}")
            assert np.shape(x) == np.shape(y), f"{what} {i}: shape {np.shape(x)} vs {np.shape(y)}"


# ----------------------------------------------------------------------------------------------------
# The README example (micrograd's expression at a = -4, b = 2): value, gradient and Hessian.


def readme_expression(B, a, b):
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + B.relu(b + a)
    d = d + 3 * d + B.relu(b - a)
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def test_readme_example_values():
    a, b = Value(-4.0), Value(2.0)
    g = readme_expression(OURS, a, b)
    g.backward()
    assert f"{g.data:.4f} {a.grad:.4f} {b.grad:.4f}" == "24.7041 138.8338 645.5773"


@pytest.mark.parametrize("ref", ["autograd", "torch"])
def test_readme_example_matches_reference(ref):
    hessian_ours = np.asarray(ag.hessian(lambda ab: readme_expression(OURS, ab[0], ab[1]))(np.array([-4.0, 2.0])))
    a, b = Value(-4.0), Value(2.0)
    g = readme_expression(OURS, a, b)
    g.backward()
    B = backend(ref)  # skips the test when the reference is not installed
    if ref == "autograd":
        import autograd

        def fn(ab):
            return readme_expression(B, ab[0], ab[1])

        ab = np.array([-4.0, 2.0])
        value, grad, hess = fn(ab), autograd.grad(fn)(ab), autograd.hessian(fn)(ab)
    else:
        import torch

        def fn(ab):
            return readme_expression(B, ab[0], ab[1])

        ab = torch.tensor([-4.0, 2.0], dtype=torch.float64, requires_grad=True)
        out = fn(ab)
        value, grad = out.item(), torch.autograd.grad(out, ab)[0].numpy()
        hess = torch.autograd.functional.hessian(fn, ab.detach()).numpy()
    np.testing.assert_allclose(g.data, value, rtol=RTOL)
    np.testing.assert_allclose([a.grad, b.grad], grad, rtol=RTOL)
    np.testing.assert_allclose(hessian_ours, hess, rtol=RTOL)


# ----------------------------------------------------------------------------------------------------
# The softmax family at ±1000: no overflow, no nan, the right values and derivatives.

HUGE = [np.array([1000.0, -1000.0, 999.0, 0.0]),
        np.array([[1000.0, 1000.0, 1000.0], [-1000.0, -1000.0, -999.0]]),
        np.array([-1000.0, -1000.0])]
STABLE = [("softmax", {"axis": -1}), ("log_softmax", {"axis": -1}), ("logsumexp", {"axis": -1}),
          ("logsumexp", {"axis": None}), ("softmax", {"axis": 0})]


@pytest.mark.parametrize("ref", ["autograd", "torch"])
@pytest.mark.parametrize("x", HUGE, ids=["mixed", "rows", "all_-1000"])
@pytest.mark.parametrize("name, kw", STABLE, ids=[f"{n}-axis{kw['axis']}" for n, kw in STABLE])
def test_softmax_family_is_stable_at_1000(name, kw, x, ref):
    case_fn = lambda B, v: getattr(B, name)(v, **kw)  # noqa: E731
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        xs = Value(x)
        out = case_fn(OURS, xs)
        w = np.linspace(-1, 1, out.size).reshape(out.shape)
        (out * w).sum().backward()
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(xs.grad))
    case = SimpleNamespace(fn=case_fn, inputs=(x,), label=name)
    value, grads, _ = REFERENCES[ref](case, w, [np.zeros_like(x)])
    np.testing.assert_allclose(out.data, value, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(xs.grad, grads[0], rtol=RTOL, atol=ATOL)
