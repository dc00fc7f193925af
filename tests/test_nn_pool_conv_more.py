"""Pooling options (ceil_mode, dilation, return_indices), MaxUnpool, F.pad, conv padding_mode, ConvTranspose's
output_size, and zero-size edge cases (empty batches, Linear(0, n)): against torch in float64 and finite
differences."""

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


MAX_POOL = [  # kernel, stride, padding, dilation, ceil_mode
    (3, 2, 1, 1, True), (3, 2, 0, 1, True), (2, 2, 0, 2, False), (3, 1, 1, 2, False),
    ((2, 3), (2, 1), (1, 0), (1, 2), True),
    (2, 3, 1, 1, True), (3, 3, 0, 1, True),
]


@pytest.mark.parametrize("case", MAX_POOL, ids=[str(c) for c in MAX_POOL])
def test_max_pool2d_options_match_torch(case):
    torch = pytest.importorskip("torch")
    k, s, p, d, ceil = case
    x = rand(2, 3, 7, 8)
    x[0, 0, :2, :2] = 1.5  # ties: the first maximum in row-major order wins, as PyTorch
    kw = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, return_indices=True)
    against_torch(lambda v: F.max_pool2d(v, **kw), lambda t: torch.nn.functional.max_pool2d(t, **kw), x)
    against_torch(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), x)
    kw["return_indices"] = False
    gradcheck(lambda v: F.max_pool2d(v, **kw), [rand(1, 2, 7, 8, seed=3)])


@pytest.mark.parametrize("case", [(3, 2, 1, 1, True), (2, 1, 0, 3, False), (4, 3, 2, 1, True)], ids=str)
def test_max_pool1d_options_match_torch(case):
    torch = pytest.importorskip("torch")
    k, s, p, d, ceil = case
    kw = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, return_indices=True)
    against_torch(lambda v: F.max_pool1d(v, **kw), lambda t: torch.nn.functional.max_pool1d(t, **kw), rand(2, 3, 11))
    against_torch(nn.MaxPool1d(**kw), torch.nn.MaxPool1d(**kw), rand(2, 3, 11))


AVG_POOL = [(3, 2, 1, True, True), (3, 2, 1, True, False), (3, 2, 0, True, True), (2, 3, 1, True, False),
            ((3, 2), (2, 3), (1, 1), True, True), (3, 2, 1, False, False)]


@pytest.mark.parametrize("case", AVG_POOL, ids=[str(c) for c in AVG_POOL])
def test_avg_pool_ceil_mode_matches_torch(case):
    torch = pytest.importorskip("torch")
    k, s, p, ceil, include = case
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=include)
    x = rand(2, 3, 7, 8)
    against_torch(lambda v: F.avg_pool2d(v, **kw), lambda t: torch.nn.functional.avg_pool2d(t, **kw), x)
    against_torch(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), x)
    gradcheck(lambda v: F.avg_pool2d(v, **kw), [x[:1, :1]])
    if isinstance(k, int):
        against_torch(lambda v: F.avg_pool1d(v, **kw), lambda t: torch.nn.functional.avg_pool1d(t, **kw),
                      rand(2, 3, 10))


UNPOOL = [(2, 2, 0, None), (3, 2, 1, (7, 8)), (3, 2, 1, (2, 3, 7, 8)), (2, 1, 0, None)]


@pytest.mark.parametrize("case", UNPOOL, ids=str)
def test_max_unpool2d_matches_torch(case):
    torch = pytest.importorskip("torch")
    k, s, p, size = case
    x = rand(2, 3, 7, 8)
    y, idx = F.max_pool2d(Value(x), k, s, p, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), k, s, p, return_indices=True)
    against_torch(lambda v: F.max_unpool2d(v, idx, k, s, p, output_size=size),
                  lambda t: torch.nn.functional.max_unpool2d(t, tidx, k, s, p, output_size=size), y.data)
    against_torch(lambda v: nn.MaxUnpool2d(k, s, p)(v, idx, size),
                  lambda t: torch.nn.MaxUnpool2d(k, s, p)(t, tidx, size), y.data)
    pooled, i1 = F.max_pool1d(Value(x[:, :, 0]), k, s, p, return_indices=True)
    _, ti1 = torch.nn.functional.max_pool1d(torch.tensor(x[:, :, 0]), k, s, p, return_indices=True)
    size1 = None if size is None else size[-1:]
    against_torch(lambda v: F.max_unpool1d(v, i1, k, s, p, size1),
                  lambda t: torch.nn.functional.max_unpool1d(t, ti1, k, s, p, size1), pooled.data)


def test_max_unpool_primitive_gradients():
    x = rand(1, 2, 6, 6)
    y, idx = F.max_pool2d(Value(x), 2, return_indices=True)   # disjoint windows: distinct indices
    out = F.max_unpool2d(Value(y.data), idx, 2)
    assert out.op == "reshape" and out.parents[0].op == "max_unpool"
    gradcheck(lambda v: F.max_unpool2d(v, idx, 2), [y.data])
    gradgradcheck(lambda v: F.max_unpool2d(v * v, idx, 2), [y.data])
    with pytest.raises(ValueError, match="indices must be in"):
        F.max_unpool2d(y, idx + 100, 2)


# ----------------------------------------------------------------------------------------------------
# Padding and padding modes.

