"""Idioms of PyTorch code being ported that autograd-core met differently (found by running PyTorch users' scripts
with both libraries): each is checked on its own, and against PyTorch where it is installed."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_core as ag


def test_cat_leaves_out_empty_1d_tensors_as_pytorch():
    # The evaluation loop's accumulator: `preds = torch.tensor([])`, then `torch.cat([preds, batch])` over (N, C)
    # batches. PyTorch skips a (0,)-shaped operand among others; NumPy's concatenate refused the mixed ranks.
    preds = ag.tensor([])
    for i in range(3):
        preds = ag.cat([preds, ag.ones(2, 4) * i], dim=0)
    assert preds.shape == (6, 4) and preds.dtype == np.float32
    np.testing.assert_array_equal(preds[:, 0].data, [0, 0, 1, 1, 2, 2])
    x = ag.ones(2, 3, requires_grad=True)
    ag.cat((ag.empty(0), x * 2)).sum().backward()  # torch.cat's tuple too; the gradient passes
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert ag.cat([ag.tensor([]), ag.tensor([[1, 2]])]).dtype == np.float32   # the empty one's dtype still counts
    assert ag.concat([ag.tensor([]), ag.ones(2, 3)], dim=1).shape == (2, 3)
    assert ag.cat([ag.tensor([]), ag.tensor([])]).shape == (0,)
    with pytest.raises(ValueError):
        ag.cat([ag.zeros(0, 3), ag.ones(2, 4)])  # an empty 2-D operand is not left out, as in PyTorch


def test_cat_of_empty_1d_tensors_matches_pytorch():
    torch = pytest.importorskip("torch")
    cases = (lambda lib: lib.cat([lib.tensor([]), lib.tensor([[1, 2], [3, 4]])]),
             lambda lib: lib.cat([lib.tensor([[1.5]]), lib.tensor([], dtype=lib.int64)], dim=1),
             lambda lib: lib.cat([lib.tensor([], dtype=lib.int64), lib.tensor([1, 2])]))
    for make in cases:
        ours, theirs = make(ag), make(torch)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_memory_formats_are_names_the_factories_clone_and_to_accept():
    # PyTorch's optimizers' own code, copied into custom ones: `torch.zeros_like(p, memory_format=torch.
    # preserve_format)`; performance code: `model.to(memory_format=torch.channels_last)`. The formats change no
    # numbers here; both the names and the argument were missing.
    p = ag.nn.Parameter(ag.ones(2, 3))
    for like in (ag.zeros_like, ag.ones_like, ag.empty_like, ag.rand_like, ag.randn_like):
        out = like(p, memory_format=ag.preserve_format)
        assert out.shape == (2, 3) and out.dtype == np.float32 and not out.requires_grad
    assert ag.full_like(p, 7.0, memory_format=ag.contiguous_format).data.tolist() == [[7.0] * 3] * 2
    assert ag.randint_like(p, 5, memory_format=ag.preserve_format).shape == (2, 3)
    y = p.clone(memory_format=ag.preserve_format) * 2
    assert y.requires_grad and ag.clone(p, memory_format=ag.contiguous_format).shape == (2, 3)
    assert p.data.clone(memory_format=ag.preserve_format).shape == (2, 3)  # a parameter's .data, too
    conv = ag.nn.Conv2d(3, 4, 3).to(memory_format=ag.channels_last)
    x = ag.ones(1, 3, 5, 5).to(memory_format=ag.channels_last)
    assert conv(x).shape == (1, 4, 3, 3) and x.contiguous(memory_format=ag.contiguous_format) is x
    assert repr(ag.channels_last) == "torch.channels_last" and repr(ag.channels_last_3d) == "torch.channels_last_3d"
    assert isinstance(ag.preserve_format, ag.memory_format)
    import pickle
    assert pickle.loads(pickle.dumps(ag.preserve_format)) is ag.preserve_format
    with pytest.raises(TypeError, match="argument 'memory_format' must be torch.memory_format, not str"):
        ag.zeros_like(p, memory_format="channels_last")
    # torch.dtype and torch.layout: the types, for annotations and isinstance (`def f(dtype: torch.dtype = ...)`)
    assert isinstance(ag.float32, ag.dtype) and isinstance(p.dtype, ag.dtype) and isinstance(ag.strided, ag.layout)


def test_nn_init_deprecated_names_fill_a_tensor_as_pytorch():
    # Code from before PyTorch 0.4 calls nn.init without the underscore: `init.xavier_uniform(m.weight)`,
    # `init.constant(m.bias, 0)`. PyTorch still runs them (in place, FutureWarning); here the names were shape
    # functions, and a tensor given to them raised, or (constant, eye, dirac) was missing.
    init = ag.nn.init
    conv = ag.nn.Conv2d(4, 4, 3)
    for name, args in (("xavier_uniform", ()), ("xavier_normal", (2.0,)), ("kaiming_uniform", ()),
                       ("kaiming_normal", (0, "fan_out")), ("normal", (0.0, 0.01)), ("uniform", (-0.1, 0.1)),
                       ("orthogonal", ())):
        before = conv.weight.data.copy()
        with pytest.warns(FutureWarning, match=rf"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`"):
            out = getattr(init, name)(conv.weight, *args)
        assert out is conv.weight and not np.array_equal(conv.weight.data, before), name
    assert np.abs(conv.weight.data).max() < 10
    with pytest.warns(FutureWarning):
        init.uniform(conv.weight.data, -0.01, 0.01)  # a parameter's .data, as old code passes it
    assert np.abs(conv.weight.data).max() <= 0.01
    with pytest.warns(FutureWarning, match="nn.init.constant"):
        init.constant(conv.bias, 0.25)
    np.testing.assert_array_equal(conv.bias.data, 0.25)
    with pytest.warns(FutureWarning, match="nn.init.dirac"):
        init.dirac(conv.weight)
    linear = ag.nn.Linear(3, 3)
    with pytest.warns(FutureWarning, match="nn.init.eye"):
        init.eye(linear.weight)
    np.testing.assert_array_equal(linear.weight.data, np.eye(3))
    with pytest.warns(FutureWarning, match="nn.init.sparse"):
        init.sparse(linear.weight, 0.5)
    assert (linear.weight.data == 0).sum(axis=0).tolist() == [2, 2, 2]
    # shapes keep the names' own meaning: arrays of that shape
    assert init.xavier_uniform((2, 3), rng=0).shape == (2, 3) and init.normal((4,), 0.0, 1.0, rng=0).dtype == np.float32


def test_nn_init_deprecated_names_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = ag.nn.Conv2d(2, 4, 3), torch.nn.Conv2d(2, 4, 3)
    with pytest.warns(FutureWarning):
        ag.nn.init.dirac(ours.weight, 2)
    with pytest.warns(FutureWarning):
        torch.nn.init.dirac(theirs.weight, 2)
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    with pytest.warns(FutureWarning):
        ag.nn.init.constant(ours.bias, -1.5)
    with pytest.warns(FutureWarning):
        torch.nn.init.constant(theirs.bias, -1.5)
    np.testing.assert_array_equal(ours.bias.data, theirs.bias.detach().numpy())


def test_functional_upsample_nearest_and_bilinear():
    x = ag.arange(4.0).view(1, 1, 2, 2)
    with pytest.warns(UserWarning, match="nn.functional.upsample_nearest` is deprecated"):
        near = ag.nn.functional.upsample_nearest(x, scale_factor=2)
    np.testing.assert_array_equal(near.data[0, 0], np.repeat(np.repeat([[0.0, 1.0], [2.0, 3.0]], 2, 0), 2, 1))
    with pytest.warns(UserWarning, match="nn.functional.upsample_bilinear` is deprecated"):
        bil = ag.nn.functional.upsample_bilinear(x, size=(3, 3))
    np.testing.assert_allclose(bil.data[0, 0], [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]])  # corners aligned
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    for name, kwargs in (("upsample_nearest", {"scale_factor": 2}), ("upsample_bilinear", {"size": (5, 7)})):
        with pytest.warns(UserWarning):
            ours = getattr(ag.nn.functional, name)(ag.tensor(data), **kwargs)
        with pytest.warns(UserWarning):
            theirs = getattr(torch.nn.functional, name)(torch.tensor(data), **kwargs)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_pytorchs_nn_module_paths_import():
    # Custom layers and losses import from PyTorch's own module paths; these were ModuleNotFoundErrors.
    from autograd_core import nn
    from autograd_core.nn.common_types import _size_2_t  # noqa: F401  (an annotation's alias)
    from autograd_core.nn.modules.batchnorm import _BatchNorm
    from autograd_core.nn.modules.conv import _ConvNd
    from autograd_core.nn.modules.loss import _Loss, _WeightedLoss
    from autograd_core.nn.norm import _BatchNorm as ours
    from autograd_core.nn.modules.module import Module
    from autograd_core.nn.modules.utils import _pair, _quadruple, _reverse_repeat_tuple, _single, _triple
    from autograd_core.nn.parameter import Parameter

    assert Parameter is nn.Parameter and Module is nn.Module and nn.modules.Conv2d is nn.Conv2d
    assert (_single(2), _pair(3), _triple((1, 2, 3)), _quadruple(0)) == ((2,), (3, 3), (1, 2, 3), (0, 0, 0, 0))
    assert _reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)
    assert issubclass(nn.Conv2d, _ConvNd) and issubclass(nn.CrossEntropyLoss, _Loss) and _BatchNorm is ours
    assert issubclass(_WeightedLoss, _Loss)
    # the weight-decay grouping idiom, with attribute access only (`import torch.nn as nn`)
    norms = [m for m in nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.SyncBatchNorm(2)).modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == 2 and nn.parameter.Parameter is Parameter
    assert nn.modules.loss.MSELoss is nn.MSELoss and nn.modules.rnn.LSTM is nn.LSTM


def test_custom_losses_on_pytorchs_loss_bases():
    from autograd_core.nn.modules.loss import _Loss, _WeightedLoss
    import autograd_core.nn.functional as F

    class FocalLoss(_WeightedLoss):  # as written for PyTorch
        def __init__(self, weight=None, gamma=2.0, reduction="mean"):
            super().__init__(weight, reduction=reduction)
            self.gamma = gamma

        def forward(self, input, target):
            ce = F.cross_entropy(input, target, weight=self.weight, reduction="none")
            return ((1 - (-ce).exp()) ** self.gamma * ce).mean()

    class Absolute(_Loss):
        def __init__(self, size_average=None, reduce=None, reduction="mean"):
            super().__init__(size_average, reduce, reduction)  # PyTorch's positional order

        def forward(self, a, b):
            return (a - b).abs().sum() if self.reduction == "sum" else (a - b).abs().mean()

    focal = FocalLoss(weight=ag.tensor([1.0, 2.0, 3.0]))
    assert list(focal.state_dict()) == ["weight"] and FocalLoss().weight is None
    x = ag.tensor([[0.2, -1.0, 0.5], [1.5, 0.3, -0.2]], dtype=ag.float64, requires_grad=True)
    loss = focal(x, ag.tensor([2, 0]))
    loss.backward()
    assert x.grad.shape == (2, 3)
    assert float(Absolute(reduction="sum")(ag.ones(2), ag.zeros(2))) == 2.0
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert Absolute(False).reduction == "sum"
    with pytest.raises(ValueError):
        Absolute(reduction="avg")
    torch = pytest.importorskip("torch")

    class TorchFocal(torch.nn.modules.loss._WeightedLoss):
        def __init__(self, weight=None, gamma=2.0, reduction="mean"):
            super().__init__(weight, reduction=reduction)
            self.gamma = gamma

        def forward(self, input, target):
            ce = torch.nn.functional.cross_entropy(input, target, weight=self.weight, reduction="none")
            return ((1 - (-ce).exp()) ** self.gamma * ce).mean()

    t = torch.tensor(x.data, requires_grad=True)
    expected = TorchFocal(weight=torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))(t, torch.tensor([2, 0]))
    expected.backward()
    np.testing.assert_allclose(float(loss), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10)


def test_the_librarys_own_hinge_loss_keeps_reduction_first():
    # _Loss took PyTorch's (size_average, reduce, reduction) for custom losses; HingeLoss, which has no PyTorch
    # counterpart and no constructor of its own, must still read its first argument as the reduction.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.nn.HingeLoss("sum").reduction == "sum" and ag.nn.HingeLoss().reduction == "mean"


def test_parametrize_cached_computes_the_attribute_once():
    from autograd_core.nn.utils import parametrize

    class Symmetric(ag.nn.Module):
        calls = 0

        def forward(self, X):
            Symmetric.calls += 1
            return X.triu() + X.triu(1).transpose(-1, -2)

    lin = ag.nn.Linear(3, 3)
    parametrize.register_parametrization(lin, "weight", Symmetric())
    assert parametrize.type_before_parametrizations(lin) is ag.nn.Linear and type(lin).__name__ == "ParametrizedLinear"
    assert parametrize.type_before_parametrizations(ag.nn.ReLU()) is ag.nn.ReLU
    Symmetric.calls = 0
    with parametrize.cached():
        first = lin.weight
        with parametrize.cached():  # nested: still the one value
            assert lin.weight is first
        loss = sum((lin(ag.ones(1, 3)) * k).sum() for k in range(1, 4))  # an RNN-like loop of reads
    assert Symmetric.calls == 1
    loss.backward()
    original = lin.parametrizations.weight.original
    np.testing.assert_allclose(original.grad, 6.0 * (np.triu(np.ones((3, 3))) + np.triu(np.ones((3, 3)), 1)))
    assert lin.weight is not first and Symmetric.calls == 2  # outside, computed at each read again


def test_module_register_module_and_to_an_integer_dtype():
    m = ag.nn.Linear(2, 2)
    m.register_module("act", ag.nn.ReLU())
    assert [name for name, _ in m.named_children()] == ["act"]
    # PyTorch refuses: integer weights truncate and take no gradient steps. Here they were converted silently.
    for dtype in (ag.int64, ag.bool):
        with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes"):
            m.to(dtype)
    assert m.weight.dtype == np.float32 and m.to(ag.float64).weight.dtype == np.float64


def _state_dict_hook_run(lib):
    """PyTorch's state-dict hooks as code uses them: renaming an old checkpoint's keys on load, clearing keys a
    module expects to miss, dropping an entry on save. Returns what happened, as plain values."""
    nn = lib.nn
    seen = []

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(2, 2)
            self.register_buffer("cache", lib.zeros(2))
            self._register_load_state_dict_pre_hook(self._rename)  # an old checkpoint called proj "fc"
            self.register_load_state_dict_post_hook(lambda module, keys: keys.missing_keys.remove(
                next(k for k in keys.missing_keys if k.endswith("cache"))))
            self.register_state_dict_post_hook(self._drop_cache)
            self.register_state_dict_pre_hook(lambda module, prefix, keep_vars: seen.append(("pre", prefix)))

        @staticmethod
        def _rename(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
            for key in list(state_dict):
                if key.startswith(prefix + "fc."):
                    state_dict[prefix + "proj." + key[len(prefix + "fc."):]] = state_dict.pop(key)

        @staticmethod
        def _drop_cache(module, state_dict, prefix, local_metadata):
            seen.append(("post", prefix))
            del state_dict[prefix + "cache"]

    model = nn.Sequential(Block(), nn.ReLU(), Block())
    keys = list(model.state_dict())
    old = {"0.fc.weight": lib.ones(2, 2), "0.fc.bias": lib.zeros(2), "2.fc.weight": lib.eye(2),
           "2.fc.bias": lib.ones(2)}
    result = model.load_state_dict(old)  # strict: the renamed keys load, the caches' absence is cleared
    handle = model[0].register_state_dict_pre_hook(lambda module, prefix, keep_vars: seen.append(("extra", prefix)))
    handle.remove()
    model.state_dict()
    return (keys, list(result.missing_keys), list(result.unexpected_keys), sorted(old), seen,
            np.asarray(model[2].proj.weight.detach().numpy() if hasattr(model[2].proj.weight, "detach")
                       else model[2].proj.weight.data).tolist())


def test_state_dict_hooks_as_pytorch():
    keys, missing, unexpected, caller_keys, seen, weight = _state_dict_hook_run(ag)
    assert keys == ["0.proj.weight", "0.proj.bias", "2.proj.weight", "2.proj.bias"]
    assert missing == [] and unexpected == [] and weight == [[1.0, 0.0], [0.0, 1.0]]
    assert caller_keys == ["0.fc.bias", "0.fc.weight", "2.fc.bias", "2.fc.weight"]  # the caller's dict is unchanged
    assert seen[:4] == [("pre", "0."), ("pre", "2."), ("post", "2."), ("post", "0.")]
    torch = pytest.importorskip("torch")
    theirs = _state_dict_hook_run(torch)
    assert (keys, missing, unexpected, caller_keys, weight) == (theirs[0], theirs[1], theirs[2], theirs[3], theirs[5])
    assert sorted(seen) == sorted(theirs[4])  # the same calls (PyTorch interleaves pre and post by recursion)


class _Lion(ag.optim.Optimizer):
    """A custom optimizer as PyTorch code writes one (lucidrains' Lion): its state is tensors."""

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @ag.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.data.mul_(1 - group["lr"] * group["weight_decay"])
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = ag.zeros_like(p, memory_format=ag.preserve_format)
                exp_avg, (beta1, beta2) = state["exp_avg"], group["betas"]
                update = exp_avg * beta1 + p.grad * (1 - beta1)
                p.add_(ag.sign(update), alpha=-group["lr"])
                exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)


