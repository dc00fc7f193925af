"""nn.utils.prune (PyTorch's torch.nn.utils.prune): each method's mask, the reparametrised module's forward and the
gradient of `weight_orig` against PyTorch in float64 (same weights, distinct scores so that PyTorch's topk and our
sort pick the same entries), and by hand without it (counts, zero rows); pruning twice (PruningContainer), remove,
global_unstructured, the state dict, training after pruning, bad amounts; and the pruning tutorial's LeNet code
run with `import autograd_core as torch` (random parts checked by counts, the rest against PyTorch)."""

import contextlib
import copy
import io
import pickle
import math
import re

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.nn.utils import prune

RNG = np.random.default_rng(7)


def _torch():
    pytest.importorskip("torch.nn.utils.prune")  # torch.nn.utils does not import it
    import torch

    return torch


def _linear(w, b):
    m = nn.Linear(w.shape[1], w.shape[0], dtype=np.float64)
    m.weight.data[...], m.bias.data[...] = w, b
    return m


def _torch_linear(torch, w, b):
    m = torch.nn.Linear(w.shape[1], w.shape[0]).double()
    with torch.no_grad():
        m.weight.copy_(torch.tensor(w))
        m.bias.copy_(torch.tensor(b))
    return m


def _conv(w, b):
    m = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], dtype=np.float64)
    m.weight.data[...], m.bias.data[...] = w, b
    return m


def _torch_conv(torch, w, b):
    m = torch.nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:]).double()
    with torch.no_grad():
        m.weight.copy_(torch.tensor(w))
        m.bias.copy_(torch.tensor(b))
    return m


def _zero_count(m, name="weight"):
    return int((np.asarray(getattr(m, name + "_mask")) == 0).sum())


# Each case: (layer kind, how to prune a module with a prune namespace: ours or torch's)
SCORES = RNG.normal(size=(4, 5))
CASES = {
    "identity": ("linear", lambda p, m: p.identity(m, "weight")),
    "l1_int": ("linear", lambda p, m: p.l1_unstructured(m, "weight", amount=7)),
    "l1_float": ("linear", lambda p, m: p.l1_unstructured(m, "weight", amount=0.3)),
    "l1_half_rounds_to_even": ("linear", lambda p, m: p.l1_unstructured(m, "weight", amount=0.125)),  # 2.5 -> 2
    "l1_all": ("linear", lambda p, m: p.l1_unstructured(m, "weight", amount=1.0)),
    "l1_none": ("linear", lambda p, m: p.l1_unstructured(m, "weight", amount=0)),
    "l1_bias": ("linear", lambda p, m: p.l1_unstructured(m, "bias", amount=2)),
    "l1_scores": ("linear", lambda p, m: p.l1_unstructured(m, "weight", amount=6, importance_scores=_scores(m))),
    "ln2_rows": ("linear", lambda p, m: p.ln_structured(m, "weight", amount=0.5, n=2, dim=0)),
    "ln1_columns": ("linear", lambda p, m: p.ln_structured(m, "weight", amount=2, n=1, dim=1)),
    "lninf_last": ("linear", lambda p, m: p.ln_structured(m, "weight", amount=3, n=math.inf, dim=-1)),
    "ln_fro_scores": ("linear", lambda p, m: p.ln_structured(m, "weight", 1, "fro", 0, importance_scores=_scores(m))),
    "ln2_conv_out": ("conv", lambda p, m: p.ln_structured(m, "weight", amount=2, n=2, dim=0)),
    "ln1_conv_in": ("conv", lambda p, m: p.ln_structured(m, "weight", amount=1, n=1, dim=1)),
    "custom": ("linear", lambda p, m: p.custom_from_mask(m, "weight", mask=_custom_mask(m))),
    "l1_conv": ("conv", lambda p, m: p.l1_unstructured(m, "weight", amount=0.4)),
}


def _scores(m):
    """SCORES as the module's library's tensor (ours: a Value, PyTorch's: a tensor)."""
    if isinstance(m, nn.Module):
        return ag.tensor(SCORES)
    import torch

    return torch.tensor(SCORES)


def _custom_mask(m):
    mask = (np.arange(20).reshape(4, 5) % 3 != 0).astype(np.float64)
    if isinstance(m, nn.Module):
        return mask
    import torch

    return torch.tensor(mask)


