"""one_hot, cosine_similarity, pairwise_distance, Unflatten, ParameterList/Dict, the padding modules,
PixelShuffle/PixelUnshuffle and Bilinear: against torch in float64 (values, gradients, state_dict names), finite
differences, errors; and several of them inside autograd_core.compile."""

import functools

import numpy as np
import nn_helpers
import pytest
from nn_helpers import assert_compiled_training_matches_eager

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck, gradgradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


against_torch = functools.partial(nn_helpers.against_torch, rtol=1e-13, atol=1e-15, grad_rtol=None, grad_atol=1e-15)


# ----------------------------------------------------------------------------------------------------
# one_hot


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 3], [2, 1], [3, 3]])
    for n in (-1, 4, 6):
        ours = F.one_hot(ag.tensor(labels), num_classes=n)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes=n)
        assert ours.dtype == np.int64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(F.one_hot(np.array([1, 0]), 2).data, [[0, 1], [1, 0]])  # an array works too


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ag.tensor([0, -1]))
    with pytest.raises(RuntimeError, match="smaller than num_classes=3"):
        F.one_hot(ag.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="index tensor of type LongTensor"):  # PyTorch's words
        F.one_hot(ag.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="empty"):
        F.one_hot(ag.tensor(np.zeros(0, np.int64)))
    with pytest.raises(RuntimeError, match="num_classes"):
        F.one_hot(ag.tensor([0, 1]), 0)


# ----------------------------------------------------------------------------------------------------
# cosine_similarity and pairwise_distance


@pytest.mark.parametrize("shapes,dim", [(((4, 5), (4, 5)), 1), (((4, 5), (1, 5)), 1), (((3, 4, 2), (3, 4, 2)), -2),
                                        (((5,), (5,)), 0)])
def test_cosine_similarity_matches_torch(shapes, dim):
    x1, x2 = rand(*shapes[0], seed=1), rand(*shapes[1], seed=2)
    gradcheck(lambda a, b: F.cosine_similarity(a, b, dim), [x1, x2])  # first: it runs without torch too
    torch = pytest.importorskip("torch")
    against_torch(nn.CosineSimilarity(dim), torch.nn.CosineSimilarity(dim), x1, x2)


def test_cosine_similarity_below_eps_follows_torch():
    # A norm below eps is clamped to eps in value; PyTorch lets the gradient through the unclamped norm, and the
    # gradient of a zero vector's norm is 0 (not 0/0).
    torch = pytest.importorskip("torch")
    x1 = rand(3, 4, seed=3)
    x1[0] = [1e-9, 0.0, 0.0, 0.0]
    x1[1] = 0.0
    x2 = rand(3, 4, seed=4)
    against_torch(F.cosine_similarity, torch.nn.functional.cosine_similarity, x1, x2, rtol=1e-12)


@pytest.mark.parametrize("kw", [{}, dict(p=1.0), dict(p=3.0, keepdim=True), dict(p=float("inf")),
                                dict(eps=0.1)])
def test_pairwise_distance_matches_torch(kw):
    x1, x2 = rand(4, 5, seed=5), rand(4, 5, seed=6)
    gradcheck(lambda a, b: F.pairwise_distance(a, b, **kw), [x1, x2])  # first: it runs without torch too
    torch = pytest.importorskip("torch")
    against_torch(nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw), x1, x2)
    against_torch(lambda a, b: F.pairwise_distance(a, b, **kw), lambda a, b: torch.nn.functional.pairwise_distance(
        a, b, **kw), x1[:1], x2)  # broadcast
    assert repr(nn.PairwiseDistance(**kw)) == repr(torch.nn.PairwiseDistance(**kw))


