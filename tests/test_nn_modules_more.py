"""Identity, ModuleList, ModuleDict, GELU, SiLU, ELU, Softplus, GroupNorm, Dropout2d, Upsample and Embedding's
padding_idx: against torch.nn in float64 (values and gradients) and finite differences."""

import functools

import numpy as np
import nn_helpers
import pytest

import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck, gradgradcheck

F64 = np.float64


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


against_torch = functools.partial(nn_helpers.against_torch, seed=7)


# ----------------------------------------------------------------------------------------------------
# Activations.

ACTIVATIONS = [
    ("GELU", {}, "gelu", {}), ("GELU", dict(approximate="tanh"), "gelu", dict(approximate="tanh")),
    ("SiLU", {}, "silu", {}), ("ELU", {}, "elu", {}), ("ELU", dict(alpha=0.3), "elu", dict(alpha=0.3)),
    ("Softplus", {}, "softplus", {}), ("Softplus", dict(beta=2.0, threshold=3.0), "softplus",
                                        dict(beta=2.0, threshold=3.0)),
]


@pytest.mark.parametrize("case", ACTIVATIONS, ids=[f"{c[0]}{c[1]}" for c in ACTIVATIONS])
def test_activation_matches_torch(case):
    torch = pytest.importorskip("torch")
    name, kw, fname, fkw = case
    x = rand(4, 5) * 3
    x[0, :4] = [0.0, 30.0, -40.0, 1.6]  # the kink, the linear zone of softplus, underflow, near threshold
    against_torch(getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw), x)
    against_torch(lambda v: getattr(F, fname)(v, **fkw), lambda t: getattr(torch.nn.functional, fname)(t, **fkw), x)


@pytest.mark.parametrize("case", ACTIVATIONS, ids=[f"{c[0]}{c[1]}" for c in ACTIVATIONS])
def test_activation_gradients_by_finite_differences(case):
    _, _, fname, fkw = case
    x = rand(3, 4) + 0.05  # away from kinks
    gradcheck(lambda v: getattr(F, fname)(v, **fkw), [x])
    gradgradcheck(lambda v: getattr(F, fname)(v, **fkw), [x])


def test_erf_primitive_is_exact_and_differentiable():
    import math
    x = np.linspace(-4, 4, 33)
    np.testing.assert_allclose(F.erf(x), [math.erf(v) for v in x], rtol=3e-16, atol=0)  # within an ulp of libm
    gradcheck(F.erf, [x])
    gradgradcheck(F.erf, [x[::4]])
    assert F.erf(Value(np.float32(0.5))).dtype == np.float32
    assert F.erf(Value(x)).op == "erf"


def test_relu_and_friends_accept_inplace():
    for module in (nn.ReLU(inplace=True), nn.SiLU(inplace=True), nn.ELU(inplace=True), nn.LeakyReLU(0.1, True),
                   nn.Dropout(0.5, True)):
        x = Value(np.array([-1.0, 2.0])) * 1.0  # in place, as PyTorch's (a leaf that requires grad would raise)
        assert module(x) is x and x.data[0] != -1.0
    image = Value(np.ones((1, 2, 3, 3)), requires_grad=False)
    assert nn.Dropout2d(0.5, inplace=True)(image) is image and image.data.min() != 1.0


# ----------------------------------------------------------------------------------------------------
# Containers.


class Net(nn.Module):
    def __init__(self):
        self.layers = nn.ModuleList([nn.Linear(3, 4, dtype=F64), nn.Linear(4, 4, dtype=F64)])
        self.layers.append(nn.Linear(4, 2, dtype=F64))
        self.heads = nn.ModuleDict({"cls": nn.Linear(2, 3, dtype=F64), "reg": nn.Linear(2, 1, dtype=F64)})
        self.skip = nn.Identity(54, unused="ignored")

    def forward(self, x):
        for layer in self.layers:
            x = nn.functional.relu(layer(x))
        x = self.skip(x)
        return self.heads["cls"](x), self.heads.reg(x)


def test_module_list_and_dict_names_match_torch():
    torch = pytest.importorskip("torch")

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([torch.nn.Linear(3, 4), torch.nn.Linear(4, 4)])
            self.layers.append(torch.nn.Linear(4, 2))
            self.heads = torch.nn.ModuleDict({"cls": torch.nn.Linear(2, 3), "reg": torch.nn.Linear(2, 1)})
            self.skip = torch.nn.Identity()

        def forward(self, x):
            for layer in self.layers:
                x = torch.relu(layer(x))
            return self.heads["cls"](x), self.heads["reg"](x)

    tnet, net = TNet().double(), Net()
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in tnet.named_modules()]
    net.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})
    x = rand(5, 3)
    (a, b), (ta, tb) = net(Value(x)), tnet(torch.tensor(x))
    np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-12)
    assert len(list(net.parameters())) == 10


def test_module_list_api():
    a, b, c = nn.Linear(1, 1), nn.Linear(1, 2), nn.Tanh()
    ml = nn.ModuleList([a, b])
    assert len(ml) == 2 and ml[0] is a and ml[-1] is b and list(ml) == [a, b]
    ml.insert(0, c)
    assert list(ml) == [c, a, b] and [n for n, _ in ml.named_parameters()][0] == "1.weight"
    del ml[0]
    assert list(ml) == [a, b] and [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                                            "1.bias"]
    sub = ml[1:]
    assert isinstance(sub, nn.ModuleList) and list(sub) == [b]
    ml += [c]
    ml[2] = nn.ReLU()
    assert isinstance(ml[2], nn.ReLU) and len(ml) == 3
    with pytest.raises(IndexError):
        ml.__getitem__(3)
    with pytest.raises(TypeError, match="Module"):
        ml.append(3)
    with pytest.raises(NotImplementedError):
        ml(1.0)
    ml.eval()
    assert not a.training


