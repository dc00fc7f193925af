"""A student's course project, the PyTorch way (`import autograd_core as torch`): the errors met while
training name the problem, and training loops give PyTorch's numbers from the same initial weights.

Found in the second walk-through: an exhausted `model.parameters()` generator gave only "empty parameter
list"; a load_state_dict size mismatch named only the first key, and was not a RuntimeError (PyTorch's type).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn


# ----------------------------------------------------------------------------------------------------
# Errors a student meets.


def test_a_used_up_parameter_generator_is_named_as_the_cause():
    model = nn.Linear(2, 2)
    params = model.parameters()
    torch.optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"optimizer got an empty parameter list \(Adam: a generator such as "
                                         r"model\.parameters\(\) is used up after one pass"):
        torch.optim.Adam(params, lr=0.1)


def test_an_empty_list_of_parameters_gets_no_generator_hint():
    with pytest.raises(ValueError, match=r"^optimizer got an empty parameter list \(SGD\)$"):
        torch.optim.SGD([], lr=0.1)


def _sequential(hidden):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def test_load_state_dict_names_every_size_mismatch_and_changes_nothing():
    model = _sequential(4)
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError) as exc:  # PyTorch's type: code written for PyTorch catches it
        model.load_state_dict(_sequential(3).state_dict())
    message = str(exc.value)
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, nn.CheckpointError)
    assert message.startswith("Error(s) in loading state_dict for Sequential:\n\t")  # PyTorch's words
    for key, ours, theirs in [("0.weight", "4, 2", "3, 2"), ("0.bias", "4", "3"), ("2.weight", "1, 4", "1, 3")]:
        assert (f"size mismatch for {key}: copying a param with shape torch.Size([{theirs}]) from checkpoint, the "
                f"shape in current model is torch.Size([{ours}]).") in message
    assert "2.bias" not in message  # (1,) in both
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(value), before[key])


def test_load_state_dict_missing_and_unexpected_keys_are_a_runtime_error_naming_them():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    with pytest.raises(RuntimeError, match=r'Error\(s\) in loading state_dict for Sequential:\n\tMissing key\(s\) in '
                                           r'state_dict: "1.weight", "1.bias". \n\tUnexpected key\(s\) in state_dict: '
                                           r'"2.weight", "2.bias". $'):
        model.load_state_dict(_sequential(3).state_dict())
    result = model.load_state_dict(_sequential(3).state_dict(), strict=False)
    assert result.missing_keys == ["1.weight", "1.bias"] and result.unexpected_keys == ["2.weight", "2.bias"]


def test_pytorch_raises_runtime_error_for_the_same_state_dicts():
    real = pytest.importorskip("torch")

    def seq(hidden):
        return real.nn.Sequential(real.nn.Linear(2, hidden), real.nn.ReLU(), real.nn.Linear(hidden, 1))

    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        seq(4).load_state_dict(seq(3).state_dict())


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: nn.Linear(2, 5)(torch.randn(4, 3)), ValueError,
         r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 2x5\): Linear expected input of shape \(\.\.\., 2\), "
         r"got \(4, 3\)"),
        (lambda: nn.Conv2d(3, 8, 3)(torch.randn(2, 1, 8, 8)), ValueError, r"has 1 channels.*expects in_channels.* = 3"),
        (lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0])), TypeError,
         r"cross_entropy: class labels must be integers, got dtype float32 of shape \(4,\)"),
        (lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0, 1, 3, 1])), IndexError,
         r"cross_entropy: labels must be in \[0, 3\)"),
        (lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0, 1, 2])), ValueError,
         r"input of shape \(4, 3\) needs integer labels of shape \(4,\), got \(3,\)"),
        (lambda: nn.LSTM(4, 8, batch_first=True)(torch.randn(2, 5, 3)), RuntimeError, r"Expected 4, got 3"),
        (lambda: nn.BatchNorm1d(3)(torch.randn(1, 3)), ValueError, r"more than 1 value per channel when training"),
    ],
    ids=["linear-shape", "conv-channels", "ce-float-labels", "ce-label-range", "ce-batch", "lstm-size", "bn-batch1"],
)
def test_training_mistakes_name_the_problem(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_backward_twice_names_retain_graph():
    x = torch.randn(3, requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


# ----------------------------------------------------------------------------------------------------
# Training loops written the PyTorch way give PyTorch's numbers from the same initial weights.


def _mlp_bn(lib):
    n = lib.nn
    return n.Sequential(n.Linear(6, 16), n.BatchNorm1d(16), n.ReLU(), n.Dropout(0.0), n.Linear(16, 3))


def _cnn(lib):
    n = lib.nn
    return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(), n.MaxPool2d(2),
                        n.Conv2d(4, 6, 3), n.ReLU(), n.AdaptiveAvgPool2d(1), n.Flatten(), n.Linear(6, 3))


def _lstm(lib):
    class LastStep(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lib.nn.LSTM(4, 8, num_layers=2, batch_first=True)
            self.head = lib.nn.Linear(8, 3)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.head(out[:, -1])

    return LastStep()


def _encoder(lib):
    class Encoder(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = lib.nn.Linear(4, 8)
            layer = lib.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                                   batch_first=True)
            self.enc = lib.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.head = lib.nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.enc(self.inp(x)).mean(dim=1))

    return Encoder()


MODELS = {  # name: (builder, one input's shape, optimizer, its keyword arguments)
    "mlp-batchnorm-adam": (_mlp_bn, (6,), "Adam", {"lr": 1e-2}),
    "cnn-sgd-momentum": (_cnn, (1, 6, 6), "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}),
    "lstm-rmsprop": (_lstm, (5, 4), "RMSprop", {"lr": 1e-2}),
    "transformer-adamw": (_encoder, (4, 4), "AdamW", {"lr": 3e-3}),
}


def _batches(shape, steps=4, batch=6, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((batch, *shape)), rng.integers(0, 3, batch)) for _ in range(steps)]


def _array(x):
    """A copy as an ndarray, of our arrays or of PyTorch's tensors."""
    return np.array(x.detach().numpy() if hasattr(x, "detach") else x)