def test_distances_second_derivatives_and_errors():
    x1, x2 = rand(3, 4, seed=7), rand(3, 4, seed=8)
    gradgradcheck(F.cosine_similarity, [x1, x2])
    gradgradcheck(F.pairwise_distance, [x1, x2])
    assert F.pairwise_distance(Value(x1), Value(x1 + 1.0), p=0).data.tolist() == [4.0, 4.0, 4.0]
    with pytest.raises(ValueError, match="cannot be broadcast"):
        F.cosine_similarity(Value(x1), Value(np.ones((2, 4))))
    with pytest.raises(IndexError, match="dim 2"):
        F.cosine_similarity(Value(x1), Value(x2), dim=2)
    with pytest.raises(ValueError, match="p must be >= 0"):
        F.pairwise_distance(Value(x1), Value(x2), p=-1)


# ----------------------------------------------------------------------------------------------------
# Unflatten, ParameterList, ParameterDict


def test_unflatten_matches_torch_and_inverts_flatten():
    torch = pytest.importorskip("torch")
    x = rand(2, 12, 3)
    for dim, size in ((1, (3, 4)), (1, (2, -1, 3)), (-1, (3, 1)), (0, (1, 2))):
        out = against_torch(nn.Unflatten(dim, size), torch.nn.Unflatten(dim, size), x)
        assert out.shape == tuple(torch.nn.Unflatten(dim, size)(torch.tensor(x)).shape)
        assert repr(nn.Unflatten(dim, size)) == repr(torch.nn.Unflatten(dim, size))
    model = nn.Sequential(nn.Flatten(), nn.Unflatten(1, (12, 3)))
    np.testing.assert_array_equal(model(Value(x)).data, x)
    with pytest.raises(ValueError, match="does not fit the size 12"):
        nn.Unflatten(1, (5, 2))(Value(x))
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 12)


class _WithContainers:
    """The same model in both libraries: a list and a dict of parameters next to a layer."""

    @staticmethod
    def ours():
        class Net(nn.Module):
            def __init__(self):
                self.scales = nn.ParameterList([nn.Parameter(np.ones(3)), np.zeros(2)])
                self.gains = nn.ParameterDict({"left": nn.Parameter(np.ones(1)), "right": np.full(3, 2.0)})
                self.fc = nn.Linear(3, 2, dtype=np.float64)

            def forward(self, x):
                return self.fc(x * self.scales[0] + self.gains["right"]).sum() + self.scales[1].sum() \
                    + self.gains["left"].sum()

        return Net()

    @staticmethod
    def theirs(torch):
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3)), torch.zeros(2)])
                self.gains = torch.nn.ParameterDict({"left": torch.nn.Parameter(torch.ones(1)),
                                                     "right": torch.full((3,), 2.0)})
                self.fc = torch.nn.Linear(3, 2)

        return Net().double()


def test_parameter_containers_are_named_like_torch_and_load_its_state_dict():
    torch = pytest.importorskip("torch")
    ours, theirs = _WithContainers.ours(), _WithContainers.theirs(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "scales.0", "scales.1", "gains.left", "gains.right", "fc.weight", "fc.bias"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.detach().numpy() + 0.5 for k, v in theirs.state_dict().items()})
    assert ours.scales[1].data.tolist() == [0.5, 0.5]
    ours(Value(rand(4, 3))).backward()
    assert all(p.grad is not None for p in ours.parameters())  # every stored parameter is trained


def test_parameter_list_and_dict_api():
    plist = nn.ParameterList()
    plist.append(np.ones(2)).extend([Value(np.zeros(3)), nn.Parameter(np.ones(1))])
    plist += [np.ones(4)]
    assert len(plist) == 4 and all(isinstance(p, nn.Parameter) for p in plist)
    assert plist[-1].shape == (4,) and isinstance(plist[1:3], nn.ParameterList) and len(plist[1:3]) == 2
    plist[0] = np.full(2, 7.0)
    assert plist[0].data.tolist() == [7.0, 7.0]
    with pytest.raises(IndexError):
        plist[4]
    with pytest.raises(TypeError, match="a Parameter, a Value or an array"):
        plist.append("weight")
    pdict = nn.ParameterDict({"a": np.ones(1)})
    pdict.update([("b", np.zeros(2))])
    assert list(pdict) == ["a", "b"] and "b" in pdict and pdict.get("c") is None
    assert isinstance(pdict.setdefault("c", np.ones(3)), nn.Parameter) and len(pdict) == 3
    assert pdict.pop("a").shape == (1,) and list(pdict.keys()) == ["b", "c"]
    assert pdict.b is pdict["b"]
    with pytest.raises(AttributeError, match="'a'"):
        _ = pdict.a
    with pytest.raises(KeyError, match="without '.'"):
        pdict["x.y"] = np.ones(1)
    assert "(b): Parameter containing: [torch.DoubleTensor of size 2]" in repr(pdict)  # PyTorch's words


