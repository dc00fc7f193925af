"""Lazy modules (LazyLinear, LazyConv*d, LazyConvTranspose*d, LazyBatchNorm*d, LazyInstanceNorm*d),
UninitializedParameter and UninitializedBuffer, nn.Buffer and non-persistent buffers: PyTorch's behaviour (the class
each becomes, names and shapes of its state, optimizers made before the first call) and, after the first call,
torch's numbers in float64."""

import numpy as np
import pytest
from nn_helpers import assert_compiled_training_matches_eager, rand

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn, optim
from autograd_core.grad_array import ParameterArray

F64 = np.float64


# name, constructor arguments, input shape, the class it becomes, the attribute that takes the input's size
LAZY = [
    ("LazyLinear", (3,), (2, 5), "Linear", "in_features"),
    ("LazyConv1d", (4, 3), (2, 2, 7), "Conv1d", "in_channels"),
    ("LazyConv2d", (4, 3), (2, 2, 5, 5), "Conv2d", "in_channels"),
    ("LazyConv3d", (4, 2), (2, 2, 3, 4, 3), "Conv3d", "in_channels"),
    ("LazyConv3d", (4, 2), (2, 3, 4, 3), "Conv3d", "in_channels"),  # unbatched
    ("LazyConvTranspose1d", (4, 3), (2, 2, 5), "ConvTranspose1d", "in_channels"),
    ("LazyConvTranspose2d", (4, 3), (2, 2, 3, 4), "ConvTranspose2d", "in_channels"),
    ("LazyConvTranspose3d", (4, 2), (2, 2, 3, 2, 3), "ConvTranspose3d", "in_channels"),
    ("LazyBatchNorm1d", (), (4, 3), "BatchNorm1d", "num_features"),
    ("LazyBatchNorm2d", (), (2, 3, 2, 3), "BatchNorm2d", "num_features"),
    ("LazyBatchNorm3d", (), (2, 3, 2, 2, 3), "BatchNorm3d", "num_features"),
    ("LazyInstanceNorm1d", (), (2, 3, 5), "InstanceNorm1d", "num_features"),
    ("LazyInstanceNorm1d", (), (3, 5), "InstanceNorm1d", "num_features"),  # unbatched
    ("LazyInstanceNorm2d", (), (2, 3, 2, 3), "InstanceNorm2d", "num_features"),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 2, 3), "InstanceNorm3d", "num_features"),
]


@pytest.mark.parametrize("name,args,shape,becomes,attribute", LAZY, ids=[f"{c[0]}{c[2]}" for c in LAZY])
def test_lazy_module_becomes_its_layer_and_matches_torch(name, args, shape, becomes, attribute):
    ours = getattr(nn, name)(*args, dtype=F64)
    assert ours.has_uninitialized_params()
    assert getattr(ours, attribute) == 0
    params = list(ours.parameters())
    x = rand(*shape)
    channels = shape[-1] if name == "LazyLinear" else shape[1 if len(shape) == len(LAZY_RANK[name]) else 0]
    out = ours(Value(x.copy()))
    assert type(ours) is getattr(nn, becomes)
    assert getattr(ours, attribute) == channels
    assert list(ours.parameters()) == params  # the same objects, now materialized
    assert all(type(p) is nn.Parameter for p in params)
    assert not isinstance(ours, nn.LazyModuleMixin)
    torch = pytest.importorskip("torch")
    if len(shape) < len(LAZY_RANK[name]) and "Norm" in name:
        return  # torch's lazy norms read num_features from axis 1 even of an unbatched input (and then fail); ours not
    theirs = getattr(torch.nn, name)(*args).double()
    theirs(torch.tensor(x))
    assert type(theirs).__name__ == becomes
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    assert [v.shape for v in state.values()] == [tuple(v.shape) for v in theirs.state_dict().values()]
    if "BatchNorm" not in name:  # torch's BatchNorm prints a `bias` argument ours does not take
        assert repr(ours).split("  #")[0] == repr(theirs)
    # after the first call: the same numbers as torch's layer with our weights (training mode; statistics included)
    fresh = getattr(nn, name)(*args, dtype=F64)
    fresh(Value(x.copy()))
    fresh.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in state.items()})
    v, t = Value(x.copy()), torch.tensor(x, requires_grad=True)
    y, ty = fresh(v), theirs(t)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = rand(*y.shape, seed=3)
    (y * w).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-10, atol=1e-11)
    for (pname, p), (_, tp) in zip(fresh.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-11, err_msg=pname)
    for key, value in fresh.state_dict().items():
        np.testing.assert_allclose(value, theirs.state_dict()[key].numpy(), rtol=1e-12, err_msg=key)
    assert out.shape == y.shape


LAZY_RANK = {  # the batched input's axes, per lazy class (the unbatched input has one fewer)
    "LazyLinear": "NF", "LazyConv1d": "NCL", "LazyConv2d": "NCHW", "LazyConv3d": "NCDHW",
    "LazyConvTranspose1d": "NCL", "LazyConvTranspose2d": "NCHW", "LazyConvTranspose3d": "NCDHW",
    "LazyBatchNorm1d": "NC", "LazyBatchNorm2d": "NCHW", "LazyBatchNorm3d": "NCDHW",
    "LazyInstanceNorm1d": "NCL", "LazyInstanceNorm2d": "NCHW", "LazyInstanceNorm3d": "NCDHW",
}