def test_a_custom_optimizers_tensor_state_saves_and_resumes():
    # Its state_dict held the live Values, and load_state_dict refused them ("is a Value, expected an array").
    import io

    def run(steps, resume_at=None):
        model = ag.nn.Linear(3, 1)
        with ag.no_grad():
            model.weight.copy_(ag.tensor([[0.5, -0.3, 0.2]]))
            model.bias.fill_(0.1)
        opt = _Lion(model.parameters(), weight_decay=0.1)
        x, y = ag.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]), ag.tensor([[1.0], [-1.0]])
        for step in range(steps):
            if step == resume_at:
                buffer = io.BytesIO()
                ag.save({"model": model.state_dict(), "opt": opt.state_dict()}, buffer)
                buffer.seek(0)
                checkpoint = ag.load(buffer)
                model = ag.nn.Linear(3, 1)
                model.load_state_dict(checkpoint["model"])
                opt = _Lion(model.parameters(), weight_decay=0.1)
                opt.load_state_dict(checkpoint["opt"])
                assert isinstance(opt.state[model.weight]["exp_avg"], ag.Value)
            opt.zero_grad()
            ag.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        return model.weight.data.copy(), opt

    straight, opt = run(6)
    resumed, _ = run(6, resume_at=3)
    np.testing.assert_array_equal(straight, resumed)
    saved = opt.state_dict()["state"][0]["exp_avg"]
    assert saved is opt.state[opt.param_groups[0]["params"][0]]["exp_avg"]  # the state's own Value, as PyTorch's
    before = copy.deepcopy(opt.state_dict())["state"][0]["exp_avg"]  # a snapshot
    saved.mul_(0)
    assert isinstance(before, ag.Value) and np.any(before.data != 0)


