"""RMSNorm, LocalResponseNorm, ChannelShuffle, Softmax2d, UpsamplingNearest2d/Bilinear2d, AdaptiveAvgPool1d,
LPPool1d/2d, EmbeddingBag (and their functionals): values and gradients against torch in float64, finite
differences, state-dict names, errors; Dropout1d/3d, AlphaDropout and gumbel_softmax: statistics, the formulas
against torch given the same randomness, reproducibility; several of them inside autograd_core.compile."""

import math

import numpy as np
import pytest
from nn_helpers import assert_compiled_training_matches_eager

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

RNG = np.random.default_rng(0)
POSITIVE = np.abs(RNG.normal(size=(2, 3, 5, 4))) + 0.1


# (module name, constructor args, kwargs, input) for modules without randomness
MODULES = [
    ("RMSNorm", (4,), {}, RNG.normal(size=(2, 3, 4))),
    ("RMSNorm", ((3, 4),), dict(eps=1e-3), RNG.normal(size=(2, 3, 4))),
    ("RMSNorm", ([4],), dict(elementwise_affine=False), RNG.normal(size=(3, 4))),
    ("LocalResponseNorm", (3,), dict(alpha=0.5, beta=0.6, k=1.5), RNG.normal(size=(2, 5, 4))),
    ("LocalResponseNorm", (4,), dict(alpha=0.3), RNG.normal(size=(2, 6, 3, 2))),
    ("LocalResponseNorm", (2,), {}, RNG.normal(size=(1, 3, 2, 2, 2))),
    ("ChannelShuffle", (3,), {}, RNG.normal(size=(2, 6, 2, 2))),
    ("Softmax2d", (), {}, RNG.normal(size=(2, 3, 2, 2))),
    ("Softmax2d", (), {}, RNG.normal(size=(3, 2, 2))),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), RNG.normal(size=(1, 2, 3, 2))),
    ("UpsamplingNearest2d", (), dict(size=(5, 3)), RNG.normal(size=(1, 2, 3, 2))),
    ("UpsamplingBilinear2d", (), dict(scale_factor=2), RNG.normal(size=(1, 2, 3, 2))),
    ("UpsamplingBilinear2d", (), dict(size=(4, 5)), RNG.normal(size=(2, 1, 3, 3))),
    ("AdaptiveAvgPool1d", (3,), {}, RNG.normal(size=(2, 3, 7))),
    ("AdaptiveAvgPool1d", (4,), {}, RNG.normal(size=(3, 10))),
    ("LPPool1d", (2, 3), {}, RNG.normal(size=(2, 3, 7))),
    ("LPPool1d", (2, 2), {}, RNG.normal(size=(3, 6))),
    ("LPPool2d", (2, 2), {}, RNG.normal(size=(3, 4, 4))),
    ("LPPool1d", (1.5, 2), dict(stride=1, ceil_mode=True), POSITIVE[0]),
    ("LPPool2d", (2, 2), {}, RNG.normal(size=(2, 3, 5, 4))),
    ("LPPool2d", (3.0, (2, 3)), dict(stride=(1, 2), ceil_mode=True), POSITIVE),
]
IDS = [f"{m[0]}-{i}" for i, m in enumerate(MODULES)]


@pytest.mark.parametrize("name,args,kwargs,x", MODULES, ids=IDS)
def test_module_matches_torch(name, args, kwargs, x):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours.to(np.float64)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    v, t = Value(x.copy()), torch.tensor(x, requires_grad=True)
    out, tout = ours(v), theirs(t)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = RNG.normal(size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-11, atol=1e-13)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("f,x", [
    (lambda v: F.rms_norm(v, (4,), np.array([1.0, 2.0, 0.5, -1.0])), RNG.normal(size=(3, 4))),
    (lambda v: F.local_response_norm(v, 3, alpha=0.5), RNG.normal(size=(2, 4, 3))),
    (lambda v: F.channel_shuffle(v, 2) * np.arange(24.0).reshape(1, 4, 6), RNG.normal(size=(1, 4, 6))),
    (lambda v: F.adaptive_avg_pool1d(v, 3), RNG.normal(size=(2, 7))),
    (lambda v: F.lp_pool1d(v, 2.5, 2), POSITIVE[0, 0]),
    (lambda v: F.lp_pool2d(v, 2, 2, stride=1), RNG.normal(size=(1, 2, 3, 3))),
    (lambda v: nn.Softmax2d()(v) * np.arange(12.0).reshape(3, 2, 2), RNG.normal(size=(3, 2, 2))),
], ids=["rms_norm", "local_response_norm", "channel_shuffle", "adaptive_avg_pool1d", "lp_pool1d", "lp_pool2d",
        "softmax2d"])