def test_lazy_layer_initialises_as_the_layer_it_becomes():
    x = rand(2, 5)
    lazy, eager = nn.LazyLinear(3, rng=7, dtype=F64), nn.Linear(5, 3, rng=7, dtype=F64)
    np.testing.assert_array_equal(lazy(x).data, eager(x).data)
    lazy, eager = nn.LazyConv2d(4, 3, padding=1, rng=7, dtype=F64), nn.Conv2d(2, 4, 3, padding=1, rng=7, dtype=F64)
    x = rand(1, 2, 4, 4)
    np.testing.assert_array_equal(lazy(x).data, eager(x).data)


def test_optimizers_made_before_the_first_call_train_the_materialized_parameters():
    def train(model, make_opt, opt=None):
        opt = opt or make_opt(model)
        for seed in range(3):
            opt.zero_grad()
            loss = F.mse_loss(model(rand(4, 5, seed=seed)), rand(4, 2, seed=seed + 10))
            loss.backward()
            opt.step()
        return model

    for make_opt in (lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9), lambda m: optim.Adam(m.parameters())):
        lazy = nn.Sequential(nn.LazyLinear(6, rng=1, dtype=F64), nn.Tanh(), nn.LazyLinear(2, rng=2, dtype=F64))
        opt = make_opt(lazy)  # before the first call: uninitialized parameters
        eager = nn.Sequential(nn.Linear(5, 6, rng=1, dtype=F64), nn.Tanh(), nn.Linear(6, 2, rng=2, dtype=F64))
        train(lazy, make_opt, opt)
        train(eager, make_opt)
        for p, q in zip(lazy.parameters(), eager.parameters()):
            np.testing.assert_allclose(p.data, q.data, rtol=1e-12)


def test_uninitialized_parameter_and_buffer():
    layer = nn.LazyBatchNorm1d()
    assert repr(layer.weight) == "<UninitializedParameter>" and repr(layer.running_mean) == "<UninitializedBuffer>"
    assert isinstance(layer.weight, nn.UninitializedParameter) and isinstance(layer.weight, nn.Parameter)
    assert isinstance(layer.running_mean, nn.UninitializedBuffer)
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        _ = layer.weight.shape
    p = nn.UninitializedParameter(dtype=F64)
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == F64
    assert nn.UninitializedBuffer().materialize((4,)).shape == (4,)
    assert int(layer.num_batches_tracked) == 0


def test_load_state_dict_into_a_lazy_module_takes_the_checkpoint_shapes():
    source = nn.Linear(4, 3, dtype=F64)
    lazy = nn.LazyLinear(3, dtype=F64)
    lazy.load_state_dict(source.state_dict())
    assert type(lazy) is nn.LazyLinear and lazy.weight.shape == (3, 4)  # as PyTorch: the class changes at the call
    x = rand(2, 4)
    np.testing.assert_array_equal(lazy(x).data, source(x).data)
    assert type(lazy) is nn.Linear and lazy.in_features == 4
    bn = nn.LazyBatchNorm2d(dtype=F64)
    trained = nn.BatchNorm2d(3, dtype=F64)
    trained(rand(2, 3, 2, 2))
    bn.load_state_dict(trained.state_dict())
    bn(rand(2, 3, 2, 2))
    assert int(bn.num_batches_tracked) == 2  # the checkpoint's count, then this call


def test_lazy_modules_in_a_compiled_training_step():
    def make():
        model = nn.Sequential(nn.LazyConv3d(3, 2, rng=0, dtype=F64), nn.LazyBatchNorm3d(dtype=F64), nn.ReLU(),
                              nn.Flatten(), nn.LazyLinear(2, rng=1, dtype=F64))
        return model, optim.SGD(model.parameters(), lr=0.1)

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(3, 2, 3, 3, 3)), ag.tensor(rng.integers(0, 2, 3))) for _ in range(4)]
    assert_compiled_training_matches_eager(make, step, batches)


def test_buffer_assignment_and_non_persistent_buffers_match_torch():
    module = nn.Module()
    module.kept = nn.Buffer(np.ones(2))
    module.scratch = nn.Buffer(np.zeros(3), persistent=False)
    module.register_buffer("other", np.full(1, 2.0), persistent=False)
    assert type(module.kept) is ParameterArray and type(module.scratch) is ParameterArray
    assert [name for name, _ in module.named_buffers()] == ["kept", "scratch", "other"]
    assert list(module.state_dict()) == ["kept"]
    module.register_buffer("other", np.full(1, 3.0))  # registered again, persistent
    assert list(module.state_dict()) == ["kept", "other"]
    module.load_state_dict({"kept": np.zeros(2), "other": np.ones(1)})
    np.testing.assert_array_equal(module.kept, np.zeros(2))
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Module()
    theirs.kept = torch.nn.Buffer(torch.ones(2))
    theirs.scratch = torch.nn.Buffer(torch.zeros(3), persistent=False)
    theirs.register_buffer("other", torch.full((1,), 2.0), persistent=False)
    assert [name for name, _ in theirs.named_buffers()] == ["kept", "scratch", "other"]
    assert list(theirs.state_dict()) == ["kept"]
