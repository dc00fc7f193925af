"""GELU (both forms), SiLU, Mish and Hardswish as primitives with PyTorch's backward formulas, and the activations
that stay compositions, against PyTorch in float64: values, gradients for finite, infinite and NaN incoming
gradients, second derivatives (create_graph), forward mode, float32; and against finite differences.

As compositions, an infinite incoming gradient reached x along two paths whose terms cancel (∞ − ∞ = NaN) where
PyTorch's one product gives ±inf. The primitives' rules read Φ(x), σ(x) or tanh(softplus(x)) back from the output
on arrays (out/x), and compose primitives on Values: both paths are checked against each other near 0 too.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn as nn
import autograd_core.nn.functional as AF
from autograd_core.gradcheck import gradcheck, gradgradcheck

N, I = float("nan"), float("inf")

# NumPy warns on ∞·0 and 0/0 (the library silences its own warnings outside pytest); the numbers are compared.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# PyTorch's expressions, each also run on this library (F is either library's functional module).
PRIMITIVES = ['F.gelu(x)', 'F.gelu(x, approximate="tanh")', "F.silu(x)", "F.mish(x)", "F.hardswish(x)"]
COMPOSITES = ["F.softplus(x)", "F.softplus(x, 2.0, 1.0)", "F.elu(x)", "F.celu(x, 0.5)", "F.selu(x)",
              "F.logsigmoid(x)", "F.softsign(x)", "F.tanhshrink(x)", "F.hardsigmoid(x)", "F.hardtanh(x)",
              "F.relu6(x)", "F.softshrink(x)", "F.hardshrink(x)", "F.leaky_relu(x, 0.1)", "F.sigmoid(x)",
              "F.tanh(x)", "F.rrelu(x, training=False)",
              "F.prelu(x, t.tensor([0.25], dtype=t.float64))"]

# Kinks, ±0, tiny and subnormal numbers (out/x there), gelu's minimum, far tails (underflow, exp overflow), ±inf, NaN.
XS = [-I, -800.0, -100.0, -20.0, -6.0, -3.0, -2.0, -1.0, -0.7517916, -0.5, -1e-12, -1e-25, -0.0, 0.0, 5e-324,
      1e-25, 1e-12, 0.5, 1.0, 2.0, 3.0, 6.0, 20.0, 100.0, 800.0, I, N]
FINITE = [x for x in XS if np.isfinite(x) and abs(x) < 50]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _library(t):
    if t is ag:
        return AF
    import torch.nn.functional as TF

    return TF


def _run(t, expression, xs, g, create_graph=False):
    x = t.tensor(xs, dtype=t.float64, requires_grad=True)
    out = eval(expression, {"F": _library(t), "x": x, "t": t})  # test-authored expressions only
    (gx,) = t.autograd.grad(out, x, grad_outputs=t.full(tuple(out.shape), g, dtype=t.float64),
                            create_graph=create_graph)
    return x, out, gx


def _numbers(v):
    return np.asarray(v.detach().tolist() if hasattr(v, "detach") else v.data, dtype=float)


def _close(ours, theirs, rtol=1e-10, atol=1e-14):
    np.testing.assert_allclose(_numbers(ours), _numbers(theirs), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("expression", PRIMITIVES + COMPOSITES)
@pytest.mark.parametrize("g", [1.0, I, -I, N, 0.0])
def test_values_and_gradients_match_pytorch(expression, g, torch):
    _, ours, gours = _run(ag, expression, XS, g)
    _, theirs, gtheirs = _run(torch, expression, XS, g)
    _close(ours, theirs)
    # PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32
    _close(gours, gtheirs, rtol=1e-7 if "hardsigmoid" in expression else 1e-10)


@pytest.mark.parametrize("expression", PRIMITIVES)
def test_infinite_incoming_gradient_gives_infinities_not_nan(expression):
    # Checked without PyTorch: the sign of the derivative, times inf (NaN only where PyTorch's formula is NaN).
    x, _, gx = _run(ag, expression, [-2.0, -0.5, 0.0, 1.0], I)
    assert np.all(np.isinf(gx.data)), gx.data


@pytest.mark.parametrize("expression", PRIMITIVES + COMPOSITES)
def test_second_derivatives_match_pytorch(expression, torch):
    # Off the kinks of the piecewise ones, and off softplus's threshold 20, where PyTorch's first derivative is the
    # smooth σ(20) but its second is 0 (it tests x < threshold there, x > threshold in the forward pass).
    xs = [x for x in FINITE if abs(x) not in (0.5, 1.0, 3.0, 6.0, 20.0) and x != 0]
    w = np.linspace(0.5, 2.0, len(xs))  # a cotangent that tells the elements apart
    if "hardsigmoid" in expression:  # a documented difference: PyTorch raises, ours is the derivative 0
        x, out, gx = _run(ag, expression, xs, 1.0, create_graph=True)
        (h,) = ag.autograd.grad((gx * ag.tensor(w)).sum(), x, allow_unused=True)
        assert h is None or not np.any(np.asarray(h)), h
        x, out, gx = _run(torch, expression, xs, 1.0, create_graph=True)
        with pytest.raises(RuntimeError):
            torch.autograd.grad((gx * torch.tensor(w)).sum(), x, allow_unused=True)
        return
    results = []
    for t in (ag, torch):
        x, out, gx = _run(t, expression, xs, 1.0, create_graph=True)
        (h,) = t.autograd.grad((gx * t.tensor(w)).sum(), x, allow_unused=True)
        results.append(np.zeros(len(xs)) if h is None else h)
    _close(*results, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("expression", PRIMITIVES)
def test_array_rule_agrees_with_the_value_rule(expression):
    # backward() runs the rule on arrays (out/x), create_graph on Values (erf, sigmoid, tanh): the same numbers,
    # near 0 and at subnormal x too, where out/x is replaced by its limit.
    xs = [-5.0, -0.7, -1e-10, -1e-21, -0.0, 0.0, 5e-324, 1e-19, 1e-7, 0.3, 4.0, 30.0]
    _, _, plain = _run(ag, expression, xs, 1.0)
    _, _, recorded = _run(ag, expression, xs, 1.0, create_graph=True)
    _close(plain, recorded, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("expression", PRIMITIVES)
def test_against_finite_differences(expression):
    xs = np.array([-4.0, -2.5, -0.75, -0.2, 0.1, 0.9, 2.2, 3.7])  # off hardswish's kinks at ±3
    fn = lambda x: eval(expression, {"F": AF, "x": x, "t": ag})  # noqa: E731
    assert gradcheck(fn, [xs], atol=1e-8, rtol=1e-6)
    assert gradgradcheck(fn, [xs], atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("expression", PRIMITIVES)
def test_jvp_matches_pytorch(expression, torch):
    import torch.nn.functional as TF

    xs = np.array([x for x in XS if x != 5e-324])
    ts = np.linspace(-2.0, 2.0, len(xs))
    _, ours = ag.func.jvp(lambda x: eval(expression, {"F": AF, "x": x, "t": ag}), (xs,), (ts,))
    _, theirs = torch.func.jvp(lambda x: eval(expression, {"F": TF, "x": x, "t": torch}), (torch.tensor(xs),),
                               (torch.tensor(ts),))
    _close(ours, theirs)


@pytest.mark.parametrize("expression", PRIMITIVES)
def test_float32(expression, torch):
    # float32 in, float32 out, to float32's precision of the exact numbers (PyTorch's float64 ones), but where
    # 1 + erf(x/√2) or 1 + tanh(u) cancels in float32, as in PyTorch's float32 (4e-5 and 1e-5 at x = −3).
    xs = np.array([-9.0, -3.0, -0.75, -1e-30, 0.0, 0.5, 2.9, 3.0, 12.0, 100.0, -I, I], np.float32)
    results = []
    for t, dtype in ((ag, np.float32), (torch, torch.float64)):
        x = t.tensor(xs, dtype=dtype, requires_grad=True)
        out = eval(expression, {"F": _library(t), "x": x, "t": t})
        out.backward(t.full(tuple(out.shape), 3.0, dtype=dtype))
        results.append((out, x.grad))
    for ours, theirs in zip(*results):
        assert str(ours.dtype).endswith("float32")
        rtol = 1e-4 if "gelu" in expression else 1e-6
        np.testing.assert_allclose(_numbers(ours), _numbers(theirs), rtol=rtol, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("module, fn", [(nn.GELU(), AF.gelu), (nn.GELU("tanh"), lambda x: AF.gelu(x, "tanh")),
                                        (nn.SiLU(), AF.silu), (nn.Mish(), AF.mish), (nn.Hardswish(), AF.hardswish)])
def test_modules_are_one_node(module, fn):
    x = ag.tensor(np.linspace(-4.0, 4.0, 7), requires_grad=True)
    out = module(x)
    assert out._op is fn(x)._op and out._op.name in ("gelu", "gelu_tanh", "silu", "mish", "hardswish")
    np.testing.assert_array_equal(out.data, fn(x).data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elu_gradient_far_left_is_alpha_exp_x(dtype):
    # alpha·eˣ, as PyTorch's elu_backward; out + alpha (the former rule) cancels to 0 (float32: from x ≈ −17) and
    # loses digits before (6e-4 relative at x = −10 in float32).
    xs = np.array([-40.0, -17.0, -10.0, -5.0, -0.5], dtype)
    for fn, alpha in [(lambda x: AF.elu(x, alpha=0.7), 0.7), (AF.selu, 1.0507009873554805 * 1.6732632423543772)]:
        x = ag.tensor(xs, requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.dtype == dtype
        np.testing.assert_allclose(x.grad, alpha * np.exp(xs.astype(np.float64)), rtol=1e-6 if dtype == np.float32
                                   else 1e-14)