def test_finite_differences(f, x):
    assert gradcheck(f, (Value(x),))


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    x = np.full((1, 3), 1e-5, np.float32)
    expected = x / np.sqrt(np.mean(x * x) + np.finfo(np.float32).eps)
    np.testing.assert_allclose(F.rms_norm(Value(x), 3).data, expected, rtol=1e-6)
    assert F.rms_norm(Value(x), 3).dtype == np.float32


def test_layer_errors():
    with pytest.raises(RuntimeError, match="expected input with shape"):
        F.rms_norm(Value(np.ones((2, 3))), 4)
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(Value(np.ones((2, 3))), 2)
    with pytest.raises(RuntimeError, match="divisible by groups"):
        nn.ChannelShuffle(4)(Value(np.ones((1, 6, 2))))
    with pytest.raises(RuntimeError, match="must be positive"):
        F.channel_shuffle(Value(np.ones((1, 6, 2))), 0)
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(Value(np.ones((2, 3))))
    with pytest.raises(ValueError, match="2D or 3D"):
        F.adaptive_avg_pool1d(Value(np.ones((1, 2, 3, 4))), 2)
    with pytest.raises(ZeroDivisionError, match="norm_type"):  # (PyTorch's type: its 1 / p)
        F.lp_pool1d(Value(np.ones((1, 2, 4))), 0, 2)
    with pytest.raises(ValueError, match="exactly one"):
        nn.UpsamplingBilinear2d()


# ----------------------------------------------------------------------------------------------------
# EmbeddingBag

IDS_1D = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 4])
OFFSETS = np.array([0, 4, 4, 7])           # an empty bag among them


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("layout", ["offsets", "last_offset", "2d"])
def test_embedding_bag_matches_torch(mode, padding_idx, layout):
    torch = pytest.importorskip("torch")
    ours = nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx, include_last_offset=layout == "last_offset",
                           dtype=np.float64)
    theirs = torch.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx,
                                   include_last_offset=layout == "last_offset").double()
    theirs.load_state_dict({"weight": torch.tensor(ours.weight.data)})
    assert list(ours.state_dict()) == ["weight"]
    if layout == "2d":
        ids, offsets = IDS_1D.reshape(2, 5), None
    else:
        ids, offsets = IDS_1D, OFFSETS if layout == "offsets" else np.append(OFFSETS, len(IDS_1D))
    out = ours(ids, offsets)
    tout = theirs(torch.tensor(ids), None if offsets is None else torch.tensor(offsets))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-14, atol=1e-15)
    w = RNG.normal(size=tout.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_embedding_bag_per_sample_weights_matches_torch_and_finite_differences():
    torch = pytest.importorskip("torch")
    weight, psw = RNG.normal(size=(10, 3)), RNG.normal(size=IDS_1D.shape)
    v, p = Value(weight.copy()), Value(psw.copy())
    tv, tp = torch.tensor(weight, requires_grad=True), torch.tensor(psw, requires_grad=True)
    out = F.embedding_bag(IDS_1D, v, OFFSETS, mode="sum", per_sample_weights=p)
    tout = torch.nn.functional.embedding_bag(torch.tensor(IDS_1D), tv, torch.tensor(OFFSETS), mode="sum",
                                             per_sample_weights=tp)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-14)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(v.grad, tv.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_finite_differences(mode):
    psw = RNG.normal(size=IDS_1D.shape)
    extra = dict(per_sample_weights=Value(psw)) if mode == "sum" else {}
    assert gradcheck(lambda w: F.embedding_bag(IDS_1D, w, OFFSETS, mode=mode, padding_idx=2, **extra),
                     (Value(RNG.normal(size=(10, 3))),))


def test_embedding_bag_takes_its_weight_as_given_and_from_pretrained():
    table = RNG.normal(size=(10, 3))  # float64
    bag = nn.EmbeddingBag(10, 3, _weight=table, mode="sum")
    assert bag.weight.dtype == np.float64 and np.shares_memory(bag.weight.data, table)  # as is, as PyTorch's
    assert nn.EmbeddingBag(10, 3, _weight=table, dtype=np.float32).weight.dtype == np.float32
    frozen = nn.EmbeddingBag.from_pretrained(table, mode="max", padding_idx=2, include_last_offset=True)
    assert not frozen.weight.requires_grad and frozen.mode == "max" and frozen.padding_idx == 2
    assert frozen.include_last_offset and frozen.weight.dtype == np.float64
    np.testing.assert_array_equal(frozen(np.array([[1, 4]])).data, np.maximum(table[1], table[4])[None])
    assert nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ag.ShapeError, match="2-dimensional"):
        nn.EmbeddingBag.from_pretrained(table[0])
    try:
        import torch
    except ImportError:
        return
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), mode="max", padding_idx=2,
                                                  include_last_offset=True)
    assert str(theirs) == str(frozen).split("  #")[0] and not theirs.weight.requires_grad  # (ours counts parameters)
    assert theirs.weight.dtype == torch.float64