def _train(lib, model, optimizer_name, kwargs, batches, dtype):
    """The student's loop: train(), zero_grad, forward, loss, backward, clip, step, StepLR; then eval()."""
    optimizer = getattr(lib.optim, optimizer_name)(model.parameters(), **kwargs)
    scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses, norms, first_grads = [], [], None
    for xb, yb in batches:
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(model(lib.tensor(xb, dtype=dtype)), lib.tensor(yb))
        loss.backward()
        if first_grads is None:
            first_grads = {name: _array(p.grad) for name, p in model.named_parameters()}
        norms.append(float(lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)))
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    model.eval()
    with lib.no_grad():
        evaluated = model(lib.tensor(batches[0][0], dtype=dtype))
    return np.array(losses), np.array(norms), first_grads, np.asarray(evaluated.detach().numpy())


@pytest.mark.parametrize("name", list(MODELS))
def test_training_loop_matches_pytorch_in_float64(name):
    real = pytest.importorskip("torch")
    build, shape, optimizer_name, kwargs = MODELS[name]
    batches = _batches(shape)
    real.manual_seed(0)
    theirs = build(real).double()
    ours = build(torch).double()
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})
    t_loss, t_norm, t_grads, t_eval = _train(real, theirs, optimizer_name, kwargs, batches, real.float64)
    o_loss, o_norm, o_grads, o_eval = _train(torch, ours, optimizer_name, kwargs, batches, torch.float64)
    assert set(o_grads) == set(t_grads)
    for key in t_grads:
        np.testing.assert_allclose(o_grads[key], t_grads[key], rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(o_loss, t_loss, rtol=1e-9)
    np.testing.assert_allclose(o_norm, t_norm, rtol=1e-9)
    np.testing.assert_allclose(o_eval, t_eval, rtol=1e-7, atol=1e-9)  # eval(): BatchNorm's running statistics
    assert o_loss[-1] != o_loss[0]  # it trained


@pytest.mark.parametrize("name", ["lstm-rmsprop", "transformer-adamw"])
def test_sequence_models_gradients_by_finite_differences(name):
    build, shape, _, _ = MODELS[name]
    torch.manual_seed(0)
    model = build(torch).double()
    model.eval()
    x = np.random.default_rng(1).standard_normal((2, *shape))
    assert torch.gradcheck(lambda v: model(v), [x])


def test_freezing_with_requires_grad_matches_pytorch():
    real = pytest.importorskip("torch")
    batches = _batches((6,), steps=3)
    results = {}
    for lib in (real, torch):
        lib.manual_seed(0)
        model = _mlp_bn(lib).double()
        if lib is real:
            start = {key: value.detach().numpy().copy() for key, value in model.state_dict().items()}
        else:
            model.load_state_dict(start)
        assert model[0].requires_grad_(False) is model[0]
        trainable = [p for p in model.parameters() if p.requires_grad]
        assert len(trainable) == 4  # BatchNorm's weight and bias, the last Linear's weight and bias
        optimizer = lib.optim.Adam(trainable, lr=1e-2)
        losses = []
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(xb)), lib.tensor(yb))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        assert model[0].weight.grad is None
        np.testing.assert_array_equal(np.asarray(model[0].weight.detach().numpy()), start["0.weight"])
        assert not np.array_equal(np.asarray(model[4].weight.detach().numpy()), start["4.weight"])
        results[lib.__name__] = losses
    np.testing.assert_allclose(results["autograd_core"], results["torch"], rtol=1e-9)


