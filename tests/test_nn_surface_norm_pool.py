"""InstanceNorm1d/2d (F.instance_norm), AdaptiveMaxPool1d/2d (F.adaptive_max_pool1d/2d) and Unfold/Fold
(F.unfold/F.fold): against torch in float64 (values, gradients, indices, running statistics, state_dict names),
finite differences, errors, and inside autograd_core.compile."""

import functools
import warnings

import numpy as np
import nn_helpers
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck, gradgradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


against_torch = functools.partial(nn_helpers.against_torch, atol=1e-14, grad_rtol=None, seed=11)


# ----------------------------------------------------------------------------------------------------
# Instance normalisation


@pytest.mark.parametrize("name,shape,kw", [
    ("InstanceNorm1d", (2, 3, 5), {}),
    ("InstanceNorm1d", (3, 6), dict(affine=True)),                                  # unbatched
    ("InstanceNorm2d", (2, 3, 4, 5), dict(affine=True, track_running_stats=True)),
    ("InstanceNorm2d", (3, 4, 5), dict(track_running_stats=True, momentum=0.3)),     # unbatched
    ("InstanceNorm2d", (2, 3, 2, 3), dict(affine=True, bias=False, eps=0.1)),
])
def test_instance_norm_matches_torch_in_training_and_evaluation(name, shape, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(3, dtype=np.float64, **kw), getattr(torch.nn, name)(3, **kw).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    if ours.weight is not None:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rand(3, seed=1)))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step in range(2):  # training: the running statistics move as PyTorch's
        against_torch(ours, theirs, rand(*shape, seed=step) * 2 + 1)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-12, atol=1e-15)
    ours.eval()
    theirs.eval()
    against_torch(ours, theirs, rand(*shape, seed=5))
    if ours.weight is not None:
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-11)


def test_functional_instance_norm_matches_torch_and_gradcheck():
    x, weight, bias = rand(2, 3, 4, seed=2), rand(3, seed=3), rand(3, seed=4)
    gradcheck(lambda v, w, b: F.instance_norm(v, weight=w, bias=b), [x, weight, bias])  # runs without torch too
    gradgradcheck(F.instance_norm, [x])
    torch = pytest.importorskip("torch")
    running = [np.zeros(3), np.ones(3)]
    t_running = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    against_torch(lambda v: F.instance_norm(v, *running, weight=weight, bias=bias, momentum=0.2),
                  lambda t: torch.nn.functional.instance_norm(t, *t_running, weight=torch.tensor(weight),
                                                              bias=torch.tensor(bias), momentum=0.2), x)
    np.testing.assert_allclose(running[0], t_running[0].numpy(), rtol=1e-13)
    np.testing.assert_allclose(running[1], t_running[1].numpy(), rtol=1e-13)
    against_torch(lambda v: F.instance_norm(v, *running, use_input_stats=False),
                  lambda t: torch.nn.functional.instance_norm(t, *t_running, use_input_stats=False), x)


def test_instance_norm_errors_and_warning():
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(Value(np.ones((2, 3, 1))))
    with pytest.raises(ValueError, match="3-D"):
        nn.InstanceNorm2d(3)(Value(np.ones((2, 3))))
    with pytest.raises(ValueError, match="3 channels"):
        nn.InstanceNorm1d(3, affine=True)(Value(rand(2, 4, 5)))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(Value(rand(2, 4, 5)))
    with pytest.raises(ValueError, match="running_mean"):
        F.instance_norm(Value(rand(2, 3, 4)), use_input_stats=False)


# ----------------------------------------------------------------------------------------------------
# Adaptive max pooling


@pytest.mark.parametrize("fname,shape,size", [
    ("adaptive_max_pool2d", (2, 3, 5, 7), 3), ("adaptive_max_pool2d", (2, 3, 6, 4), (2, None)),
    ("adaptive_max_pool2d", (3, 5, 7), (4, 3)), ("adaptive_max_pool2d", (1, 2, 3, 3), (5, 4)),   # bins overlap
    ("adaptive_max_pool1d", (2, 3, 7), 3), ("adaptive_max_pool1d", (3, 7), 5),
])
def test_adaptive_max_pool_matches_torch_with_indices(fname, shape, size):
    x = rand(*shape, seed=3)
    gradcheck(lambda v: getattr(F, fname)(v, size), [x])  # first: it runs without torch too
    torch = pytest.importorskip("torch")
    module = {"adaptive_max_pool2d": "AdaptiveMaxPool2d", "adaptive_max_pool1d": "AdaptiveMaxPool1d"}[fname]
    against_torch(getattr(nn, module)(size), getattr(torch.nn, module)(size), x, rtol=0)
    ours, indices = getattr(F, fname)(Value(x), size, return_indices=True)
    theirs, t_indices = getattr(torch.nn.functional, fname)(torch.tensor(x), size, return_indices=True)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.data, t_indices.numpy())
    assert repr(getattr(nn, module)(size)) == repr(getattr(torch.nn, module)(size))


