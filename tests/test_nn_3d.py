"""nn's 3-d layers (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, adaptive and LP pooling, MaxUnpool3d, BatchNorm3d,
InstanceNorm3d, the 3-d padding modules) and F.*_with_indices: against torch.nn in float64 (outputs, the input's and
every parameter's gradient, torch's state dicts), finite differences, forward mode and a compiled training step."""

import functools

import numpy as np
import nn_helpers
import pytest
from nn_helpers import assert_compiled_training_matches_eager, rand

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

F64 = np.float64


against_torch = functools.partial(nn_helpers.against_torch, atol=1e-12, grad_atol=1e-11)


def torch_copy(ours, theirs):
    """theirs (a float64 torch module) given our module's parameters and buffers, through its state dict."""
    torch = pytest.importorskip("torch")
    theirs.double().load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})
    return theirs


# ----------------------------------------------------------------------------------------------------
# Convolutions


CONV3D = [dict(), dict(stride=2, padding=1), dict(stride=(1, 2, 2), padding=(2, 0, 1), dilation=(2, 1, 2), groups=2),
          dict(padding="same", dilation=(2, 1, 1)), dict(padding="valid", bias=False)]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note about its own zero-padded copy
@pytest.mark.parametrize("kw", CONV3D, ids=str)
def test_conv3d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    kw = dict(kw)
    bias = kw.pop("bias", True)
    x, w, b = rand(2, 4, 6, 7, 5), rand(6, 4 // kw.get("groups", 1), 3, 2, 3, seed=1), rand(6, seed=2)
    if bias:
        against_torch(lambda *a: F.conv3d(*a, **kw), lambda *a: torch.nn.functional.conv3d(*a, **kw), x, w, b)
    else:
        against_torch(lambda *a: F.conv3d(*a, **kw), lambda *a: torch.nn.functional.conv3d(*a, **kw), x, w)
    ours = nn.Conv3d(4, 6, (3, 2, 3), bias=bias, dtype=F64, **kw)
    theirs = torch_copy(ours, torch.nn.Conv3d(4, 6, (3, 2, 3), bias=bias, **kw))
    against_torch(ours, theirs, x)
    against_torch(ours, theirs, x[1])  # unbatched (C, D, H, W)
    assert repr(ours).split("  #")[0] == repr(theirs)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv3d_padding_modes_match_torch(mode):
    torch = pytest.importorskip("torch")
    ours = nn.Conv3d(2, 3, 3, padding=(1, 2, 1), padding_mode=mode, dtype=F64, rng=0)
    against_torch(ours, torch_copy(ours, torch.nn.Conv3d(2, 3, 3, padding=(1, 2, 1), padding_mode=mode)),
                  rand(2, 2, 4, 5, 4))


CONV_T3D = [dict(), dict(stride=2, padding=1, output_padding=1),
            dict(stride=(1, 2, 3), padding=(2, 0, 1), dilation=(2, 1, 2), groups=2, output_padding=(1, 0, 2))]


@pytest.mark.parametrize("kw", CONV_T3D, ids=str)
def test_conv_transpose3d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    x, w, b = rand(2, 4, 4, 5, 3), rand(4, 6 // kw.get("groups", 1), 3, 2, 3, seed=1), rand(6, seed=2)
    against_torch(lambda *a: F.conv_transpose3d(*a, **kw), lambda *a: torch.nn.functional.conv_transpose3d(*a, **kw),
                  x, w, b)
    ours = nn.ConvTranspose3d(4, 6, (3, 2, 3), dtype=F64, **kw)
    theirs = torch_copy(ours, torch.nn.ConvTranspose3d(4, 6, (3, 2, 3), **kw))
    against_torch(ours, theirs, x)
    against_torch(ours, theirs, x[0])


def test_conv_transpose3d_output_size_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1, dtype=F64)
    theirs = torch_copy(ours, torch.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1))
    x = rand(1, 2, 3, 4, 3)
    against_torch(lambda v: ours(v, output_size=(6, 8, 5)), lambda t: theirs(t, output_size=(6, 8, 5)), x)


