"""RReLU / F.rrelu, FeatureAlphaDropout / F.feature_alpha_dropout, the in-place functional activations (F.relu_, ...),
F.pdist, CrossMapLRN2d and Container: against torch in float64 where the numbers are deterministic, by their defining
properties where they are random, finite differences and forward mode."""

import functools

import numpy as np
import nn_helpers
import pytest
from nn_helpers import assert_compiled_training_matches_eager, rand

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn, no_grad
from autograd_core.gradcheck import gradcheck

F64 = np.float64


against_torch = functools.partial(nn_helpers.against_torch, atol=1e-14, seed=5)


# ----------------------------------------------------------------------------------------------------
# RReLU


def test_rrelu_evaluation_matches_torch():
    torch = pytest.importorskip("torch")
    x = rand(3, 4)
    against_torch(lambda v: F.rrelu(v, 0.1, 0.3), lambda t: torch.nn.functional.rrelu(t, 0.1, 0.3), x)
    against_torch(nn.RReLU().eval(), torch.nn.RReLU().eval(), x)
    assert repr(nn.RReLU(0.1, 0.3)) == repr(torch.nn.RReLU(0.1, 0.3))


def test_rrelu_training_draws_a_slope_per_negative_element():
    x = rand(50, 40)
    v = Value(x.copy())
    y = nn.RReLU(0.1, 0.3, rng=0)(v)
    y.sum().backward()
    negative = x < 0
    slopes = y.data[negative] / x[negative]
    assert np.all((slopes >= 0.1) & (slopes <= 0.3)) and slopes.std() > 0.05  # random, within [lower, upper]
    np.testing.assert_array_equal(y.data[~negative], x[~negative])
    np.testing.assert_allclose(v.grad[negative], slopes, rtol=1e-12)         # the gradient is each element's slope
    np.testing.assert_array_equal(v.grad[~negative], 1.0)
    again = nn.RReLU(0.1, 0.3, rng=0)
    np.testing.assert_array_equal(again(x).data, y.data)                      # a seed makes it reproducible
    assert not np.array_equal(again(x).data, y.data)                          # and each call draws anew
    gradcheck(lambda v: F.rrelu(v, 0.1, 0.3), [rand(2, 3)])
    with pytest.raises(ValueError, match="lower"):
        nn.RReLU(0.5, 0.1)


def test_rrelu_in_a_compiled_step_draws_new_slopes_like_eager():
    def make():
        model = nn.Sequential(nn.Linear(3, 4, rng=0, dtype=F64), nn.RReLU(rng=1), nn.Linear(4, 1, rng=2, dtype=F64))
        return model, ag.optim.SGD(model.parameters(), lr=0.1)

    def step(model, opt, x):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    assert_compiled_training_matches_eager(make, step, [(rand(8, 3, seed=seed),) for seed in range(4)])


# ----------------------------------------------------------------------------------------------------
# FeatureAlphaDropout


def _alpha_constants(p):
    alpha = 1.7580993408473766
    a = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    return a, alpha * a * (p - 1), alpha * a * p  # scale, value of a dropped element, shift of a kept one


def _check_channel_mask(x, y, p):
    """y is feature alpha dropout of x: each (sample, channel) entirely kept (a·x + b) or dropped (constant)."""
    a, dropped, shift = _alpha_constants(p)
    kept = np.isclose(y, a * x + shift, rtol=1e-12, atol=1e-12)
    gone = np.isclose(y, dropped, rtol=1e-12, atol=1e-12)
    assert np.all(kept | gone)
    per_channel = kept.reshape(x.shape[0], x.shape[1], -1)
    assert np.all(per_channel.all(axis=2) | (~per_channel).all(axis=2))  # whole channels
    return per_channel[:, :, 0]


def test_feature_alpha_dropout_drops_whole_channels_as_torch():
    x, p = rand(6, 8, 3, 2), 0.4
    v = Value(x.copy())
    y = F.feature_alpha_dropout(v, p, training=True, rng=0)
    mask = _check_channel_mask(x, y.data, p)
    assert 0 < mask.sum() < mask.size
    y.sum().backward()
    a = _alpha_constants(p)[0]
    np.testing.assert_allclose(v.grad, np.broadcast_to((mask * a)[:, :, None, None], x.shape), rtol=1e-12)
    assert F.feature_alpha_dropout(v, p) is v  # PyTorch's default training=False
    module = nn.FeatureAlphaDropout(p, rng=0)
    _check_channel_mask(x, module(x).data, p)
    assert module.eval()(v) is v
    torch = pytest.importorskip("torch")
    ty = torch.nn.functional.feature_alpha_dropout(torch.tensor(x), p, training=True).numpy()
    _check_channel_mask(x, ty, p)  # the same formula and channel layout as torch
    np.testing.assert_array_equal(F.feature_alpha_dropout(v, 1.0, True).data,
                                  torch.nn.functional.feature_alpha_dropout(torch.tensor(x), 1.0, True).numpy())


# ----------------------------------------------------------------------------------------------------
# In-place functional activations