def _pair(kind, torch=None):
    if kind == "linear":
        w, b, x = RNG.normal(size=(4, 5)), RNG.normal(size=4), RNG.normal(size=(3, 5))
        return _linear(w, b), (torch and _torch_linear(torch, w, b)), x
    w, b, x = RNG.normal(size=(3, 2, 2, 2)), RNG.normal(size=3), RNG.normal(size=(2, 2, 4, 4))
    return _conv(w, b), (torch and _torch_conv(torch, w, b)), x


@pytest.mark.parametrize("case", list(CASES))
def test_mask_forward_and_gradient_match_torch(case):
    torch = _torch()
    kind, how = CASES[case]
    ours, theirs, x = _pair(kind, torch)
    how(prune, ours)
    how(torch.nn.utils.prune, theirs)
    name = "bias" if case == "l1_bias" else "weight"
    np.testing.assert_array_equal(getattr(ours, name + "_mask"), getattr(theirs, name + "_mask").numpy())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert not isinstance(getattr(ours, name), nn.Parameter)
    y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-13)
    w = RNG.normal(size=y.shape)
    (y * w).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(getattr(ours, name + "_orig").grad, getattr(theirs, name + "_orig").grad.numpy(),
                               rtol=1e-12, atol=1e-13)


def test_l1_unstructured_by_hand():
    w = np.array([[0.5, -3.0, 0.1], [2.0, -0.2, 1.0]])
    m = _linear(w, np.zeros(2))
    assert prune.l1_unstructured(m, "weight", amount=0.5) is m  # round(3.0) = 3 smallest |w|
    np.testing.assert_array_equal(m.weight_mask, [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(m.weight.data, w * m.weight_mask)
    assert isinstance(m.weight_orig, nn.Parameter) and m.weight_mask.dtype == np.float64
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_orig"]
    assert [n for n, _ in m.named_buffers()] == ["weight_mask"]
    m(ag.tensor(np.ones((2, 3)))).sum().backward()
    np.testing.assert_array_equal(m.weight_orig.grad, 2 * m.weight_mask)  # zero where pruned
    m.weight_orig.data[...] = 10.0  # the pre-hook recomputes weight before the next forward
    m(ag.tensor(np.ones((1, 3))))
    np.testing.assert_array_equal(m.weight.data, 10 * m.weight_mask)


def test_structured_by_hand():
    w = np.array([[1.0, 1.0, 1.0], [0.1, 0.2, 0.1], [3.0, 0.0, 0.0], [0.5, 0.5, 0.5]])
    m = prune.ln_structured(_linear(w, np.zeros(4)), "weight", amount=2, n=1, dim=0)  # L1 norms 3, .4, 3, 1.5
    np.testing.assert_array_equal(m.weight_mask.sum(axis=1), [3, 0, 3, 0])
    m = prune.ln_structured(_linear(w, np.zeros(4)), "weight", amount=1, n=math.inf, dim=0)  # max |w|: 1,.2,3,.5
    np.testing.assert_array_equal(m.weight_mask.sum(axis=1), [3, 0, 3, 3])
    m = prune.ln_structured(_linear(w, np.zeros(4)), "weight", amount=1, n=2, dim=1)  # column norms
    np.testing.assert_array_equal(m.weight_mask.sum(axis=0), [4, 4, 0])
    conv = _conv(RNG.normal(size=(6, 2, 3, 3)), np.zeros(6))
    prune.random_structured(conv, "weight", amount=0.5, dim=0)
    per_channel = conv.weight_mask.reshape(6, -1).sum(axis=1)
    assert sorted(per_channel) == [0, 0, 0, 18, 18, 18]  # 3 whole output channels
    prune.random_structured(conv, "weight", amount=1, dim=1)
    assert sorted(conv.weight_mask.sum(axis=(0, 2, 3))) == [0, 27]


def test_random_unstructured_counts_and_seed():
    ag.manual_seed(3)
    a = prune.random_unstructured(_linear(RNG.normal(size=(10, 10)), np.zeros(10)), "weight", amount=0.37)
    assert _zero_count(a) == 37
    ag.manual_seed(3)
    b = prune.random_unstructured(_linear(RNG.normal(size=(10, 10)), np.zeros(10)), "weight", amount=0.37)
    np.testing.assert_array_equal(a.weight_mask, b.weight_mask)  # drawn from the default generator
    prune.random_unstructured(a, "weight", amount=0.5)  # half of the 63 left: round(31.5) = 32
    assert _zero_count(a) == 37 + 32
    assert np.all(a.weight_mask[b.weight_mask == 0] == 0)


def test_random_counts_agree_with_torch():
    torch = _torch()
    for amount in (0, 3, 0.25, 0.5, 1.0):
        ours, theirs, _ = _pair("linear", torch)
        prune.random_unstructured(ours, "weight", amount=amount)
        torch.nn.utils.prune.random_unstructured(theirs, "weight", amount=amount)
        assert _zero_count(ours) == int((theirs.weight_mask == 0).sum())
        ours, theirs, _ = _pair("conv", torch)
        prune.random_structured(ours, "weight", amount=amount if amount != 3 else 2, dim=0)
        torch.nn.utils.prune.random_structured(theirs, "weight", amount=amount if amount != 3 else 2, dim=0)
        assert _zero_count(ours) == int((theirs.weight_mask == 0).sum())


TWICE = {
    "l1_then_l1": lambda p, m: (p.l1_unstructured(m, "weight", amount=0.5), p.l1_unstructured(m, "weight", 0.5)),
    "l1_then_rows": lambda p, m: (p.l1_unstructured(m, "weight", amount=5),
                                  p.ln_structured(m, "weight", amount=1, n=2, dim=0)),
    "rows_then_rows": lambda p, m: (p.ln_structured(m, "weight", amount=1, n=1, dim=0),
                                    p.ln_structured(m, "weight", amount=0.5, n=2, dim=0)),
    "rows_then_l1_scores": lambda p, m: (p.ln_structured(m, "weight", amount=2, n=2, dim=0),
                                         p.l1_unstructured(m, "weight", 3, importance_scores=_scores(m))),
    "three_times": lambda p, m: (p.l1_unstructured(m, "weight", amount=2), p.identity(m, "weight"),
                                 p.custom_from_mask(m, "weight", _custom_mask(m))),
}


@pytest.mark.parametrize("case", list(TWICE))
def test_pruning_twice_combines_masks_as_torch(case):
    torch = _torch()
    ours, theirs, x = _pair("linear", torch)
    TWICE[case](prune, ours)
    TWICE[case](torch.nn.utils.prune, theirs)
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    (hook,) = ours._forward_pre_hooks.values()
    (their_hook,) = [h for h in theirs._forward_pre_hooks.values()]
    assert isinstance(hook, prune.PruningContainer) and hook._tensor_name == "weight"
    assert [type(h).__name__ for h in hook] == [type(h).__name__ for h in their_hook]
    y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-13)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(ours.weight_orig.grad, theirs.weight_orig.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_pruning_twice_by_hand():
    m = _linear(np.arange(1.0, 21.0).reshape(4, 5), np.zeros(4))
    prune.l1_unstructured(m, "weight", amount=0.5)  # 1..10 pruned: rows 0 and 1
    prune.ln_structured(m, "weight", amount=1, n=1, dim=0)  # rows 0, 1 are zero already: of rows 2, 3, row 2 goes
    np.testing.assert_array_equal(m.weight_mask.sum(axis=1), [0, 0, 0, 5])
    prune.l1_unstructured(m, "weight", amount=0.5)  # then half of the 5 left, round(2.5) = 2: 16, 17
    np.testing.assert_array_equal(m.weight_mask.reshape(-1), np.arange(1, 21) > 17)
    container = list(m._forward_pre_hooks.values())[0]
    assert [type(h) for h in container] == [prune.L1Unstructured, prune.LnStructured, prune.L1Unstructured]
    assert len(container) == 3 and container[1].n == 1


def test_remove_makes_pruning_permanent():
    w = RNG.normal(size=(4, 5))
    m = _linear(w, np.zeros(4))
    orig = m.weight
    prune.l1_unstructured(m, "weight", amount=8)
    prune.l1_unstructured(m, "bias", amount=1)
    mask = m.weight_mask.copy()
    assert prune.is_pruned(m) and prune.is_pruned(nn.Sequential(nn.ReLU(), m))
    assert prune.remove(m, "weight") is m
    assert m.weight is orig and isinstance(m.weight, nn.Parameter)  # the same Parameter, pruned values
    np.testing.assert_array_equal(m.weight.data, w * mask)
    assert not hasattr(m, "weight_orig") and not hasattr(m, "weight_mask")
    assert list(m.state_dict()) == ["bias_orig", "weight", "bias_mask"]  # parameters first, as PyTorch's
    assert prune.is_pruned(m)
    prune.remove(m, "bias")
    assert list(m.state_dict()) == ["weight", "bias"] and not prune.is_pruned(m)
    assert m._module_hooks is None and len(m._forward_pre_hooks) == 0
    m.weight.data[...] = 1.0  # no hook left to mask it again
    np.testing.assert_array_equal(m(ag.tensor(np.ones((1, 5)))).data, [[5.0] * 4])
    with pytest.raises(ValueError, match="has to be pruned"):
        prune.remove(m, "weight")


def test_remove_and_state_dict_match_torch():
    torch = _torch()
    ours, theirs, x = _pair("conv", torch)
    for p, m in ((prune, ours), (torch.nn.utils.prune, theirs)):
        p.ln_structured(m, "weight", amount=1, n=2, dim=0)
        p.l1_unstructured(m, "bias", amount=1)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    fresh = _conv(RNG.normal(size=(3, 2, 2, 2)), np.zeros(3))  # a pruned model's state dict loads into a pruned one
    prune.identity(fresh, "weight")
    prune.identity(fresh, "bias")
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(fresh(ag.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    prune.remove(ours, "weight")
    torch.nn.utils.prune.remove(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())


def test_global_unstructured_by_hand():
    a = _linear(np.array([[1.0, -8.0], [3.0, 4.0]]), np.zeros(2))
    b = _linear(np.array([[-2.0, 7.0, 0.5], [6.0, 5.0, 9.0]]), np.zeros(2))
    prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured, amount=4)
    np.testing.assert_array_equal(a.weight_mask, [[0, 1], [0, 1]])  # 0.5, 1, 2, 3 are the 4 smallest
    np.testing.assert_array_equal(b.weight_mask, [[0, 1, 0], [1, 1, 1]])
    assert isinstance(list(a._forward_pre_hooks.values())[0], prune.CustomFromMask)
    prune.global_unstructured(((a, "weight"), (b, "weight")), pruning_method=prune.L1Unstructured, amount=0.5)
    assert _zero_count(a) + _zero_count(b) == 4 + 3  # half of the 6 left, rounded to even
    np.testing.assert_array_equal(a.weight_mask, [[0, 1], [0, 0]])  # of -8, 4, 7, 6, 5, 9: 4, 5, 6 go
    np.testing.assert_array_equal(b.weight_mask, [[0, 1, 0], [0, 0, 1]])
    with pytest.raises(TypeError, match="unstructured"):
        prune.global_unstructured([(a, "weight")], pruning_method=prune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="dict"):
        prune.global_unstructured([(a, "weight")], prune.L1Unstructured, importance_scores=[1], amount=1)


def test_global_unstructured_matches_torch():
    torch = _torch()
    (a, ta, _), (c, tc, xc) = _pair("linear", torch), _pair("conv", torch)
    prune.l1_unstructured(a, "bias", amount=1)
    torch.nn.utils.prune.l1_unstructured(ta, "bias", amount=1)
    scores = {(c, "weight"): ag.tensor(np.abs(c.weight.data) * np.arange(24).reshape(c.weight.shape))}
    tscores = {(tc, "weight"): torch.tensor(scores[(c, "weight")].data)}
    for p, params, s in ((prune, [(a, "weight"), (a, "bias"), (c, "weight")], scores),
                         (torch.nn.utils.prune, [(ta, "weight"), (ta, "bias"), (tc, "weight")], tscores)):
        p.global_unstructured(params, pruning_method=p.L1Unstructured, importance_scores=s, amount=0.3)
        p.global_unstructured(params, pruning_method=p.RandomUnstructured, amount=0)
    for ours, theirs in ((a, ta), (c, tc)):
        for name in ("weight", "bias"):
            if hasattr(theirs, name + "_mask"):
                np.testing.assert_array_equal(getattr(ours, name + "_mask"), getattr(theirs, name + "_mask").numpy())
    np.testing.assert_allclose(c(ag.tensor(xc)).data, tc(torch.tensor(xc)).detach().numpy(), rtol=1e-12)


def test_pruned_model_trains_as_torch():
    torch = _torch()
    w1, b1, w2, b2 = RNG.normal(size=(6, 4)), RNG.normal(size=6), RNG.normal(size=(2, 6)), RNG.normal(size=2)
    x, target = RNG.normal(size=(8, 4)), RNG.normal(size=(8, 2))
    ours = nn.Sequential(_linear(w1, b1), nn.Tanh(), _linear(w2, b2))
    theirs = torch.nn.Sequential(_torch_linear(torch, w1, b1), torch.nn.Tanh(), _torch_linear(torch, w2, b2))
    for p, model in ((prune, ours), (torch.nn.utils.prune, theirs)):
        p.l1_unstructured(model[0], "weight", amount=0.5)
        p.ln_structured(model[2], "weight", amount=2, n=2, dim=1)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    opt = ag.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        topt.zero_grad()
        loss = ((ours(ag.tensor(x)) - ag.tensor(target)) ** 2).mean()
        tloss = ((theirs(torch.tensor(x)) - torch.tensor(target)) ** 2).mean()
        np.testing.assert_allclose(loss.data, tloss.item(), rtol=1e-12)
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
    for (name, p), (_, tp) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(p, tp.numpy(), rtol=1e-12, atol=1e-14, err_msg=name)
    np.testing.assert_array_equal(ours[0].weight.data == 0, ours[0].weight_mask == 0)  # after the steps: masked


@pytest.mark.parametrize("amount, error, message", [
    (-1, ValueError, "non-negative integer"), (1.5, ValueError, r"range \[0, 1\]"), (-0.1, ValueError, "range"),
    ("half", TypeError, "Invalid type for amount"), (None, TypeError, "Invalid type"),
    (21, ValueError, "should be smaller than the number of parameters to prune=20")])
def test_bad_amounts_raise_and_leave_the_module_alone(amount, error, message):
    m = _linear(RNG.normal(size=(4, 5)), np.zeros(4))
    weight = m.weight
    with pytest.raises(error, match=message):
        prune.l1_unstructured(m, "weight", amount=amount)
    with pytest.raises(error, match=message):
        prune.random_unstructured(m, "weight", amount=amount)
    assert m.weight is weight and list(m.state_dict()) == ["weight", "bias"] and not prune.is_pruned(m)
    prune.l1_unstructured(m, "weight", amount=3)
    before = m.weight_mask.copy()
    with pytest.raises(error, match=message if amount != 21 else "prune=17"):  # 17 left to prune
        prune.l1_unstructured(m, "weight", amount=amount if amount != 21 else 18)
    np.testing.assert_array_equal(m.weight_mask, before)
    assert type(list(m._forward_pre_hooks.values())[0]) is prune.L1Unstructured


def test_other_errors():
    m = _linear(RNG.normal(size=(4, 5)), np.zeros(4))
    with pytest.raises(ValueError, match="multidimensional"):
        prune.ln_structured(m, "bias", amount=1, n=2, dim=0)
    with pytest.raises(IndexError, match="Invalid index 2"):
        prune.random_structured(m, "weight", amount=1, dim=2)
    with pytest.raises(ValueError, match="same shape"):
        prune.l1_unstructured(m, "weight", amount=1, importance_scores=np.ones((5, 4)))
    with pytest.raises(ValueError, match="smaller than the number of parameters to prune=4"):
        prune.ln_structured(m, "weight", amount=5, n=1, dim=0)
    assert list(m.state_dict()) == ["weight", "bias"]
    with pytest.raises(TypeError):
        prune.BasePruningMethod()  # compute_mask is abstract


def test_pruning_method_objects():
    t = ag.tensor(np.array([[3.0, -1.0], [0.5, 2.0]]))
    np.testing.assert_array_equal(prune.L1Unstructured(amount=2).prune(t).data, [[3.0, 0.0], [0.0, 2.0]])
    mask = prune.LnStructured(amount=1, n=1, dim=0).compute_mask(t, default_mask=ag.ones_like(t))
    np.testing.assert_array_equal(mask.data, [[1, 1], [0, 0]])
    scores = np.array([[0.0, 9.0], [9.0, 0.0]])
    np.testing.assert_array_equal(prune.L1Unstructured(2).prune(t, importance_scores=scores).data, [[0, -1], [.5, 0]])
    container = prune.PruningContainer(prune.L1Unstructured(1))
    with pytest.raises(TypeError, match="not a BasePruningMethod"):
        container.add_pruning_method("l1")


TUTORIAL = r'''
import torch
from torch import nn
import torch.nn.utils.prune as prune
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square conv kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5x5 image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

model = LeNet().to(device=device)

module = model.conv1
print(list(module.named_parameters()))
print(list(module.named_buffers()))

prune.random_unstructured(module, name="weight", amount=0.3)
print(list(module.named_parameters()))
print(list(module.named_buffers()))
print(module.weight)
print(module._forward_pre_hooks)

prune.l1_unstructured(module, name="bias", amount=3)
print(list(module.named_parameters()))
print(list(module.named_buffers()))
print(module.bias)
print(module._forward_pre_hooks)

prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
print(module.weight)

for hook in module._forward_pre_hooks.values():
    if hook._tensor_name == "weight":  # select out the correct hook
        break

print(list(hook))  # pruning history in the container

print(model.state_dict().keys())

print(list(module.named_parameters()))
print(list(module.named_buffers()))
print(module.weight)

prune.remove(module, 'weight')
print(list(module.named_parameters()))
print(list(module.named_buffers()))

new_model = LeNet()
for name, module in new_model.named_modules():
    # prune 20% of connections in all 2D-conv layers
    if isinstance(module, torch.nn.Conv2d):
        prune.l1_unstructured(module, name='weight', amount=0.2)
    # prune 40% of connections in all linear layers
    elif isinstance(module, torch.nn.Linear):
        prune.l1_unstructured(module, name='weight', amount=0.4)

print(dict(new_model.named_buffers()).keys())  # to verify that all masks exist

model = LeNet()

parameters_to_prune = (
    (model.conv1, 'weight'),
    (model.conv2, 'weight'),
    (model.fc1, 'weight'),
    (model.fc2, 'weight'),
    (model.fc3, 'weight'),
)

prune.global_unstructured(
    parameters_to_prune,
    pruning_method=prune.L1Unstructured,
    amount=0.2,
)

print(
    "Sparsity in conv1.weight: {:.2f}%".format(
        100. * float(torch.sum(model.conv1.weight == 0))
        / float(model.conv1.weight.nelement())
    )
)
print(
    "Sparsity in fc3.weight: {:.2f}%".format(
        100. * float(torch.sum(model.fc3.weight == 0))
        / float(model.fc3.weight.nelement())
    )
)
print(
    "Global sparsity: {:.2f}%".format(
        100. * float(
            torch.sum(model.conv1.weight == 0)
            + torch.sum(model.conv2.weight == 0)
            + torch.sum(model.fc1.weight == 0)
            + torch.sum(model.fc2.weight == 0)
            + torch.sum(model.fc3.weight == 0)
        )
        / float(
            model.conv1.weight.nelement()
            + model.conv2.weight.nelement()
            + model.fc1.weight.nelement()
            + model.fc2.weight.nelement()
            + model.fc3.weight.nelement()
        )
    )
)

class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor
    """
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask

def foobar_unstructured(module, name):
    """Prunes tensor corresponding to parameter called `name` in `module`
    by removing every other entry in the tensors.
    """
    FooBarPruningMethod.apply(module, name)
    return module

model = LeNet()
foobar_unstructured(model.fc3, name='bias')

print(model.fc3.bias_mask)
'''


def _run(source, scope):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "pruning_tutorial", "exec"), scope)
    return out.getvalue()


def test_pruning_tutorial_lenet():
    source = TUTORIAL.replace("import torch\n", "import autograd_core as torch\n") \
        .replace("from torch import nn", "from autograd_core import nn") \
        .replace("import torch.nn.utils.prune as prune", "import autograd_core.nn.utils.prune as prune") \
        .replace("import torch.nn.functional as F", "import autograd_core.nn.functional as F")
    one_layer, rest = source.split("new_model = LeNet()")
    global_part, custom = ("new_model = LeNet()" + rest).split("class FooBarPruningMethod")
    ag.manual_seed(0)
    scope = {"__name__": "pruning_tutorial"}
    text = _run(one_layer, scope)
    # one layer: 30% of conv1.weight at random (45 of 150), the 3 smallest biases, then 3 of the 6 channels
    conv1 = scope["model"].conv1
    assert isinstance(conv1.weight, nn.Parameter) and not hasattr(conv1, "weight_mask")  # after prune.remove
    zeros = (conv1.weight.data == 0).reshape(6, -1).sum(axis=1)
    assert sorted(zeros)[3:] == [25, 25, 25] and sum(sorted(zeros)[:3]) <= 45
    bias = conv1.bias_orig.data
    np.testing.assert_array_equal(conv1.bias_mask == 0, np.abs(bias) <= np.sort(np.abs(bias))[2])
    assert [type(h).__name__ for h in scope["hook"]] == ["RandomUnstructured", "LnStructured"]
    assert "odict_keys(['conv1.weight_orig', 'conv1.bias_orig', 'conv1.weight_mask', 'conv1.bias_mask', " \
           "'conv2.weight', 'conv2.bias', 'fc1.weight'," in text  # the tutorial's printed keys
    assert re.search(r"OrderedDict\(\{\d+: <autograd_core.nn.utils.prune.RandomUnstructured object at", text)
    text = _run(global_part, scope)
    # each layer: l1 20% (conv) or 40% (linear) of its weight; then global 20% over the five weights
    assert "dict_keys(['conv1.weight_mask', 'conv2.weight_mask', 'fc1.weight_mask', 'fc2.weight_mask', " \
           "'fc3.weight_mask'])" in text
    for module in scope["new_model"].children():
        fraction = 0.2 if isinstance(module, nn.Conv2d) else 0.4
        assert _zero_count(module) == round(fraction * module.weight_orig.size)
    assert "Global sparsity: 20.00%" in text
    model = scope["model"]
    text = _run("class FooBarPruningMethod" + custom, scope)
    np.testing.assert_array_equal(scope["model"].fc3.bias_mask, [0, 1] * 5)
    assert scope["model"](ag.tensor(np.random.default_rng(0).normal(size=(2, 1, 32, 32)), dtype=ag.float32)).shape \
        == (2, 10)
    try:
        torch = _torch()
    except pytest.skip.Exception:
        return
    # global pruning against PyTorch's, on the same weights
    theirs = {"__name__": "pruning_tutorial_torch"}
    _run(TUTORIAL.split("model = LeNet()")[0], theirs)
    torch_model = theirs["LeNet"]().double()
    with torch.no_grad():
        for name, p in torch_model.named_parameters():
            module, attr = name.split(".")
            source = getattr(getattr(model, module), attr + "_orig" if attr == "weight" else attr)
            p.copy_(torch.tensor(source.data.astype(np.float64)))
    layers = [(getattr(torch_model, n), "weight") for n in ("conv1", "conv2", "fc1", "fc2", "fc3")]
    torch.nn.utils.prune.global_unstructured(layers, pruning_method=torch.nn.utils.prune.L1Unstructured, amount=0.2)
    for n in ("conv1", "conv2", "fc1", "fc2", "fc3"):
        np.testing.assert_array_equal(getattr(model, n).weight_mask, getattr(torch_model, n).weight_mask.numpy())


def test_identity_custom_from_mask_and_copies_by_hand():
    w = RNG.normal(size=(3, 4))
    m = prune.identity(_linear(w, np.zeros(3)), "weight")
    np.testing.assert_array_equal(m.weight_mask, np.ones((3, 4)))
    np.testing.assert_array_equal(m.weight.data, w)
    mask = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 1, 0]])
    prune.custom_from_mask(m, "weight", mask=ag.tensor(mask))
    np.testing.assert_array_equal(m.weight_mask, mask)
    prune.custom_from_mask(m, "weight", mask=np.ones((3, 4)) - np.eye(3, 4))  # combined with the first
    np.testing.assert_array_equal(m.weight_mask, mask * (1 - np.eye(3, 4)))
    twin = copy.deepcopy(m)  # the copy has its own hook, reading its own weight_orig and weight_mask
    twin.weight_orig.data[...] = 1.0
    x = np.ones((1, 4))
    np.testing.assert_allclose(twin(ag.tensor(x)).data, (twin.weight_mask @ x.T).T)
    np.testing.assert_allclose(m(ag.tensor(x)).data, ((w * m.weight_mask) @ x.T).T)
    unpickled = pickle.loads(pickle.dumps(m))  # the computed weight as a leaf copy; the hook recomputes it
    unpickled.weight_orig.data[...] = 2.0
    np.testing.assert_allclose(unpickled(ag.tensor(x)).data, (2.0 * m.weight_mask @ x.T).T)
    prune.remove(twin, "weight")
    assert prune.is_pruned(m) and not prune.is_pruned(twin)
