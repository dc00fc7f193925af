"""nn.utils: parameters_to_vector / vector_to_parameters, rnn.pad_sequence (values and gradients against torch,
finite differences), weight normalisation in both APIs (state-dict names, values and gradients against torch,
removal), parametrize, and their errors."""

import numpy as np
import pytest
from nn_helpers import assert_compiled_training_matches_eager

import autograd_core as ag
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck
from autograd_core.nn.utils import parametrizations, parametrize
from autograd_core.nn.utils.rnn import pad_sequence

RNG = np.random.default_rng(0)
SEQS = [RNG.normal(size=(3, 2)), RNG.normal(size=(5, 2)), RNG.normal(size=(1, 2))]


def test_parameters_to_vector_round_trip_and_gradient():
    model = nn.Sequential(nn.Linear(3, 2, dtype=np.float64), nn.Linear(2, 1, dtype=np.float64))
    params = list(model.parameters())
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (sum(p.data.size for p in params),)
    np.testing.assert_array_equal(vec.data, np.concatenate([p.data.ravel() for p in params]))
    weights = np.arange(vec.shape[0], dtype=float)
    (vec * weights).sum().backward()          # differentiable: each parameter gets its slice of the weights
    np.testing.assert_array_equal(np.concatenate([p.grad.ravel() for p in params]), weights)
    version = params[0]._version_count
    nn.utils.vector_to_parameters(ag.tensor(-weights), model.parameters())
    np.testing.assert_array_equal(np.concatenate([p.data.ravel() for p in params]), -weights)
    assert params[0]._version_count > version  # an in-place change: old graphs refuse to use the old numbers


