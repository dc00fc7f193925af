"""PyTorch's other activations (nn/activation_extra.py): values and gradients against torch in float64, at the kinks
too (where PyTorch's one-sided choices are the specification), finite differences, modules, reprs, errors."""

import warnings

import numpy as np
import pytest

import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck, gradgradcheck

# Every kink of every function below sits on this grid: 0, ±0.5 (shrink), ±1 (hardtanh), ±3 (hard*), 6 (relu6).
KINKS = np.array([-7.0, -6.0, -3.0, -2.9, -1.0, -0.7, -0.5, -0.2, 0.0, 0.2, 0.5, 0.7, 1.0, 2.5, 3.0, 3.2, 6.0, 8.0])
SMOOTH = np.array([[-2.3, -1.3, -0.6, -0.27], [0.11, 0.62, 1.7, 2.2]])  # away from every kink

# (module name, module args, functional name, functional kwargs, relative tolerance against torch)
CASES = [
    ("Hardtanh", {}, "hardtanh", {}, 0),
    ("Hardtanh", dict(min_val=-0.5, max_val=2.5), "hardtanh", dict(min_val=-0.5, max_val=2.5), 0),
    ("ReLU6", {}, "relu6", {}, 0),
    ("SELU", {}, "selu", {}, 1e-13),
    ("CELU", {}, "celu", {}, 1e-13),
    ("CELU", dict(alpha=0.5), "celu", dict(alpha=0.5), 1e-13),
    ("Mish", {}, "mish", {}, 1e-13),
    ("Softsign", {}, "softsign", {}, 1e-13),
    ("Hardswish", {}, "hardswish", {}, 1e-13),
    ("Hardsigmoid", {}, "hardsigmoid", {}, 1e-7),  # PyTorch's gradient is 1/6 rounded to float32
    ("LogSigmoid", {}, "logsigmoid", {}, 1e-13),
    ("Tanhshrink", {}, "tanhshrink", {}, 1e-13),
    ("Softshrink", {}, "softshrink", {}, 0),
    ("Softshrink", dict(lambd=1.0), "softshrink", dict(lambd=1.0), 0),
    ("Hardshrink", {}, "hardshrink", {}, 0),
    ("Hardshrink", dict(lambd=1.0), "hardshrink", dict(lambd=1.0), 0),
    ("Threshold", dict(threshold=0.5, value=-2.0), "threshold", dict(threshold=0.5, value=-2.0), 0),
]
IDS = [f"{c[0]}{c[1] or ''}" for c in CASES]


def _compare(ours, theirs, x, rtol):
    """Values and input gradients of sum(out·w) for ours(Value(x)) and theirs(tensor(x))."""
    torch = pytest.importorskip("torch")
    v, t = Value(x.copy()), torch.tensor(x, requires_grad=True)
    out, tout = ours(v), theirs(t)
    atol = 1e-15 if rtol else 0.0  # exact for the piecewise-linear ones
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(3).uniform(0.5, 1.5, size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_activation_matches_torch_at_kinks_and_beyond(case):
    torch = pytest.importorskip("torch")
    name, kw, fname, fkw, rtol = case
    x = np.concatenate([KINKS, [-40.0, 40.0, 1e-3]]).reshape(3, 7)  # and saturation
    _compare(getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw), x, rtol)
    _compare(lambda v: getattr(F, fname)(v, **fkw), lambda t: getattr(torch.nn.functional, fname)(t, **fkw), x, rtol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_activation_gradients_by_finite_differences(case):
    _, _, fname, fkw, _ = case
    fn = getattr(F, fname)
    gradcheck(lambda v: fn(v, **fkw), [SMOOTH])
    gradgradcheck(lambda v: fn(v, **fkw), [SMOOTH])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_activation_module_repr_matches_torch(case):
    torch = pytest.importorskip("torch")
    name, kw = case[0], case[1]
    assert repr(getattr(nn, name)(**kw)) == repr(getattr(torch.nn, name)(**kw))


def test_activations_keep_float32_and_accept_arrays():
    x32 = Value(SMOOTH.astype(np.float32))
    for _, _, fname, fkw, _ in CASES:
        assert getattr(F, fname)(x32, **fkw).dtype == np.float32, fname
        np.testing.assert_allclose(getattr(F, fname)(SMOOTH, **fkw), getattr(F, fname)(Value(SMOOTH), **fkw).data)


def test_inplace_changes_the_input_and_returns_it():
    torch = pytest.importorskip("torch")
    for name in ("Hardtanh", "ReLU6", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid"):
        x = Value(np.array([-1.0, 2.0])) * 1.0  # (a leaf that requires grad may not change in place, as in PyTorch)
        module = getattr(nn, name)(inplace=True)
        assert module(x) is x and x.data.tolist() != [-1.0, 2.0]
        assert repr(module) == repr(getattr(torch.nn, name)(inplace=True))
    x = Value(np.array([-1.0, 2.0]), requires_grad=False)
    assert F.threshold(x, 0.0, 5.0, inplace=True) is x and x.data.tolist() == [5.0, 2.0]


# ----------------------------------------------------------------------------------------------------
# PReLU: a learned slope.


@pytest.mark.parametrize("shape,num_parameters", [((2, 3, 4), 1), ((2, 3, 4), 3), ((2, 3), 3), ((5,), 1),
                                                  ((2, 3, 2, 2), 3)])
def test_prelu_values_and_gradients_match_torch(shape, num_parameters):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=shape)
    x.flat[0] = 0.0  # x = 0 takes the slope (PyTorch: x > 0 is the identity piece)
    ours = nn.PReLU(num_parameters, init=0.3, dtype=np.float64)
    theirs = torch.nn.PReLU(num_parameters, init=0.3).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(np.linspace(0.1, 0.4, num_parameters)))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    v, t = Value(x.copy()), torch.tensor(x, requires_grad=True)
    out, tout = ours(v), theirs(t)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-15)
    w = np.random.default_rng(2).normal(size=shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-13)