def test_adaptive_max_pool_sends_a_tie_to_the_first_maximum_like_torch():
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 2] = x[0, 0, 0, 3] = 1.0  # equal maxima in one bin: the first in row-major order wins
    against_torch(nn.AdaptiveMaxPool2d(1), torch.nn.AdaptiveMaxPool2d(1), x, rtol=0)
    against_torch(nn.AdaptiveMaxPool2d(2), torch.nn.AdaptiveMaxPool2d(2), np.ones((1, 2, 4, 4)), rtol=0)


def test_adaptive_max_pool_errors_and_arrays():
    with pytest.raises(ValueError, match="3-D .unbatched. or 4-D"):
        F.adaptive_max_pool2d(Value(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="output_size must be >= 1"):
        F.adaptive_max_pool1d(Value(np.ones((1, 4))), 0)
    out = F.adaptive_max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)  # arrays work, without a graph
    np.testing.assert_array_equal(out, [[[[5.0, 7.0], [13.0, 15.0]]]])


# ----------------------------------------------------------------------------------------------------
# Unfold and Fold


GEOMETRIES = [((2, 3, 5, 6), dict(kernel_size=2)),
              ((2, 2, 7, 6), dict(kernel_size=(3, 2), stride=2, padding=1, dilation=(1, 2))),
              ((3, 5, 5), dict(kernel_size=3, stride=(2, 1))),   # unbatched
              ((1, 2, 6, 6), dict(kernel_size=2, stride=3))]    # windows skip rows: fold leaves them at zero


@pytest.mark.parametrize("shape,kw", GEOMETRIES)
def test_unfold_and_fold_match_torch(shape, kw):
    x = rand(*shape, seed=4)
    gradcheck(lambda v: F.unfold(v, **kw), [x[..., :4, :5] if len(shape) == 3 else x[:1, :1]])  # without torch too
    torch = pytest.importorskip("torch")
    cols = against_torch(nn.Unfold(**kw), torch.nn.Unfold(**kw), x, rtol=0)
    size = shape[-2:]
    against_torch(nn.Fold(size, **kw), torch.nn.Fold(size, **kw), rand(*cols.shape, seed=5), rtol=1e-14)
    assert repr(nn.Unfold(**kw)) == repr(torch.nn.Unfold(**kw))
    assert repr(nn.Fold(size, **kw)) == repr(torch.nn.Fold(size, **kw))


def test_fold_is_the_adjoint_of_unfold_and_gradchecks():
    x, kw = rand(1, 2, 5, 5, seed=6), dict(kernel_size=3, padding=1, stride=2)
    cols = F.unfold(Value(x), **kw)
    c = rand(*cols.shape, seed=7)
    # ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩
    np.testing.assert_allclose((cols.data * c).sum(), (x * F.fold(Value(c), (5, 5), **kw).data).sum(), rtol=1e-12)
    gradcheck(lambda v: F.fold(v, (5, 5), **kw), [c])
    gradgradcheck(lambda v: F.unfold(v * v, **kw), [x])


def test_fold_errors():
    with pytest.raises(ValueError, match="divisible by the product of kernel_size"):
        F.fold(Value(np.ones((1, 5, 4))), (3, 3), 2)
    with pytest.raises(ValueError, match="number of sliding blocks 2 \\* 2 = 4"):
        F.fold(Value(np.ones((1, 4, 5))), (3, 3), 2)
    with pytest.raises(ValueError, match="3-D .unbatched. or 4-D"):
        F.unfold(Value(np.ones((4, 4))), 2)


# ----------------------------------------------------------------------------------------------------
# Inside autograd_core.compile


def test_instance_norm_adaptive_max_pool_and_unfold_replay_like_eager():
    def make():
        return (nn.InstanceNorm2d(2, affine=True, track_running_stats=True, dtype=np.float64),
                nn.AdaptiveMaxPool2d((2, 3)))

    def forward(norm, pool, x):
        h = pool(norm(x))
        return (h * h).sum() + F.unfold(x, 2, stride=2).sum() * 0.1

    eager, compiled = make(), make()
    step = ag.compile(lambda x: forward(*compiled, x))
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=(2, 2, 5, 6))
        np.testing.assert_allclose(step(x).data, forward(*eager, x).data, rtol=1e-12)
    assert step.stats["replayed"] >= 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the running statistics followed every batch
        np.testing.assert_allclose(compiled[0].running_mean, eager[0].running_mean, rtol=1e-12)
        np.testing.assert_allclose(compiled[0].running_var, eager[0].running_var, rtol=1e-12)
