"""The Optimizer machinery: validation errors, parameter groups, zero_grad, state dicts."""

import copy
import math
import pickle

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import optim
from autograd_core import Value

# One configuration per optimizer that creates every kind of state it has.
FULL_STATE = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.2)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("Adamax", dict(lr=0.05, weight_decay=0.01)),
]
FULL_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(FULL_STATE)]


def make_params(dtype=np.float64):
    return [Value(np.array([0.5, -1.5, 2.0], dtype)), Value(np.array([[1.0, -0.3], [0.2, 0.8]], dtype)),
            Value(np.dtype(dtype).type(-0.6))]


def loss_of(a, B, c):
    return (a * a).sum() + ag.sin(2 * a).sum() + (ag.tanh(B) * B).sum() + (c * c - 0.5) ** 2 + c * a.sum()


def train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss_of(*params).backward()
        opt.step()


# ----------------------------------------------------------------------------------------------------
# Hyper-parameter validation: a clear error that names the culprit.

BAD_HYPERPARAMETERS = [
    ("SGD", dict(lr=-0.1), ValueError, "lr"),
    ("SGD", dict(lr=math.nan), ValueError, "lr"),
    ("SGD", dict(lr="0.1"), TypeError, "lr"),
    ("SGD", dict(momentum=-0.5), ValueError, "momentum"),
    ("SGD", dict(weight_decay=-1e-4), ValueError, "weight_decay"),
    ("SGD", dict(nesterov=True), ValueError, "nesterov"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, "dampening"),
    ("RMSprop", dict(lr=-1.0), ValueError, "lr"),
    ("RMSprop", dict(alpha=-0.1), ValueError, "alpha"),
    ("RMSprop", dict(eps=-1e-8), ValueError, "eps"),
    ("RMSprop", dict(momentum=-0.9), ValueError, "momentum"),
    ("RMSprop", dict(weight_decay=-1.0), ValueError, "weight_decay"),
    ("Adagrad", dict(lr=-1.0), ValueError, "lr"),
    ("Adagrad", dict(lr_decay=-0.1), ValueError, "lr_decay"),
    ("Adagrad", dict(initial_accumulator_value=-0.1), ValueError, "initial_accumulator_value"),
    ("Adagrad", dict(eps=-1.0), ValueError, "eps"),
    ("Adagrad", dict(weight_decay=-1.0), ValueError, "weight_decay"),
    ("Adam", dict(lr=-1e-3), ValueError, "lr"),
    ("Adam", dict(betas=(1.0, 0.999)), ValueError, "betas[0]"),
    ("Adam", dict(betas=(0.9, -0.1)), ValueError, "betas[1]"),
    ("Adam", dict(betas=0.9), TypeError, "betas"),
    ("Adam", dict(eps=-1.0), ValueError, "eps"),
    ("Adam", dict(weight_decay=-0.1), ValueError, "weight_decay"),
    ("AdamW", dict(lr=-1e-3), ValueError, "lr"),
    ("AdamW", dict(weight_decay=-0.1), ValueError, "weight_decay"),
    ("Adamax", dict(lr=-1e-3), ValueError, "lr"),
    ("Adamax", dict(betas=(0.9, 1.5)), ValueError, "betas[1]"),
    ("Adamax", dict(eps=-1.0), ValueError, "eps"),
]


@pytest.mark.parametrize("name,kw,error,word", BAD_HYPERPARAMETERS,
                         ids=[f"{n}-{next(iter(kw))}-{i}" for i, (n, kw, _, _) in enumerate(BAD_HYPERPARAMETERS)])
def test_invalid_hyperparameter_raises_naming_it(name, kw, error, word):
    with pytest.raises(error, match=name) as info:
        getattr(optim, name)(make_params(), **kw)
    assert word in str(info.value)


def test_invalid_hyperparameter_in_a_param_group_raises():
    a, B, c = make_params()
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([{"params": [a]}, {"params": [B], "lr": -1.0}], lr=0.1)
    opt = optim.Adam([a], lr=0.1)
    with pytest.raises(ValueError, match="betas"):
        opt.add_param_group({"params": [B], "betas": (0.9, 1.0)})
    assert len(opt.param_groups) == 1