def test_prelu_parameters_init_state_dict_and_gradcheck():
    x = np.random.default_rng(0).normal(size=(2, 4, 3)) + 0.05
    gradcheck(F.prelu, [x, np.array([0.2, -0.1, 0.3, 0.5])])  # first: they run without torch too
    gradgradcheck(F.prelu, [x, np.array([0.25])])
    torch = pytest.importorskip("torch")
    ours, theirs = nn.PReLU(4, init=0.1), torch.nn.PReLU(4, init=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert ours.weight.dtype == np.float32 and ours.weight.shape == (4,)
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    assert repr(ours).startswith(repr(theirs))


def test_prelu_rejects_a_weight_that_fits_no_channel_count():
    with pytest.raises(ValueError, match="3 parameters and the input has 4 channels"):
        F.prelu(Value(np.ones((2, 4))), Value(np.ones(3)))
    with pytest.raises(ValueError, match="num_parameters"):
        nn.PReLU(0)


# ----------------------------------------------------------------------------------------------------
# Softmin and GLU: along a dimension.


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin_and_glu_match_torch(dim):
    x = np.random.default_rng(4).normal(size=(4, 6))
    gradcheck(lambda v: F.glu(v, dim), [x])  # first: they run without torch too
    gradcheck(lambda v: F.softmin(v, dim), [x])
    torch = pytest.importorskip("torch")
    _compare(nn.Softmin(dim), torch.nn.Softmin(dim), x, 1e-14)
    _compare(nn.GLU(dim), torch.nn.GLU(dim), x, 1e-14)
    assert repr(nn.GLU(dim)) == repr(torch.nn.GLU(dim)) and repr(nn.Softmin(dim)) == repr(torch.nn.Softmin(dim))


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)])
def test_softmin_without_dim_picks_pytorchs_dimension_and_warns(shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).normal(size=shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        ours = F.softmin(Value(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.softmin(torch.tensor(x))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-14)


def test_glu_rejects_an_odd_dimension_and_a_scalar():
    with pytest.raises(ValueError, match="dimension 1 is size 3"):
        F.glu(Value(np.ones((2, 3))), dim=1)
    with pytest.raises(ValueError, match="scalars"):
        F.glu(Value(1.0))
    with pytest.raises(IndexError, match="out of range"):
        F.glu(Value(np.ones((2, 4))), dim=2)


def test_bad_arguments_raise_like_torch():
    with pytest.raises(ValueError, match="lambd must be greater or equal to 0"):
        F.softshrink(Value(np.ones(2)), -0.1)
    with pytest.raises(ValueError, match="lambd"):
        nn.Hardshrink(-1.0)
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        F.celu(Value(np.ones(2)), alpha=0.0)


def test_selu_keeps_unit_variance_roughly():
    # the fixed point SELU is built for: N(0, 1) in, mean ≈ 0 and variance ≈ 1 out
    x = np.random.default_rng(0).normal(size=200_000)
    y = F.selu(Value(x)).data
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.01
