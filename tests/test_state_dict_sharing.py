"""Module.state_dict() and Optimizer.state_dict() share what they hold, as PyTorch's do: a module's entries are arrays
of its parameters' and buffers' memory (an EMA of the weights written through them reaches the model), an
optimizer's "state" is its own per-parameter dicts. Copies (deepcopy, clone, save) are snapshots."""

import copy
import io
import pickle

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import Value, nn, no_grad, optim

F64 = np.float64


def make_model(seed=0):
    model = nn.Sequential(nn.Linear(3, 4, dtype=F64), nn.BatchNorm1d(4, dtype=F64), nn.Tanh(),
                          nn.Linear(4, 2, dtype=F64))
    rng = np.random.default_rng(seed)
    with no_grad():
        for p in model.parameters():
            p.copy_(rng.normal(size=p.shape))
    return model


def train_steps(model, opt, steps, seed=1):
    rng = np.random.default_rng(seed)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        (model(rng.normal(size=(8, 3))) ** 2).mean().backward()
        opt.step()


def sources(model):
    """name -> the parameter's or buffer's array, by the state dict's names."""
    found = {name: p.data for name, p in model.named_parameters()}
    found.update(model.named_buffers())
    return found


def ema_update(ema, model, decay, how):
    """The EMA loops PyTorch code writes over two state dicts (timm's ModelEmaV2 and ModelEmaV3, Polyak averaging)."""
    with no_grad():
        for ema_v, model_v in zip(ema.state_dict().values(), model.state_dict().values()):
            if how == "copy_":
                ema_v.copy_(decay * ema_v + (1 - decay) * model_v)
            elif ema_v.dtype.kind != "f":
                ema_v.copy_(model_v)
            elif how == "mul_add_":
                ema_v.mul_(decay).add_(model_v, alpha=1 - decay)
            else:
                ema_v.lerp_(model_v, weight=1 - decay)


# ----------------------------------------------------------------------------------------------------
# Module.state_dict: views of the parameters and buffers


def test_entries_share_memory_with_parameters_and_buffers():
    model = make_model()
    state = model.state_dict()
    arrays = sources(model)
    assert sorted(state) == sorted(arrays)
    for name, entry in state.items():
        assert np.shares_memory(entry, arrays[name]), name
        assert entry is not arrays[name]
        assert entry.requires_grad is False and entry.is_leaf and entry.grad_fn is None  # as PyTorch's detach()
    before = np.array(state["1.running_mean"])
    model(np.random.default_rng(0).normal(size=(8, 3)))  # a training forward updates the running statistics in place
    assert not np.array_equal(state["1.running_mean"], before)
    assert state["1.num_batches_tracked"] == 1


def test_in_place_through_an_entry_changes_the_next_forward():
    model = make_model().eval()
    x = np.random.default_rng(2).normal(size=(5, 3))
    state = model.state_dict()
    with no_grad():
        state["3.weight"].zero_()
        state["3.bias"].fill_(0.5)
    np.testing.assert_array_equal(model(x).data, np.full((5, 2), 0.5))
    state["3.bias"][1] = -1.0
    state["3.bias"] += 1.0
    np.testing.assert_array_equal(model(x).data, np.tile([1.5, 0.0], (5, 1)))
    state["1.running_var"].mul_(4.0)  # a buffer: eval's normalisation reads it
    np.testing.assert_array_equal(model[1].running_var, state["1.running_var"])


@pytest.mark.parametrize("how", ["copy_", "mul_add_", "lerp_"])
def test_ema_loop_over_state_dicts_averages_the_weights(how):
    model = make_model()
    ema = copy.deepcopy(model)
    opt = optim.SGD(model.parameters(), lr=0.1)
    decay = 0.75
    expected = {name: np.array(a, dtype=F64) for name, a in sources(ema).items()}
    for step in range(4):
        train_steps(model, opt, 1, seed=step)
        ema_update(ema, model, decay, how)
        for name, a in sources(model).items():
            if how == "copy_" or a.dtype.kind == "f":
                expected[name] = decay * expected[name] + (1 - decay) * a
            else:
                expected[name] = np.array(a, dtype=F64)
            if a.dtype.kind != "f":
                expected[name] = np.trunc(expected[name])  # copy_ into an integer buffer truncates
    for name, a in sources(ema).items():
        np.testing.assert_allclose(a, expected[name], rtol=1e-13, atol=1e-15, err_msg=name)
    assert not np.allclose(ema[0].weight.data, model[0].weight.data)  # (the average trails the trained model)