# ----------------------------------------------------------------------------------------------------
# Parameters and groups.


def test_params_errors():
    a, B, c = make_params()
    with pytest.raises(TypeError, match="single Value"):
        optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="not a Value"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="named_parameters"):
        optim.SGD([("weight", a)], lr=0.1)
    with pytest.raises(TypeError, match="set"):
        optim.SGD({a, B}, lr=0.1)
    with pytest.raises(ValueError, match="not a leaf"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        optim.SGD([a, B, a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a, B]}, {"params": [B, c]}], lr=0.1)
    with pytest.raises(ValueError, match="'params'"):
        optim.SGD([{"lr": 0.1}], lr=0.1)


def test_param_groups_take_defaults_and_overrides():
    a, B, c = make_params()
    opt = optim.SGD([{"params": [a, B], "momentum": 0.9}, {"params": c}], lr=0.1)
    g0, g1 = opt.param_groups
    assert g0["params"] == [a, B] and g1["params"] == [c]
    assert (g0["lr"], g0["momentum"], g1["lr"], g1["momentum"]) == (0.1, 0.9, 0.1, 0.0)
    assert set(g1) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach",
                       "differentiable", "fused"}  # PyTorch's keys, its implementation flags too


def test_add_param_group():
    a, B, c = make_params()
    opt = optim.Adam([a, B], lr=0.1)
    opt.add_param_group({"params": [c], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="dict"):
        opt.add_param_group([c])
    for p in (a, B, c):
        p.grad = np.ones_like(p.data)
    opt.step()
    assert set(opt.state) == {a, B, c}


def test_parameters_without_gradient_are_skipped_and_get_no_state():
    a, B, c = make_params()
    opt = optim.Adam([a, B, c], lr=0.1)
    a.grad = np.ones(3)
    opt.step()
    assert set(opt.state) == {a}
    np.testing.assert_array_equal(B.data, [[1.0, -0.3], [0.2, 0.8]])


def test_gradient_of_wrong_shape_raises():
    a, _, _ = make_params()
    with pytest.raises(RuntimeError, match=r"gradient of size '\[4\]' to a tensor of size '\[3\]'"):
        a.grad = np.ones(4)  # refused when assigned (PyTorch's words), before it could broadcast in a step
    assert a.grad is None
    a.grad = np.ones(3)
    a.grad.shape = (3, 1)  # reshaped in place: the step still checks
    with pytest.raises(ValueError, match=r"shape \(3, 1\).*expected \(3,\)"):
        optim.SGD([a], lr=0.1).step()


def test_zero_grad():
    a, B, c = make_params()
    opt = optim.SGD([a, B, c], lr=0.1)
    loss_of(a, B, c).backward()
    old = a.grad
    old_copy = old.copy()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad, np.zeros(3))
    np.testing.assert_array_equal(old, old_copy)  # a new zero array, the old one is untouched
    assert a.grad.dtype == np.float64 and B.grad.shape == (2, 2)
    assert type(c.grad) is np.float64 and c.grad == 0
    opt.zero_grad()
    assert a.grad is None and B.grad is None and c.grad is None
    opt.zero_grad(set_to_none=False)
    assert a.grad is None  # nothing to zero