def test_conv3d_finite_differences_and_forward_mode():
    x, w, b = rand(1, 2, 4, 3, 3), rand(2, 1, 2, 2, 2, seed=1), rand(2, seed=2)
    gradcheck(lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 1), padding=1, groups=2), [x, w, b])
    gradcheck(lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=(1, 0, 1), output_padding=1),
              [x, w, b[:1]])
    for fn in (lambda v: F.conv3d(v, w, b, padding=1, dilation=(1, 2, 1), groups=2),
               lambda v: F.conv_transpose3d(v, rand(2, 3, 2, 2, 2), stride=2)):
        np.testing.assert_allclose(ag.jacfwd(fn)(Value(x)), ag.jacrev(fn)(Value(x)), rtol=1e-12, atol=1e-13)


def test_conv3d_errors():
    x = Value(rand(1, 2, 4, 4, 4))
    with pytest.raises(ValueError, match="5-D"):
        F.conv3d(Value(rand(2, 4, 4)), rand(3, 2, 2, 2, 2))
    with pytest.raises(ValueError, match="channels"):
        F.conv3d(x, rand(3, 3, 2, 2, 2))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        F.conv3d(x, rand(3, 2, 5, 2, 2))
    with pytest.raises(ValueError, match="stride 1"):
        F.conv3d(x, rand(3, 2, 2, 2, 2), stride=2, padding="same")
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose3d(x, rand(2, 3, 2, 2, 2), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="gives an empty output"):    # (4 − 1) − 2·3 + (3 − 1) + 1 = 0 planes
        F.conv_transpose3d(x, rand(2, 3, 3, 2, 2), padding=(3, 0, 0))
    with pytest.raises(ValueError, match="gives an empty output"):    # (3 − 1) − 2·2 + (2 − 1) + 1 = 0 rows
        F.conv_transpose2d(Value(rand(1, 2, 3, 3)), rand(2, 3, 2, 2), padding=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.ConvTranspose3d(2, 3, 2, padding_mode="reflect")


# ----------------------------------------------------------------------------------------------------
# Pooling


def pool_input():
    x = rand(2, 3, 7, 6, 8)
    x[0, 0, :3, :3, :3] = 2.0  # ties: the first maximum in (d, h, w) order wins, as PyTorch
    return x


MAX3D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
         dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), dilation=(2, 1, 2), ceil_mode=True)]


@pytest.mark.parametrize("kw", MAX3D, ids=str)
def test_max_pool3d_and_indices_match_torch(kw):
    torch = pytest.importorskip("torch")
    tf, x = torch.nn.functional, pool_input()
    against_torch(lambda v: F.max_pool3d(v, return_indices=True, **kw),
                  lambda t: tf.max_pool3d(t, return_indices=True, **kw), x)
    against_torch(lambda v: F.max_pool3d_with_indices(v, **kw), lambda t: tf.max_pool3d_with_indices(t, **kw), x[0])
    against_torch(nn.MaxPool3d(**kw), torch.nn.MaxPool3d(**kw), x)


def test_max_pool_with_indices_1d_2d_match_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    against_torch(lambda v: F.max_pool1d_with_indices(v, 3, 2, 1), lambda t: tf.max_pool1d_with_indices(t, 3, 2, 1),
                  rand(2, 3, 9))
    against_torch(lambda v: F.max_pool2d_with_indices(v, 2, ceil_mode=True),
                  lambda t: tf.max_pool2d_with_indices(t, 2, ceil_mode=True), rand(2, 3, 5, 7))


AVG3D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
         dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), divisor_override=5, ceil_mode=True)]


@pytest.mark.parametrize("kw", AVG3D, ids=str)
def test_avg_pool3d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    x = pool_input()
    against_torch(lambda v: F.avg_pool3d(v, **kw), lambda t: torch.nn.functional.avg_pool3d(t, **kw), x)
    against_torch(nn.AvgPool3d(**kw), torch.nn.AvgPool3d(**kw), x[1])