PADS = [((2, 3, 5), (1, 2)), ((2, 3, 5), (2, 0)), ((2, 3, 4, 5), (1, 2, 3, 0)), ((3, 4, 5), (2, 1, 0, 3))]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PADS, ids=[str(p) for p in PADS])
def test_pad_matches_torch(mode, shape, pad):
    torch = pytest.importorskip("torch")
    x = rand(*shape)
    against_torch(lambda v: F.pad(v, pad, mode=mode), lambda t: torch.nn.functional.pad(t, pad, mode=mode), x)
    gradcheck(lambda v: F.pad(v, pad, mode=mode), [x])


def test_pad_constant_value_and_crop_match_torch():
    torch = pytest.importorskip("torch")
    against_torch(lambda v: F.pad(v, (-1, 2, 1, -2), value=3.5),
                  lambda t: torch.nn.functional.pad(t, (-1, 2, 1, -2), value=3.5), rand(2, 3, 4, 5))
    with pytest.raises(ValueError, match="reflect padding"):
        F.pad(Value(rand(1, 1, 3)), (3, 0), mode="reflect")


CONV_MODES = [("Conv2d", dict(padding=1)), ("Conv2d", dict(padding=(2, 1), stride=2)),
              ("Conv2d", dict(padding="same", dilation=2)), ("Conv1d", dict(padding=2, stride=2)),
              ("Conv1d", dict(padding="same"))]


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("name,kw", CONV_MODES, ids=[f"{n}{kw}" for n, kw in CONV_MODES])
def test_conv_padding_mode_matches_torch(mode, name, kw):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(3, 4, 3, padding_mode=mode, **kw).double()
    ours = getattr(nn, name)(3, 4, 3, padding_mode=mode, dtype=F64, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand(2, 3, 7, 8) if name == "Conv2d" else rand(2, 3, 9)
    against_torch(ours, theirs, x)
    if kw.get("padding") != "same":  # the padded input's gradient by finite differences, through the conv
        conv = getattr(F, name.lower())
        gradcheck(lambda v: conv(F.pad(v, _flat(ours), _MODE[mode]), ours.weight.data, stride=ours.stride), [x[:1]])
    if mode != "zeros":
        assert f"padding_mode={mode})" in repr(ours)  # unquoted, as PyTorch prints it


_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


def _flat(conv):
    pads = conv.padding
    return tuple(p for amount in reversed(pads) for p in (amount, amount))


def test_padding_mode_errors():
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding_mode must be 'zeros'"):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


@pytest.mark.parametrize("size", [(7, 7), (8, 8), (7, 8), (2, 2, 8, 7)], ids=str)
def test_conv_transpose_output_size_matches_torch(size):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1).double()
    ours = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype=F64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    against_torch(lambda v: ours(v, output_size=size), lambda t: theirs(t, output_size=size), rand(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"not reachable.*\[7, 8\]"):
        ours(Value(rand(2, 3, 4, 4)), output_size=(9, 9))
    t1 = torch.nn.ConvTranspose1d(3, 2, 3, stride=3).double()
    o1 = nn.ConvTranspose1d(3, 2, 3, stride=3, dtype=F64)
    o1.load_state_dict({k: v.detach().numpy() for k, v in t1.state_dict().items()})
    against_torch(lambda v: o1(v, output_size=[14]), lambda t: t1(t, output_size=[14]), rand(2, 3, 4))


# ----------------------------------------------------------------------------------------------------
# Zero-size edge cases.


@pytest.mark.parametrize("features,shape", [((0, 2), (3, 0)), ((2, 0), (3, 2)), ((2, 3), (0, 2))], ids=str)
def test_zero_size_linear_matches_torch(features, shape):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Linear(*features).double()
    ours = nn.Linear(*features, dtype=F64)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    against_torch(ours, theirs, rand(*shape))
    out = ours(Value(rand(*shape)))
    out.sum().backward()
    assert ours.weight.grad.shape == ours.weight.shape


EMPTY = [("Conv2d", (3, 4, 3), dict(padding=1), (0, 3, 6, 6)), ("Conv1d", (3, 4, 3), dict(stride=2), (0, 3, 9)),
         ("ConvTranspose2d", (3, 2, 3), dict(stride=2), (0, 3, 4, 4)),
         ("ConvTranspose2d", (3, 2, 3), dict(), (0, 3, 4, 4)), ("Conv2d", (4, 4, 3), dict(groups=2), (0, 4, 5, 5))]


@pytest.mark.parametrize("name,args,kw,shape", EMPTY, ids=[f"{e[0]}{e[2]}" for e in EMPTY])
def test_conv_on_an_empty_batch_matches_torch(name, args, kw, shape):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(*args, **kw).double()
    ours = getattr(nn, name)(*args, dtype=F64, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    against_torch(ours, theirs, np.zeros(shape))
    ours.zero_grad()
    ours(Value(np.zeros(shape))).sum().backward()
    np.testing.assert_array_equal(ours.weight.grad, np.zeros(ours.weight.shape))


def test_pooling_on_an_empty_batch_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.zeros((0, 3, 6, 6))
    against_torch(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)
    against_torch(nn.AvgPool2d(3, 2, 1, ceil_mode=True), torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True), x)