def test_repr_lists_groups():
    a, B, _ = make_params()
    text = repr(optim.SGD([{"params": [a]}, {"params": [B], "lr": 0.5}], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 1" in text and "lr: 0.5" in text
    assert "momentum: 0.9" in text


# ----------------------------------------------------------------------------------------------------
# State dicts.


@pytest.mark.parametrize("config", FULL_STATE, ids=FULL_IDS)
def test_state_dict_round_trip_continues_identically(config):
    name, kw = config
    params = make_params()
    opt = getattr(optim, name)(params, **kw)
    train(opt, params, 7)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    saved_params = [copy.deepcopy(p.data) for p in params]
    train(opt, params, 8)  # uninterrupted

    resumed = [Value(d) for d in saved_params]
    opt2 = getattr(optim, name)(resumed, lr=123.0)  # hyper-parameters come from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    train(opt2, resumed, 8)
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.data, q.data)
    for p, q in zip(params, resumed):
        assert opt.state[p].keys() == opt2.state[q].keys()


@pytest.mark.parametrize("config", FULL_STATE, ids=FULL_IDS)
def test_state_dict_refers_to_the_state_and_deepcopy_is_a_snapshot(config):
    # PyTorch's: the "state" dicts are the optimizer's own (its arrays, changed by later steps); a deepcopy is not
    name, kw = config
    params = make_params()
    opt = getattr(optim, name)(params, **kw)
    train(opt, params, 3)
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    assert all(saved["state"][i] is opt.state[p] for i, p in enumerate(params) if p in opt.state)
    assert saved["param_groups"][0] is not opt.param_groups[0]  # a new dict of the hyper-parameters
    train(opt, params, 3)
    moved = 0
    for index, state in frozen["state"].items():
        for key, value in state.items():
            assert saved["state"][index][key] is opt.state[params[index]][key]
            moved += not np.array_equal(saved["state"][index][key], value)
    assert moved > 0


def test_state_dict_layout():
    a, B, c = make_params()
    opt = optim.Adam([{"params": [a, B]}, {"params": [c], "lr": 0.5}], lr=0.1)
    train(opt, [a, B, c], 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 1, 2}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][2]["step"] == 2


def test_load_state_dict_errors():
    a, B, c = make_params()
    opt = optim.Adam([a, B, c], lr=0.1)
    train(opt, [a, B, c], 2)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer has 2"):
        optim.Adam([{"params": [a, B]}, {"params": [c]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 3 parameters in the state dict and 2"):
        optim.Adam([a, B]).load_state_dict(sd)
    swapped = make_params()
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(3,\).*\(2, 2\)"):
        optim.Adam([swapped[1], swapped[0], swapped[2]]).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    bad = copy.deepcopy(sd)
    bad["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr"):
        opt.load_state_dict(bad)


def test_load_state_dict_casts_state_to_parameter_dtype():
    params = make_params()
    opt = optim.Adam(params, lr=0.1)
    train(opt, params, 3)
    params32 = make_params(np.float32)
    opt32 = optim.Adam(params32)
    opt32.load_state_dict(opt.state_dict())
    for p in params32:
        assert opt32.state[p]["exp_avg"].dtype == np.float32
    train(opt32, params32, 2)
    assert all(p.data.dtype == np.float32 for p in params32)


@pytest.mark.parametrize("config", FULL_STATE, ids=FULL_IDS)
def test_state_matches_torch_state(config):
    """The per-parameter state has PyTorch's names and, after 20 steps, PyTorch's values."""
    torch = pytest.importorskip("torch")
    name, kw = config
    params = make_params()
    opt = getattr(optim, name)(params, **kw)
    train(opt, params, 20)
    tparams = [torch.tensor(np.array(make_params()[i].data), requires_grad=True) for i in range(3)]
    topt = getattr(torch.optim, name)(tparams, **kw)
    for _ in range(20):
        topt.zero_grad()
        a, B, c = tparams
        ((a * a).sum() + torch.sin(2 * a).sum() + (torch.tanh(B) * B).sum() + (c * c - 0.5) ** 2
         + c * a.sum()).backward()
        topt.step()
    ours, theirs = opt.state_dict()["state"], topt.state_dict()["state"]
    assert ours.keys() == theirs.keys()
    for i in ours:
        assert ours[i].keys() == theirs[i].keys()
        for key, value in ours[i].items():
            np.testing.assert_allclose(value, np.asarray(theirs[i][key]), rtol=0, atol=1e-12)


def test_step_updates_parameter_arrays_in_place():
    # Like PyTorch: the parameter's array is updated where it lies (no new parameter-sized array per step),
    # except for read-only data, which gets a private copy instead of an error.
    from autograd_core import optim
    from autograd_core import Value

    w = Value(np.ones(4))
    before = w.data
    (w * w).sum().backward()
    optim.SGD([w], lr=0.1).step()
    assert w.data is before
    np.testing.assert_allclose(before, 0.8)
    frozen = Value(np.broadcast_to(np.ones(3), (3,)))
    (frozen * 2.0).sum().backward()
    optim.Adam([frozen], lr=0.1).step()
    assert frozen.data.flags.writeable
    np.testing.assert_allclose(frozen.data, 0.9)