IN_PLACE = [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.8)), ("selu_", ()),
            ("celu_", (1.3,)), ("threshold_", (0.1, -2.0))]


@pytest.mark.parametrize("name,args", IN_PLACE, ids=[c[0] for c in IN_PLACE])
def test_in_place_activations_change_their_input_as_torch(name, args):
    x = rand(3, 4)
    out_of_place = getattr(F, name[:-1])(Value(x), *args).data
    v = Value(x.copy(), requires_grad=False)
    assert getattr(F, name)(v, *args) is v
    np.testing.assert_allclose(v.data, out_of_place, rtol=1e-15)
    array = x.copy()
    assert getattr(F, name)(array, *args) is array
    np.testing.assert_allclose(array, out_of_place, rtol=1e-15)
    leaf = Value(x.copy())
    with pytest.raises(RuntimeError, match=name):
        getattr(F, name)(leaf, *args)
    recorded = leaf * 1.0  # a Value in a graph: the change is recorded, as PyTorch's (test_inplace_activations.py)
    assert getattr(F, name)(recorded, *args) is recorded and recorded._version_count == 1
    with no_grad():  # a parameter update, as in PyTorch
        getattr(F, name)(leaf, *args)
    np.testing.assert_allclose(leaf.data, out_of_place, rtol=1e-15)
    # forward mode follows the change: the tangent of the result is the out-of-place function's
    tangent = rand(3, 4, seed=1)

    def changed(v):
        y = v * 1.0
        return getattr(F, name)(y, *args)

    primal = Value(x, requires_grad=False)
    _, ours = ag.jvp(changed, (primal,), (tangent,))
    _, expected = ag.jvp(lambda v: getattr(F, name[:-1])(v, *args), (primal,), (tangent,))
    np.testing.assert_allclose(ours.data if isinstance(ours, Value) else ours,
                               expected.data if isinstance(expected, Value) else expected, rtol=1e-14)
    torch = pytest.importorskip("torch")
    t = torch.tensor(x)
    getattr(torch.nn.functional, name)(t, *args)
    np.testing.assert_allclose(v.data, t.numpy(), rtol=1e-12)


def test_rrelu_in_place_in_evaluation_matches_torch():
    x = rand(3, 4)
    v = Value(x.copy(), requires_grad=False)
    F.rrelu_(v, 0.1, 0.3)
    torch = pytest.importorskip("torch")
    t = torch.tensor(x)
    torch.nn.functional.rrelu_(t, 0.1, 0.3)
    np.testing.assert_allclose(v.data, t.numpy(), rtol=1e-14)


# ----------------------------------------------------------------------------------------------------
# pdist


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, 1.5, float("inf")])
def test_pdist_matches_torch_with_equal_rows_and_coordinates(p):
    torch = pytest.importorskip("torch")
    x = rand(5, 3)
    x[1] = x[0]            # a zero distance: gradient 0
    x[3, 1] = x[2, 1]      # a zero coordinate difference
    against_torch(lambda v: F.pdist(v, p), lambda t: torch.nn.functional.pdist(t, p), x)


def test_pdist_count_finite_differences_forward_mode_and_errors():
    x = rand(4, 3)
    x[2, 0] = x[1, 0]
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(F.pdist(Value(x), 0).data, torch.nn.functional.pdist(torch.tensor(x), 0).numpy())
    for p in (2, 3):
        def fn(v, p=p):
            return F.pdist(v, p)

        gradcheck(fn, [rand(4, 3, seed=2)])
        np.testing.assert_allclose(ag.jacfwd(fn)(Value(x)), ag.jacrev(fn)(Value(x)), rtol=1e-12, atol=1e-13)
    with pytest.raises(RuntimeError, match="2D"):
        F.pdist(Value(rand(3)))
    with pytest.raises(RuntimeError, match="non-negative"):
        F.pdist(Value(x), -1)


# ----------------------------------------------------------------------------------------------------
# CrossMapLRN2d and Container


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 9])
def test_cross_map_lrn2d_forward_matches_torch(size):
    x = rand(2, 7, 3, 2)
    ours = nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
    gradcheck(ours, [x[:1, :, :2, :1]])
    torch = pytest.importorskip("torch")
    theirs = torch.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
    np.testing.assert_allclose(ours(Value(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-13)
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="4D"):
        ours(Value(rand(2, 3, 4)))


def test_container_is_a_deprecated_module():
    with pytest.warns(FutureWarning, match="deprecated"):
        box = nn.Container(fc=nn.Linear(2, 3), act=nn.ReLU())
    assert [name for name, _ in box.named_children()] == ["fc", "act"]
    assert [name for name, _ in box.named_parameters()] == ["fc.weight", "fc.bias"]
    torch = pytest.importorskip("torch")
    with pytest.warns(FutureWarning):
        theirs = torch.nn.Container(fc=torch.nn.Linear(2, 3), act=torch.nn.ReLU())
    assert list(theirs.state_dict()) == list(box.state_dict())