@pytest.mark.parametrize("size", [2, (3, None, 5), (4, 3, 3)], ids=str)
def test_adaptive_pool3d_matches_torch(size):
    torch = pytest.importorskip("torch")
    tf, x = torch.nn.functional, pool_input()
    against_torch(lambda v: F.adaptive_avg_pool3d(v, size), lambda t: tf.adaptive_avg_pool3d(t, size), x)
    against_torch(nn.AdaptiveAvgPool3d(size), torch.nn.AdaptiveAvgPool3d(size), x[0])
    against_torch(lambda v: F.adaptive_max_pool3d(v, size, return_indices=True),
                  lambda t: tf.adaptive_max_pool3d(t, size, return_indices=True), x)
    against_torch(nn.AdaptiveMaxPool3d(size), torch.nn.AdaptiveMaxPool3d(size), x[1])
    against_torch(lambda v: F.adaptive_max_pool3d_with_indices(v, size),
                  lambda t: tf.adaptive_max_pool3d_with_indices(t, size), x[1])


def test_adaptive_max_pool_with_indices_1d_2d_match_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    against_torch(lambda v: F.adaptive_max_pool1d_with_indices(v, 4),
                  lambda t: tf.adaptive_max_pool1d_with_indices(t, 4), rand(2, 3, 9))
    against_torch(lambda v: F.adaptive_max_pool2d_with_indices(v, (2, 3)),
                  lambda t: tf.adaptive_max_pool2d_with_indices(t, (2, 3)), rand(2, 3, 5, 7))


@pytest.mark.parametrize("p,kw", [(2, dict(kernel_size=2)), (3, dict(kernel_size=(3, 2, 2), stride=2, ceil_mode=True))],
                         ids=str)
def test_lp_pool3d_matches_torch(p, kw):
    torch = pytest.importorskip("torch")
    x = np.abs(pool_input()) + 0.1
    against_torch(lambda v: F.lp_pool3d(v, p, **kw), lambda t: torch.nn.functional.lp_pool3d(t, p, **kw), x)
    against_torch(nn.LPPool3d(p, **kw), torch.nn.LPPool3d(p, **kw), x[0])


def test_max_unpool3d_matches_torch():
    torch = pytest.importorskip("torch")
    x = pool_input()
    y, idx = F.max_pool3d(x, 2, return_indices=True)
    _, tidx = torch.nn.functional.max_pool3d(torch.tensor(x), 2, return_indices=True)
    against_torch(lambda v: F.max_unpool3d(v, idx, 2), lambda t: torch.nn.functional.max_unpool3d(t, tidx, 2), y)
    against_torch(lambda v: nn.MaxUnpool3d(2)(v, idx, output_size=x.shape),
                  lambda t: torch.nn.MaxUnpool3d(2)(t, tidx, output_size=x.shape), y)
    against_torch(lambda v: F.max_unpool3d(v, idx[1], 2, output_size=x.shape[2:]),
                  lambda t: torch.nn.functional.max_unpool3d(t, tidx[1], 2, output_size=x.shape[2:]), y[1])  # unbatched