def test_embedding_bag_empty_bags_padding_row_and_errors():
    bag = nn.EmbeddingBag(5, 2, mode="mean", padding_idx=0, rng=0)
    assert np.all(bag.weight.data[0] == 0)
    out = bag(np.array([0, 0, 3]), np.array([0, 2]))  # the first bag holds only padding: zeros, no division by 0
    np.testing.assert_array_equal(out.data[0], 0)
    np.testing.assert_allclose(out.data[1], bag.weight.data[3])
    with pytest.raises(ValueError, match="offsets has to be a 1D"):
        bag(np.array([1, 2]))
    with pytest.raises(ValueError, match="offsets has to be None"):
        bag(np.array([[1, 2]]), np.array([0]))
    with pytest.raises(ValueError, match=r"offsets\[0\] has to be 0"):
        bag(np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError, match="mode has to be one of"):
        nn.EmbeddingBag(5, 2, mode="min")
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        bag(np.array([1, 2]), np.array([0]), per_sample_weights=np.ones(2))
    with pytest.raises(RuntimeError, match="ids must be in"):  # PyTorch's type for embedding_bag
        bag(np.array([1, 7]), np.array([0]))
    with pytest.raises(TypeError, match="ids must be integers"):
        bag(np.array([1.5]), np.array([0]))


# ----------------------------------------------------------------------------------------------------
# Randomness: channel dropout, alpha dropout, gumbel-softmax


@pytest.mark.parametrize("cls,f,shape", [(nn.Dropout1d, F.dropout1d, (40, 50, 3)),
                                         (nn.Dropout2d, F.dropout2d, (40, 50, 1, 3)),
                                         (nn.Dropout3d, F.dropout3d, (40, 50, 2, 1, 2))])
def test_channel_dropout_zeroes_whole_channels_at_rate_p(cls, f, shape):
    layer = cls(p=0.3, rng=0)  # seeded: the rate check below is statistical (and the global generator's state
    x = Value(np.ones(shape))   # depends on which tests ran first)
    out = layer(x).data
    per_channel = out.reshape(shape[0], shape[1], -1)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))      # whole channels
    assert set(np.unique(out)) <= {0.0, 1 / 0.7}
    assert abs((per_channel[..., 0] == 0).mean() - 0.3) < 0.03              # 2000 channels: sd ≈ 0.01
    layer.eval()
    assert layer(x) is x
    assert f(x[0], 0.5).shape == shape[1:]                                    # unbatched
    assert f(x, 0.5, False, False) is x                   # PyTorch's positional (input, p, training, inplace)
    with pytest.raises(ValueError, match=r"\(N, C, .*\) or unbatched \(C, "):
        f(Value(np.ones(shape[1:-1])), 0.5)
    with pytest.raises(ValueError, match="p must be"):
        f(x, 1.5)