def test_requires_grad_true_unfreezes():
    model = _mlp_bn(torch)
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    assert model.requires_grad_() is model
    assert all(p.requires_grad for p in model.parameters())


def test_a_courses_set_seed_runs_without_a_gpu():
    def set_seed(seed):
        np.random.seed(seed)
        torch.manual_seed(seed)
        torch.cuda.manual_seed(seed)
        torch.cuda.manual_seed_all(seed)

    set_seed(3)
    a = torch.randn(3).tolist()
    set_seed(3)
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    assert torch.randn(3).tolist() == a  # the CUDA calls leave the CPU generator alone, as PyTorch's


def test_double_and_float_convert_parameters_and_floating_buffers_as_pytorch():
    model = _mlp_bn(torch)
    assert model.double() is model
    bn = model[1]
    assert bn.weight.dtype == np.float64 and bn.running_mean.dtype == np.float64 and bn.running_var.dtype == np.float64
    assert np.asarray(bn.num_batches_tracked).dtype.kind == "i"  # integer buffers keep their dtype
    assert model.float() is model and bn.running_var.dtype == np.float32 and model[0].weight.dtype == np.float32
    real = pytest.importorskip("torch")
    theirs = _mlp_bn(real).double()[1]
    assert theirs.running_mean.dtype == real.float64 and theirs.num_batches_tracked.dtype == real.int64


# ----------------------------------------------------------------------------------------------------
# Checkpoint and resume, as a course teaches it: torch.save of a dict of state dicts, torch.load, go on.


def _resume_setup():
    from autograd_core.utils.data import DataLoader, TensorDataset

    rng = np.random.default_rng(5)  # the same data in both runs
    data = TensorDataset(torch.tensor(rng.standard_normal((48, 6)), dtype=torch.float32),
                         torch.tensor(rng.integers(0, 3, 48)))
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    return DataLoader(data, batch_size=16, shuffle=True), model, optimizer, scheduler


def _epoch(loader, model, optimizer, scheduler):
    model.train()
    losses = []
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
    return losses


@pytest.mark.parametrize("weights_only", [None, True])
def test_resume_from_torch_save_continues_identically(tmp_path, weights_only):
    torch.manual_seed(0)
    loader, model, optimizer, scheduler = _resume_setup()
    _epoch(loader, model, optimizer, scheduler)
    path = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 1, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state()}, path)
    straight_on = [_epoch(loader, model, optimizer, scheduler) for _ in range(2)]

    torch.manual_seed(123)  # a new process: other weights, another generator state
    loader, model, optimizer, scheduler = _resume_setup()
    state = torch.load(path) if weights_only is None else torch.load(path, weights_only=weights_only)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"])  # the shuffling and the Dropout masks
    assert state["epoch"] == 1 and scheduler.get_last_lr() == [5e-3]
    resumed = [_epoch(loader, model, optimizer, scheduler) for _ in range(2)]
    assert resumed == straight_on
    model.eval()
    with torch.no_grad():
        assert not model(torch.randn(2, 6)).requires_grad