def test_pool3d_finite_differences_and_forward_mode():
    x = rand(1, 2, 4, 3, 5, seed=3)
    cases = [lambda v: F.max_pool3d(v, 2, stride=(1, 2, 2), padding=1, ceil_mode=True),
             lambda v: F.avg_pool3d(v, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             lambda v: F.adaptive_avg_pool3d(v, (3, 2, 2)), lambda v: F.adaptive_max_pool3d(v, (3, 2, 2)),
             lambda v: F.lp_pool3d(v * v + 0.5, 2, 2)]
    for fn in cases:
        gradcheck(fn, [x])
        np.testing.assert_allclose(ag.jacfwd(fn)(Value(x)), ag.jacrev(fn)(Value(x)), rtol=1e-12, atol=1e-13)


def test_pool3d_errors():
    with pytest.raises(ValueError, match="5-D"):
        F.max_pool3d(Value(rand(2, 3, 4)), 2)
    with pytest.raises(ValueError, match="half"):
        F.avg_pool3d(Value(rand(1, 1, 4, 4, 4)), 2, padding=2)
    with pytest.raises(ValueError, match="divisor_override"):
        F.avg_pool3d(Value(rand(1, 1, 4, 4, 4)), 2, divisor_override=0)
    with pytest.raises(ValueError, match="triple"):
        F.adaptive_avg_pool3d(Value(rand(1, 1, 4, 4, 4)), (2, 2))


# ----------------------------------------------------------------------------------------------------
# Normalisation and padding


def test_batch_norm3d_trains_and_evaluates_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm3d(3, momentum=0.2, dtype=F64)
    ours.weight.data[:] = [1.5, 0.5, 2.0]
    ours.bias.data[:] = [0.1, -0.2, 0.3]
    theirs = torch_copy(ours, torch.nn.BatchNorm3d(3, momentum=0.2))
    for seed in range(2):
        against_torch(ours, theirs, rand(2, 3, 3, 4, 2, seed=seed))
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked) == 2
    ours.eval(), theirs.eval()
    against_torch(ours, theirs, rand(2, 3, 3, 4, 2, seed=5))
    with pytest.raises(ValueError, match="5-D"):
        ours(rand(2, 3, 4, 4))


def test_instance_norm3d_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.InstanceNorm3d(3, affine=True, track_running_stats=True, dtype=F64)
    ours.weight.data[:] = [1.5, 0.5, 2.0]
    theirs = torch_copy(ours, torch.nn.InstanceNorm3d(3, affine=True, track_running_stats=True))
    against_torch(ours, theirs, rand(2, 3, 3, 4, 2))
    against_torch(ours, theirs, rand(3, 3, 4, 2, seed=1))  # unbatched
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    gradcheck(nn.InstanceNorm3d(2), [rand(1, 2, 2, 3, 2)])


PADS3D = [("ZeroPad3d", (1,)), ("ZeroPad3d", ((1, 0, 2, 1, 0, 3),)), ("ConstantPad3d", ((2, 1, 0, 1, 1, 0), 3.5)),
          ("ReflectionPad3d", ((1, 2, 1, 0, 2, 1),)), ("ReplicationPad3d", (2,)),
          ("CircularPad3d", ((1, 2, 0, 1, 2, 1),))]


@pytest.mark.parametrize("name,args", PADS3D, ids=[f"{p[0]}{p[1]}" for p in PADS3D])
def test_padding3d_modules_match_torch(name, args):
    x = rand(2, 2, 3, 4, 3)
    gradcheck(getattr(nn, name)(*args), [x[:1, :1]])  # first: it runs without torch too
    torch = pytest.importorskip("torch")
    against_torch(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x, rtol=0)
    against_torch(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x[0], rtol=0)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


# ----------------------------------------------------------------------------------------------------
# A compiled training step of a small 3-d network


def test_3d_network_trains_the_same_compiled_and_eager():
    def make():
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Conv3d(1, 4, 3, padding=1, rng=rng, dtype=F64), nn.BatchNorm3d(4, dtype=F64),
                              nn.ReLU(), nn.MaxPool3d(2), nn.ConvTranspose3d(4, 2, 2, stride=2, rng=rng, dtype=F64),
                              nn.AvgPool3d(2), nn.AdaptiveAvgPool3d(1), nn.Flatten())
        return model, ag.optim.SGD(model.parameters(), lr=0.1)

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(3, 1, 4, 4, 4)), ag.tensor(rng.integers(0, 2, 3))) for _ in range(4)]
    eager, compiled = assert_compiled_training_matches_eager(make, step, batches)
    np.testing.assert_allclose(eager[0][1].running_mean, compiled[0][1].running_mean, rtol=1e-12)