# ----------------------------------------------------------------------------------------------------
# Padding modules


PADS = [("ZeroPad1d", (2,), 3), ("ZeroPad1d", ((1, 3),), 3), ("ZeroPad2d", ((1, 0, 2, 1),), 4),
        ("ConstantPad1d", ((2, 1), 3.5), 3), ("ConstantPad2d", (1, -1.0), 4),
        ("ReflectionPad1d", ((2, 1),), 3), ("ReflectionPad2d", ((1, 2, 3, 0),), 4), ("ReflectionPad2d", (1,), 3),
        ("ReplicationPad1d", (3,), 3), ("ReplicationPad2d", ((2, 0, 1, 3),), 4),
        ("CircularPad1d", (2,), 3), ("CircularPad2d", ((1, 2, 0, 1),), 4)]


@pytest.mark.parametrize("name,args,ndim", PADS, ids=[f"{p[0]}{p[1]}" for p in PADS])
def test_padding_modules_match_torch(name, args, ndim):
    x = rand(*(2, 3, 4, 5)[4 - ndim:])
    gradcheck(getattr(nn, name)(*args), [x[:1]])  # first: it runs without torch too
    torch = pytest.importorskip("torch")
    against_torch(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x, rtol=0)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_padding_modules_reject_bad_arguments():
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="3-D or 4-D"):
        nn.ReflectionPad2d(1)(Value(np.ones((4, 4))))
    with pytest.raises(ValueError, match="smaller than the axis size"):
        nn.ReflectionPad1d(3)(Value(np.ones((1, 2, 3))))


# ----------------------------------------------------------------------------------------------------
# PixelShuffle, PixelUnshuffle, Bilinear


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 2), 2), ((9, 2, 2), 3), ((2, 1, 4, 1, 1), 2)])
def test_pixel_shuffle_and_unshuffle_match_torch(shape, r):
    x = rand(*shape)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(Value(x), r), r).data, x)  # without torch too
    gradcheck(lambda v: F.pixel_shuffle(v, r), [x])
    torch = pytest.importorskip("torch")
    y = against_torch(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), x, rtol=0)
    back = against_torch(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), y.data, rtol=0)
    np.testing.assert_array_equal(back.data, x)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))
    np.testing.assert_array_equal(F.pixel_shuffle(x, r), y.data)  # arrays in, arrays out


def test_pixel_shuffle_errors():
    with pytest.raises(ValueError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(Value(np.ones((1, 6, 2, 2))), 2)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        F.pixel_unshuffle(Value(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="divisible by downscale_factor"):
        F.pixel_unshuffle(Value(np.ones((1, 1, 4, 3))), 2)
    with pytest.raises(ValueError, match="positive int"):
        nn.PixelShuffle(0)


def test_bilinear_matches_torch_values_gradients_state_dict():
    ours = nn.Bilinear(3, 4, 2, dtype=np.float64)
    x1, x2 = rand(5, 2, 3, seed=1), rand(5, 2, 4, seed=2)
    gradcheck(F.bilinear, [x1[0], x2[0], ours.weight.data, rand(2, seed=3)])  # first: it runs without torch too
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Bilinear(3, 4, 2).double()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert repr(ours).startswith(repr(theirs))
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    against_torch(ours, theirs, x1, x2)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-13)
    # initialisation: U(-1/√in1, 1/√in1) for weight and bias, as PyTorch
    big = nn.Bilinear(16, 3, 50, rng=0)
    bound = 1 / 4
    assert big.weight.dtype == np.float32 and np.abs(big.weight.data).max() <= bound
    assert np.abs(big.weight.data).max() > 0.9 * bound and np.abs(big.bias.data).max() <= bound


def test_bilinear_errors():
    weight = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="same leading shape"):
        F.bilinear(Value(np.ones((5, 3))), Value(np.ones((4, 4))), weight)
    with pytest.raises(ValueError, match="3-D"):
        F.bilinear(Value(np.ones((5, 3))), Value(np.ones((5, 4))), np.ones((3, 4)))
    with pytest.raises(ValueError, match="bias"):
        F.bilinear(Value(np.ones((5, 3))), Value(np.ones((5, 4))), weight, np.ones(3))