@pytest.mark.parametrize("how", ["copy_", "mul_add_", "lerp_"])
def test_ema_loop_matches_pytorch(how):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    theirs = tnn.Sequential(tnn.Linear(3, 4), tnn.BatchNorm1d(4), tnn.Tanh(), tnn.Linear(4, 2)).double()
    ours = make_model()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    their_ema, our_ema = copy.deepcopy(theirs), copy.deepcopy(ours)
    rng = np.random.default_rng(5)
    decay = 0.9
    for _ in range(3):
        new = {k: (v + rng.normal(size=v.shape) if v.dtype.kind == "f" else v + 3)
               for k, v in ours.state_dict().items()}
        ours.load_state_dict(new)
        theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in new.items()})
        ema_update(our_ema, ours, decay, how)
        with torch.no_grad():
            for ema_v, model_v in zip(their_ema.state_dict().values(), theirs.state_dict().values()):
                if how == "copy_":
                    ema_v.copy_(decay * ema_v + (1 - decay) * model_v)
                elif not ema_v.is_floating_point():
                    ema_v.copy_(model_v)
                elif how == "mul_add_":
                    ema_v.mul_(decay).add_(model_v, alpha=1 - decay)
                else:
                    ema_v.lerp_(model_v, weight=1 - decay)
    theirs_now = their_ema.state_dict()
    for name, a in sources(our_ema).items():
        np.testing.assert_allclose(a, theirs_now[name].numpy(), rtol=1e-12, atol=1e-14, err_msg=name)


def test_in_place_through_an_entry_bumps_the_parameters_version():
    # PyTorch's entries share the parameter's version counter: a graph that saved the old weight refuses to
    # backpropagate after a change through the state dict
    for change in (lambda e: e.mul_(2.0), lambda e: e.lerp_(np.zeros_like(e), 0.5), lambda e: e.__setitem__(0, 1.0),
                   lambda e: e.__imul__(1.0), lambda e: e.copy_(np.ones_like(e))):
        layer = nn.Linear(2, 3, dtype=F64)
        loss = (layer.weight ** 2).sum()
        change(layer.state_dict()["weight"])
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            loss.backward()
    layer = nn.Linear(2, 3, dtype=F64)
    loss = (layer.weight ** 2).sum()
    layer.state_dict()["weight"].clone().mul_(2.0)  # a copy: nothing of the parameter changed
    layer.state_dict()["weight"].requires_grad_(False)  # changes no number
    loss.backward()
    np.testing.assert_array_equal(layer.weight.grad, 2 * layer.weight.data)


def test_copies_of_a_state_dict_are_independent(tmp_path):
    model = make_model()
    state = model.state_dict()
    snapshots = {
        "deepcopy": copy.deepcopy(state),
        "clone": {k: v.clone() for k, v in state.items()},
        "copy": {k: v.copy() for k, v in state.items()},
        "np.array": {k: np.array(v) for k, v in state.items()},
        "pickle": pickle.loads(pickle.dumps(state)),
    }
    ac.save(state, tmp_path / "sd.pt")
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    taken = {k: np.array(v) for k, v in state.items()}
    with no_grad():
        for entry in state.values():
            entry.add_(1)  # the model changes: no copy follows
    snapshots["save"] = ac.load(tmp_path / "sd.pt")
    buffer.seek(0)
    snapshots["np.savez"] = dict(np.load(buffer))
    for how, snapshot in snapshots.items():
        for name, value in snapshot.items():
            np.testing.assert_array_equal(value, taken[name], err_msg=f"{how}: {name}")
            assert not np.shares_memory(np.asarray(value), sources(model)[name]), f"{how}: {name}"
    weight = model[0].weight.data.copy()
    loss = (model[0].weight ** 2).sum()
    for snapshot in snapshots.values():
        snapshot["0.weight"][...] = 0  # changing a copy changes no parameter, nor its version
        if hasattr(snapshot["0.weight"], "mul_"):
            snapshot["0.weight"].mul_(3)
    np.testing.assert_array_equal(model[0].weight.data, weight)
    loss.backward()


def test_keep_vars_gives_the_parameters_and_buffers_themselves():
    model = make_model()
    state = model.state_dict(keep_vars=True)
    assert state["0.weight"] is model[0].weight and state["3.bias"] is model[3].bias
    assert state["1.running_mean"] is model[1].running_mean
    assert state["1.num_batches_tracked"] is model[1].num_batches_tracked