def test_alpha_dropout_keeps_mean_and_variance_and_matches_the_formula():
    x = RNG.normal(size=(200, 100))
    v = Value(x)
    p = 0.2
    out = nn.AlphaDropout(p)(v)
    alpha = 1.7580993408473766   # −SELU scale·alpha
    a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(out.data, a * alpha * p - a * alpha)
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(out.data[~dropped], a * x[~dropped] + a * alpha * p, rtol=1e-13)
    assert abs(out.data.mean()) < 0.02 and abs(out.data.std() - 1) < 0.02      # self-normalising
    out.sum().backward()
    np.testing.assert_allclose(v.grad, np.where(dropped, 0.0, a))
    assert F.alpha_dropout(v, 0.5) is v                 # PyTorch's default training=False for the function
    layer = nn.AlphaDropout(0.5).eval()
    assert layer(v) is v
    assert np.all(F.alpha_dropout(v, 1.0, training=True).data == 0)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_formula_matches_torch_given_the_same_noise(hard):
    torch = pytest.importorskip("torch")
    from autograd_core.nn.gumbel import _relaxed
    logits, noise = RNG.normal(size=(4, 5)), -np.log(RNG.standard_exponential((4, 5)))
    v, t = Value(logits.copy()), torch.tensor(logits, requires_grad=True)
    out = _relaxed(v, noise, 0.7, hard, 1)
    y_soft = torch.softmax((t + torch.tensor(noise)) / 0.7, dim=1)   # PyTorch's gumbel_softmax, noise given
    if hard:
        index = y_soft.max(1, keepdim=True)[1]
        y_soft = torch.zeros_like(t).scatter_(1, index, 1.0) - y_soft.detach() + y_soft
    np.testing.assert_allclose(out.data, y_soft.detach().numpy(), rtol=1e-13, atol=1e-15)
    w = RNG.normal(size=(4, 5))
    (out * w).sum().backward()
    (y_soft * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_gumbel_softmax_samples_the_categorical_distribution():
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    samples = F.gumbel_softmax(Value(np.tile(logits, (4000, 1))), tau=0.5, hard=True, rng=0)
    assert set(np.unique(samples.data)) == {0.0, 1.0} and np.all(samples.data.sum(axis=1) == 1)
    frequencies = samples.data.mean(axis=0)
    np.testing.assert_allclose(frequencies, [0.1, 0.2, 0.7], atol=0.025)  # sd ≤ 0.008
    soft = F.gumbel_softmax(Value(logits[None]), dim=-1)
    assert np.all(soft.data > 0) and np.isclose(soft.data.sum(), 1)
    nn.manual_seed(5)
    first = F.gumbel_softmax(Value(logits), tau=2.0).data
    nn.manual_seed(5)
    np.testing.assert_array_equal(F.gumbel_softmax(Value(logits), tau=2.0).data, first)
    with pytest.raises(ValueError, match="tau"):
        F.gumbel_softmax(Value(logits), tau=0)


# ----------------------------------------------------------------------------------------------------
# Inside autograd_core.compile


def test_new_layers_train_the_same_compiled_and_eager():
    def make():
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(4, 12, rng=rng, dtype=np.float64), nn.Unflatten(1, (4, 3)),
                              nn.RMSNorm(3, dtype=np.float64), nn.ChannelShuffle(2), nn.LocalResponseNorm(2),
                              nn.AdaptiveAvgPool1d(2), nn.Dropout1d(0.3, rng=1), nn.Flatten(),
                              nn.AlphaDropout(0.2, rng=2), nn.Linear(8, 3, rng=rng, dtype=np.float64))
        bag = nn.EmbeddingBag(6, 3, mode="sum", rng=3, dtype=np.float64)
        model._gumbel = np.random.default_rng(4)  # gumbel_softmax's noise, drawn alike by both copies
        return model, bag, ag.optim.SGD(list(model.parameters()) + list(bag.parameters()), lr=0.1)

    def step(model, bag, opt, x, ids, y):
        opt.zero_grad()
        logits = model(x) + bag(ids) + F.gumbel_softmax(bag(ids), tau=0.5, hard=True, rng=model._gumbel)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        return loss

    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(6, 4)), rng.integers(0, 6, (6, 2)), ag.tensor(rng.integers(0, 3, 6)))
               for _ in range(5)]
    assert_compiled_training_matches_eager(make, step, batches, replayed=2)


# ----------------------------------------------------------------------------------------------------
# Forward mode: the compositions get jvp rules from their primitives


@pytest.mark.parametrize("f,x", [
    (lambda v: F.rms_norm(v, 4, np.array([1.0, 2.0, 0.5, -1.0])), RNG.normal(size=(3, 4))),
    (lambda v: F.local_response_norm(v, 3, alpha=0.5), RNG.normal(size=(2, 4, 3))),
    (lambda v: F.lp_pool2d(v, 2.5, 2, stride=1), POSITIVE[:1, :2, :3, :3]),
    (lambda w: F.embedding_bag(IDS_1D, w, OFFSETS, mode="max"), RNG.normal(size=(10, 3))),
    (lambda v: F.multi_margin_loss(v, np.array([0, 2]), p=2, reduction="none"), RNG.normal(size=(2, 3))),
    (lambda v: F.gumbel_softmax(v, tau=0.5, rng=7), RNG.normal(size=(2, 3))),
], ids=["rms_norm", "local_response_norm", "lp_pool2d", "embedding_bag", "multi_margin_loss", "gumbel_softmax"])
def test_forward_mode_matches_central_differences(f, x):
    t = RNG.normal(size=x.shape)
    value, tangent = ag.jvp(f, (x,), (t,))
    h = 1e-6
    numeric = (f(Value(x + h * t)).data - f(Value(x - h * t)).data) / (2 * h)
    np.testing.assert_allclose(value, f(Value(x)).data, rtol=1e-14)
    np.testing.assert_allclose(tangent, numeric, rtol=1e-6, atol=1e-8)