def test_module_dict_api():
    md = nn.ModuleDict([("x", nn.Linear(1, 1)), ("y", nn.ReLU())])
    assert list(md) == ["x", "y"] and "x" in md and len(md) == 2
    md["z"] = nn.Tanh()
    assert list(md.keys()) == ["x", "y", "z"] and isinstance(md.z, nn.Tanh)
    md.pop("y")
    assert list(md) == ["x", "z"]
    with pytest.raises(KeyError):
        md["a.b"] = nn.ReLU()
    with pytest.raises(AttributeError, match="nope"):
        _ = md.nope
    assert "(x): Linear" in repr(md)


# ----------------------------------------------------------------------------------------------------
# GroupNorm, Dropout2d.


@pytest.mark.parametrize("shape,groups", [((3, 6, 4, 5), 3), ((2, 4, 7), 1), ((2, 4, 7), 4), ((4, 6), 2)])
def test_group_norm_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    C = shape[1]
    ours = nn.GroupNorm(groups, C, dtype=F64)
    theirs = torch.nn.GroupNorm(groups, C).double()
    w, b = rand(C, seed=1), rand(C, seed=2)
    ours.load_state_dict({"weight": w, "bias": b})
    theirs.load_state_dict({"weight": torch.tensor(w), "bias": torch.tensor(b)})
    x = rand(*shape) * 2 + 1
    against_torch(ours, theirs, x)
    gradcheck(lambda v, g, bb: F.group_norm(v, groups, g, bb), [x[:2], w, b])


def test_group_norm_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"\(N, 6, \.\.\.\)"):
        nn.GroupNorm(3, 6)(np.zeros((2, 4, 3)))


def test_dropout2d_zeroes_whole_channels():
    x = Value(np.ones((8, 16, 3, 3)))
    y = nn.Dropout2d(0.5, rng=0)(x)
    per_channel = y.data.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2.0).all(axis=2))
    dropped = (per_channel == 0).all(axis=2).mean()
    assert 0.3 < dropped < 0.7
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the mask times 1/(1 − p)
    m = nn.Dropout2d(0.5).eval()
    assert m(x) is x
    with pytest.raises(ValueError, match="N, C, H, W"):
        F.dropout2d(Value(np.ones((2, 3))), 0.5)


# ----------------------------------------------------------------------------------------------------
# Upsample.

UPSAMPLE = [
    ((2, 3, 4, 5), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 4, 5), dict(scale_factor=3, mode="nearest")),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="nearest")),
    ((1, 2, 5, 5), dict(scale_factor=1.7, mode="nearest")),
    ((2, 3, 6), dict(scale_factor=2.5, mode="nearest")),
    ((2, 3, 6), dict(size=9, mode="linear")),
    ((2, 3, 6), dict(scale_factor=2, mode="linear", align_corners=True)),
    ((2, 3, 4, 5), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="bilinear", align_corners=True)),
    ((2, 3, 4, 5), dict(scale_factor=(1.5, 2.5), mode="bilinear", align_corners=False)),
    ((1, 1, 3, 3), dict(size=(1, 1), mode="bilinear", align_corners=True)),
]


@pytest.mark.parametrize("shape,kw", UPSAMPLE, ids=[f"{s}-{kw}" for s, kw in UPSAMPLE])
def test_upsample_matches_torch(shape, kw):
    torch = pytest.importorskip("torch")
    x = rand(*shape)
    against_torch(nn.Upsample(**kw), torch.nn.Upsample(**kw), x)
    against_torch(lambda v: F.interpolate(v, **kw), lambda t: torch.nn.functional.interpolate(t, **kw), x)
    gradcheck(lambda v: F.interpolate(v, **kw), [x[:1, :1]])


def test_upsample_errors():
    with pytest.raises(ValueError, match="exactly one"):
        nn.Upsample()
    with pytest.raises(ValueError, match="4-D"):
        F.interpolate(Value(np.ones((1, 2, 3))), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(Value(np.ones((1, 2, 3))), scale_factor=2, align_corners=True)


# ----------------------------------------------------------------------------------------------------
# Embedding's padding_idx.


@pytest.mark.parametrize("padding_idx", [0, 3, -1])
def test_embedding_padding_idx_matches_torch(padding_idx):
    torch = pytest.importorskip("torch")
    emb = nn.Embedding(6, 4, padding_idx=padding_idx, rng=0, dtype=F64)
    assert not emb.weight.data[padding_idx].any()  # initialised to zeros
    temb = torch.nn.Embedding(6, 4, padding_idx=padding_idx).double()
    w = rand(6, 4)  # a non-zero padding row: read like any other, but no gradient
    emb.load_state_dict({"weight": w})
    temb.load_state_dict({"weight": torch.tensor(w)})
    ids = np.array([[0, 3, 5, 3], [5, 5, 1, 0]])
    out, tout = emb(ids), temb(torch.tensor(ids))
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    g = rand(*out.shape, seed=3)
    (out * g).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad, temb.weight.grad.numpy(), rtol=1e-12)
    assert not emb.weight.grad[padding_idx].any()
    assert emb.padding_idx == padding_idx % 6 == temb.padding_idx
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(6, 4, padding_idx=6)