def _guided_backprop_run(lib):
    """Guided backpropagation and Grad-CAM as old tutorials write them, with the deprecated
    `module.register_backward_hook`: ReLUs pass only positive gradients; the last conv's gradient is kept."""
    nn = lib.nn
    conv1, conv2 = nn.Conv2d(1, 2, 3, padding=1), nn.Conv2d(2, 2, 3, padding=1)
    with lib.no_grad():
        conv1.weight.copy_(lib.tensor(np.linspace(-1, 1, 18).reshape(2, 1, 3, 3), dtype=lib.float32))
        conv2.weight.copy_(lib.tensor(np.linspace(1, -1, 36).reshape(2, 2, 3, 3), dtype=lib.float32))
        conv1.bias.zero_()
        conv2.bias.fill_(0.1)
    model = nn.Sequential(conv1, nn.ReLU(), conv2, nn.ReLU())
    kept = {}
    for module in model:
        if isinstance(module, nn.ReLU):
            module.register_backward_hook(lambda m, grad_in, grad_out: (grad_in[0].clamp(min=0.0),))
    conv2.register_backward_hook(lambda m, grad_in, grad_out: kept.__setitem__("grad", grad_out[0]))
    image = lib.tensor(np.linspace(-2, 3, 25).reshape(1, 1, 5, 5), dtype=lib.float32, requires_grad=True)
    out = model(image)
    out[0, 1].sum().backward()
    grad = kept["grad"]
    return np.asarray(image.grad.tolist()), np.asarray(grad.tolist())