# ----------------------------------------------------------------------------------------------------
# Inside autograd_core.compile


def test_new_modules_train_the_same_compiled_and_eager():
    def make():
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(4, 8, rng=rng, dtype=np.float64), nn.PReLU(8, dtype=np.float64),
                              nn.Hardswish(), nn.Unflatten(1, (2, 4)), nn.GLU(1), nn.Softshrink(0.1),
                              nn.Flatten(), nn.Linear(4, 3, rng=rng, dtype=np.float64))
        return model, ag.optim.SGD(model.parameters(), lr=0.1)

    def step(model, opt, x, y):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y) + F.cosine_similarity(logits, F.one_hot(y, 3).float()).mean() \
            + F.pairwise_distance(logits, logits * 0.5).mean()
        loss.backward()
        opt.step()
        return loss

    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(6, 4)), ag.tensor(rng.integers(0, 3, 6))) for _ in range(5)]
    assert_compiled_training_matches_eager(make, step, batches, replayed=2)


# ----------------------------------------------------------------------------------------------------
# Forward mode: the compositions get jvp rules from their primitives


FORWARD_CASES = [
    ("prelu", lambda v: F.prelu(v, np.array([0.2, 0.3, 0.4])), (2, 3, 2)),
    ("hardswish", F.hardswish, (2, 3)), ("mish", F.mish, (2, 3)), ("glu", lambda v: F.glu(v, 1), (2, 4)),
    ("softmin", lambda v: F.softmin(v, 1), (2, 3)), ("logsigmoid", F.logsigmoid, (3,)),
    ("cosine_similarity", lambda v: F.cosine_similarity(v, v * v + 1.0), (2, 3)),
    ("pairwise_distance", lambda v: F.pairwise_distance(v, v * 0.5, p=3.0), (2, 3)),
    ("pixel_shuffle", lambda v: F.pixel_shuffle(v, 2), (1, 4, 2, 1)),
    ("unfold", lambda v: F.unfold(v, 2), (1, 1, 3, 3)),
    ("fold", lambda v: F.fold(v, (3, 3), 2), (1, 4, 4)),
    ("instance_norm", F.instance_norm, (1, 2, 3)),
    ("adaptive_max_pool2d", lambda v: F.adaptive_max_pool2d(v, 2), (1, 1, 3, 3)),
    ("bilinear", lambda v: F.bilinear(v, v * 2.0, np.ones((2, 3, 3))), (2, 3)),
    ("triplet_margin_loss", lambda v: F.triplet_margin_loss(v, v * 0.5, v * v, margin=2.0), (2, 3)),
    ("gaussian_nll_loss", lambda v: F.gaussian_nll_loss(v, v * 0.5, v * v + 0.5), (2, 3)),
]


@pytest.mark.parametrize("name,fn,shape", FORWARD_CASES, ids=[c[0] for c in FORWARD_CASES])
def test_forward_mode_jacobian_equals_reverse_mode(name, fn, shape):
    x = rand(*shape, seed=12) + 0.05
    np.testing.assert_allclose(ag.jacfwd(fn)(Value(x)), ag.jacrev(fn)(Value(x)), rtol=1e-12, atol=1e-14)