def test_zero_dim_parameter_entry_writes_back():
    # a 0-d parameter holds a NumPy scalar (micrograd's float), which no array shares: its entry writes changes back
    module = nn.Module()
    module.scale = nn.Parameter(2.0)
    module.other = nn.Parameter(np.float32(1.0))
    with no_grad():
        module.state_dict()["scale"].mul_(3.0)
    assert module.scale.data == 6.0 and isinstance(module.scale.data, np.float64)
    entry = module.state_dict()["scale"]
    opt = optim.SGD(module.parameters(), lr=0.5)
    (module.scale * 2).backward()
    opt.step()  # a new scalar: 6 - 0.5 * 2 = 5
    with no_grad():
        entry.add_(1.0)  # from the parameter's number now, as PyTorch's shared entry would
    assert module.scale.data == 6.0
    loss = module.other * module.other
    entry = module.state_dict()["other"]
    entry[...] = 4.0
    assert module.other.data == 4.0 and module.other.data.dtype == np.float32
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_micrograd_mlp_entries_are_its_weights():
    model = nn.MLP(2, [3, 1])
    state = model.state_dict()
    with no_grad():
        state["layers.0.weight"].fill_(0.25)
        state["layers.0.bias"].zero_()
    neuron = model.layers[0].neurons[1]
    assert neuron.w[0].data == 0.25 and neuron.b.data == 0.0
    out = model([Value(1.0), Value(2.0)])
    out.backward()
    assert model.layers[0].weight.grad is not None


def test_entry_taken_before_data_was_reassigned_no_longer_aliases():
    layer = nn.Linear(2, 3, dtype=F64)
    old = layer.state_dict()["weight"]
    layer.weight.data = np.zeros((3, 2))
    loss = (layer.weight ** 2).sum()
    old.fill_(7.0)  # PyTorch's: the old entry holds the old memory, no longer the parameter's
    np.testing.assert_array_equal(layer.weight.data, np.zeros((3, 2)))
    loss.backward()  # nor did its version change


@pytest.mark.parametrize("assign", [False, True])
def test_load_of_the_modules_own_state_dict(assign):
    model = make_model().eval()
    x = np.random.default_rng(3).normal(size=(4, 3))
    expected = model(x).data
    weights = {k: np.array(v) for k, v in model.state_dict().items()}
    model.load_state_dict(model.state_dict(), assign=assign)
    np.testing.assert_array_equal(model(x).data, expected)
    for name, a in sources(model).items():
        np.testing.assert_array_equal(a, weights[name])
    assert all(p.requires_grad for p in model.parameters())
    state = model.state_dict()
    state["3.bias"].add_(1.0)  # changed through itself, then loaded: the change stays
    model.load_state_dict(state, assign=assign)
    np.testing.assert_allclose(model(x).data, expected + 1.0, rtol=1e-14)
    train_steps(model, optim.SGD(model.parameters(), lr=0.1), 1)  # the parameters still train


def test_extra_state_is_what_get_extra_state_returns():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.seen = np.array([0, 0])

        def get_extra_state(self):
            return self.seen

        def set_extra_state(self, state):
            self.seen = np.array(state)

    module = Counter()
    state = module.state_dict()
    assert state["_extra_state"] is module.seen
    module.load_state_dict({"_extra_state": np.array([3, 4])})
    np.testing.assert_array_equal(module.seen, [3, 4])


# ----------------------------------------------------------------------------------------------------
# Optimizer.state_dict: the optimizer's own state


def test_optimizer_state_dict_refers_to_the_state_as_pytorchs():
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    train_steps(model, opt, 2)
    state = opt.state_dict()
    params = list(model.parameters())
    for index, p in enumerate(params):
        assert state["state"][index] is opt.state[p]
    assert state["param_groups"][0] is not opt.param_groups[0] and state["param_groups"][0]["params"] == list(
        range(len(params)))
    exp_avg = np.array(state["state"][0]["exp_avg"])
    frozen = copy.deepcopy(state)
    train_steps(model, opt, 1)
    assert state["state"][0]["step"] == 3 and frozen["state"][0]["step"] == 2
    assert not np.array_equal(state["state"][0]["exp_avg"], exp_avg)
    np.testing.assert_array_equal(frozen["state"][0]["exp_avg"], exp_avg)
    # loading copies what it is given: another optimizer loaded from this one keeps moments of its own
    other = optim.Adam(make_model().parameters(), lr=0.01)
    other.load_state_dict(opt.state_dict())
    first = next(iter(other.state.values()))
    assert not np.shares_memory(first["exp_avg"], state["state"][0]["exp_avg"])


def test_optimizer_state_dict_matches_pytorchs_references():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    theirs = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = torch.ones(3, dtype=torch.float64)
    theirs.step()
    ours_p = Value(np.ones(3))
    ours = optim.SGD([ours_p], lr=0.1, momentum=0.9)
    ours_p.grad = np.ones(3)
    ours.step()
    for opt, param in ((theirs, p), (ours, ours_p)):
        state = opt.state_dict()
        assert state["state"][0] is opt.state[param]
        assert state["state"][0]["momentum_buffer"] is opt.state[param]["momentum_buffer"]
        assert state["param_groups"][0] is not opt.param_groups[0]