def test_deprecated_module_backward_hook_for_guided_backprop_and_grad_cam():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's warning about non-full hooks on several-operation modules
        image_grad, kept = _guided_backprop_run(ag)
        assert image_grad.shape == (1, 1, 5, 5) and kept.shape == (1, 2, 5, 5)
        torch = pytest.importorskip("torch")
        theirs = _guided_backprop_run(torch)
    np.testing.assert_allclose(image_grad, theirs[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(kept, theirs[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: ag.mm(ag.ones(3), ag.ones(3, 2)), "self must be a matrix"),
    (lambda: ag.mm(ag.ones(2, 3, 4), ag.ones(4, 2)), "self must be a matrix"),
    (lambda: ag.ones(2, 3).mm(ag.ones(3)), "mat2 must be a matrix"),
    (lambda: ag.mm(ag.ones(2, 3), ag.ones(4, 2)), r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)"),
])
def test_mm_takes_matrices_only_as_pytorchs(call, message):
    # torch.mm is not matmul: a vector or a batch raises (it broadcast silently here, giving shapes PyTorch never gives)
    with pytest.raises(RuntimeError, match=message):
        call()
    assert ag.mm(ag.ones(2, 3), [[1.0], [2.0], [3.0]]).tolist() == [[6.0], [6.0]]


def test_is_autocast_enabled_and_get_autocast_dtype_follow_the_regions(monkeypatch):
    import warnings

    from autograd_core import amp

    monkeypatch.setattr(amp, "_SAID", [])  # leave the once-per-process warning to the tests that look for it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the once-per-process note that operations run at full precision
        assert not ag.is_autocast_enabled("cpu") and not ag.is_autocast_enabled()
        with ag.autocast("cpu", dtype=ag.float16):
            assert ag.is_autocast_enabled("cpu") and ag.get_autocast_dtype("cpu") == ag.float16
            assert not ag.is_autocast_enabled()  # no argument: PyTorch's deprecated CUDA meaning
            with ag.autocast("cpu", enabled=False):
                assert not ag.is_autocast_enabled("cpu")
            assert ag.is_autocast_enabled("cpu")
        assert not ag.is_autocast_enabled("cpu")
        assert ag.get_autocast_dtype("cpu") == ag.bfloat16 and ag.get_autocast_dtype("cuda") == ag.float16

        @ag.autocast("cpu")
        def inside():
            return ag.is_autocast_enabled("cpu")

        assert inside() and not ag.is_autocast_enabled("cpu")
        with pytest.raises(KeyError), ag.autocast("cpu"):
            raise KeyError("an error leaves the region closed")
        assert not ag.is_autocast_enabled("cpu")