def test_vector_to_parameters_errors():
    params = list(nn.Linear(2, 2).parameters())
    with pytest.raises(TypeError, match="expected a Value"):
        nn.utils.vector_to_parameters(np.zeros(6), params)
    with pytest.raises(RuntimeError, match="6"):
        nn.utils.vector_to_parameters(ag.zeros(5), params)
    with pytest.raises(TypeError, match="expected Values"):
        nn.utils.parameters_to_vector([np.zeros(3)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    torch = pytest.importorskip("torch")
    vs = [Value(s.copy()) for s in SEQS]
    ts = [torch.tensor(s, requires_grad=True) for s in SEQS]
    out = pad_sequence(vs, batch_first, -1.5, padding_side)
    tout = torch.nn.utils.rnn.pad_sequence(ts, batch_first, -1.5, padding_side)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    w = RNG.normal(size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for v, t in zip(vs, ts):
        np.testing.assert_array_equal(v.grad, t.grad.numpy())


def test_pad_sequence_shapes_gradcheck_and_errors():
    out = pad_sequence([Value(s[:, 0]) for s in SEQS], batch_first=True)  # 1-D sequences: (B, T)
    assert out.shape == (3, 5) and np.all(out.data[2, 1:] == 0)
    assert gradcheck(lambda a, b: pad_sequence([a, b], padding_side="left"), (Value(SEQS[0]), Value(SEQS[1])))
    with pytest.raises(RuntimeError, match="empty list"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match="trailing shape"):
        pad_sequence([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence(SEQS, padding_side="middle")


@pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated")
@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
@pytest.mark.parametrize("api", ["parametrizations", "legacy"])
def test_weight_norm_matches_torch(api, dim):
    torch = pytest.importorskip("torch")
    ours = nn.Conv1d(2, 3, 3, dtype=np.float64) if dim != -2 else nn.Linear(3, 4, dtype=np.float64)
    theirs = (torch.nn.Conv1d(2, 3, 3) if dim != -2 else torch.nn.Linear(3, 4)).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    if api == "legacy":
        nn.utils.weight_norm(ours, dim=dim)
        theirs = torch.nn.utils.weight_norm(theirs, dim=dim)
    else:
        parametrizations.weight_norm(ours, dim=dim)
        theirs = torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    ours_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(their_state)
    for key in ours_state:
        np.testing.assert_allclose(ours_state[key], their_state[key].numpy(), rtol=1e-15, atol=1e-15)
    # change g and v so the weight is no longer the original one, then compare forward and gradients
    with ag.no_grad(), torch.no_grad():
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            p.copy_(p.data * 1.5 + 0.1)
            tp.mul_(1.5).add_(0.1)
    x = RNG.normal(size=(2, 2, 5) if dim != -2 else (2, 3))
    out, tout = ours(x), theirs(torch.tensor(x))
    # atol: a sum of products of O(1) numbers may cancel to near 0, where its rounding is no longer relative
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-13, atol=1e-14)
    w = RNG.normal(size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("api", ["parametrizations", "legacy"])
def test_weight_norm_keeps_weight_gradchecks_and_removes(api):
    layer = nn.Linear(3, 4, dtype=np.float64)
    before = layer.weight.data.copy()
    if api == "legacy":
        nn.utils.weight_norm(layer)
        g, v = layer.weight_g, layer.weight_v
        assert type(layer).__name__ == "Linear"
    else:
        parametrizations.weight_norm(layer)
        g, v = layer.parametrizations.weight.original0, layer.parametrizations.weight.original1
        assert type(layer).__name__ == "ParametrizedLinear" and parametrize.is_parametrized(layer, "weight")
    assert g.shape == (4, 1) and v.shape == (4, 3)
    np.testing.assert_allclose(layer.weight.data, before, rtol=1e-15)
    x = RNG.normal(size=(2, 3))
    assert gradcheck(lambda gg, vv: parametrizations._weight_norm(gg, vv, 0) @ x.T, (Value(g.data), Value(v.data)))
    with ag.no_grad():
        g.copy_(g.data * 2)
    np.testing.assert_allclose(layer.weight.data, 2 * before, rtol=1e-14)  # recomputed at each read
    if api == "legacy":
        nn.utils.remove_weight_norm(layer)
        with pytest.raises(ValueError, match="not found"):
            nn.utils.remove_weight_norm(layer)
    else:
        parametrize.remove_parametrizations(layer, "weight")
        with pytest.raises(ValueError, match="does not have a parametrization"):
            parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and list(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(layer.weight.data, 2 * before, rtol=1e-14)
    assert isinstance(layer.weight, nn.Parameter)


def test_weight_norm_errors_and_other_modules_untouched():
    layer = nn.Linear(2, 2)
    nn.utils.weight_norm(layer)
    with pytest.raises(RuntimeError, match="two weight_norm"):
        nn.utils.weight_norm(layer)
    with pytest.raises(ValueError, match="no parameter 'bias'"):
        parametrizations.weight_norm(nn.Linear(2, 2, bias=False), name="bias")
    with pytest.raises(IndexError, match="dim 3"):
        parametrizations.weight_norm(nn.Linear(2, 2), dim=3)
    assert "weight" in dict(nn.Linear(2, 2).named_parameters())  # the class itself has no property added


class _Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)


def test_register_parametrization_and_setter():
    layer = nn.Linear(3, 3, dtype=np.float64)
    parametrize.register_parametrization(layer, "weight", _Symmetric())
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    np.testing.assert_array_equal(layer.weight.data, layer.weight.data.T)
    layer(RNG.normal(size=(2, 3))).sum().backward()
    assert np.all(np.tril(layer.parametrizations.weight.original.grad, -1) == 0)  # the lower part is unused
    layer.weight = np.eye(3)  # no right_inverse: the original takes the value
    np.testing.assert_array_equal(layer.parametrizations.weight.original.data, np.eye(3))
    with pytest.raises(ValueError, match="no parameter"):
        parametrize.register_parametrization(layer, "nothing", _Symmetric())


def test_copies_of_a_parametrized_module_stay_independent():
    import copy

    layer = parametrizations.weight_norm(nn.Linear(3, 2, dtype=np.float64))
    twin = copy.deepcopy(layer)
    parametrize.register_parametrization(twin, "bias", _Double())  # only the copy's bias
    assert isinstance(layer.bias, nn.Parameter) and "bias" not in layer.parametrizations
    np.testing.assert_allclose(twin.bias.data, 2 * layer.bias.data)
    parametrize.remove_parametrizations(twin, "weight")
    np.testing.assert_allclose(layer.weight.data, twin.weight.data, rtol=1e-15)   # the original still computes it
    assert type(layer).__name__ == "ParametrizedLinear" and "weight" not in dict(layer.named_parameters())


class _Double(nn.Module):
    def forward(self, x):
        return 2 * x


def test_weight_norm_trains_the_same_compiled_and_eager():
    def make():
        model = nn.Sequential(nn.utils.weight_norm(nn.Linear(3, 4, rng=0, dtype=np.float64)), nn.Tanh(),
                              parametrizations.weight_norm(nn.Linear(4, 2, rng=1, dtype=np.float64), dim=None))
        return model, ag.optim.SGD(model.parameters(), lr=0.1)

    def step(model, opt, x):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    batches = [(np.random.default_rng(seed).normal(size=(5, 3)),) for seed in range(4)]
    assert_compiled_training_matches_eager(make, step, batches, replayed=2)
